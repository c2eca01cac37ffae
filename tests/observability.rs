//! Operations: the Prometheus metrics (read back by the reference parser, Python's
//! `prometheus_client`), request ids in problem responses and audit rows, load shedding, the
//! request timeout and the body limit.
//!
//! The parser runs as `tools/parse-metrics.py` under the interpreter at `KOTOPOLKU_TEST_PYTHON`
//! (default `target/test-python/bin/python3`, which `scripts/test` makes); without it the tests fail.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use kotopolku_web::Limits;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::on_both_backends;
use crate::support::{As, Reply, TestApp};

on_both_backends!(
    metrics_parse_with_the_reference_parser_and_hold_no_personal_data,
    every_problem_carries_the_request_id_of_its_response_and_audit_row,
);

/// Like `on_both_backends!`, for tests that need other [`Limits`] than the default.
macro_rules! on_both_backends_with_limits {
    ($($name:ident => $limits:expr),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let app = $crate::support::TestApp::start_with_limits(kotopolku_store::Backend::Sqlite, $limits).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
                #[tokio::test]
                async fn postgres() {
                    let app = $crate::support::TestApp::start_with_limits(kotopolku_store::Backend::Postgres, $limits).await;
                    super::$name(&app).await;
                    app.finish().await;
                }
            }
        )*
    };
}

on_both_backends_with_limits!(
    a_request_over_the_in_flight_limit_is_shed_but_health_checks_are_not => kotopolku_web::Limits {
        max_in_flight: 1,
        retry_after_seconds: 7,
        ..kotopolku_web::Limits::default()
    },
    a_request_running_too_long_is_answered_503_request_timeout => kotopolku_web::Limits {
        request_timeout: std::time::Duration::from_millis(300),
        ..kotopolku_web::Limits::default()
    },
    a_body_over_the_limit_is_refused_with_413 => kotopolku_web::Limits {
        max_body_bytes: 1024,
        ..kotopolku_web::Limits::default()
    },
    metrics_can_be_served_on_a_listener_of_their_own => kotopolku_web::Limits {
        metrics_on_main: false,
        ..kotopolku_web::Limits::default()
    },
);

/// A synthetic person whose name and identity code must never show in the metrics.
const FAMILY_NAME: &str = "Hiidenkivi";
const GIVEN_NAMES: &str = "Sulevi";
const IDENTITY_CODE: &str = "170387-427L";

fn synthetic_person() -> Value {
    json!({
        "identity_code": IDENTITY_CODE,
        "family_name": FAMILY_NAME,
        "given_names": GIVEN_NAMES,
        "municipality_code": "091",
        "customership_start": "2026-03-01"
    })
}

/// The Python that has `prometheus_client`.
fn python() -> PathBuf {
    std::env::var_os("KOTOPOLKU_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-python/bin/python3"))
}

/// The metrics families as `prometheus_client.parser.text_string_to_metric_families` reads `text`.
fn parse_with_reference_parser(text: &str) -> Vec<Value> {
    let python = python();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/parse-metrics.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run {}: {error}. Run scripts/test (it makes that venv with prometheus_client) or set \
                 KOTOPOLKU_TEST_PYTHON to a python3 that has prometheus_client",
                python.display()
            )
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write metrics to the parser");
    let output = child.wait_with_output().expect("parser output");
    assert!(
        output.status.success(),
        "the reference parser refused the metrics (or prometheus_client is missing):\n{}\n--- metrics ---\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("parser output is JSON")
}

fn family<'a>(families: &'a [Value], name: &str) -> &'a Value {
    families
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no family {name} in {families:#?}"))
}

/// The value of the sample `name` whose labels include every one of `labels`.
fn sample_value(family: &Value, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    family["samples"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == name && labels.iter().all(|(label, value)| s["labels"][label] == *value))
        .and_then(|s| s["value"].as_f64())
}

async fn metrics_text(app: &TestApp) -> String {
    let response = reqwest::get(app.url("/metrics")).await.expect("GET /metrics");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    response.text().await.expect("metrics text")
}

