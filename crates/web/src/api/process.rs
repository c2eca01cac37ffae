//! `/api/v1/customers/{id}/records`, `/deadlines` and `/api/v1/worklist`: the integration process.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::code_lists;
use kotopolku_domain::deadlines::{Deadline, RuleDescription};
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind};
use kotopolku_domain::validation::FieldViolation;
use kotopolku_report::{Language, PRINT_CSS, PlanDocument, render_plan};
use kotopolku_service::worklist::{Worklist, WorklistQuery};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::{ApiJson, ApiQuery, parse_json};
use crate::problem::{ApiError, Problem};

/// How to print a plan.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PrintOptions {
    /// The language of the fixed texts: fi, sv, en, uk, ru or ar (default: the customer's contact
    /// language when available, else fi).
    pub lang: Option<String>,
    /// An earlier version of the plan (default: the current one).
    pub version: Option<i64>,
}

/// A revision: the record's whole new content and the version it revises.
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the request body in OpenAPI; `revise` splits the body by hand"
)]
pub struct RecordRevision {
    #[serde(flatten)]
    pub content: RecordBody,
    /// The `version` as last read; a superseded version is refused with 409.
    pub version: i64,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecordFilter {
    /// Only records of this kind.
    pub kind: Option<RecordKind>,
}

/// A customer's records, current versions only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordList {
    pub customer_id: String,
    pub records: Vec<ProcessRecord>,
}

/// A customer's deadlines as of today.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerDeadlines {
    pub customer_id: String,
    pub as_of: chrono::NaiveDate,
    pub deadlines: Vec<Deadline>,
}

fn invalid(field: &str, code: &'static str, message: &str) -> ApiError {
    Problem::validation(vec![FieldViolation {
        field: field.into(),
        code,
        message: message.into(),
    }])
    .into()
}

#[utoipa::path(
    post, path = "/api/v1/customers/{id}/records", tag = "process",
    request_body = RecordBody,
    responses(
        (status = 201, description = "Added as version 1", body = ProcessRecord),
        (status = 409, description = "The customership has ended (`already_ended`) or the customer already has a programme (`programme_exists`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a rule broken (the code names it, e.g. `first_plan_max_duration`, `measure_outside_plan`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(customer_id): Path<String>,
    ApiJson(content): ApiJson<RecordBody>,
) -> Result<Response, ApiError> {
    let record = state.services.add_record(&actor, &customer_id, content).await?;
    let location = format!("/api/v1/customers/{customer_id}/records/{}", record.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(record)).into_response())
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/records", tag = "process", params(RecordFilter),
    responses((status = 200, description = "Current versions, oldest record first", body = RecordList))
)]
pub async fn list(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(customer_id): Path<String>,
    ApiQuery(filter): ApiQuery<RecordFilter>,
) -> Result<Json<RecordList>, ApiError> {
    let records = state.services.records(&actor, &customer_id, filter.kind).await?;
    Ok(Json(RecordList { customer_id, records }))
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/records/{record_id}", tag = "process",
    responses((status = 200, description = "The current version", body = ProcessRecord))
)]
pub async fn read(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path((customer_id, record_id)): Path<(String, String)>,
) -> Result<Json<ProcessRecord>, ApiError> {
    Ok(Json(state.services.record(&actor, &customer_id, &record_id).await?))
}

