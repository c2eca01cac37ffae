//! The integration customer process (681/2023 §9-§16): assessments, plans, the integration programme,
//! referrals, case notes and appointments.
//!
//! Every process record is stored as a versioned document: a change never overwrites, it adds a new
//! version and keeps the earlier ones readable (plans are revised, notes are corrected). Each kind
//! validates itself here; the rules that need the customer's other records (the first plan's length,
//! state transitions between versions) take them as arguments.

pub mod appointment;
pub mod assessment;
pub mod common;
pub mod note;
pub mod plan;
pub mod programme;
pub mod referral;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::deadlines::DeadlineRules;
use crate::validation::FieldViolation;

pub use appointment::Appointment;
pub use assessment::Assessment;
pub use note::Note;
pub use plan::Plan;
pub use programme::Programme;
pub use referral::Referral;

/// The kinds of process records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Assessment,
    Plan,
    Programme,
    Referral,
    Note,
    Appointment,
}

impl RecordKind {
    pub const ALL: [RecordKind; 6] = [
        RecordKind::Assessment,
        RecordKind::Plan,
        RecordKind::Programme,
        RecordKind::Referral,
        RecordKind::Note,
        RecordKind::Appointment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Assessment => "assessment",
            RecordKind::Plan => "plan",
            RecordKind::Programme => "programme",
            RecordKind::Referral => "referral",
            RecordKind::Note => "note",
            RecordKind::Appointment => "appointment",
        }
    }

    pub fn parse(text: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The content of a process record, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[expect(
    clippy::large_enum_variant,
    reason = "a record is built once per request and moved a few times; boxing buys nothing measurable"
)]
pub enum RecordBody {
    Assessment(Assessment),
    Plan(Plan),
    Programme(Programme),
    Referral(Referral),
    Note(Note),
    Appointment(Appointment),
}

/// One version of a process record.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProcessRecord {
    pub id: String,
    pub customer_id: String,
    pub kind: RecordKind,
    /// 1 for the first version; each revision or correction adds one.
    pub version: i64,
    /// False for a version that a later one superseded.
    pub current: bool,
    /// The wellbeing county whose multisectoral process the record belongs to, if any.
    pub county_code: Option<String>,
    /// When this version was saved, and by whom.
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub created_by_name: String,
    pub content: RecordBody,
}

/// What validation needs to know besides the record itself.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'a> {
    /// Today in Finland: nothing may be recorded as done in the future.
    pub today: NaiveDate,
    pub rules: &'a DeadlineRules,
    /// Whether this record is (a version of) the customer's first integration plan.
    pub is_first_plan: bool,
}

/// A change between two versions that the record's state machine forbids (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForbiddenTransition {
    pub field: String,
    pub message: String,
}

impl RecordBody {
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordBody::Assessment(_) => RecordKind::Assessment,
            RecordBody::Plan(_) => RecordKind::Plan,
            RecordBody::Programme(_) => RecordKind::Programme,
            RecordBody::Referral(_) => RecordKind::Referral,
            RecordBody::Note(_) => RecordKind::Note,
            RecordBody::Appointment(_) => RecordKind::Appointment,
        }
    }

    /// Checks and normalises the record; every problem is listed.
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<RecordBody, Vec<FieldViolation>> {
        Ok(match self {
            RecordBody::Assessment(r) => RecordBody::Assessment(r.validate(ctx)?),
            RecordBody::Plan(r) => RecordBody::Plan(r.validate(ctx)?),
            RecordBody::Programme(r) => RecordBody::Programme(r.validate(ctx)?),
            RecordBody::Referral(r) => RecordBody::Referral(r.validate(ctx)?),
            RecordBody::Note(r) => RecordBody::Note(r.validate(ctx)?),
            RecordBody::Appointment(r) => RecordBody::Appointment(r.validate(ctx)?),
        })
    }

    /// Checks that `self` may follow `previous` as the next version of the same record.
    pub fn may_follow(&self, previous: &RecordBody) -> Result<(), ForbiddenTransition> {
        match (previous, self) {
            (RecordBody::Plan(before), RecordBody::Plan(after)) => after.may_follow(before),
            (RecordBody::Referral(before), RecordBody::Referral(after)) => after.may_follow(before),
            (RecordBody::Appointment(before), RecordBody::Appointment(after)) => after.may_follow(before),
            (before, after) if before.kind() != after.kind() => Err(ForbiddenTransition {
                field: "kind".into(),
                message: format!(
                    "a {} cannot be revised into a {}",
                    before.kind().as_str(),
                    after.kind().as_str()
                ),
            }),
            _ => Ok(()),
        }
    }

    /// The wellbeing county whose multisectoral process this record belongs to, if any.
    pub fn multisectoral_county(&self) -> Option<&str> {
        match self {
            RecordBody::Assessment(a) => a.multisectoral_county.as_deref(),
            RecordBody::Plan(p) => p.multisectoral_county.as_deref(),
            _ => None,
        }
    }

    /// Sensitive case notes are shown only to the roles the policy allows.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, RecordBody::Note(note) if note.confidentiality == note::Confidentiality::Sensitive)
    }
}
