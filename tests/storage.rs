//! The store layer directly: migrations and exact round trips on both databases.

use chrono::NaiveDate;
use kotopolku_domain::customer::{Customer, CustomerInput, LanguageSkill, RecordedSex};
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
);
