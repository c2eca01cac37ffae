//! `kotopolku-bench load`: a caseworker mix against the real server over loopback.
//!
//! Starts the `kotopolku` binary on a database made by `kotopolku demo generate` (the training
//! environment, whose caseworkers sign in with a known password and no second factor), then runs
//! `--clients` concurrent caseworkers for `--seconds`. Each signs in through the sign-in form as a
//! caseworker of their own, then repeats, without think time: the worklist, a search by name, a
//! customer from their worklist, now and then a note added through the form, and every 500
//! requests signing in again. Afterwards a national analyst and a supervisor open the statistics dashboard.
//! Prints throughput, p50, p99 and max per request type, and the server's peak resident memory.
//!
//! ```sh
//! target/release/kotopolku demo generate --customers 1000000 --database-url sqlite://big.db
//! target/release/kotopolku-bench load --database-url sqlite://big.db --clients 50 --seconds 60
//! ```
//!
//! wrk and oha time one request shape; goose would do sessions but is a heavy dependency. This is
//! a closed loop of real sessions in the same runtime and HTTP client as the other benchmarks.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kotopolku_synthetic::Rng;

use crate::customer_page::{form_encode, post_sign_in};
use crate::{ms, percentile};

/// The request types of the mix and their weights (out of 100) after signing in.
const MIX: &[(Kind, u64)] = &[
    (Kind::Worklist, 25),
    (Kind::Search, 30),
    (Kind::Customer, 36),
    (Kind::Note, 9),
];

/// Each caseworker signs in again after this many requests (about every half minute): often enough
/// to measure signing in under load, seldom enough to stay under the sign-in limit per address.
const REQUESTS_PER_SESSION: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    SignIn,
    Worklist,
    Search,
    Customer,
    Note,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::SignIn => "sign in",
            Kind::Worklist => "worklist",
            Kind::Search => "search",
            Kind::Customer => "customer page",
            Kind::Note => "add a note",
        }
    }
}

pub struct LoadOptions {
    pub database_url: String,
    pub server: std::path::PathBuf,
    pub clients: usize,
    pub seconds: u64,
}

