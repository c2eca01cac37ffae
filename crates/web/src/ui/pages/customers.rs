//! Customer search, registration (with the duplicate warning) and editing of basic data.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use kotopolku_domain::code_lists::CodeListName;
use kotopolku_domain::customer::{Customer, CustomerInput};
use kotopolku_service::customers::CustomerSearch;
use kotopolku_service::{DuplicateCandidate, ServiceError};
use serde::Deserialize;

use crate::AppState;
use crate::problem::Problem;
use crate::ui::form::{Form, iso_if_finnish_date};
use crate::ui::i18n::Tr;
use crate::ui::options::{code_label, code_list, enumeration};
use crate::ui::session::{PageForm, PageUser};
use crate::ui::{Layout, error_page, html, page, see_other};

struct Row {
    id: String,
    name: String,
    birth_date: String,
    municipality: String,
    status: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    identity_code: String,
    birth_date: String,
    active_only: bool,
    searched: bool,
    result_title: String,
    rows: Vec<Row>,
    next_link: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    identity_code: String,
    #[serde(default)]
    birth_date: String,
    active_only: Option<String>,
    cursor: Option<String>,
}

pub async fn search(State(state): State<AppState>, user: PageUser, Query(query): Query<SearchQuery>) -> Response {
    let tr = user.tr;
    let active_only = query.active_only.is_some();
    let searched =
        !(query.q.trim().is_empty() && query.identity_code.trim().is_empty() && query.birth_date.trim().is_empty());
    let mut page_data = SearchPage {
        layout: Layout::new(&user, tr.t("search-title"), "customers", "/customers".into()),
        q: query.q.clone(),
        identity_code: query.identity_code.clone(),
        birth_date: query.birth_date.clone(),
        active_only,
        searched,
        result_title: String::new(),
        rows: Vec::new(),
        next_link: None,
        error: None,
    };
    if !searched {
        return page(&page_data);
    }
    let birth_date = match query.birth_date.trim() {
        "" => None,
        text => match chrono::NaiveDate::parse_from_str(&iso_if_finnish_date(text), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                page_data.searched = false;
                page_data.error = Some(tr.t("error-invalid_date"));
                return html(StatusCode::BAD_REQUEST, &page_data);
            }
        },
    };
    let search = CustomerSearch {
        identity_code: Some(query.identity_code.trim().to_uppercase()).filter(|s| !s.is_empty()),
        name: Some(query.q.trim().to_owned()).filter(|s| !s.is_empty()),
        birth_date,
        municipality: None,
        include_ended: Some(!active_only),
        limit: Some(50),
        cursor: query.cursor.clone(),
    };
    match state.services.search_customers(&user.actor, &search).await {
        Ok(result) => {
            page_data.rows = result.customers.iter().map(|c| row(tr, c)).collect();
            page_data.result_title = tr.t_count("search-results", page_data.rows.len());
            page_data.next_link = result.next_cursor.map(|cursor| {
                let mut link = form_urlencoded::Serializer::new(String::new());
                link.append_pair("q", &query.q)
                    .append_pair("identity_code", &query.identity_code)
                    .append_pair("birth_date", &query.birth_date)
                    .append_pair("cursor", &cursor);
                if active_only {
                    link.append_pair("active_only", "true");
                }
                format!("/customers?{}", link.finish())
            });
            page(&page_data)
        }
        Err(ServiceError::Validation(violations)) => {
            let mut form = Form::new(tr);
            form.add_violations(&violations);
            page_data.searched = false;
            page_data.error = violations
                .first()
                .map(|v| format!("{}: {}", form.label(&v.field), form.error(&v.field).unwrap_or_default()));
            html(StatusCode::BAD_REQUEST, &page_data)
        }
        Err(error) => error_page(&user, error),
    }
}

fn row(tr: Tr, customer: &Customer) -> Row {
    Row {
        id: customer.id.clone(),
        name: format!("{}, {}", customer.data.family_name, customer.data.given_names),
        birth_date: tr.date(&customer.data.birth_date),
        municipality: code_label(tr, CodeListName::Municipalities, &customer.data.municipality_code),
        status: match customer.customership_end {
            Some(end) => tr.t_with("customership-ended-on", &[("date", &tr.date(&end))]),
            None => tr.t("customership-active"),
        },
    }
}

