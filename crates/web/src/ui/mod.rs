//! The caseworkers' web pages: server-rendered HTML (askama templates in `templates/`), texts from
//! Fluent (`locales/`), one request per page, working without JavaScript; htmx (vendored in
//! `assets/`) only makes the customer search answer while typing.
//!
//! Pages call the same service use cases as the API, so access control and audit are the same.

pub mod form;
pub mod i18n;
pub mod options;
mod pages;
pub mod session;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kotopolku_domain::access::{Action, Role, grant_for};
use kotopolku_service::ServiceError;

use crate::AppState;
use crate::problem::Problem;
use i18n::Tr;
use session::PageUser;

/// The pages and their static files.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::worklist::show))
        .route("/sign-in", get(pages::sign_in::form).post(pages::sign_in::submit))
        .route("/sign-out", post(pages::sign_in::sign_out))
        .route("/language", post(pages::sign_in::choose_language))
        .route("/account", get(pages::account::show))
        .route(
            "/account/sign-out-everywhere",
            post(pages::account::sign_out_everywhere),
        )
        .route(
            "/account/password",
            get(pages::account::password_form).post(pages::account::change_password),
        )
        .route(
            "/account/two-factor",
            get(pages::account::totp_form).post(pages::account::confirm_totp),
        )
        .route("/customers", get(pages::customers::search))
        .route(
            "/customers/new",
            get(pages::customers::new_form).post(pages::customers::register),
        )
        .route("/customers/{id}", get(pages::customer::show))
        .route(
            "/customers/{id}/edit",
            get(pages::customers::edit_form).post(pages::customers::update),
        )
        .route(
            "/customers/{id}/purpose",
            get(pages::customer::purpose_form).post(pages::customer::state_purpose),
        )
        .route("/customers/{id}/history", get(pages::customer::history))
        .route(
            "/customers/{id}/end",
            get(pages::customer::end_form).post(pages::customer::end),
        )
        .route(
            "/customers/{id}/county-involvements",
            post(pages::customer::start_involvement),
        )
        .route(
            "/customers/{id}/county-involvements/{involvement_id}/end",
            post(pages::customer::end_involvement),
        )
        .route("/customers/{id}/access-log", get(pages::customer::access_log))
        .route("/customers/{id}/subject-access", get(pages::subject_access::show))
        .route(
            "/customers/{id}/handover",
            get(pages::handovers::form).post(pages::handovers::request),
        )
        .route("/handovers", get(pages::handovers::list))
        .route("/handovers/{id}/accept", post(pages::handovers::accept))
        .route("/handovers/{id}/decline", post(pages::handovers::decline))
        .route("/handovers/{id}/cancel", post(pages::handovers::cancel))
        .route(
            "/customers/{id}/records/new/{kind}",
            get(pages::records::new_form).post(pages::records::add),
        )
        .route(
            "/customers/{id}/records/{record_id}",
            get(pages::records::edit_form).post(pages::records::revise),
        )
        .route("/statistics", get(pages::statistics::show))
        .route("/admin/users", get(pages::admin::users).post(pages::admin::create_user))
        .route("/admin/users/{id}/disable", post(pages::admin::disable_user))
        .route("/admin/users/{id}/enable", post(pages::admin::enable_user))
        .route("/admin/users/{id}/reset-sign-in", post(pages::admin::reset_sign_in))
        .route("/assets/app.css", get(pages::assets::css))
        .route("/assets/htmx.min.js", get(pages::assets::htmx))
        .route("/assets/app.js", get(pages::assets::app_js))
}

/// The parts of every page around its content.
#[derive(Debug, Clone)]
pub struct Layout {
    pub tr: Tr,
    /// The page's own title, also its heading; the browser's title adds "Kotopolku".
    pub title: String,
    /// The signed-in person, if any.
    pub user_name: Option<String>,
    pub role_label: String,
    pub csrf: String,
    /// Which item of the main navigation is current.
    pub nav: &'static str,
    /// The current address, for the language switcher to return to.
    pub path: String,
    /// A confirmation of what was just done.
    pub notice: Option<String>,
    pub can_register: bool,
    pub can_administer: bool,
    /// Whether the main navigation offers the statistics dashboard.
    pub can_read_statistics: bool,
    /// Whether the main navigation offers the hand-overs between municipalities.
    pub can_receive_handovers: bool,
    /// A training environment (`kotopolku demo`): every page says so in a banner and in its title,
    /// so that nobody mistakes it for the real system and types in real personal data.
    pub training: bool,
}

