//! The forms of process records: a new assessment, plan, programme, referral, note or appointment,
//! and a record opened for reading or revision (a revision saves a new version).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kotopolku_domain::access::Action;
use kotopolku_domain::code_lists::CodeListName;
use kotopolku_domain::customer::Customer;
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind};
use kotopolku_domain::validation::FieldViolation;
use kotopolku_service::ServiceError;
use serde_json::Value;

use crate::AppState;
use crate::problem::Problem;
use crate::ui::form::{Form, FormData};
use crate::ui::i18n::Tr;
use crate::ui::options::{code_list, enumeration};
use crate::ui::session::{PageForm, PageUser};
use crate::ui::{Layout, error_page, html, not_found_page, page, see_other};

/// The choices the forms of one kind offer (empty where the kind has no such field).
#[derive(Default)]
pub struct Choices {
    pub services: Vec<(String, String)>,
    pub areas: Vec<(String, String)>,
    pub measure_statuses: Vec<(String, String)>,
    pub note_types: Vec<(String, String)>,
    pub confidentiality: Vec<(String, String)>,
    pub recipient_kinds: Vec<(String, String)>,
    pub referral_statuses: Vec<(String, String)>,
    pub appointment_statuses: Vec<(String, String)>,
    pub literacy: Vec<(String, String)>,
    pub national_languages: Vec<(String, String)>,
    pub components: Vec<(String, String)>,
    pub yes_no: Vec<(String, String)>,
    pub languages: Vec<(String, String)>,
    pub countries: Vec<(String, String)>,
    pub cefr: Vec<(String, String)>,
    pub isced: Vec<(String, String)>,
    pub occupations: Vec<(String, String)>,
    /// The customer's plan measures, for a referral to name.
    pub measures: Vec<(String, String)>,
    /// Wellbeing counties with an active involvement, for a multisectoral record.
    pub counties: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordFormPage {
    layout: Layout,
    form: Form,
    kind: &'static str,
    customer_name: String,
    version_note: String,
    action: String,
    cancel: String,
    version: i64,
    can_write: bool,
    restored: Option<String>,
    /// Every version, newest first: what it says, and for a plan the address of its print view.
    versions: Vec<(String, Option<String>)>,
    opts: Choices,
}

async fn choices(state: &AppState, user: &PageUser, customer_id: &str, kind: RecordKind) -> Choices {
    let tr = user.tr;
    let mut c = Choices::default();
    match kind {
        RecordKind::Note => {
            c.note_types = enumeration(tr, "note-type");
            c.confidentiality = enumeration(tr, "confidentiality");
        }
        RecordKind::Referral => {
            c.services = enumeration(tr, "service");
            c.recipient_kinds = enumeration(tr, "recipient-kind");
            c.referral_statuses = enumeration(tr, "referral-status");
            if let Ok(plans) = state
                .services
                .records(&user.actor, customer_id, Some(RecordKind::Plan))
                .await
            {
                for plan in plans {
                    if let RecordBody::Plan(p) = plan.content {
                        for measure in p.goals.iter().flat_map(|g| &g.measures) {
                            if let Some(id) = &measure.id {
                                let provider = measure.provider.clone().unwrap_or_default();
                                c.measures.push((
                                    id.clone(),
                                    format!(
                                        "{} {} ({} – {})",
                                        tr.label("service", measure.service.as_str()),
                                        provider,
                                        tr.date(&measure.planned_start),
                                        tr.date(&measure.planned_end)
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
        }
        RecordKind::Appointment => {
            c.appointment_statuses = enumeration(tr, "appointment-status");
            c.languages = code_list(tr, CodeListName::Languages);
        }
        RecordKind::Plan => {
            c.services = enumeration(tr, "service");
            c.areas = enumeration(tr, "area");
            c.measure_statuses = enumeration(tr, "measure-status");
        }
        RecordKind::Assessment => {
            c.literacy = enumeration(tr, "literacy");
            c.national_languages = enumeration(tr, "national-language");
            c.yes_no = enumeration(tr, "yes-no");
            c.languages = code_list(tr, CodeListName::Languages);
            c.countries = code_list(tr, CodeListName::Countries);
            c.cefr = code_list(tr, CodeListName::CefrLevels);
            c.isced = code_list(tr, CodeListName::IscedLevels);
            c.occupations = code_list(tr, CodeListName::Occupations);
        }
        RecordKind::Programme => {
            c.components = enumeration(tr, "component");
            c.languages = code_list(tr, CodeListName::Languages);
            c.cefr = code_list(tr, CodeListName::CefrLevels);
        }
    }
    if matches!(kind, RecordKind::Plan | RecordKind::Assessment)
        && let Ok(involvements) = state.services.county_involvements(&user.actor, customer_id).await
    {
        c.counties = involvements
            .into_iter()
            .filter(|i| i.ended_on.is_none())
            .map(|i| {
                (
                    i.county_code.clone(),
                    crate::ui::options::county_name(tr, &i.county_code),
                )
            })
            .collect();
    }
    c
}

/// What a new record of each kind starts with.
fn defaults(tr: Tr, form: &mut Form, kind: RecordKind, today: chrono::NaiveDate) {
    let today_text = tr.date(&today);
    match kind {
        RecordKind::Note => {
            form.set("written_on", today_text);
            form.set("confidentiality", "normal");
        }
        RecordKind::Referral => {
            form.set("sent_on", today_text);
            form.set("status", "sent");
        }
        RecordKind::Appointment => form.set("status", "planned"),
        RecordKind::Plan => {
            // A first plan lasts at most a year (681/2023 §15): offer exactly that period.
            form.set("drawn_up_on", today_text.clone());
            form.set("starts_on", today_text);
            if let Some(end) = kotopolku_domain::deadlines::add_months(today, 12).and_then(|d| d.pred_opt()) {
                form.set("ends_on", tr.date(&end));
            }
        }
        RecordKind::Assessment => form.set("started_on", today_text),
        RecordKind::Programme => form.set("enrolled_on", today_text),
    }
}

struct FormTarget<'a> {
    customer: &'a Customer,
    kind: RecordKind,
    record_id: Option<&'a str>,
    version: i64,
    can_write: bool,
}

async fn form_page(state: &AppState, user: &PageUser, target: FormTarget<'_>, form: Form) -> RecordFormPage {
    let tr = user.tr;
    let customer = target.customer;
    let kind_name = target.kind.as_str();
    let (title, action, version_note) = match target.record_id {
        None => (
            tr.t(&format!("add-{kind_name}")),
            format!("/customers/{}/records/new/{kind_name}", customer.id),
            String::new(),
        ),
        Some(id) => (
            tr.t(&format!("kind-{kind_name}")),
            format!("/customers/{}/records/{id}", customer.id),
            tr.t_with("record-version", &[("version", &target.version.to_string())]),
        ),
    };
    RecordFormPage {
        layout: Layout::new(user, title, "customers", action.clone()),
        form,
        kind: kind_name,
        customer_name: format!("{}, {}", customer.data.family_name, customer.data.given_names),
        version_note,
        cancel: format!("/customers/{}#{kind_name}", customer.id),
        action,
        version: target.version,
        can_write: target.can_write,
        restored: None,
        versions: Vec::new(),
        opts: choices(state, user, &customer.id, target.kind).await,
    }
}

fn may_write(user: &PageUser, customer: &Customer) -> bool {
    customer.customership_end.is_none() && crate::ui::allows(user.role(), Action::ProcessWrite)
}

/// The form's content as the record body of `kind`.
fn bind(kind: RecordKind, data: &FormData) -> Result<RecordBody, Vec<FieldViolation>> {
    Ok(match kind {
        RecordKind::Assessment => RecordBody::Assessment(data.bind()?),
        RecordKind::Plan => RecordBody::Plan(data.bind()?),
        RecordKind::Programme => RecordBody::Programme(data.bind()?),
        RecordKind::Referral => RecordBody::Referral(data.bind()?),
        RecordKind::Note => RecordBody::Note(data.bind()?),
        RecordKind::Appointment => RecordBody::Appointment(data.bind()?),
    })
}

/// The form shown again: after a refusal with its errors, or with a row added.
fn again(mut page_data: RecordFormPage, error: Option<ServiceError>) -> Response {
    let Some(error) = error else {
        return page(&page_data);
    };
    let status = page_data.form.add_problem(&Problem::from(error));
    html(status, &page_data)
}

/// Handles the buttons that change the form rather than save it; `true` when one was pressed.
fn apply_form_action(form: &mut Form, data: &FormData) -> bool {
    match data.action() {
        Some("add-goal") => form.add_row("goals"),
        Some(action) if action.starts_with("add-measure-") => {
            let goal = action.trim_start_matches("add-measure-");
            if goal.parse::<usize>().is_err() {
                return false;
            }
            form.add_row(&format!("goals[{goal}].measures"));
        }
        _ => return false,
    }
    true
}

pub async fn new_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((customer_id, kind)): Path<(String, String)>,
) -> Response {
    let Some(kind) = RecordKind::parse(&kind) else {
        return not_found_page(&user);
    };
    let customer = match state.services.customer(&user.actor, &customer_id).await {
        Ok(customer) => customer,
        Err(error) => return error_page(&user, error),
    };
    let mut form = Form::new(user.tr);
    defaults(user.tr, &mut form, kind, state.services.clock().today());
    let target = FormTarget {
        customer: &customer,
        kind,
        record_id: None,
        version: 0,
        can_write: may_write(&user, &customer),
    };
    page(&form_page(&state, &user, target, form).await)
}

/// What a submitted record form asks for: saving `content`, or showing the form again (restored
/// after a sign-in, a row added, or refused before it reached the service).
enum Submitted {
    Save(Box<(RecordFormPage, RecordBody)>),
    Show(Response),
}

async fn submitted(state: &AppState, user: &PageUser, data: &FormData, target: FormTarget<'_>) -> Submitted {
    let tr = user.tr;
    let kind = target.kind;
    let mut form = Form::from_data(tr, data);
    let changes_form = apply_form_action(&mut form, data);
    let mut page_data = form_page(state, user, target, form).await;
    if data.action() == Some("restore") {
        page_data.restored = Some(tr.t("restore-notice"));
        return Submitted::Show(page(&page_data));
    }
    if changes_form {
        return Submitted::Show(again(page_data, None));
    }
    match bind(kind, data) {
        Ok(content) => Submitted::Save(Box::new((page_data, content))),
        Err(violations) => Submitted::Show(again(page_data, Some(ServiceError::Validation(violations)))),
    }
}

pub async fn add(
    State(state): State<AppState>,
    Path((customer_id, kind)): Path<(String, String)>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let Some(kind) = RecordKind::parse(&kind) else {
        return not_found_page(&user);
    };
    let customer = match state.services.customer(&user.actor, &customer_id).await {
        Ok(customer) => customer,
        Err(error) => return error_page(&user, error),
    };
    let target = FormTarget {
        customer: &customer,
        kind,
        record_id: None,
        version: 0,
        can_write: may_write(&user, &customer),
    };
    let (page_data, content) = match submitted(&state, &user, &data, target).await {
        Submitted::Save(saving) => *saving,
        Submitted::Show(response) => return response,
    };
    match state.services.add_record(&user.actor, &customer_id, content).await {
        Ok(_) => see_other(&format!("/customers/{customer_id}?done={0}#{0}", kind.as_str())),
        Err(error) => again(page_data, Some(error)),
    }
}

fn version_lines(tr: Tr, versions: &[ProcessRecord]) -> Vec<(String, Option<String>)> {
    versions
        .iter()
        .rev()
        .map(|v| {
            let text = tr.t_with(
                "record-meta",
                &[
                    ("version", &v.version.to_string()),
                    ("at", &tr.instant(&v.created_at)),
                    ("by", &v.created_by_name),
                ],
            );
            // A plan's earlier versions can be read in full in its print view.
            let print = (v.kind == RecordKind::Plan).then(|| {
                format!(
                    "/api/v1/customers/{}/records/{}/print?lang={}&version={}",
                    v.customer_id,
                    v.id,
                    tr.lang.code(),
                    v.version
                )
            });
            (text, print)
        })
        .collect()
}

/// The customer and every version of one of their records, oldest first (the last is current), or
/// the page saying why not.
async fn customer_and_versions(
    state: &AppState,
    user: &PageUser,
    customer_id: &str,
    record_id: &str,
) -> Result<(Customer, Vec<ProcessRecord>), Response> {
    let customer = state
        .services
        .customer(&user.actor, customer_id)
        .await
        .map_err(|error| error_page(user, error))?;
    let versions = state
        .services
        .record_versions(&user.actor, customer_id, record_id)
        .await
        .map_err(|error| error_page(user, error))?;
    Ok((customer, versions))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: PageUser,
    Path((customer_id, record_id)): Path<(String, String)>,
) -> Response {
    let (customer, versions) = match customer_and_versions(&state, &user, &customer_id, &record_id).await {
        Ok(found) => found,
        Err(shown) => return shown,
    };
    let Some(record) = versions.last() else {
        return not_found_page(&user);
    };
    // The content without its `kind` tag: the form's fields are the kind's own.
    let mut content = serde_json::to_value(&record.content).unwrap_or(Value::Null);
    if let Some(map) = content.as_object_mut() {
        map.remove("kind");
    }
    let form = Form::from_value(user.tr, &content);
    let target = FormTarget {
        customer: &customer,
        kind: record.kind,
        record_id: Some(&record.id),
        version: record.version,
        can_write: may_write(&user, &customer),
    };
    let mut page_data = form_page(&state, &user, target, form).await;
    page_data.versions = version_lines(user.tr, &versions);
    page(&page_data)
}

pub async fn revise(
    State(state): State<AppState>,
    Path((customer_id, record_id)): Path<(String, String)>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let (customer, versions) = match customer_and_versions(&state, &user, &customer_id, &record_id).await {
        Ok(found) => found,
        Err(shown) => return shown,
    };
    let Some(record) = versions.last() else {
        return not_found_page(&user);
    };
    let version = data.version();
    let target = FormTarget {
        customer: &customer,
        kind: record.kind,
        record_id: Some(&record.id),
        version,
        can_write: may_write(&user, &customer),
    };
    let (page_data, content) = match submitted(&state, &user, &data, target).await {
        Submitted::Save(saving) => *saving,
        Submitted::Show(response) => return response,
    };
    match state
        .services
        .revise_record(&user.actor, &customer_id, &record_id, version, content)
        .await
    {
        Ok(saved) => see_other(&format!(
            "/customers/{customer_id}?done=revised#{}",
            saved.kind.as_str()
        )),
        Err(error) => again(page_data, Some(error)),
    }
}
