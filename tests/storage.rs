//! The store layer directly: migrations and exact round trips on both databases.

use chrono::NaiveDate;
use kotopolku_domain::audit::AuditEntry;
use kotopolku_domain::customer::{Customer, CustomerInput, LanguageSkill, RecordedSex};
use kotopolku_service::ChainReport;
use kotopolku_store::audit::{self, ChainHead};
use kotopolku_store::customers;
use kotopolku_store::{Backend, Database};

use crate::support::{TestDatabase, test_now};

async fn migrations_are_idempotent(backend: Backend) {
    let test = TestDatabase::empty(backend).await;
    test.db.migrate().await.expect("first migration");
    test.db.migrate().await.expect("second migration is a no-op");
    test.db.ping().await.expect("ping");
    test.finish().await;
}

async fn customers_read_back_exactly_what_was_written(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let input = CustomerInput {
        identity_code: Some("290200A902D".into()),
        family_name: "Al-Sayed".into(),
        given_names: "Nour 'Noor' Åsa".into(),
        citizenships: vec!["SY".into()],
        native_language: Some("ar".into()),
        other_languages: vec![LanguageSkill {
            language: "sv".into(),
            level: Some("A1".into()),
        }],
        municipality_code: "091".into(),
        first_permit_date: Some(date(2024, 2, 29)),
        customership_start: date(2025, 12, 31),
        ..CustomerInput::default()
    };
    let data = input.validate(date(2026, 6, 15)).expect("valid");
    assert_eq!(data.sex, RecordedSex::Female);
    // Sub-microsecond precision would be lost by PostgreSQL: the clock keeps microseconds.
    let at = test_now() + chrono::Duration::microseconds(123_456);
    let customer = Customer {
        id: uuid::Uuid::now_v7().to_string(),
        data,
        customership_end: Some(date(2026, 1, 1)),
        end_reason: Some("moved_away".into()),
        version: 3,
        created_at: at,
        updated_at: at,
    };
    let mut tx = test.db.begin().await.expect("begin");
    customers::insert(&mut tx, &customer).await.expect("insert");
    tx.commit().await.expect("commit");
    let read = customers::get(&test.db, &customer.id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(read, customer);
    test.finish().await;
}

async fn an_uncommitted_transaction_leaves_nothing(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    let input = CustomerInput {
        family_name: "Keskeneräinen".into(),
        given_names: "Kalle".into(),
        birth_date: NaiveDate::from_ymd_opt(1990, 1, 1),
        municipality_code: "091".into(),
        customership_start: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        ..CustomerInput::default()
    };
    let customer = Customer {
        id: uuid::Uuid::now_v7().to_string(),
        data: input
            .validate(NaiveDate::from_ymd_opt(2026, 6, 15).expect("date"))
            .expect("valid"),
        customership_end: None,
        end_reason: None,
        version: 1,
        created_at: test_now(),
        updated_at: test_now(),
    };
    let mut tx = test.db.begin().await.expect("begin");
    customers::insert(&mut tx, &customer).await.expect("insert");
    drop(tx);
    assert!(customers::get(&test.db, &customer.id).await.expect("read").is_none());
    test.finish().await;
}

/// `n` audit entries of reads by one caseworker, told apart by `label`.
fn read_entries(label: &str, n: usize) -> Vec<AuditEntry> {
    (0..n)
        .map(|i| AuditEntry {
            occurred_at: test_now(),
            actor_id: "user-1".into(),
            actor_kind: "user".into(),
            actor_name: "Caseworker".into(),
            organisation_id: Some("org-1".into()),
            role: Some("caseworker".into()),
            action: "customer.read".into(),
            target_type: Some("customer".into()),
            target_id: Some(format!("{label}-{i}")),
            customer_id: Some(format!("{label}-{i}")),
            purpose: None,
            request_id: None,
            client_address: None,
            outcome: "success".into(),
        })
        .collect()
}

async fn audit_rows(db: &Database) -> Vec<String> {
    audit::rows_after(db, 0, 1_000)
        .await
        .expect("rows")
        .into_iter()
        .map(|row| row.entry.target_id.unwrap_or_default())
        .collect()
}

/// The audit writer appends in one statement after the head it committed last, and only while
/// that is still the head: after anyone else's rows, or against a log that is shorter than it
/// thinks, it writes nothing and says so; a change transaction holding the chain is never made to
/// fail by it; and the chain stays whole.
async fn the_audit_writer_appends_after_its_head_only_while_it_is_the_head(backend: Backend) {
    let test = TestDatabase::new(backend).await;
    let db = &test.db;
    let commit = |entries: Vec<AuditEntry>| async move {
        let mut tx = db.begin().await.expect("begin");
        let head = audit::append(&mut tx, &entries).await.expect("append").expect("a head");
        tx.commit().await.expect("commit");
        head
    };
    let first = commit(read_entries("a", 2)).await;
    let second = audit::append_after(db, &first, &read_entries("b", 3))
        .await
        .expect("append after")
        .expect("still the head");
    assert_eq!(second.id, first.id + 3);

    // Someone else appended: the writer's head is stale, and nothing is written.
    let third = commit(read_entries("c", 1)).await;
    assert_eq!(
        audit::append_after(db, &second, &read_entries("stale", 2))
            .await
            .expect("append after"),
        None
    );
    // A head beyond the log's end (a log restored from an older backup) is refused as well.
    let beyond = ChainHead {
        id: third.id + 5,
        hash: third.hash.clone(),
    };
    assert_eq!(
        audit::append_after(db, &beyond, &read_entries("beyond", 1))
            .await
            .expect("append after"),
        None
    );

    // A change transaction holds the chain while the writer tries: the change commits, the writer
    // finds the chain moved on.
    let mut change = db.begin().await.expect("begin");
    audit::append(&mut change, &read_entries("change", 1))
        .await
        .expect("append in change");
    let writer = tokio::spawn({
        let db = db.clone();
        let head = third.clone();
        async move { audit::append_after(&db, &head, &read_entries("raced", 1)).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    change.commit().await.expect("the change commits");
    assert_eq!(writer.await.expect("task").expect("append after"), None);

    let fourth = commit(read_entries("d", 1)).await;
    audit::append_after(db, &fourth, &read_entries("e", 2))
        .await
        .expect("append after")
        .expect("the head again");
    assert_eq!(
        audit_rows(db).await,
        [
            "a-0", "a-1", "b-0", "b-1", "b-2", "c-0", "change-0", "d-0", "e-0", "e-1"
        ]
    );
    match kotopolku_service::audit::verify(db).await.expect("verify") {
        ChainReport::Intact { rows } => assert_eq!(rows, 10),
        broken => panic!("the chain broke: {broken:?}"),
    }
    test.finish().await;
}

/// While another transaction holds the audit chain for seconds (a long lock), reads go on: their
/// rows wait in the read journal, beyond eight segments on disk only, and reach the chain whole
/// and in order once the lock is gone.
async fn read_rows_wait_in_the_journal_while_the_chain_is_held(backend: Backend) {
    /// More than the eight segments kept in memory: the rest are read back from their files.
    const SEGMENTS: usize = 11;
    let test = TestDatabase::new(backend).await;
    let db = &test.db;
    let dir = std::env::temp_dir().join(format!("kotopolku-journal-held-{}", uuid::Uuid::new_v4().simple()));
    let services = kotopolku_service::Services::new(db.clone(), kotopolku_service::Clock::system())
        .with_audit_journal(&dir)
        .await
        .expect("journal");
    let sink = services.audit_sink();
    let segment_files = || {
        std::fs::read_dir(&dir)
            .expect("journal folder")
            .filter(|item| {
                item.as_ref()
                    .is_ok_and(|item| item.file_name().to_string_lossy().ends_with(".jsonl"))
            })
            .count()
    };

    let mut held = db.begin().await.expect("begin");
    audit::append(&mut held, &read_entries("held", 1))
        .await
        .expect("hold the chain");
    for n in 0..SEGMENTS {
        sink.record(read_entries(&format!("read{n}"), 2))
            .await
            .expect("a read is acknowledged while the chain is held");
        // A segment closes half a second after its first row.
        tokio::time::sleep(std::time::Duration::from_millis(550)).await;
    }
    assert_eq!(sink.journal_rows(), 2 * SEGMENTS, "every row waits in the journal");
    assert_eq!(segment_files(), SEGMENTS, "each segment waits in its file");
    held.commit().await.expect("the holder commits");

    sink.flush().await.expect("flush");
    assert_eq!(sink.journal_rows(), 0);
    assert_eq!(segment_files(), 0, "moved segments are deleted");
    let mut expected = vec!["held-0".to_owned()];
    for n in 0..SEGMENTS {
        expected.extend([format!("read{n}-0"), format!("read{n}-1")]);
    }
    assert_eq!(audit_rows(db).await, expected);
    match kotopolku_service::audit::verify(db).await.expect("verify") {
        ChainReport::Intact { rows } => assert_eq!(rows, 1 + 2 * SEGMENTS as i64),
        broken => panic!("the chain broke: {broken:?}"),
    }
    drop(services);
    let _ = std::fs::remove_dir_all(&dir);
    test.finish().await;
}

/// Many write transactions at once, each holding the database across an await between its
/// statements, as a service's do: every one that commits is in the chain whole, its rows next to
/// each other; those dropped without a commit leave nothing and do not hold up the others. On
/// SQLite they take turns on the one write connection; on PostgreSQL they queue for the chain's lock.
async fn concurrent_write_transactions_take_turns(backend: Backend) {
    const WRITERS: usize = 24;
    let test = TestDatabase::new(backend).await;
    let db = &test.db;
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin().await?;
                audit::append(&mut tx, &read_entries(&format!("w{n}"), 1)).await?;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                audit::append(&mut tx, &read_entries(&format!("w{n}+"), 1)).await?;
                // Every fourth gives up: its turn passes on without a commit.
                if n % 4 == 3 {
                    drop(tx);
                    return Ok(None);
                }
                tx.commit().await?;
                Ok::<_, kotopolku_store::StoreError>(Some(n))
            })
        })
        .collect();
    let mut committed = Vec::new();
    for writer in writers {
        if let Some(n) = writer.await.expect("task").expect("every writer gets its turn") {
            committed.push(n);
        }
    }
    assert_eq!(committed.len(), WRITERS - WRITERS / 4);
    let rows = audit_rows(db).await;
    assert_eq!(rows.len(), 2 * committed.len());
    for pair in rows.chunks(2) {
        let first = pair[0].strip_suffix("-0").expect("a writer's first row");
        assert_eq!(pair[1], format!("{first}+-0"), "one writer's rows, unbroken: {rows:?}");
        let n: usize = first.trim_start_matches('w').parse().expect("writer number");
        assert!(committed.contains(&n), "only committed writers' rows: {rows:?}");
    }
    match kotopolku_service::audit::verify(db).await.expect("verify") {
        ChainReport::Intact { rows } => assert_eq!(rows, 2 * committed.len() as i64),
        broken => panic!("the chain broke: {broken:?}"),
    }
    test.finish().await;
}

#[tokio::test]
async fn sqlite_url_for_memory_is_refused() {
    let error = Database::connect("sqlite::memory:").await.expect_err("refused");
    assert!(error.to_string().contains("in-memory"), "{error}");
    let error = Database::connect("mysql://localhost/db").await.expect_err("refused");
    assert!(error.to_string().contains("unsupported"), "{error}");
}

macro_rules! storage_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(kotopolku_store::Backend::Sqlite).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name(kotopolku_store::Backend::Postgres).await
                }
            }
        )*
    };
}

storage_tests!(
    migrations_are_idempotent,
    customers_read_back_exactly_what_was_written,
    an_uncommitted_transaction_leaves_nothing,
    the_audit_writer_appends_after_its_head_only_while_it_is_the_head,
    read_rows_wait_in_the_journal_while_the_chain_is_held,
    concurrent_write_transactions_take_turns,
);
