//! `kotopolku-bench customer-page`: the web interface's customer page (`GET /customers/{id}`) for
//! customers with a full record, signed in as a caseworker through the sign-in page.
//!
//! Loads N synthetic customers (as the other benchmarks do), gives every one of them the process
//! records the synthetic process generator makes for them (as `kotopolku demo` does, but written
//! through the store layer in transactions of 1,000 customers, without validation), with the audit
//! rows those writes leave in a running system (one per registration and one per record version;
//! `--write-audit off` leaves them out, and the audit log starts nearly empty as in the other
//! benchmarks), and times the page of the customers with the most records: first one sequential
//! client, then
//! `--clients` concurrent ones (8 by default), each with its own keep-alive connection. Every page
//! view audits its reads (unless `KOTOPOLKU_BENCH_READ_AUDIT=off`).
//!
//! The round trip is timed by the client; the server's own time by a layer around the whole
//! application, outside the access-log middleware (which logs the same span as `elapsed_ms`), that
//! returns it in a response header.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use kotopolku_domain::access::{Action, Role};
use kotopolku_domain::actor::{Actor, ActorKind};
use kotopolku_domain::audit::Outcome;
use kotopolku_domain::customer::Customer;
use kotopolku_domain::directory::{NewUser, User};
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind};
use kotopolku_service::{Clock, SecuritySettings, Services};
use kotopolku_store::Database;
use kotopolku_synthetic::{Generator, ProcessGenerator, carry_measure_ids, link_measure};

use crate::{Options, analyze, caseworker_token, load, ms, percentile};

const EMAIL: &str = "caseworker@bench.kotopolku.invalid";
const PASSWORD: &str = "bench-caseworker-password";
/// The limit of a page's size: 200 KB.
const SIZE_LIMIT: usize = 200 * 1000;
/// The header the benchmark's timing layer returns the server's time in, in microseconds.
pub(crate) const SERVER_TIME: &str = "x-bench-server-us";
/// Untimed requests of each concurrent client before its timed ones.
const WARM_UP_PER_CLIENT: usize = 20;

/// The order of the kinds in [`Counts::by_kind`], as the page shows its sections.
const KINDS: [(RecordKind, &str); 6] = [
    (RecordKind::Assessment, "assessments"),
    (RecordKind::Plan, "plans"),
    (RecordKind::Programme, "programmes"),
    (RecordKind::Referral, "referrals"),
    (RecordKind::Appointment, "appointments"),
    (RecordKind::Note, "notes"),
];

/// What a customer's page shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    /// Current records: one article each on the page.
    pub(crate) records: usize,
    /// Every version written, earlier ones included.
    pub(crate) versions: usize,
    by_kind: [usize; 6],
    goals: usize,
    measures: usize,
}

/// One timed page view.
pub(crate) struct Sample {
    pub(crate) round_trip: Duration,
    pub(crate) server: Duration,
    pub(crate) bytes: usize,
}

