//! The integration process's use cases: adding and revising a customer's process records, reading
//! them with their earlier versions, and the customer's deadlines.

use kotopolku_domain::access::{self, Action, Jurisdiction};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::customer::Customer;
use kotopolku_domain::deadlines::{self, CustomerFacts, Deadline, ProcessFacts};
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind, ValidationContext};
use kotopolku_store::process as store;

use crate::audit::{self, Target};
use crate::{ServiceError, Services};

/// What a customer's page shows, read at once ([`Services::customer_file`]).
#[derive(Debug, Clone)]
pub struct CustomerFile {
    pub customer: Customer,
    /// Current versions, oldest record first.
    pub records: Vec<ProcessRecord>,
    pub deadlines: Vec<Deadline>,
    pub involvements: Vec<kotopolku_domain::directory::CountyInvolvement>,
}

impl Services {
    /// Adds a process record to a customer's file, as its version 1.
    pub async fn add_record(
        &self,
        actor: &Actor,
        customer_id: &str,
        content: RecordBody,
    ) -> Result<ProcessRecord, ServiceError> {
        let customer = self.visible_customer(actor, Action::ProcessWrite, customer_id).await?;
        refuse_after_end(&customer, &content)?;
        let county_code = self.record_county(actor, customer_id, &content).await?;
        let mut tx = self.db.begin().await?;
        let is_first_plan = content.kind() == RecordKind::Plan
            && store::current_of_kind_in(&mut tx, customer_id, RecordKind::Plan)
                .await?
                .is_empty();
        if content.kind() == RecordKind::Programme
            && !store::current_of_kind_in(&mut tx, customer_id, RecordKind::Programme)
                .await?
                .is_empty()
        {
            return Err(ServiceError::conflict(
                "programme_exists",
                None,
                "the customer already has an integration programme; revise it instead",
            ));
        }
        let content = self.validated(content, is_first_plan)?;
        ensure_measure_exists(&mut tx, customer_id, &content).await?;
        let record = ProcessRecord {
            id: uuid::Uuid::now_v7().to_string(),
            customer_id: customer_id.to_owned(),
            kind: content.kind(),
            version: 1,
            current: true,
            county_code,
            created_at: self.clock.now(),
            created_by: actor.id.clone(),
            created_by_name: actor.display_name.clone(),
            content: with_measure_ids(content),
        };
        save_version(tx, actor, record, "create").await
    }

    /// Revises a record: the new content becomes the next version and `based_on_version`, which must
    /// be the current one, stays readable as it was.
    pub async fn revise_record(
        &self,
        actor: &Actor,
        customer_id: &str,
        record_id: &str,
        based_on_version: i64,
        content: RecordBody,
    ) -> Result<ProcessRecord, ServiceError> {
        let customer = self.visible_customer(actor, Action::ProcessWrite, customer_id).await?;
        refuse_after_end(&customer, &content)?;
        // Decided before the transaction: a refusal is audited through the writer, which on SQLite
        // needs the write lock the transaction would hold.
        let county_code = self.record_county(actor, customer_id, &content).await?;
        let mut tx = self.db.begin().await?;
        let Some(current) = store::current_in(&mut tx, customer_id, record_id).await? else {
            drop(tx);
            return Err(self
                .refuse(
                    actor,
                    Action::ProcessWrite,
                    Target::record("record", record_id, customer_id),
                    ServiceError::NotFound,
                )
                .await);
        };
        if !self.may_see(actor, &current) {
            drop(tx);
            return Err(self
                .refuse(
                    actor,
                    Action::ProcessWrite,
                    Target::record(current.kind.as_str(), record_id, customer_id),
                    ServiceError::NotFound,
                )
                .await);
        }
        if based_on_version != current.version {
            return Err(ServiceError::Superseded {
                based_on: based_on_version,
                current_version: current.version,
            });
        }
        // A record keeps its kind and its multisectoral county across versions.
        if content.kind() != current.kind || (current.county_code.is_some() && county_code != current.county_code) {
            return Err(ServiceError::conflict(
                "kind_or_county_changed",
                Some("kind".into()),
                "a revision keeps the record's kind and multisectoral county; add a new record instead",
            ));
        }
        let is_first_plan = current.kind == RecordKind::Plan
            && store::current_of_kind_in(&mut tx, customer_id, RecordKind::Plan)
                .await?
                .first()
                .is_some_and(|first| first.id == current.id);
        let content = self.validated(content, is_first_plan)?;
        ensure_measure_exists(&mut tx, customer_id, &content).await?;
        content
            .may_follow(&current.content)
            .map_err(|t| ServiceError::conflict("transition_forbidden", Some(t.field), t.message))?;
        if !store::supersede(&mut tx, record_id, current.version).await? {
            return Err(ServiceError::VersionConflict {
                current_version: current.version + 1,
            });
        }
        let record = ProcessRecord {
            version: current.version + 1,
            county_code,
            created_at: self.clock.now(),
            created_by: actor.id.clone(),
            created_by_name: actor.display_name.clone(),
            content: with_measure_ids(content),
            ..current
        };
        save_version(tx, actor, record, "revise").await
    }

