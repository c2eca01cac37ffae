//! Synthetic customers as the rows a database stores: ids, versions, timestamps, responsible
//! caseworkers and ended customerships, all deterministic for a seed and a day, so that a generated
//! database can be written in bulk without going through the service one record at a time.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use kotopolku_domain::customer::Customer;
use kotopolku_domain::process::{ProcessRecord, RecordBody};

use crate::process::{carry_measure_ids, link_measure};
use crate::{Generator, ProcessGenerator, Rng};

/// A caseworker customers can be made the responsibility of.
#[derive(Debug, Clone)]
pub struct Caseworker {
    pub id: String,
    pub name: String,
    /// The municipalities whose customers they serve.
    pub municipalities: Vec<String>,
}

/// Why customerships end, weighted roughly as in municipal follow-up (codes from the list
/// `customership-end-reasons`).
const END_REASONS: &[(&str, u32)] = &[
    ("employed", 30),
    ("moved_away", 25),
    ("in_education", 20),
    ("integration_period_over", 20),
    ("other", 4),
    ("deceased", 1),
];

/// Makes one customer after another with their process records as stored rows.
pub struct SyntheticRows {
    customers: Generator,
    process: ProcessGenerator,
    rng: Rng,
    ids: IdMaker,
    today: NaiveDate,
    caseworkers: Vec<Caseworker>,
    /// For each municipality, the caseworkers serving it and whose turn is next.
    serving: HashMap<String, (Vec<usize>, usize)>,
    /// Signs records of customers no caseworker serves.
    fallback: Caseworker,
}

/// One customer and every version of their records, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRows {
    pub customer: Customer,
    pub records: Vec<ProcessRecord>,
}

impl SyntheticRows {
    /// `caseworkers` share the customers of their municipalities in turn; `fallback` signs the
    /// records of customers in a municipality no caseworker serves (they get no caseworker).
    pub fn new(seed: u64, today: NaiveDate, caseworkers: Vec<Caseworker>, fallback: Caseworker) -> Self {
        let mut serving: HashMap<String, (Vec<usize>, usize)> = HashMap::new();
        for (i, caseworker) in caseworkers.iter().enumerate() {
            for municipality in &caseworker.municipalities {
                serving.entry(municipality.clone()).or_default().0.push(i);
            }
        }
        Self {
            customers: Generator::new(seed, today),
            process: ProcessGenerator::new(seed, today),
            rng: Rng::new(seed ^ 0x726F_7773_2172_6F77),
            ids: IdMaker::new(seed, today),
            today,
            caseworkers,
            serving,
            fallback,
        }
    }

