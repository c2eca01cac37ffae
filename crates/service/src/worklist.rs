//! The worklist: what is due or overdue for a caseworker's customers, most urgent first; for a
//! supervisor, the whole unit's by caseworker.

use std::collections::HashMap;

use chrono::NaiveDate;
use kotopolku_domain::access::{Action, Jurisdiction};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::deadlines::{CustomerFacts, Deadline, DeadlineStatus};
use kotopolku_domain::process::ProcessRecord;
use kotopolku_store::worklist::WorklistCustomer;
use kotopolku_store::{directory, process, worklist};
use serde::{Deserialize, Serialize};

use crate::audit::Target;
use crate::deadline_cache::DeadlineInputs;
use crate::process::deadlines_of;
use crate::{ServiceError, Services};

/// Deadlines further ahead than this are left off a worklist unless asked for.
pub const DEFAULT_HORIZON_DAYS: u32 = 30;

/// What a worklist request asks for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorklistQuery {
    /// `own` (default): the customers you are responsible for; `unit`: the whole unit's, by
    /// caseworker (supervisors).
    pub scope: Option<String>,
    /// Only this caseworker's customers (supervisors; a user id).
    pub caseworker: Option<String>,
    /// Include open deadlines due within this many days (default 30); overdue and due-soon ones are
    /// always included.
    pub horizon_days: Option<u32>,
    /// Also list deadlines met within this many past days (default 0: none), so that a caseworker
    /// sees what was just done.
    pub recently_met_days: Option<u32>,
}

/// One customer on the worklist with their pending deadlines, most urgent first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorklistEntry {
    pub customer_id: String,
    pub family_name: String,
    pub given_names: String,
    pub municipality_code: String,
    pub deadlines: Vec<Deadline>,
}

/// One caseworker's part of the worklist (`caseworker_id` absent for customers nobody is
/// responsible for).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseworkerWorklist {
    pub caseworker_id: Option<String>,
    pub caseworker_name: Option<String>,
    pub overdue: usize,
    pub due_soon: usize,
    pub entries: Vec<WorklistEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Worklist {
    /// The day the statuses were computed for.
    pub as_of: NaiveDate,
    pub caseworkers: Vec<CaseworkerWorklist>,
}

impl Services {
    /// The worklist of `actor`, or with `scope=unit` or a `caseworker`, the unit's (supervisors).
    pub async fn worklist(&self, actor: &Actor, query: &WorklistQuery) -> Result<Worklist, ServiceError> {
        let unit_wide = match query.scope.as_deref() {
            None | Some("own") => query.caseworker.is_some(),
            Some("unit") => true,
            Some(_) => return Err(ServiceError::field("scope", "unknown_value", "own or unit")),
        };
        let action = if unit_wide {
            Action::UnitWorklistRead
        } else {
            Action::WorklistRead
        };
        self.authorize(actor, action, Target::default()).await?;
        let municipalities = match &actor.jurisdiction {
            Some(Jurisdiction::Municipalities(codes)) => codes.clone(),
            _ => {
                return Err(self
                    .refuse(
                        actor,
                        action,
                        Target::default(),
                        ServiceError::forbidden("a worklist belongs to a municipal unit"),
                    )
                    .await);
            }
        };
        let caseworker = match (unit_wide, &query.caseworker) {
            (false, _) => Some(actor.id.as_str()),
            (true, Some(id)) => Some(id.as_str()),
            (true, None) => None,
        };
        let horizon = query.horizon_days.unwrap_or(DEFAULT_HORIZON_DAYS).min(3660);
        let today = self.clock.today();
        let recently_met = i64::from(query.recently_met_days.unwrap_or(0).min(366));
        let customers = worklist::worklist_customers(&self.db, &municipalities, caseworker).await?;
        let all_deadlines = self.deadlines_of_customers(&customers, today).await?;
        let mut groups: HashMap<Option<String>, Vec<WorklistEntry>> = HashMap::new();
        for (customer, deadlines) in customers.into_iter().zip(all_deadlines) {
            let deadlines: Vec<Deadline> = deadlines
                .into_iter()
                .filter(|d| match d.status {
                    DeadlineStatus::Overdue | DeadlineStatus::DueSoon => true,
                    DeadlineStatus::Open => (d.due_on - today).num_days() <= i64::from(horizon),
                    DeadlineStatus::Met | DeadlineStatus::MetLate => {
                        d.met_on.is_some_and(|met| (today - met).num_days() < recently_met)
                    }
                })
                .collect();
            if deadlines.is_empty() {
                continue;
            }
            groups
                .entry(customer.responsible_caseworker)
                .or_default()
                .push(WorklistEntry {
                    customer_id: customer.id,
                    family_name: customer.family_name,
                    given_names: customer.given_names,
                    municipality_code: customer.municipality_code,
                    deadlines,
                });
        }
        let names: HashMap<String, String> = match &actor.organisation_id {
            Some(org) if unit_wide => directory::users(&self.db, Some(org))
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect(),
            _ => HashMap::from([(actor.id.clone(), actor.display_name.clone())]),
        };
        let mut caseworkers: Vec<CaseworkerWorklist> = groups
            .into_iter()
            .map(|(caseworker_id, mut entries)| {
                // Most urgent first: by the first deadline's status, then its date.
                entries.sort_by_key(|e| {
                    e.deadlines
                        .iter()
                        .map(|d| (d.status, d.due_on))
                        .min()
                        .unwrap_or((DeadlineStatus::Open, NaiveDate::MAX))
                });
                let count = |status| {
                    entries
                        .iter()
                        .flat_map(|e| &e.deadlines)
                        .filter(|d| d.status == status)
                        .count()
                };
                CaseworkerWorklist {
                    caseworker_name: caseworker_id.as_ref().and_then(|id| names.get(id).cloned()),
                    overdue: count(DeadlineStatus::Overdue),
                    due_soon: count(DeadlineStatus::DueSoon),
                    caseworker_id,
                    entries,
                }
            })
            .collect();
        caseworkers.sort_by(|a, b| {
            (a.caseworker_id.is_none(), &a.caseworker_name, &a.caseworker_id).cmp(&(
                b.caseworker_id.is_none(),
                &b.caseworker_name,
                &b.caseworker_id,
            ))
        });
        let targets: Vec<Target<'_>> = caseworkers
            .iter()
            .flat_map(|c| &c.entries)
            .map(|e| Target::customer(&e.customer_id))
            .collect();
        self.audit_reads(actor, action, &targets).await?;
        Ok(Worklist {
            as_of: today,
            caseworkers,
        })
    }

