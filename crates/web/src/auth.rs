//! Who is making a request: an API token (`Authorization: Bearer`), or a session cookie whose
//! state-changing requests carry the session's CSRF token in `X-CSRF-Token`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use kotopolku_domain::actor::{Actor, ActorKind};
use kotopolku_service::ServiceError;
use kotopolku_service::auth::{SessionInfo, SessionStage};

use crate::AppState;
use crate::middleware::RequestId;
use crate::problem::{ApiError, Problem};

pub const SESSION_COOKIE: &str = "kotopolku_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The purpose of use a county worker states, percent-encoded UTF-8.
pub const PURPOSE_HEADER: &str = "kotopolku-purpose";

/// The acting party of a request with full access (a token, or a session past every sign-in step).
pub struct RequestActor(pub Actor);

/// A session-authenticated request at any sign-in stage (for the sign-in steps themselves).
pub struct SessionActor(pub Actor, pub SessionInfo);

/// The anonymous party of a request (sign-in): only its request id and address are known.
pub struct Anonymous(pub Actor);

impl FromRequestParts<AppState> for Anonymous {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Anonymous(request_party(parts)))
    }
}

impl FromRequestParts<AppState> for RequestActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let party = request_party(parts);
        if let Some(bearer) = bearer(&parts.headers) {
            let actor = state.services.token_actor(bearer, &party).await?;
            return Ok(RequestActor(actor));
        }
        let (actor, session) = session(parts, state, &party).await?;
        if session.stage != SessionStage::Full {
            return Err(Problem::new(
                axum::http::StatusCode::FORBIDDEN,
                "sign_in_incomplete",
                "Finish signing in first",
            )
            .detail(match session.stage {
                SessionStage::PasswordChange => "choose a new password (POST /api/v1/auth/password)",
                _ => "enrol two-factor sign-in (POST /api/v1/auth/totp/enrol)",
            })
            .into());
        }
        Ok(RequestActor(actor))
    }
}

impl FromRequestParts<AppState> for SessionActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let party = request_party(parts);
        let (actor, session) = session(parts, state, &party).await?;
        Ok(SessionActor(actor, session))
    }
}

async fn session(parts: &Parts, state: &AppState, party: &Actor) -> Result<(Actor, SessionInfo), ApiError> {
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(ServiceError::Unauthenticated)?;
    let (actor, session) = state.services.session(token, party).await?;
    let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
            return Err(Problem::new(
                axum::http::StatusCode::FORBIDDEN,
                "csrf_token_invalid",
                "The request lacks this session's CSRF token",
            )
            .detail("send the session's csrf_token in the X-CSRF-Token header")
            .into());
        }
    }
    Ok((actor, session))
}

/// The request's id, client address and stated purpose, as an anonymous actor.
pub(crate) fn request_party(parts: &Parts) -> Actor {
    let mut actor = Actor::system();
    actor.id = "anonymous".into();
    actor.display_name = "Anonymous".into();
    actor.kind = ActorKind::User;
    actor.request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone());
    actor.client_address = parts
        .extensions
        .get::<crate::middleware::ClientAddress>()
        .map(|address| address.0.to_string())
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(address)| address.ip().to_string())
        });
    actor.purpose = parts
        .headers
        .get(PURPOSE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .map(|p| p.trim().chars().take(200).collect::<String>())
        .filter(|p| !p.is_empty());
    actor
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value of a session: not readable by scripts, sent only over HTTPS (browsers treat
/// localhost as secure) and only with requests from Kotopolku's own pages.
pub fn session_cookie(token: &str, max_age_seconds: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_seconds}"
    ))
    .ok()
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn cleared_session_cookie() -> HeaderValue {
    HeaderValue::from_static("kotopolku_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
