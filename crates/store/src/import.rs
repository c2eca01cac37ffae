//! Migration from legacy systems: the links from legacy ids to what they became, and the batched
//! lookups an import makes for a thousand rows at a time instead of one query per row.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::customer::Customer;
use kotopolku_domain::process::ProcessRecord;
use sqlx::QueryBuilder;

use crate::customers::{COLUMNS as CUSTOMER_COLUMNS, CustomerRow};
use crate::process::{COLUMNS as RECORD_COLUMNS, RecordRow};
use crate::{Database, KEYS_PER_QUERY, StoreError, Tx, with_db, with_tx};

const LINKS_PER_STATEMENT: usize = 2_000;
const CHANGES_PER_STATEMENT: usize = 2_000;

/// What one legacy row became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyLink {
    pub legacy_id: String,
    /// The customer's id for a customer row, the process record's id for a record row.
    pub record_id: String,
    pub customer_id: String,
}

/// The links of `legacy_ids` of `kind` from `source`, by legacy id; ids never imported are absent.
pub async fn links(
    db: &Database,
    source: &str,
    kind: &str,
    legacy_ids: &[String],
) -> Result<HashMap<String, LegacyLink>, StoreError> {
    let mut found = HashMap::with_capacity(legacy_ids.len());
    for chunk in legacy_ids.chunks(KEYS_PER_QUERY) {
        let rows: Vec<(String, String, String)> = with_db!(db, pool => {
            let mut query = QueryBuilder::new(
                "SELECT legacy_id, record_id, customer_id FROM legacy_ids WHERE source = ",
            );
            query.push_bind(source).push(" AND kind = ").push_bind(kind).push(" AND legacy_id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        });
        for (legacy_id, record_id, customer_id) in rows {
            found.insert(
                legacy_id.clone(),
                LegacyLink {
                    legacy_id,
                    record_id,
                    customer_id,
                },
            );
        }
    }
    Ok(found)
}

/// Records new links in the caller's transaction.
pub async fn insert_links(
    tx: &mut Tx,
    source: &str,
    kind: &str,
    links: &[LegacyLink],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in links.chunks(LINKS_PER_STATEMENT) {
        with_tx!(tx, conn => {
            let mut query = QueryBuilder::new(
                "INSERT INTO legacy_ids (source, kind, legacy_id, record_id, customer_id, imported_at) ",
            );
            query.push_values(chunk, |mut row, link| {
                row.push_bind(source)
                    .push_bind(kind)
                    .push_bind(&link.legacy_id)
                    .push_bind(&link.record_id)
                    .push_bind(&link.customer_id)
                    .push_bind(at);
            });
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(())
}

/// The customers holding any of `codes`, as identity code → customer id.
pub async fn customers_by_identity_code(
    db: &Database,
    codes: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut found = HashMap::new();
    for chunk in codes.chunks(KEYS_PER_QUERY) {
        let rows: Vec<(String, String)> = with_db!(db, pool => {
            let mut query = QueryBuilder::new("SELECT identity_code, id FROM customers WHERE identity_code IN (");
            let mut list = query.separated(", ");
            for code in chunk {
                list.push_bind(code);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// The customers with these ids.
pub async fn customers(db: &Database, ids: &[String]) -> Result<Vec<Customer>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(KEYS_PER_QUERY) {
        let rows: Vec<CustomerRow> = with_db!(db, pool => {
            let mut query = QueryBuilder::new(format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id IN ("));
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        });
        for row in rows {
            found.push(row.into_customer()?.0);
        }
    }
    Ok(found)
}

/// The current versions of the process records with these ids.
pub async fn current_records(db: &Database, ids: &[String]) -> Result<Vec<ProcessRecord>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(KEYS_PER_QUERY) {
        let rows: Vec<RecordRow> = with_db!(db, pool => {
            let mut query = QueryBuilder::new(format!(
                "SELECT {RECORD_COLUMNS} FROM process_records WHERE is_current AND id IN ("
            ));
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            query.build_query_as().fetch_all(pool).await?
        });
        for row in rows {
            found.push(row.into_record()?);
        }
    }
    Ok(found)
}

/// What duplicate detection needs of a registered customer.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonKey {
    pub id: String,
    pub identity_code: Option<String>,
    pub birth_date: NaiveDate,
    pub family_name: String,
    pub given_names: String,
}

/// Every customer's [`PersonKey`], `limit` at a time in id order after `after_id`: an import keeps
/// them in memory, as a thousand rows' duplicate checks would otherwise read a thousand birth dates'
/// customers per batch.
pub async fn person_keys_after(db: &Database, after_id: &str, limit: i64) -> Result<Vec<PersonKey>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, identity_code, birth_date, family_name, given_names FROM customers WHERE id > $1 \
             ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await?
    }))
}

/// One line of a customer's history written by an import.
#[derive(Debug, Clone)]
pub struct ImportedChange {
    pub customer_id: String,
    pub changed_at: DateTime<Utc>,
    pub kind: &'static str,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// Appends history rows in few statements, attributed to `actor_id` and `actor_name`.
pub async fn insert_changes(
    tx: &mut Tx,
    actor_id: &str,
    actor_name: &str,
    changes: &[ImportedChange],
) -> Result<(), StoreError> {
    for chunk in changes.chunks(CHANGES_PER_STATEMENT) {
        with_tx!(tx, conn => {
            let mut query = QueryBuilder::new(
                "INSERT INTO customer_changes (customer_id, changed_at, actor_id, actor_name, change_kind, field, \
                 old_value, new_value) ",
            );
            query.push_values(chunk, |mut row, change| {
                row.push_bind(&change.customer_id)
                    .push_bind(change.changed_at)
                    .push_bind(actor_id)
                    .push_bind(actor_name)
                    .push_bind(change.kind)
                    .push_bind(&change.field)
                    .push_bind(&change.old_value)
                    .push_bind(&change.new_value);
            });
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(())
}

/// Marks the current versions of these records superseded, before their next versions are inserted.
pub async fn supersede_records(tx: &mut Tx, ids: &[String]) -> Result<(), StoreError> {
    for chunk in ids.chunks(KEYS_PER_QUERY) {
        with_tx!(tx, conn => {
            let mut query = QueryBuilder::new("UPDATE process_records SET is_current = ");
            query.push_bind(false).push(" WHERE is_current AND id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(())
}

/// Those of `customer_ids` that have a current record of `kind`.
pub async fn customers_with_current(
    db: &Database,
    customer_ids: &[String],
    kind: &str,
) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for chunk in customer_ids.chunks(KEYS_PER_QUERY) {
        let rows: Vec<String> = with_db!(db, pool => {
            let mut query = QueryBuilder::new("SELECT DISTINCT customer_id FROM process_records WHERE is_current AND kind = ");
            query.push_bind(kind).push(" AND customer_id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            query.build_query_scalar().fetch_all(pool).await?
        });
        found.extend(rows);
    }
    Ok(found)
}

/// Where a customer's data came from: every legacy row linked to them, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceLink {
    pub source: String,
    pub kind: String,
    pub legacy_id: String,
    pub record_id: String,
    pub imported_at: DateTime<Utc>,
}

pub async fn links_of_customer(db: &Database, customer_id: &str) -> Result<Vec<SourceLink>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(
            "SELECT source, kind, legacy_id, record_id, imported_at FROM legacy_ids WHERE customer_id = $1 \
             ORDER BY imported_at, kind, legacy_id",
        )
        .bind(customer_id)
        .fetch_all(pool)
        .await?
    }))
}
