//! `kotopolku-bench statistics`: the statistics (issue 6) at scale, and an independent check of the
//! published figures by DuckDB.
//!
//! Loads N synthetic customers with their process records as `customer-page` does (the same
//! functions), then times: the first refresh (every customer's facts derived, aggregated, protected
//! and stored); changing 1,000 customers through the service (about half of them ended, the others'
//! first assessment revised to record when it was requested) and the incremental refresh after it
//! (only those customers' facts derived again); the refresh's steps alone (counting every customer's
//! facts, the protection); and, over HTTP against the real application, `--requests` sequential
//! requests of the national dashboard (`area=nation`, this year, as a national analyst) and of a
//! municipality's (`area=m-091`, as a supervisor of a unit serving Helsinki).
//!
//! Then it reads every national period the API offers (untimed), writes those figures to a JSON file,
//! exports the same data (the customers as CSV, the current versions of their process records as JSON
//! lines, straight from the database tables) and runs `bench/statistics_duckdb.py`, which computes the
//! indicators again from the raw records in DuckDB SQL, times that, and compares every figure with
//! Kotopolku's. With `--export-dir DIR` the export (and each customer's facts as Kotopolku derived
//! them, `facts.jsonl`) is kept there for investigation.
//!
//! With `--database-url URL --backend sqlite|postgres` it measures a database made by `kotopolku demo
//! generate` as it is (nothing loaded; the 1,000 changed customers are active ones chosen at random):
//!
//! ```sh
//! target/release/kotopolku demo generate --customers 1000000 --database-url sqlite://big.db
//! target/release/kotopolku-bench statistics --backend sqlite --database-url sqlite://big.db
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use kotopolku_domain::access::{OrganisationKind, Role};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::code_lists::{self, CodeListName};
use kotopolku_domain::customer::{Customer, EndCustomership};
use kotopolku_domain::directory::NewOrganisation;
use kotopolku_domain::process::{RecordBody, RecordKind};
use kotopolku_domain::statistics::{Aggregator, CustomerStatistics, Options as StatisticsOptions};
use kotopolku_service::{Clock, Services};
use kotopolku_store::{Database, with_db};
use kotopolku_synthetic::Rng;

use crate::customer_page::{caseworker, start_timed_server, timed_get, write_records};
use crate::{Options, analyze, caseworker_token, client, load, ms, percentile};

/// Customers changed between the first refresh and the incremental one.
const CHANGED: usize = 1_000;
/// The municipality whose dashboard is timed: Helsinki, where most synthetic customers live.
const MUNICIPALITY: &str = "091";
/// Untimed requests before the timed ones of each dashboard.
const WARM_UP: usize = 5;
/// Rows per page when exporting.
const PAGE: i64 = 20_000;

