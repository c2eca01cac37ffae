//! Exchange with the employment services: `POST /api/v1/customers/{id}/employment-exchange` gives a
//! customer's assessment and plan as an exchange document, `POST /api/v1/employment-exchange` takes
//! one in, and `/api/v1/schemas/employment-services-exchange.json` is its JSON Schema.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::employment_exchange::{Disclosure, ExchangeDocument, SCHEMA_ID};
use kotopolku_service::employment_exchange::ImportedExchange;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};

#[utoipa::path(
    post, path = "/api/v1/customers/{id}/employment-exchange", tag = "exports",
    params(("id" = String, Path, description = "Customer id")),
    request_body = Disclosure,
    responses(
        (status = 200, description = "The customer's current assessment and plan for the employment services, following the schema at /api/v1/schemas/employment-services-exchange.json; the disclosure is audited with its basis and recipient", body = ExchangeDocument),
        (status = 404, description = "No such customer in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer has neither an assessment nor a plan (`nothing_to_exchange`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The legal basis is incomplete (a consent needs its date)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    ApiJson(disclosure): ApiJson<Disclosure>,
) -> Result<Json<ExchangeDocument>, ApiError> {
    Ok(Json(
        state
            .services
            .employment_exchange_export(&actor, &id, &disclosure)
            .await?,
    ))
}

#[utoipa::path(
    post, path = "/api/v1/employment-exchange", tag = "exports",
    request_body = ExchangeDocument,
    responses(
        (status = 201, description = "The document's assessment and plan are the customer's new records", body = ImportedExchange),
        (status = 404, description = "No customer with the identity code in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Another schema version, an incomplete legal basis, a birth date that is not the customer's, or contents that do not pass the record checks; nothing is written", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiJson(document): ApiJson<ExchangeDocument>,
) -> Result<(StatusCode, Json<ImportedExchange>), ApiError> {
    let imported = state.services.employment_exchange_import(&actor, &document).await?;
    Ok((StatusCode::CREATED, Json(imported)))
}

#[utoipa::path(
    get, path = "/api/v1/schemas/employment-services-exchange.json", tag = "exports",
    responses((status = 200, description = "The JSON Schema (draft 2020-12) of the employment services exchange document, made from the same types the API reads and writes; public, it holds no personal data", content_type = "application/schema+json"))
)]
pub async fn schema() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/schema+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        Json(exchange_schema()),
    )
        .into_response()
}

/// The exchange document's schema: the OpenAPI document's component schemas (OpenAPI 3.1 schemas are
/// JSON Schema 2020-12) as `$defs`, so that the published schema cannot drift from the code.
pub fn exchange_schema() -> Value {
    let openapi = serde_json::to_value(super::openapi::ApiDoc::openapi()).unwrap_or(Value::Null);
    let components = openapi
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    let text = components.to_string().replace("#/components/schemas/", "#/$defs/");
    let defs: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Kotopolku employment services exchange document",
        "$ref": "#/$defs/ExchangeDocument",
        "$defs": defs,
    })
}
