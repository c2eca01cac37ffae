//! The sign-in steps after the password: choosing a new password for a one-time one, and enrolling
//! two-factor sign-in with a QR code.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::problem::Problem;
use crate::ui::form::{Form, escape};
use crate::ui::session::StepSession;
use crate::ui::{Layout, html, see_other};
use kotopolku_service::auth::SessionStage;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    layout: Layout,
    form: Form,
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    layout: Layout,
    form: Form,
    qr_svg: String,
    secret_grouped: String,
}

fn layout(step: &StepSession, title_key: &str, path: &str) -> Layout {
    Layout::for_person(
        step.tr,
        step.training,
        &step.actor.display_name,
        None,
        &step.session.csrf_token,
        step.tr.t(title_key),
        path.to_owned(),
    )
}

/// Where a session goes after a step.
fn next_step(stage: SessionStage) -> Response {
    see_other(match stage {
        SessionStage::Full => "/",
        SessionStage::PasswordChange => "/account/password",
        SessionStage::TotpEnrolment => "/account/two-factor",
    })
}

pub async fn password_form(step: StepSession) -> Response {
    let page = PasswordPage {
        layout: layout(&step, "password-title", "/account/password"),
        form: Form::new(step.tr),
    };
    html(StatusCode::OK, &page)
}

pub async fn change_password(State(state): State<AppState>, step: StepSession) -> Response {
    let current = step.form.get("current_password").unwrap_or("").to_owned();
    let new = step.form.get("new_password").unwrap_or("").to_owned();
    match state
        .services
        .change_password(&step.actor, &step.session, &current, &new)
        .await
    {
        Ok(stage) => next_step(stage),
        Err(error) => {
            let mut form = Form::new(step.tr);
            let status = form.add_problem(&Problem::from(error));
            let page = PasswordPage {
                layout: layout(&step, "password-title", "/account/password"),
                form,
            };
            html(status, &page)
        }
    }
}

/// A QR code of `text` as inline SVG (no image request, nothing for the CSP to allow).
fn qr_svg(text: &str, label: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", escape(label)),
        1,
    )
}

pub async fn totp_form(State(state): State<AppState>, step: StepSession) -> Response {
    totp_page(&state, &step, Form::new(step.tr), StatusCode::OK).await
}

async fn totp_page(state: &AppState, step: &StepSession, form: Form, status: StatusCode) -> Response {
    match state.services.pending_totp_enrolment(&step.session).await {
        Ok(enrolment) => {
            let grouped: Vec<String> = enrolment
                .secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            let page = TotpPage {
                layout: layout(step, "totp-title", "/account/two-factor"),
                form,
                qr_svg: qr_svg(&enrolment.provisioning_uri, &step.tr.t("totp-qr-label")),
                secret_grouped: grouped.join(" "),
            };
            html(status, &page)
        }
        // Already enrolled, or this session may not enrol: continue to where the session may go.
        Err(_) => next_step(step.session.stage),
    }
}

pub async fn confirm_totp(State(state): State<AppState>, step: StepSession) -> Response {
    let code = step.form.get("code").unwrap_or("").replace(' ', "");
    match state.services.confirm_totp(&step.actor, &step.session, &code).await {
        Ok(stage) => next_step(stage),
        Err(error) => {
            let problem = Problem::from(error);
            let mut form = Form::new(step.tr);
            if problem.errors.is_empty() {
                form.add_violations(&[kotopolku_domain::validation::FieldViolation {
                    field: "code".into(),
                    code: "wrong_code",
                    message: problem.title.clone(),
                }]);
            } else {
                form.add_violations(&problem.errors);
            }
            totp_page(&state, &step, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    facts: Vec<(String, String)>,
}

/// The signed-in person's own page: who they are, their password, their sessions.
pub async fn show(State(state): State<AppState>, user: crate::ui::session::PageUser) -> Response {
    let tr = user.tr;
    let organisation = match &user.actor.organisation_id {
        Some(id) => state
            .services
            .organisations(&user.actor)
            .await
            .ok()
            .and_then(|orgs| orgs.into_iter().find(|o| &o.id == id).map(|o| o.name))
            .unwrap_or_else(|| id.clone()),
        None => String::new(),
    };
    let facts = vec![
        (tr.t("field-display_name"), user.actor.display_name.clone()),
        (tr.t("field-email"), user.session.user.email.clone()),
        (
            tr.t("field-role"),
            user.role().map(|r| tr.label("role", r.as_str())).unwrap_or_default(),
        ),
        (tr.t("field-organisation_id"), organisation),
    ];
    let layout = Layout::new(&user, tr.t("account-title"), "", "/account".into());
    html(StatusCode::OK, &AccountPage { layout, facts })
}

/// Ends every session of the person, this one too (a lost or shared computer).
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    crate::ui::session::PageForm { user, .. }: crate::ui::session::PageForm,
) -> Response {
    let _ = state.services.sign_out(&user.actor, &user.session, true).await;
    let mut response = see_other("/sign-in");
    response
        .headers_mut()
        .insert(axum::http::header::SET_COOKIE, crate::auth::cleared_session_cookie());
    response
}
