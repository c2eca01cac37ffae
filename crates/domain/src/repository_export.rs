//! What a municipality delivers to the national integration data repository (valtakunnallinen
//! kotoutumisen tietovaranto, 681/2023 §74): the assessments of skills and integration service needs
//! and the integration plans, with the contents Decree 874/2024 §1-§2 lists.
//!
//! This module is pure: it turns a customer and the current versions of their assessment and plan
//! records into export entries, and checks the period asked for. The store finds the records, the
//! service decides who may export what and audits it, and the web layer writes the document as JSON
//! (described by the hand-written JSON Schema `docs/schemas/national-repository-export.schema.json`,
//! whose `$id` is [`SCHEMA_ID`]) or as two CSV tables.
//!
//! Codes (languages, countries, ISCED levels, ISCO groups, CEFR levels) are exported as codes: the
//! repository has the same code lists, and a code does not change meaning with the reader's language.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::customer::{Customer, LanguageSkill};
use crate::identity_code::IdentityCode;
use crate::process::assessment::{EducationEntry, Literacy, NationalLanguage, SpecifyingMeasure, WorkEntry};
use crate::process::common::{LanguageLevels, ServiceType};
use crate::process::plan::{GoalArea, MeasureStatus};
use crate::process::{Assessment, Plan, ProcessRecord, RecordBody};
use crate::validation::FieldViolation;

/// The `$id` of the JSON Schema an export document follows; the document names it in `schema`.
/// A change of the document's shape that a reader could notice gets a new version here and in the
/// schema file.
pub const SCHEMA_ID: &str = "urn:kotopolku:schema:national-repository-export:1";

/// The system named as the data source of every entry.
pub const SYSTEM_NAME: &str = "Kotopolku";

/// The longest period one export may cover: a year, leap day included. A municipality delivers at
/// least yearly; a longer export would only make one request hold more personal data at once.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// The days an export covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// A period from `from` to `to` inclusive. Refused, naming `to`: a period that ends before it
    /// starts, and one longer than [`MAX_PERIOD_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, FieldViolation> {
        if to < from {
            return Err(FieldViolation {
                field: "to".into(),
                code: "before_start",
                message: format!("the period ends ({to}) before it starts ({from})"),
            });
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_PERIOD_DAYS {
            return Err(FieldViolation {
                field: "to".into(),
                code: "period_too_long",
                message: format!("an export covers at most {MAX_PERIOD_DAYS} days; this period has {days}"),
            });
        }
        Ok(Period { from, to })
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// Who saved a record's version, as the store found them: a user (with an e-mail), an integration's
/// token (without one), or neither (the system).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorder {
    pub name: String,
    pub email: Option<String>,
    /// The organisation of the user or token, when the recorder is one.
    pub organisation_id: Option<String>,
    pub organisation_name: Option<String>,
}

/// One current assessment or plan version with its customer and recorder, as the store reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub subject: Subject,
    pub record: ProcessRecord,
    pub recorder: Recorder,
}

/// The customer data every entry carries: enough for the repository to identify the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub customer_id: String,
    pub identity_code: Option<String>,
    pub birth_date: NaiveDate,
    pub municipality_code: String,
}

impl From<&Customer> for Subject {
    fn from(customer: &Customer) -> Self {
        Subject {
            customer_id: customer.id.clone(),
            identity_code: customer
                .data
                .identity_code
                .as_ref()
                .map(|c| IdentityCode::as_str(c).to_owned()),
            birth_date: customer.data.birth_date,
            municipality_code: customer.data.municipality_code.clone(),
        }
    }
}

/// The export document (its JSON form is described by the schema [`SCHEMA_ID`]).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ExportDocument {
    /// The `$id` of the JSON Schema the document follows.
    pub schema: String,
    pub generated_at: DateTime<Utc>,
    pub period: Period,
    /// The municipalities whose customers the export covers (the exporting unit's).
    pub municipalities: Vec<String>,
    /// Assessments started within the period, by start date.
    pub assessments: Vec<AssessmentEntry>,
    /// Plans drawn up within the period, by the date drawn up.
    pub plans: Vec<PlanEntry>,
}