pub async fn run(
    backend: &str,
    db: &Database,
    journal: Option<&std::path::Path>,
    options: &Options,
) -> Result<(), String> {
    let clock = Clock::system();
    let started = Instant::now();
    let loaded = load(db, options.customers, clock.clone()).await?;
    let load_time = started.elapsed();

    // As `kotopolku demo` builds them: a caseworker who signs in without a second factor.
    let services = Services::with_settings(
        db.clone(),
        clock.clone(),
        SecuritySettings {
            demo: true,
            ..SecuritySettings::default()
        },
    );
    let services = match journal {
        Some(dir) => services.with_audit_journal(dir).await.map_err(|e| e.to_string())?,
        None => services,
    };
    caseworker_token(&services).await?;
    let (user, actor) = caseworker(&services).await?;

    let started = Instant::now();
    let counts = write_records(db, &loaded, &clock, &user, options.write_audit.then_some(&actor)).await?;
    let records_time = started.elapsed();
    analyze(db).await?;

    // The customers with the most records (ties: the most versions, then the earliest loaded).
    let mut order: Vec<usize> = (0..loaded.len()).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(counts[i].records),
            std::cmp::Reverse(counts[i].versions),
            i,
        )
    });
    order.truncate(options.pages.min(loaded.len()));
    if order.is_empty() {
        return Err("no customers".into());
    }
    let chosen: Vec<(String, Counts)> = order
        .iter()
        .map(|&i| (loaded[i].id.clone(), counts[i].clone()))
        .collect();

    let services = if std::env::var("KOTOPOLKU_BENCH_READ_AUDIT").as_deref() == Ok("off") {
        services.without_read_audit_for_benchmark()
    } else {
        services
    };
    let (base, server) = start_timed_server(services.clone()).await?;
    let session = sign_in(&base).await?;

    // Warm up: every chosen page twice; check that each shows all its records; note its size.
    let client = page_client(&session)?;
    let mut sizes = Vec::with_capacity(chosen.len());
    for _ in 0..2 {
        sizes.clear();
        for (id, count) in &chosen {
            let (sample, body) = fetch(&client, &base, id).await?;
            let articles = body.matches("<article class=\"record\"").count();
            if articles != count.records {
                return Err(format!(
                    "the page of {id} shows {articles} records, {} were written",
                    count.records
                ));
            }
            sizes.push((sample.bytes, id.clone()));
        }
    }
    let ids: Arc<Vec<String>> = Arc::new(chosen.iter().map(|(id, _)| id.clone()).collect());
    let mut runs = Vec::new();
    for clients in [1, options.clients_or(8)] {
        let (samples, wall) = timed(&base, &session, &ids, clients, options.queries).await?;
        runs.push((clients, samples, wall));
    }
    server.abort();
    let steps = breakdown(&services, db, &session, &ids).await?;

    for (clients, samples, wall) in &runs {
        let mut round_trips: Vec<Duration> = samples.iter().map(|s| s.round_trip).collect();
        let mut server_times: Vec<Duration> = samples.iter().map(|s| s.server).collect();
        round_trips.sort();
        server_times.sort();
        let max = |sorted: &[Duration]| *sorted.last().unwrap_or(&Duration::ZERO);
        println!(
            "{:<10} {:>7} {:>8} {:>8.1} {:>8.1} {:>8.1} {:>8.1} | {:>8.1} {:>8.1} {:>8.1} {:>8.1} | {:>8.0}",
            backend,
            clients,
            samples.len(),
            ms(percentile(&round_trips, 0.50)),
            ms(percentile(&round_trips, 0.90)),
            ms(percentile(&round_trips, 0.99)),
            ms(max(&round_trips)),
            ms(percentile(&server_times, 0.50)),
            ms(percentile(&server_times, 0.90)),
            ms(percentile(&server_times, 0.99)),
            ms(max(&server_times)),
            samples.len() as f64 / wall.as_secs_f64()
        );
    }

    let n = chosen.len() as f64;
    let avg = |f: &dyn Fn(&Counts) -> usize| chosen.iter().map(|(_, c)| f(c)).sum::<usize>() as f64 / n;
    let min_records = chosen.iter().map(|(_, c)| c.records).min().unwrap_or(0);
    let max_records = chosen.iter().map(|(_, c)| c.records).max().unwrap_or(0);
    let kinds = KINDS
        .iter()
        .enumerate()
        .map(|(k, (_, label))| format!("{label} {:.1}", avg(&|c: &Counts| c.by_kind[k])))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{:<10} pages of the {} customers with the most records: {:.1} records each on average (min {min_records}, \
         max {max_records}; {:.1} versions): {kinds}; plans' goals {:.1}, measures {:.1}",
        backend,
        chosen.len(),
        avg(&|c: &Counts| c.records),
        avg(&|c: &Counts| c.versions),
        avg(&|c: &Counts| c.goals),
        avg(&|c: &Counts| c.measures),
    );
    println!(
        "{:<10} audit rows per page view: {:.1} (the customer, each record, the deadlines), audited together (one audit group since customer_file)",
        backend,
        avg(&|c: &Counts| c.records) + 2.0,
    );
    println!(
        "{:<10} where the time goes, each step alone, sequentially, p50 / p99 ms: {}",
        backend,
        steps
            .iter()
            .map(|(label, times)| format!(
                "{label} {:.2} / {:.2}",
                ms(percentile(times, 0.50)),
                ms(percentile(times, 0.99))
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let all_sizes: Vec<usize> = runs
        .iter()
        .flat_map(|(_, samples, _)| samples.iter().map(|s| s.bytes))
        .collect();
    let over: Vec<String> = sizes
        .iter()
        .filter(|(bytes, _)| *bytes > SIZE_LIMIT)
        .map(|(bytes, id)| format!("{id} ({bytes} bytes)"))
        .collect();
    println!(
        "{:<10} page size bytes: min {}, avg {:.0}, max {}; over {SIZE_LIMIT} bytes: {}",
        backend,
        all_sizes.iter().min().unwrap_or(&0),
        all_sizes.iter().sum::<usize>() as f64 / all_sizes.len().max(1) as f64,
        all_sizes.iter().max().unwrap_or(&0),
        if over.is_empty() {
            "none".to_owned()
        } else {
            over.join(", ")
        }
    );
    let total_records: usize = counts.iter().map(|c| c.records).sum();
    let total_versions: usize = counts.iter().map(|c| c.versions).sum();
    println!(
        "{:<10} (loaded {} customers in {:.1} s; wrote {} process records, {} versions, {:.1} records per customer, \
         in {:.1} s)",
        backend,
        loaded.len(),
        load_time.as_secs_f64(),
        total_records,
        total_versions,
        total_records as f64 / loaded.len().max(1) as f64,
        records_time.as_secs_f64()
    );
    Ok(())
}

/// A caseworker of the benchmark unit, whose sign-in needs no second factor (demo settings), and
/// the caseworker as an actor in the unit, as if signed in.
pub(crate) async fn caseworker(services: &Services) -> Result<(User, Actor), String> {
    let system = kotopolku_domain::actor::Actor::system();
    let unit = services
        .organisations(&system)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|o| o.name == "Benchmark unit")
        .ok_or("no benchmark unit")?;
    let user = services
        .create_demo_user(
            &NewUser {
                email: EMAIL.into(),
                display_name: "Benchmark Caseworker".into(),
                organisation_id: unit.id.clone(),
                role: Role::Caseworker,
            },
            PASSWORD,
        )
        .await
        .map_err(|e| e.to_string())?;
    let actor = Actor {
        id: user.id.clone(),
        display_name: user.display_name.clone(),
        kind: ActorKind::User,
        role: Some(user.role),
        organisation_id: Some(unit.id.clone()),
        jurisdiction: Some(unit.jurisdiction()),
        purpose: None,
        request_id: None,
        client_address: None,
    };
    Ok((user, actor))
}

/// Gives every loaded customer the records of the synthetic process generator (seed 2026), in
/// transactions of 1,000 customers. The customers are made again by a generator with the seed
/// `load` used, which repeats them in the same order. Revisions are written as the service writes
/// them (the earlier version superseded, plan measures keeping their ids, referrals naming the
/// measure they carry out), signed by `user`. With `audit_as`, each transaction also appends the
/// audit rows the service would have written: the customer's registration and every version.
pub(crate) async fn write_records(
    db: &Database,
    loaded: &[Customer],
    clock: &Clock,
    user: &User,
    audit_as: Option<&Actor>,
) -> Result<Vec<Counts>, String> {
    use kotopolku_service::audit::{Target, entry};
    use kotopolku_store::process::{insert, supersede};
    let today = clock.today();
    let mut generator = Generator::new(2026, today);
    let mut process = ProcessGenerator::new(2026, today);
    let mut counts = Vec::with_capacity(loaded.len());
    for chunk in loaded.chunks(1000) {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        let mut audit = Vec::new();
        for customer in chunk {
            if let Some(actor) = audit_as {
                audit.push(entry(
                    actor,
                    Action::CustomerRegister.as_str(),
                    Target::customer(&customer.id),
                    Outcome::Success,
                    customer.created_at,
                ));
            }
            let input = generator.customer();
            if input.family_name != customer.data.family_name || input.birth_date != Some(customer.data.birth_date) {
                return Err("the generator did not repeat the loaded customers".into());
            }
            let mut count = Counts::default();
            // The current version of each record so far, for the measure ids plans were given.
            let mut saved: Vec<RecordBody> = Vec::new();
            for record in process.records(&input, &user.display_name) {
                let id = uuid::Uuid::now_v7().to_string();
                let measure = record.measure;
                let mut previous: Option<RecordBody> = None;
                for (i, mut body) in record.versions.into_iter().enumerate() {
                    if let Some(at) = measure
                        && let Some(plan) = saved.get(at.record)
                    {
                        link_measure(&mut body, plan, at);
                    }
                    if let Some(previous) = &previous {
                        carry_measure_ids(previous, &mut body);
                    }
                    if let RecordBody::Plan(plan) = &mut body {
                        for m in plan.measures_mut() {
                            if m.id.is_none() {
                                m.id = Some(uuid::Uuid::now_v7().to_string());
                            }
                        }
                    }
                    let version = i as i64 + 1;
                    if version > 1 && !supersede(&mut tx, &id, version - 1).await.map_err(|e| e.to_string())? {
                        return Err(format!("record {id}: version {} was not current", version - 1));
                    }
                    let row = ProcessRecord {
                        id: id.clone(),
                        customer_id: customer.id.clone(),
                        kind: body.kind(),
                        version,
                        current: true,
                        county_code: None,
                        created_at: clock.now(),
                        created_by: user.id.clone(),
                        created_by_name: user.display_name.clone(),
                        content: body,
                    };
                    insert(&mut tx, &row).await.map_err(|e| e.to_string())?;
                    if let Some(actor) = audit_as {
                        let verb = if version == 1 { "create" } else { "revise" };
                        audit.push(entry(
                            actor,
                            &format!("{}.{verb}", row.kind.as_str()),
                            Target::record(row.kind.as_str(), &row.id, &row.customer_id),
                            Outcome::Success,
                            row.created_at,
                        ));
                    }
                    count.versions += 1;
                    previous = Some(row.content);
                }
                if let Some(current) = previous {
                    count.records += 1;
                    if let Some(k) = KINDS.iter().position(|(kind, _)| *kind == current.kind()) {
                        count.by_kind[k] += 1;
                    }
                    if let RecordBody::Plan(plan) = &current {
                        count.goals += plan.goals.len();
                        count.measures += plan.measures().count();
                    }
                    saved.push(current);
                }
            }
            counts.push(count);
        }
        kotopolku_store::audit::append(&mut tx, &audit)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    Ok(counts)
}

/// The real application behind a layer that returns the server's time of each request in a header.
pub(crate) async fn start_timed_server(services: Services) -> Result<(String, tokio::task::JoinHandle<()>), String> {
    crate::serve_app(crate::app(services).layer(axum::middleware::from_fn(server_time))).await
}

async fn server_time(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&started.elapsed().as_micros().to_string()) {
        response.headers_mut().insert(SERVER_TIME, value);
    }
    response
}

/// Signs in through the sign-in page's form and returns the session cookie's value.
async fn sign_in(base: &str) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let (location, cookie) = post_sign_in(&client, base, EMAIL, PASSWORD).await?;
    if location != "/" {
        return Err(format!("sign-in: to {location:?}, not a full session"));
    }
    Ok(cookie)
}