    /// The next customer with their records; an error names what the generator got wrong.
    pub fn next_customer(&mut self) -> Result<CustomerRows, String> {
        let mut input = self.customers.customer();
        let caseworker = match self.serving.get_mut(&input.municipality_code) {
            Some((unit, next)) if !unit.is_empty() => {
                let chosen = unit[*next % unit.len()];
                *next += 1;
                Some(chosen)
            }
            _ => None,
        };
        input.responsible_caseworker = caseworker.map(|i| self.caseworkers[i].id.clone());
        let signer = caseworker.map_or(&self.fallback, |i| &self.caseworkers[i]).clone();
        let generated = self.process.records(&input, &signer.name);
        let data = input
            .validate(self.today)
            .map_err(|e| format!("a generated customer is invalid: {e:?}"))?;
        let customer_id = self.ids.next();
        let created_at = self.office_time(data.customership_start);
        let mut customer = Customer {
            id: customer_id.clone(),
            data,
            customership_end: None,
            end_reason: None,
            version: 1,
            created_at,
            updated_at: created_at,
        };

        let mut records = Vec::new();
        // The current version of each record so far, for the measure ids plans were given.
        let mut saved: Vec<RecordBody> = Vec::new();
        let mut last_saved = customer.data.customership_start;
        let mut anything_ahead = false;
        for record in generated {
            let id = self.ids.next();
            let mut previous: Option<(RecordBody, NaiveDate, DateTime<Utc>)> = None;
            let count = record.versions.len();
            for (i, mut body) in record.versions.into_iter().enumerate() {
                if let Some(at) = record.measure
                    && let Some(plan) = saved.get(at.record)
                {
                    link_measure(&mut body, plan, at);
                }
                if let Some((previous, _, _)) = &previous {
                    carry_measure_ids(previous, &mut body);
                }
                if let RecordBody::Plan(plan) = &mut body {
                    for measure in plan.measures_mut() {
                        if measure.id.is_none() {
                            measure.id = Some(self.ids.next());
                        }
                    }
                }
                let (on, ahead) = saved_on(&body, customer.data.customership_start, self.today);
                anything_ahead |= ahead;
                // A revision is saved after the version it revises.
                let on = match &previous {
                    Some((_, before, _)) => (*before + Duration::days(self.rng.range(1, 60) as i64))
                        .max(on)
                        .min(self.today),
                    None => on,
                };
                last_saved = last_saved.max(on);
                let mut created_at = self.office_time(on);
                if let Some((_, _, before)) = &previous {
                    created_at = created_at.max(*before + Duration::minutes(1));
                }
                records.push(ProcessRecord {
                    id: id.clone(),
                    customer_id: customer_id.clone(),
                    kind: body.kind(),
                    version: i as i64 + 1,
                    current: i + 1 == count,
                    county_code: None,
                    created_at,
                    created_by: signer.id.clone(),
                    created_by_name: signer.name.clone(),
                    content: body.clone(),
                });
                previous = Some((body, on, created_at));
            }
            if let Some((body, _, _)) = previous {
                saved.push(body);
            }
        }

        // Some customerships have ended: more of those that began long ago. Never one with an
        // appointment still ahead.
        let years = (self.today - customer.data.customership_start).num_days() as f64 / 365.0;
        let chance = if years >= 2.0 {
            0.4
        } else if years >= 1.0 {
            0.1
        } else {
            0.0
        };
        if !anything_ahead && self.rng.chance(chance) {
            let end = (last_saved + Duration::days(self.rng.range(1, 60) as i64)).min(self.today);
            customer.customership_end = Some(end);
            customer.end_reason = Some(self.end_reason().to_owned());
            customer.version = 2;
            customer.updated_at = self.office_time(end);
        }
        Ok(CustomerRows { customer, records })
    }

    fn end_reason(&mut self) -> &'static str {
        self.rng.weighted(END_REASONS)
    }

    /// A moment of office hours on `day` (Finnish time, about 08:00-16:00); early on today, so that
    /// nothing is saved later than the generation.
    fn office_time(&mut self, day: NaiveDate) -> DateTime<Utc> {
        let minutes = if day >= self.today {
            self.rng.range(0, 30)
        } else {
            6 * 60 + self.rng.range(0, 8 * 60)
        };
        (day.and_time(NaiveTime::MIN) + Duration::minutes(minutes as i64)).and_utc()
    }
}

/// The day a record's first version was saved, from the dates it holds, and whether it describes
/// something still ahead (a booked appointment).
fn saved_on(body: &RecordBody, start: NaiveDate, today: NaiveDate) -> (NaiveDate, bool) {
    let (on, ahead) = match body {
        RecordBody::Assessment(a) => (a.started_on, false),
        RecordBody::Plan(p) => (p.drawn_up_on, false),
        RecordBody::Programme(p) => (p.enrolled_on, false),
        RecordBody::Referral(r) => (r.sent_on, false),
        RecordBody::Note(n) => (n.written_on, false),
        // Booked a fortnight before.
        RecordBody::Appointment(a) => {
            let day = a.starts_at.date();
            (day - Duration::days(14), day > today)
        }
    };
    (on.max(start).min(today), ahead)
}

/// Version 7 UUIDs (RFC 9562) from a seeded stream: a millisecond clock that starts the day before
/// `today` and a counter in the 12 bits beside it (method 1 of RFC 9562 §6.2), so that ids are
/// unique, increase in the order they are made (rows are appended to the indexes, not scattered)
/// and sort before every id the running system makes later.
struct IdMaker {
    rng: Rng,
    start_ms: u64,
    counter: u64,
}

