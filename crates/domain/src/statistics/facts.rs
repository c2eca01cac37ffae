//! What statistics need to know of one customer, derived from the customer and the current versions
//! of their process records. Kept per customer (maintained when either changes) so that a refresh of
//! the figures reads one small row per customer instead of every record. Nothing here depends on the
//! day the figures are made: what depends on it (a plan in force, a review overdue) is decided when
//! the figures are aggregated, as of that day.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::customer::Customer;
use crate::deadlines::{CustomerFacts, DeadlineRules, ProcessFacts, RuleKey, add_months, customer_deadlines};
use crate::process::common::{LanguageLevels, ServiceType};
use crate::process::plan::MeasureStatus;
use crate::process::{ProcessRecord, RecordBody};

/// The four skills language levels are recorded for, in this order everywhere.
pub const SKILLS: [&str; 4] = ["listening", "speaking", "reading", "writing"];

/// One customer's facts for statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerStatistics {
    pub municipality_code: String,
    pub customership_start: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customership_end: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residence_basis: Option<String>,
    pub sex: String,
    pub age_band: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_language: Option<String>,
    /// The assessment must start by this day (681/2023 §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment_due_on: Option<NaiveDate>,
    /// When the first assessment started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment_started_on: Option<NaiveDate>,
    /// When the first integration plan was drawn up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_plan_on: Option<NaiveDate>,
    /// When the customer was first directed to a service after the first plan (a measure referred
    /// or started, or a referral sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlanPeriod>,
    /// Hours of civic orientation in the integration programme, if enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civic_orientation_hours: Option<u32>,
    /// Per skill ([`SKILLS`]): the level known at the first plan and the latest level measured after
    /// it, when both are known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language_progress: Vec<Option<(String, String)>>,
    /// Every measure of the customer's current plans: its service type and status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<(ServiceType, MeasureStatus)>,
}

/// A plan's period and when its next review falls due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPeriod {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The last review held (or the drawing up) plus the review interval (681/2023 §15).
    pub review_due_on: NaiveDate,
}

/// Age bands at the start of the customership.
pub const AGE_BANDS: [&str; 6] = ["under_18", "18_29", "30_39", "40_49", "50_64", "65_plus"];

fn age_band(birth_date: NaiveDate, on: NaiveDate) -> &'static str {
    let mut age = on.year() - birth_date.year();
    if (on.month(), on.day()) < (birth_date.month(), birth_date.day()) {
        age -= 1;
    }
    match age {
        ..18 => AGE_BANDS[0],
        18..30 => AGE_BANDS[1],
        30..40 => AGE_BANDS[2],
        40..50 => AGE_BANDS[3],
        50..65 => AGE_BANDS[4],
        _ => AGE_BANDS[5],
    }
}

/// A day no deadline reaches: the deadline engine then reports every date recorded, as met or not,
/// independently of today.
const END_OF_TIME: NaiveDate = NaiveDate::MAX;

impl CustomerStatistics {
    /// The facts of `customer` with the current versions of their records.
    pub fn derive(customer: &Customer, records: &[ProcessRecord], rules: &DeadlineRules) -> CustomerStatistics {
        let mut process = ProcessFacts::default();
        for r in records.iter().filter(|r| r.current) {
            match &r.content {
                RecordBody::Assessment(a) => process.assessments.push((&r.id, a)),
                RecordBody::Plan(p) => process.plans.push((&r.id, p)),
                RecordBody::Referral(x) => process.referrals.push((&r.id, x)),
                RecordBody::Programme(p) => process.programme = Some((&r.id, p)),
                RecordBody::Note(_) | RecordBody::Appointment(_) => {}
            }
        }
        let data = &customer.data;
        let facts = CustomerFacts {
            customership_start: data.customership_start,
            customership_end: None,
            first_permit_date: data.first_permit_date,
            target_group: data.target_group.as_deref(),
        };
        let deadlines = customer_deadlines(rules, &facts, &process, END_OF_TIME);
        let deadline = |rule: RuleKey| deadlines.iter().find(|d| d.rule == rule);
        let assessment = deadline(RuleKey::AssessmentStart);
        let first_plan_on = process.plans.iter().map(|(_, p)| p.drawn_up_on).min();
        let plans = process
            .plans
            .iter()
            .map(|(_, p)| {
                let last = p
                    .reviews
                    .iter()
                    .filter_map(|r| r.held_on)
                    .chain([p.drawn_up_on])
                    .max()
                    .unwrap_or(p.drawn_up_on);
                PlanPeriod {
                    starts_on: p.starts_on,
                    ends_on: p.ends_on,
                    review_due_on: add_months(last, rules.plan_review_months).unwrap_or(p.ends_on),
                }
            })
            .collect();
        CustomerStatistics {
            municipality_code: data.municipality_code.clone(),
            customership_start: data.customership_start,
            customership_end: customer.customership_end,
            end_reason: customer.customership_end.and(customer.end_reason.clone()),
            target_group: data.target_group.clone(),
            residence_basis: data.residence_basis.clone(),
            sex: data.sex.as_str().to_owned(),
            age_band: age_band(data.birth_date, data.customership_start).to_owned(),
            native_language: data.native_language.clone(),
            assessment_due_on: assessment.map(|d| d.due_on),
            assessment_started_on: assessment.and_then(|d| d.met_on),
            first_plan_on,
            directed_on: deadline(RuleKey::ServicesAfterPlan).and_then(|d| d.met_on),
            plans,
            civic_orientation_hours: process.programme.map(|(_, p)| p.civic_orientation_hours),
            language_progress: language_progress(&process, first_plan_on),
            services: process
                .plans
                .iter()
                .flat_map(|(_, p)| p.measures())
                .map(|m| (m.service, m.status))
                .collect(),
        }
    }
}

