//! The national integration data repository export (Decree 874/2024) as two CSV tables, for a
//! person to check before delivery or for a system that takes tables rather than JSON.
//!
//! One row per record: [`assessments_table`] and [`plans_table`]. Single values keep their own
//! columns (dates as dates, numbers as numbers, codes as codes, truth values as `true`/`false`).
//! Lists (languages, education, work history, specifying measures, goals, measures, authors) are
//! flattened into one column each as readable text: items joined with `; `, an item's parts as
//! `name=value` joined with `, ` and parts without a value left out. That text is for reading; a
//! program that needs the lists' structure reads the JSON document, which holds the same data.
//! Free text is written as entered; `to_csv` keeps a spreadsheet from taking it for a formula.

use chrono::NaiveDate;
use kotopolku_domain::process::assessment::{Literacy, NationalLanguage};
use kotopolku_domain::repository_export::{AssessmentEntry, Authors, DataSource, ExportDocument, PlanEntry};

use crate::tabular::{Cell, Table};

/// The columns every entry starts with: the record and its customer.
const ENTRY_HEADERS: [&str; 6] = [
    "record_id",
    "record_version",
    "customer_id",
    "identity_code",
    "birth_date",
    "municipality_code",
];

/// The columns every entry ends with: its authors and data source.
const SOURCE_HEADERS: [&str; 6] = [
    "authors",
    "recorded_by_name",
    "recorded_by_email",
    "data_source_system",
    "data_source_organisation_id",
    "data_source_organisation_name",
];

const ASSESSMENT_HEADERS: [&str; 28] = [
    "started_on",
    "completed_on",
    "multisectoral_county",
    "requested_on",
    "initial_interview_on",
    "interview_language",
    "interpreter_used",
    "literacy",
    "national_language",
    "national_language_listening",
    "national_language_speaking",
    "national_language_reading",
    "national_language_writing",
    "other_languages",
    "education",
    "work_history",
    "employment_goal",
    "education_goal",
    "learning_and_study_skills",
    "special_skills",
    "digital_skills",
    "life_situation",
    "plan_needed",
    "plan_need_reason",
    "other_service_needs",
    "specifying_measures",
    "planned_plan_on",
    "other_referral",
];

const PLAN_HEADERS: [&str; 8] = [
    "drawn_up_on",
    "starts_on",
    "ends_on",
    "goals",
    "measures",
    "customer_agreed_on",
    "multisectoral_county",
    "planned_review_on",
];

/// The assessments of `document`, one row each.
pub fn assessments_table(document: &ExportDocument) -> Table {
    Table {
        name: "assessments".into(),
        headers: headers(&ASSESSMENT_HEADERS),
        rows: document.assessments.iter().map(assessment_row).collect(),
    }
}

/// The plans of `document`, one row each.
pub fn plans_table(document: &ExportDocument) -> Table {
    Table {
        name: "plans".into(),
        headers: headers(&PLAN_HEADERS),
        rows: document.plans.iter().map(plan_row).collect(),
    }
}

fn headers(specific: &[&str]) -> Vec<String> {
    ENTRY_HEADERS
        .iter()
        .chain(specific)
        .chain(SOURCE_HEADERS.iter())
        .map(|h| (*h).to_owned())
        .collect()
}

