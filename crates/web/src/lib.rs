//! Kotopolku's HTTP interface: the JSON API under `/api/v1`, its OpenAPI document, and health checks.
//!
//! Handlers only translate between HTTP and the service layer: they extract the acting party and
//! the input, call one use case, and turn its result or error into a response. They decide nothing.

mod api;
pub mod auth;
mod extract;
pub mod metrics;
mod middleware;
pub mod oidc;
pub mod problem;
pub mod ui;
pub mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use kotopolku_service::Services;

pub use api::openapi::ApiDoc;

/// Largest accepted request body by default ([`Limits::max_body_bytes`]). A customer record is a
/// few kilobytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How much the server takes on, so that under overload it refuses some requests quickly instead of
/// answering all of them too late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// A request running longer is dropped (its transaction rolls back) and answered 503
    /// `request_timeout`. It bounds the time to the response's head, not a streamed body.
    pub request_timeout: Duration,
    /// Larger request bodies are refused with 413 `payload_too_large`.
    pub max_body_bytes: usize,
    /// Requests served at once; one more is answered at once 503 `overloaded`. Health checks and
    /// metrics do not count and are never refused.
    pub max_in_flight: usize,
    /// Sent as `Retry-After` with every 503.
    pub retry_after_seconds: u64,
    /// Serve `GET /metrics` on the main router. Without it, serve [`metrics_router`] on a listener
    /// of its own (one that only Prometheus can reach).
    pub metrics_on_main: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_body_bytes: MAX_BODY_BYTES,
            max_in_flight: 256,
            retry_after_seconds: 1,
            metrics_on_main: true,
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub services: Services,
    /// Send `Strict-Transport-Security` (when Kotopolku is served over HTTPS).
    pub hsts: bool,
    /// Sign-in through the organisation's identity provider, when configured.
    pub oidc: Option<std::sync::Arc<oidc::OidcClient>>,
    pub limits: Limits,
    /// Counted by every router made from this state; give [`metrics_router`] the same state (or a
    /// clone) as [`router`] so that it shows the main router's requests.
    pub metrics: metrics::Metrics,
    /// Reverse proxies whose `X-Forwarded-For` is believed: behind one, every connection comes from
    /// the proxy, and the sign-in limits and audit rows need the client's own address.
    pub trusted_proxies: std::sync::Arc<[std::net::IpAddr]>,
}

impl AppState {
    /// Whether this is a training environment (`kotopolku demo`, [`kotopolku_service::SecuritySettings::demo`]):
    /// every page then shows a banner saying so, and every response carries
    /// `X-Kotopolku-Environment: training`.
    pub fn training(&self) -> bool {
        self.services.settings().demo
    }
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
        .route("/customers/{id}/history", get(api::customers::history))
        .route("/customers/{id}/access-log", get(api::customers::access_log))
        .route("/customers/{id}/subject-access", get(api::customers::subject_access))
        .route("/events", get(api::events::list))
        .route(
            "/customers/{id}/employment-exchange",
            post(api::employment_exchange::export),
        )
        .route("/employment-exchange", post(api::employment_exchange::import))
        .route(
            "/schemas/employment-services-exchange.json",
            get(api::employment_exchange::schema),
        )
        .route("/customers/{id}/handovers", post(api::handovers::request))
        .route("/handovers", get(api::handovers::list))
        .route("/handovers/{id}/accept", post(api::handovers::accept))
        .route("/handovers/{id}/decline", post(api::handovers::decline))
        .route("/handovers/{id}/cancel", post(api::handovers::cancel))
        .route(
            "/customers/{id}/county-involvements",
            get(api::customers::involvements).post(api::customers::start_involvement),
        )
        .route(
            "/customers/{id}/county-involvements/{involvement_id}/end",
            post(api::customers::end_involvement),
        )
        .route(
            "/customers/{id}/records",
            get(api::process::list).post(api::process::add),
        )
        .route(
            "/customers/{id}/records/{record_id}",
            get(api::process::read).put(api::process::revise),
        )
        .route(
            "/customers/{id}/records/{record_id}/versions",
            get(api::process::versions),
        )
        .route(
            "/customers/{id}/records/{record_id}/print",
            get(api::process::print_plan),
        )
        .route("/customers/{id}/deadlines", get(api::process::deadlines))
        .route("/worklist", get(api::process::worklist))
        .route("/deadline-rules", get(api::process::deadline_rules))
        .route(
            "/exports/national-repository",
            get(api::repository_export::national_repository),
        )
        .route(
            "/schemas/national-repository-export.json",
            get(api::repository_export::schema),
        )
        .route("/statistics", get(api::statistics::area))
        .route("/statistics/areas", get(api::statistics::areas))
        .route("/statistics/indicators", get(api::statistics::indicators))
        .route("/statistics/open-data", get(api::statistics::open_data))
        .route("/statistics/refresh", post(api::statistics::refresh))
        .route("/auth/sign-in", post(api::auth::sign_in))
        .route("/auth/oidc/start", get(api::auth::oidc_start))
        .route("/auth/oidc/callback", get(api::auth::oidc_callback))
        .route("/auth/session", get(api::auth::session))
        .route("/me", get(api::auth::me))
        .route("/auth/sign-out", post(api::auth::sign_out))
        .route("/auth/sign-out-everywhere", post(api::auth::sign_out_everywhere))
        .route("/auth/password", post(api::auth::change_password))
        .route("/auth/totp/enrol", post(api::auth::start_totp))
        .route("/auth/totp/confirm", post(api::auth::confirm_totp))
        .route(
            "/organisations",
            get(api::admin::organisations).post(api::admin::create_organisation),
        )
        .route("/users", get(api::admin::users).post(api::admin::create_user))
        .route("/users/{id}/disable", post(api::admin::disable_user))
        .route("/users/{id}/enable", post(api::admin::enable_user))
        .route("/users/{id}/reset-sign-in", post(api::admin::reset_sign_in))
        .route("/tokens", get(api::admin::tokens).post(api::admin::create_token))
        .route("/tokens/{id}/revoke", post(api::admin::revoke_token))
        .route("/audit", get(api::admin::audit));
    let mut main = Router::new()
        .route("/healthz", get(api::health::healthz))
        .route("/readyz", get(api::health::readyz))
        .route(kotopolku_report::PRINT_CSS_PATH, get(api::process::print_css))
        .nest("/api/v1", api)
        .merge(ui::router());
    if state.limits.metrics_on_main {
        main = main.route("/metrics", get(metrics::scrape));
    }
    main.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            middleware::RequestContext::new(state.clone()),
            middleware::request_context,
        ))
        .with_state(state)
}

/// Only `GET /metrics`, for a listener of its own (an address only Prometheus reaches) when
/// [`Limits::metrics_on_main`] is off. Give it the state given to [`router`]: the figures are the
/// ones that router counts (its own scrapes are counted too, under the route `/metrics`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::scrape))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            middleware::RequestContext::new(state.clone()),
            middleware::request_context,
        ))
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
