//! `/api/v1/exports/national-repository`: the delivery to the national integration data repository
//! (681/2023 §74, Decree 874/2024), as one JSON document or as CSV tables; and
//! `/api/v1/schemas/national-repository-export.json`, the JSON Schema of that document.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use kotopolku_domain::repository_export::ExportDocument;
use kotopolku_domain::validation::FieldViolation;
use kotopolku_report::repository_export::{assessments_table, plans_table};
use kotopolku_report::tabular::{CsvOptions, Delimiter, to_csv};
use serde::Deserialize;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};

/// The hand-written JSON Schema (draft 2020-12) of the export document, as committed.
pub const SCHEMA: &str = include_str!("../../../../docs/schemas/national-repository-export.schema.json");

/// The export's format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Json,
    Csv,
}

/// The table of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportTable {
    Assessments,
    Plans,
}

/// The field separator of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvDelimiter {
    Comma,
    Semicolon,
}

/// What to export and how.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// The first day of the period (yyyy-mm-dd): assessments started and plans drawn up from it.
    pub from: NaiveDate,
    /// The last day of the period, inclusive; at most 366 days after `from`, counting both.
    pub to: NaiveDate,
    /// `json` (default): the whole document; `csv`: one table, named by `table`.
    pub format: Option<ExportFormat>,
    /// With `format=csv`, required: `assessments` or `plans` (one row per record).
    pub table: Option<ExportTable>,
    /// With `format=csv`: `comma` (default) or `semicolon` (Excel in a Finnish locale).
    pub delimiter: Option<CsvDelimiter>,
    /// With `format=csv`: start the file with a UTF-8 byte order mark (for Excel); default false.
    pub bom: Option<bool>,
}

fn invalid(field: &str, code: &'static str, message: &str) -> ApiError {
    Problem::invalid_query(vec![FieldViolation {
        field: field.into(),
        code,
        message: message.into(),
    }])
    .into()
}

#[utoipa::path(
    get, path = "/api/v1/exports/national-repository", tag = "exports", params(ExportQuery),
    responses(
        (status = 200, description = "The assessments started and the plans drawn up within the period, of the customers of your unit's municipalities (current versions only), as JSON following the schema at /api/v1/schemas/national-repository-export.json, or with `format=csv` one table as CSV. Each exported customer gets an audit row.", body = ExportDocument),
        (status = 400, description = "A parameter is missing or unusable (`invalid_query`, naming it: e.g. `to` before `from`, or a period over 366 days)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only a municipal unit's supervisor makes the export", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn national_repository(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = query.format.unwrap_or_default();
    let table = match (format, query.table) {
        (ExportFormat::Csv, Some(table)) => Some(table),
        (ExportFormat::Csv, None) => {
            return Err(invalid(
                "table",
                "required",
                "a CSV export is one table: assessments or plans",
            ));
        }
        (ExportFormat::Json, None) => None,
        (ExportFormat::Json, Some(_)) => {
            return Err(invalid(
                "table",
                "csv_only",
                "tables are for format=csv; JSON holds both",
            ));
        }
    };
    if format == ExportFormat::Json {
        for (name, given) in [("delimiter", query.delimiter.is_some()), ("bom", query.bom.is_some())] {
            if given {
                return Err(invalid(name, "csv_only", "only for format=csv"));
            }
        }
    }
    let document = state.services.national_export(&actor, query.from, query.to).await?;
    let Some(table) = table else {
        return Ok(Json(document).into_response());
    };
    let (name, table) = match table {
        ExportTable::Assessments => ("assessments", assessments_table(&document)),
        ExportTable::Plans => ("plans", plans_table(&document)),
    };
    let options = CsvOptions {
        delimiter: match query.delimiter {
            Some(CsvDelimiter::Semicolon) => Delimiter::Semicolon,
            Some(CsvDelimiter::Comma) | None => Delimiter::Comma,
        },
        byte_order_mark: query.bom.unwrap_or(false),
    };
    let filename = format!(
        "attachment; filename=\"national-repository-{name}-{}-{}.csv\"",
        document.period.from, document.period.to
    );
    let mut response = (StatusCode::OK, to_csv(&table, options)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[utoipa::path(
    get, path = "/api/v1/schemas/national-repository-export.json", tag = "exports",
    responses((status = 200, description = "The JSON Schema (draft 2020-12) of the national repository export document; public, it holds no personal data", content_type = "application/schema+json"))
)]
pub async fn schema() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/schema+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCHEMA,
    )
        .into_response()
}