#[utoipa::path(
    put, path = "/api/v1/customers/{id}/records/{record_id}", tag = "process",
    request_body = RecordRevision,
    responses(
        (status = 200, description = "Saved as the next version; the earlier one stays readable", body = ProcessRecord),
        (status = 409, description = "A superseded version (`superseded_version`), or a change the state machine forbids (`transition_forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or a broken rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revise(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path((customer_id, record_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ProcessRecord>, ApiError> {
    let Value::Object(mut object) = body else {
        return Err(invalid("", "invalid_value", "the body must be a JSON object"));
    };
    let version = match object.remove("version") {
        None | Some(Value::Null) => {
            return Err(invalid(
                "version",
                "required",
                "the version of the record as last read is required",
            ));
        }
        Some(value) => value
            .as_i64()
            .ok_or_else(|| invalid("version", "invalid_value", "must be an integer"))?,
    };
    let content: RecordBody = parse_json(&serde_json::to_vec(&Value::Object(object)).unwrap_or_default())?;
    Ok(Json(
        state
            .services
            .revise_record(&actor, &customer_id, &record_id, version, content)
            .await?,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/records/{record_id}/versions", tag = "process",
    responses((status = 200, description = "Every version, oldest first", body = [ProcessRecord]))
)]
pub async fn versions(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path((customer_id, record_id)): Path<(String, String)>,
) -> Result<Json<Vec<ProcessRecord>>, ApiError> {
    Ok(Json(
        state.services.record_versions(&actor, &customer_id, &record_id).await?,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/deadlines", tag = "process",
    responses((status = 200, description = "Every statutory deadline of the customer: due, met, due soon or overdue", body = CustomerDeadlines))
)]
pub async fn deadlines(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(customer_id): Path<String>,
) -> Result<Json<CustomerDeadlines>, ApiError> {
    let deadlines = state.services.customer_deadlines(&actor, &customer_id).await?;
    Ok(Json(CustomerDeadlines {
        customer_id,
        as_of: state.services.clock().today(),
        deadlines,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/worklist", tag = "process", params(WorklistQuery),
    responses(
        (status = 200, description = "Customers with what is due or overdue, most urgent first, by caseworker", body = Worklist),
        (status = 403, description = "Only supervisors see the unit's worklist", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn worklist(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiQuery(query): ApiQuery<WorklistQuery>,
) -> Result<Json<Worklist>, ApiError> {
    Ok(Json(state.services.worklist(&actor, &query).await?))
}

#[utoipa::path(
    get, path = "/api/v1/deadline-rules", tag = "process",
    responses((status = 200, description = "The deadline rules with their legal sources and configured values", body = [RuleDescription]))
)]
pub async fn deadline_rules(
    State(state): State<AppState>,
    RequestActor(_actor): RequestActor,
) -> Json<Vec<RuleDescription>> {
    Json(state.services.deadline_rules().describe())
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/records/{record_id}/print", tag = "process", params(PrintOptions),
    responses(
        (status = 200, description = "The plan for the customer as a printable HTML page", content_type = "text/html"),
        (status = 422, description = "A language without translations", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn print_plan(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path((customer_id, record_id)): Path<(String, String)>,
    ApiQuery(options): ApiQuery<PrintOptions>,
) -> Result<Response, ApiError> {
    let asked = match options.lang.as_deref() {
        None => None,
        Some(tag) => Some(Language::parse(tag).ok_or_else(|| {
            invalid(
                "lang",
                "unsupported_language",
                &format!(
                    "printable texts exist in {}",
                    Language::ALL.map(Language::as_str).join(", ")
                ),
            )
        })?),
    };
    let (customer, record) = state
        .services
        .plan_for_print(&actor, &customer_id, &record_id, options.version)
        .await?;
    let RecordBody::Plan(plan) = &record.content else {
        return Err(Problem::not_found().into());
    };
    let lang = asked
        .or_else(|| customer.data.contact_language.as_deref().and_then(Language::parse))
        .unwrap_or(Language::Fi);
    let municipality = code_lists::municipality(&customer.data.municipality_code).map_or_else(
        || customer.data.municipality_code.clone(),
        |m| match lang {
            Language::Sv => m.name.sv.clone(),
            Language::Fi => m.name.fi.clone(),
            _ => m.name.en.clone(),
        },
    );
    let html = render_plan(
        &PlanDocument {
            customer_name: &format!("{}, {}", customer.data.family_name, customer.data.given_names),
            birth_date: customer.data.birth_date,
            municipality_name: &municipality,
            plan,
            version: record.version,
            multisectoral: plan.multisectoral_county.is_some(),
            printed_on: state.services.clock().today(),
        },
        lang,
    );
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// The printable documents' stylesheet.
pub async fn print_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PRINT_CSS,
    )
        .into_response()
}