/// The value of an unlabelled sample or of one with exactly these labels, read from the text.
fn value_in_text(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

async fn metrics_parse_with_the_reference_parser_and_hold_no_personal_data(app: &TestApp) {
    let created = app.register(&synthetic_person()).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(app.get(&format!("/api/v1/customers/{id}")).await.status, 200);
    let by_name = app.get(&format!("/api/v1/customers?name={FAMILY_NAME}")).await;
    assert_eq!(
        by_name.body["customers"].as_array().map(Vec::len),
        Some(1),
        "{}",
        by_name.body
    );
    let by_code = app
        .get(&format!("/api/v1/customers?identity_code={IDENTITY_CODE}"))
        .await;
    assert_eq!(by_code.status, 200, "{}", by_code.body);
    app.get(&format!("/no-such-page/{IDENTITY_CODE}"))
        .await
        .assert_problem(404, "not_found");
    // The reads' audit rows are in the log: none waits in the read journal.
    app.services.audit_sink().flush().await.expect("flush");

    let text = metrics_text(app).await;
    let lower = text.to_lowercase();
    for personal in [FAMILY_NAME, GIVEN_NAMES, IDENTITY_CODE, "170387", &id] {
        assert!(
            !lower.contains(&personal.to_lowercase()),
            "{personal} occurs in the metrics:\n{text}"
        );
    }

    let families = parse_with_reference_parser(&text);
    let requests = family(&families, "kotopolku_http_requests");
    assert_eq!(requests["type"], "counter");
    let count = |method: &str, route: &str, status: &str| {
        sample_value(
            requests,
            "kotopolku_http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(count("POST", "/api/v1/customers", "201"), Some(1.0), "{text}");
    assert_eq!(count("GET", "/api/v1/customers", "200"), Some(2.0), "{text}");
    assert_eq!(count("GET", "/api/v1/customers/{id}", "200"), Some(1.0), "{text}");
    assert_eq!(count("GET", "unmatched", "404"), Some(1.0), "{text}");
    // Only route templates: never a concrete path, never a query.
    for sample in requests["samples"].as_array().expect("samples") {
        let route = sample["labels"]["route"].as_str().expect("route");
        assert!(
            route == "unmatched" || (route.starts_with('/') && !route.contains('?')),
            "{route}"
        );
    }

    let durations = family(&families, "kotopolku_http_request_duration_seconds");
    assert_eq!(durations["type"], "histogram");
    let search = [("method", "GET"), ("route", "/api/v1/customers")];
    let buckets: Vec<(f64, f64)> = durations["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .filter(|s| {
            s["name"] == "kotopolku_http_request_duration_seconds_bucket"
                && search.iter().all(|(label, value)| s["labels"][label] == *value)
        })
        .map(|s| {
            let le = s["labels"]["le"].as_str().expect("le");
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("bound")
            };
            (bound, s["value"].as_f64().expect("value"))
        })
        .collect();
    assert_eq!(buckets.len(), 12, "{buckets:?}");
    assert!(
        buckets.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
        "{buckets:?}"
    );
    assert_eq!(buckets.last(), Some(&(f64::INFINITY, 2.0)));
    assert_eq!(
        sample_value(durations, "kotopolku_http_request_duration_seconds_count", &search),
        Some(2.0)
    );
    let sum = sample_value(durations, "kotopolku_http_request_duration_seconds_sum", &search).expect("sum");
    assert!(sum.is_finite() && sum > 0.0, "{sum}");

    let gauge = |name: &str, labels: &[(&str, &str)]| sample_value(family(&families, name), name, labels);
    // The scrape itself is the one request in flight.
    assert_eq!(gauge("kotopolku_http_requests_in_flight", &[]), Some(1.0));
    let shed = family(&families, "kotopolku_http_requests_shed");
    for reason in ["overloaded", "timeout"] {
        assert_eq!(
            sample_value(shed, "kotopolku_http_requests_shed_total", &[("reason", reason)]),
            Some(0.0)
        );
    }
    let max = gauge("kotopolku_db_pool_max_connections", &[]).expect("max connections");
    let idle = gauge("kotopolku_db_pool_connections", &[("state", "idle")]).expect("idle");
    let in_use = gauge("kotopolku_db_pool_connections", &[("state", "in_use")]).expect("in use");
    assert!(
        max >= 1.0 && idle >= 0.0 && in_use >= 0.0 && idle + in_use <= max,
        "{text}"
    );
    assert_eq!(gauge("kotopolku_audit_queue_length", &[]), Some(0.0));
    assert!(
        family(&families, "kotopolku_audit_queue_length")["documentation"]
            .as_str()
            .is_some_and(|help| help.contains("own transaction"))
    );
    assert_eq!(gauge("kotopolku_audit_journal_rows", &[]), Some(0.0), "{text}");
    assert_eq!(
        gauge("kotopolku_build_info", &[("version", env!("CARGO_PKG_VERSION"))]),
        Some(1.0)
    );
    assert!(gauge("process_start_time_seconds", &[]).is_some_and(|t| t > 1_600_000_000.0));
}

/// Asserts a problem response whose body names the request id its `X-Request-Id` header gives, and
/// returns that id.
fn request_id_of_problem(reply: &Reply, status: u16, code: &str) -> String {
    reply.assert_problem(status, code);
    let header = reply
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("X-Request-Id")
        .to_owned();
    assert_eq!(reply.body["request_id"], header.as_str(), "{}", reply.body);
    let parsed = uuid::Uuid::parse_str(&header).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 7);
    header
}

