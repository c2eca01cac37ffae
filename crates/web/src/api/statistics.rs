//! `/api/v1/statistics`: protected aggregate statistics (issue 6) as JSON, CSV or XLSX; the areas
//! the caller may read; the indicators' definitions; open data; and a refresh for administrators.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_domain::statistics::{INDICATORS, IndicatorDefinition};
use kotopolku_report::tabular::{Cell, CsvOptions, Delimiter, Table, to_csv, to_xlsx};
use kotopolku_service::statistics::{AreaStatistics, AreaSummary, Freshness, OpenData};
use serde::Deserialize;

use crate::AppState;
use crate::auth::RequestActor;
use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};

/// How to answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TableFormat {
    #[default]
    Json,
    Csv,
    Xlsx,
}

/// The field separator of CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvSeparator {
    Comma,
    Semicolon,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// `nation`, `rc-1` (regional state centre), `r-01` (region), `wc-90` (wellbeing county) or
    /// `m-091` (municipality); default: your organisation's own area.
    pub area: Option<String>,
    /// `all`, `earlier`, a year `2025`, a quarter `2025-Q3` (not for a municipality); default: this year.
    pub period: Option<String>,
    /// `json` (default), `csv` or `xlsx`: a table of every figure, one row each.
    pub format: Option<TableFormat>,
    /// With `format=csv`: `comma` (default) or `semicolon` (Excel in a Finnish locale; decimal comma).
    pub delimiter: Option<CsvSeparator>,
    /// With `format=csv`: start with a UTF-8 byte order mark (for Excel); default false.
    pub bom: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OpenDataQuery {
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<TableFormat>,
    pub delimiter: Option<CsvSeparator>,
    pub bom: Option<bool>,
}

/// The word for a suppressed figure in tables: never a number someone could mistake for a count.
pub const SUPPRESSED: &str = "suppressed";

fn value_cell(value: Option<f64>) -> Cell {
    match value {
        None => Cell::Text(SUPPRESSED.into()),
        Some(v) if v.fract() == 0.0 => Cell::Integer(v as i64),
        Some(v) => Cell::Decimal((v * 10.0).round() / 10.0),
    }
}