pub async fn run(backend: &str, db: &Database, options: &Options) -> Result<(), String> {
    let clock = Clock::system();
    let services = Services::new(db.clone(), clock.clone());
    let to_change = if options.database_url.is_some() {
        // A database made by `kotopolku demo generate`: nothing to load.
        caseworker_token(&services).await?;
        active_customers(db, CHANGED).await?
    } else {
        let started = Instant::now();
        let loaded = load(db, options.customers, clock.clone()).await?;
        let customers_time = started.elapsed();
        caseworker_token(&services).await?;
        let (user, actor) = caseworker(&services).await?;
        let started = Instant::now();
        let counts = write_records(db, &loaded, &clock, &user, options.write_audit.then_some(&actor)).await?;
        let records_time = started.elapsed();
        let started = Instant::now();
        analyze(db).await?;
        let analyze_time = started.elapsed();
        println!(
            "{backend:<10} load: {} customers in {:.1} s, {} process records ({} versions) in {:.1} s, ANALYZE {:.1} s",
            loaded.len(),
            customers_time.as_secs_f64(),
            counts.iter().map(|c| c.records).sum::<usize>(),
            counts.iter().map(|c| c.versions).sum::<usize>(),
            records_time.as_secs_f64(),
            analyze_time.as_secs_f64()
        );
        choose(loaded, CHANGED)
    };
    let (_, actor) = caseworker(&services).await?;

    // The first refresh derives every customer's facts.
    let started = Instant::now();
    let first = services.refresh_statistics().await.map_err(|e| e.to_string())?;
    let first_time = started.elapsed();
    let figures = count(db, "SELECT COUNT(*) FROM statistics_figures").await?;
    let suppressed = count(db, "SELECT COUNT(*) FROM statistics_figures WHERE value IS NULL").await?;
    println!(
        "{backend:<10} first refresh: {:.1} s ({} customers' facts derived, {} customers counted; {figures} figures \
         stored, {suppressed} of them suppressed; as of {})",
        first_time.as_secs_f64(),
        first.facts_derived,
        first.customers,
        first.as_of
    );

    // Change 1,000 customers through the service: end customerships, revise assessments.
    let started = Instant::now();
    let changes = change_customers(&services, &actor, &to_change, &clock).await?;
    let change_time = started.elapsed();
    let started = Instant::now();
    let second = services.refresh_statistics().await.map_err(|e| e.to_string())?;
    let incremental_time = started.elapsed();
    println!(
        "{backend:<10} incremental refresh after changing {} customers through the service ({} customerships ended, \
         {} first assessments revised with the day they were requested; {:.1} s, {:.1} ms each): {:.1} s ({} \
         customers' facts derived)",
        changes.ended + changes.revised,
        changes.ended,
        changes.revised,
        change_time.as_secs_f64(),
        ms(change_time) / (changes.ended + changes.revised).max(1) as f64,
        incremental_time.as_secs_f64(),
        second.facts_derived
    );

    let (aggregate_time, protect_time) = refresh_steps(&services, db, second.as_of).await?;
    println!(
        "{backend:<10} where a refresh's time goes (the same steps alone, after it): reading every customer's facts \
         and counting them into the cubes {:.1} s; protecting the figures (suppression) {:.1} s; the rest of the \
         incremental refresh (deriving the changed customers' facts, storing the figures) {:.1} s",
        aggregate_time.as_secs_f64(),
        protect_time.as_secs_f64(),
        (incremental_time.saturating_sub(aggregate_time + protect_time)).as_secs_f64()
    );

    // The dashboards over HTTP.
    let national = national_analyst_token(&services).await?;
    let supervisor = municipal_supervisor_token(&services).await?;
    let (base, server) = start_timed_server(services.clone()).await?;
    let year = clock.today().year();
    let mut national_p50 = Duration::ZERO;
    for (label, token, path) in [
        (
            "national (national analyst)",
            &national,
            format!("/api/v1/statistics?area=nation&period={year}"),
        ),
        (
            "municipality 091 (supervisor)",
            &supervisor,
            format!("/api/v1/statistics?area=m-{MUNICIPALITY}&period={year}"),
        ),
    ] {
        let client = client(token)?;
        for _ in 0..WARM_UP {
            timed_get(&client, &base, &path).await?;
        }
        let mut samples = Vec::with_capacity(options.requests);
        for _ in 0..options.requests {
            samples.push(timed_get(&client, &base, &path).await?.0);
        }
        let mut round_trips: Vec<Duration> = samples.iter().map(|s| s.round_trip).collect();
        let mut server_times: Vec<Duration> = samples.iter().map(|s| s.server).collect();
        round_trips.sort();
        server_times.sort();
        if label.starts_with("national") {
            national_p50 = percentile(&round_trips, 0.50);
        }
        let (min_bytes, max_bytes) = (
            samples.iter().map(|s| s.bytes).min().unwrap_or(0),
            samples.iter().map(|s| s.bytes).max().unwrap_or(0),
        );
        println!(
            "{backend:<10} {label:<30} {} requests: p50 {:.2} ms, p95 {:.2}, p99 {:.2}, max {:.2} (server p50 {:.2}, \
             p99 {:.2}); response {} bytes{}",
            samples.len(),
            ms(percentile(&round_trips, 0.50)),
            ms(percentile(&round_trips, 0.95)),
            ms(percentile(&round_trips, 0.99)),
            ms(*round_trips.last().unwrap_or(&Duration::ZERO)),
            ms(percentile(&server_times, 0.50)),
            ms(percentile(&server_times, 0.99)),
            min_bytes,
            if max_bytes != min_bytes {
                format!(" (up to {max_bytes})")
            } else {
                String::new()
            }
        );
    }

    // Every national period the API offers, for the comparison (untimed).
    let (dir, keep) = match &options.export_dir {
        Some(dir) => (dir.join(backend), true),
        None => (
            std::env::temp_dir().join(format!("kotopolku-bench-statistics-{}", uuid::Uuid::new_v4().simple())),
            false,
        ),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = compare(backend, db, &base, &national, &dir, keep, national_p50, first_time).await;
    server.abort();
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Writes the national figures, exports the data, runs DuckDB and prints its figures.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the figures it prints come from all of them"
)]
async fn compare(
    backend: &str,
    db: &Database,
    base: &str,
    national: &str,
    dir: &Path,
    keep: bool,
    national_p50: Duration,
    first_refresh: Duration,
) -> Result<(), String> {
    let figures_file = dir.join("kotopolku-figures.json");
    let (periods, listed, published) = national_figures(base, national, &figures_file).await?;
    println!(
        "{backend:<10} national figures read from the API: {periods} periods, {listed} figures, {published} of them \
         published (not suppressed)"
    );
    let started = Instant::now();
    let (customers, records, bytes) = export(db, dir, keep).await?;
    println!(
        "{backend:<10} export for DuckDB: {customers} customers (CSV) and {records} current process records (JSON \
         lines), {:.0} MB, in {:.1} s{}",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        if keep {
            format!(", kept in {}", dir.display())
        } else {
            String::new()
        }
    );
    let script = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/statistics_duckdb.py"));
    let args = (script, dir.to_owned(), figures_file);
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new(std::env::var("KOTOPOLKU_BENCH_PYTHON").unwrap_or_else(|_| "python3".into()))
            .arg(&args.0)
            .arg(&args.1)
            .arg(&args.2)
            .status()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("python3: {e}"))?;
    if !status.success() {
        return Err(format!("statistics_duckdb.py failed: {status}"));
    }
    let result: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("duckdb-result.json")).map_err(|e| format!("duckdb-result.json: {e}"))?,
    )
    .map_err(|e| e.to_string())?;
    let number = |key: &str| result[key].as_f64().unwrap_or(f64::NAN);
    let (load_s, query_s) = (number("load_s"), number("query_s"));
    println!(
        "{backend:<10} DuckDB {}: load {:.2} s, query {:.2} s ({} threads); national dashboard p50 / DuckDB query = \
         {:.5} ({:.2} ms / {:.0} ms); first refresh / DuckDB load + query = {:.1}",
        result["duckdb_version"].as_str().unwrap_or("?"),
        load_s,
        query_s,
        result["threads"],
        ms(national_p50) / (query_s * 1000.0),
        ms(national_p50),
        query_s * 1000.0,
        first_refresh.as_secs_f64() / (load_s + query_s)
    );
    println!(
        "{backend:<10} agreement: {} of {} figures compared agree, {} disagree ({} suppressed by Kotopolku skipped; \
         {} published figures of indicators DuckDB does not compute)",
        result["agree"], result["compared"], result["disagree"], result["suppressed"], result["not_computed"]
    );
    if let Some(list) = result["disagreements"].as_array() {
        for d in list.iter().take(30) {
            println!("{backend:<10}   disagreement: {d}");
        }
    }
    Ok(())
}

