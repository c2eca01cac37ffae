//! Signing in and out, the language choice, and the way back to a form whose session expired.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use kotopolku_service::auth::{SessionStage, SignIn};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{cleared_session_cookie, request_party, session_cookie};
use crate::problem::Problem;
use crate::ui::form::{Form, FormData};
use crate::ui::i18n::{Tr, UiLanguage};
use crate::ui::session::{LANGUAGE_COOKIE, PageForm, PageUser, language, safe_return_path};
use crate::ui::{Layout, html, problem_message, see_other};

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    form: Form,
    next: String,
    resume_path: String,
    resume_form: String,
    expired: Option<String>,
    oidc: bool,
}

#[derive(Template)]
#[template(path = "restore.html")]
struct RestorePage {
    layout: Layout,
    resume_path: String,
    fields: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<Next>) -> Response {
    let tr = Tr::new(language(&headers));
    let next = query
        .next
        .as_deref()
        .and_then(safe_return_path)
        .unwrap_or("/")
        .to_owned();
    let page = SignInPage {
        layout: Layout::anonymous(tr, state.training(), tr.t("sign-in-title"), "/sign-in".into()),
        form: Form::new(tr),
        next,
        resume_path: String::new(),
        resume_form: String::new(),
        expired: None,
        oidc: state.oidc.is_some(),
    };
    html(StatusCode::OK, &page)
}

/// The sign-in page shown instead of saving a form whose session has expired: what was typed goes
/// with the sign-in, nothing of it is saved.
pub fn expired_page(tr: Tr, training: bool, path: &str, data: &str, oidc: bool) -> Response {
    let page = SignInPage {
        layout: Layout::anonymous(tr, training, tr.t("sign-in-title"), "/sign-in".into()),
        form: Form::new(tr),
        next: path.to_owned(),
        resume_path: path.to_owned(),
        resume_form: data.to_owned(),
        expired: Some(tr.t("sign-in-expired")),
        oidc,
    };
    html(StatusCode::UNAUTHORIZED, &page)
}

/// After signing in again: the form that was not saved, to be restored with one button.
pub fn restore_page(user: &PageUser, path: &str, data: &str) -> Response {
    let layout = Layout::new(user, user.tr.t("restore-title"), "", path.to_owned());
    restore(layout, path, data)
}

fn restore(layout: Layout, path: &str, data: &str) -> Response {
    let page = RestorePage {
        layout,
        resume_path: safe_return_path(path).unwrap_or("/").to_owned(),
        fields: FormData::parse(data.as_bytes())
            .data()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    };
    html(StatusCode::OK, &page)
}

pub async fn submit(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let tr = Tr::new(language(&parts.headers));
    let body = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let data = FormData::parse(&body);
    let next = data.get("_next").and_then(safe_return_path).unwrap_or("/").to_owned();
    let resume_path = data.get("_resume_path").and_then(safe_return_path).map(str::to_owned);
    let resume_form = data.get("_resume_form").unwrap_or("").to_owned();
    let request = SignIn {
        email: data.get("email").unwrap_or("").trim().to_owned(),
        password: data.get("password").unwrap_or("").to_owned(),
        totp_code: data
            .get("totp_code")
            .map(|c| c.trim().replace(' ', ""))
            .filter(|c| !c.is_empty()),
    };
    let party = request_party(&parts);
    match state.services.sign_in(&request, &party).await {
        Ok(signed_in) => {
            let max_age = (signed_in.expires_at - state.services.clock().now())
                .num_seconds()
                .max(0);
            let mut response = match (signed_in.stage, resume_path) {
                (SessionStage::PasswordChange, _) => see_other("/account/password"),
                (SessionStage::TotpEnrolment, _) => see_other("/account/two-factor"),
                (SessionStage::Full, Some(path)) if !resume_form.is_empty() => {
                    let layout = Layout::for_person(
                        tr,
                        state.training(),
                        &signed_in.user.display_name,
                        Some(signed_in.user.role),
                        &signed_in.csrf_token,
                        tr.t("restore-title"),
                        path.clone(),
                    );
                    restore(layout, &path, &resume_form)
                }
                (SessionStage::Full, _) => see_other(&next),
            };
            if let Some(cookie) = session_cookie(&signed_in.session_token, max_age) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            // The language the person chose earlier, in whatever browser, follows them here.
            if let Ok(Some(chosen)) = state.services.ui_language(&signed_in.user.id).await
                && let Some(language) = UiLanguage::parse(&chosen)
                && let Some(cookie) = language_cookie(language)
            {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => {
            let problem = Problem::from(error);
            let mut form = Form::new(tr);
            form.set("email", request.email.clone());
            form.add_form_error(problem_message(tr, &problem));
            let page = SignInPage {
                layout: Layout::anonymous(tr, state.training(), tr.t("sign-in-title"), "/sign-in".into()),
                form,
                next,
                resume_path: data.get("_resume_path").unwrap_or("").to_owned(),
                resume_form,
                expired: None,
                oidc: state.oidc.is_some(),
            };
            html(
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNAUTHORIZED),
                &page,
            )
        }
    }
}

pub async fn sign_out(State(state): State<AppState>, PageForm { user, .. }: PageForm) -> Response {
    let _ = state.services.sign_out(&user.actor, &user.session, false).await;
    let mut response = see_other("/sign-in");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cleared_session_cookie());
    response
}

fn language_cookie(language: UiLanguage) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{LANGUAGE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        language.code()
    ))
    .ok()
}

/// Remembers the chosen language, for a signed-in person with their account (so it follows them to
/// other browsers) and in this browser (a year), and returns to the page.
pub async fn choose_language(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let data = FormData::parse(&body);
    let lang = data
        .get("lang")
        .and_then(UiLanguage::parse)
        .unwrap_or(language(&parts.headers));
    // The account's choice changes only with the session's CSRF token; the browser's cookie anyway.
    if let Some(token) = crate::auth::cookie(&parts.headers, crate::auth::SESSION_COOKIE)
        && let Ok((_, session)) = state.services.session(token, &request_party(&parts)).await
        && crate::auth::constant_time_eq(
            data.get("_csrf").unwrap_or("").as_bytes(),
            session.csrf_token.as_bytes(),
        )
        && let Err(error) = state.services.set_ui_language(&session, lang.code()).await
    {
        tracing::warn!(%error, "the language choice was not remembered for the account");
    }
    let back = data.get("_back").and_then(safe_return_path).unwrap_or("/");
    let mut response = see_other(back);
    if let Some(cookie) = language_cookie(lang) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}