async fn every_problem_carries_the_request_id_of_its_response_and_audit_row(app: &TestApp) {
    let created = app.register(&synthetic_person()).await;
    let id = created["id"].as_str().expect("id");
    let customer = format!("/api/v1/customers/{id}");

    let other_unit = app.get_as(As::CaseworkerB, &customer).await;
    let not_found_id = request_id_of_problem(&other_unit, 404, "not_found");
    let regional = app.get_as(As::RegionalOfficer, &customer).await;
    let denied_id = request_id_of_problem(&regional, 403, "forbidden");

    let mut ids = vec![not_found_id.clone(), denied_id.clone()];
    ids.push(request_id_of_problem(
        &app.post("/api/v1/customers", &json!({"family_name": ""})).await,
        422,
        "validation_failed",
    ));
    ids.push(request_id_of_problem(
        &app.post_raw("/api/v1/customers", "application/json", "{not json").await,
        400,
        "malformed_json",
    ));
    ids.push(request_id_of_problem(
        &app.post_raw("/api/v1/customers", "text/plain", "hello").await,
        415,
        "unsupported_media_type",
    ));
    ids.push(request_id_of_problem(&app.get("/no-such-page").await, 404, "not_found"));
    let unauthenticated =
        crate::support::Reply::from_response(reqwest::get(app.url("/api/v1/customers")).await.expect("GET")).await;
    ids.push(request_id_of_problem(&unauthenticated, 401, "unauthenticated"));
    let wrong_method = crate::support::Reply::from_response(
        app.client
            .delete(app.url("/api/v1/customers"))
            .send()
            .await
            .expect("DELETE"),
    )
    .await;
    ids.push(request_id_of_problem(&wrong_method, 405, "method_not_allowed"));
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "request ids repeat: {ids:?}");

    // The refusals' audit rows carry the ids the client was shown.
    let rows = crate::access::audit_rows(app).await;
    let request_id_of = |outcome: &str| {
        rows.iter()
            .find(|r| {
                r.entry.action == "customer.read"
                    && r.entry.outcome == outcome
                    && r.entry.customer_id.as_deref() == Some(id)
            })
            .and_then(|r| r.entry.request_id.clone())
    };
    assert_eq!(request_id_of("not_found"), Some(not_found_id));
    assert_eq!(request_id_of("denied"), Some(denied_id));
}

/// A registration sent over a raw connection with its head but not yet its body, so that the server
/// is serving it (waiting for the body) until [`HeldRequest::finish`] sends the body.
struct HeldRequest {
    stream: TcpStream,
    body: String,
}

