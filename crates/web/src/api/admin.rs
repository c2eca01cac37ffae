//! Administration: `/api/v1/organisations`, `/api/v1/users`, `/api/v1/tokens`, `/api/v1/audit`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kotopolku_domain::access::Role;
use kotopolku_domain::audit::AuditRow;
use kotopolku_domain::directory::{ApiToken, NewOrganisation, NewUser, Organisation, User};
use kotopolku_service::directory::{AuditQuery, CreatedToken, CreatedUser};
use serde::Deserialize;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiError, Problem};

#[utoipa::path(
    get, path = "/api/v1/organisations", tag = "administration",
    responses((status = 200, description = "Every organisation (administrators)", body = Vec<Organisation>),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"))
)]
pub async fn organisations(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
) -> Result<Json<Vec<Organisation>>, ApiError> {
    Ok(Json(state.services.organisations(&actor).await?))
}

#[utoipa::path(
    post, path = "/api/v1/organisations", tag = "administration",
    request_body = NewOrganisation,
    responses((status = 201, description = "Created", body = Organisation),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"))
)]
pub async fn create_organisation(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiJson(new): ApiJson<NewOrganisation>,
) -> Result<Response, ApiError> {
    let organisation = state.services.create_organisation(&actor, &new).await?;
    Ok((StatusCode::CREATED, Json(organisation)).into_response())
}

#[utoipa::path(
    get, path = "/api/v1/users", tag = "administration",
    responses((status = 200, description = "Users: all for administrators, the own unit's for supervisors", body = Vec<User>))
)]
pub async fn users(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(state.services.users(&actor).await?))
}

#[utoipa::path(
    post, path = "/api/v1/users", tag = "administration",
    request_body = NewUser,
    responses((status = 201, description = "Created, with a one-time password", body = CreatedUser),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"))
)]
pub async fn create_user(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    let created = state.services.create_user(&actor, &new).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/disable", tag = "administration",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "Disabled; the user's sessions ended", body = User),
        (status = 404, description = "No such user in your scope", body = Problem, content_type = "application/problem+json"))
)]
pub async fn disable_user(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(state.services.disable_user(&actor, &id).await?))
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/enable", tag = "administration",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, description = "Enabled; any sign-in lock lifted", body = User),
        (status = 404, description = "No such user in your scope", body = Problem, content_type = "application/problem+json"))
)]
pub async fn enable_user(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(state.services.enable_user(&actor, &id).await?))
}

/// What a sign-in reset removes besides the password.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInReset {
    /// Also remove the user's two-factor sign-in (a lost phone): they enrol again at their next
    /// sign-in.
    #[serde(default)]
    pub second_factor: bool,
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/reset-sign-in", tag = "administration",
    params(("id" = String, Path, description = "User id")),
    request_body = SignInReset,
    responses((status = 200, description = "A new one-time password; the user's sessions ended", body = CreatedUser),
        (status = 403, description = "A supervisor resetting a user who is not a caseworker or supervisor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your scope", body = Problem, content_type = "application/problem+json"))
)]
pub async fn reset_sign_in(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    ApiJson(reset): ApiJson<SignInReset>,
) -> Result<Json<CreatedUser>, ApiError> {
    Ok(Json(
        state.services.reset_sign_in(&actor, &id, reset.second_factor).await?,
    ))
}

/// A new API token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub organisation_id: String,
    pub role: Role,
    pub name: String,
    /// Days until it expires (default 90).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "administration",
    responses((status = 200, description = "Every API token, without secrets (administrators)", body = Vec<ApiToken>))
)]
pub async fn tokens(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(state.services.tokens(&actor).await?))
}

#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "administration",
    request_body = NewToken,
    responses((status = 201, description = "Created; the secret is shown only now", body = CreatedToken))
)]
pub async fn create_token(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiJson(new): ApiJson<NewToken>,
) -> Result<Response, ApiError> {
    let created = state
        .services
        .create_token(
            &actor,
            &new.organisation_id,
            new.role,
            &new.name,
            new.expires_in_days.unwrap_or(90),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(
    post, path = "/api/v1/tokens/{id}/revoke", tag = "administration",
    params(("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such active token", body = Problem, content_type = "application/problem+json"))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.services.revoke_token(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/api/v1/audit", tag = "administration",
    params(AuditQuery),
    responses((status = 200, description = "Audit rows, newest first (administrators)", body = Vec<AuditRow>))
)]
pub async fn audit(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditRow>>, ApiError> {
    Ok(Json(state.services.audit_log(&actor, &query).await?))
}
