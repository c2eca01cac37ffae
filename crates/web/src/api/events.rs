//! `GET /api/v1/events`: the change feed of the customers in the caller's scope.

use axum::Json;
use axum::extract::State;
use kotopolku_service::events::ChangeEventPage;
use serde::Deserialize;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// The `cursor` of the last event already handled (or `next_cursor` of the last page); none:
    /// from the first change.
    pub after: Option<String>,
    /// Events per page, 1-1000 (default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/events", tag = "events",
    params(EventsQuery),
    responses(
        (status = 200, description = "Changes to the customers in scope after the cursor, oldest first: ordered, \
            gap-free and resumable (a change that commits later always gets a later cursor). Ids and kinds of \
            change only; read the changed data through its own endpoint", body = ChangeEventPage),
        (status = 403, description = "The role may not read the change feed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a cursor of this feed, or a limit out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Json<ChangeEventPage>, ApiError> {
    Ok(Json(
        state
            .services
            .change_events(&actor, query.after.as_deref(), query.limit)
            .await?,
    ))
}