/// Kills the server when the benchmark ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn run(options: &LoadOptions) -> Result<(), String> {
    refresh_statistics_if_never_made(options).await?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(&options.server)
        .args([
            "demo",
            "--database-url",
            &options.database_url,
            "--bind",
            &format!("127.0.0.1:{port}"),
            // The figures were made before; no refresh during the run.
            "--statistics-minutes",
            "600",
        ])
        .env("KOTOPOLKU_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", options.server.display()))?;
    let server = Server(child);
    wait_until_up(&base).await?;
    let today = chrono::Utc::now().date_naive().format("%-d.%-m.%Y").to_string();

    let names = search_terms();
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let mut tasks = Vec::new();
    let started = Instant::now();
    for client in 0..options.clients {
        let email = if client == 0 {
            "caseworker@demo.kotopolku.invalid".to_owned()
        } else {
            format!("caseworker-{}@demo.kotopolku.invalid", client + 1)
        };
        let base = base.clone();
        let names = names.clone();
        let today = today.clone();
        tasks.push(tokio::spawn(async move {
            caseworker(&base, &email, client as u64, &names, &today, deadline).await
        }));
    }
    let mut samples: HashMap<Kind, Vec<Duration>> = HashMap::new();
    let mut failures: HashMap<Kind, Vec<String>> = HashMap::new();
    for task in tasks {
        let (s, f) = task.await.map_err(|e| e.to_string())?;
        for (kind, d) in s {
            samples.entry(kind).or_default().push(d);
        }
        for (kind, error) in f {
            failures.entry(kind).or_default().push(error);
        }
    }
    let wall = started.elapsed();
    let dashboards = dashboard(&base).await?;
    let peak = peak_memory_kib(server.0.id());
    drop(server);

    let total: usize = samples.values().map(Vec::len).sum();
    let rate = total as f64 / wall.as_secs_f64();
    println!(
        "caseworker mix: {} clients for {:.1} s, {} requests, {:.0} requests/s (target at least 1,000: {}), {} failed",
        options.clients,
        wall.as_secs_f64(),
        total,
        rate,
        met(rate >= 1000.0),
        failures.values().map(Vec::len).sum::<usize>()
    );
    println!();
    println!(
        "| request | count | per second | p50 ms | p99 ms | max ms | failed | target |\n|---|---:|---:|---:|---:|---:|---:|---|"
    );
    let mut kinds: Vec<_> = samples.keys().copied().collect();
    kinds.sort();
    for kind in kinds {
        let mut times = samples.remove(&kind).unwrap_or_default();
        times.sort();
        let p99 = percentile(&times, 0.99);
        let target = match kind {
            Kind::Worklist | Kind::Search | Kind::Customer => format!("p99 < 50 ms: {}", met(ms(p99) < 50.0)),
            _ => String::new(),
        };
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {target} |",
            kind.label(),
            times.len(),
            times.len() as f64 / wall.as_secs_f64(),
            ms(percentile(&times, 0.50)),
            ms(p99),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            failures.get(&kind).map_or(0, Vec::len)
        );
    }
    println!();
    for (kind, errors) in &failures {
        println!(
            "first failures of {}: {:?}",
            kind.label(),
            &errors[..errors.len().min(3)]
        );
    }
    for (who, mut times) in dashboards {
        times.sort();
        println!(
            "statistics dashboard ({who}), {} sequential views after the mix: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            times.len(),
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    match peak {
        Some(kib) => println!(
            "server peak resident memory (VmHWM): {:.0} MB (target under 300 MB: {})",
            kib as f64 / 1024.0,
            met(kib < 300 * 1024)
        ),
        None => println!("server peak resident memory: not available (no /proc)"),
    }
    Ok(())
}

/// A database fresh from `demo generate` has no statistics yet, and the server would make them at
/// once: at a million customers minutes of processor time, on the cores the mix is measured on. So
/// they are made first, untimed, by the `statistics refresh` command.
async fn refresh_statistics_if_never_made(options: &LoadOptions) -> Result<(), String> {
    let db = kotopolku_store::Database::connect(&options.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let made = kotopolku_store::statistics::refresh_info(&db)
        .await
        .map_err(|e| e.to_string());
    db.close().await;
    if made?.is_some() {
        return Ok(());
    }
    println!("the statistics were never made on this database: making them first (not part of the mix)");
    let started = Instant::now();
    let status = Command::new(&options.server)
        .args(["statistics", "refresh", "--database-url", &options.database_url])
        .env("KOTOPOLKU_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start {}: {e}", options.server.display()))?;
    if !status.success() {
        return Err(format!("statistics refresh failed: {status}"));
    }
    println!("statistics made in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn met(yes: bool) -> &'static str {
    if yes { "met" } else { "NOT met" }
}

type Samples = Vec<(Kind, Duration)>;
type Failures = Vec<(Kind, String)>;

/// One caseworker's session until `deadline`.
async fn caseworker(
    base: &str,
    email: &str,
    seed: u64,
    names: &[String],
    today: &str,
    deadline: Instant,
) -> (Samples, Failures) {
    let mut rng = Rng::new(0x6C6F_6164 ^ seed);
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    // Each caseworker at a workstation of their own: the server limits sign-ins per address.
    let address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(
        127,
        0,
        (seed / 250) as u8,
        (seed % 250) as u8 + 2,
    ));
    let mut session = match timed_sign_in(base, email, address, &mut samples).await {
        Ok(session) => session,
        Err(error) => {
            failures.push((Kind::SignIn, error));
            return (samples, failures);
        }
    };
    let mut customers: Vec<String> = Vec::new();
    let mut requests = 0;
    while Instant::now() < deadline {
        requests += 1;
        if requests % REQUESTS_PER_SESSION == 0 {
            match timed_sign_in(base, email, address, &mut samples).await {
                Ok(new) => session = new,
                Err(error) => failures.push((Kind::SignIn, error)),
            }
            continue;
        }
        let roll = rng.range(0, 99);
        let mut kind = MIX[MIX.len() - 1].0;
        let mut sum = 0;
        for (k, weight) in MIX {
            sum += weight;
            if roll < sum {
                kind = *k;
                break;
            }
        }
        // A customer page or a note needs a customer from the worklist first.
        if matches!(kind, Kind::Customer | Kind::Note) && customers.is_empty() {
            kind = Kind::Worklist;
        }
        let started = Instant::now();
        let result = match kind {
            Kind::Worklist => page(&session.client, &format!("{base}/")).await.map(|body| {
                customers = customer_links(&body);
            }),
            Kind::Search => {
                let q = rng.pick(names);
                page(&session.client, &format!("{base}/customers?q={}", form_encode(q)))
                    .await
                    .map(|_| ())
            }
            Kind::Customer => {
                let id = rng.pick(&customers);
                page(&session.client, &format!("{base}/customers/{id}"))
                    .await
                    .map(|_| ())
            }
            Kind::Note => {
                let id = rng.pick(&customers).clone();
                add_note(&session, base, &id, today, rng.range(0, 9999)).await
            }
            Kind::SignIn => Ok(()),
        };
        match result {
            Ok(()) => samples.push((kind, started.elapsed())),
            Err(error) => failures.push((kind, error)),
        }
    }
    (samples, failures)
}

struct Session {
    client: reqwest::Client,
    csrf: String,
}

async fn timed_sign_in(
    base: &str,
    email: &str,
    address: std::net::IpAddr,
    samples: &mut Samples,
) -> Result<Session, String> {
    let started = Instant::now();
    let session = sign_in(base, email, "demo-caseworker", address).await?;
    samples.push((Kind::SignIn, started.elapsed()));
    Ok(session)
}

/// Signs in through the form and reads the session's form token from the account page.
async fn sign_in(base: &str, email: &str, password: &str, address: std::net::IpAddr) -> Result<Session, String> {
    let plain = reqwest::Client::builder()
        .local_address(address)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let (_, cookie) = post_sign_in(&plain, base, email, password).await?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::COOKIE,
        reqwest::header::HeaderValue::from_str(&format!("kotopolku_session={cookie}")).map_err(|e| e.to_string())?,
    );
    let client = reqwest::Client::builder()
        .local_address(address)
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let body = page(&client, &format!("{base}/account")).await?;
    let csrf = body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no form token on the account page")?
        .to_owned();
    Ok(Session { client, csrf })
}