/// One row per figure: the area, the period, the indicator, the category and the value.
fn figures_table(
    name: &str,
    rows: impl Iterator<Item = (String, String, String, String, String, Option<f64>)>,
) -> Table {
    Table {
        name: name.into(),
        headers: ["area", "area_name", "period", "indicator", "category", "value"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .map(|(area, area_name, period, indicator, category, value)| {
                vec![
                    Cell::Text(area),
                    Cell::Text(area_name),
                    Cell::Text(period),
                    Cell::Text(indicator),
                    Cell::Text(category),
                    value_cell(value),
                ]
            })
            .collect(),
    }
}

fn area_rows(view: &AreaStatistics) -> Vec<(String, String, String, String, String, Option<f64>)> {
    let mut rows = Vec::new();
    let mut push = |area: &AreaSummary, figures: &kotopolku_service::statistics::FigureMap| {
        for (indicator, categories) in figures {
            for (category, value) in categories {
                rows.push((
                    area.key.clone(),
                    area.name_fi.clone(),
                    view.period.clone(),
                    indicator.clone(),
                    category.clone(),
                    *value,
                ));
            }
        }
    };
    push(&view.area, &view.figures);
    for part in &view.parts {
        push(&part.area, &part.figures);
    }
    rows
}

fn download(
    table: &Table,
    format: TableFormat,
    delimiter: Option<CsvSeparator>,
    bom: Option<bool>,
    stem: &str,
) -> Response {
    let (body, content_type, extension) = match format {
        TableFormat::Xlsx => (
            to_xlsx(std::slice::from_ref(table)),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => (
            to_csv(
                table,
                CsvOptions {
                    delimiter: match delimiter {
                        Some(CsvSeparator::Semicolon) => Delimiter::Semicolon,
                        _ => Delimiter::Comma,
                    },
                    byte_order_mark: bom.unwrap_or(false),
                },
            ),
            "text/csv; charset=utf-8; header=present",
            "csv",
        ),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{extension}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn csv_only(format: TableFormat, delimiter: &Option<CsvSeparator>, bom: &Option<bool>) -> Result<(), ApiError> {
    if format != TableFormat::Csv {
        for (name, given) in [("delimiter", delimiter.is_some()), ("bom", bom.is_some())] {
            if given {
                return Err(
                    Problem::invalid_query(vec![kotopolku_domain::validation::FieldViolation {
                        field: name.into(),
                        code: "csv_only",
                        message: "only for format=csv".into(),
                    }])
                    .into(),
                );
            }
        }
    }
    Ok(())
}

#[utoipa::path(
    get, path = "/api/v1/statistics", tag = "statistics", params(StatisticsQuery),
    responses(
        (status = 200, description = "The area's figures for the period, with the areas directly within it and the new customers over the finer periods. Every figure is protected: counts under the threshold and whatever would reveal them are `null` (in tables: `suppressed`); a category not listed is zero.", body = AreaStatistics),
        (status = 400, description = "An unknown area or period (`invalid_query`, naming it)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role reads no statistics, or the area is outside the organisation's area", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn area(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
    ApiQuery(query): ApiQuery<StatisticsQuery>,
) -> Result<Response, ApiError> {
    let format = query.format.unwrap_or_default();
    csv_only(format, &query.delimiter, &query.bom)?;
    let view = state
        .services
        .area_statistics(&actor, query.area.as_deref(), query.period.as_deref())
        .await?;
    if format == TableFormat::Json {
        return Ok(Json(view).into_response());
    }
    let table = figures_table("statistics", area_rows(&view).into_iter());
    let stem = format!("kotopolku-statistics-{}-{}", view.area.key, view.period);
    Ok(download(&table, format, query.delimiter, query.bom, &stem))
}

#[utoipa::path(
    get, path = "/api/v1/statistics/areas", tag = "statistics",
    responses((status = 200, description = "The areas whose statistics you may read, the widest first", body = [AreaSummary]))
)]
pub async fn areas(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
) -> Result<Json<Vec<AreaSummary>>, ApiError> {
    Ok(Json(state.services.statistics_areas(&actor).await?))
}

#[utoipa::path(
    get, path = "/api/v1/statistics/indicators", tag = "statistics",
    responses((status = 200, description = "Every indicator with its written definition (public)", body = Object))
)]
pub async fn indicators() -> Json<&'static [IndicatorDefinition]> {
    Json(INDICATORS)
}

#[utoipa::path(
    get, path = "/api/v1/statistics/open-data", tag = "statistics", params(OpenDataQuery),
    responses((status = 200, description = "Open data (public): every area's protected figures for all time and each year, the same figures the dashboards show", body = OpenData))
)]
pub async fn open_data(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<OpenDataQuery>,
) -> Result<Response, ApiError> {
    let format = query.format.unwrap_or_default();
    csv_only(format, &query.delimiter, &query.bom)?;
    let data = state.services.statistics_open_data().await?;
    if format == TableFormat::Json {
        return Ok(Json(data).into_response());
    }
    let tree = kotopolku_domain::statistics::AreaTree::get();
    let table = figures_table(
        "open-data",
        data.figures.into_iter().map(|f| {
            let name = tree.area(&f.area).map(|a| a.name.fi.clone()).unwrap_or_default();
            (f.area, name, f.period, f.indicator, f.category, f.value)
        }),
    );
    Ok(download(
        &table,
        format,
        query.delimiter,
        query.bom,
        "kotopolku-open-data",
    ))
}

#[utoipa::path(
    post, path = "/api/v1/statistics/refresh", tag = "statistics",
    responses(
        (status = 200, description = "The figures were made again now", body = Freshness),
        (status = 403, description = "Only administrators refresh on demand", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    RequestActor(actor): RequestActor,
) -> Result<Json<Freshness>, ApiError> {
    Ok(Json(state.services.refresh_statistics_as(&actor).await?))
}
