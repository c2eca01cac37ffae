//! Errors of the use cases; the web layer maps each to one HTTP problem type.

use chrono::NaiveDate;
use kotopolku_domain::validation::FieldViolation;
use kotopolku_store::StoreError;
use serde::Serialize;

/// An existing customer that a new registration may duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DuplicateCandidate {
    pub id: String,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: NaiveDate,
    pub municipality_code: String,
}

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input broke field rules; every problem is listed.
    #[error("invalid input")]
    Validation(Vec<FieldViolation>),
    /// No such record (or, once access control exists, none the actor may see).
    #[error("not found")]
    NotFound,
    /// Another customer already has this identity code.
    #[error("identity code belongs to customer {existing_customer_id}")]
    DuplicateIdentityCode { existing_customer_id: String },
    /// Customers with the same birth date and a similar name exist; the caller must confirm.
    #[error("likely duplicate of existing customers")]
    LikelyDuplicates { candidates: Vec<DuplicateCandidate> },
    /// The record changed since the caller read it.
    #[error("the record was changed by someone else (current version {current_version})")]
    VersionConflict { current_version: i64 },
    /// The customership has already ended.
    #[error("the customership has already ended")]
    AlreadyEnded,
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
}
