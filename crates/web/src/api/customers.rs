//! `/api/v1/customers`: the customer registry.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::customer::{Customer, CustomerInput, EndCustomership};
use kotopolku_domain::validation::FieldViolation;
use kotopolku_service::customers::{CustomerPage, CustomerSearch, HistoryEntry};
use serde::Serialize;
use serde_json::Value;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::{ApiJson, ApiQuery, parse_json};
use crate::problem::{ApiError, Problem};

/// The registration request: the customer's data and the duplicate confirmation.
#[derive(Debug, utoipa::ToSchema)]
pub struct CustomerRegistration {
    #[serde(flatten)]
    pub customer: CustomerInput,
    /// Register even though customers with the same birth date and a similar name exist.
    #[serde(default)]
    pub confirm_not_duplicate: bool,
}

/// The update request: the customer's whole basic data and the version it replaces.
#[derive(Debug, utoipa::ToSchema)]
pub struct CustomerUpdate {
    #[serde(flatten)]
    pub customer: CustomerInput,
    /// The `version` of the customer as last read; a stale version is refused with 409.
    pub version: i64,
}

impl CustomerRegistration {
    fn from_body(body: Value) -> Result<Self, ApiError> {
        let (confirm, customer) = split_control_field(body, "confirm_not_duplicate")?;
        let confirm_not_duplicate = match confirm {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => b,
            Some(_) => {
                return Err(invalid(
                    "confirm_not_duplicate",
                    "invalid_value",
                    "must be true or false",
                ));
            }
        };
        Ok(Self {
            customer,
            confirm_not_duplicate,
        })
    }
}

impl CustomerUpdate {
    fn from_body(body: Value) -> Result<Self, ApiError> {
        let (version, customer) = split_control_field(body, "version")?;
        match version {
            None | Some(Value::Null) => Err(invalid(
                "version",
                "required",
                "the version of the customer as last read is required",
            )),
            Some(value) => match value.as_i64() {
                Some(version) => Ok(Self { customer, version }),
                None => Err(invalid("version", "invalid_value", "must be an integer")),
            },
        }
    }
}

fn invalid(field: &str, code: &'static str, message: &str) -> ApiError {
    Problem::validation(vec![FieldViolation {
        field: field.into(),
        code,
        message: message.into(),
    }])
    .into()
}

/// A customer's history of changes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerHistory {
    pub customer_id: String,
    pub entries: Vec<HistoryEntry>,
}

/// Splits one control field (such as `version`) off a JSON object so that the rest can be read as a
/// [`CustomerInput`], which refuses unknown fields (serde cannot combine that with `flatten`).
fn split_control_field(body: Value, name: &str) -> Result<(Option<Value>, CustomerInput), ApiError> {
    let Value::Object(mut object) = body else {
        return Err(invalid("", "invalid_value", "the body must be a JSON object"));
    };
    let control = object.remove(name);
    let input = parse_json(&serde_json::to_vec(&Value::Object(object)).unwrap_or_default())?;
    Ok((control, input))
}

#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers",
    request_body = CustomerRegistration,
    responses(
        (status = 201, description = "Registered", body = Customer),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Identity code in use (`duplicate_identity_code`) or likely duplicate (`likely_duplicate`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let registration = CustomerRegistration::from_body(body)?;
    let customer = state
        .services
        .register_customer(&actor, &registration.customer, registration.confirm_not_duplicate)
        .await?;
    let location = format!("/api/v1/customers/{}", customer.id);
    let mut response = (StatusCode::CREATED, Json(customer)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

#[utoipa::path(
    get, path = "/api/v1/customers", tag = "customers",
    params(CustomerSearch),
    responses(
        (status = 200, description = "One page of matching customers", body = CustomerPage),
        (status = 400, description = "A parameter is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A criterion is not valid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiQuery(search): ApiQuery<CustomerSearch>,
) -> Result<Json<CustomerPage>, ApiError> {
    Ok(Json(state.services.search_customers(&actor, &search).await?))
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn read(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(state.services.customer(&actor, &id).await?))
}

#[utoipa::path(
    put, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = CustomerUpdate,
    responses(
        (status = 200, description = "The updated customer", body = Customer),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale version or identity code in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Customer>, ApiError> {
    let update = CustomerUpdate::from_body(body)?;
    Ok(Json(
        state
            .services
            .update_customer(&actor, &id, &update.customer, update.version)
            .await?,
    ))
}

#[utoipa::path(
    post, path = "/api/v1/customers/{id}/end", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = EndCustomership,
    responses(
        (status = 200, description = "The customer with the customership ended", body = Customer),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale version or already ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn end(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    ApiJson(end): ApiJson<EndCustomership>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(state.services.end_customership(&actor, &id, &end).await?))
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/history", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "Every change, oldest first", body = CustomerHistory),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn history(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<CustomerHistory>, ApiError> {
    let entries = state.services.customer_history(&actor, &id).await?;
    Ok(Json(CustomerHistory {
        customer_id: id,
        entries,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/subject-access", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "Everything held about the customer, for their right of access (GDPR article 15): \
            basic data, its history, every version of every process record, county involvements, legacy sources and \
            everyone who has read or changed the data (supervisors; audited as a disclosure)",
            body = kotopolku_service::subject_access::SubjectAccessReport),
        (status = 403, description = "The role may not answer access requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer in your scope", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn subject_access(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<kotopolku_service::subject_access::SubjectAccessReport>, ApiError> {
    Ok(Json(state.services.subject_access(&actor, &id).await?))
}

/// Who has seen or changed a customer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessLog {
    pub customer_id: String,
    /// Newest first.
    pub entries: Vec<kotopolku_domain::audit::AuditRow>,
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/access-log", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "Every recorded access, newest first (supervisors)", body = AccessLog),
        (status = 403, description = "The role may not read access logs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such customer in your scope", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn access_log(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<AccessLog>, ApiError> {
    let entries = state.services.customer_access_log(&actor, &id).await?;
    Ok(Json(AccessLog {
        customer_id: id,
        entries,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/customers/{id}/county-involvements", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The wellbeing counties involved in the customer's multisectoral process", body = Vec<kotopolku_domain::directory::CountyInvolvement>),
        (status = 404, description = "No such customer in your scope", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn involvements(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<kotopolku_domain::directory::CountyInvolvement>>, ApiError> {
    Ok(Json(state.services.county_involvements(&actor, &id).await?))
}

#[utoipa::path(
    post, path = "/api/v1/customers/{id}/county-involvements", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = kotopolku_service::directory::NewCountyInvolvement,
    responses(
        (status = 201, description = "The county is involved; its workers may see the customer", body = kotopolku_domain::directory::CountyInvolvement),
        (status = 404, description = "No such customer in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn start_involvement(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    ApiJson(new): ApiJson<kotopolku_service::directory::NewCountyInvolvement>,
) -> Result<Response, ApiError> {
    let involvement = state.services.start_county_involvement(&actor, &id, &new).await?;
    Ok((StatusCode::CREATED, Json(involvement)).into_response())
}

#[utoipa::path(
    post, path = "/api/v1/customers/{id}/county-involvements/{involvement_id}/end", tag = "customers",
    params(("id" = String, Path, description = "Customer id"), ("involvement_id" = String, Path, description = "Involvement id")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such active involvement in your scope", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn end_involvement(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path((id, involvement_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .end_county_involvement(&actor, &id, &involvement_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