/// Posts the sign-in form as a browser does; where it leads and the session cookie's value.
pub(crate) async fn post_sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<(String, String), String> {
    let response = client
        .post(format!("{base}/sign-in"))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "email={}&password={}&_next=%2F",
            form_encode(email),
            form_encode(password)
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("sign-in of {email}: HTTP {}", response.status()));
    }
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("kotopolku_session="))
        .and_then(|v| v.split(';').next())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or("sign-in set no session cookie")?;
    Ok((location, cookie))
}

pub(crate) fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A keep-alive client that sends the session cookie, as a browser does, and follows no redirects
/// (a redirect to the sign-in page is an error here).
fn page_client(session: &str) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    let value =
        reqwest::header::HeaderValue::from_str(&format!("kotopolku_session={session}")).map_err(|e| e.to_string())?;
    headers.insert(reqwest::header::COOKIE, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())
}

/// One page view: the round trip until the whole body is read, the server's time, and the body.
async fn fetch(client: &reqwest::Client, base: &str, id: &str) -> Result<(Sample, String), String> {
    let (sample, body) = timed_get(client, base, &format!("/customers/{id}")).await?;
    Ok((sample, String::from_utf8_lossy(&body).into_owned()))
}

/// One GET that must succeed: the round trip until the whole body is read, the server's time (from
/// the [`SERVER_TIME`] header of [`start_timed_server`]), and the body.
pub(crate) async fn timed_get(client: &reqwest::Client, base: &str, path: &str) -> Result<(Sample, Vec<u8>), String> {
    let started = Instant::now();
    let response = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let server = response
        .headers()
        .get(SERVER_TIME)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .map(Duration::from_micros)
        .unwrap_or_default();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let round_trip = started.elapsed();
    if !status.is_success() {
        return Err(format!("{path}: HTTP {status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok((
        Sample {
            round_trip,
            server,
            bytes: body.len(),
        },
        body.to_vec(),
    ))
}

/// `requests` page views spread evenly over `ids` by `clients` concurrent clients, each with its own
/// connection, after a few untimed ones each; returns every sample and the wall time.
async fn timed(
    base: &str,
    session: &str,
    ids: &Arc<Vec<String>>,
    clients: usize,
    requests: usize,
) -> Result<(Vec<Sample>, Duration), String> {
    let clients = clients.max(1);
    let per_client = requests.div_ceil(clients);
    let gate = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let mut tasks = Vec::new();
    for worker in 0..clients {
        let client = page_client(session)?;
        let ids = ids.clone();
        let base = base.to_owned();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            // Each client starts at its own place in the list, so that they do not ask for the same
            // page at once.
            let offset = worker * ids.len() / clients;
            let mut warm_up = Ok(());
            for i in 0..WARM_UP_PER_CLIENT {
                if let Err(error) = fetch(&client, &base, &ids[(offset + i) % ids.len()]).await {
                    warm_up = Err(error);
                    break;
                }
            }
            // Every client waits here, also one that failed, so that the others are not left waiting.
            gate.wait().await;
            warm_up?;
            let mut samples = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let (sample, _) = fetch(&client, &base, &ids[(offset + i) % ids.len()]).await?;
                samples.push(sample);
            }
            Ok::<_, String>(samples)
        }));
    }
    gate.wait().await;
    let started = Instant::now();
    let mut samples = Vec::with_capacity(per_client * clients);
    for task in tasks {
        samples.extend(task.await.map_err(|e| e.to_string())??);
    }
    Ok((samples, started.elapsed()))
}

