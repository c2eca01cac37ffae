//! Importing assessments, plans, service referrals and notes, each linked to an imported customer by
//! the customer's legacy id. A record imported before is compared with the row and, if the row
//! differs, revised: the new content becomes the record's next version, as a caseworker's revision
//! would, and the earlier one stays readable.

use std::collections::{HashMap, HashSet};

use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind, ValidationContext};
use kotopolku_store::import::{self as store, LegacyLink};
use kotopolku_store::{bulk_load, statistics};
use serde_json::{Map, Value};

use super::convert::{Converter, prune_empty_entries};
use super::mapping::Mapping;
use super::source::SourceRow;
use super::{BatchOutcome, ImportKind, convert_batch, deserialize_problem, violation_problems};
use crate::audit::{self, Target};
use crate::{ServiceError, Services};

pub(super) struct RecordImport<'a> {
    services: &'a Services,
    actor: &'a Actor,
    source: &'a str,
    kind: ImportKind,
    record_kind: RecordKind,
    converter: &'a Converter,
    dry_run: bool,
    legacy_ids_seen: HashMap<String, u64>,
    /// Customers given a plan earlier in this file: a later plan is not their first.
    planned_customers: HashSet<String>,
}

struct Accepted {
    legacy_id: String,
    record: ProcessRecord,
    /// The version this one replaces, for a revision.
    replaces: bool,
}

impl<'a> RecordImport<'a> {
    pub(super) fn new(
        services: &'a Services,
        actor: &'a Actor,
        mapping: &'a Mapping,
        kind: ImportKind,
        converter: &'a Converter,
        dry_run: bool,
    ) -> Self {
        let record_kind = match kind {
            ImportKind::Assessments => RecordKind::Assessment,
            ImportKind::Plans => RecordKind::Plan,
            ImportKind::Services => RecordKind::Referral,
            ImportKind::Customers | ImportKind::Notes => RecordKind::Note,
        };
        Self {
            services,
            actor,
            source: &mapping.source,
            kind,
            record_kind,
            converter,
            dry_run,
            legacy_ids_seen: HashMap::new(),
            planned_customers: HashSet::new(),
        }
    }

