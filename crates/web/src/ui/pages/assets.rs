//! The pages' static files, compiled into the binary.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kotopolku_report::chart::CHART_CSS;

const APP_CSS: &str = include_str!("../../../assets/app.css");
/// The one stylesheet of the pages: the application's, then the charts' (the statistics pages embed
/// SVG charts whose class names it styles; it is kept in the report crate beside the chart code).
static STYLESHEET: LazyLock<String> = LazyLock::new(|| format!("{APP_CSS}\n{CHART_CSS}"));
const APP_JS: &str = include_str!("../../../assets/app.js");
/// htmx 2.0.11 (BSD Zero Clause licence), vendored: no JavaScript build step, no CDN.
const HTMX_JS: &str = include_str!("../../../assets/htmx.min.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

pub async fn css() -> Response {
    asset(STYLESHEET.as_str(), "text/css; charset=utf-8")
}

pub async fn app_js() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

pub async fn htmx() -> Response {
    asset(HTMX_JS, "text/javascript; charset=utf-8")
}
