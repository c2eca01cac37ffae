//! Moving municipality: when a customer moves, the old municipality's integration unit hands their
//! file (basic data, assessments, plans, services) over to the new municipality's unit, which accepts
//! it or declines it. Until it is accepted, the file stays with the old unit; afterwards it belongs to
//! the new one, and the old unit keeps the record of the hand-over and its own audit trail.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::code_lists::CodeListName;
use crate::validation::{FieldViolation, Violations};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverStatus {
    /// Waiting for the new municipality's unit.
    Pending,
    Accepted,
    Declined,
    /// Withdrawn by the old unit before an answer.
    Cancelled,
}

impl HandoverStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverStatus::Pending => "pending",
            HandoverStatus::Accepted => "accepted",
            HandoverStatus::Declined => "declined",
            HandoverStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Accepted, Self::Declined, Self::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A hand-over between two municipalities' units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Handover {
    pub id: String,
    pub customer_id: String,
    pub from_municipality: String,
    pub to_municipality: String,
    /// The day the customer moved (or will move).
    pub moved_on: NaiveDate,
    pub status: HandoverStatus,
    pub requested_at: DateTime<Utc>,
    pub requested_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    /// Why the new unit declined, when it did.
    pub reason: Option<String>,
}

/// The old unit's request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHandover {
    /// The new municipality of residence, a 3-digit code.
    pub to_municipality: String,
    pub moved_on: NaiveDate,
}

impl NewHandover {
    /// The new municipality must be a real one other than the present one.
    pub fn validate(&self, from_municipality: &str) -> Result<(), Vec<FieldViolation>> {
        let mut v = Violations::new();
        let to = v.code("to_municipality", &self.to_municipality, CodeListName::Municipalities);
        if to == from_municipality {
            v.add(
                "to_municipality",
                "same_municipality",
                "the customer already lives in this municipality",
            );
        }
        v.into_result(())
    }
}

/// The new unit's refusal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineHandover {
    pub reason: String,
}
