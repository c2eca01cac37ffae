//! The pages' static files, compiled into the binary.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const APP_CSS: &str = include_str!("../../../assets/app.css");
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
    asset(APP_CSS, "text/css; charset=utf-8")
}

pub async fn app_js() -> Response {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

pub async fn htmx() -> Response {
    asset(HTMX_JS, "text/javascript; charset=utf-8")
}