/// The page's steps timed one by one through the service and store layers (no HTTP): the session
/// behind the cookie, the page's four use cases (all but the county involvements audit their reads,
/// unless switched off), the audited ones without read auditing, and the two queries under them. Sequential, over `ids` twice.
async fn breakdown(
    services: &Services,
    db: &Database,
    session: &str,
    ids: &[String],
) -> Result<Vec<(&'static str, Vec<Duration>)>, String> {
    let mut party = Actor::system();
    party.id = "anonymous".into();
    party.display_name = "Anonymous".into();
    party.kind = ActorKind::User;
    party.client_address = Some("127.0.0.1".into());
    let (actor, _) = services.session(session, &party).await.map_err(|e| e.to_string())?;
    let unaudited = services.clone().without_read_audit_for_benchmark();
    let mut steps: Vec<(&'static str, Vec<Duration>)> = [
        "session",
        "customer",
        "records",
        "involvements",
        "deadlines",
        "customer unaudited",
        "records unaudited",
        "deadlines unaudited",
        "query customer",
        "query records",
    ]
    .into_iter()
    .map(|label| (label, Vec::new()))
    .collect();
    let err = |e: kotopolku_service::ServiceError| e.to_string();
    for id in ids.iter().chain(ids) {
        let mut times = Vec::with_capacity(steps.len());
        let mut started = Instant::now();
        let mut lap = || {
            let now = Instant::now();
            times.push(now - started);
            started = now;
        };
        services.session(session, &party).await.map_err(err)?;
        lap();
        services.customer(&actor, id).await.map_err(err)?;
        lap();
        services.records(&actor, id, None).await.map_err(err)?;
        lap();
        services.county_involvements(&actor, id).await.map_err(err)?;
        lap();
        services.customer_deadlines(&actor, id).await.map_err(err)?;
        lap();
        unaudited.customer(&actor, id).await.map_err(err)?;
        lap();
        unaudited.records(&actor, id, None).await.map_err(err)?;
        lap();
        unaudited.customer_deadlines(&actor, id).await.map_err(err)?;
        lap();
        kotopolku_store::customers::get(db, id)
            .await
            .map_err(|e| e.to_string())?;
        lap();
        kotopolku_store::process::current(db, id, None)
            .await
            .map_err(|e| e.to_string())?;
        lap();
        for ((_, all), time) in steps.iter_mut().zip(times) {
            all.push(time);
        }
    }
    for (_, times) in &mut steps {
        times.sort();
    }
    Ok(steps)
}
