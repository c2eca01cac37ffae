//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use super::{code_lists, customers, health};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kotopolku API",
        description = "Integration customer data system for Finnish municipalities (Integration Act 681/2023). \
            Every error is application/problem+json (RFC 9457) with a stable `code`.",
        license(name = "EUPL-1.2"),
    ),
    paths(
        health::healthz,
        health::readyz,
        code_lists::index,
        code_lists::show,
        customers::register,
        customers::search,
        customers::read,
        customers::update,
        customers::end,
        customers::history,
    ),
    components(schemas(crate::problem::Problem, kotopolku_domain::validation::FieldViolation)),
    tags(
        (name = "customers", description = "The customer registry"),
        (name = "code lists", description = "Code lists built into the binary"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", responses((status = 200, description = "This document")))]
pub async fn document() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    Json(doc).into_response()
}
