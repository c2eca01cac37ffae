//! Cross-cutting HTTP behaviour: request ids, access logging, metrics, limits and load shedding,
//! security headers and the marker of a training environment.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::metrics::ShedReason;
use crate::problem::Problem;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `training` in a training environment (`kotopolku demo`), so that a script or integration can tell
/// that what it reads is synthetic and that nothing real belongs there. Absent otherwise.
pub const ENVIRONMENT: HeaderName = HeaderName::from_static("x-kotopolku-environment");

/// The id of the request being served, for audit rows and logs.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Routes served however busy the server is and however long they take: a load balancer must be
/// able to ask whether the process is alive and ready, and Prometheus to see the overload, exactly
/// when everything else is refused.
const EXEMPT_FROM_SHEDDING: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Routes whose work is long by nature and must not be cut off half-way: a statistics refresh at
/// national scale takes minutes of processor time. They still count against the in-flight limit.
const EXEMPT_FROM_TIMEOUT: [&str; 1] = ["/api/v1/statistics/refresh"];

/// What [`request_context`] needs: the application and the slots of the requests in flight, one
/// [`Semaphore`] shared by every route of a router (`Router::layer` clones this into each route).
#[derive(Clone)]
pub(crate) struct RequestContext {
    app: crate::AppState,
    in_flight_slots: Arc<Semaphore>,
}

impl RequestContext {
    pub(crate) fn new(app: crate::AppState) -> Self {
        let slots = app.limits.max_in_flight.min(Semaphore::MAX_PERMITS);
        Self {
            app,
            in_flight_slots: Arc::new(Semaphore::new(slots)),
        }
    }
}

/// What the code serving a request may want to know of it without having the request at hand:
/// [`Problem`]'s `into_response` puts the request id into every problem body, and the configured
/// `Retry-After` into every 503.
#[derive(Debug, Clone)]
struct RequestScope {
    request_id: String,
    retry_after_seconds: u64,
}

tokio::task_local! {
    static CURRENT_REQUEST: RequestScope;
}

/// The id of the request the calling task is serving, if it serves one.
pub(crate) fn current_request_id() -> Option<String> {
    CURRENT_REQUEST.try_with(|scope| scope.request_id.clone()).ok()
}

/// How many seconds a client should wait before retrying a 503: the configured
/// [`crate::Limits::retry_after_seconds`] inside a request, the default outside one.
pub(crate) fn current_retry_after_seconds() -> u64 {
    CURRENT_REQUEST
        .try_with(|scope| scope.retry_after_seconds)
        .unwrap_or_else(|_| crate::Limits::default().retry_after_seconds)
}

/// The address of the client a request came from (see [`client_address`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

