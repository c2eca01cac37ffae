//! Customers' computed deadlines, kept between worklist requests.
//!
//! A worklist lists a caseworker's few hundred customers with their statutory deadlines, and a
//! caseworker opens it many times a day. Computing the deadlines needs every current assessment,
//! plan, referral and programme of each customer, and reading and parsing those documents was most
//! of a worklist's cost (measured in bench/README.md). A record version never changes once written
//! (a change adds a version), so the deadlines of a customer are the same for as long as their
//! facts and the versions of their records are: those, and the day, are the key of an entry here,
//! compared in full, so that a changed customer or record is never answered from an old entry.
//! Records changed by another process (a second server, an import) are seen the same way, because
//! the key is read from the database on every request.
//!
//! Memory is bounded: entries live in two generations of at most [`GENERATION_SIZE`] customers;
//! when the newer one is full the older one is dropped, and an entry found in the older one moves
//! to the newer one. Customers looked at recently therefore stay, the others fall out.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDate;
use kotopolku_domain::deadlines::{CustomerFacts, Deadline};

/// Customers per generation: at most twice this many are kept (about 1 kB each), enough for the
/// worklists of the few dozen caseworkers of a large unit working at once.
pub(crate) const GENERATION_SIZE: usize = 20_000;

/// Everything a customer's deadlines follow from, besides the day and the configured rules (which
/// belong to the cache's owner and do not change while it lives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeadlineInputs {
    customership_start: NaiveDate,
    customership_end: Option<NaiveDate>,
    first_permit_date: Option<NaiveDate>,
    target_group: Option<String>,
    /// The current deadline-relevant records as (id, version), in id order.
    records: Vec<(String, i64)>,
}

impl DeadlineInputs {
    pub(crate) fn new(facts: &CustomerFacts<'_>, records: Vec<(String, i64)>) -> Self {
        Self {
            customership_start: facts.customership_start,
            customership_end: facts.customership_end,
            first_permit_date: facts.first_permit_date,
            target_group: facts.target_group.map(str::to_owned),
            records,
        }
    }

    pub(crate) fn records(&self) -> &[(String, i64)] {
        &self.records
    }
}

#[derive(Debug)]
struct Entry {
    inputs: DeadlineInputs,
    as_of: NaiveDate,
    deadlines: Vec<Deadline>,
}

#[derive(Debug, Default)]
struct Generations {
    newer: HashMap<String, Entry>,
    older: HashMap<String, Entry>,
}

impl Generations {
    fn insert(&mut self, customer_id: String, entry: Entry) {
        if self.newer.len() >= GENERATION_SIZE && !self.newer.contains_key(&customer_id) {
            self.older = std::mem::take(&mut self.newer);
        }
        self.older.remove(&customer_id);
        self.newer.insert(customer_id, entry);
    }
}

/// The cache; one per [`crate::Services`], shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct DeadlineCache {
    generations: Mutex<Generations>,
}

impl DeadlineCache {
    /// The deadlines kept for each customer whose inputs and day are still the same; `None` for the
    /// others, which the caller computes and [`Self::put`]s.
    pub(crate) fn get_many<'a>(
        &self,
        wanted: impl IntoIterator<Item = (&'a str, &'a DeadlineInputs)>,
        as_of: NaiveDate,
    ) -> Vec<Option<Vec<Deadline>>> {
        let mut generations = self.generations.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        wanted
            .into_iter()
            .map(|(customer_id, inputs)| {
                let fresh = |entry: &Entry| entry.as_of == as_of && entry.inputs == *inputs;
                if let Some(entry) = generations.newer.get(customer_id) {
                    return fresh(entry).then(|| entry.deadlines.clone());
                }
                let entry = generations.older.remove(customer_id)?;
                let found = fresh(&entry).then(|| entry.deadlines.clone());
                if found.is_some() {
                    generations.insert(customer_id.to_owned(), entry);
                }
                found
            })
            .collect()
    }

    /// Keeps the deadlines computed as of `as_of` from `inputs`.
    pub(crate) fn put(
        &self,
        computed: impl IntoIterator<Item = (String, DeadlineInputs, Vec<Deadline>)>,
        as_of: NaiveDate,
    ) {
        let mut generations = self.generations.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (customer_id, inputs, deadlines) in computed {
            generations.insert(
                customer_id,
                Entry {
                    inputs,
                    as_of,
                    deadlines,
                },
            );
        }
    }

    /// Customers kept (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        let generations = self.generations.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        generations.newer.len() + generations.older.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kotopolku_domain::deadlines::{DeadlineStatus, RuleKey};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn inputs(records: &[(&str, i64)]) -> DeadlineInputs {
        DeadlineInputs {
            customership_start: day(1),
            customership_end: None,
            first_permit_date: None,
            target_group: None,
            records: records.iter().map(|(id, v)| ((*id).to_owned(), *v)).collect(),
        }
    }

    fn deadline(due: u32) -> Vec<Deadline> {
        vec![Deadline {
            rule: RuleKey::PlanReview,
            due_on: day(due),
            met_on: None,
            status: DeadlineStatus::Open,
            record_id: None,
            progress: None,
        }]
    }

    #[test]
    fn an_entry_answers_only_for_the_same_inputs_and_day() {
        let cache = DeadlineCache::default();
        let a = inputs(&[("r1", 1)]);
        cache.put([("c1".to_owned(), a.clone(), deadline(20))], day(2));
        assert_eq!(cache.get_many([("c1", &a)], day(2)), vec![Some(deadline(20))]);
        // A new version of a record, another day, another customer: computed again.
        assert_eq!(cache.get_many([("c1", &inputs(&[("r1", 2)]))], day(2)), vec![None]);
        assert_eq!(
            cache.get_many([("c1", &inputs(&[("r1", 1), ("r2", 1)]))], day(2)),
            vec![None]
        );
        assert_eq!(cache.get_many([("c1", &a)], day(3)), vec![None]);
        assert_eq!(cache.get_many([("c2", &a)], day(2)), vec![None]);
        let mut ended = a.clone();
        ended.customership_end = Some(day(2));
        assert_eq!(cache.get_many([("c1", &ended)], day(2)), vec![None]);
    }

    #[test]
    fn memory_is_bounded_and_recent_customers_stay() {
        let cache = DeadlineCache::default();
        let a = inputs(&[]);
        cache.put([("kept".to_owned(), a.clone(), deadline(20))], day(2));
        for i in 0..GENERATION_SIZE * 3 {
            cache.put([(format!("c{i}"), a.clone(), deadline(20))], day(2));
            if i % 1000 == 0 {
                // Looked at now and then: moves to the newer generation each time it would fall out.
                assert_eq!(cache.get_many([("kept", &a)], day(2)), vec![Some(deadline(20))]);
            }
        }
        assert!(cache.len() <= 2 * GENERATION_SIZE, "{}", cache.len());
        assert_eq!(cache.get_many([("kept", &a)], day(2)), vec![Some(deadline(20))]);
        assert_eq!(cache.get_many([("c0", &a)], day(2)), vec![None]);
    }
}
