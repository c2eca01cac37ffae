//! Field-level validation results shared by every input type.
//!
//! A use case collects every problem it finds, not just the first, so that a form can show all of them
//! at once and an API client can fix its request in one round.

use serde::Serialize;

use crate::code_lists::{self, CodeListName};

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldViolation {
    /// The field's path in the request, e.g. `birth_date` or `other_languages[1].level`.
    pub field: String,
    /// A stable machine-readable code, e.g. `required`, `too_long`, `unknown_code`, `in_future`.
    pub code: &'static str,
    /// A human-readable explanation in English; user interfaces translate by `code`.
    pub message: String,
}

/// The violations found while validating one input.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was found, otherwise every violation.
    pub fn into_result<T>(self, value: T) -> Result<T, Vec<FieldViolation>> {
        if self.0.is_empty() { Ok(value) } else { Err(self.0) }
    }

    pub fn into_vec(self) -> Vec<FieldViolation> {
        self.0
    }

    /// Checks a required free-text field: trimmed, non-empty, at most `max` characters, no control
    /// characters (they break exports and can hide text from a reader).
    pub fn required_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "required", "this field is required");
        } else {
            self.check_text(field, trimmed, max);
        }
        trimmed.to_owned()
    }

    /// Like [`Self::required_text`] for an optional field; an empty string counts as absent.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let trimmed = value.map(str::trim).filter(|v| !v.is_empty())?;
        self.check_text(field, trimmed, max);
        Some(trimmed.to_owned())
    }

    /// Like [`Self::required_text`] for text written in paragraphs (a case note): line breaks and
    /// tabs are kept, written as `\n` whatever the writer's system used.
    pub fn required_paragraphs(&mut self, field: &str, value: &str, max: usize) -> String {
        let text = normalise_line_breaks(value.trim());
        if text.is_empty() {
            self.add(field, "required", "this field is required");
        } else {
            self.check_paragraphs(field, &text, max);
        }
        text
    }

    /// Like [`Self::required_paragraphs`] for an optional field; an empty string counts as absent.
    pub fn optional_paragraphs(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let text = normalise_line_breaks(value.map(str::trim).filter(|v| !v.is_empty())?);
        self.check_paragraphs(field, &text, max);
        Some(text)
    }

    fn check_paragraphs(&mut self, field: &str, value: &str, max: usize) {
        let chars = value.chars().count();
        if chars > max {
            self.add(field, "too_long", format!("at most {max} characters, got {chars}"));
        }
        if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.add(
                field,
                "control_character",
                "control characters other than line breaks are not allowed",
            );
        }
    }

    /// Checks a required code against a code list; returns it trimmed.
    pub fn code(&mut self, field: &str, code: &str, list: CodeListName) -> String {
        let code = code.trim();
        if code.is_empty() {
            self.add(field, "required", "this field is required");
        } else if !code_lists::contains(list, code) {
            self.add(field, "unknown_code", format!("not in the code list {}", list.as_str()));
        }
        code.to_owned()
    }

    /// Like [`Self::code`] for an optional code; an empty string counts as absent.
    pub fn optional_code(&mut self, field: &str, code: Option<&str>, list: CodeListName) -> Option<String> {
        let code = code.map(str::trim).filter(|c| !c.is_empty())?;
        Some(self.code(field, code, list))
    }

    /// Records `code` on `later_field` when `later` falls before `earlier`.
    pub fn date_order(
        &mut self,
        later_field: &str,
        earlier: Option<chrono::NaiveDate>,
        later: Option<chrono::NaiveDate>,
        code: &'static str,
        message: &str,
    ) {
        if let (Some(earlier), Some(later)) = (earlier, later)
            && later < earlier
        {
            self.add(later_field, code, message);
        }
    }

    /// Checks that a list has at most `max` entries.
    pub fn max_items<T>(&mut self, field: &str, items: &[T], max: usize) {
        if items.len() > max {
            self.add(field, "too_many", format!("at most {max} entries, got {}", items.len()));
        }
    }

    fn check_text(&mut self, field: &str, value: &str, max: usize) {
        let chars = value.chars().count();
        if chars > max {
            self.add(field, "too_long", format!("at most {max} characters, got {chars}"));
        }
        if value.chars().any(char::is_control) {
            self.add(field, "control_character", "control characters are not allowed");
        }
    }
}

/// `\r\n` (Windows) and a lone `\r` (old Macs) as `\n`.
fn normalise_line_breaks(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}
