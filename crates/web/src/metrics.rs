//! Operational metrics in the Prometheus text exposition format (version 0.0.4), written by hand:
//! the format is a few lines of text, and a metrics library would be a heavy dependency for it.
//!
//! No label ever holds personal data. A request is labelled with its route *template*
//! (`/api/v1/customers/{id}`) or `unmatched`, never with its concrete path or query, which may hold
//! an identity code or a name; methods outside the standard ones are `other`, so a client cannot
//! grow the number of series by inventing methods.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kotopolku_store::PoolStatus;

use crate::AppState;

/// The `Content-Type` of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds, in seconds, of the request duration histogram's buckets (Prometheus's usual ones):
/// fine below a tenth of a second, where an answer from the registry should be, coarse up to the
/// default request timeout.
pub const DURATION_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Why a request was answered 503 without being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShedReason {
    /// More requests were in flight than [`crate::Limits::max_in_flight`].
    Overloaded,
    /// The request ran longer than [`crate::Limits::request_timeout`].
    Timeout,
}

impl ShedReason {
    fn label(self) -> &'static str {
        match self {
            ShedReason::Overloaded => "overloaded",
            ShedReason::Timeout => "timeout",
        }
    }
}

/// The process's metrics: cheap to clone (every clone counts into the same figures), shared by
/// the request middleware that records and the `/metrics` handler that renders.
#[derive(Clone, Default)]
pub struct Metrics {
    registry: Arc<Registry>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

struct Registry {
    in_flight: AtomicI64,
    shed_overloaded: AtomicU64,
    shed_timeout: AtomicU64,
    http: Mutex<HttpSeries>,
}

impl Default for Registry {
    fn default() -> Self {
        // The first metrics made are made at start-up; later ones (tests) keep that instant.
        process_started();
        Self {
            in_flight: AtomicI64::new(0),
            shed_overloaded: AtomicU64::new(0),
            shed_timeout: AtomicU64::new(0),
            http: Mutex::new(HttpSeries::default()),
        }
    }
}

/// When the process started, as near as the web crate can tell: when its first [`Metrics`] were made.
fn process_started() -> SystemTime {
    static STARTED: OnceLock<SystemTime> = OnceLock::new();
    *STARTED.get_or_init(SystemTime::now)
}

#[derive(Default)]
struct HttpSeries {
    /// Answered requests by (method, route template, status).
    requests: BTreeMap<(&'static str, String, u16), u64>,
    /// Durations by (method, route template).
    durations: BTreeMap<(&'static str, String), Histogram>,
}

/// Counts per bucket, not yet cumulative (rendering sums them), so recording touches one counter.
#[derive(Debug, Clone, Default, PartialEq)]
struct Histogram {
    /// `counts[i]` holds the observations in `(DURATION_BUCKETS[i - 1], DURATION_BUCKETS[i]]`; the
    /// last, the ones above every bound.
    counts: [u64; DURATION_BUCKETS.len() + 1],
    sum_seconds: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let bucket = DURATION_BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(DURATION_BUCKETS.len());
        self.counts[bucket] += 1;
        self.sum_seconds += seconds;
        self.count += 1;
    }
}

/// Holds one request in the in-flight gauge until dropped, so a request whose client goes away (its
/// future dropped) leaves the gauge as surely as one that is answered.
pub(crate) struct InFlight {
    registry: Arc<Registry>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.registry.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counts a request as in flight until the returned guard is dropped.
    pub(crate) fn in_flight(&self) -> InFlight {
        self.registry.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight {
            registry: Arc::clone(&self.registry),
        }
    }