    /// Every deadline of each of `customers` as of `today`, in their order. Deadlines computed
    /// before from the same facts and record versions on the same day are taken from the cache;
    /// only the others' records are read.
    async fn deadlines_of_customers(
        &self,
        customers: &[WorklistCustomer],
        today: NaiveDate,
    ) -> Result<Vec<Vec<Deadline>>, ServiceError> {
        let inputs: Vec<DeadlineInputs> = customers
            .iter()
            .map(|c| DeadlineInputs::new(&facts(c), c.records.clone()))
            .collect();
        let mut found = self
            .deadline_cache
            .get_many(customers.iter().map(|c| c.id.as_str()).zip(&inputs), today);
        let missing: Vec<&str> = customers
            .iter()
            .zip(&found)
            .filter(|(_, found)| found.is_none())
            .map(|(c, _)| c.id.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(found.into_iter().flatten().collect());
        }
        let mut records: HashMap<String, Vec<ProcessRecord>> = HashMap::new();
        for record in process::current_for_deadlines(&self.db, &missing).await? {
            records.entry(record.customer_id.clone()).or_default().push(record);
        }
        let mut computed = Vec::with_capacity(missing.len());
        for ((customer, slot), inputs) in customers.iter().zip(&mut found).zip(inputs) {
            if slot.is_some() {
                continue;
            }
            let records = records.remove(&customer.id).unwrap_or_default();
            let deadlines = deadlines_of(&self.deadline_rules, &facts(customer), &records, today);
            // Keyed by the versions actually read, which a write between the two queries may have
            // made newer than those listed: an entry always matches what it was computed from.
            let mut read: Vec<(String, i64)> = records.iter().map(|r| (r.id.clone(), r.version)).collect();
            read.sort();
            let inputs = if read == inputs.records() {
                inputs
            } else {
                DeadlineInputs::new(&facts(customer), read)
            };
            computed.push((customer.id.clone(), inputs, deadlines.clone()));
            *slot = Some(deadlines);
        }
        self.deadline_cache.put(computed, today);
        Ok(found.into_iter().flatten().collect())
    }
}

/// What a worklist customer's deadlines follow from.
fn facts(customer: &WorklistCustomer) -> CustomerFacts<'_> {
    CustomerFacts {
        customership_start: customer.customership_start,
        customership_end: customer.customership_end,
        first_permit_date: customer.first_permit_date,
        target_group: customer.target_group.as_deref(),
    }
}
