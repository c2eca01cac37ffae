//! Importing customers: each row is checked as a registration would be (the same validation, the
//! identity code unique, a likely duplicate refused), then created, or, when its legacy id was
//! imported before, compared with what it became and updated only if it changed.

use std::collections::HashMap;

use chrono::NaiveDate;
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::customer::{Customer, CustomerData, CustomerInput, check_end};
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_domain::names;
use kotopolku_store::import::{self as store, ImportedChange, LegacyLink, PersonKey};
use kotopolku_store::{bulk_load, customers as customer_store, statistics};
use serde_json::{Map, Value};

use super::convert::{ConvertedRow, Converter};
use super::mapping::{LikelyDuplicates, Mapping, Section};
use super::source::SourceRow;
use super::{BatchOutcome, ImportKind, RowProblem, convert_batch, deserialize_problem, violation_problems};
use crate::audit::{self, Target};
use crate::{ServiceError, Services};

/// Customers read from the database per query while the duplicate index is filled.
const INDEX_PAGE: i64 = 20_000;

pub(super) struct CustomerImport<'a> {
    services: &'a Services,
    actor: &'a Actor,
    source: &'a str,
    converter: &'a Converter,
    dry_run: bool,
    likely_duplicates: LikelyDuplicates,
    /// Legacy id → the line it was first seen on in this file.
    legacy_ids_seen: HashMap<String, u64>,
    /// Identity code → the line it was first seen on in this file.
    identity_codes_seen: HashMap<String, u64>,
    people: Option<PersonIndex>,
}

/// What one accepted row does.
enum Change {
    Create(Box<Customer>),
    Update {
        before: Box<Customer>,
        after: Box<Customer>,
    },
}

impl<'a> CustomerImport<'a> {
    pub(super) fn new(
        services: &'a Services,
        actor: &'a Actor,
        mapping: &'a Mapping,
        section: &'a Section,
        converter: &'a Converter,
        dry_run: bool,
    ) -> Self {
        Self {
            services,
            actor,
            source: &mapping.source,
            converter,
            dry_run,
            likely_duplicates: section.likely_duplicates,
            legacy_ids_seen: HashMap::new(),
            identity_codes_seen: HashMap::new(),
            people: None,
        }
    }

    pub(super) async fn batch(&mut self, rows: &[SourceRow]) -> Result<BatchOutcome, ServiceError> {
        let mut outcome = BatchOutcome::default();
        let converted = convert_batch(self.converter, rows, &mut self.legacy_ids_seen, &mut outcome);
        let db = &self.services.db;
        let legacy_ids: Vec<String> = converted.iter().map(|(_, c)| c.legacy_id.clone()).collect();
        let links = store::links(db, self.source, ImportKind::Customers.link_kind(), &legacy_ids).await?;
        let linked_ids: Vec<String> = links.values().map(|l| l.record_id.clone()).collect();
        let existing: HashMap<String, Customer> = store::customers(db, &linked_ids)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();

        let today = self.services.clock.today();
        let now = self.services.clock.now();
        let mut checked = Vec::with_capacity(converted.len());
        for (row, c) in &converted {
            let before = links.get(&c.legacy_id).and_then(|l| existing.get(&l.record_id));
            match self.checked_data(row, c, before, today) {
                Ok(data) => checked.push((*row, c, before, data)),
                Err(problems) => outcome.rejected.push(problems),
            }
        }
        let codes: Vec<String> = checked
            .iter()
            .filter_map(|(_, _, _, (data, _))| data.identity_code.as_ref().map(|c| c.as_str().to_owned()))
            .collect();
        let holders = store::customers_by_identity_code(db, &codes).await?;
        if self.people.is_none() && checked.iter().any(|(_, _, before, _)| before.is_none()) {
            self.people = Some(PersonIndex::load(db).await?);
        }

        let mut changes = Vec::new();
        for (row, c, before, (data, end)) in checked {
            let (end_date, end_reason) = end.unzip();
            if let Some(code) = data.identity_code.as_ref().map(IdentityCode::as_str) {
                if let Some(first) = self.identity_codes_seen.get(code).filter(|&&line| line != row.line) {
                    outcome.rejected.push(vec![self.converter.problem_at_field(
                        row,
                        "identity_code",
                        "duplicate_identity_code",
                        &format!("the identity code is also on line {first}"),
                    )]);
                    continue;
                }
                if let Some(holder) = holders.get(code).filter(|h| before.is_none_or(|b| &b.id != *h)) {
                    outcome.rejected.push(vec![self.converter.problem_at_field(
                        row,
                        "identity_code",
                        "duplicate_identity_code",
                        &format!("the identity code belongs to customer {holder}, registered already"),
                    )]);
                    continue;
                }
            }
            let change = match before {
                Some(before) => {
                    let after = Customer {
                        data,
                        customership_end: end_date,
                        end_reason: end_reason.clone(),
                        ..before.clone()
                    };
                    if after.data == before.data
                        && after.customership_end == before.customership_end
                        && after.end_reason == before.end_reason
                    {
                        outcome.skipped += 1;
                        if let Some(code) = &after.data.identity_code {
                            self.identity_codes_seen.insert(code.as_str().to_owned(), row.line);
                        }
                        continue;
                    }
                    Change::Update {
                        before: Box::new(before.clone()),
                        after: Box::new(Customer {
                            version: before.version + 1,
                            updated_at: now,
                            ..after
                        }),
                    }
                }
                None => {
                    if self.likely_duplicates == LikelyDuplicates::Reject
                        && let Some(people) = &self.people
                        && let Some(other) = people.likely_duplicate(&data)
                    {
                        let other = other.describe();
                        outcome.rejected.push(vec![self.converter.problem_at_field(
                            row,
                            "family_name",
                            "likely_duplicate",
                            &format!(
                                "{other} is born on the same day with a similar name; if they are different people, \
                                 set likely_duplicates = \"accept\" for this file"
                            ),
                        )]);
                        continue;
                    }
                    let customer = Customer {
                        id: uuid::Uuid::now_v7().to_string(),
                        data,
                        customership_end: end_date,
                        end_reason: end_reason.clone(),
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    };
                    if let Some(people) = &mut self.people {
                        let id = (!self.dry_run).then_some(customer.id.as_str());
                        people.add(id, row.line, &customer.data);
                    }
                    Change::Create(Box::new(customer))
                }
            };
            let customer: &Customer = match &change {
                Change::Create(customer) => customer,
                Change::Update { after, .. } => after,
            };
            if let Some(code) = &customer.data.identity_code {
                self.identity_codes_seen.insert(code.as_str().to_owned(), row.line);
            }
            changes.push((c.legacy_id.clone(), change));
        }
        for (_, change) in &changes {
            match change {
                Change::Create(_) => outcome.created += 1,
                Change::Update { .. } => outcome.updated += 1,
            }
        }
        if !self.dry_run && !changes.is_empty() {
            let (services, actor, source) = (self.services.clone(), self.actor.clone(), self.source.to_owned());
            outcome.write = Some(Box::pin(
                async move { write(&services, &actor, &source, &changes).await },
            ));
        }
        Ok(outcome)
    }

