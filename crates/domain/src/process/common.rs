//! Types and checks shared by several process records.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::code_lists::CodeListName;
use crate::validation::Violations;

/// Longest free-text field of a process record (a note's text has its own limit).
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest short text: a provider's or an author's name, a place.
pub const MAX_SHORT_TEXT_CHARS: usize = 200;
/// Most entries in one list of a record (goals, measures, education entries...).
pub const MAX_ITEMS: usize = 50;

/// The services an integration plan's measures and referrals point to (681/2023 §13, §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceType {
    /// Monikielinen yhteiskuntaorientaatio (§13): at least 70 hours.
    CivicOrientation,
    /// Kotoutumiskoulutus, with a final language test.
    IntegrationTraining,
    LiteracyTraining,
    OtherLanguageTraining,
    VocationalTraining,
    WorkTryOut,
    EmploymentService,
    SocialOrHealthService,
    GuidanceAndCounselling,
    Other,
}

impl ServiceType {
    pub const ALL: [ServiceType; 10] = [
        ServiceType::CivicOrientation,
        ServiceType::IntegrationTraining,
        ServiceType::LiteracyTraining,
        ServiceType::OtherLanguageTraining,
        ServiceType::VocationalTraining,
        ServiceType::WorkTryOut,
        ServiceType::EmploymentService,
        ServiceType::SocialOrHealthService,
        ServiceType::GuidanceAndCounselling,
        ServiceType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::CivicOrientation => "civic_orientation",
            ServiceType::IntegrationTraining => "integration_training",
            ServiceType::LiteracyTraining => "literacy_training",
            ServiceType::OtherLanguageTraining => "other_language_training",
            ServiceType::VocationalTraining => "vocational_training",
            ServiceType::WorkTryOut => "work_try_out",
            ServiceType::EmploymentService => "employment_service",
            ServiceType::SocialOrHealthService => "social_or_health_service",
            ServiceType::GuidanceAndCounselling => "guidance_and_counselling",
            ServiceType::Other => "other",
        }
    }
}

/// CEFR levels per skill, each from the `cefr-levels` code list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageLevels {
    #[serde(default)]
    pub listening: Option<String>,
    #[serde(default)]
    pub speaking: Option<String>,
    #[serde(default)]
    pub reading: Option<String>,
    #[serde(default)]
    pub writing: Option<String>,
}

impl LanguageLevels {
    pub(crate) fn validate(self, v: &mut Violations, field: &str) -> Self {
        let mut level = |name: &str, value: Option<String>| {
            v.optional_code(&format!("{field}.{name}"), value.as_deref(), CodeListName::CefrLevels)
        };
        LanguageLevels {
            listening: level("listening", self.listening),
            speaking: level("speaking", self.speaking),
            reading: level("reading", self.reading),
            writing: level("writing", self.writing),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.listening.is_none() && self.speaking.is_none() && self.reading.is_none() && self.writing.is_none()
    }
}

/// Records `not_in_future` when a date of something done lies after today.
pub(crate) fn not_in_future(v: &mut Violations, field: &str, date: Option<NaiveDate>, today: NaiveDate) {
    if let Some(date) = date
        && date > today
    {
        v.add(field, "in_future", "a date of something done cannot be in the future");
    }
}

/// Trims a list of names (authors, participants), dropping empty ones.
pub(crate) fn names(v: &mut Violations, field: &str, names: Vec<String>) -> Vec<String> {
    v.max_items(field, &names, MAX_ITEMS);
    names
        .iter()
        .enumerate()
        .filter_map(|(i, name)| v.optional_text(&format!("{field}[{i}]"), Some(name), MAX_SHORT_TEXT_CHARS))
        .collect()
}

/// Trims an optional free text, which may have paragraphs.
pub(crate) fn text(v: &mut Violations, field: &str, value: Option<String>) -> Option<String> {
    v.optional_paragraphs(field, value.as_deref(), MAX_TEXT_CHARS)
}

/// Trims an optional short text.
pub(crate) fn short_text(v: &mut Violations, field: &str, value: Option<String>) -> Option<String> {
    v.optional_text(field, value.as_deref(), MAX_SHORT_TEXT_CHARS)
}
