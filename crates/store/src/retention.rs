//! Retention: finding data whose retention period has passed, deleting expired records and
//! anonymising expired customers.

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::customer::{Customer, CustomerData};
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_domain::names;
use sqlx::AssertSqlSafe;

use crate::customers::{COLUMNS as CUSTOMER_COLUMNS, CustomerRow, to_json};
use crate::{Database, StoreError, Tx, with_db, with_tx};

/// Records of `kind` (every version counts once) of customers whose customership ended on or
/// before `ended_by`, at most `limit`, as (customer id, record id).
pub async fn expired_records(
    db: &Database,
    kind: &str,
    ended_by: NaiveDate,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(
            "SELECT DISTINCT r.customer_id, r.id FROM process_records r JOIN customers c ON c.id = r.customer_id \
             WHERE r.kind = $1 AND c.customership_end IS NOT NULL AND c.customership_end <= $2 \
             ORDER BY r.customer_id, r.id LIMIT $3",
        )
        .bind(kind)
        .bind(ended_by)
        .bind(limit)
        .fetch_all(pool)
        .await?
    }))
}

/// Deletes every version of these records.
pub async fn delete_records(tx: &mut Tx, ids: &[String]) -> Result<(), StoreError> {
    crate::db::delete_where_in(tx, "process_records", "id", ids).await
}

/// Customers whose customership ended on or before `ended_by` and who are not anonymised yet.
pub async fn expired_customers(db: &Database, ended_by: NaiveDate, limit: i64) -> Result<Vec<Customer>, StoreError> {
    let sql = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE customership_end IS NOT NULL AND customership_end <= $1 \
         AND anonymised_at IS NULL ORDER BY id LIMIT $2"
    );
    let rows: Vec<CustomerRow> = with_db!(db, pool => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(ended_by).bind(limit).fetch_all(pool).await?
    });
    rows.into_iter().map(|r| r.into_customer().map(|(c, _)| c)).collect()
}

/// Replaces a customer's data with `data` (what anonymisation keeps) and deletes everything else held
/// about them: search rows, the history of changes, process records, county involvements and
/// legacy links. The statistics facts stay, and the audit log, which names no one by data.
pub async fn anonymise(
    tx: &mut Tx,
    customer: &Customer,
    data: &CustomerData,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sort_key = names::sort_key(&data.family_name, &data.given_names);
    let citizenships = to_json(&data.citizenships)?;
    let other_languages = to_json(&data.other_languages)?;
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE customers SET identity_code = $2, family_name = $3, given_names = $4, sort_key = $5, \
             birth_date = $6, phone = NULL, email = NULL, street_address = NULL, postal_code = NULL, \
             post_office = NULL, responsible_caseworker = NULL, citizenships = $7, other_languages = $8, \
             version = version + 1, updated_at = $9, anonymised_at = $9 WHERE id = $1",
        )
        .bind(&customer.id)
        .bind(data.identity_code.as_ref().map(IdentityCode::as_str))
        .bind(&data.family_name)
        .bind(&data.given_names)
        .bind(&sort_key)
        .bind(data.birth_date)
        .bind(&citizenships)
        .bind(&other_languages)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        for table in ["customer_name_tokens", "customer_changes", "process_records", "county_involvements", "legacy_ids"] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE customer_id = $1")))
                .bind(&customer.id)
                .execute(&mut *conn)
                .await?;
        }
    });
    Ok(())
}