/// The client's address: the connection's peer, unless the peer is a trusted reverse proxy; then the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. Entries further left
/// were written by the client and could be anything, so they are never taken.
fn client_address(request: &Request, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(address) if trusted.contains(&address) => continue,
            Ok(address) => return Some(address),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

/// Gives every request an id (echoed in `X-Request-Id` and in every problem body), keeps it within
/// the limits (see [`serve_within_limits`]), logs and counts it without personal data (the route
/// template, never the concrete path or query, which may hold an identity code or a name), and
/// sets headers that keep responses out of shared caches and other origins; in a training
/// environment it also sends `X-Kotopolku-Environment: training`.
pub(crate) async fn request_context(
    axum::extract::State(context): axum::extract::State<RequestContext>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let state = &context.app;
    let _in_flight = state.metrics.in_flight();
    let request_id = uuid::Uuid::now_v7().to_string();
    request.extensions_mut().insert(RequestId(request_id.clone()));
    if let Some(address) = client_address(&request, &state.trusted_proxies) {
        request.extensions_mut().insert(ClientAddress(address));
    }
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let scope = RequestScope {
        request_id: request_id.clone(),
        retry_after_seconds: state.limits.retry_after_seconds,
    };
    let mut response = CURRENT_REQUEST
        .scope(scope, serve_within_limits(&context, &route, request, next))
        .await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Pages may load Kotopolku's own stylesheets and scripts, and htmx may ask Kotopolku itself;
    // nothing else ever loads anything, and no page runs inline script or style.
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if is_html {
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        } else {
            "default-src 'none'; frame-ancestors 'none'"
        }),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if state.training() {
        headers.insert(ENVIRONMENT, HeaderValue::from_static("training"));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    state
        .metrics
        .record_request(&method, &route, response.status(), started.elapsed());
    tracing::info!(
        request_id,
        %method,
        route,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// Serves at most [`crate::Limits::max_in_flight`] requests at once: one more is answered at once
/// 503 `overloaded`, since a queue would only make every waiting client time out later. A request
/// that runs longer than [`crate::Limits::request_timeout`] is dropped, which rolls back its
/// transaction (a `Tx` dropped uncommitted), and answered 503 `request_timeout`. Both say when to
/// retry (`Retry-After`). Health checks and metrics are exempt ([`EXEMPT_FROM_SHEDDING`]). The
/// timeout bounds the time to the response's head; a body streamed afterwards is not cut.
async fn serve_within_limits(context: &RequestContext, route: &str, request: Request, next: Next) -> Response {
    if EXEMPT_FROM_SHEDDING.contains(&route) {
        return next.run(request).await;
    }
    let state = &context.app;
    let Ok(_slot) = context.in_flight_slots.try_acquire() else {
        state.metrics.record_shed(ShedReason::Overloaded);
        tracing::warn!(
            route,
            max_in_flight = state.limits.max_in_flight,
            "request shed: too many in flight"
        );
        return Problem::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "The server is busy")
            .detail("too many requests are being served; try again shortly")
            .into_response();
    };
    if EXEMPT_FROM_TIMEOUT.contains(&route) {
        return next.run(request).await;
    }
    match tokio::time::timeout(state.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => {
            state.metrics.record_shed(ShedReason::Timeout);
            tracing::warn!(
                route,
                timeout_ms = state.limits.request_timeout.as_millis(),
                "request shed: ran too long, its uncommitted work rolled back"
            );
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "request_timeout",
                "The request took too long",
            )
            .detail("the request was abandoned and its uncommitted work rolled back; try again shortly")
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(peer: &str, forwarded: Option<&str>) -> Request {
        let mut request = Request::new(axum::body::Body::empty());
        let peer: SocketAddr = format!("{peer}:40000").parse().expect("address");
        request.extensions_mut().insert(ConnectInfo(peer));
        if let Some(forwarded) = forwarded {
            request
                .headers_mut()
                .insert("x-forwarded-for", HeaderValue::from_str(forwarded).expect("header"));
        }
        request
    }

    #[test]
    fn the_client_address_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.5".parse().expect("ip");
        let trusted = [proxy];
        let address = |peer, forwarded| client_address(&from(peer, forwarded), &trusted).map(|a| a.to_string());
        assert_eq!(address("10.0.0.5", Some("203.0.113.7")).as_deref(), Some("203.0.113.7"));
        // The client's own entries (left of the one the proxy added) are not believed.
        assert_eq!(
            address("10.0.0.5", Some("198.51.100.1, 203.0.113.7")).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            address("10.0.0.5", Some("203.0.113.7, 10.0.0.5")).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(address("10.0.0.5", None).as_deref(), Some("10.0.0.5"));
        assert_eq!(address("10.0.0.5", Some("not-an-address")).as_deref(), Some("10.0.0.5"));
        // A client that is not the proxy cannot choose its address.
        assert_eq!(address("192.0.2.9", Some("203.0.113.7")).as_deref(), Some("192.0.2.9"));
    }

    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("body");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    #[tokio::test]
    async fn problems_carry_the_request_id_and_every_503_a_retry_after() {
        let scope = RequestScope {
            request_id: "0190a0a0-0000-7000-8000-000000000000".into(),
            retry_after_seconds: 9,
        };
        let (unavailable, not_found) = CURRENT_REQUEST
            .scope(scope, async {
                (
                    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "Down").into_response(),
                    Problem::not_found().into_response(),
                )
            })
            .await;
        assert_eq!(
            unavailable
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("9")
        );
        assert!(not_found.headers().get(header::RETRY_AFTER).is_none());
        for response in [unavailable, not_found] {
            assert_eq!(
                body_json(response).await["request_id"],
                "0190a0a0-0000-7000-8000-000000000000"
            );
        }
    }

    #[tokio::test]
    async fn outside_a_request_a_problem_has_no_request_id_and_a_503_the_default_retry_after() {
        let response = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", "Busy").into_response();
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
        assert!(body_json(response).await.get("request_id").is_none());
    }
}