/// A page that must answer 200; its body.
async fn page(client: &reqwest::Client, url: &str) -> Result<String, String> {
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    if status != reqwest::StatusCode::OK {
        return Err(format!("{url}: HTTP {status}"));
    }
    Ok(body)
}

/// Adds a note through the note form, as the browser posts it; the answer is a redirect to the
/// customer's page.
async fn add_note(session: &Session, base: &str, customer: &str, today: &str, n: u64) -> Result<(), String> {
    let form = format!(
        "_csrf={}&written_on={}&note_type=phone_call&confidentiality=normal&text={}",
        form_encode(&session.csrf),
        form_encode(today),
        form_encode(&format!("Called about the language course (load test {n})."))
    );
    let response = session
        .client
        .post(format!("{base}/customers/{customer}/records/new/note"))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status != reqwest::StatusCode::SEE_OTHER {
        let body = response.text().await.unwrap_or_default();
        let error = body
            .split("class=\"error")
            .nth(1)
            .map(|rest| rest.chars().take(200).collect::<String>())
            .unwrap_or_default();
        return Err(format!("note: HTTP {status} {error}"));
    }
    Ok(())
}

/// The statistics page of the national analyst (the nation) and of the supervisor (their unit),
/// twenty views each.
async fn dashboard(base: &str) -> Result<Vec<(&'static str, Vec<Duration>)>, String> {
    let mut all = Vec::new();
    for (who, email, password) in [
        (
            "national analyst",
            "national@demo.kotopolku.invalid",
            "demo-national_analyst",
        ),
        ("supervisor", "supervisor@demo.kotopolku.invalid", "demo-supervisor"),
    ] {
        let session = sign_in(
            base,
            email,
            password,
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        )
        .await?;
        let mut times = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            page(&session.client, &format!("{base}/statistics")).await?;
            times.push(started.elapsed());
        }
        all.push((who, times));
    }
    Ok(all)
}

/// Family names and name beginnings people type into the search, from the synthetic communities.
fn search_terms() -> Arc<Vec<String>> {
    let mut generator = kotopolku_synthetic::Generator::new(99, chrono::Utc::now().date_naive());
    let mut terms = Vec::new();
    for i in 0..400 {
        let customer = generator.customer();
        let family: String = customer
            .family_name
            .chars()
            .take(if i % 2 == 0 { 4 } else { 12 })
            .collect();
        let given: String = customer.given_names.chars().take(3).collect();
        terms.push(if i % 3 == 0 {
            format!("{family} {given}")
        } else {
            family
        });
    }
    Arc::new(terms)
}

/// The customer page links on a page.
fn customer_links(body: &str) -> Vec<String> {
    let mut ids: Vec<String> = body
        .split("href=\"/customers/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|id| id.len() == 36 && !id.contains('/'))
        .map(str::to_owned)
        .collect();
    ids.dedup();
    ids
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

async fn wait_until_up(base: &str) -> Result<(), String> {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(response) = client.get(format!("{base}/sign-in")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the server did not answer within a minute".into())
}

/// The peak resident set size of a process, from Linux's /proc.
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
