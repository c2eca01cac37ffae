//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use super::{
    admin, auth, code_lists, customers, employment_exchange, events, handovers, health, process, repository_export,
    statistics,
};

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
        crate::metrics::scrape,
        code_lists::index,
        code_lists::show,
        customers::register,
        customers::search,
        customers::read,
        customers::update,
        customers::end,
        customers::history,
        customers::access_log,
        customers::subject_access,
        events::list,
        employment_exchange::export,
        employment_exchange::import,
        employment_exchange::schema,
        handovers::request,
        handovers::list,
        handovers::accept,
        handovers::decline,
        handovers::cancel,
        customers::involvements,
        customers::start_involvement,
        customers::end_involvement,
        process::add,
        process::list,
        process::read,
        process::revise,
        process::versions,
        process::print_plan,
        process::deadlines,
        process::worklist,
        process::deadline_rules,
        repository_export::national_repository,
        repository_export::schema,
        statistics::area,
        statistics::areas,
        statistics::indicators,
        statistics::open_data,
        statistics::refresh,
        auth::sign_in,
        auth::oidc_start,
        auth::oidc_callback,
        auth::session,
        auth::me,
        auth::sign_out,
        auth::sign_out_everywhere,
        auth::change_password,
        auth::start_totp,
        auth::confirm_totp,
        admin::organisations,
        admin::create_organisation,
        admin::users,
        admin::create_user,
        admin::disable_user,
        admin::enable_user,
        admin::reset_sign_in,
        admin::tokens,
        admin::create_token,
        admin::revoke_token,
        admin::audit,
    ),
    components(schemas(crate::problem::Problem, kotopolku_domain::validation::FieldViolation)),
    tags(
        (name = "customers", description = "The customer registry"),
        (name = "process", description = "Assessments, plans, the integration programme, referrals, notes, appointments, deadlines and the worklist"),
        (name = "code lists", description = "Code lists built into the binary"),
        (name = "operations", description = "Health and readiness"),
        (name = "auth", description = "Sign-in with password and TOTP, sessions (cookie + X-CSRF-Token); integrations use Authorization: Bearer"),
        (name = "administration", description = "Organisations, users, API tokens and the audit log"),
        (name = "statistics", description = "Protected aggregate statistics for municipalities, regions and the nation, open data, and the indicators' definitions"),
        (name = "events", description = "The change feed: what changed, for other systems of the unit to follow"),
        (name = "exports", description = "The delivery to the national integration data repository (Decree 874/2024) and its JSON Schema"),
    )
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations", responses((status = 200, description = "This document")))]
pub async fn document() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    Json(doc).into_response()
}
