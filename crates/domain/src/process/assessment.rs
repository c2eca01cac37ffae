//! Osaamisen ja kotoutumisen palvelutarpeen arviointi: the assessment of skills and integration
//! service needs (681/2023 §9-§11), and its multisectoral variant with a wellbeing services county.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ValidationContext;
use super::common::{LanguageLevels, MAX_ITEMS, names, not_in_future, short_text, text};
use crate::code_lists::CodeListName;
use crate::customer::LanguageSkill;
use crate::validation::{FieldViolation, Violations};

/// How well the customer reads and writes (in any language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Literacy {
    /// Reads and writes the Latin alphabet.
    Literate,
    /// Reads and writes, but not the Latin alphabet.
    LiterateOtherScript,
    /// Reads and writes a little.
    Limited,
    NotLiterate,
}

/// Finnish or Swedish, the language of the integration services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NationalLanguage {
    Fi,
    Sv,
}

/// One stage of the customer's education.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EducationEntry {
    /// ISO 3166 country code from the `countries` code list.
    #[serde(default)]
    pub country: Option<String>,
    /// From the `isced-levels` code list.
    pub isced_level: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub years: Option<u8>,
    #[serde(default)]
    pub completed: bool,
}

/// One stage of the customer's work history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkEntry {
    /// ISCO-08 group from the `occupations` code list.
    pub occupation: String,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub years: Option<u8>,
}

/// Tarkentavat toimenpiteet: optional measures that specify the assessment (e.g. a skills test).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecifyingMeasure {
    pub measure_type: String,
    #[serde(default)]
    pub provider: Option<String>,
    pub starts_on: NaiveDate,
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    pub result: Option<String>,
}

/// The assessment of skills and integration service needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// The wellbeing services county taking part, for a multisectoral assessment; the county must be
    /// actively involved in the customer's process.
    #[serde(default)]
    pub multisectoral_county: Option<String>,
    /// When the customer or another authority asked for the assessment (§9), if they did.
    #[serde(default)]
    pub requested_on: Option<NaiveDate>,
    pub started_on: NaiveDate,
    #[serde(default)]
    pub initial_interview_on: Option<NaiveDate>,
    /// The language of the initial interview, from the `languages` code list.
    #[serde(default)]
    pub interview_language: Option<String>,
    #[serde(default)]
    pub interpreter_used: bool,
    #[serde(default)]
    pub literacy: Option<Literacy>,
    #[serde(default)]
    pub national_language: Option<NationalLanguage>,
    /// Finnish or Swedish skills by CEFR level per skill.
    #[serde(default)]
    pub national_language_skills: LanguageLevels,
    #[serde(default)]
    pub other_languages: Vec<LanguageSkill>,
    #[serde(default)]
    pub education: Vec<EducationEntry>,
    #[serde(default)]
    pub work_history: Vec<WorkEntry>,
    #[serde(default)]
    pub employment_goal: Option<String>,
    #[serde(default)]
    pub education_goal: Option<String>,
    #[serde(default)]
    pub learning_and_study_skills: Option<String>,
    #[serde(default)]
    pub special_skills: Option<String>,
    #[serde(default)]
    pub digital_skills: Option<String>,
    #[serde(default)]
    pub life_situation: Option<String>,
    /// Whether the customer needs an integration plan; the reason is required either way.
    #[serde(default)]
    pub plan_needed: Option<bool>,
    #[serde(default)]
    pub plan_need_reason: Option<String>,
    /// Planned date of the integration plan (reported nationally, Decree 874/2024).
    #[serde(default)]
    pub planned_plan_on: Option<NaiveDate>,
    #[serde(default)]
    pub other_service_needs: Option<String>,
    #[serde(default)]
    pub specifying_measures: Vec<SpecifyingMeasure>,
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
    /// The officials who made the assessment.
    #[serde(default)]
    pub authors: Vec<String>,
}