impl HeldRequest {
    async fn start(app: &TestApp) -> Self {
        let address = app.base.trim_start_matches("http://").to_owned();
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        let body = synthetic_person().to_string();
        let head = format!(
            "POST /api/v1/customers HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            app.token(As::CaseworkerA),
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("send head");
        Self { stream, body }
    }

    /// Sends the body and reads the answer.
    async fn finish(mut self) -> (u16, String) {
        self.stream.write_all(self.body.as_bytes()).await.expect("send body");
        self.answer().await
    }

    /// Reads the answer without sending the body: status and the whole response text.
    async fn answer(mut self) -> (u16, String) {
        let mut response = Vec::new();
        // A guard against a hang, not a measurement: the server closes the connection (`Connection: close`).
        tokio::time::timeout(Duration::from_secs(120), self.stream.read_to_end(&mut response))
            .await
            .expect("the server answers and closes the connection")
            .expect("read the response");
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {text:?}"));
        (status, text)
    }
}

/// Waits until the server reports at least `count` requests in flight (the polling scrape included).
async fn wait_until_in_flight(app: &TestApp, count: f64) {
    for _ in 0..4000 {
        let text = metrics_text(app).await;
        if value_in_text(&text, "kotopolku_http_requests_in_flight").is_some_and(|n| n >= count) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the held request never showed as in flight");
}

async fn a_request_over_the_in_flight_limit_is_shed_but_health_checks_are_not(app: &TestApp) {
    let held = HeldRequest::start(app).await;
    wait_until_in_flight(app, 2.0).await;

    let refused = app.get("/api/v1/customers").await;
    request_id_of_problem(&refused, 503, "overloaded");
    assert_eq!(
        refused.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("7")
    );
    let refused_post = app.post("/api/v1/customers", &synthetic_person()).await;
    request_id_of_problem(&refused_post, 503, "overloaded");
    // Health checks and metrics are served however busy the server is.
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(app.get("/readyz").await.status, 200);
    let text = metrics_text(app).await;
    assert_eq!(
        value_in_text(&text, "kotopolku_http_requests_shed_total{reason=\"overloaded\"}"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value_in_text(
            &text,
            "kotopolku_http_requests_total{method=\"GET\",route=\"/api/v1/customers\",status=\"503\"}"
        ),
        Some(1.0),
        "{text}"
    );

    // The held request itself is served in full; then there is room again.
    let (status, response) = held.finish().await;
    assert_eq!(status, 201, "{response}");
    assert_eq!(app.get("/api/v1/customers").await.status, 200);
    assert_eq!(app.customer_count().await, 1);
}

async fn a_request_running_too_long_is_answered_503_request_timeout(app: &TestApp) {
    // The body never comes, so the request runs until the timeout drops it.
    let held = HeldRequest::start(app).await;
    let (status, response) = held.answer().await;
    assert_eq!(status, 503, "{response}");
    let lower = response.to_lowercase();
    assert!(lower.contains("\r\nretry-after: 1\r\n"), "{response}");
    assert!(
        lower.contains("\r\ncontent-type: application/problem+json\r\n"),
        "{response}"
    );
    let body: Value =
        serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap_or_default()).expect("problem body");
    assert_eq!(body["code"], "request_timeout");
    let header_id = lower
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .expect("X-Request-Id")
        .trim()
        .to_owned();
    assert_eq!(body["request_id"], header_id.as_str());

    let text = metrics_text(app).await;
    assert_eq!(
        value_in_text(&text, "kotopolku_http_requests_shed_total{reason=\"timeout\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value_in_text(
            &text,
            "kotopolku_http_requests_total{method=\"POST\",route=\"/api/v1/customers\",status=\"503\"}"
        ),
        Some(1.0),
        "{text}"
    );
}

async fn a_body_over_the_limit_is_refused_with_413(app: &TestApp) {
    let mut too_large = synthetic_person();
    too_large["street_address"] = json!("x".repeat(2000));
    let reply = app.post("/api/v1/customers", &too_large).await;
    request_id_of_problem(&reply, 413, "payload_too_large");
    // A body within the limit is served.
    app.register(&synthetic_person()).await;
    assert_eq!(app.customer_count().await, 1);
}

async fn metrics_can_be_served_on_a_listener_of_their_own(app: &TestApp) {
    app.get("/metrics").await.assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/customers").await.status, 200);

    let state = kotopolku_web::AppState {
        services: app.services.clone(),
        hsts: false,
        oidc: None,
        limits: Limits {
            metrics_on_main: false,
            ..Limits::default()
        },
        metrics: app.metrics.clone(),
        trusted_proxies: Default::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, kotopolku_web::metrics_router(state)).await;
    });
    let response = reqwest::get(format!("http://{address}/metrics")).await.expect("GET");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    let families = parse_with_reference_parser(&text);
    let requests = family(&families, "kotopolku_http_requests");
    // The main router's requests are counted where the metrics listener shows them.
    let count = |route: &str, status: &str| {
        sample_value(
            requests,
            "kotopolku_http_requests_total",
            &[("method", "GET"), ("route", route), ("status", status)],
        )
    };
    assert_eq!(count("unmatched", "404"), Some(1.0), "{text}");
    assert_eq!(count("/api/v1/customers", "200"), Some(1.0), "{text}");
    // Nothing else is served there.
    let other = reqwest::get(format!("http://{address}/api/v1/customers"))
        .await
        .expect("GET");
    assert_eq!(other.status(), 404);
    server.abort();
}
