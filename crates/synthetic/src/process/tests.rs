use std::collections::HashMap;

use kotopolku_domain::deadlines::{
    CustomerFacts, DeadlineRules, DeadlineStatus, ProcessFacts, RuleKey, customer_deadlines,
};
use kotopolku_domain::process::{RecordKind, ValidationContext};

use super::*;
use crate::Generator;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default()
}

fn caseload(seed: u64, today: NaiveDate, n: usize) -> Vec<(CustomerInput, Vec<SyntheticRecord>)> {
    let mut customers = Generator::new(seed, today);
    let mut records = ProcessGenerator::new(seed, today);
    (0..n)
        .map(|_| {
            let customer = customers.customer();
            let generated = records.records(&customer, "Demo caseworker");
            (customer, generated)
        })
        .collect()
}

#[test]
fn same_seed_same_records() {
    let a = caseload(7, today(), 100);
    assert_eq!(a, caseload(7, today(), 100));
    assert_ne!(a, caseload(8, today(), 100));
    // The customers of a seed are the same with or without their records.
    let mut plain = Generator::new(7, today());
    assert!(a.iter().all(|(c, _)| *c == plain.customer()));
}

/// Saves versions as the service would: validates each on `today`, gives new measures ids,
/// carries ids over to revisions and checks each transition. Returns the current versions.
fn save(records: &[SyntheticRecord], today: NaiveDate) -> Vec<RecordBody> {
    let rules = DeadlineRules::default();
    let mut saved: Vec<RecordBody> = Vec::new();
    let mut plans = 0;
    let mut next_id = 0;
    for (index, record) in records.iter().enumerate() {
        assert!(!record.versions.is_empty());
        let is_first_plan = record.versions[0].kind() == RecordKind::Plan && plans == 0;
        if record.versions[0].kind() == RecordKind::Plan {
            plans += 1;
        }
        let ctx = ValidationContext {
            today,
            rules: &rules,
            is_first_plan,
        };
        let mut current: Option<RecordBody> = None;
        for (v, version) in record.versions.iter().enumerate() {
            let mut version = version.clone();
            assert_eq!(version.kind(), record.versions[0].kind());
            if let Some(previous) = &current {
                carry_measure_ids(previous, &mut version);
            }
            if let Some(at) = record.measure {
                assert!(at.record < index, "a referral follows its plan");
                link_measure(&mut version, &saved[at.record], at);
                assert!(matches!(&version, RecordBody::Referral(r) if r.measure_id.is_some()));
            }
            let mut valid = version
                .clone()
                .validate(&ctx)
                .unwrap_or_else(|e| panic!("record {index} version {v} invalid: {e:?}\n{version:#?}"));
            if let Some(previous) = &current {
                valid
                    .may_follow(previous)
                    .unwrap_or_else(|e| panic!("record {index} version {v}: {e:?}\n{valid:#?}"));
            }
            if let RecordBody::Plan(plan) = &mut valid {
                for m in plan.measures_mut() {
                    if m.id.is_none() {
                        next_id += 1;
                        m.id = Some(format!("m{next_id}"));
                    }
                }
            }
            current = Some(valid);
        }
        saved.extend(current);
    }
    saved
}

#[test]
fn every_version_is_valid_and_follows_the_one_before() {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    for (seed, today, n) in [
        (42, today(), 1500),
        (2026, day(2027, 1, 1), 1500),
        (1, day(2028, 2, 29), 1500),
        (3, day(2026, 1, 31), 400),
        (4, day(2026, 3, 1), 400),
        (5, day(2027, 8, 31), 400),
        (6, day(2029, 12, 31), 400),
    ] {
        for (_, records) in caseload(seed, today, n) {
            save(&records, today);
            let programmes = records
                .iter()
                .filter(|r| r.versions[0].kind() == RecordKind::Programme)
                .count();
            assert!(programmes <= 1);
        }
    }
}