impl Assessment {
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<Self, Vec<FieldViolation>> {
        let mut v = Violations::new();
        let today = ctx.today;
        not_in_future(&mut v, "started_on", Some(self.started_on), today);
        not_in_future(&mut v, "initial_interview_on", self.initial_interview_on, today);
        not_in_future(&mut v, "completed_on", self.completed_on, today);
        not_in_future(&mut v, "requested_on", self.requested_on, today);
        v.date_order(
            "completed_on",
            Some(self.started_on),
            self.completed_on,
            "before_start",
            "the assessment is completed before it started",
        );
        v.date_order(
            "initial_interview_on",
            Some(self.started_on),
            self.initial_interview_on,
            "before_start",
            "the initial interview is before the assessment started",
        );
        let interview_language = v.optional_code(
            "interview_language",
            self.interview_language.as_deref(),
            CodeListName::Languages,
        );
        let national_language_skills = self
            .national_language_skills
            .validate(&mut v, "national_language_skills");
        v.max_items("other_languages", &self.other_languages, MAX_ITEMS);
        let other_languages = self
            .other_languages
            .into_iter()
            .enumerate()
            .map(|(i, skill)| LanguageSkill {
                language: v.code(
                    &format!("other_languages[{i}].language"),
                    &skill.language,
                    CodeListName::Languages,
                ),
                level: v.optional_code(
                    &format!("other_languages[{i}].level"),
                    skill.level.as_deref(),
                    CodeListName::CefrLevels,
                ),
            })
            .collect();
        v.max_items("education", &self.education, MAX_ITEMS);
        let education = self
            .education
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let f = format!("education[{i}]");
                years(&mut v, &format!("{f}.years"), e.years);
                EducationEntry {
                    country: v.optional_code(&format!("{f}.country"), e.country.as_deref(), CodeListName::Countries),
                    isced_level: v.code(&format!("{f}.isced_level"), &e.isced_level, CodeListName::IscedLevels),
                    field: short_text(&mut v, &format!("{f}.field"), e.field),
                    years: e.years,
                    completed: e.completed,
                }
            })
            .collect();
        v.max_items("work_history", &self.work_history, MAX_ITEMS);
        let work_history = self
            .work_history
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let f = format!("work_history[{i}]");
                years(&mut v, &format!("{f}.years"), w.years);
                WorkEntry {
                    occupation: v.code(&format!("{f}.occupation"), &w.occupation, CodeListName::Occupations),
                    country: v.optional_code(&format!("{f}.country"), w.country.as_deref(), CodeListName::Countries),
                    years: w.years,
                }
            })
            .collect();
        let plan_need_reason = text(&mut v, "plan_need_reason", self.plan_need_reason);
        if self.plan_needed.is_some() && plan_need_reason.is_none() {
            v.add(
                "plan_need_reason",
                "required",
                "give the reason why the customer does or does not need an integration plan",
            );
        }
        v.max_items("specifying_measures", &self.specifying_measures, MAX_ITEMS);
        let specifying_measures = self
            .specifying_measures
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let f = format!("specifying_measures[{i}]");
                v.date_order(
                    &format!("{f}.ends_on"),
                    Some(m.starts_on),
                    m.ends_on,
                    "before_start",
                    "the measure ends before it starts",
                );
                SpecifyingMeasure {
                    measure_type: v.required_text(&format!("{f}.measure_type"), &m.measure_type, 200),
                    provider: short_text(&mut v, &format!("{f}.provider"), m.provider),
                    starts_on: m.starts_on,
                    ends_on: m.ends_on,
                    result: text(&mut v, &format!("{f}.result"), m.result),
                }
            })
            .collect();
        let assessment = Assessment {
            multisectoral_county: short_text(&mut v, "multisectoral_county", self.multisectoral_county),
            requested_on: self.requested_on,
            started_on: self.started_on,
            initial_interview_on: self.initial_interview_on,
            interview_language,
            interpreter_used: self.interpreter_used,
            literacy: self.literacy,
            national_language: self.national_language,
            national_language_skills,
            other_languages,
            education,
            work_history,
            employment_goal: text(&mut v, "employment_goal", self.employment_goal),
            education_goal: text(&mut v, "education_goal", self.education_goal),
            learning_and_study_skills: text(&mut v, "learning_and_study_skills", self.learning_and_study_skills),
            special_skills: text(&mut v, "special_skills", self.special_skills),
            digital_skills: text(&mut v, "digital_skills", self.digital_skills),
            life_situation: text(&mut v, "life_situation", self.life_situation),
            plan_needed: self.plan_needed,
            plan_need_reason,
            planned_plan_on: self.planned_plan_on,
            other_service_needs: text(&mut v, "other_service_needs", self.other_service_needs),
            specifying_measures,
            completed_on: self.completed_on,
            authors: names(&mut v, "authors", self.authors),
        };
        v.into_result(assessment)
    }
}

fn years(v: &mut Violations, field: &str, years: Option<u8>) {
    if years.is_some_and(|y| y > 60) {
        v.add(field, "out_of_range", "at most 60 years");
    }
}