    /// The current versions of a customer's records that the actor may see, oldest first.
    pub async fn records(
        &self,
        actor: &Actor,
        customer_id: &str,
        kind: Option<RecordKind>,
    ) -> Result<Vec<ProcessRecord>, ServiceError> {
        self.visible_customer(actor, Action::ProcessRead, customer_id).await?;
        let records: Vec<ProcessRecord> = store::current(&self.db, customer_id, kind)
            .await?
            .into_iter()
            .filter(|r| self.may_see(actor, r))
            .collect();
        self.audit_record_reads(actor, customer_id, &records).await?;
        Ok(records)
    }

    /// Everything a customer's page shows: the customer, the current process records the actor may
    /// see, the deadlines and the wellbeing counties' involvements, with one audit group for all
    /// the reads (one commit instead of one per part). A role that may read the customer but not the
    /// process gets the customer alone.
    pub async fn customer_file(&self, actor: &Actor, customer_id: &str) -> Result<CustomerFile, ServiceError> {
        let customer = self.visible_customer(actor, Action::CustomerRead, customer_id).await?;
        let reads_process = actor
            .role
            .is_some_and(|role| access::grant_for(role, Action::ProcessRead).is_some());
        let (records, deadlines) = if reads_process {
            self.visible_customer(actor, Action::ProcessRead, customer_id).await?;
            let records: Vec<ProcessRecord> = store::current(&self.db, customer_id, None)
                .await?
                .into_iter()
                .filter(|r| self.may_see(actor, r))
                .collect();
            let deadlines = deadlines_of(
                &self.deadline_rules,
                &customer_facts(&customer),
                &records,
                self.clock.today(),
            );
            (records, deadlines)
        } else {
            (Vec::new(), Vec::new())
        };
        let involvements = kotopolku_store::directory::involvements(&self.db, customer_id).await?;
        let mut reads = vec![(Action::CustomerRead, Target::customer(customer_id))];
        if reads_process {
            reads.extend(
                records
                    .iter()
                    .map(|r| (Action::ProcessRead, Target::record(r.kind.as_str(), &r.id, customer_id))),
            );
            reads.push((
                Action::ProcessRead,
                Target::record("deadlines", customer_id, customer_id),
            ));
        }
        self.audit_reads_of(actor, &reads).await?;
        Ok(CustomerFile {
            customer,
            records,
            deadlines,
            involvements,
        })
    }

    /// One record's current version.
    pub async fn record(
        &self,
        actor: &Actor,
        customer_id: &str,
        record_id: &str,
    ) -> Result<ProcessRecord, ServiceError> {
        let versions = self.versions_visible(actor, customer_id, record_id).await?;
        let current = versions.into_iter().find(|r| r.current).ok_or(ServiceError::NotFound)?;
        self.audit_record_reads(actor, customer_id, std::slice::from_ref(&current))
            .await?;
        Ok(current)
    }

    /// Every version of a record, oldest first.
    pub async fn record_versions(
        &self,
        actor: &Actor,
        customer_id: &str,
        record_id: &str,
    ) -> Result<Vec<ProcessRecord>, ServiceError> {
        let versions = self.versions_visible(actor, customer_id, record_id).await?;
        self.audit_record_reads(actor, customer_id, &versions[versions.len() - 1..])
            .await?;
        Ok(versions)
    }

