//! Key-value facts about the database itself.

use crate::{Database, StoreError, Tx, with_db, with_tx};

/// The key whose value names the kind of environment (`demo` for training databases).
pub const ENVIRONMENT: &str = "environment";

pub async fn get(db: &Database, key: &str) -> Result<Option<String>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?
    }))
}

pub async fn set(tx: &mut Tx, key: &str, value: &str) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Whether the database holds any customer at all.
pub async fn has_customers(db: &Database) -> Result<bool, StoreError> {
    let any: Option<String> = with_db!(db, pool => {
        sqlx::query_scalar("SELECT id FROM customers LIMIT 1").fetch_optional(pool).await?
    });
    Ok(any.is_some())
}