    /// The row's customer data and customership end, checked as a registration would check them.
    #[expect(clippy::type_complexity, reason = "a private step's pair of results")]
    fn checked_data(
        &self,
        row: &SourceRow,
        converted: &ConvertedRow,
        before: Option<&Customer>,
        today: NaiveDate,
    ) -> Result<(CustomerData, Option<(NaiveDate, String)>), Vec<RowProblem>> {
        let mut json = match before {
            Some(before) => customer_json(before),
            None => Value::Object(Map::new()),
        };
        self.converter.apply(converted, &mut json);
        let (end_date, end_reason) = match &mut json {
            Value::Object(object) => (object.remove("customership_end"), object.remove("end_reason")),
            _ => (None, None),
        };
        let input: CustomerInput =
            serde_path_to_error::deserialize(json).map_err(|e| vec![deserialize_problem(self.converter, row, &e)])?;
        let data = input
            .validate(today)
            .map_err(|violations| violation_problems(self.converter, row, &violations))?;
        let end_date = end_date.and_then(|v| v.as_str().and_then(|d| d.parse::<NaiveDate>().ok()));
        let end_reason = end_reason.and_then(|v| v.as_str().map(str::to_owned));
        let end = match (end_date, end_reason) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(vec![self.converter.problem_at_field(
                    row,
                    "end_reason",
                    "required",
                    "an ended customership needs its reason",
                )]);
            }
            (None, Some(_)) => {
                return Err(vec![self.converter.problem_at_field(
                    row,
                    "customership_end",
                    "required",
                    "a reason is given but no end date",
                )]);
            }
            (Some(date), Some(reason)) => {
                if let Err(violations) = check_end(data.customership_start, date, &reason, today) {
                    // The end form's field names are the import's `customership_end` and `end_reason`.
                    return Err(violations
                        .iter()
                        .map(|v| {
                            let field = if v.field == "reason" {
                                "end_reason"
                            } else {
                                "customership_end"
                            };
                            self.converter.problem_at_field(row, field, v.code, &v.message)
                        })
                        .collect());
                }
                Some((date, reason))
            }
        };
        Ok((data, end))
    }
}

