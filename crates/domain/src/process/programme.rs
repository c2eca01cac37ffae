//! Kotoutumisohjelma (681/2023 §13): the municipality's early-stage package, with civic orientation
//! hours toward the 70-hour minimum and integration training's final language test.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ValidationContext;
use super::common::{LanguageLevels, MAX_ITEMS, not_in_future, short_text};
use crate::code_lists::CodeListName;
use crate::validation::{FieldViolation, Violations};

/// The parts of the integration programme (§13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeComponent {
    Assessment,
    IntegrationPlan,
    CivicOrientation,
    IntegrationTraining,
    OtherLanguageStudies,
    LiteracyTraining,
    WorkSkillsServices,
    EmploymentServices,
    GuidanceAndCounselling,
}

/// One part of the programme and when it was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentDone {
    pub component: ProgrammeComponent,
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
}

/// Integration training and its final language test result per skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationTraining {
    pub started_on: NaiveDate,
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
    #[serde(default)]
    pub final_test_on: Option<NaiveDate>,
    #[serde(default)]
    pub final_test_result: LanguageLevels,
}

/// The customer's integration programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub enrolled_on: NaiveDate,
    #[serde(default)]
    pub components: Vec<ComponentDone>,
    /// Hours of multilingual civic orientation attended so far (the minimum is a deadline rule).
    #[serde(default)]
    pub civic_orientation_hours: u32,
    /// The language civic orientation was given in, from the `languages` code list.
    #[serde(default)]
    pub civic_orientation_language: Option<String>,
    #[serde(default)]
    pub integration_training: Option<IntegrationTraining>,
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
    #[serde(default)]
    pub provider: Option<String>,
}

impl Programme {
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<Self, Vec<FieldViolation>> {
        let mut v = Violations::new();
        not_in_future(&mut v, "enrolled_on", Some(self.enrolled_on), ctx.today);
        not_in_future(&mut v, "ended_on", self.ended_on, ctx.today);
        v.date_order(
            "ended_on",
            Some(self.enrolled_on),
            self.ended_on,
            "before_start",
            "the programme ends before enrolment",
        );
        if self.civic_orientation_hours > 1000 {
            v.add("civic_orientation_hours", "out_of_range", "at most 1000 hours");
        }
        v.max_items("components", &self.components, MAX_ITEMS);
        for (i, c) in self.components.iter().enumerate() {
            not_in_future(
                &mut v,
                &format!("components[{i}].completed_on"),
                c.completed_on,
                ctx.today,
            );
            if self.components[..i]
                .iter()
                .any(|earlier| earlier.component == c.component)
            {
                v.add(format!("components[{i}].component"), "duplicate", "each component once");
            }
        }
        let civic_orientation_language = v.optional_code(
            "civic_orientation_language",
            self.civic_orientation_language.as_deref(),
            CodeListName::Languages,
        );
        let integration_training = self.integration_training.map(|t| {
            not_in_future(&mut v, "integration_training.started_on", Some(t.started_on), ctx.today);
            not_in_future(&mut v, "integration_training.final_test_on", t.final_test_on, ctx.today);
            v.date_order(
                "integration_training.ended_on",
                Some(t.started_on),
                t.ended_on,
                "before_start",
                "the training ends before it starts",
            );
            if t.final_test_on.is_none() && !t.final_test_result.is_empty() {
                v.add(
                    "integration_training.final_test_on",
                    "required",
                    "a final test result needs the test date",
                );
            }
            IntegrationTraining {
                final_test_result: t
                    .final_test_result
                    .validate(&mut v, "integration_training.final_test_result"),
                ..t
            }
        });
        let programme = Programme {
            civic_orientation_language,
            integration_training,
            provider: short_text(&mut v, "provider", self.provider),
            ..self
        };
        v.into_result(programme)
    }
}
