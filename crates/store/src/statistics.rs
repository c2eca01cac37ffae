//! Statistics: each customer's facts, and the protected figures of the last refresh.

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::customer::Customer;
use kotopolku_domain::process::ProcessRecord;
use sqlx::AssertSqlSafe;

use crate::customers::{COLUMNS as CUSTOMER_COLUMNS, CustomerRow};
use crate::{Database, StoreError, Tx, with_db, with_tx};

/// When and how the figures were made.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefreshInfo {
    pub refreshed_at: DateTime<Utc>,
    pub as_of: NaiveDate,
    pub threshold: i64,
    pub first_year: i32,
    pub last_year: i32,
    pub customers: i64,
    /// Customers whose facts this refresh derived (new or changed since the last one).
    pub facts_derived: i64,
    pub duration_ms: i64,
}

/// One published figure; `value: None` is suppressed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FigureRow {
    pub area: String,
    pub period: String,
    pub indicator: String,
    pub category: String,
    pub value: Option<f64>,
}

/// Forgets a customer's facts: called in the transaction of every change to the customer or their
/// records, so the next refresh derives them again.
pub async fn forget_facts(tx: &mut Tx, customer_id: &str) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query("DELETE FROM statistics_facts WHERE customer_id = $1")
            .bind(customer_id)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// [`forget_facts`] for many customers, a few statements in all.
pub async fn forget_facts_of(tx: &mut Tx, customer_ids: &[String]) -> Result<(), StoreError> {
    crate::db::delete_where_in(tx, "statistics_facts", "customer_id", customer_ids).await
}

/// Forgets every customer's facts, so that the next refresh derives them all again; except those of
/// anonymised customers, whose records are gone and whose facts are all that statistics keep.
pub async fn forget_all_facts(db: &Database) -> Result<(), StoreError> {
    with_db!(db, pool => {
        sqlx::query(
            "DELETE FROM statistics_facts WHERE customer_id NOT IN \
             (SELECT id FROM customers WHERE anonymised_at IS NOT NULL)",
        )
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Up to `limit` customers without facts, with the current versions of their records.
pub async fn customers_without_facts(
    db: &Database,
    after_id: &str,
    limit: i64,
) -> Result<Vec<(Customer, Vec<ProcessRecord>)>, StoreError> {
    // From where the last batch ended: starting over from the first customer each time would read
    // again every customer whose facts were just derived (quadratic: at a million customers, a
    // second per batch of 500 by the middle of the first refresh).
    let sql = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id > $1 AND NOT EXISTS \
         (SELECT 1 FROM statistics_facts f WHERE f.customer_id = c.id) ORDER BY id LIMIT $2"
    );
    let rows: Vec<CustomerRow> = with_db!(db, pool => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(after_id).bind(limit).fetch_all(pool).await?
    });
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let customers: Vec<Customer> = rows
        .into_iter()
        .map(|r| r.into_customer().map(|(c, _)| c))
        .collect::<Result<_, _>>()?;
    let ids: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
    let mut by_customer: std::collections::HashMap<String, Vec<ProcessRecord>> = std::collections::HashMap::new();
    for record in crate::process::current_of_customers(db, &ids).await? {
        by_customer.entry(record.customer_id.clone()).or_default().push(record);
    }
    Ok(customers
        .into_iter()
        .map(|c| {
            let records = by_customer.remove(&c.id).unwrap_or_default();
            (c, records)
        })
        .collect())
}

/// Stores facts as (customer id, JSON), replacing any there.
pub async fn save_facts(db: &Database, facts: &[(String, String)]) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    for chunk in facts.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO statistics_facts (customer_id, facts) VALUES {} \
             ON CONFLICT (customer_id) DO UPDATE SET facts = excluded.facts",
            values.join(", ")
        );
        with_tx!(&mut tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (id, json) in chunk {
                query = query.bind(id).bind(json);
            }
            query.execute(&mut *conn).await?;
        });
    }
    tx.commit().await
}

/// Facts in customer id order after `after`, `limit` at a time.
pub async fn facts_page(db: &Database, after: &str, limit: i64) -> Result<Vec<(String, String)>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(
            "SELECT customer_id, facts FROM statistics_facts WHERE customer_id > $1 ORDER BY customer_id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?
    }))
}

/// Replaces every figure and the refresh record in one transaction: readers see the old figures or
/// the new ones, never a mix.
pub async fn replace_figures(db: &Database, info: &RefreshInfo, figures: &[FigureRow]) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    with_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM statistics_figures").execute(&mut *conn).await?;
        sqlx::query("DELETE FROM statistics_refresh").execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO statistics_refresh (id, refreshed_at, as_of, threshold, first_year, last_year, customers, \
             facts_derived, duration_ms) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(info.refreshed_at)
        .bind(info.as_of)
        .bind(info.threshold)
        .bind(info.first_year)
        .bind(info.last_year)
        .bind(info.customers)
        .bind(info.facts_derived)
        .bind(info.duration_ms)
        .execute(&mut *conn)
        .await?;
    });
    for chunk in figures.chunks(1000) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 5 * i;
                format!("(${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5)
            })
            .collect();
        let sql = format!(
            "INSERT INTO statistics_figures (area, period, indicator, category, value) VALUES {}",
            values.join(", ")
        );
        with_tx!(&mut tx, conn => {
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for f in chunk {
                query = query.bind(&f.area).bind(&f.period).bind(&f.indicator).bind(&f.category).bind(f.value);
            }
            query.execute(&mut *conn).await?;
        });
    }
    tx.commit().await
}

/// The figures of the given areas in the given periods.
pub async fn figures(db: &Database, areas: &[String], periods: &[String]) -> Result<Vec<FigureRow>, StoreError> {
    if areas.is_empty() || periods.is_empty() {
        return Ok(Vec::new());
    }
    let area_list: Vec<String> = (1..=areas.len()).map(|i| format!("${i}")).collect();
    let period_list: Vec<String> = (areas.len() + 1..=areas.len() + periods.len())
        .map(|i| format!("${i}"))
        .collect();
    let sql = format!(
        "SELECT area, period, indicator, category, value FROM statistics_figures \
         WHERE area IN ({}) AND period IN ({})",
        area_list.join(", "),
        period_list.join(", ")
    );
    Ok(with_db!(db, pool => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        for a in areas {
            query = query.bind(a);
        }
        for p in periods {
            query = query.bind(p);
        }
        query.fetch_all(pool).await?
    }))
}

/// When the figures were last made, if ever.
pub async fn refresh_info(db: &Database) -> Result<Option<RefreshInfo>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(
            "SELECT refreshed_at, as_of, threshold, first_year, last_year, customers, facts_derived, duration_ms \
             FROM statistics_refresh WHERE id = 1",
        )
        .fetch_optional(pool)
        .await?
    }))
}
