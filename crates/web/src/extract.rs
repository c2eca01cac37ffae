//! Request extractors whose rejections are problem responses naming the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use kotopolku_domain::validation::FieldViolation;
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, Problem};

/// A JSON body. Malformed JSON is 400 `malformed_json`; a wrong type, a missing or an unknown field
/// is 422 `validation_failed` with the field's path.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The body must be JSON",
            )
            .detail("send Content-Type: application/json")
            .into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| -> ApiError {
            let problem = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "The body is too large",
                )
            } else {
                Problem::new(StatusCode::BAD_REQUEST, "unreadable_body", "The body could not be read")
            };
            problem.into()
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Deserialises JSON with the path of any error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| -> ApiError {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let problem = match inner.classify() {
            serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof
            | serde_json::error::Category::Io => Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "The body is not valid JSON",
            )
            .detail(format!("line {}, column {}: {inner}", inner.line(), inner.column())),
            serde_json::error::Category::Data => Problem::validation(vec![data_violation(&path, &inner.to_string())]),
        };
        problem.into()
    })
}

/// Query parameters, with the same error shape as [`ApiJson`] (400 for a bad parameter).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| -> ApiError {
                let path = error.path().to_string();
                let violation = data_violation(&path, &error.into_inner().to_string());
                Problem::invalid_query(vec![violation]).into()
            })
    }
}

/// Names the field of a serde data error: the path, or for missing and unknown fields the name
/// serde puts in back-quotes in its message.
fn data_violation(path: &str, message: &str) -> FieldViolation {
    let quoted = message.split('`').nth(1).map(str::to_owned);
    let (code, field) = if message.starts_with("unknown field") {
        ("unknown_field", join_path(path, quoted))
    } else if message.starts_with("missing field") {
        ("required", join_path(path, quoted))
    } else {
        ("invalid_value", path.to_owned())
    };
    FieldViolation {
        field,
        code,
        message: message.split(", expected one of").next().unwrap_or(message).to_owned(),
    }
}

fn join_path(path: &str, name: Option<String>) -> String {
    match (path, name) {
        (".", Some(name)) | ("", Some(name)) => name,
        (path, Some(name)) if !path.ends_with(&name) => format!("{path}.{name}"),
        (path, _) => path.to_owned(),
    }
}