    /// Counts an answered request and its duration. `route` must be a route template or
    /// `unmatched`, never a concrete path.
    pub(crate) fn record_request(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        let method = method_label(method);
        let mut http = self.registry.http.lock().unwrap_or_else(PoisonError::into_inner);
        *http
            .requests
            .entry((method, route.to_owned(), status.as_u16()))
            .or_default() += 1;
        http.durations
            .entry((method, route.to_owned()))
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a request answered 503 without being served.
    pub(crate) fn record_shed(&self, reason: ShedReason) {
        let counter = match reason {
            ShedReason::Overloaded => &self.registry.shed_overloaded,
            ShedReason::Timeout => &self.registry.shed_timeout,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Every metric in the text exposition format, the database pool's as `pool` says now.
    pub fn render(&self, pool: PoolStatus, audit_queue: usize, journal_rows: usize) -> String {
        let mut out = String::with_capacity(8 * 1024);
        {
            let http = self.registry.http.lock().unwrap_or_else(PoisonError::into_inner);

            family(
                &mut out,
                "kotopolku_http_requests_total",
                "counter",
                "HTTP requests answered, by method, route template and status.",
            );
            for ((method, route, status), count) in &http.requests {
                let status = status.to_string();
                sample(
                    &mut out,
                    "kotopolku_http_requests_total",
                    &[("method", method), ("route", route), ("status", &status)],
                    &count.to_string(),
                );
            }

            family(
                &mut out,
                "kotopolku_http_request_duration_seconds",
                "histogram",
                "Time from receiving a request to having its response ready, by method and route template.",
            );
            for ((method, route), histogram) in &http.durations {
                let labels = [("method", *method), ("route", route.as_str())];
                let mut cumulative = 0;
                for (bound, count) in DURATION_BUCKETS.iter().zip(histogram.counts) {
                    cumulative += count;
                    let le = format_float(*bound);
                    sample(
                        &mut out,
                        "kotopolku_http_request_duration_seconds_bucket",
                        &[labels[0], labels[1], ("le", &le)],
                        &cumulative.to_string(),
                    );
                }
                sample(
                    &mut out,
                    "kotopolku_http_request_duration_seconds_bucket",
                    &[labels[0], labels[1], ("le", "+Inf")],
                    &histogram.count.to_string(),
                );
                sample(
                    &mut out,
                    "kotopolku_http_request_duration_seconds_sum",
                    &labels,
                    &format_float(histogram.sum_seconds),
                );
                sample(
                    &mut out,
                    "kotopolku_http_request_duration_seconds_count",
                    &labels,
                    &histogram.count.to_string(),
                );
            }
        }

        family(
            &mut out,
            "kotopolku_http_requests_in_flight",
            "gauge",
            "HTTP requests being served now, this scrape included.",
        );
        sample(
            &mut out,
            "kotopolku_http_requests_in_flight",
            &[],
            &self.registry.in_flight.load(Ordering::Relaxed).to_string(),
        );

        family(
            &mut out,
            "kotopolku_http_requests_shed_total",
            "counter",
            "Requests answered 503 without being served: overloaded (too many in flight) or timeout (ran too long; its uncommitted work was rolled back).",
        );
        for (reason, counter) in [
            (ShedReason::Overloaded, &self.registry.shed_overloaded),
            (ShedReason::Timeout, &self.registry.shed_timeout),
        ] {
            sample(
                &mut out,
                "kotopolku_http_requests_shed_total",
                &[("reason", reason.label())],
                &counter.load(Ordering::Relaxed).to_string(),
            );
        }

        family(
            &mut out,
            "kotopolku_db_pool_connections",
            "gauge",
            "Open database connections, idle or in use.",
        );
        sample(
            &mut out,
            "kotopolku_db_pool_connections",
            &[("state", "idle")],
            &pool.idle.to_string(),
        );
        sample(
            &mut out,
            "kotopolku_db_pool_connections",
            &[("state", "in_use")],
            &pool.in_use().to_string(),
        );
        family(
            &mut out,
            "kotopolku_db_pool_max_connections",
            "gauge",
            "The most database connections the pool opens.",
        );
        sample(
            &mut out,
            "kotopolku_db_pool_max_connections",
            &[],
            &pool.max.to_string(),
        );

        family(
            &mut out,
            "kotopolku_audit_queue_length",
            "gauge",
            "Requests whose read audit rows wait for the audit writer (changes write theirs in their own transaction).",
        );
        sample(&mut out, "kotopolku_audit_queue_length", &[], &audit_queue.to_string());

        family(
            &mut out,
            "kotopolku_audit_journal_rows",
            "gauge",
            "Read audit rows synced to the read journal and not yet moved into the audit log; it grows while the database refuses them.",
        );
        sample(&mut out, "kotopolku_audit_journal_rows", &[], &journal_rows.to_string());

        family(
            &mut out,
            "kotopolku_build_info",
            "gauge",
            "Always 1; the version label says which Kotopolku is running.",
        );
        sample(
            &mut out,
            "kotopolku_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            "1",
        );

        family(
            &mut out,
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since the Unix epoch, in seconds.",
        );
        let started = process_started()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        sample(&mut out, "process_start_time_seconds", &[], &format_float(started));
        out
    }
}

/// The method as a label: the standard methods by name, anything else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Writes a family's `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Writes one sample line; `value` is already formatted.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (index, (label, label_value)) in labels.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let _ = write!(out, "{label}=\"{}\"", escape_label_value(label_value));
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// A label value as the format wants it: backslash, double quote and line feed escaped.
pub fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A `# HELP` text as the format wants it: backslash and line feed escaped (quotes are not).
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A float as the format writes it (`+Inf`, `-Inf`, `NaN` for the special values; Rust's shortest
/// round-tripping decimal otherwise, which never uses an exponent).
fn format_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        value.to_string()
    }
}

/// `GET /metrics`: the metrics in the text exposition format. It holds no personal data, so it
/// needs no sign-in; deployments that do not want it on the public listener serve it on a listener
/// of its own ([`crate::metrics_router`], [`crate::Limits::metrics_on_main`]).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"),
))]
pub async fn scrape(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(
        state.services.database().pool_status(),
        state.services.audit_sink().queue_length(),
        state.services.audit_sink().journal_rows(),
    );
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: PoolStatus = PoolStatus {
        size: 3,
        idle: 1,
        max: 10,
    };

    fn lines_starting(text: &str, prefix: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn label_values_escape_backslash_quote_and_line_feed() {
        assert_eq!(escape_label_value(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label_value("one\ntwo"), "one\\ntwo");
        assert_eq!(escape_label_value("/api/v1/customers/{id}"), "/api/v1/customers/{id}");
        assert_eq!(escape_help("a\\b\nc \"d\""), "a\\\\b\\nc \"d\"");
    }

    #[test]
    fn a_route_with_special_characters_renders_escaped() {
        let metrics = Metrics::default();
        metrics.record_request(
            &Method::GET,
            "/odd\"route\\\n",
            StatusCode::OK,
            Duration::from_millis(1),
        );
        let text = metrics.render(POOL, 0, 0);
        assert!(
            text.contains(r#"kotopolku_http_requests_total{method="GET",route="/odd\"route\\\n",status="200"} 1"#),
            "{text}"
        );
        // Every sample stays on one line.
        assert!(text.lines().all(|l| l.starts_with('#') || l.split(' ').count() >= 2));
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_the_count() {
        let metrics = Metrics::default();
        for millis in [1, 3, 7, 7, 200, 20_000] {
            metrics.record_request(
                &Method::POST,
                "/api/v1/customers",
                StatusCode::CREATED,
                Duration::from_millis(millis),
            );
        }
        let text = metrics.render(POOL, 0, 0);
        let buckets = lines_starting(
            &text,
            r#"kotopolku_http_request_duration_seconds_bucket{method="POST",route="/api/v1/customers","#,
        );
        let counts: Vec<(String, u64)> = buckets
            .iter()
            .map(|line| {
                let le = line
                    .split("le=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or("");
                let count = line.rsplit(' ').next().and_then(|c| c.parse().ok()).unwrap_or(u64::MAX);
                (le.to_owned(), count)
            })
            .collect();
        let expected: Vec<(String, u64)> = [
            ("0.005", 2),
            ("0.01", 4),
            ("0.025", 4),
            ("0.05", 4),
            ("0.1", 4),
            ("0.25", 5),
            ("0.5", 5),
            ("1", 5),
            ("2.5", 5),
            ("5", 5),
            ("10", 5),
            ("+Inf", 6),
        ]
        .into_iter()
        .map(|(le, count)| (le.to_owned(), count))
        .collect();
        assert_eq!(counts, expected, "{text}");
        assert!(text.contains(
            "kotopolku_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/customers\"} 6\n"
        ));
        let sum: f64 = lines_starting(&text, "kotopolku_http_request_duration_seconds_sum{")[0]
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        assert!((sum - 20.218).abs() < 1e-9, "{sum}");
        assert!(
            text.contains(
                "kotopolku_http_requests_total{method=\"POST\",route=\"/api/v1/customers\",status=\"201\"} 6\n"
            )
        );
    }

    #[test]
    fn gauges_counters_and_families_are_all_there() {
        let metrics = Metrics::default();
        let first = metrics.in_flight();
        let second = metrics.in_flight();
        drop(first);
        metrics.record_shed(ShedReason::Timeout);
        metrics.record_shed(ShedReason::Timeout);
        metrics.record_request(
            &Method::from_bytes(b"BREW").expect("method"),
            "unmatched",
            StatusCode::METHOD_NOT_ALLOWED,
            Duration::ZERO,
        );
        let text = metrics.render(POOL, 0, 0);
        drop(second);
        for line in [
            "kotopolku_http_requests_in_flight 1",
            "kotopolku_http_requests_shed_total{reason=\"overloaded\"} 0",
            "kotopolku_http_requests_shed_total{reason=\"timeout\"} 2",
            "kotopolku_db_pool_connections{state=\"idle\"} 1",
            "kotopolku_db_pool_connections{state=\"in_use\"} 2",
            "kotopolku_db_pool_max_connections 10",
            "kotopolku_audit_queue_length 0",
            "kotopolku_audit_journal_rows 0",
            "kotopolku_http_requests_total{method=\"other\",route=\"unmatched\",status=\"405\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
        assert!(text.contains(&format!(
            "kotopolku_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        )));
        assert!(text.contains("# TYPE kotopolku_http_request_duration_seconds histogram\n"));
        assert!(text.contains("# TYPE kotopolku_http_requests_total counter\n"));
        let started: f64 = lines_starting(&text, "process_start_time_seconds ")[0]
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        assert!(started > 1_600_000_000.0, "{started}");
        assert!(text.ends_with('\n'));
        assert_eq!(metrics.render(POOL, 0, 0).lines().count(), text.lines().count());
        assert!(
            metrics
                .render(POOL, 0, 0)
                .contains("kotopolku_http_requests_in_flight 0\n")
        );
    }

    #[test]
    fn floats_use_the_formats_spelling_of_special_values() {
        assert_eq!(format_float(f64::INFINITY), "+Inf");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(0.005), "0.005");
        assert_eq!(format_float(10.0), "10");
        assert_eq!(format_float(1e-7), "0.0000001");
    }
}
