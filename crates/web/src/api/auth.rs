//! `/api/v1/auth`: signing in and out, the session, password change and TOTP enrolment.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::directory::User;
use kotopolku_service::auth::{SessionStage, SignIn, TotpEnrolment};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Anonymous, RequestActor, SessionActor, cleared_session_cookie, session_cookie};
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::{ApiError, Problem};

/// The state of a session, as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub user: User,
    pub stage: SessionStage,
    /// Send in `X-CSRF-Token` with every state-changing request of this session.
    pub csrf_token: String,
}

#[utoipa::path(
    post, path = "/api/v1/auth/sign-in", tag = "auth",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionView),
        (status = 401, description = "`invalid_credentials`: the same for every kind of failure", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    Anonymous(party): Anonymous,
    ApiJson(request): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let signed_in = state.services.sign_in(&request, &party).await?;
    let max_age = (signed_in.expires_at - state.services.clock().now())
        .num_seconds()
        .max(0);
    let mut response = Json(SessionView {
        user: signed_in.user,
        stage: signed_in.stage,
        csrf_token: signed_in.csrf_token,
    })
    .into_response();
    if let Some(cookie) = session_cookie(&signed_in.session_token, max_age) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

#[utoipa::path(
    get, path = "/api/v1/auth/session", tag = "auth",
    responses(
        (status = 200, description = "The current session", body = SessionView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn session(SessionActor(_, session): SessionActor) -> Json<SessionView> {
    Json(SessionView {
        user: session.user,
        stage: session.stage,
        csrf_token: session.csrf_token,
    })
}

#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth", responses((status = 204, description = "Signed out")))]
pub async fn sign_out(
    State(state): State<AppState>,
    SessionActor(actor, session): SessionActor,
) -> Result<Response, ApiError> {
    state.services.sign_out(&actor, &session, false).await?;
    Ok(signed_out())
}

#[utoipa::path(post, path = "/api/v1/auth/sign-out-everywhere", tag = "auth", responses((status = 204, description = "Every session of the user ended")))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SessionActor(actor, session): SessionActor,
) -> Result<Response, ApiError> {
    state.services.sign_out(&actor, &session, true).await?;
    Ok(signed_out())
}

fn signed_out() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cleared_session_cookie());
    response
}

/// A password change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// The session's stage after a sign-in step.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StageView {
    pub stage: SessionStage,
}

#[utoipa::path(
    post, path = "/api/v1/auth/password", tag = "auth",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; other sessions ended", body = StageView),
        (status = 422, description = "Wrong current password or too short a new one", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    SessionActor(actor, session): SessionActor,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<Json<StageView>, ApiError> {
    let stage = state
        .services
        .change_password(&actor, &session, &change.current_password, &change.new_password)
        .await?;
    Ok(Json(StageView { stage }))
}

#[utoipa::path(
    post, path = "/api/v1/auth/totp/enrol", tag = "auth",
    responses((status = 200, description = "A new secret; confirm it with a code", body = TotpEnrolment))
)]
pub async fn start_totp(
    State(state): State<AppState>,
    SessionActor(_, session): SessionActor,
) -> Result<Json<TotpEnrolment>, ApiError> {
    Ok(Json(state.services.start_totp_enrolment(&session).await?))
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmation {
    pub code: String,
}

#[utoipa::path(
    post, path = "/api/v1/auth/totp/confirm", tag = "auth",
    request_body = TotpConfirmation,
    responses(
        (status = 200, description = "Enrolled; sign-in needs a code from now on", body = StageView),
        (status = 422, description = "The code does not match", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn confirm_totp(
    State(state): State<AppState>,
    SessionActor(actor, session): SessionActor,
    ApiJson(confirmation): ApiJson<TotpConfirmation>,
) -> Result<Json<StageView>, ApiError> {
    let stage = state
        .services
        .confirm_totp(&actor, &session, &confirmation.code)
        .await?;
    Ok(Json(StageView { stage }))
}

fn oidc_not_configured() -> ApiError {
    Problem::new(
        StatusCode::NOT_FOUND,
        "oidc_not_configured",
        "Sign-in through an identity provider is not configured",
    )
    .into()
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[utoipa::path(
    get, path = "/api/v1/auth/oidc/start", tag = "auth",
    responses(
        (status = 303, description = "To the organisation's identity provider"),
        (status = 404, description = "`oidc_not_configured`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn oidc_start(State(state): State<AppState>) -> Result<Response, ApiError> {
    let client = state.oidc.as_ref().ok_or_else(oidc_not_configured)?;
    let pending = state.services.begin_external_sign_in().await?;
    let url = client
        .authorization_url(&pending.state, &pending.nonce, &pending.code_verifier)
        .await?;
    Ok(see_other(&url))
}

/// What the identity provider sends back to the callback.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OidcCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by the provider when the person did not sign in.
    pub error: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/auth/oidc/callback", tag = "auth",
    params(OidcCallback),
    responses(
        (status = 303, description = "Signed in; the session cookie is set"),
        (status = 401, description = "The sign-in failed (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`second_factor_required`: the provider did not confirm a second factor", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn oidc_callback(
    State(state): State<AppState>,
    Anonymous(party): Anonymous,
    ApiQuery(callback): ApiQuery<OidcCallback>,
) -> Result<Response, ApiError> {
    let client = state.oidc.as_ref().ok_or_else(oidc_not_configured)?;
    let (Some(code), Some(sign_in_state), None) = (&callback.code, &callback.state, &callback.error) else {
        return Err(state.services.external_sign_in_failed(&party).await.into());
    };
    let (nonce, verifier) = match state.services.resume_external_sign_in(sign_in_state).await {
        Ok(pending) => pending,
        Err(_) => return Err(state.services.external_sign_in_failed(&party).await.into()),
    };
    let now = state.services.clock().now().timestamp();
    let identity = match client.identity(code, &nonce, &verifier, now).await {
        Ok(identity) => identity,
        Err(_) => return Err(state.services.external_sign_in_failed(&party).await.into()),
    };
    let signed_in = state.services.sign_in_external(&identity, &party).await?;
    let max_age = (signed_in.expires_at - state.services.clock().now())
        .num_seconds()
        .max(0);
    let mut response = see_other("/");
    if let Some(cookie) = session_cookie(&signed_in.session_token, max_age) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// Who the request acts as.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The user's or API token's id: the value of a customer's `responsible_caseworker`.
    pub id: String,
    pub display_name: String,
    /// `user` or `token`.
    pub kind: String,
    pub role: Option<kotopolku_domain::access::Role>,
    pub organisation_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, description = "The acting user or token", body = Me)))]
pub async fn me(RequestActor(actor): RequestActor) -> Json<Me> {
    Json(Me {
        id: actor.id,
        display_name: actor.display_name,
        kind: actor.kind.as_str().to_owned(),
        role: actor.role,
        organisation_id: actor.organisation_id,
    })
}