/// The steps of a refresh after the facts are derived, as `Services::refresh_statistics` takes
/// them, timed alone: reading the facts and counting them, and the protection.
async fn refresh_steps(services: &Services, db: &Database, as_of: NaiveDate) -> Result<(Duration, Duration), String> {
    let started = Instant::now();
    let mut aggregator = Aggregator::new(StatisticsOptions::new(as_of, services.statistics_threshold()));
    let mut after = String::new();
    loop {
        let page = kotopolku_store::statistics::facts_page(db, &after, 10_000)
            .await
            .map_err(|e| e.to_string())?;
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        for (id, json) in &page {
            let facts: CustomerStatistics = serde_json::from_str(json).map_err(|e| format!("facts of {id}: {e}"))?;
            aggregator.add(&facts);
        }
    }
    let aggregate = started.elapsed();
    let started = Instant::now();
    let figures = tokio::task::spawn_blocking(move || aggregator.finish())
        .await
        .map_err(|e| e.to_string())?;
    let protect = started.elapsed();
    drop(figures);
    Ok((aggregate, protect))
}

/// How the customers were changed.
#[derive(Debug, Default)]
struct Changes {
    ended: usize,
    revised: usize,
}

/// Changes `CHANGED` distinct customers (a deterministic choice) through the service: every other
/// one's customership ends on a day between its start and today, for reasons of the code list in
/// turn; the others' first assessment is revised to record when it was requested, between 90 days
/// before the customership started and 30 days after (so the deadline runs from the request when
/// it came first). A customer without an assessment is ended instead.
/// `count` of `loaded` at random (the same ones for the same list).
fn choose(loaded: Vec<Customer>, count: usize) -> Vec<Customer> {
    let mut rng = Rng::new(6);
    let mut chosen = std::collections::BTreeSet::new();
    while chosen.len() < count.min(loaded.len()) {
        chosen.insert(rng.range(0, loaded.len() as u64 - 1) as usize);
    }
    loaded
        .into_iter()
        .enumerate()
        .filter(|(i, _)| chosen.contains(i))
        .map(|(_, c)| c)
        .collect()
}