/// Writes one batch's changes in one transaction: customers, their search rows, history, legacy
/// links and audit rows.
async fn write(
    services: &Services,
    actor: &Actor,
    source: &str,
    changes: &[(String, Change)],
) -> Result<(), ServiceError> {
    let now = services.clock.now();
    let mut created = Vec::new();
    let mut links = Vec::new();
    let mut history = Vec::new();
    let mut audit_rows = Vec::new();
    for (legacy_id, change) in changes {
        if let Change::Create(customer) = change {
            links.push(LegacyLink {
                legacy_id: legacy_id.clone(),
                record_id: customer.id.clone(),
                customer_id: customer.id.clone(),
            });
            history.push(ImportedChange {
                customer_id: customer.id.clone(),
                changed_at: now,
                kind: "imported",
                field: "legacy_id".into(),
                old_value: None,
                new_value: Some(format!("{} {legacy_id}", source)),
            });
            audit_rows.push(audit::entry(
                actor,
                "import.customer_created",
                Target::customer(&customer.id),
                Outcome::Success,
                now,
            ));
            created.push(Customer::clone(customer));
        }
    }
    let mut tx = services.db.begin().await?;
    bulk_load::insert_customers(&mut tx, &created).await?;
    for (_, change) in changes {
        if let Change::Update { before, after } = change {
            if !customer_store::update(&mut tx, after, before.version).await? {
                return Err(ServiceError::VersionConflict {
                    current_version: before.version + 1,
                });
            }
            for field in crate::customers::diff(Some(before), after)? {
                history.push(ImportedChange {
                    customer_id: after.id.clone(),
                    changed_at: now,
                    kind: "imported",
                    field: field.field,
                    old_value: field.old_value,
                    new_value: field.new_value,
                });
            }
            statistics::forget_facts(&mut tx, &after.id).await?;
            audit_rows.push(audit::entry(
                actor,
                "import.customer_updated",
                Target::customer(&after.id),
                Outcome::Success,
                now,
            ));
        }
    }
    store::insert_links(&mut tx, source, ImportKind::Customers.link_kind(), &links, now).await?;
    store::insert_changes(&mut tx, &actor.id, &actor.display_name, &history).await?;
    audit::record_in(&mut tx, &audit_rows).await?;
    tx.commit().await?;
    Ok(())
}

/// A stored customer as the JSON an import row is laid over: fields the mapping does not fill keep
/// their values.
fn customer_json(customer: &Customer) -> Value {
    let mut json = serde_json::to_value(&customer.data).unwrap_or_else(|_| Value::Object(Map::new()));
    if let Value::Object(object) = &mut json {
        object.retain(|_, v| !v.is_null());
        if let Some(end) = customer.customership_end {
            object.insert("customership_end".into(), Value::String(end.to_string()));
        }
        if let Some(reason) = &customer.end_reason {
            object.insert("end_reason".into(), Value::String(reason.clone()));
        }
    }
    json
}

/// Everyone registered or imported so far, by birth date, for the likely-duplicate check.
struct PersonIndex {
    by_birth_date: HashMap<NaiveDate, Vec<Person>>,
}

struct Person {
    /// The customer's id; `None` for a row of this file not written (a dry run).
    id: Option<Box<str>>,
    /// The line of this file the person came from; 0 for a customer registered before.
    line: u64,
    has_identity_code: bool,
    /// The names, compared only with rows born the same day when either lacks an identity code
    /// (most rows have one, so skeletons are made only when needed).
    family_name: Box<str>,
    given_names: Box<str>,
}

impl PersonIndex {
    async fn load(db: &kotopolku_store::Database) -> Result<Self, ServiceError> {
        let mut index = Self {
            by_birth_date: HashMap::new(),
        };
        let mut after = String::new();
        loop {
            let page: Vec<PersonKey> = store::person_keys_after(db, &after, INDEX_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            for person in page {
                index.by_birth_date.entry(person.birth_date).or_default().push(Person {
                    id: Some(person.id.into()),
                    line: 0,
                    has_identity_code: person.identity_code.is_some(),
                    family_name: person.family_name.into(),
                    given_names: person.given_names.into(),
                });
            }
        }
        Ok(index)
    }

    fn add(&mut self, id: Option<&str>, line: u64, data: &CustomerData) {
        self.by_birth_date.entry(data.birth_date).or_default().push(Person {
            id: id.map(Into::into),
            line,
            has_identity_code: data.identity_code.is_some(),
            family_name: data.family_name.as_str().into(),
            given_names: data.given_names.as_str().into(),
        });
    }

    /// Someone born the same day with a similar name, unless both have identity codes: two
    /// different codes are two different people.
    fn likely_duplicate(&self, data: &CustomerData) -> Option<&Person> {
        let born_same_day = self.by_birth_date.get(&data.birth_date)?;
        let mut skeletons = None;
        born_same_day.iter().find(|p| {
            if p.has_identity_code && data.identity_code.is_some() {
                return false;
            }
            let mine = skeletons.get_or_insert_with(|| names::name_skeletons(&data.family_name, &data.given_names));
            names::skeletons_match(&names::name_skeletons(&p.family_name, &p.given_names), mine)
        })
    }
}

impl Person {
    fn describe(&self) -> String {
        match (&self.id, self.line) {
            (Some(id), 0) => format!("customer {id}"),
            (Some(id), line) => format!("customer {id} (line {line})"),
            (None, line) => format!("the row on line {line}"),
        }
    }
}
