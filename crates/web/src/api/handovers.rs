//! Moving municipality: hand-overs of customers between municipalities' units.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kotopolku_domain::handover::{DeclineHandover, Handover, NewHandover};
use kotopolku_service::handovers::Handovers;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};

#[utoipa::path(
    post, path = "/api/v1/customers/{id}/handovers", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    request_body = NewHandover,
    responses(
        (status = 201, description = "Waiting for the new municipality's unit to accept", body = Handover),
        (status = 404, description = "No such customer in your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A hand-over is already waiting (`handover_pending`), or the customership has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a municipality, or the present one", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    ApiJson(new): ApiJson<NewHandover>,
) -> Result<(StatusCode, Json<Handover>), ApiError> {
    let handover = state.services.request_handover(&actor, &id, &new).await?;
    Ok((StatusCode::CREATED, Json(handover)))
}

#[utoipa::path(
    get, path = "/api/v1/handovers", tag = "customers",
    responses(
        (status = 200, description = "Hand-overs into the unit's municipalities (with whom they are about; pending first) and out of them", body = Handovers),
        (status = 403, description = "The role does not receive hand-overs", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
) -> Result<Json<Handovers>, ApiError> {
    Ok(Json(state.services.handovers(&actor).await?))
}

#[utoipa::path(
    post, path = "/api/v1/handovers/{id}/accept", tag = "customers",
    params(("id" = String, Path, description = "Hand-over id")),
    responses(
        (status = 200, description = "The customer now lives in the new municipality and belongs to its unit", body = Handover),
        (status = 404, description = "No such hand-over into your municipalities", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already accepted, declined or cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn accept(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<Handover>, ApiError> {
    Ok(Json(state.services.accept_handover(&actor, &id).await?))
}

#[utoipa::path(
    post, path = "/api/v1/handovers/{id}/decline", tag = "customers",
    params(("id" = String, Path, description = "Hand-over id")),
    request_body = DeclineHandover,
    responses(
        (status = 200, description = "Declined; the customer stays with the old unit", body = Handover),
        (status = 404, description = "No such hand-over into your municipalities", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already accepted, declined or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn decline(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
    ApiJson(decline): ApiJson<DeclineHandover>,
) -> Result<Json<Handover>, ApiError> {
    Ok(Json(state.services.decline_handover(&actor, &id, &decline).await?))
}

#[utoipa::path(
    post, path = "/api/v1/handovers/{id}/cancel", tag = "customers",
    params(("id" = String, Path, description = "Hand-over id")),
    responses(
        (status = 200, description = "Withdrawn by the old unit", body = Handover),
        (status = 404, description = "No such hand-over out of your municipalities", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already accepted, declined or cancelled", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    Path(id): Path<String>,
) -> Result<Json<Handover>, ApiError> {
    Ok(Json(state.services.cancel_handover(&actor, &id).await?))
}
