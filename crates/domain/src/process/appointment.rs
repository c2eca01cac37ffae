//! Appointments with the customer, often with an interpreter. A no-show with a booked interpreter is
//! flagged: the municipality may charge a fee for the unused interpretation (681/2023 §32a).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::{names, short_text, text};
use super::{ForbiddenTransition, ValidationContext};
use crate::code_lists::CodeListName;
use crate::validation::{FieldViolation, Violations};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    #[default]
    Planned,
    Held,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Planned => "planned",
            AppointmentStatus::Held => "held",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Appointment {
    /// Local time in Finland.
    pub starts_at: NaiveDateTime,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    /// A street address or a room; empty for a remote appointment.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub remote: bool,
    #[serde(default)]
    pub participants: Vec<String>,
    #[serde(default)]
    pub interpreter_needed: bool,
    /// From the `languages` code list.
    #[serde(default)]
    pub interpreter_language: Option<String>,
    #[serde(default)]
    pub interpreter_booked: bool,
    #[serde(default)]
    pub status: AppointmentStatus,
    #[serde(default)]
    pub notes: Option<String>,
    /// Set by Kotopolku: the customer did not come and an interpreter was booked (§32a fee).
    #[serde(default)]
    pub interpreter_fee_flag: bool,
}

impl Appointment {
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<Self, Vec<FieldViolation>> {
        let mut v = Violations::new();
        if self.duration_minutes.is_some_and(|m| m == 0 || m > 24 * 60) {
            v.add("duration_minutes", "out_of_range", "between 1 minute and 24 hours");
        }
        if !self.remote && self.place.as_deref().is_none_or(|p| p.trim().is_empty()) {
            v.add("place", "required", "give the place, or mark the appointment remote");
        }
        let interpreter_language = v.optional_code(
            "interpreter_language",
            self.interpreter_language.as_deref(),
            CodeListName::Languages,
        );
        if self.interpreter_needed && interpreter_language.is_none() {
            v.add("interpreter_language", "required", "which language is interpreted");
        }
        if matches!(self.status, AppointmentStatus::Held | AppointmentStatus::NoShow)
            && self.starts_at.date() > ctx.today
        {
            v.add(
                "status",
                "in_future",
                "an appointment in the future cannot have been held or missed",
            );
        }
        let appointment = Appointment {
            place: short_text(&mut v, "place", self.place),
            participants: names(&mut v, "participants", self.participants),
            interpreter_language,
            notes: text(&mut v, "notes", self.notes),
            interpreter_fee_flag: self.status == AppointmentStatus::NoShow && self.interpreter_booked,
            ..self
        };
        v.into_result(appointment)
    }

    /// A held, cancelled or missed appointment is final; plan a new one instead.
    pub fn may_follow(&self, previous: &Appointment) -> Result<(), ForbiddenTransition> {
        if previous.status == AppointmentStatus::Planned || previous.status == self.status {
            Ok(())
        } else {
            Err(ForbiddenTransition {
                field: "status".into(),
                message: format!(
                    "a {} appointment cannot become {}",
                    previous.status.as_str(),
                    self.status.as_str()
                ),
            })
        }
    }
}
