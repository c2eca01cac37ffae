//! `kotopolku-bench search`: customer search latency over HTTP with one client.
//!
//! Fills a fresh database (a temporary SQLite file, or a throw-away PostgreSQL schema) with synthetic
//! customers, starts the real HTTP application on a loopback port, and times sequential searches by
//! identity code, by name fragments, and by name within a municipality. Prints p50, p99 and max.
//!
//! ```sh
//! cargo run --release -p kotopolku-bench -- search --customers 100000 --backend both
//! ```
//!
//! `kotopolku-bench reads` measures read throughput with read auditing on and off; `kotopolku-bench
//! worklist` gives every customer an assessment and half of them a plan, and times the worklist of
//! one caseworker (a twentieth of the customers) and of the whole unit (all of them);
//! `kotopolku-bench customer-page` times the web interface's customer page of the customers with the
//! most process records, signed in through the sign-in page (see `customer_page.rs`);
//! `kotopolku-bench statistics` times the statistics refresh and dashboards over the same data, and
//! compares the published figures with DuckDB computing them again from an export (see
//! `statistics.rs`); `kotopolku-bench legacy-export` writes a synthetic legacy export for timing
//! `kotopolku import customers` (see `legacy_export.rs` and `bench/import.sh`).

/// The servers this process starts allocate as the `kotopolku` binary's do: the allocator changes
/// what a request costs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod customer_page;
mod legacy_export;
mod load;
mod reads;
mod statistics;

use std::time::{Duration, Instant};

use kotopolku_domain::customer::Customer;
use kotopolku_domain::names;
use kotopolku_service::{Clock, Services};
use kotopolku_store::{Database, customers};
use kotopolku_synthetic::{Generator, Rng};