fn assessment_row(a: &AssessmentEntry) -> Vec<Cell> {
    let c = &a.content;
    let levels = &c.national_language_skills;
    let mut row = entry_cells(
        &a.record_id,
        a.record_version,
        &a.customer_id,
        a.identity_code.as_deref(),
        a.birth_date,
        &a.municipality_code,
    );
    let other_languages = c
        .other_languages
        .iter()
        .map(|l| parts(&[("language", Some(l.language.clone())), ("level", l.level.clone())]));
    let education = c.education.iter().map(|e| {
        parts(&[
            ("isced_level", Some(e.isced_level.clone())),
            ("country", e.country.clone()),
            ("field", e.field.clone()),
            ("years", e.years.map(|y| y.to_string())),
            ("completed", Some(e.completed.to_string())),
        ])
    });
    let work_history = c.work_history.iter().map(|w| {
        parts(&[
            ("occupation", Some(w.occupation.clone())),
            ("country", w.country.clone()),
            ("years", w.years.map(|y| y.to_string())),
        ])
    });
    let specifying_measures = c.specifying_measures.iter().map(|m| {
        parts(&[
            ("measure_type", Some(m.measure_type.clone())),
            ("provider", m.provider.clone()),
            ("starts_on", Some(m.starts_on.to_string())),
            ("ends_on", m.ends_on.map(|d| d.to_string())),
            ("result", m.result.clone()),
        ])
    });
    row.extend([
        Cell::Date(a.started_on),
        date(a.completed_on),
        text(c.multisectoral_county.as_deref()),
        date(c.requested_on),
        date(c.initial_interview_on),
        text(c.interview_language.as_deref()),
        Cell::Text(c.interpreter_used.to_string()),
        text(c.literacy.map(literacy)),
        text(c.national_language.map(national_language)),
        text(levels.listening.as_deref()),
        text(levels.speaking.as_deref()),
        text(levels.reading.as_deref()),
        text(levels.writing.as_deref()),
        list(other_languages),
        list(education),
        list(work_history),
        text(c.employment_goal.as_deref()),
        text(c.education_goal.as_deref()),
        text(c.learning_and_study_skills.as_deref()),
        text(c.special_skills.as_deref()),
        text(c.digital_skills.as_deref()),
        text(c.life_situation.as_deref()),
        c.plan_needed
            .map_or(Cell::Empty, |needed| Cell::Text(needed.to_string())),
        text(c.plan_need_reason.as_deref()),
        text(c.other_service_needs.as_deref()),
        list(specifying_measures),
        date(a.planned_plan_on),
        text(a.other_referral.as_deref()),
    ]);
    row.extend(source_cells(&a.authors, &a.data_source));
    row
}

fn plan_row(p: &PlanEntry) -> Vec<Cell> {
    let mut row = entry_cells(
        &p.record_id,
        p.record_version,
        &p.customer_id,
        p.identity_code.as_deref(),
        p.birth_date,
        &p.municipality_code,
    );
    let goals = p.goals.iter().map(|g| {
        parts(&[
            ("area", Some(g.area.as_str().to_owned())),
            ("description", Some(g.description.clone())),
        ])
    });
    let measures = p.measures.iter().map(|m| {
        parts(&[
            ("service", Some(m.service.as_str().to_owned())),
            ("goal", p.goals.get(m.goal_index).map(|g| g.area.as_str().to_owned())),
            ("status", Some(m.status.as_str().to_owned())),
            ("provider", m.provider.clone()),
            ("planned_start", Some(m.planned_start.to_string())),
            ("planned_end", Some(m.planned_end.to_string())),
            ("referred_on", m.referred_on.map(|d| d.to_string())),
            ("started_on", m.started_on.map(|d| d.to_string())),
            ("ended_on", m.ended_on.map(|d| d.to_string())),
            ("hours", m.hours.map(|h| h.to_string())),
        ])
    });
    row.extend([
        Cell::Date(p.drawn_up_on),
        Cell::Date(p.duration.starts_on),
        Cell::Date(p.duration.ends_on),
        list(goals),
        list(measures),
        date(p.other_content.customer_agreed_on),
        text(p.other_content.multisectoral_county.as_deref()),
        date(p.planned_review_on),
    ]);
    row.extend(source_cells(&p.authors, &p.data_source));
    row
}

fn entry_cells(
    record_id: &str,
    version: i64,
    customer_id: &str,
    identity_code: Option<&str>,
    birth_date: NaiveDate,
    municipality_code: &str,
) -> Vec<Cell> {
    vec![
        Cell::Text(record_id.to_owned()),
        Cell::Integer(version),
        Cell::Text(customer_id.to_owned()),
        text(identity_code),
        Cell::Date(birth_date),
        Cell::Text(municipality_code.to_owned()),
    ]
}

fn source_cells(authors: &Authors, source: &DataSource) -> [Cell; 6] {
    [
        list(authors.names.iter().cloned()),
        Cell::Text(authors.recorded_by.name.clone()),
        text(authors.recorded_by.email.as_deref()),
        Cell::Text(source.system.clone()),
        Cell::Text(source.organisation_id.clone()),
        Cell::Text(source.organisation_name.clone()),
    ]
}

fn text(value: Option<&str>) -> Cell {
    value.map_or(Cell::Empty, |v| Cell::Text(v.to_owned()))
}

fn date(value: Option<NaiveDate>) -> Cell {
    value.map_or(Cell::Empty, Cell::Date)
}

/// Items joined with `; `; no items is an empty cell.
fn list(items: impl Iterator<Item = String>) -> Cell {
    let joined = items.collect::<Vec<_>>().join("; ");
    if joined.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(joined)
    }
}

/// An item's parts as `name=value` joined with `, `, leaving out those without a value.
fn parts(parts: &[(&str, Option<String>)]) -> String {
    parts
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={v}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON document's names of the values, so that both forms say the same.
fn literacy(value: Literacy) -> &'static str {
    match value {
        Literacy::Literate => "literate",
        Literacy::LiterateOtherScript => "literate_other_script",
        Literacy::Limited => "limited",
        Literacy::NotLiterate => "not_literate",
    }
}

