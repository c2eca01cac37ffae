//! Kotopolku's HTTP interface: the JSON API under `/api/v1`, its OpenAPI document, and health checks.
//!
//! Handlers only translate between HTTP and the service layer: they extract the acting party and
//! the input, call one use case, and turn its result or error into a response. They decide nothing.

mod api;
mod extract;
mod middleware;
pub mod problem;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use kotopolku_service::Services;

pub use api::openapi::ApiDoc;

/// Largest accepted request body. A customer record is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub services: Services,
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(api::openapi::document))
        .route("/code-lists", get(api::code_lists::index))
        .route("/code-lists/{name}", get(api::code_lists::show))
        .route("/customers", post(api::customers::register).get(api::customers::search))
        .route("/customers/{id}", get(api::customers::read).put(api::customers::update))
        .route("/customers/{id}/end", post(api::customers::end))
        .route("/customers/{id}/history", get(api::customers::history));
    Router::new()
        .route("/healthz", get(api::health::healthz))
        .route("/readyz", get(api::health::readyz))
        .nest("/api/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(middleware::request_context))
        .with_state(state)
}

async fn not_found() -> problem::Problem {
    problem::Problem::not_found()
}

async fn method_not_allowed() -> problem::Problem {
    problem::Problem::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This method is not allowed here",
    )
}