/// Per skill, the level at the first plan (the latest assessment up to it, else the first one) and
/// the latest level measured after that (a later assessment or the integration training's final
/// test). Empty when there is no plan.
fn language_progress(process: &ProcessFacts<'_>, first_plan_on: Option<NaiveDate>) -> Vec<Option<(String, String)>> {
    let Some(first_plan_on) = first_plan_on else {
        return Vec::new();
    };
    // (date measured, levels), oldest first.
    let mut measured: Vec<(NaiveDate, &LanguageLevels)> = process
        .assessments
        .iter()
        .map(|(_, a)| (a.completed_on.unwrap_or(a.started_on), &a.national_language_skills))
        .collect();
    if let Some((_, programme)) = process.programme
        && let Some(training) = &programme.integration_training
        && let Some(on) = training.final_test_on
    {
        measured.push((on, &training.final_test_result));
    }
    measured.sort_by_key(|(on, _)| *on);
    let progress: Vec<Option<(String, String)>> = (0..SKILLS.len())
        .map(|skill| {
            let level = |levels: &LanguageLevels| {
                match skill {
                    0 => &levels.listening,
                    1 => &levels.speaking,
                    2 => &levels.reading,
                    _ => &levels.writing,
                }
                .clone()
            };
            let known: Vec<(NaiveDate, String)> = measured
                .iter()
                .filter_map(|(on, l)| level(l).map(|v| (*on, v)))
                .collect();
            let baseline = known
                .iter()
                .rposition(|(on, _)| *on <= first_plan_on)
                .or(if known.is_empty() { None } else { Some(0) })?;
            let latest = known.len() - 1;
            (latest > baseline).then(|| (known[baseline].1.clone(), known[latest].1.clone()))
        })
        .collect();
    if progress.iter().all(Option::is_none) {
        Vec::new()
    } else {
        progress
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde_json::json;

    use super::*;
    use crate::customer::CustomerData;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn record(id: &str, body: serde_json::Value) -> ProcessRecord {
        let content: RecordBody = serde_json::from_value(body).unwrap();
        ProcessRecord {
            id: id.into(),
            customer_id: "c".into(),
            kind: content.kind(),
            version: 1,
            current: true,
            county_code: None,
            created_at: DateTime::<Utc>::MIN_UTC,
            created_by: "u".into(),
            created_by_name: "U".into(),
            content,
        }
    }

    #[test]
    fn facts_follow_the_records() {
        let data: CustomerData = serde_json::from_value(json!({
            "identity_code": null, "family_name": "Testi", "given_names": "Tiina", "birth_date": "1990-05-20",
            "sex": "female", "citizenships": [], "native_language": "uk", "other_languages": [],
            "contact_language": null, "interpreter_needed": false, "interpreter_language": null, "phone": null,
            "email": null, "street_address": null, "postal_code": null, "post_office": null,
            "municipality_code": "091", "arrival_date": null, "first_permit_date": null,
            "residence_basis": "temporary_protection", "target_group": null,
            "customership_start": "2025-01-10", "responsible_caseworker": null
        }))
        .unwrap();
        let customer = Customer {
            id: "c".into(),
            data,
            customership_end: None,
            end_reason: None,
            version: 1,
            created_at: DateTime::<Utc>::MIN_UTC,
            updated_at: DateTime::<Utc>::MIN_UTC,
        };
        let mut superseded = record("old", json!({"kind": "assessment", "started_on": "2025-01-11"}));
        superseded.current = false;
        let records = vec![
            superseded,
            record(
                "a",
                json!({"kind": "assessment", "started_on": "2025-02-01", "completed_on": "2025-02-20",
                    "national_language_skills": {"listening": "A1", "reading": "0"}}),
            ),
            record(
                "p",
                json!({"kind": "plan", "drawn_up_on": "2025-03-01", "starts_on": "2025-03-01", "ends_on": "2026-02-28",
                    "reviews": [{"planned_on": "2025-09-01", "held_on": "2025-08-20"}],
                    "goals": [{"area": "language", "description": "Suomi", "measures": [
                        {"service": "integration_training", "planned_start": "2025-04-01", "planned_end": "2025-12-31",
                         "status": "started", "referred_on": "2025-03-20", "started_on": "2025-04-01"}]}]}),
            ),
            record(
                "g",
                json!({"kind": "programme", "enrolled_on": "2025-02-01", "civic_orientation_hours": 42,
                    "integration_training": {"started_on": "2025-04-01", "final_test_on": "2025-12-15",
                        "final_test_result": {"listening": "A2", "reading": "A1"}}}),
            ),
        ];
        let facts = CustomerStatistics::derive(&customer, &records, &DeadlineRules::default());
        assert_eq!(facts.age_band, "30_39");
        assert_eq!(facts.assessment_due_on, Some(date(2025, 3, 10)));
        // The superseded version does not count: the current assessment started on 1 February.
        assert_eq!(facts.assessment_started_on, Some(date(2025, 2, 1)));
        assert_eq!(facts.first_plan_on, Some(date(2025, 3, 1)));
        assert_eq!(facts.directed_on, Some(date(2025, 3, 20)));
        assert_eq!(facts.plans.len(), 1);
        assert_eq!(
            facts.plans[0].review_due_on,
            date(2026, 2, 20),
            "six months from the review held"
        );
        assert_eq!(facts.civic_orientation_hours, Some(42));
        assert_eq!(
            facts.services,
            [(ServiceType::IntegrationTraining, MeasureStatus::Started)]
        );
        assert_eq!(
            facts.language_progress,
            [
                Some(("A1".to_owned(), "A2".to_owned())),
                None,
                Some(("0".to_owned(), "A1".to_owned())),
                None
            ]
        );
    }
}