/// Where an entry's data comes from: the system and the organisation that recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DataSource {
    /// Always `Kotopolku`.
    pub system: String,
    pub organisation_id: String,
    pub organisation_name: String,
}

impl DataSource {
    pub fn new(organisation_id: &str, organisation_name: &str) -> Self {
        DataSource {
            system: SYSTEM_NAME.into(),
            organisation_id: organisation_id.into(),
            organisation_name: organisation_name.into(),
        }
    }
}

/// The authors' contact details (Decree 874/2024 §1-§2): the officials named as authors, and the
/// person or integration that saved the exported version, with an e-mail address when it is a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Authors {
    pub names: Vec<String>,
    pub recorded_by: RecordedBy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordedBy {
    pub name: String,
    pub email: Option<String>,
}

/// One assessment of skills and integration service needs (681/2023 §14; Decree 874/2024 §1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AssessmentEntry {
    pub record_id: String,
    pub record_version: i64,
    /// Kotopolku's id of the customer: links a person's entries also without an identity code.
    pub customer_id: String,
    pub identity_code: Option<String>,
    pub birth_date: NaiveDate,
    /// The customer's municipality of residence.
    pub municipality_code: String,
    pub started_on: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    pub content: AssessmentContent,
    /// The planned date of the integration plan.
    pub planned_plan_on: Option<NaiveDate>,
    /// When no plan is needed: the other services the customer is directed to.
    pub other_referral: Option<String>,
    pub authors: Authors,
    pub data_source: DataSource,
}

/// The assessment's content, including its specifying measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AssessmentContent {
    pub multisectoral_county: Option<String>,
    pub requested_on: Option<NaiveDate>,
    pub initial_interview_on: Option<NaiveDate>,
    pub interview_language: Option<String>,
    pub interpreter_used: bool,
    pub literacy: Option<Literacy>,
    pub national_language: Option<NationalLanguage>,
    pub national_language_skills: LanguageLevels,
    pub other_languages: Vec<LanguageSkill>,
    pub education: Vec<EducationEntry>,
    pub work_history: Vec<WorkEntry>,
    pub employment_goal: Option<String>,
    pub education_goal: Option<String>,
    pub learning_and_study_skills: Option<String>,
    pub special_skills: Option<String>,
    pub digital_skills: Option<String>,
    pub life_situation: Option<String>,
    pub plan_needed: Option<bool>,
    pub plan_need_reason: Option<String>,
    pub other_service_needs: Option<String>,
    pub specifying_measures: Vec<SpecifyingMeasure>,
}