/// `count` customers at random among those whose customership goes on, read from the database.
async fn active_customers(db: &Database, count: usize) -> Result<Vec<Customer>, String> {
    let sql = "SELECT id FROM customers WHERE customership_end IS NULL ORDER BY id";
    let ids: Vec<String> =
        with_db!(db, pool => sqlx::query_scalar(sql).fetch_all(pool).await).map_err(|e| e.to_string())?;
    let mut rng = Rng::new(6);
    let mut chosen = std::collections::BTreeSet::new();
    while chosen.len() < count.min(ids.len()) {
        chosen.insert(rng.range(0, ids.len() as u64 - 1) as usize);
    }
    let mut customers = Vec::with_capacity(chosen.len());
    for i in chosen {
        let customer = kotopolku_store::customers::get(db, &ids[i])
            .await
            .map_err(|e| e.to_string())?
            .ok_or("a customer vanished")?;
        customers.push(customer);
    }
    Ok(customers)
}

async fn change_customers(
    services: &Services,
    actor: &Actor,
    chosen: &[Customer],
    clock: &Clock,
) -> Result<Changes, String> {
    let reasons: Vec<String> = code_lists::list(CodeListName::CustomershipEndReasons)
        .entries
        .iter()
        .map(|e| e.code.clone())
        .collect();
    let today = clock.today();
    let mut rng = Rng::new(6);
    let mut changes = Changes::default();
    for (n, customer) in chosen.iter().enumerate() {
        let start = customer.data.customership_start;
        if n % 2 == 1 {
            let assessments = services
                .records(actor, &customer.id, Some(RecordKind::Assessment))
                .await
                .map_err(|e| e.to_string())?;
            if let Some(first) = assessments.iter().min_by_key(|r| match &r.content {
                RecordBody::Assessment(a) => a.started_on,
                _ => NaiveDate::MAX,
            }) && let RecordBody::Assessment(assessment) = &first.content
            {
                let requested =
                    (start - chrono::Duration::days(90) + chrono::Duration::days(rng.range(0, 120) as i64)).min(today);
                let mut revised = assessment.clone();
                revised.requested_on = Some(requested);
                services
                    .revise_record(
                        actor,
                        &customer.id,
                        &first.id,
                        first.version,
                        RecordBody::Assessment(revised),
                    )
                    .await
                    .map_err(|e| format!("revising {}: {e}", first.id))?;
                changes.revised += 1;
                continue;
            }
        }
        let span = (today - start).num_days().max(0) as u64;
        let end = EndCustomership {
            end_date: start + chrono::Duration::days(rng.range(0, span) as i64),
            reason: reasons[n % reasons.len()].clone(),
            version: customer.version,
        };
        services
            .end_customership(actor, &customer.id, &end)
            .await
            .map_err(|e| format!("ending {}: {e}", customer.id))?;
        changes.ended += 1;
    }
    Ok(changes)
}