    /// A plan and its customer, for the printable plan; audited as an export.
    pub async fn plan_for_print(
        &self,
        actor: &Actor,
        customer_id: &str,
        record_id: &str,
        version: Option<i64>,
    ) -> Result<(Customer, ProcessRecord), ServiceError> {
        let customer = self.visible_customer(actor, Action::ProcessRead, customer_id).await?;
        let versions = self.versions_visible(actor, customer_id, record_id).await?;
        let plan = versions
            .into_iter()
            .filter(|r| r.kind == RecordKind::Plan)
            .find(|r| version.map_or(r.current, |v| r.version == v))
            .ok_or(ServiceError::NotFound)?;
        self.audit_reads(
            actor,
            Action::ProcessRead,
            &[Target::record("plan.print", &plan.id, customer_id)],
        )
        .await?;
        Ok((customer, plan))
    }

    /// Every deadline of a customer as of today, computed from the records the actor may see.
    pub async fn customer_deadlines(&self, actor: &Actor, customer_id: &str) -> Result<Vec<Deadline>, ServiceError> {
        let customer = self.visible_customer(actor, Action::ProcessRead, customer_id).await?;
        let records: Vec<ProcessRecord> = store::current(&self.db, customer_id, None)
            .await?
            .into_iter()
            .filter(|r| self.may_see(actor, r))
            .collect();
        self.audit_reads(
            actor,
            Action::ProcessRead,
            &[Target::record("deadlines", customer_id, customer_id)],
        )
        .await?;
        Ok(deadlines_of(
            &self.deadline_rules,
            &customer_facts(&customer),
            &records,
            self.clock.today(),
        ))
    }

    async fn versions_visible(
        &self,
        actor: &Actor,
        customer_id: &str,
        record_id: &str,
    ) -> Result<Vec<ProcessRecord>, ServiceError> {
        self.visible_customer(actor, Action::ProcessRead, customer_id).await?;
        let versions = store::versions(&self.db, customer_id, record_id).await?;
        match versions.last() {
            Some(latest) if self.may_see(actor, latest) => Ok(versions),
            latest => Err(self
                .refuse(
                    actor,
                    Action::ProcessRead,
                    Target::record(latest.map_or("record", |r| r.kind.as_str()), record_id, customer_id),
                    ServiceError::NotFound,
                )
                .await),
        }
    }

    fn may_see(&self, actor: &Actor, record: &ProcessRecord) -> bool {
        match (actor.role, &actor.jurisdiction) {
            (None, _) => true,
            (Some(role), Some(jurisdiction)) => access::process_record_visible(
                role,
                jurisdiction,
                record.county_code.as_deref(),
                record.content.is_sensitive(),
            ),
            (Some(_), None) => false,
        }
    }

    /// The multisectoral county a new version belongs to: the one the content names, which must be
    /// actively involved, or a county worker's own. A county worker may record only in their own
    /// county's multisectoral process.
    async fn record_county(
        &self,
        actor: &Actor,
        customer_id: &str,
        content: &RecordBody,
    ) -> Result<Option<String>, ServiceError> {
        let named = content.multisectoral_county().map(str::to_owned);
        if let Some(county) = &named
            && !self.active_counties(customer_id).await?.contains(county)
        {
            return Err(ServiceError::field(
                "multisectoral_county",
                "county_not_involved",
                "this wellbeing county is not involved in the customer's multisectoral process",
            ));
        }
        let own_county = match &actor.jurisdiction {
            Some(Jurisdiction::WellbeingCounty(county)) => Some(county.clone()),
            _ => None,
        };
        let county = named.or(own_county);
        if let (Some(role), Some(jurisdiction)) = (actor.role, &actor.jurisdiction)
            && !access::process_record_visible(role, jurisdiction, county.as_deref(), content.is_sensitive())
        {
            return Err(self
                .refuse(
                    actor,
                    Action::ProcessWrite,
                    Target::customer(customer_id),
                    ServiceError::forbidden("you may record only in your own county's multisectoral process"),
                )
                .await);
        }
        Ok(county)
    }