/// One integration plan or multisectoral integration plan (681/2023 §15-§16; Decree 874/2024 §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanEntry {
    pub record_id: String,
    pub record_version: i64,
    /// Kotopolku's id of the customer: links a person's entries also without an identity code.
    pub customer_id: String,
    pub identity_code: Option<String>,
    pub birth_date: NaiveDate,
    pub municipality_code: String,
    pub drawn_up_on: NaiveDate,
    pub duration: PlanDuration,
    pub goals: Vec<PlanGoal>,
    pub measures: Vec<PlanMeasure>,
    pub other_content: PlanOtherContent,
    pub authors: Authors,
    /// The next planned review not yet held, if one is planned.
    pub planned_review_on: Option<NaiveDate>,
    pub data_source: DataSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanDuration {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanGoal {
    pub area: GoalArea,
    pub description: String,
}

/// An agreed measure or service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanMeasure {
    pub measure_id: Option<String>,
    /// The position (from 0) in `goals` of the goal the measure serves.
    pub goal_index: usize,
    pub service: ServiceType,
    pub provider: Option<String>,
    pub status: MeasureStatus,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
    pub referred_on: Option<NaiveDate>,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub hours: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanOtherContent {
    pub customer_agreed_on: Option<NaiveDate>,
    /// The wellbeing services county of a multisectoral plan (681/2023 §16).
    pub multisectoral_county: Option<String>,
}

/// Builds the export document from the current record versions the store found. Only current
/// assessments started, and current plans drawn up, within `period` become entries; anything else
/// is left out, whatever the caller passed. `fallback_source` is the data source of a version that
/// no user or token of an organisation saved (the system's): the exporting unit.
pub fn build_document(
    generated_at: DateTime<Utc>,
    period: Period,
    municipalities: Vec<String>,
    sources: &[SourceRecord],
    fallback_source: &DataSource,
) -> ExportDocument {
    let mut assessments = Vec::new();
    let mut plans = Vec::new();
    for source in sources.iter().filter(|s| s.record.current) {
        match &source.record.content {
            RecordBody::Assessment(a) if period.contains(a.started_on) => {
                assessments.push(assessment_entry(source, a, fallback_source));
            }
            RecordBody::Plan(p) if period.contains(p.drawn_up_on) => {
                plans.push(plan_entry(source, p, fallback_source));
            }
            _ => {}
        }
    }
    assessments.sort_by(|a, b| (a.started_on, &a.record_id).cmp(&(b.started_on, &b.record_id)));
    plans.sort_by(|a, b| (a.drawn_up_on, &a.record_id).cmp(&(b.drawn_up_on, &b.record_id)));
    ExportDocument {
        schema: SCHEMA_ID.into(),
        generated_at,
        period,
        municipalities,
        assessments,
        plans,
    }
}

/// The entry of one assessment version.
pub fn assessment_entry(source: &SourceRecord, a: &Assessment, fallback_source: &DataSource) -> AssessmentEntry {
    let s = &source.subject;
    AssessmentEntry {
        record_id: source.record.id.clone(),
        record_version: source.record.version,
        customer_id: s.customer_id.clone(),
        identity_code: s.identity_code.clone(),
        birth_date: s.birth_date,
        municipality_code: s.municipality_code.clone(),
        started_on: a.started_on,
        completed_on: a.completed_on,
        content: AssessmentContent {
            multisectoral_county: a.multisectoral_county.clone(),
            requested_on: a.requested_on,
            initial_interview_on: a.initial_interview_on,
            interview_language: a.interview_language.clone(),
            interpreter_used: a.interpreter_used,
            literacy: a.literacy,
            national_language: a.national_language,
            national_language_skills: a.national_language_skills.clone(),
            other_languages: a.other_languages.clone(),
            education: a.education.clone(),
            work_history: a.work_history.clone(),
            employment_goal: a.employment_goal.clone(),
            education_goal: a.education_goal.clone(),
            learning_and_study_skills: a.learning_and_study_skills.clone(),
            special_skills: a.special_skills.clone(),
            digital_skills: a.digital_skills.clone(),
            life_situation: a.life_situation.clone(),
            plan_needed: a.plan_needed,
            plan_need_reason: a.plan_need_reason.clone(),
            other_service_needs: a.other_service_needs.clone(),
            specifying_measures: a.specifying_measures.clone(),
        },
        planned_plan_on: a.planned_plan_on,
        // The decree's "planned plan date or other referral to services": when the assessment
        // found no plan needed, the other services it directs the customer to.
        other_referral: if a.plan_needed == Some(false) {
            a.other_service_needs.clone()
        } else {
            None
        },
        authors: authors(&a.authors, &source.recorder),
        data_source: data_source(&source.recorder, fallback_source),
    }
}

/// The entry of one plan version.
pub fn plan_entry(source: &SourceRecord, p: &Plan, fallback_source: &DataSource) -> PlanEntry {
    let s = &source.subject;
    let measures = p
        .goals
        .iter()
        .enumerate()
        .flat_map(|(goal_index, goal)| {
            goal.measures.iter().map(move |m| PlanMeasure {
                measure_id: m.id.clone(),
                goal_index,
                service: m.service,
                provider: m.provider.clone(),
                status: m.status,
                planned_start: m.planned_start,
                planned_end: m.planned_end,
                referred_on: m.referred_on,
                started_on: m.started_on,
                ended_on: m.ended_on,
                hours: m.hours,
            })
        })
        .collect();
    PlanEntry {
        record_id: source.record.id.clone(),
        record_version: source.record.version,
        customer_id: s.customer_id.clone(),
        identity_code: s.identity_code.clone(),
        birth_date: s.birth_date,
        municipality_code: s.municipality_code.clone(),
        drawn_up_on: p.drawn_up_on,
        duration: PlanDuration {
            starts_on: p.starts_on,
            ends_on: p.ends_on,
        },
        goals: p
            .goals
            .iter()
            .map(|g| PlanGoal {
                area: g.area,
                description: g.description.clone(),
            })
            .collect(),
        measures,
        other_content: PlanOtherContent {
            customer_agreed_on: p.customer_agreed_on,
            multisectoral_county: p.multisectoral_county.clone(),
        },
        authors: authors(&p.authors, &source.recorder),
        planned_review_on: planned_review_on(p),
        data_source: data_source(&source.recorder, fallback_source),
    }
}

/// The plan's next review: the earliest planned one not yet held (681/2023 §15: reviewed when
/// needed and at least every 6 months; Decree 874/2024 §2: the planned review date).
pub fn planned_review_on(plan: &Plan) -> Option<NaiveDate> {
    plan.reviews
        .iter()
        .filter(|r| r.held_on.is_none())
        .map(|r| r.planned_on)
        .min()
}

fn authors(names: &[String], recorder: &Recorder) -> Authors {
    Authors {
        names: names.to_vec(),
        recorded_by: RecordedBy {
            name: recorder.name.clone(),
            email: recorder.email.clone(),
        },
    }
}

fn data_source(recorder: &Recorder, fallback: &DataSource) -> DataSource {
    match (&recorder.organisation_id, &recorder.organisation_name) {
        (Some(id), Some(name)) => DataSource::new(id, name),
        _ => fallback.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::plan::{Goal, Measure, Review};

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn assessment(started_on: &str) -> Assessment {
        serde_json::from_value(serde_json::json!({
            "started_on": started_on,
            "plan_needed": false,
            "plan_need_reason": "works already",
            "other_service_needs": "guidance on housing",
            "authors": ["Kaisa Ohjaaja"],
        }))
        .expect("assessment")
    }

    fn plan(drawn_up_on: &str) -> Plan {
        Plan {
            multisectoral_county: Some("90".into()),
            drawn_up_on: date(drawn_up_on),
            starts_on: date(drawn_up_on),
            ends_on: date("2027-03-31"),
            goals: vec![
                Goal {
                    area: GoalArea::Language,
                    description: "A2".into(),
                    measures: vec![],
                },
                Goal {
                    area: GoalArea::Employment,
                    description: "Work try-out".into(),
                    measures: vec![Measure {
                        id: Some("m1".into()),
                        service: ServiceType::WorkTryOut,
                        provider: None,
                        planned_start: date("2026-08-01"),
                        planned_end: date("2026-10-31"),
                        hours: Some(120),
                        status: MeasureStatus::Planned,
                        referred_on: None,
                        started_on: None,
                        ended_on: None,
                        outcome: Some("not exported".into()),
                    }],
                },
            ],
            reviews: vec![
                Review {
                    planned_on: date("2026-07-01"),
                    held_on: Some(date("2026-07-02")),
                    summary: None,
                },
                Review {
                    planned_on: date("2026-12-01"),
                    held_on: None,
                    summary: None,
                },
                Review {
                    planned_on: date("2026-10-01"),
                    held_on: None,
                    summary: None,
                },
            ],
            customer_agreed_on: Some(date("2026-04-01")),
            authors: vec!["Kaisa Ohjaaja".into()],
        }
    }

    fn source(id: &str, content: RecordBody, current: bool, recorder: Recorder) -> SourceRecord {
        SourceRecord {
            subject: Subject {
                customer_id: "c1".into(),
                identity_code: None,
                birth_date: date("1988-03-14"),
                municipality_code: "091".into(),
            },
            record: ProcessRecord {
                id: id.into(),
                customer_id: "c1".into(),
                kind: content.kind(),
                version: 2,
                current,
                county_code: None,
                created_at: DateTime::from_timestamp(0, 0).expect("time"),
                created_by: "u1".into(),
                created_by_name: "Kaisa".into(),
                content,
            },
            recorder,
        }
    }

    #[test]
    fn a_period_is_ordered_and_at_most_a_year() {
        assert!(Period::new(date("2026-01-01"), date("2026-01-01")).is_ok());
        assert!(
            Period::new(date("2024-01-01"), date("2024-12-31")).is_ok(),
            "366 days of a leap year"
        );
        let reversed = Period::new(date("2026-02-01"), date("2026-01-31")).expect_err("reversed");
        assert_eq!((reversed.field.as_str(), reversed.code), ("to", "before_start"));
        let long = Period::new(date("2025-01-01"), date("2026-01-02")).expect_err("too long");
        assert_eq!((long.field.as_str(), long.code), ("to", "period_too_long"));
        let period = Period::new(date("2026-01-01"), date("2026-03-31")).expect("period");
        assert!(period.contains(date("2026-01-01")) && period.contains(date("2026-03-31")));
        assert!(!period.contains(date("2025-12-31")) && !period.contains(date("2026-04-01")));
    }

    #[test]
    fn only_current_versions_within_the_period_are_exported() {
        let unit = DataSource::new("unit", "Unit A");
        let user = Recorder {
            name: "Kaisa Ohjaaja".into(),
            email: Some("kaisa@example.org".into()),
            organisation_id: Some("county".into()),
            organisation_name: Some("Helsinki county".into()),
        };
        let sources = [
            source(
                "a-in",
                RecordBody::Assessment(assessment("2026-03-06")),
                true,
                user.clone(),
            ),
            source(
                "a-old",
                RecordBody::Assessment(assessment("2025-12-31")),
                true,
                user.clone(),
            ),
            source(
                "a-superseded",
                RecordBody::Assessment(assessment("2026-03-01")),
                false,
                user,
            ),
            source("p-in", RecordBody::Plan(plan("2026-04-01")), true, Recorder::default()),
            source(
                "p-late",
                RecordBody::Plan(plan("2026-07-01")),
                true,
                Recorder::default(),
            ),
        ];
        let period = Period::new(date("2026-01-01"), date("2026-06-30")).expect("period");
        let document = build_document(
            DateTime::from_timestamp(0, 0).expect("time"),
            period,
            vec!["091".into()],
            &sources,
            &unit,
        );
        assert_eq!(document.schema, SCHEMA_ID);
        let ids: Vec<&str> = document.assessments.iter().map(|a| a.record_id.as_str()).collect();
        assert_eq!(ids, ["a-in"]);
        let a = &document.assessments[0];
        assert_eq!(a.record_version, 2);
        assert_eq!(a.other_referral.as_deref(), Some("guidance on housing"));
        assert_eq!(a.authors.recorded_by.email.as_deref(), Some("kaisa@example.org"));
        assert_eq!(a.data_source, DataSource::new("county", "Helsinki county"));

        let ids: Vec<&str> = document.plans.iter().map(|p| p.record_id.as_str()).collect();
        assert_eq!(ids, ["p-in"]);
        let p = &document.plans[0];
        assert_eq!(
            p.planned_review_on,
            Some(date("2026-10-01")),
            "the earliest review not held"
        );
        assert_eq!(p.measures.len(), 1);
        assert_eq!((p.measures[0].goal_index, p.measures[0].hours), (1, Some(120)));
        assert_eq!(
            p.data_source, unit,
            "a version the system saved comes from the exporting unit"
        );
        assert_eq!(p.other_content.multisectoral_county.as_deref(), Some("90"));
    }

    #[test]
    fn the_document_serialises_with_the_schemas_top_level_fields() {
        let document = build_document(
            DateTime::from_timestamp(0, 0).expect("time"),
            Period::new(date("2026-01-01"), date("2026-01-31")).expect("period"),
            vec!["091".into()],
            &[],
            &DataSource::new("unit", "Unit A"),
        );
        let json = serde_json::to_value(&document).expect("json");
        let mut keys: Vec<&String> = json.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "assessments",
                "generated_at",
                "municipalities",
                "period",
                "plans",
                "schema"
            ]
        );
        assert_eq!(
            json["period"],
            serde_json::json!({"from": "2026-01-01", "to": "2026-01-31"})
        );
    }
}