    pub(super) async fn batch(&mut self, rows: &[SourceRow]) -> Result<BatchOutcome, ServiceError> {
        let mut outcome = BatchOutcome::default();
        let converted = convert_batch(self.converter, rows, &mut self.legacy_ids_seen, &mut outcome);
        let db = &self.services.db;
        let record_ids: Vec<String> = converted.iter().map(|(_, c)| c.legacy_id.clone()).collect();
        let customer_ids: Vec<String> = converted
            .iter()
            .filter_map(|(_, c)| c.customer_legacy_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let record_links = store::links(db, self.source, self.kind.link_kind(), &record_ids).await?;
        let customer_links = store::links(db, self.source, ImportKind::Customers.link_kind(), &customer_ids).await?;
        let linked: Vec<String> = record_links.values().map(|l| l.record_id.clone()).collect();
        let existing: HashMap<String, ProcessRecord> = store::current_records(db, &linked)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        if self.record_kind == RecordKind::Plan {
            let customers: Vec<String> = customer_links.values().map(|l| l.customer_id.clone()).collect();
            self.planned_customers
                .extend(store::customers_with_current(db, &customers, RecordKind::Plan.as_str()).await?);
        }

        let now = self.services.clock.now();
        let mut accepted: Vec<Accepted> = Vec::new();
        for (row, c) in converted {
            let customer_legacy_id = c.customer_legacy_id.clone().unwrap_or_default();
            let Some(customer) = customer_links.get(&customer_legacy_id) else {
                outcome.rejected.push(vec![self.converter.problem_at_customer(
                    row,
                    "unknown_customer",
                    &format!(
                        "no customer with the legacy id {customer_legacy_id:?} has been imported from {}; \
                         import the customers first",
                        self.source
                    ),
                )]);
                continue;
            };
            let before = record_links.get(&c.legacy_id).and_then(|l| existing.get(&l.record_id));
            if let Some(before) = before
                && before.customer_id != customer.customer_id
            {
                outcome.rejected.push(vec![self.converter.problem_at_customer(
                    row,
                    "customer_changed",
                    "the record was imported for another customer; a record does not move between customers",
                )]);
                continue;
            }
            let mut json = match before {
                Some(before) => serde_json::to_value(&before.content).unwrap_or(Value::Null),
                None => Value::Object(Map::new()),
            };
            self.converter.apply(&c, &mut json);
            prune_empty_entries(&mut json);
            let content = match record_body(self.record_kind, json) {
                Ok(content) => content,
                Err(e) => {
                    outcome
                        .rejected
                        .push(vec![deserialize_problem(self.converter, row, &e)]);
                    continue;
                }
            };
            let is_first_plan = self.record_kind == RecordKind::Plan
                && match before {
                    // A revision keeps the first plan's rules if it is the customer's only plan.
                    Some(_) => false,
                    None => !self.planned_customers.contains(&customer.customer_id),
                };
            let ctx = ValidationContext {
                today: self.services.clock.today(),
                rules: &self.services.deadline_rules,
                is_first_plan,
            };
            let content = match content.validate(&ctx) {
                Ok(content) => content,
                Err(violations) => {
                    outcome
                        .rejected
                        .push(violation_problems(self.converter, row, &violations));
                    continue;
                }
            };
            let record = match before {
                Some(before) if before.content == content => {
                    outcome.skipped += 1;
                    continue;
                }
                Some(before) => {
                    if let Err(t) = content.may_follow(&before.content) {
                        outcome.rejected.push(vec![self.converter.problem_at_field(
                            row,
                            &t.field,
                            "transition_forbidden",
                            &t.message,
                        )]);
                        continue;
                    }
                    outcome.updated += 1;
                    ProcessRecord {
                        version: before.version + 1,
                        created_at: now,
                        created_by: self.actor.id.clone(),
                        created_by_name: self.actor.display_name.clone(),
                        content,
                        ..before.clone()
                    }
                }
                None => {
                    outcome.created += 1;
                    if self.record_kind == RecordKind::Plan {
                        self.planned_customers.insert(customer.customer_id.clone());
                    }
                    ProcessRecord {
                        id: uuid::Uuid::now_v7().to_string(),
                        customer_id: customer.customer_id.clone(),
                        kind: self.record_kind,
                        version: 1,
                        current: true,
                        county_code: content.multisectoral_county().map(str::to_owned),
                        created_at: now,
                        created_by: self.actor.id.clone(),
                        created_by_name: self.actor.display_name.clone(),
                        content: crate::process::with_measure_ids(content),
                    }
                }
            };
            accepted.push(Accepted {
                legacy_id: c.legacy_id.clone(),
                replaces: before.is_some(),
                record,
            });
        }
        if !self.dry_run && !accepted.is_empty() {
            let (services, actor, source, kind) = (
                self.services.clone(),
                self.actor.clone(),
                self.source.to_owned(),
                self.kind,
            );
            outcome.write = Some(Box::pin(async move {
                write(&services, &actor, &source, kind, &accepted).await
            }));
        }
        Ok(outcome)
    }
}

/// Writes one batch's records in one transaction: new versions, legacy links and audit rows.
async fn write(
    services: &Services,
    actor: &Actor,
    source: &str,
    kind: ImportKind,
    accepted: &[Accepted],
) -> Result<(), ServiceError> {
    let now = services.clock.now();
    let superseded: Vec<String> = accepted
        .iter()
        .filter(|a| a.replaces)
        .map(|a| a.record.id.clone())
        .collect();
    let links: Vec<LegacyLink> = accepted
        .iter()
        .filter(|a| !a.replaces)
        .map(|a| LegacyLink {
            legacy_id: a.legacy_id.clone(),
            record_id: a.record.id.clone(),
            customer_id: a.record.customer_id.clone(),
        })
        .collect();
    let records: Vec<ProcessRecord> = accepted.iter().map(|a| a.record.clone()).collect();
    let customers: Vec<String> = records
        .iter()
        .map(|r| r.customer_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let audit_rows: Vec<_> = accepted
        .iter()
        .map(|a| {
            audit::entry(
                actor,
                if a.replaces {
                    "import.record_updated"
                } else {
                    "import.record_created"
                },
                Target::record(a.record.kind.as_str(), &a.record.id, &a.record.customer_id),
                Outcome::Success,
                now,
            )
        })
        .collect();
    let mut tx = services.db.begin().await?;
    store::supersede_records(&mut tx, &superseded).await?;
    bulk_load::insert_records(&mut tx, &records).await?;
    store::insert_links(&mut tx, source, kind.link_kind(), &links, now).await?;
    // The statistics derive these customers' facts again at their next refresh.
    statistics::forget_facts_of(&mut tx, &customers).await?;
    audit::record_in(&mut tx, &audit_rows).await?;
    tx.commit().await?;
    Ok(())
}

/// The row's JSON as a record of `kind`. Each kind is read as its own type rather than through the
/// `kind`-tagged [`RecordBody`], whose buffering would hide which field did not fit.
fn record_body(kind: RecordKind, mut json: Value) -> Result<RecordBody, serde_path_to_error::Error<serde_json::Error>> {
    if let Value::Object(object) = &mut json {
        object.remove("kind");
    }
    Ok(match kind {
        RecordKind::Assessment => RecordBody::Assessment(serde_path_to_error::deserialize(json)?),
        RecordKind::Plan => RecordBody::Plan(serde_path_to_error::deserialize(json)?),
        RecordKind::Programme => RecordBody::Programme(serde_path_to_error::deserialize(json)?),
        RecordKind::Referral => RecordBody::Referral(serde_path_to_error::deserialize(json)?),
        RecordKind::Note => RecordBody::Note(serde_path_to_error::deserialize(json)?),
        RecordKind::Appointment => RecordBody::Appointment(serde_path_to_error::deserialize(json)?),
    })
}
