//! `kotopolku retention run` on both databases: notes of customerships over five years past are
//! deleted, customers over ten years past are anonymised with their statistical fields and facts
//! kept, a dry run writes nothing, every step is audited, and a second run finds nothing to do.

use std::path::PathBuf;
use std::process::Command;

use kotopolku_store::{Backend, Database};

use crate::support::TestDatabase;

fn kotopolku(args: &[&str], url: &str) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kotopolku"));
    for var in ["KOTOPOLKU_DATABASE_URL", "KOTOPOLKU_CONFIG"] {
        command.env_remove(var);
    }
    let out = command
        .args(args)
        .args(["--database-url", url])
        .output()
        .expect("run kotopolku");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("kotopolku-retention-{}-{name}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, text).expect("write");
    path
}

async fn strings(db: &Database, sql: &'static str) -> Vec<String> {
    kotopolku_store::with_db!(db, pool => sqlx::query_scalar(sql).fetch_all(pool).await.expect("query"))
}

async fn count(db: &Database, sql: &'static str) -> i64 {
    kotopolku_store::with_db!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await.expect("count"))
}

/// Every row of the tables retention touches, as text.
async fn snapshot(db: &Database) -> Vec<String> {
    let mut rows = strings(
        db,
        "SELECT id || ' ' || family_name || ' ' || COALESCE(identity_code, '-') FROM customers ORDER BY id",
    )
    .await;
    rows.extend(strings(db, "SELECT id || ' ' || kind FROM process_records ORDER BY id").await);
    rows.extend(
        strings(
            db,
            "SELECT CAST(id AS TEXT) || ' ' || action FROM audit_log ORDER BY id",
        )
        .await,
    );
    rows
}

const MAPPING: &str = r#"
source = "vanha"
[file]
date_formats = ["d.m.yyyy"]
[customers]
legacy_id = "id"
[customers.columns]
identity_code = "hetu"
family_name = "suku"
given_names = "etu"
birth_date = "synt"
municipality_code = "kunta"
phone = "puh"
customership_start = "alku"
customership_end = "loppu"
end_reason = "syy"
native_language = "kieli"
[notes]
legacy_id = "id"
customer = "asiakas"
[notes.columns]
written_on = "pvm"
text = "teksti"
[notes.defaults]
note_type = "other"
"#;

