//! Process records: versioned JSON documents of a customer's integration process.

use chrono::{DateTime, Utc};
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind};
use sqlx::AssertSqlSafe;

use crate::{Database, KEYS_PER_QUERY, StoreError, Tx, with_db, with_tx};

pub(crate) const COLUMNS: &str =
    "id, version, customer_id, kind, is_current, county_code, body, created_at, created_by, created_by_name";

#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    id: String,
    version: i64,
    customer_id: String,
    kind: String,
    is_current: bool,
    county_code: Option<String>,
    body: String,
    created_at: DateTime<Utc>,
    created_by: String,
    created_by_name: String,
}

impl RecordRow {
    pub(crate) fn into_record(self) -> Result<ProcessRecord, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("process record {} v{}: {what}", self.id, self.version));
        let kind = RecordKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?;
        let content: RecordBody = serde_json::from_str(&self.body).map_err(|e| corrupt(&e.to_string()))?;
        if content.kind() != kind {
            return Err(corrupt("kind does not match the body"));
        }
        Ok(ProcessRecord {
            id: self.id,
            customer_id: self.customer_id,
            kind,
            version: self.version,
            current: self.is_current,
            county_code: self.county_code,
            created_at: self.created_at,
            created_by: self.created_by,
            created_by_name: self.created_by_name,
            content,
        })
    }
}

fn records(rows: Vec<RecordRow>) -> Result<Vec<ProcessRecord>, StoreError> {
    rows.into_iter().map(RecordRow::into_record).collect()
}

/// Inserts one version of a record (marked current).
pub async fn insert(tx: &mut Tx, record: &ProcessRecord) -> Result<(), StoreError> {
    let body = serde_json::to_string(&record.content).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO process_records (id, version, customer_id, kind, is_current, county_code, body, created_at, \
             created_by, created_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&record.id)
        .bind(record.version)
        .bind(&record.customer_id)
        .bind(record.kind.as_str())
        .bind(true)
        .bind(&record.county_code)
        .bind(&body)
        .bind(record.created_at)
        .bind(&record.created_by)
        .bind(&record.created_by_name)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Marks `version` of a record superseded; `false` when it is not the current version (any more).
pub async fn supersede(tx: &mut Tx, id: &str, version: i64) -> Result<bool, StoreError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query("UPDATE process_records SET is_current = $3 WHERE id = $1 AND version = $2 AND is_current")
            .bind(id)
            .bind(version)
            .bind(false)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1
    }))
}

/// The current version of one of a customer's records, inside a write transaction.
pub async fn current_in(tx: &mut Tx, customer_id: &str, id: &str) -> Result<Option<ProcessRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM process_records WHERE id = $1 AND customer_id = $2 AND is_current");
    let row: Option<RecordRow> = with_tx!(tx, conn => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(customer_id).fetch_optional(&mut *conn).await?
    });
    row.map(RecordRow::into_record).transpose()
}

/// The current versions of a customer's records (of one kind, if given), oldest record first.
pub async fn current(
    db: &Database,
    customer_id: &str,
    kind: Option<RecordKind>,
) -> Result<Vec<ProcessRecord>, StoreError> {
    let filter = if kind.is_some() { "AND kind = $2" } else { "" };
    let sql =
        format!("SELECT {COLUMNS} FROM process_records WHERE customer_id = $1 AND is_current {filter} ORDER BY id");
    let kind = kind.map(RecordKind::as_str);
    let rows: Vec<RecordRow> = with_db!(db, pool => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(customer_id);
        if let Some(kind) = kind {
            query = query.bind(kind);
        }
        query.fetch_all(pool).await?
    });
    records(rows)
}

/// The current versions of a customer's records inside a write transaction (for rules that look at
/// the customer's other records, such as which plan is the first).
pub async fn current_of_kind_in(
    tx: &mut Tx,
    customer_id: &str,
    kind: RecordKind,
) -> Result<Vec<ProcessRecord>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM process_records WHERE customer_id = $1 AND kind = $2 AND is_current ORDER BY id"
    );
    let rows: Vec<RecordRow> = with_tx!(tx, conn => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(customer_id).bind(kind.as_str()).fetch_all(&mut *conn).await?
    });
    records(rows)
}

/// Every version of one record, oldest first.
pub async fn versions(db: &Database, customer_id: &str, id: &str) -> Result<Vec<ProcessRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM process_records WHERE id = $1 AND customer_id = $2 ORDER BY version");
    let rows: Vec<RecordRow> = with_db!(db, pool => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(customer_id).fetch_all(pool).await?
    });
    records(rows)
}

/// Every version of every record of a customer, by record and version.
pub async fn all_versions(db: &Database, customer_id: &str) -> Result<Vec<ProcessRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM process_records WHERE customer_id = $1 ORDER BY created_at, id, version");
    let rows: Vec<RecordRow> = with_db!(db, pool => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(customer_id).fetch_all(pool).await?
    });
    records(rows)
}

/// Which records deadlines follow from: notes and appointments set none.
pub(crate) const DEADLINE_KINDS: &str = "'assessment', 'plan', 'referral', 'programme'";

/// The current deadline-relevant records of the given customers, by customer, then id.
pub async fn current_for_deadlines(db: &Database, customer_ids: &[&str]) -> Result<Vec<ProcessRecord>, StoreError> {
    current_of_customers_where(db, customer_ids, &format!("AND kind IN ({DEADLINE_KINDS})")).await
}

/// The current versions of every record of the given customers, by customer, then id.
pub async fn current_of_customers(db: &Database, customer_ids: &[&str]) -> Result<Vec<ProcessRecord>, StoreError> {
    current_of_customers_where(db, customer_ids, "").await
}

async fn current_of_customers_where(
    db: &Database,
    customer_ids: &[&str],
    condition: &str,
) -> Result<Vec<ProcessRecord>, StoreError> {
    let mut all = Vec::new();
    for chunk in customer_ids.chunks(KEYS_PER_QUERY) {
        let rows: Vec<RecordRow> = with_db!(db, pool => {
            // Placeholders by the query builder (plain `?` on SQLite, which looks a numbered `$n` up
            // by a linear scan per bound value), and not kept prepared: the number of customers
            // differs from one call to the next.
            let mut query = sqlx::QueryBuilder::new(format!(
                "SELECT {COLUMNS} FROM process_records WHERE is_current {condition} AND customer_id IN ("
            ));
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            query.push(") ORDER BY customer_id, id");
            query.build_query_as().persistent(false).fetch_all(pool).await?
        });
        all.extend(records(rows)?);
    }
    Ok(all)
}