struct CandidateView {
    id: Option<String>,
    name: String,
    details: String,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct CustomerFormPage {
    layout: Layout,
    form: Form,
    action: String,
    cancel: String,
    version: i64,
    submit_label: String,
    restored: Option<String>,
    candidates: Vec<CandidateView>,
    sexes: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    languages: Vec<(String, String)>,
    cefr_levels: Vec<(String, String)>,
    municipalities: Vec<(String, String)>,
    residence_bases: Vec<(String, String)>,
    target_groups: Vec<(String, String)>,
    caseworkers: Vec<(String, String)>,
}

async fn customer_form(
    state: &AppState,
    user: &PageUser,
    form: Form,
    existing: Option<(&str, i64)>,
) -> CustomerFormPage {
    let tr = user.tr;
    let mut caseworkers = vec![(
        user.actor.id.clone(),
        tr.t_with("caseworker-me", &[("name", &user.actor.display_name)]),
    )];
    caseworkers.extend(
        super::worklist::unit_caseworkers(state, user)
            .await
            .into_iter()
            .filter(|(id, _)| *id != user.actor.id),
    );
    // Keep a caseworker the list does not have (someone else's customer) as a choice.
    let current = form.value("responsible_caseworker").to_owned();
    if !current.is_empty() && !caseworkers.iter().any(|(id, _)| *id == current) {
        caseworkers.push((current.clone(), current));
    }
    let (title, action, cancel, version, submit) = match existing {
        Some((id, version)) => (
            tr.t("customer-edit-title"),
            format!("/customers/{id}/edit"),
            format!("/customers/{id}"),
            version,
            tr.t("form-save"),
        ),
        None => (
            tr.t("register-title"),
            "/customers/new".to_owned(),
            "/customers".to_owned(),
            0,
            tr.t("register-submit"),
        ),
    };
    let nav = if existing.is_some() { "customers" } else { "register" };
    CustomerFormPage {
        layout: Layout::new(user, title, nav, action.clone()),
        form,
        action,
        cancel,
        version,
        submit_label: submit,
        restored: None,
        candidates: Vec::new(),
        sexes: enumeration(tr, "sex"),
        countries: code_list(tr, CodeListName::Countries),
        languages: code_list(tr, CodeListName::Languages),
        cefr_levels: code_list(tr, CodeListName::CefrLevels),
        municipalities: code_list(tr, CodeListName::Municipalities),
        residence_bases: code_list(tr, CodeListName::ResidenceBases),
        target_groups: code_list(tr, CodeListName::TargetGroups),
        caseworkers,
    }
}

pub async fn new_form(State(state): State<AppState>, user: PageUser) -> Response {
    let mut form = Form::new(user.tr);
    form.set("customership_start", user.tr.date(&state.services.clock().today()));
    form.set("responsible_caseworker", user.actor.id.clone());
    page(&customer_form(&state, &user, form, None).await)
}

fn candidate_view(tr: Tr, candidate: &DuplicateCandidate) -> CandidateView {
    let name = match (&candidate.family_name, &candidate.given_names) {
        (Some(family), Some(given)) => format!("{family}, {given}"),
        _ => tr.t("duplicate-outside-scope"),
    };
    CandidateView {
        id: candidate.id.clone(),
        name,
        details: format!(
            "{} {}, {}",
            tr.t("field-birth_date"),
            tr.date(&candidate.birth_date),
            code_label(tr, CodeListName::Municipalities, &candidate.municipality_code)
        ),
    }
}

/// The form again with what was typed and why it was not saved.
fn refused(mut page_data: CustomerFormPage, tr: Tr, error: ServiceError) -> Response {
    let problem = Problem::from(error);
    let status = if problem.candidates.is_empty() {
        page_data.form.add_problem(&problem)
    } else {
        page_data.candidates = problem.candidates.iter().map(|c| candidate_view(tr, c)).collect();
        StatusCode::from_u16(problem.status).unwrap_or(StatusCode::CONFLICT)
    };
    html(status, &page_data)
}

/// The customer's data a submitted form holds, or the form shown again: restored after a sign-in,
/// or with the fields it could not read.
#[expect(clippy::result_large_err, reason = "the error is the response itself, built once")]
fn submitted(
    mut page_data: CustomerFormPage,
    tr: Tr,
    data: &crate::ui::form::FormData,
) -> Result<(CustomerFormPage, CustomerInput), Response> {
    if data.action() == Some("restore") {
        page_data.restored = Some(tr.t("restore-notice"));
        return Err(page(&page_data));
    }
    match data.bind() {
        Ok(input) => Ok((page_data, input)),
        Err(violations) => Err(refused(page_data, tr, ServiceError::Validation(violations))),
    }
}

pub async fn register(State(state): State<AppState>, PageForm { user, form: data }: PageForm) -> Response {
    let tr = user.tr;
    let form = Form::from_data(tr, &data);
    let page_data = customer_form(&state, &user, form, None).await;
    let (page_data, input) = match submitted(page_data, tr, &data) {
        Ok(submitted) => submitted,
        Err(shown) => return shown,
    };
    let confirm = data.get("_confirm_not_duplicate") == Some("true");
    match state.services.register_customer(&user.actor, &input, confirm).await {
        Ok(customer) => see_other(&format!("/customers/{}?done=registered", customer.id)),
        Err(error) => refused(page_data, tr, error),
    }
}

pub async fn edit_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let customer = match state.services.customer(&user.actor, &id).await {
        Ok(customer) => customer,
        Err(error) => return error_page(&user, error),
    };
    let form = Form::from_value(user.tr, &customer.data);
    page(&customer_form(&state, &user, form, Some((&customer.id, customer.version))).await)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let tr = user.tr;
    let version = data.version();
    let form = Form::from_data(tr, &data);
    let page_data = customer_form(&state, &user, form, Some((&id, version))).await;
    let (page_data, input) = match submitted(page_data, tr, &data) {
        Ok(submitted) => submitted,
        Err(shown) => return shown,
    };
    match state.services.update_customer(&user.actor, &id, &input, version).await {
        Ok(customer) => see_other(&format!("/customers/{}?done=updated", customer.id)),
        Err(error) => refused(page_data, tr, error),
    }
}