impl Layout {
    pub fn new(user: &PageUser, title: String, nav: &'static str, path: String) -> Layout {
        Layout {
            nav,
            ..Layout::for_person(
                user.tr,
                user.training,
                &user.actor.display_name,
                user.role(),
                user.csrf(),
                title,
                path,
            )
        }
    }

    /// A page for a person with a session, no item of the main navigation current (the sign-in steps
    /// and the way back to a form after signing in again).
    pub fn for_person(
        tr: Tr,
        training: bool,
        name: &str,
        role: Option<Role>,
        csrf: &str,
        title: String,
        path: String,
    ) -> Layout {
        Layout {
            tr,
            title,
            user_name: Some(name.to_owned()),
            role_label: role.map(|r| tr.label("role", r.as_str())).unwrap_or_default(),
            csrf: csrf.to_owned(),
            nav: "",
            path,
            notice: None,
            can_register: allows(role, Action::CustomerRegister),
            can_administer: allows(role, Action::UserManage),
            can_read_statistics: allows(role, Action::StatisticsRead),
            can_receive_handovers: allows(role, Action::HandoverReceive),
            training,
        }
    }

    /// A page for someone not signed in.
    pub fn anonymous(tr: Tr, training: bool, title: String, path: String) -> Layout {
        Layout {
            tr,
            title,
            user_name: None,
            role_label: String::new(),
            csrf: String::new(),
            nav: "",
            path,
            notice: None,
            can_register: false,
            can_administer: false,
            can_read_statistics: false,
            can_receive_handovers: false,
            training,
        }
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Layout {
        self.notice = notice;
        self
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang.code()
    }

    /// The other languages, for the switcher: (code, name in itself).
    pub fn other_languages(&self) -> Vec<(&'static str, &'static str)> {
        i18n::UiLanguage::ALL
            .into_iter()
            .filter(|l| *l != self.tr.lang)
            .map(|l| (l.code(), l.native_name()))
            .collect()
    }
}

/// Whether the access policy lets `role` do `action` at all (what the menus offer; the use case
/// itself still decides for each record).
pub fn allows(role: Option<Role>, action: Action) -> bool {
    role.is_some_and(|role| grant_for(role, action).is_some())
}

/// A rendered page.
pub fn html<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub fn page<T: Template>(page: &T) -> Response {
    html(StatusCode::OK, page)
}

/// A `303 See Other` to `location`.
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
}

/// A page for an error of a use case: the same statuses and codes as the API.
pub fn error_page(user: &PageUser, error: ServiceError) -> Response {
    if matches!(error, ServiceError::Unauthenticated) {
        return see_other("/sign-in");
    }
    let problem = Problem::from(error);
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let tr = user.tr;
    let title = tr.t(&format!("problem-title-{}", title_class(status)));
    let message = problem_message(tr, &problem);
    let layout = Layout::new(user, title, "", String::from("/"));
    html(status, &ErrorPage { layout, message })
}

/// A page for an address that names nothing.
pub fn not_found_page(user: &PageUser) -> Response {
    error_page(user, ServiceError::NotFound)
}

fn title_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "not-found",
        403 => "forbidden",
        409 | 422 => "conflict",
        _ => "error",
    }
}

/// The translated explanation of a problem: `problem-{code}` when the code has one.
pub fn problem_message(tr: Tr, problem: &Problem) -> String {
    let key = format!("problem-{}", problem.code);
    if tr.has(&key) {
        tr.t(&key)
    } else {
        tr.t("problem-generic")
    }
}

#[cfg(test)]
mod tests;
