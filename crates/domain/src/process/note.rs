//! Asiakaskirjaus: case notes. Never edited in place: a correction is a new version and the old one
//! is kept.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ValidationContext;
use super::common::not_in_future;
use crate::validation::{FieldViolation, Violations};

/// Longest note text.
pub const MAX_NOTE_CHARS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteType {
    Guidance,
    Counselling,
    Meeting,
    PhoneCall,
    Message,
    Other,
}

/// Sensitive notes (e.g. health or family matters) are shown only to the roles the policy allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidentiality {
    #[default]
    Normal,
    Sensitive,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// The day the note is about.
    pub written_on: NaiveDate,
    pub note_type: NoteType,
    pub text: String,
    #[serde(default)]
    pub confidentiality: Confidentiality,
}

impl Note {
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<Self, Vec<FieldViolation>> {
        let mut v = Violations::new();
        not_in_future(&mut v, "written_on", Some(self.written_on), ctx.today);
        let text = v.required_paragraphs("text", &self.text, MAX_NOTE_CHARS);
        v.into_result(Note { text, ..self })
    }
}
