//! Who is using the pages: the session cookie, the language, the CSRF token of forms, and what
//! happens when a session has expired while a form was open.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::access::Role;
use kotopolku_domain::actor::Actor;
use kotopolku_service::auth::{SessionInfo, SessionStage};

use super::form::FormData;
use super::i18n::{Tr, UiLanguage};
use super::pages::sign_in;
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie, request_party};

pub const LANGUAGE_COOKIE: &str = "kotopolku_lang";
pub const PURPOSE_COOKIE: &str = "kotopolku_purpose";

/// The interface language of a request: the remembered choice, else the browser's preference.
pub fn language(headers: &HeaderMap) -> UiLanguage {
    cookie(headers, LANGUAGE_COOKIE)
        .and_then(UiLanguage::parse)
        .unwrap_or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(UiLanguage::from_accept_language)
                .unwrap_or(UiLanguage::Fi)
        })
}

/// A signed-in person on a page.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub actor: Actor,
    pub session: SessionInfo,
    pub tr: Tr,
    /// A training environment: every page says so (see [`crate::AppState::training`]).
    pub training: bool,
}

impl PageUser {
    pub fn role(&self) -> Option<Role> {
        self.actor.role
    }

    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }
}

/// Where the sign-in page sends a person back to: a path of this site, never another site.
pub fn safe_return_path(path: &str) -> Option<&str> {
    (path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && path.len() < 2000).then_some(path)
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `Location` to the sign-in page, returning to this path afterwards.
fn to_sign_in(parts: &Parts) -> Response {
    let here = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    redirect(&format!("/sign-in?next={next}"))
}

async fn page_user(parts: &Parts, state: &AppState) -> Result<PageUser, Option<(Actor, SessionInfo)>> {
    let mut party = request_party(parts);
    // A county worker's purpose of use is remembered per customer (`{customer id}|{purpose}`), and
    // applies to the pages of that customer only.
    if let Some(value) = cookie(&parts.headers, PURPOSE_COOKIE) {
        let decoded: String = form_urlencoded::parse(format!("p={value}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if let Some((customer_id, purpose)) = decoded.split_once('|')
            && parts.uri.path().starts_with(&format!("/customers/{customer_id}"))
        {
            party.purpose = Some(purpose.chars().take(200).collect());
        }
    }
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(None)?;
    let (actor, session) = state.services.session(token, &party).await.map_err(|_| None)?;
    if session.stage != SessionStage::Full {
        return Err(Some((actor, session)));
    }
    Ok(PageUser {
        actor,
        session,
        tr: Tr::new(language(&parts.headers)),
        training: state.training(),
    })
}

/// Where a session that is not past every sign-in step must go first.
fn unfinished(stage: SessionStage) -> Response {
    redirect(match stage {
        SessionStage::PasswordChange => "/account/password",
        _ => "/account/two-factor",
    })
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match page_user(parts, state).await {
            Ok(user) => Ok(user),
            Err(Some((_, session))) => Err(unfinished(session.stage)),
            Err(None) => Err(to_sign_in(parts)),
        }
    }
}

/// A form submitted by a signed-in person, its CSRF token checked.
///
/// When the session has expired meanwhile, nothing is saved and the sign-in page keeps what was
/// typed: after signing in again, the person returns to the form with it restored.
pub struct PageForm {
    pub user: PageUser,
    pub form: FormData,
}

impl FromRequest<AppState> for PageForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = FormData::parse(&bytes);
        let tr = Tr::new(language(&parts.headers));
        let path = parts.uri.path().to_owned();
        match page_user(&parts, state).await {
            Ok(user) => {
                let sent = form.get("_csrf").unwrap_or("");
                if !crate::auth::constant_time_eq(sent.as_bytes(), user.session.csrf_token.as_bytes()) {
                    // A form from an earlier session of the same person: offer to restore it.
                    return Err(sign_in::restore_page(&user, &path, &form.data_encoded()));
                }
                Ok(PageForm { user, form })
            }
            Err(Some((_, session))) => Err(unfinished(session.stage)),
            Err(None) => Err(sign_in::expired_page(
                tr,
                state.training(),
                &path,
                &form.data_encoded(),
                state.oidc.is_some(),
            )),
        }
    }
}

/// A session at any sign-in step (for the steps themselves), with the request's language.
pub struct StepSession {
    pub actor: Actor,
    pub session: SessionInfo,
    pub tr: Tr,
    /// A training environment: every page says so (see [`crate::AppState::training`]).
    pub training: bool,
    pub form: FormData,
}

impl FromRequest<AppState> for StepSession {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let is_post = parts.method == axum::http::Method::POST;
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = FormData::parse(&bytes);
        let party = request_party(&parts);
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| to_sign_in(&parts))?;
        let (actor, session) = state
            .services
            .session(token, &party)
            .await
            .map_err(|_| to_sign_in(&parts))?;
        if is_post {
            let sent = form.get("_csrf").unwrap_or("");
            if !crate::auth::constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                return Err(redirect(parts.uri.path()));
            }
        }
        Ok(StepSession {
            actor,
            session,
            tr: Tr::new(language(&parts.headers)),
            training: state.training(),
            form,
        })
    }
}
