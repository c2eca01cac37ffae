//! `kotopolku demo generate` and `kotopolku demo reset` as an operator runs them, on both databases:
//! the same seed gives the same data, reset brings back what was first made, and a database holding
//! anything but demo data is refused and left as it was.

use std::collections::{BTreeMap, HashSet};
use std::process::Command;

use kotopolku_store::{Backend, Database};

use crate::support::{TestDatabase, register_a_real_looking_customer};

fn demo(args: &[&str], database_url: &str) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kotopolku"));
    for var in ["KOTOPOLKU_DATABASE_URL", "KOTOPOLKU_BIND", "KOTOPOLKU_CONFIG"] {
        command.env_remove(var);
    }
    let out = command
        .arg("demo")
        .args(args)
        .args(["--database-url", database_url])
        .output()
        .expect("run kotopolku");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn generate(customers: &str, seed: &str, url: &str) {
    generate_with(&["--customers", customers, "--seed", seed], url);
}

fn generate_with(args: &[&str], url: &str) {
    let customers = args[args.iter().position(|a| *a == "--customers").expect("--customers") + 1];
    let (code, stdout, stderr) = demo(&[&["generate"][..], args].concat(), url);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("Generated {customers} synthetic customers")),
        "{stdout}"
    );
    // The progress bar goes to standard error.
    assert!(
        stderr.contains(&format!("{customers}/{customers} customers 100%")),
        "{stderr}"
    );
}

/// Every customer and record version as text, with users by e-mail (their ids are new each time).
async fn snapshot(db: &Database) -> Vec<String> {
    let customers = "SELECT c.id, c.identity_code, c.family_name, c.given_names, CAST(c.birth_date AS TEXT), \
        c.municipality_code, c.street_address, CAST(c.customership_start AS TEXT), \
        CAST(c.customership_end AS TEXT), c.end_reason, u.email \
        FROM customers c LEFT JOIN users u ON u.id = c.responsible_caseworker ORDER BY c.id";
    let records = "SELECT r.id, CAST(r.version AS TEXT), r.customer_id, r.kind, CAST(r.is_current AS TEXT), \
        r.body, CAST(r.created_at AS TEXT), u.email \
        FROM process_records r LEFT JOIN users u ON u.id = r.created_by ORDER BY r.id, r.version";
    let mut rows = Vec::new();
    for sql in [customers, records] {
        let fetched: Vec<Vec<Option<String>>> = kotopolku_store::with_db!(db, pool => {
            use sqlx::Row;
            sqlx::query(sql)
                .fetch_all(pool)
                .await
                .expect("snapshot")
                .iter()
                .map(|row| (0..row.len()).map(|i| row.get::<Option<String>, _>(i)).collect())
                .collect()
        });
        rows.extend(fetched.into_iter().map(|r| format!("{r:?}")));
    }
    rows
}

async fn count(db: &Database, sql: &'static str) -> i64 {
    kotopolku_store::with_db!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await.expect("count"))
}

