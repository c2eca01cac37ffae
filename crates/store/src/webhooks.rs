//! Outgoing webhooks and their delivery state.

use chrono::{DateTime, Utc};

use crate::{Database, StoreError, with_db};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Webhook {
    pub id: String,
    pub organisation_id: String,
    pub url: String,
    pub secret: String,
    pub cursor: i64,
    pub failures: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, organisation_id, url, secret, cursor, failures, next_attempt_at, last_error, created_at";

pub async fn insert(db: &Database, w: &Webhook) -> Result<(), StoreError> {
    with_db!(db, pool => {
        sqlx::query(
            "INSERT INTO webhooks (id, organisation_id, url, secret, cursor, failures, next_attempt_at, last_error, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&w.id)
        .bind(&w.organisation_id)
        .bind(&w.url)
        .bind(&w.secret)
        .bind(w.cursor)
        .bind(w.failures)
        .bind(w.next_attempt_at)
        .bind(&w.last_error)
        .bind(w.created_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn all(db: &Database) -> Result<Vec<Webhook>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM webhooks ORDER BY created_at, id")))
            .fetch_all(pool)
            .await?
    }))
}

/// Webhooks whose next attempt is due at `now`.
pub async fn due(db: &Database, now: DateTime<Utc>) -> Result<Vec<Webhook>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM webhooks WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id"
        )))
        .bind(now)
        .fetch_all(pool)
        .await?
    }))
}

/// After a delivery, or an attempt: the new cursor, failure count, next attempt and error.
pub async fn update_state(
    db: &Database,
    id: &str,
    cursor: i64,
    failures: i64,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<&str>,
) -> Result<(), StoreError> {
    with_db!(db, pool => {
        sqlx::query(
            "UPDATE webhooks SET cursor = $2, failures = $3, next_attempt_at = $4, last_error = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(cursor)
        .bind(failures)
        .bind(next_attempt_at)
        .bind(last_error)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn delete(db: &Database, id: &str) -> Result<bool, StoreError> {
    let affected = with_db!(db, pool => {
        sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
    });
    Ok(affected == 1)
}