/// The deadline statuses of a whole caseload, as the worklist would show them.
fn statuses(
    seed: u64,
    today: NaiveDate,
    n: usize,
) -> (HashMap<(RuleKey, DeadlineStatus), usize>, HashMap<RecordKind, usize>) {
    let rules = DeadlineRules::default();
    let mut statuses = HashMap::new();
    let mut kinds = HashMap::new();
    for (customer, records) in caseload(seed, today, n) {
        let saved = save(&records, today);
        assert!(!saved.is_empty(), "every customer has a record");
        let ids: Vec<String> = (0..saved.len()).map(|i| i.to_string()).collect();
        let mut process = ProcessFacts::default();
        for (id, body) in ids.iter().zip(&saved) {
            *kinds.entry(body.kind()).or_insert(0) += 1;
            match body {
                RecordBody::Assessment(a) => process.assessments.push((id, a)),
                RecordBody::Plan(p) => process.plans.push((id, p)),
                RecordBody::Referral(r) => process.referrals.push((id, r)),
                RecordBody::Programme(p) => process.programme = Some((id, p)),
                _ => {}
            }
        }
        let facts = CustomerFacts {
            customership_start: customer.customership_start,
            customership_end: None,
            first_permit_date: customer.first_permit_date,
            target_group: customer.target_group.as_deref(),
        };
        for d in customer_deadlines(&rules, &facts, &process, today) {
            *statuses.entry((d.rule, d.status)).or_insert(0) += 1;
        }
    }
    (statuses, kinds)
}

#[test]
fn a_caseload_has_every_stage_and_things_due_soon_and_overdue() {
    let (statuses, kinds) = statuses(2026, today(), 300);
    let count = |rule, status| statuses.get(&(rule, status)).copied().unwrap_or(0);
    for kind in RecordKind::ALL {
        assert!(kinds.get(&kind).copied().unwrap_or(0) > 5, "{kind:?}: {kinds:?}");
    }
    // Some customers wait for their assessment, with the deadline near or passed.
    assert!(
        count(RuleKey::AssessmentStart, DeadlineStatus::DueSoon) >= 1,
        "{statuses:?}"
    );
    assert!(
        count(RuleKey::AssessmentStart, DeadlineStatus::Overdue) >= 1,
        "{statuses:?}"
    );
    assert!(
        count(RuleKey::AssessmentStart, DeadlineStatus::Met) > 100,
        "{statuses:?}"
    );
    assert!(count(RuleKey::PlanReview, DeadlineStatus::DueSoon) >= 3, "{statuses:?}");
    assert!(count(RuleKey::PlanReview, DeadlineStatus::Overdue) >= 1, "{statuses:?}");
    assert!(count(RuleKey::PlanReview, DeadlineStatus::Open) >= 20, "{statuses:?}");
    assert!(
        count(RuleKey::ServicesAfterPlan, DeadlineStatus::Met) > 50,
        "{statuses:?}"
    );
    assert!(
        count(RuleKey::CivicOrientationHours, DeadlineStatus::Met) > 10,
        "{statuses:?}"
    );
    let pending: usize = statuses
        .iter()
        .filter(|((_, s), _)| matches!(s, DeadlineStatus::Overdue | DeadlineStatus::DueSoon))
        .map(|(_, n)| n)
        .sum();
    assert!((10..150).contains(&pending), "{statuses:?}");
}

#[test]
fn no_shows_with_an_interpreter_and_sensitive_notes_occur() {
    let all: Vec<RecordBody> = caseload(2026, today(), 300)
        .into_iter()
        .flat_map(|(_, records)| records.into_iter().filter_map(|r| r.versions.last().cloned()))
        .collect();
    let fee = all
        .iter()
        .filter(|r| matches!(r, RecordBody::Appointment(a) if a.interpreter_fee_flag))
        .count();
    assert!(fee >= 3, "{fee}");
    let sensitive = all.iter().filter(|r| r.is_sensitive()).count();
    assert!(sensitive >= 3, "{sensitive}");
    let future = all
        .iter()
        .filter(|r| matches!(r, RecordBody::Appointment(a) if a.starts_at.date() > today()))
        .count();
    assert!(future >= 10, "{future}");
}
