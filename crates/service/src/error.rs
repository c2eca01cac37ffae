//! Errors of the use cases; the web layer maps each to one HTTP problem type.

use chrono::NaiveDate;
use kotopolku_domain::validation::FieldViolation;
use kotopolku_store::StoreError;
use serde::Serialize;

/// An existing customer that a new registration may duplicate. Candidates outside the actor's
/// scope are reported without name or id: only that one exists, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DuplicateCandidate {
    pub id: Option<String>,
    pub family_name: Option<String>,
    pub given_names: Option<String>,
    pub birth_date: NaiveDate,
    pub municipality_code: String,
    /// True when the candidate is a customer of a municipality the actor does not serve.
    pub outside_your_scope: bool,
}

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input broke field rules; every problem is listed.
    #[error("invalid input")]
    Validation(Vec<FieldViolation>),
    /// A request's parameters (not a record's fields) are unusable, e.g. a reversed period; each
    /// problem names its parameter.
    #[error("invalid parameters")]
    InvalidQuery(Vec<FieldViolation>),
    /// No such record, or none the actor may see: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// The actor may not do this (the policy grants its role no such action).
    #[error("forbidden: {message}")]
    Forbidden { code: &'static str, message: String },
    /// No valid session or token.
    #[error("not signed in")]
    Unauthenticated,
    /// Sign-in failed; the same answer for a wrong password, a wrong code, an unknown or a locked user.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many attempts from one client; try again after the given number of seconds.
    #[error("too many attempts")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// Another customer already has this identity code.
    #[error("identity code belongs to customer {existing_customer_id}")]
    DuplicateIdentityCode { existing_customer_id: String },
    /// Customers with the same birth date and a similar name exist; the caller must confirm.
    #[error("likely duplicate of existing customers")]
    LikelyDuplicates { candidates: Vec<DuplicateCandidate> },
    /// The record changed since the caller read it.
    #[error("the record was changed by someone else (current version {current_version})")]
    VersionConflict { current_version: i64 },
    /// The version being revised is no longer the current one (a later version superseded it).
    #[error("version {based_on} is superseded (current version {current_version})")]
    Superseded { based_on: i64, current_version: i64 },
    /// The change conflicts with the record's state (a forbidden transition, a second programme).
    #[error("{code}: {message}")]
    Conflict {
        code: &'static str,
        field: Option<String>,
        message: String,
    },
    /// The customership has already ended.
    #[error("the customership has already ended")]
    AlreadyEnded,
    /// Something that should not happen (no randomness, a panicked worker).
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// A single-field validation error.
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Validation(vec![FieldViolation {
            field: field.to_owned(),
            code,
            message: message.into(),
        }])
    }

    /// The grant needs a stated purpose of use and the request gave none.
    pub fn purpose_required() -> Self {
        ServiceError::Forbidden {
            code: "purpose_required",
            message: "state the purpose of use (Kotopolku-Purpose header)".into(),
        }
    }

    pub fn conflict(code: &'static str, field: Option<String>, message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            field,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ServiceError::Forbidden {
            code: "forbidden",
            message: message.into(),
        }
    }
}