    fn validated(&self, content: RecordBody, is_first_plan: bool) -> Result<RecordBody, ServiceError> {
        let ctx = ValidationContext {
            today: self.clock.today(),
            rules: &self.deadline_rules,
            is_first_plan,
        };
        content.validate(&ctx).map_err(ServiceError::Validation)
    }

    async fn audit_record_reads(
        &self,
        actor: &Actor,
        customer_id: &str,
        records: &[ProcessRecord],
    ) -> Result<(), ServiceError> {
        let targets: Vec<Target<'_>> = records
            .iter()
            .map(|r| Target::record(r.kind.as_str(), &r.id, customer_id))
            .collect();
        self.audit_reads(actor, Action::ProcessRead, &targets).await
    }
}

/// A referral that carries out a plan measure must name a measure of one of the customer's plans.
async fn ensure_measure_exists(
    tx: &mut kotopolku_store::Tx,
    customer_id: &str,
    content: &RecordBody,
) -> Result<(), ServiceError> {
    let RecordBody::Referral(referral) = content else {
        return Ok(());
    };
    let Some(measure_id) = &referral.measure_id else {
        return Ok(());
    };
    let plans = store::current_of_kind_in(tx, customer_id, RecordKind::Plan).await?;
    let found = plans.iter().any(|record| match &record.content {
        RecordBody::Plan(plan) => plan.measures().any(|m| m.id.as_ref() == Some(measure_id)),
        _ => false,
    });
    if found {
        Ok(())
    } else {
        Err(ServiceError::field(
            "measure_id",
            "unknown_measure",
            "no measure with this id in the customer's integration plans",
        ))
    }
}

/// Writes a record's version with its audit row (`{kind}.{verb}`) and commits both together.
async fn save_version(
    mut tx: kotopolku_store::Tx,
    actor: &Actor,
    record: ProcessRecord,
    verb: &str,
) -> Result<ProcessRecord, ServiceError> {
    store::insert(&mut tx, &record).await?;
    kotopolku_store::statistics::forget_facts(&mut tx, &record.customer_id).await?;
    audit::record_success(
        &mut tx,
        actor,
        &format!("{}.{verb}", record.kind.as_str()),
        Target::record(record.kind.as_str(), &record.id, &record.customer_id),
        record.created_at,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// After the customership has ended only notes may be added: the file can still be completed, but
/// no new process starts.
fn refuse_after_end(customer: &Customer, content: &RecordBody) -> Result<(), ServiceError> {
    if customer.customership_end.is_some() && content.kind() != RecordKind::Note {
        return Err(ServiceError::AlreadyEnded);
    }
    Ok(())
}

/// Gives every new plan measure its lasting id.
pub(crate) fn with_measure_ids(mut content: RecordBody) -> RecordBody {
    if let RecordBody::Plan(plan) = &mut content {
        for measure in plan.measures_mut() {
            if measure.id.is_none() {
                measure.id = Some(uuid::Uuid::now_v7().to_string());
            }
        }
    }
    content
}

/// A customer's deadlines from the facts they follow from and the customer's current records.
pub(crate) fn deadlines_of(
    rules: &deadlines::DeadlineRules,
    facts: &CustomerFacts<'_>,
    records: &[ProcessRecord],
    today: chrono::NaiveDate,
) -> Vec<Deadline> {
    let mut process = ProcessFacts::default();
    for record in records {
        match &record.content {
            RecordBody::Assessment(a) => process.assessments.push((&record.id, a)),
            RecordBody::Plan(p) => process.plans.push((&record.id, p)),
            RecordBody::Referral(r) => process.referrals.push((&record.id, r)),
            RecordBody::Programme(p) => process.programme = Some((&record.id, p)),
            RecordBody::Note(_) | RecordBody::Appointment(_) => {}
        }
    }
    deadlines::customer_deadlines(rules, facts, &process, today)
}

/// What a customer's deadlines follow from, of all their data.
pub(crate) fn customer_facts(customer: &Customer) -> CustomerFacts<'_> {
    CustomerFacts {
        customership_start: customer.data.customership_start,
        customership_end: customer.customership_end,
        first_permit_date: customer.data.first_permit_date,
        target_group: customer.data.target_group.as_deref(),
    }
}