/// A national analyst's token.
async fn national_analyst_token(services: &Services) -> Result<String, String> {
    token(
        services,
        OrganisationKind::National,
        "Benchmark ministry",
        &[],
        Role::NationalAnalyst,
    )
    .await
}

/// A token of a supervisor of a unit serving the benchmark municipality.
async fn municipal_supervisor_token(services: &Services) -> Result<String, String> {
    token(
        services,
        OrganisationKind::MunicipalUnit,
        "Benchmark Helsinki unit",
        &[MUNICIPALITY],
        Role::Supervisor,
    )
    .await
}

async fn token(
    services: &Services,
    kind: OrganisationKind,
    name: &str,
    municipalities: &[&str],
    role: Role,
) -> Result<String, String> {
    let system = Actor::system();
    let organisation = services
        .create_organisation(
            &system,
            &NewOrganisation {
                kind,
                name: name.into(),
                area_code: None,
                municipalities: municipalities.iter().map(|m| (*m).to_owned()).collect(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let token = services
        .create_token(&system, &organisation.id, role, "benchmark", 1)
        .await
        .map_err(|e| e.to_string())?;
    Ok(token.secret)
}

/// Reads the national figures of every period the API offers and writes them to `file` as
/// `{as_of, threshold, periods, figures: [{period, indicator, category, value}]}` (`value` null when
/// suppressed), with the new customers per finer period (the months, from the quarters' views) as
/// `customers`/`total`. Returns the periods read, the figures listed and those published.
async fn national_figures(base: &str, token: &str, file: &Path) -> Result<(usize, usize, usize), String> {
    let client = client(token)?;
    let get = |path: String| {
        let client = client.clone();
        async move {
            let (_, body) = timed_get(&client, base, &path).await?;
            serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| e.to_string())
        }
    };
    let first = get("/api/v1/statistics?area=nation".into()).await?;
    let periods: Vec<String> = first["periods"]
        .as_array()
        .ok_or("no periods")?
        .iter()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    let mut figures: std::collections::BTreeMap<(String, String, String), serde_json::Value> =
        std::collections::BTreeMap::new();
    let mut series_periods = std::collections::BTreeSet::new();
    for period in &periods {
        let view = get(format!("/api/v1/statistics?area=nation&period={period}")).await?;
        if let Some(indicators) = view["figures"].as_object() {
            for (indicator, categories) in indicators {
                for (category, value) in categories.as_object().into_iter().flatten() {
                    figures.insert((period.clone(), indicator.clone(), category.clone()), value.clone());
                }
            }
        }
        for point in view["new_customers"].as_array().into_iter().flatten() {
            let Some(p) = point["period"].as_str() else { continue };
            series_periods.insert(p.to_owned());
            let key = (p.to_owned(), "customers".to_owned(), "total".to_owned());
            if let Some(known) = figures.get(&key)
                && known != &point["value"]
            {
                return Err(format!(
                    "the new customers of {p} are {} in the series and {known} in the period's own figures",
                    point["value"]
                ));
            }
            figures.insert(key, point["value"].clone());
        }
    }
    let listed = figures.len();
    let published = figures.values().filter(|v| !v.is_null()).count();
    let mut all_periods: Vec<String> = periods.clone();
    all_periods.extend(series_periods.into_iter().filter(|p| !periods.contains(p)));
    let document = serde_json::json!({
        "as_of": first["freshness"]["as_of"],
        "threshold": first["freshness"]["threshold"],
        "periods": all_periods,
        "figures": figures
            .into_iter()
            .map(|((period, indicator, category), value)| serde_json::json!({
                "period": period, "indicator": indicator, "category": category, "value": value,
            }))
            .collect::<Vec<_>>(),
    });
    std::fs::write(file, serde_json::to_vec(&document).map_err(|e| e.to_string())?)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    Ok((periods.len(), listed, published))
}

type CustomerRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

const CUSTOMERS_PAGE: &str = "SELECT id, municipality_code, CAST(birth_date AS TEXT), sex, native_language, \
    target_group, residence_basis, CAST(customership_start AS TEXT), CAST(customership_end AS TEXT), end_reason \
    FROM customers WHERE id > $1 ORDER BY id LIMIT $2";
const RECORDS_RANGE: &str = "SELECT customer_id, kind, body FROM process_records \
    WHERE is_current AND customer_id > $1 AND customer_id <= $2 ORDER BY customer_id, id";
const FACTS_RANGE: &str = "SELECT customer_id, facts FROM statistics_facts \
    WHERE customer_id > $1 AND customer_id <= $2 ORDER BY customer_id";

/// Runs a static query on either database with two text bounds (or a bound and a limit).
macro_rules! fetch_all {
    ($db:expr, $row:ty, $sql:expr, $a:expr, $b:expr) => {
        with_db!($db, pool => sqlx::query_as::<_, $row>($sql).bind($a).bind($b).fetch_all(pool).await)
        .map_err(|e| e.to_string())
    };
}

/// Writes `customers.csv` and `records.jsonl` (and with `facts`, `facts.jsonl`: each customer's
/// facts as Kotopolku derived them) into `dir`, straight from the tables, a page of customers at a
/// time. Returns the customers, the records and the bytes written.
async fn export(db: &Database, dir: &Path, facts: bool) -> Result<(usize, usize, u64), String> {
    let open = |name: &str| -> Result<std::io::BufWriter<std::fs::File>, String> {
        let path = dir.join(name);
        std::fs::File::create(&path)
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let io = |e: std::io::Error| e.to_string();
    let mut customers_out = open("customers.csv")?;
    let mut records_out = open("records.jsonl")?;
    let mut facts_out = if facts { Some(open("facts.jsonl")?) } else { None };
    writeln!(
        customers_out,
        "id,municipality_code,birth_date,sex,native_language,target_group,residence_basis,customership_start,\
         customership_end,end_reason"
    )
    .map_err(io)?;
    let (mut customers, mut records) = (0, 0);
    let mut after = String::new();
    loop {
        let page: Vec<CustomerRow> = fetch_all!(db, CustomerRow, CUSTOMERS_PAGE, &after, PAGE)?;
        let Some(last) = page.last().map(|r| r.0.clone()) else {
            break;
        };
        for r in &page {
            let fields = [
                Some(&r.0),
                Some(&r.1),
                Some(&r.2),
                Some(&r.3),
                r.4.as_ref(),
                r.5.as_ref(),
                r.6.as_ref(),
                Some(&r.7),
                r.8.as_ref(),
                r.9.as_ref(),
            ];
            let line: Vec<String> = fields
                .iter()
                .map(|f| f.map_or_else(String::new, |v| csv_field(v)))
                .collect();
            writeln!(customers_out, "{}", line.join(",")).map_err(io)?;
        }
        customers += page.len();
        let rows: Vec<(String, String, String)> =
            fetch_all!(db, (String, String, String), RECORDS_RANGE, &after, &last)?;
        for (customer_id, kind, body) in &rows {
            writeln!(
                records_out,
                "{{\"customer_id\":{},\"kind\":{},\"body\":{}}}",
                serde_json::Value::from(customer_id.as_str()),
                serde_json::Value::from(kind.as_str()),
                body.trim()
            )
            .map_err(io)?;
        }
        records += rows.len();
        if let Some(out) = &mut facts_out {
            let rows: Vec<(String, String)> = fetch_all!(db, (String, String), FACTS_RANGE, &after, &last)?;
            for (customer_id, facts) in &rows {
                writeln!(
                    out,
                    "{{\"customer_id\":{},\"facts\":{}}}",
                    serde_json::Value::from(customer_id.as_str()),
                    facts.trim()
                )
                .map_err(io)?;
            }
        }
        after = last;
    }
    customers_out.flush().map_err(io)?;
    records_out.flush().map_err(io)?;
    if let Some(out) = &mut facts_out {
        out.flush().map_err(io)?;
    }
    let bytes = ["customers.csv", "records.jsonl"]
        .iter()
        .map(|name| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len()))
        .sum();
    Ok((customers, records, bytes))
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

async fn count(db: &Database, sql: &'static str) -> Result<i64, String> {
    with_db!(db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await).map_err(|e| e.to_string())
}