impl IdMaker {
    fn new(seed: u64, today: NaiveDate) -> Self {
        let yesterday = (today - Duration::days(1)).and_time(NaiveTime::MIN).and_utc();
        Self {
            rng: Rng::new(seed ^ 0x6964_7321_6964_7321),
            start_ms: yesterday.timestamp_millis().max(0) as u64,
            counter: 0,
        }
    }

    fn next(&mut self) -> String {
        let ms = self.start_ms + self.counter / 4096;
        let sequence = self.counter % 4096;
        self.counter += 1;
        let random = self.rng.next_u64();
        let high = (ms << 16) | (0x7 << 12) | sequence;
        let low = (0b10 << 62) | (random >> 2);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xFFFF,
            high & 0xFFFF,
            low >> 48,
            low & 0xFFFF_FFFF_FFFF
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default()
    }

    fn rows(seed: u64, n: usize) -> Vec<CustomerRows> {
        let worker = |i: usize| Caseworker {
            id: format!("worker-{i}"),
            name: format!("Worker {i}"),
            municipalities: crate::municipality_codes().map(str::to_owned).collect(),
        };
        let mut rows = SyntheticRows::new(seed, today(), vec![worker(1), worker(2)], worker(0));
        (0..n).map(|_| rows.next_customer().expect("valid")).collect()
    }

    #[test]
    fn same_seed_same_rows() {
        assert_eq!(rows(5, 200), rows(5, 200));
        assert_ne!(rows(5, 1)[0].customer, rows(6, 1)[0].customer);
    }

    #[test]
    fn ids_are_unique_uuids_in_the_order_made() {
        let all = rows(3, 300);
        let ids: Vec<&str> = all
            .iter()
            .flat_map(|c| std::iter::once(c.customer.id.as_str()).chain(c.records.iter().map(|r| r.id.as_str())))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut last = "";
        for id in ids {
            assert_eq!(id.len(), 36, "{id}");
            assert_eq!(&id[14..15], "7", "version 7: {id}");
            assert!("89ab".contains(&id[19..20]), "variant: {id}");
            // A record's later versions share its id.
            if seen.insert(id) {
                assert!(id > last, "{id} after {last}");
                last = id;
            }
        }
    }

    #[test]
    fn versions_are_consistent_and_nothing_is_saved_after_today() {
        let mut ended = 0;
        let mut shared_caseload = [0usize; 2];
        for rows in rows(11, 2_000) {
            let c = &rows.customer;
            let end = c.customership_end;
            ended += usize::from(end.is_some());
            assert_eq!(c.end_reason.is_some(), end.is_some());
            match c.data.responsible_caseworker.as_deref() {
                Some("worker-1") => shared_caseload[0] += 1,
                Some("worker-2") => shared_caseload[1] += 1,
                other => panic!("unexpected caseworker {other:?}"),
            }
            let mut by_id: HashMap<&str, Vec<&ProcessRecord>> = HashMap::new();
            for r in &rows.records {
                assert!(r.created_at.date_naive() <= today());
                assert!(r.created_at.date_naive() >= c.data.customership_start);
                if let Some(end) = end {
                    assert!(r.created_at.date_naive() <= end, "record saved after the end");
                }
                by_id.entry(&r.id).or_default().push(r);
            }
            for versions in by_id.values() {
                for (i, v) in versions.iter().enumerate() {
                    assert_eq!(v.version, i as i64 + 1);
                    assert_eq!(v.current, i + 1 == versions.len());
                    if i > 0 {
                        assert!(v.created_at > versions[i - 1].created_at);
                    }
                }
            }
        }
        assert!(ended > 100, "{ended} customerships ended");
        // Turns are taken within each municipality: at most one apart in each.
        let municipalities = crate::municipality_codes().count();
        assert!(
            shared_caseload[0].abs_diff(shared_caseload[1]) <= municipalities,
            "{shared_caseload:?}"
        );
    }
}
