//! Training databases: emptied to be filled again with synthetic data (`kotopolku demo reset`).

use crate::{StoreError, Tx, with_tx};

/// Every table, those that refer to others first.
const TABLES: &[&str] = &[
    "statistics_facts",
    "statistics_figures",
    "statistics_refresh",
    "process_records",
    "county_involvements",
    "webhooks",
    "handovers",
    "legacy_ids",
    "customer_changes",
    "customer_name_tokens",
    "customers",
    "audit_log",
    "oidc_logins",
    "sessions",
    "api_tokens",
    "user_preferences",
    "users",
    "organisation_municipalities",
    "organisations",
    "settings",
];

/// Deletes every row of every table, the audit log included: a training database starts again
/// from nothing. The caller checks first that the database is a training one.
pub async fn wipe(tx: &mut Tx) -> Result<(), StoreError> {
    match tx {
        Tx::Postgres(tx) => {
            let sql = format!("TRUNCATE {} RESTART IDENTITY", TABLES.join(", "));
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **tx).await?;
        }
        sqlite @ Tx::Sqlite(..) => {
            for table in TABLES {
                with_tx!(sqlite, conn => {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *conn).await?;
                });
            }
        }
    }
    Ok(())
}
