//! RFC 9457 problem responses: the one place where errors become HTTP statuses and stable codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::validation::FieldViolation;
use kotopolku_service::{DuplicateCandidate, ServiceError};
use kotopolku_store::StoreError;
use serde::Serialize;

/// An `application/problem+json` body. `code` is stable: clients and the user interface translate
/// by it; `title` and `detail` are for people reading logs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:kotopolku:problem:{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: every field with its problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldViolation>,
    /// For `duplicate_identity_code`: the customer that has the code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_customer_id: Option<String>,
    /// For `likely_duplicate`: the customers the new one may duplicate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<DuplicateCandidate>,
    /// For `version_conflict`: the version now stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// The `X-Request-Id` of the response: quoted to support, it finds the request's log line and
    /// audit rows. Filled in when the problem becomes a response, from the request being served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Sent as the `Retry-After` header, not in the body.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &str) -> Self {
        Self {
            problem_type: format!("urn:kotopolku:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            detail: None,
            errors: Vec::new(),
            existing_customer_id: None,
            candidates: Vec::new(),
            current_version: None,
            request_id: None,
            retry_after: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A problem with one named field.
    pub fn field(status: StatusCode, code: &str, title: &str, violation: FieldViolation) -> Self {
        let mut problem = Self::new(status, code, title);
        problem.detail = Some(format!("{}: {}", violation.field, violation.message));
        problem.errors.push(violation);
        problem
    }

    pub fn validation(errors: Vec<FieldViolation>) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The input is not valid",
        );
        problem.detail = Some(
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        );
        problem.errors = errors;
        problem
    }

    /// A request's query parameters are unusable (400 `invalid_query`); each problem names its
    /// parameter. The extractor's parse errors and the use cases' refusals of parameters share it.
    pub fn invalid_query(errors: Vec<FieldViolation>) -> Self {
        let mut problem = Problem::validation(errors);
        problem.status = StatusCode::BAD_REQUEST.as_u16();
        problem.code = "invalid_query".into();
        problem.problem_type = "urn:kotopolku:problem:invalid_query".into();
        problem.title = "A query parameter is not valid".into();
        problem
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource")
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal error")
    }
}

impl IntoResponse for Problem {
    /// Also puts the id of the request being served into the body, and gives every 503 a
    /// `Retry-After` (the configured one unless the problem names its own): a client that is told
    /// the service is unavailable is told when to come back.
    fn into_response(mut self) -> Response {
        if self.request_id.is_none() {
            self.request_id = crate::middleware::current_request_id();
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE.as_u16() && self.retry_after.is_none() {
            self.retry_after = Some(crate::middleware::current_retry_after_seconds());
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kotopolku\""),
            );
        }
        response
    }
}

impl From<ServiceError> for Problem {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Validation(errors) => Problem::validation(errors),
            ServiceError::InvalidQuery(errors) => Problem::invalid_query(errors),
            ServiceError::NotFound => Problem::not_found(),
            ServiceError::Forbidden { code, message } => {
                Problem::new(StatusCode::FORBIDDEN, code, "Not allowed").detail(message)
            }
            ServiceError::Unauthenticated => Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Sign in, or send a valid API token",
            ),
            ServiceError::InvalidCredentials => Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The e-mail, password or code is not right, or the account is locked",
            ),
            ServiceError::TooManyAttempts { retry_after_seconds } => {
                let mut problem = Problem::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "Too many attempts")
                    .detail(format!("try again in {retry_after_seconds} seconds"));
                problem.retry_after = Some(retry_after_seconds);
                problem
            }
            ServiceError::Internal(message) => {
                tracing::error!(%message, "internal error");
                Problem::internal()
            }
            ServiceError::DuplicateIdentityCode { existing_customer_id } => {
                let mut problem = Problem::field(
                    StatusCode::CONFLICT,
                    "duplicate_identity_code",
                    "Another customer has this identity code",
                    FieldViolation {
                        field: "identity_code".into(),
                        code: "in_use",
                        message: format!("already registered for customer {existing_customer_id}"),
                    },
                );
                problem.existing_customer_id = Some(existing_customer_id);
                problem
            }
            ServiceError::LikelyDuplicates { candidates } => {
                let mut problem = Problem::new(
                    StatusCode::CONFLICT,
                    "likely_duplicate",
                    "Customers with the same birth date and a similar name exist",
                )
                .detail(
                    "check the candidates; if none is this person, send again with \"confirm_not_duplicate\": true",
                );
                problem.candidates = candidates;
                problem
            }
            ServiceError::VersionConflict { current_version } => {
                let mut problem = Problem::new(
                    StatusCode::CONFLICT,
                    "version_conflict",
                    "The record was changed by someone else",
                )
                .detail("read the record again and reapply your change");
                problem.current_version = Some(current_version);
                problem
            }
            ServiceError::Superseded {
                based_on,
                current_version,
            } => {
                let mut problem = Problem::new(
                    StatusCode::CONFLICT,
                    "superseded_version",
                    "That version has been superseded",
                )
                .detail(format!(
                    "version {based_on} was revised into version {current_version}; earlier versions stay readable but cannot be edited"
                ));
                problem.current_version = Some(current_version);
                problem
            }
            ServiceError::Conflict { code, field, message } => match field {
                Some(field) => Problem::field(
                    StatusCode::CONFLICT,
                    code,
                    "The change conflicts with the record's state",
                    FieldViolation { field, code, message },
                ),
                None => Problem::new(
                    StatusCode::CONFLICT,
                    code,
                    "The change conflicts with the record's state",
                )
                .detail(message),
            },
            ServiceError::AlreadyEnded => Problem::new(
                StatusCode::CONFLICT,
                "already_ended",
                "The customership has already ended",
            ),
            // A pool that timed out is a busy database: 503 with `Retry-After` (added to every 503 in
            // `into_response`), so clients back off rather than fail.
            ServiceError::Store(StoreError::Database(sqlx_error)) if is_unavailable(&sqlx_error) => {
                tracing::error!(error = %sqlx_error, "database unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "The database is not available",
                )
            }
            ServiceError::Store(error) => {
                tracing::error!(%error, "store error");
                Problem::internal()
            }
        }
    }
}

fn is_unavailable(error: &kotopolku_store::SqlxError) -> bool {
    matches!(
        error,
        kotopolku_store::SqlxError::PoolTimedOut
            | kotopolku_store::SqlxError::PoolClosed
            | kotopolku_store::SqlxError::Io(_)
    )
}

/// A boxed [`Problem`], so that `Result`s stay small; handlers return it and use `?` on service calls.
#[derive(Debug)]
pub struct ApiError(pub Box<Problem>);

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        ApiError(Box::new(error.into()))
    }
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        ApiError(Box::new(problem))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}