async fn expired_data_is_deleted_and_expired_customers_anonymised(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    let url = &test.url;
    // Ended in 2014 (over ten years), in 2020 (over five), in 2025, and still a customer.
    let customers = temp(
        "customers.csv",
        "id;hetu;suku;etu;synt;kunta;puh;alku;loppu;syy;kieli\n\
         1;150380-901T;Vanha;Väinö;15.3.1980;091;040 1111111;1.2.2010;30.6.2014;moved_away;ru\n\
         2;;Keski;Kaisa;2.4.1985;091;;1.1.2017;31.1.2020;employed;ar\n\
         3;;Uusi;Unto;3.5.1990;091;;1.1.2023;31.3.2025;in_education;so\n\
         4;;Nyt;Niina;4.6.1995;091;;1.1.2026;;;uk\n",
    );
    let notes = temp(
        "notes.csv",
        "id;asiakas;pvm;teksti\n\
         n1;1;1.6.2013;Vanha kirjaus\n\
         n2;2;1.6.2019;Keskimmäinen kirjaus\n\
         n3;3;1.6.2024;Tuore kirjaus\n\
         n4;4;1.6.2026;Nykyinen kirjaus\n",
    );
    let mapping = temp("mapping.toml", MAPPING);
    for (kind, file) in [("customers", &customers), ("notes", &notes)] {
        let (code, stdout, stderr) = kotopolku(
            &[
                "import",
                kind,
                file.to_str().expect("path"),
                "--mapping",
                mapping.to_str().expect("path"),
            ],
            url,
        );
        assert_eq!(code, 0, "{stdout}\n{stderr}");
    }
    for file in [customers, notes, mapping] {
        std::fs::remove_file(file).ok();
    }

    let (code, stdout, stderr) = kotopolku(&["retention", "rules"], url);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("unverified") && stdout.contains("note") && stdout.contains(" 5"),
        "{stdout}"
    );

    let before = snapshot(&test.db).await;
    let (code, stdout, stderr) = kotopolku(&["retention", "run", "--dry-run"], url);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("note: would delete 2"), "{stdout}");
    assert!(stdout.contains("customers: would anonymise 1 (dry run"), "{stdout}");
    assert_eq!(snapshot(&test.db).await, before, "a dry run writes nothing");

    let (code, stdout, stderr) = kotopolku(&["retention", "run"], url);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("note: deleted 2"), "{stdout}");
    assert!(stdout.contains("customers: anonymised 1"), "{stdout}");

    // The customer of 2014 keeps what statistics count by, and nothing that identifies them.
    assert_eq!(
        strings(
            &test.db,
            "SELECT family_name || '|' || given_names || '|' || COALESCE(identity_code, '') || '|' || \
             CAST(birth_date AS TEXT) || '|' || COALESCE(phone, '') || '|' || municipality_code || '|' || \
             native_language || '|' || CAST(customership_end AS TEXT) || '|' || end_reason \
             FROM customers WHERE anonymised_at IS NOT NULL"
        )
        .await,
        ["–|–||1980-01-01||091|ru|2014-06-30|moved_away"]
    );
    for (what, sql) in [
        (
            "search rows",
            "SELECT COUNT(*) FROM customer_name_tokens WHERE customer_id IN (SELECT id FROM customers WHERE anonymised_at IS NOT NULL)",
        ),
        (
            "history",
            "SELECT COUNT(*) FROM customer_changes WHERE customer_id IN (SELECT id FROM customers WHERE anonymised_at IS NOT NULL)",
        ),
        (
            "legacy links",
            "SELECT COUNT(*) FROM legacy_ids WHERE customer_id IN (SELECT id FROM customers WHERE anonymised_at IS NOT NULL)",
        ),
    ] {
        assert_eq!(count(&test.db, sql).await, 0, "{what} of the anonymised customer");
    }
    assert_eq!(
        count(
            &test.db,
            "SELECT COUNT(*) FROM statistics_facts WHERE customer_id IN (SELECT id FROM customers WHERE anonymised_at IS NOT NULL)"
        )
        .await,
        1,
        "the statistics facts stay"
    );
    // Kaisa (2020) keeps her data but not her note; the later customers keep everything.
    assert_eq!(
        strings(
            &test.db,
            "SELECT family_name FROM customers WHERE anonymised_at IS NULL ORDER BY family_name"
        )
        .await,
        ["Keski", "Nyt", "Uusi"]
    );
    assert_eq!(
        strings(&test.db, "SELECT body FROM process_records ORDER BY body")
            .await
            .iter()
            .map(|body| body.contains("Tuore") || body.contains("Nykyinen"))
            .collect::<Vec<_>>(),
        [true, true]
    );
    assert_eq!(
        count(
            &test.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'retention.delete_record'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &test.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'retention.anonymise'"
        )
        .await,
        1
    );

    // Nothing more to do the next day.
    let (code, stdout, _) = kotopolku(&["retention", "run"], url);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("records: none expired") && stdout.contains("anonymised 0"),
        "{stdout}"
    );
    let (code, stdout, stderr) = kotopolku(&["audit", "verify"], url);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    test.finish().await;
}

#[tokio::test]
async fn expired_data_is_deleted_and_expired_customers_anonymised_on_sqlite() {
    expired_data_is_deleted_and_expired_customers_anonymised(Backend::Sqlite).await;
}

#[tokio::test]
async fn expired_data_is_deleted_and_expired_customers_anonymised_on_postgres() {
    expired_data_is_deleted_and_expired_customers_anonymised(Backend::Postgres).await;
}
