//! `/api/v1/code-lists`: the code lists built into the binary.

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::code_lists::{self, CodeListName};
use serde::Serialize;

use crate::problem::Problem;

/// A code list without its entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CodeListSummary {
    pub name: &'static str,
    #[schema(value_type = Object)]
    pub title: code_lists::Localized,
    pub source: &'static str,
    pub entry_count: usize,
    pub href: String,
}

#[utoipa::path(
    get, path = "/api/v1/code-lists", tag = "code lists",
    responses((status = 200, description = "The code lists", body = Vec<CodeListSummary>))
)]
pub async fn index() -> Response {
    let lists: Vec<CodeListSummary> = CodeListName::ALL
        .iter()
        .map(|&name| {
            let list = code_lists::list(name);
            CodeListSummary {
                name: list.name,
                title: list.title.clone(),
                source: list.source,
                entry_count: list.entries.len(),
                href: format!("/api/v1/code-lists/{}", list.name),
            }
        })
        .collect();
    cacheable(Json(lists).into_response())
}

#[utoipa::path(
    get, path = "/api/v1/code-lists/{name}", tag = "code lists",
    params(("name" = String, Path, description = "municipalities, countries, languages, residence-bases, target-groups, cefr-levels, isced-levels, occupations or customership-end-reasons")),
    responses(
        (status = 200, description = "The list with its entries: `code` and names in `fi`, `sv`, `en`", body = Object),
        (status = 404, description = "No such list", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn show(Path(name): Path<String>) -> Response {
    match CodeListName::parse(&name) {
        Some(name) => cacheable(Json(code_lists::list(name)).into_response()),
        None => Problem::not_found()
            .detail(format!("no code list named {name}"))
            .into_response(),
    }
}

/// Code lists hold no personal data and change only with a new release.
fn cacheable(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}
