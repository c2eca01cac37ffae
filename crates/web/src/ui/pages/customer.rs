//! The customer page (basic data, deadlines and every process record), the county worker's
//! purpose prompt, the history of basic data and the access log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use kotopolku_domain::access::{Action, Role};
use kotopolku_domain::code_lists::CodeListName;
use kotopolku_domain::customer::Customer;
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind};
use kotopolku_service::ServiceError;
use serde::Deserialize;

use super::worklist::DeadlineView;
use crate::AppState;
use crate::ui::form::Form;
use crate::ui::i18n::Tr;
use crate::ui::options::code_label;
use crate::ui::session::{PURPOSE_COOKIE, PageForm, PageUser};
use crate::ui::{Layout, error_page, html, page, see_other};

/// A table inside a record (a plan's measures).
pub struct TableView {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub struct RecordView {
    pub id: String,
    pub title: String,
    pub meta: String,
    pub facts: Vec<(String, String)>,
    pub tables: Vec<TableView>,
    pub edit_link: Option<String>,
    pub edit_label: String,
    pub print_link: Option<String>,
}

pub struct SectionView {
    pub anchor: &'static str,
    pub title: String,
    pub add_link: Option<String>,
    pub add_label: String,
    pub records: Vec<RecordView>,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    layout: Layout,
    id: String,
    summary: String,
    can_edit_basic_data: bool,
    can_read_log: bool,
    can_end: bool,
    can_hand_over: bool,
    can_manage_counties: bool,
    involvements: Vec<InvolvementView>,
    county_form: Form,
    counties: Vec<(String, String)>,
    deadlines: Vec<DeadlineView>,
    facts: Vec<(String, String)>,
    sections: Vec<SectionView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn allowed(user: &PageUser, action: Action) -> bool {
    crate::ui::allows(user.role(), action)
}

/// A county worker must state a purpose before opening a customer (the service refuses otherwise).
fn purpose_needed(error: &ServiceError) -> bool {
    matches!(
        error,
        ServiceError::Forbidden {
            code: "purpose_required",
            ..
        }
    )
}

pub struct InvolvementView {
    pub id: String,
    pub county: String,
    pub purpose: String,
    pub started: String,
    pub ended: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let county_form = Form::new(user.tr);
    customer_page(&state, &user, &id, done.done.as_deref(), county_form, StatusCode::OK).await
}

async fn customer_page(
    state: &AppState,
    user: &PageUser,
    id: &str,
    done: Option<&str>,
    county_form: Form,
    status: StatusCode,
) -> Response {
    let id = id.to_owned();
    let tr = user.tr;
    // One read of everything the page shows, audited as one group.
    let file = match state.services.customer_file(&user.actor, &id).await {
        Ok(file) => file,
        Err(error) if purpose_needed(&error) => return see_other(&format!("/customers/{id}/purpose")),
        Err(error) => return error_page(user, error),
    };
    let (customer, records, deadlines) = (file.customer, file.records, file.deadlines);
    let involvements = file
        .involvements
        .into_iter()
        .map(|i| InvolvementView {
            county: crate::ui::options::county_name(tr, &i.county_code),
            purpose: i.purpose,
            started: tr.date(&i.started_on),
            ended: i.ended_on.map(|d| tr.date(&d)),
            id: i.id,
        })
        .collect();
    let active = customer.customership_end.is_none();
    let can_write = allowed(user, Action::ProcessWrite) && active;
    let notice = done
        .map(|what| format!("done-{what}"))
        .filter(|key| tr.has(key))
        .map(|key| tr.t(&key));
    let title = format!("{}, {}", customer.data.family_name, customer.data.given_names);
    let layout = Layout::new(user, title, "customers", format!("/customers/{id}")).with_notice(notice);
    let can_manage_counties = allowed(user, Action::CountyInvolvementManage) && active;
    html(
        status,
        &CustomerPage {
            summary: summary(tr, &customer),
            can_edit_basic_data: allowed(user, Action::CustomerUpdate) && active,
            can_read_log: allowed(user, Action::CustomerAccessLog),
            can_end: allowed(user, Action::CustomerEnd) && active,
            can_hand_over: allowed(user, Action::HandoverRequest) && active,
            can_manage_counties,
            involvements,
            county_form,
            counties: if can_manage_counties {
                crate::ui::options::counties(tr)
            } else {
                Vec::new()
            },
            deadlines: deadlines.iter().map(|d| DeadlineView::new(tr, d)).collect(),
            facts: facts(tr, &customer),
            sections: sections(tr, &customer, &records, can_write),
            id,
            layout,
        },
    )
}

fn summary(tr: Tr, customer: &Customer) -> String {
    let mut parts = vec![format!(
        "{} {}",
        tr.t("field-birth_date"),
        tr.date(&customer.data.birth_date)
    )];
    if let Some(code) = &customer.data.identity_code {
        parts.push(code.as_str().to_owned());
    }
    parts.push(code_label(
        tr,
        CodeListName::Municipalities,
        &customer.data.municipality_code,
    ));
    parts.push(match customer.customership_end {
        Some(end) => tr.t_with("customership-ended-on", &[("date", &tr.date(&end))]),
        None => tr.t("customership-active"),
    });
    parts.join(" · ")
}

pub(super) fn facts(tr: Tr, customer: &Customer) -> Vec<(String, String)> {
    let d = &customer.data;
    let language = |code: &Option<String>| {
        code.as_deref()
            .map(|c| code_label(tr, CodeListName::Languages, c))
            .unwrap_or_default()
    };
    let mut facts = vec![
        (tr.t("field-sex"), tr.label("sex", d.sex.as_str())),
        (
            tr.t("field-citizenships"),
            d.citizenships
                .iter()
                .map(|c| code_label(tr, CodeListName::Countries, c))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (tr.t("field-native_language"), language(&d.native_language)),
        (tr.t("field-contact_language"), language(&d.contact_language)),
        (
            tr.t("field-interpreter_needed"),
            if d.interpreter_needed {
                format!("{} ({})", tr.t("yes-no-true"), language(&d.interpreter_language))
            } else {
                tr.t("yes-no-false")
            },
        ),
        (tr.t("field-phone"), d.phone.clone().unwrap_or_default()),
        (tr.t("field-email"), d.email.clone().unwrap_or_default()),
        (
            tr.t("field-street_address"),
            [d.street_address.clone(), d.postal_code.clone(), d.post_office.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (tr.t("field-arrival_date"), tr.opt_date(&d.arrival_date)),
        (tr.t("field-first_permit_date"), tr.opt_date(&d.first_permit_date)),
        (
            tr.t("field-residence_basis"),
            d.residence_basis
                .as_deref()
                .map(|c| code_label(tr, CodeListName::ResidenceBases, c))
                .unwrap_or_default(),
        ),
        (
            tr.t("field-target_group"),
            d.target_group
                .as_deref()
                .map(|c| code_label(tr, CodeListName::TargetGroups, c))
                .unwrap_or_default(),
        ),
        (tr.t("field-customership_start"), tr.date(&d.customership_start)),
    ];
    if let Some(end) = customer.customership_end {
        facts.push((tr.t("field-customership_end"), tr.date(&end)));
    }
    facts.retain(|(_, v)| !v.is_empty());
    facts
}

const SECTIONS: [(RecordKind, &str); 6] = [
    (RecordKind::Assessment, "assessment"),
    (RecordKind::Plan, "plan"),
    (RecordKind::Programme, "programme"),
    (RecordKind::Referral, "referral"),
    (RecordKind::Appointment, "appointment"),
    (RecordKind::Note, "note"),
];

fn sections(tr: Tr, customer: &Customer, records: &[ProcessRecord], can_write: bool) -> Vec<SectionView> {
    let has_programme = records.iter().any(|r| r.kind == RecordKind::Programme);
    SECTIONS
        .iter()
        .map(|(kind, anchor)| {
            let mut of_kind: Vec<&ProcessRecord> = records.iter().filter(|r| r.kind == *kind).collect();
            // Newest first: what the caseworker works on now is on top.
            of_kind.reverse();
            let may_add = can_write && !(*kind == RecordKind::Programme && has_programme);
            SectionView {
                anchor,
                title: tr.t(&format!("section-{anchor}")),
                add_link: may_add.then(|| format!("/customers/{}/records/new/{anchor}", customer.id)),
                add_label: tr.t(&format!("add-{anchor}")),
                records: of_kind.into_iter().map(|r| record_view(tr, r, can_write)).collect(),
            }
        })
        .collect()
}

fn opt(text: &Option<String>) -> String {
    text.clone().unwrap_or_default()
}

pub(super) fn record_view(tr: Tr, record: &ProcessRecord, can_write: bool) -> RecordView {
    let mut facts: Vec<(String, String)> = Vec::new();
    let mut tables = Vec::new();
    let mut print_link = None;
    let title = match &record.content {
        RecordBody::Assessment(a) => {
            facts.push((tr.t("field-started_on"), tr.date(&a.started_on)));
            facts.push((tr.t("field-completed_on"), tr.opt_date(&a.completed_on)));
            if let Some(needed) = a.plan_needed {
                facts.push((tr.t("field-plan_needed"), tr.label("yes-no", &needed.to_string())));
            }
            facts.push((tr.t("field-planned_plan_on"), tr.opt_date(&a.planned_plan_on)));
            facts.push((tr.t("field-employment_goal"), opt(&a.employment_goal)));
            facts.push((tr.t("field-education_goal"), opt(&a.education_goal)));
            if a.multisectoral_county.is_some() {
                tr.t("kind-assessment-multisectoral")
            } else {
                tr.t("kind-assessment")
            }
        }
        RecordBody::Plan(p) => {
            facts.push((
                tr.t("plan-period"),
                format!("{} – {}", tr.date(&p.starts_on), tr.date(&p.ends_on)),
            ));
            facts.push((tr.t("field-drawn_up_on"), tr.date(&p.drawn_up_on)));
            facts.push((tr.t("field-customer_agreed_on"), tr.opt_date(&p.customer_agreed_on)));
            for (g, goal) in p.goals.iter().enumerate() {
                tables.push(TableView {
                    caption: format!(
                        "{}: {} – {}",
                        tr.nth("row-goals", g),
                        tr.label("area", goal.area.as_str()),
                        goal.description
                    ),
                    headers: vec![
                        tr.t("field-service"),
                        tr.t("field-provider"),
                        tr.t("plan-measure-dates"),
                        tr.t("field-status"),
                    ],
                    rows: goal
                        .measures
                        .iter()
                        .map(|m| {
                            vec![
                                tr.label("service", m.service.as_str()),
                                opt(&m.provider),
                                format!("{} – {}", tr.date(&m.planned_start), tr.date(&m.planned_end)),
                                tr.label("measure-status", m.status.as_str()),
                            ]
                        })
                        .collect(),
                });
            }
            print_link = Some(format!(
                "/api/v1/customers/{}/records/{}/print?lang={}",
                record.customer_id,
                record.id,
                tr.lang.code()
            ));
            if p.multisectoral_county.is_some() {
                tr.t("kind-plan-multisectoral")
            } else {
                tr.t("kind-plan")
            }
        }
        RecordBody::Programme(p) => {
            facts.push((tr.t("field-enrolled_on"), tr.date(&p.enrolled_on)));
            facts.push((
                tr.t("field-civic_orientation_hours"),
                tr.number(u64::from(p.civic_orientation_hours)),
            ));
            facts.push((tr.t("field-ended_on"), tr.opt_date(&p.ended_on)));
            tr.t("kind-programme")
        }
        RecordBody::Referral(r) => {
            facts.push((tr.t("field-recipient"), r.recipient.clone()));
            facts.push((tr.t("field-sent_on"), tr.date(&r.sent_on)));
            facts.push((tr.t("field-status"), tr.label("referral-status", r.status.as_str())));
            facts.push((tr.t("field-answer"), opt(&r.answer)));
            format!("{}: {}", tr.t("kind-referral"), tr.label("service", r.service.as_str()))
        }
        RecordBody::Note(n) => {
            facts.push((tr.t("field-text"), n.text.clone()));
            format!(
                "{} {} · {}",
                tr.label("note-type", &api_name(n.note_type)),
                tr.date(&n.written_on),
                tr.label("confidentiality", &api_name(n.confidentiality))
            )
        }
        RecordBody::Appointment(a) => {
            facts.push((tr.t("field-place"), opt(&a.place)));
            facts.push((tr.t("field-status"), tr.label("appointment-status", a.status.as_str())));
            facts.push((tr.t("field-participants"), a.participants.join(", ")));
            format!("{} {}", tr.t("kind-appointment"), tr.date_time(&a.starts_at))
        }
    };
    facts.retain(|(_, v)| !v.is_empty());
    RecordView {
        id: format!("{}-{}", record.id, record.version),
        meta: tr.t_with(
            "record-meta",
            &[
                ("version", &record.version.to_string()),
                ("at", &tr.instant(&record.created_at)),
                ("by", &record.created_by_name),
            ],
        ),
        title,
        facts,
        tables,
        edit_link: Some(format!("/customers/{}/records/{}", record.customer_id, record.id)),
        edit_label: tr.t(if can_write { "record-open-edit" } else { "record-open" }),
        print_link,
    }
}

/// The name an enumerated value has in the API (its serde name), for its label key.
fn api_name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "purpose.html")]
struct PurposePage {
    layout: Layout,
    form: Form,
    purposes: Vec<(String, String)>,
}

/// The purposes a county worker usually has; "other" asks for the purpose in words.
const PURPOSES: [&str; 4] = [
    "multisectoral_assessment",
    "multisectoral_plan",
    "service_coordination",
    "other",
];

fn purpose_page(user: &PageUser, id: &str, form: Form) -> PurposePage {
    let tr = user.tr;
    PurposePage {
        layout: Layout::new(
            user,
            tr.t("purpose-title"),
            "customers",
            format!("/customers/{id}/purpose"),
        ),
        form,
        purposes: PURPOSES
            .iter()
            .map(|p| (p.to_string(), tr.label("purpose", p)))
            .collect(),
    }
}

pub async fn purpose_form(user: PageUser, Path(id): Path<String>) -> Response {
    let form = Form::new(user.tr);
    page(&purpose_page(&user, &id, form))
}

pub async fn state_purpose(Path(id): Path<String>, PageForm { user, form: data }: PageForm) -> Response {
    let tr = user.tr;
    let choice = data.get("purpose").unwrap_or("");
    let words = data.get("purpose_text").unwrap_or("").trim();
    let purpose = match choice {
        "other" | "" if words.is_empty() => {
            let mut form = Form::from_data(tr, &data);
            let field = if choice.is_empty() { "purpose" } else { "purpose_text" };
            form.add_violations(&[kotopolku_domain::validation::FieldViolation {
                field: field.into(),
                code: "required",
                message: "required".into(),
            }]);
            return html(StatusCode::UNPROCESSABLE_ENTITY, &purpose_page(&user, &id, form));
        }
        "other" | "" => words.to_owned(),
        known => {
            let label = tr.label("purpose", known);
            if words.is_empty() {
                label
            } else {
                format!("{label}: {words}")
            }
        }
    };
    let value: String = form_urlencoded::byte_serialize(format!("{id}|{purpose}").as_bytes()).collect();
    let mut response = see_other(&format!("/customers/{id}"));
    // For this browser session only: a new customer, or a new day, asks again.
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{PURPOSE_COOKIE}={value}; Path=/customers/{id}; HttpOnly; Secure; SameSite=Strict"
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

pub(super) struct HistoryRow {
    pub(super) at: String,
    pub(super) who: String,
    pub(super) field: String,
    pub(super) old: String,
    pub(super) new: String,
}

impl HistoryRow {
    /// One change of the basic data as the history shows it, in the reader's language.
    pub(super) fn new(tr: Tr, e: &kotopolku_service::customers::HistoryEntry) -> Self {
        HistoryRow {
            at: tr.instant(&e.changed_at),
            who: e.actor_name.clone(),
            field: if e.field.is_empty() {
                tr.label("change", &e.change_kind)
            } else if e.field == "legacy_id" {
                // An import's row: which legacy system and id the customer came from.
                tr.t("history-imported-from")
            } else {
                tr.t(&format!("field-{}", e.field))
            },
            old: e.old_value.clone().unwrap_or_default(),
            new: e.new_value.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    layout: Layout,
    back: String,
    history_rows: Vec<HistoryRow>,
}

pub async fn history(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let tr = user.tr;
    let entries = match state.services.customer_history(&user.actor, &id).await {
        Ok(entries) => entries,
        Err(error) if purpose_needed(&error) => return see_other(&format!("/customers/{id}/purpose")),
        Err(error) => return error_page(&user, error),
    };
    let rows = entries.iter().rev().map(|e| HistoryRow::new(tr, e)).collect();
    page(&HistoryPage {
        layout: Layout::new(
            &user,
            tr.t("history-title"),
            "customers",
            format!("/customers/{id}/history"),
        ),
        back: format!("/customers/{id}"),
        history_rows: rows,
    })
}

pub(super) struct AccessRow {
    pub(super) at: String,
    pub(super) who: String,
    pub(super) role: String,
    pub(super) action: String,
    pub(super) purpose: String,
    pub(super) outcome: String,
}

impl AccessRow {
    /// One audit row as the access log shows it, in the reader's language.
    pub(super) fn new(
        tr: Tr,
        at: &chrono::DateTime<chrono::Utc>,
        who: &str,
        role: Option<&str>,
        action: &str,
        purpose: Option<&str>,
        outcome: &str,
    ) -> Self {
        AccessRow {
            at: tr.instant(at),
            who: who.to_owned(),
            role: role
                .and_then(Role::parse)
                .map(|r| tr.label("role", r.as_str()))
                .unwrap_or_default(),
            action: action_label(tr, action),
            purpose: purpose.unwrap_or_default().to_owned(),
            outcome: tr.label("outcome", outcome),
        }
    }
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    layout: Layout,
    back: String,
    access_rows: Vec<AccessRow>,
}

pub async fn access_log(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let tr = user.tr;
    let rows = match state.services.customer_access_log(&user.actor, &id).await {
        Ok(rows) => rows,
        Err(error) => return error_page(&user, error),
    };
    // Newest first, as the store returns them.
    let rows = rows
        .iter()
        .map(|row| {
            let e = &row.entry;
            AccessRow::new(
                tr,
                &e.occurred_at,
                &e.actor_name,
                e.role.as_deref(),
                &e.action,
                e.purpose.as_deref(),
                &e.outcome,
            )
        })
        .collect();
    page(&AccessLogPage {
        layout: Layout::new(
            &user,
            tr.t("access-log-title"),
            "customers",
            format!("/customers/{id}/access-log"),
        ),
        back: format!("/customers/{id}"),
        access_rows: rows,
    })
}

/// Starts a wellbeing county's involvement in the customer's multisectoral process (681/2023 §16).
pub async fn start_involvement(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let tr = user.tr;
    let new: kotopolku_service::directory::NewCountyInvolvement = match data.bind() {
        Ok(new) => new,
        Err(violations) => {
            let mut form = Form::from_data(tr, &data);
            form.add_violations(&violations);
            return customer_page(&state, &user, &id, None, form, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match state.services.start_county_involvement(&user.actor, &id, &new).await {
        Ok(_) => see_other(&format!("/customers/{id}?done=county-started#counties")),
        Err(error) => {
            let mut form = Form::from_data(tr, &data);
            let status = form.add_problem(&crate::problem::Problem::from(error));
            customer_page(&state, &user, &id, None, form, status).await
        }
    }
}

pub async fn end_involvement(
    State(state): State<AppState>,
    Path((id, involvement_id)): Path<(String, String)>,
    PageForm { user, .. }: PageForm,
) -> Response {
    match state
        .services
        .end_county_involvement(&user.actor, &id, &involvement_id)
        .await
    {
        Ok(()) => see_other(&format!("/customers/{id}?done=county-ended#counties")),
        Err(error) => error_page(&user, error),
    }
}

#[derive(Template)]
#[template(path = "end_customership.html")]
struct EndPage {
    layout: Layout,
    form: Form,
    back: String,
    version: i64,
    reasons: Vec<(String, String)>,
}

fn end_page(user: &PageUser, id: &str, form: Form, version: i64) -> EndPage {
    let tr = user.tr;
    EndPage {
        layout: Layout::new(user, tr.t("end-title"), "customers", format!("/customers/{id}/end")),
        form,
        back: format!("/customers/{id}"),
        version,
        reasons: crate::ui::options::code_list(tr, CodeListName::CustomershipEndReasons),
    }
}

pub async fn end_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let customer = match state.services.customer(&user.actor, &id).await {
        Ok(customer) => customer,
        Err(error) => return error_page(&user, error),
    };
    let mut form = Form::new(user.tr);
    form.set("end_date", user.tr.date(&state.services.clock().today()));
    page(&end_page(&user, &id, form, customer.version))
}

/// Ends the customership: pending deadlines leave the worklist, and no new process records start.
pub async fn end(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm { user, form: data }: PageForm,
) -> Response {
    let tr = user.tr;
    let version = data.version();
    let form = Form::from_data(tr, &data);
    let mut with_version = data.clone();
    with_version.pairs.push(("version".into(), version.to_string()));
    let refused = |mut form: Form, problem: crate::problem::Problem| {
        let status = form.add_problem(&problem);
        html(status, &end_page(&user, &id, form, version))
    };
    let end: kotopolku_domain::customer::EndCustomership = match with_version.bind() {
        Ok(end) => end,
        Err(violations) => return refused(form, crate::problem::Problem::validation(violations)),
    };
    match state.services.end_customership(&user.actor, &id, &end).await {
        Ok(_) => see_other(&format!("/customers/{id}?done=ended")),
        Err(error) => refused(form, crate::problem::Problem::from(error)),
    }
}

/// What an audit row's action means, in words: process records' actions are `{kind}.create` and
/// `{kind}.revise`.
fn action_label(tr: Tr, action: &str) -> String {
    let key = format!("action-{}", action.replace(['.', '_'], "-"));
    if tr.has(&key) {
        return tr.t(&key);
    }
    if let Some((kind, verb)) = action.split_once('.')
        && let Some(kind) = RecordKind::parse(kind)
        && matches!(verb, "create" | "revise")
    {
        let kind_label = tr.t(&format!("kind-{}", kind.as_str()));
        return tr.t_with(&format!("action-record-{verb}"), &[("kind", &kind_label)]);
    }
    action.to_owned()
}
