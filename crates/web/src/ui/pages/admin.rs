//! User administration for supervisors (their own unit) and administrators.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kotopolku_domain::directory::NewUser;
use kotopolku_service::ServiceError;

use crate::AppState;
use crate::problem::Problem;
use crate::ui::form::Form;
use crate::ui::options::enumeration;
use crate::ui::session::{PageForm, PageUser};
use crate::ui::{Layout, error_page, html, see_other};

struct UserRow {
    id: String,
    name: String,
    email: String,
    role: String,
    organisation: String,
    totp: String,
    disabled: bool,
    /// Whether the viewer may give this user a new one-time password (a supervisor: their
    /// unit's caseworkers and supervisors).
    can_reset: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    form: Form,
    organisations: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    /// The new or reset user's e-mail and one-time password, shown once.
    created: Option<(String, String)>,
    /// `created` is a reset user's, not a new one's.
    reset: bool,
}

async fn users_page(
    state: &AppState,
    user: &PageUser,
    form: Form,
    created: Option<(String, String)>,
    reset: bool,
    status: StatusCode,
) -> Response {
    let tr = user.tr;
    let users = match state.services.users(&user.actor).await {
        Ok(users) => users,
        Err(error) => return error_page(user, error),
    };
    let organisations = state.services.organisations(&user.actor).await.unwrap_or_default();
    let org_name = |id: &str| {
        organisations
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let rows = users
        .iter()
        .map(|u| UserRow {
            id: u.id.clone(),
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: tr.label("role", u.role.as_str()),
            organisation: org_name(&u.organisation_id),
            totp: tr.label("yes-no", &u.totp_enabled.to_string()),
            disabled: u.disabled,
            can_reset: state.services.may_reset_sign_in(&user.actor, u),
        })
        .collect();
    let mut org_choices: Vec<(String, String)> = organisations.iter().map(|o| (o.id.clone(), o.name.clone())).collect();
    if org_choices.is_empty()
        && let Some(own) = &user.actor.organisation_id
    {
        org_choices.push((own.clone(), own.clone()));
    }
    let page_data = UsersPage {
        layout: Layout::new(user, tr.t("users-title"), "admin", "/admin/users".into()),
        users: rows,
        form,
        organisations: org_choices,
        roles: enumeration(tr, "role"),
        created,
        reset,
    };
    html(status, &page_data)
}

pub async fn users(State(state): State<AppState>, user: PageUser) -> Response {
    let mut form = Form::new(user.tr);
    if let Some(org) = &user.actor.organisation_id {
        form.set("organisation_id", org.clone());
    }
    users_page(&state, &user, form, None, false, StatusCode::OK).await
}

pub async fn create_user(State(state): State<AppState>, PageForm { user, form: data }: PageForm) -> Response {
    let tr = user.tr;
    let mut form = Form::from_data(tr, &data);
    let new: NewUser = match data.bind() {
        Ok(new) => new,
        Err(violations) => {
            form.add_violations(&violations);
            return users_page(&state, &user, form, None, false, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match state.services.create_user(&user.actor, &new).await {
        Ok(created) => {
            let mut fresh = Form::new(tr);
            if let Some(org) = &user.actor.organisation_id {
                fresh.set("organisation_id", org.clone());
            }
            users_page(
                &state,
                &user,
                fresh,
                Some((created.user.email, created.one_time_password)),
                false,
                StatusCode::CREATED,
            )
            .await
        }
        Err(ServiceError::Validation(violations)) => {
            form.add_violations(&violations);
            users_page(&state, &user, form, None, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => {
            let status = form.add_problem(&Problem::from(error));
            users_page(&state, &user, form, None, false, status).await
        }
    }
}

pub async fn disable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, .. }: PageForm,
) -> Response {
    match state.services.disable_user(&user.actor, &id).await {
        Ok(_) => see_other("/admin/users"),
        Err(error) => error_page(&user, error),
    }
}

pub async fn enable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, .. }: PageForm,
) -> Response {
    match state.services.enable_user(&user.actor, &id).await {
        Ok(_) => see_other("/admin/users"),
        Err(error) => error_page(&user, error),
    }
}

/// A new one-time password for a user who forgot theirs (and, if asked, no second factor): shown
/// once on the users page, as a new user's is.
pub async fn reset_sign_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let second_factor = data.get("second_factor").is_some();
    match state.services.reset_sign_in(&user.actor, &id, second_factor).await {
        Ok(reset) => {
            let mut form = Form::new(user.tr);
            if let Some(org) = &user.actor.organisation_id {
                form.set("organisation_id", org.clone());
            }
            users_page(
                &state,
                &user,
                form,
                Some((reset.user.email, reset.one_time_password)),
                true,
                StatusCode::OK,
            )
            .await
        }
        Err(error) => error_page(&user, error),
    }
}