fn national_language(value: NationalLanguage) -> &'static str {
    match value {
        NationalLanguage::Fi => "fi",
        NationalLanguage::Sv => "sv",
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use kotopolku_domain::process::common::ServiceType;
    use kotopolku_domain::process::plan::{GoalArea, MeasureStatus};
    use kotopolku_domain::repository_export::{
        Period, PlanDuration, PlanGoal, PlanMeasure, PlanOtherContent, RecordedBy, SCHEMA_ID,
    };

    use super::*;
    use crate::tabular::{CsvOptions, Delimiter, to_csv};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn document() -> ExportDocument {
        let measure = |service, goal_index, hours| PlanMeasure {
            measure_id: Some("m".into()),
            goal_index,
            service,
            provider: None,
            status: MeasureStatus::Planned,
            planned_start: day("2026-04-15"),
            planned_end: day("2026-06-30"),
            referred_on: None,
            started_on: None,
            ended_on: None,
            hours,
        };
        ExportDocument {
            schema: SCHEMA_ID.into(),
            generated_at: DateTime::from_timestamp(0, 0).expect("time"),
            period: Period::new(day("2026-01-01"), day("2026-06-30")).expect("period"),
            municipalities: vec!["091".into()],
            assessments: Vec::new(),
            plans: vec![PlanEntry {
                record_id: "p1".into(),
                record_version: 3,
                customer_id: "c1".into(),
                identity_code: None,
                birth_date: day("1988-03-14"),
                municipality_code: "091".into(),
                drawn_up_on: day("2026-04-01"),
                duration: PlanDuration {
                    starts_on: day("2026-04-01"),
                    ends_on: day("2027-03-31"),
                },
                goals: vec![
                    PlanGoal {
                        area: GoalArea::Language,
                        description: "=A2".into(),
                    },
                    PlanGoal {
                        area: GoalArea::Employment,
                        description: "Työkokeilu".into(),
                    },
                ],
                measures: vec![
                    measure(ServiceType::CivicOrientation, 0, Some(70)),
                    measure(ServiceType::WorkTryOut, 1, None),
                ],
                other_content: PlanOtherContent {
                    customer_agreed_on: None,
                    multisectoral_county: None,
                },
                authors: Authors {
                    names: vec!["Kaisa Ohjaaja".into(), "Matti Meikäläinen".into()],
                    recorded_by: RecordedBy {
                        name: "Kaisa Ohjaaja".into(),
                        email: None,
                    },
                },
                planned_review_on: Some(day("2026-10-01")),
                data_source: DataSource::new("unit", "Unit A"),
            }],
        }
    }

    #[test]
    fn every_row_is_as_wide_as_the_header() {
        let document = document();
        let plans = plans_table(&document);
        assert_eq!(plans.rows.len(), 1);
        assert!(plans.rows.iter().all(|row| row.len() == plans.headers.len()));
        assert!(assessments_table(&document).rows.is_empty());
        assert_eq!(assessments_table(&document).headers.len(), 6 + 28 + 6);
    }

    #[test]
    fn lists_are_readable_text() {
        let plans = plans_table(&document());
        let column = |name: &str| {
            let i = plans.headers.iter().position(|h| h == name).expect(name);
            plans.rows[0][i].clone()
        };
        assert_eq!(
            column("goals"),
            Cell::Text("area=language, description==A2; area=employment, description=Työkokeilu".into())
        );
        assert_eq!(
            column("measures"),
            Cell::Text(
                "service=civic_orientation, goal=language, status=planned, planned_start=2026-04-15, \
                 planned_end=2026-06-30, hours=70; service=work_try_out, goal=employment, status=planned, \
                 planned_start=2026-04-15, planned_end=2026-06-30"
                    .into()
            )
        );
        assert_eq!(column("authors"), Cell::Text("Kaisa Ohjaaja; Matti Meikäläinen".into()));
        assert_eq!(column("recorded_by_email"), Cell::Empty);
        assert_eq!(column("record_version"), Cell::Integer(3));
        let csv = String::from_utf8(to_csv(
            &plans,
            CsvOptions {
                delimiter: Delimiter::Semicolon,
                byte_order_mark: false,
            },
        ))
        .expect("utf-8");
        assert!(csv.starts_with("record_id;record_version;customer_id;"), "{csv}");
        assert_eq!(csv.lines().count(), 2);
    }
}