async fn generate_is_deterministic_and_reset_restores(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    generate("600", "5", &test.url);
    let first = snapshot(&test.db).await;
    assert_eq!(count(&test.db, "SELECT COUNT(*) FROM customers").await, 600);

    // What a training database holds: 600 customers shared by two caseworkers (one for every 250),
    // every identity code a temporary one, families that came together, ended customerships, and
    // each customer's records in several versions.
    let caseworkers = count(
        &test.db,
        "SELECT COUNT(DISTINCT responsible_caseworker) FROM customers WHERE responsible_caseworker IS NOT NULL",
    )
    .await;
    assert_eq!(caseworkers, 2);
    let codes: Vec<Option<String>> = kotopolku_store::with_db!(&test.db, pool => {
        sqlx::query_scalar("SELECT identity_code FROM customers").fetch_all(pool).await.expect("codes")
    });
    let codes: Vec<String> = codes.into_iter().flatten().collect();
    assert!(codes.len() > 300, "{} identity codes", codes.len());
    for code in &codes {
        let individual: u32 = code[7..10].parse().expect("individual number");
        assert!((900..=999).contains(&individual), "{code} is not a temporary code");
    }
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), codes.len(), "codes repeat");
    let households = count(
        &test.db,
        "SELECT COUNT(*) FROM (SELECT family_name, street_address, customership_start FROM customers \
         GROUP BY family_name, street_address, customership_start HAVING COUNT(*) > 1) AS families",
    )
    .await;
    assert!(households > 20, "{households} families");
    let ended = count(
        &test.db,
        "SELECT COUNT(*) FROM customers WHERE customership_end IS NOT NULL",
    )
    .await;
    assert!(ended > 10, "{ended} ended customerships");
    let revised = count(&test.db, "SELECT COUNT(*) FROM process_records WHERE version > 1").await;
    assert!(revised > 100, "{revised} revisions");
    let mut by_kind = BTreeMap::new();
    for kind in ["assessment", "plan", "referral", "note", "appointment", "programme"] {
        let n: i64 = kotopolku_store::with_db!(&test.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM process_records WHERE kind = $1 AND is_current")
                .bind(kind)
                .fetch_one(pool)
                .await
                .expect("count")
        });
        by_kind.insert(kind, n);
    }
    assert!(by_kind.values().all(|n| *n > 0), "{by_kind:?}");

    // The same seed again gives the same data; another seed other data.
    generate("600", "5", &test.url);
    assert!(snapshot(&test.db).await == first, "the same seed made different data");
    generate("600", "6", &test.url);
    assert!(snapshot(&test.db).await != first, "another seed made the same data");

    // Made as of a day in the past: nothing begins or is saved after it, on any day it is made.
    generate_with(
        &["--customers", "600", "--seed", "6", "--as-of", "2025-06-30"],
        &test.url,
    );
    let latest = count(
        &test.db,
        "SELECT COUNT(*) FROM customers WHERE customership_start > '2025-06-30' OR customership_end > '2025-06-30'",
    )
    .await;
    assert_eq!(latest, 0, "customers after the day the data was made as of");
    let before = snapshot(&test.db).await;
    let (code, _, stderr) = demo(&["generate", "--customers", "5", "--as-of", "2999-01-01"], &test.url);
    assert_ne!(code, 0);
    assert!(stderr.contains("--as-of"), "{stderr}");
    assert!(
        snapshot(&test.db).await == before,
        "a refused generate changed the database"
    );

    // Reset makes the database again as it was first made (here: by the last generate, as of its
    // day), dropping what was done in it.
    let made = snapshot(&test.db).await;
    kotopolku_store::with_db!(&test.db, pool => {
        sqlx::query("UPDATE customers SET family_name = 'Changed'").execute(pool).await.expect("change");
    });
    assert!(snapshot(&test.db).await != made);
    let (code, stdout, stderr) = demo(&["reset"], &test.url);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        snapshot(&test.db).await == made,
        "reset did not restore the generated data"
    );
    test.finish().await;
}

async fn generate_refuses_a_database_that_is_not_a_training_one(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    register_a_real_looking_customer(&test.db).await;
    let before = snapshot(&test.db).await;
    for args in [&["generate", "--customers", "10"][..], &["reset"][..]] {
        let (code, _, stderr) = demo(args, &test.url);
        assert_ne!(code, 0, "{args:?}");
        assert!(stderr.contains("not demo data"), "{args:?}: {stderr}");
        assert!(snapshot(&test.db).await == before, "{args:?} changed the database");
    }
    test.finish().await;
}

#[tokio::test]
async fn generate_is_deterministic_and_reset_restores_on_sqlite() {
    generate_is_deterministic_and_reset_restores(Backend::Sqlite).await;
}

#[tokio::test]
async fn generate_is_deterministic_and_reset_restores_on_postgres() {
    generate_is_deterministic_and_reset_restores(Backend::Postgres).await;
}

#[tokio::test]
async fn generate_refuses_a_database_that_is_not_a_training_one_on_sqlite() {
    generate_refuses_a_database_that_is_not_a_training_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn generate_refuses_a_database_that_is_not_a_training_one_on_postgres() {
    generate_refuses_a_database_that_is_not_a_training_one(Backend::Postgres).await;
}