struct Options {
    command: String,
    /// For `reads` (default 16, 64 and 128; a comma-separated list): the numbers of concurrent
    /// clients to measure with; for `customer-page` (default 8): the concurrent clients of the
    /// second run; for `load` (default 50).
    clients: Vec<usize>,
    seconds: u64,
    /// For `customer-page`: how many of the customers with the most records to view, and whether
    /// the audit rows of writing the records are written too (`--write-audit on|off`).
    pages: usize,
    write_audit: bool,
    /// For `statistics`: timed requests per dashboard, and where to keep the export for DuckDB
    /// (default: a temporary directory, removed afterwards).
    requests: usize,
    export_dir: Option<std::path::PathBuf>,
    customers: usize,
    queries: usize,
    backends: Vec<&'static str>,
    postgres_url: String,
    /// For `load`: a database made by `kotopolku demo generate`, and the server binary to run on it.
    database_url: Option<String>,
    server: std::path::PathBuf,
    /// For `legacy-export`: the seed, the day the export is as of, the file to write and the mapping
    /// whose legacy words it uses.
    seed: u64,
    as_of: Option<chrono::NaiveDate>,
    out: Option<std::path::PathBuf>,
    mapping: std::path::PathBuf,
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let command = match args.next().as_deref() {
        Some(
            command @ ("search" | "reads" | "worklist" | "customer-page" | "statistics" | "load" | "legacy-export"),
        ) => command.to_owned(),
        _ => {
            return Err(
                "usage: kotopolku-bench search|reads|worklist|customer-page|statistics [--customers N] [--queries N] \
                        [--clients N] [--seconds N] [--pages N] [--write-audit on|off] [--requests N] \
                        [--export-dir DIR] [--backend sqlite|postgres|both] [--postgres-url URL]\n       \
                 kotopolku-bench load --database-url URL [--server PATH] [--clients N] [--seconds N]\n       \
                 kotopolku-bench legacy-export --customers N --out FILE [--seed S] [--as-of YYYY-MM-DD] \
                        [--mapping examples/legacy-mapping.toml]"
                    .into(),
            );
        }
    };
    let mut options = Options {
        command,
        clients: Vec::new(),
        seconds: 10,
        pages: 50,
        write_audit: true,
        requests: 200,
        export_dir: None,
        customers: 100_000,
        queries: 2_000,
        backends: vec!["sqlite", "postgres"],
        postgres_url: std::env::var("KOTOPOLKU_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        database_url: None,
        server: "target/release/kotopolku".into(),
        seed: 2026,
        as_of: None,
        out: None,
        mapping: "examples/legacy-mapping.toml".into(),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--customers" => options.customers = value.parse().map_err(|_| "--customers: a number")?,
            "--queries" => options.queries = value.parse().map_err(|_| "--queries: a number")?,
            "--clients" => {
                options.clients = value
                    .split(',')
                    .map(|count| count.trim().parse().ok().filter(|&n: &usize| n > 0))
                    .collect::<Option<_>>()
                    .ok_or("--clients: a number above zero, or for reads a comma-separated list of them")?
            }
            "--pages" => options.pages = value.parse().map_err(|_| "--pages: a number")?,
            "--requests" => options.requests = value.parse().map_err(|_| "--requests: a number")?,
            "--export-dir" => options.export_dir = Some(value.into()),
            "--write-audit" => {
                options.write_audit = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("--write-audit: on or off, not {other}")),
                }
            }
            "--seconds" => options.seconds = value.parse().map_err(|_| "--seconds: a number")?,
            "--postgres-url" => options.postgres_url = value,
            "--database-url" => options.database_url = Some(value),
            "--server" => options.server = value.into(),
            "--seed" => options.seed = value.parse().map_err(|_| "--seed: a number")?,
            "--as-of" => {
                options.as_of = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--as-of: a date YYYY-MM-DD, not {value}"))?,
                )
            }
            "--out" => options.out = Some(value.into()),
            "--mapping" => options.mapping = value.into(),
            "--backend" => {
                options.backends = match value.as_str() {
                    "sqlite" => vec!["sqlite"],
                    "postgres" => vec!["postgres"],
                    "both" => vec!["sqlite", "postgres"],
                    other => return Err(format!("unknown backend {other}")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.clients.len() > 1 && options.command != "reads" {
        return Err(format!("{}: --clients takes one number", options.command));
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if options.command == "load" {
        let Some(database_url) = options.database_url.clone() else {
            eprintln!("load: --database-url of a database made by 'kotopolku demo generate' is needed");
            std::process::exit(2);
        };
        let load = load::LoadOptions {
            database_url,
            server: options.server.clone(),
            clients: options.clients_or(50),
            seconds: options.seconds,
        };
        if let Err(message) = load::run(&load).await {
            eprintln!("load: {message}");
            std::process::exit(1);
        }
        return;
    }
    if options.command == "legacy-export" {
        let Some(out) = options.out.clone() else {
            eprintln!("legacy-export: --out FILE is needed");
            std::process::exit(2);
        };
        let export = legacy_export::ExportOptions {
            customers: options.customers,
            seed: options.seed,
            as_of: options.as_of.unwrap_or_else(legacy_export::default_as_of),
            out,
            mapping: options.mapping.clone(),
        };
        if let Err(message) = legacy_export::run(&export) {
            eprintln!("legacy-export: {message}");
            std::process::exit(1);
        }
        return;
    }
    if options.command == "search" {
        println!(
            "customer search over HTTP, one sequential client, {} customers, {} queries per kind",
            options.customers, options.queries
        );
        println!(
            "{:<10} {:<28} {:>9} {:>9} {:>9} {:>12}",
            "backend", "query", "p50 ms", "p99 ms", "max ms", "avg results"
        );
    } else if options.command == "worklist" {
        println!(
            "worklist over HTTP, one sequential client, {} active customers with process records, {} requests each",
            options.customers, options.queries
        );
        println!(
            "{:<10} {:<34} {:>9} {:>9} {:>9} {:>10}",
            "backend", "worklist", "p50 ms", "p99 ms", "max ms", "customers"
        );
    } else if options.command == "statistics" {
        println!(
            "statistics: {} customers with process records (audit rows of the writes {}); refreshes, then {} \
             sequential requests per dashboard over HTTP; DuckDB computes the national figures again from an export",
            options.customers,
            if options.write_audit { "on" } else { "off" },
            options.requests
        );
    } else if options.command == "customer-page" {
        println!(
            "customer page (GET /customers/{{id}}) over HTTP, signed in as a caseworker, {} customers with process \
             records, {} requests per run over the {} customers with the most records, read audit {}, audit rows of \
             the records' writes {}",
            options.customers,
            options.queries,
            options.pages,
            if std::env::var("KOTOPOLKU_BENCH_READ_AUDIT").as_deref() == Ok("off") {
                "off (bench)"
            } else {
                "on"
            },
            if options.write_audit { "on" } else { "off" }
        );
        println!(
            "{:<10} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8} {:>8} | {:>8}",
            "backend",
            "clients",
            "requests",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "srv p50",
            "srv p90",
            "srv p99",
            "srv max",
            "pages/s"
        );
    } else {
        println!(
            "customer reads (GET /api/v1/customers/{{id}}) over HTTP, {} s in each mode (taking turns every \
             {} s), {} customers",
            options.seconds.div_ceil(reads::READ_SLICE_SECONDS).max(1) * reads::READ_SLICE_SECONDS,
            reads::READ_SLICE_SECONDS,
            options.customers
        );
        println!(
            "{:<10} {:>7} {:<14} {:>12} {:>9} {:>9} {:>12}",
            "backend", "clients", "read audit", "reads/s", "p50 ms", "p99 ms", "cpu µs/read"
        );
    }
    for backend in &options.backends {
        if let Err(message) = run(backend, &options).await {
            eprintln!("{backend}: {message}");
            std::process::exit(1);
        }
    }
}

async fn run(backend: &str, options: &Options) -> Result<(), String> {
    if let Some(url) = &options.database_url
        && options.command == "statistics"
    {
        // A database made by `kotopolku demo generate`, measured as it is.
        let db = Database::connect(url).await.map_err(|e| e.to_string())?;
        db.migrate().await.map_err(|e| e.to_string())?;
        let result = statistics::run(backend, &db, options).await;
        db.close().await;
        return result;
    }
    let (url, cleanup) = match backend {
        "sqlite" => {
            let path = std::env::temp_dir().join(format!("kotopolku-bench-{}.db", uuid::Uuid::new_v4().simple()));
            (format!("sqlite://{}", path.display()), Cleanup::File(path))
        }
        _ => {
            let schema = format!("kp_bench_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&options.postgres_url)
                .await
                .map_err(|e| e.to_string())?;
            if let Database::Postgres(pool) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(pool)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            admin.close().await;
            let separator = if options.postgres_url.contains('?') { '&' } else { '?' };
            (
                format!("{}{separator}options=-c%20search_path%3D{schema}", options.postgres_url),
                Cleanup::Schema(options.postgres_url.clone(), schema),
            )
        }
    };
    // The server's default: a read journal on SQLite, none on PostgreSQL, unless
    // KOTOPOLKU_BENCH_AUDIT_JOURNAL says `on` or `off`.
    let journal = match (std::env::var("KOTOPOLKU_BENCH_AUDIT_JOURNAL").as_deref(), backend) {
        (Ok("on"), _) | (Err(_), "sqlite") => {
            Some(std::env::temp_dir().join(format!("kotopolku-bench-journal-{}", uuid::Uuid::new_v4().simple())))
        }
        _ => None,
    };
    let result = measure(backend, &url, journal.as_deref(), options).await;
    cleanup.run().await;
    if let Some(dir) = journal {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

async fn measure(backend: &str, url: &str, journal: Option<&std::path::Path>, options: &Options) -> Result<(), String> {
    let db = Database::connect(url).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    if options.command == "customer-page" {
        let result = customer_page::run(backend, &db, journal, options).await;
        db.close().await;
        return result;
    }
    if options.command == "statistics" {
        let result = statistics::run(backend, &db, options).await;
        db.close().await;
        return result;
    }
    let clock = Clock::system();
    let started = Instant::now();
    let loaded = load(&db, options.customers, clock.clone()).await?;
    let load_time = started.elapsed();
    analyze(&db).await?;

    let services = Services::new(db.clone(), clock.clone());
    let services = match journal {
        Some(dir) => {
            eprintln!("{backend}: read audit rows go through the journal");
            services.with_audit_journal(dir).await.map_err(|e| e.to_string())?
        }
        None => services,
    };
    let token = caseworker_token(&services).await?;
    if options.command == "worklist" {
        let services = if std::env::var("KOTOPOLKU_BENCH_READ_AUDIT").as_deref() == Ok("off") {
            services.without_read_audit_for_benchmark()
        } else {
            services
        };
        let result = worklists(backend, &db, &services, &token, &loaded, &clock, options).await;
        db.close().await;
        return result;
    }
    if options.command == "reads" {
        // KOTOPOLKU_BENCH_READ_AUDIT `on` or `off` gives both servers the same mode: one mode's
        // steady state, for profiling it.
        let both = std::env::var("KOTOPOLKU_BENCH_READ_AUDIT").ok();
        let audit = services.audit_sink().clone();
        let (first, first_label) = match both.as_deref() {
            Some("on") => (services.clone(), "on"),
            _ => (services.clone().without_read_audit_for_benchmark(), "off (bench)"),
        };
        let (second, second_label) = match both.as_deref() {
            Some("off") => (services.without_read_audit_for_benchmark(), "off (bench)"),
            _ => (services, "on"),
        };
        let (first_base, first_server) = start_server(first).await?;
        let (second_base, second_server) = start_server(second).await?;
        let counts = if options.clients.is_empty() {
            reads::READ_CLIENTS.to_vec()
        } else {
            options.clients.clone()
        };
        let mut result = Ok(());
        for clients in counts {
            result = reads::run(
                backend,
                clients,
                [(first_label, &first_base), (second_label, &second_base)],
                &audit,
                &token,
                &loaded,
                options,
            )
            .await;
            if result.is_err() {
                break;
            }
        }
        first_server.abort();
        second_server.abort();
        db.close().await;
        return result;
    }
    let services = if std::env::var("KOTOPOLKU_BENCH_READ_AUDIT").as_deref() == Ok("off") {
        services.without_read_audit_for_benchmark()
    } else {
        services
    };
    let (base, server) = start_server(services).await?;
    let client = client(&token)?;
    let mut rng = Rng::new(99);

    let by_code: Vec<String> = (0..options.queries)
        .map(|_| {
            let c = loop {
                let c = rng.pick(&loaded);
                if c.data.identity_code.is_some() {
                    break c;
                }
            };
            format!(
                "identity_code={}",
                c.data.identity_code.as_ref().map(|i| i.as_str()).unwrap_or_default()
            )
        })
        .collect();
    let by_family_prefix: Vec<String> = (0..options.queries)
        .map(|_| format!("name={}", prefix(&rng.pick(&loaded).data.family_name, 4)))
        .collect();
    let by_two_fragments: Vec<String> = (0..options.queries)
        .map(|_| {
            let c = rng.pick(&loaded);
            format!(
                "name={}+{}",
                prefix(&c.data.family_name, 3),
                prefix(&c.data.given_names, 3)
            )
        })
        .collect();
    let by_name_in_municipality: Vec<String> = (0..options.queries)
        .map(|_| {
            let c = rng.pick(&loaded);
            format!(
                "name={}&municipality={}",
                prefix(&c.data.family_name, 3),
                c.data.municipality_code
            )
        })
        .collect();

    // Warm up caches and connections before timing.
    for query in by_family_prefix.iter().take(200) {
        get(&client, &base, query).await?;
    }
    for (label, queries) in [
        ("identity code", &by_code),
        ("name, family prefix", &by_family_prefix),
        ("name, two fragments", &by_two_fragments),
        ("name + municipality", &by_name_in_municipality),
    ] {
        let mut times = Vec::with_capacity(queries.len());
        let mut results = 0usize;
        for query in queries {
            let started = Instant::now();
            results += get(&client, &base, query).await?;
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "{:<10} {:<28} {:>9.2} {:>9.2} {:>9.2} {:>12.1}",
            backend,
            label,
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            results as f64 / queries.len() as f64
        );
    }
    println!(
        "{:<10} (loaded {} customers in {:.1} s, {:.0} per second)",
        backend,
        loaded.len(),
        load_time.as_secs_f64(),
        loaded.len() as f64 / load_time.as_secs_f64()
    );
    server.abort();
    db.close().await;
    Ok(())
}

/// Gives every customer an assessment and every other one a first plan, hands a twentieth of them
/// to the benchmark caseworker, and times `GET /api/v1/worklist` for them and for the whole unit.
async fn worklists(
    backend: &str,
    db: &Database,
    services: &Services,
    token: &str,
    loaded: &[Customer],
    clock: &Clock,
    options: &Options,
) -> Result<(), String> {
    use kotopolku_domain::process::{ProcessRecord, RecordBody};
    let (base, server) = start_server(services.clone()).await?;
    let me: serde_json::Value = client(token)?
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let caseworker = me["id"].as_str().ok_or("no id")?.to_owned();
    let started = Instant::now();
    for (chunk_index, chunk) in loaded.chunks(1000).enumerate() {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        for (i, customer) in chunk.iter().enumerate() {
            let n = chunk_index * 1000 + i;
            let start = customer.data.customership_start;
            let day = |offset: i64| (start + chrono::Duration::days(offset)).min(clock.today());
            let mut bodies = vec![serde_json::json!({
                "kind": "assessment", "started_on": day(30), "completed_on": day(45),
                "plan_needed": true, "plan_need_reason": "benchmark",
            })];
            if n % 2 == 0 {
                bodies.push(serde_json::json!({
                    "kind": "plan", "drawn_up_on": day(60), "starts_on": day(60), "ends_on": day(60) + chrono::Duration::days(300),
                    "goals": [{"area": "language", "description": "Kielitaito", "measures": [{
                        "service": "civic_orientation", "planned_start": day(60), "planned_end": day(60) + chrono::Duration::days(90),
                    }]}],
                }));
            }
            for body in bodies {
                let content: RecordBody = serde_json::from_value(body).map_err(|e| e.to_string())?;
                let record = ProcessRecord {
                    id: uuid::Uuid::now_v7().to_string(),
                    customer_id: customer.id.clone(),
                    kind: content.kind(),
                    version: 1,
                    current: true,
                    county_code: None,
                    created_at: clock.now(),
                    created_by: "bench".into(),
                    created_by_name: "bench".into(),
                    content,
                };
                kotopolku_store::process::insert(&mut tx, &record)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    let records_time = started.elapsed();
    // Every twentieth customer is the benchmark caseworker's; the rest are spread over 19 others.
    match db {
        Database::Sqlite(pool, _) => sqlx::query(
            "UPDATE customers SET responsible_caseworker = CASE WHEN rowid % 20 = 0 THEN $1 ELSE 'other-' || (rowid % 20) END",
        )
        .bind(&caseworker)
        .execute(pool)
        .await
        .map(|_| ()),
        Database::Postgres(pool) => sqlx::query(
            "UPDATE customers SET responsible_caseworker = CASE WHEN abs(hashtext(id)) % 20 = 0 THEN $1 ELSE 'other-' || (abs(hashtext(id)) % 20) END",
        )
        .bind(&caseworker)
        .execute(pool)
        .await
        .map(|_| ()),
    }
    .map_err(|e| e.to_string())?;
    analyze(db).await?;
    let supervisor = supervisor_token(services).await?;
    for (label, who, path) in [
        ("own (caseworker)", token, "/api/v1/worklist"),
        ("own, 1-year horizon", token, "/api/v1/worklist?horizon_days=365"),
        (
            "whole unit (supervisor)",
            supervisor.as_str(),
            "/api/v1/worklist?scope=unit",
        ),
    ] {
        let client = client(who)?;
        let mut times = Vec::new();
        let mut customers = 0;
        for _ in 0..options.queries {
            let started = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("{path}: HTTP {}", response.status()));
            }
            let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            times.push(started.elapsed());
            customers = body["caseworkers"]
                .as_array()
                .map(|groups| groups.iter().map(|g| g["entries"].as_array().map_or(0, Vec::len)).sum())
                .unwrap_or(0);
        }
        times.sort();
        println!(
            "{:<10} {:<34} {:>9.1} {:>9.1} {:>9.1} {:>10}",
            backend,
            label,
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            customers
        );
    }
    println!(
        "{:<10} (wrote {} customers' process records in {:.1} s)",
        backend,
        loaded.len(),
        records_time.as_secs_f64()
    );
    server.abort();
    Ok(())
}

/// A supervisor token of the benchmark unit.
async fn supervisor_token(services: &Services) -> Result<String, String> {
    let system = kotopolku_domain::actor::Actor::system();
    let unit = services
        .organisations(&system)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|o| o.name == "Benchmark unit")
        .ok_or("no benchmark unit")?;
    let token = services
        .create_token(
            &system,
            &unit.id,
            kotopolku_domain::access::Role::Supervisor,
            "benchmark",
            1,
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(token.secret)
}

/// A large unit serving every municipality the synthetic customers live in, and a caseworker token.
async fn caseworker_token(services: &Services) -> Result<String, String> {
    let system = kotopolku_domain::actor::Actor::system();
    let all: Vec<String> = kotopolku_domain::code_lists::municipalities()
        .map(|m| m.code.clone())
        .collect();
    let unit = services
        .create_organisation(
            &system,
            &kotopolku_domain::directory::NewOrganisation {
                kind: kotopolku_domain::access::OrganisationKind::MunicipalUnit,
                name: "Benchmark unit".into(),
                area_code: None,
                municipalities: all,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let token = services
        .create_token(
            &system,
            &unit.id,
            kotopolku_domain::access::Role::Caseworker,
            "benchmark",
            1,
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(token.secret)
}

async fn start_server(services: Services) -> Result<(String, tokio::task::JoinHandle<()>), String> {
    serve_app(app(services)).await
}

/// The real application over `services`, as `kotopolku serve` builds it.
fn app(services: Services) -> axum::Router {
    kotopolku_web::router(kotopolku_web::AppState {
        services,
        hsts: false,
        oidc: None,
        limits: Default::default(),
        metrics: Default::default(),
        trusted_proxies: Default::default(),
    })
}

/// Serves `app` on a free loopback port; returns its base URL and the server task.
async fn serve_app(app: axum::Router) -> Result<(String, tokio::task::JoinHandle<()>), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    Ok((base, server))
}

fn client(token: &str) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).map_err(|e| e.to_string())?;
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .map_err(|e| e.to_string())
}

/// Inserts synthetic customers in transactions of 1,000 through the store layer.
async fn load(db: &Database, count: usize, clock: Clock) -> Result<Vec<Customer>, String> {
    let today = clock.today();
    let mut generator = Generator::new(2026, today);
    let mut all = Vec::with_capacity(count);
    let mut done = 0;
    while done < count {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        for _ in 0..1000.min(count - done) {
            let data = generator.customer().validate(today).map_err(|e| format!("{e:?}"))?;
            let now = clock.now();
            let customer = Customer {
                id: uuid::Uuid::now_v7().to_string(),
                data,
                customership_end: None,
                end_reason: None,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            customers::insert(&mut tx, &customer).await.map_err(|e| e.to_string())?;
            all.push(customer);
            done += 1;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    Ok(all)
}

/// Planner statistics and (on PostgreSQL) the visibility map, as autovacuum keeps them in a running
/// system; without it a freshly loaded table cannot use index-only scans.
async fn analyze(db: &Database) -> Result<(), String> {
    match db {
        Database::Sqlite(pool, _) => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()),
        Database::Postgres(pool) => sqlx::query("VACUUM ANALYZE").execute(pool).await.map(|_| ()),
    }
    .map_err(|e| e.to_string())
}

async fn get(client: &reqwest::Client, base: &str, query: &str) -> Result<usize, String> {
    let response = client
        .get(format!("{base}/api/v1/customers?{query}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{query}: HTTP {}", response.status()));
    }
    let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    Ok(body["customers"].as_array().map(Vec::len).unwrap_or(0))
}

fn prefix(name: &str, chars: usize) -> String {
    names::fold(name)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(chars)
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl Options {
    /// The number of clients given (only `reads` takes a list), or `default`.
    fn clients_or(&self, default: usize) -> usize {
        self.clients.first().copied().unwrap_or(default)
    }
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema(String, String),
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema(url, schema) => {
                if let Ok(Database::Postgres(pool)) = Database::connect(&url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            }
        }
    }
}
