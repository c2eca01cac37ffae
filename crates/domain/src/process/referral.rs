//! Referrals (ohjaus) to services inside the municipality and to other organisations, with the
//! answer received.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::{ServiceType, not_in_future, short_text, text};
use super::{ForbiddenTransition, ValidationContext};
use crate::validation::{FieldViolation, Violations};

/// Who receives the referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// A service of the municipality itself.
    Municipal,
    EmploymentAuthority,
    WellbeingCounty,
    EducationProvider,
    Other,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    #[default]
    Sent,
    Accepted,
    Declined,
    Cancelled,
    Completed,
}

impl ReferralStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Sent => "sent",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Declined => "declined",
            ReferralStatus::Cancelled => "cancelled",
            ReferralStatus::Completed => "completed",
        }
    }

    /// Declined, cancelled and completed referrals are final.
    pub fn may_become(self, next: ReferralStatus) -> bool {
        use ReferralStatus::*;
        self == next
            || matches!(
                (self, next),
                (Sent, Accepted | Declined | Cancelled) | (Accepted, Completed | Cancelled)
            )
    }
}

/// A referral of the customer to a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    pub service: ServiceType,
    pub recipient_kind: RecipientKind,
    /// The receiving organisation or service by name.
    pub recipient: String,
    pub sent_on: NaiveDate,
    /// The plan measure this referral carries out, if any.
    #[serde(default)]
    pub measure_id: Option<String>,
    #[serde(default)]
    pub status: ReferralStatus,
    #[serde(default)]
    pub answered_on: Option<NaiveDate>,
    #[serde(default)]
    pub answer: Option<String>,
}

impl Referral {
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<Self, Vec<FieldViolation>> {
        let mut v = Violations::new();
        not_in_future(&mut v, "sent_on", Some(self.sent_on), ctx.today);
        not_in_future(&mut v, "answered_on", self.answered_on, ctx.today);
        v.date_order(
            "answered_on",
            Some(self.sent_on),
            self.answered_on,
            "before_sent",
            "the answer came before the referral was sent",
        );
        if self.status != ReferralStatus::Sent && self.status != ReferralStatus::Cancelled && self.answered_on.is_none()
        {
            v.add(
                "answered_on",
                "required",
                "an answered referral needs the date of the answer",
            );
        }
        let referral = Referral {
            recipient: v.required_text("recipient", &self.recipient, 200),
            measure_id: short_text(&mut v, "measure_id", self.measure_id),
            answer: text(&mut v, "answer", self.answer),
            ..self
        };
        v.into_result(referral)
    }

    pub fn may_follow(&self, previous: &Referral) -> Result<(), ForbiddenTransition> {
        if previous.status.may_become(self.status) {
            Ok(())
        } else {
            Err(ForbiddenTransition {
                field: "status".into(),
                message: format!(
                    "a {} referral cannot become {}",
                    previous.status.as_str(),
                    self.status.as_str()
                ),
            })
        }
    }
}
