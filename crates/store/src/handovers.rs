//! Hand-overs of customers between municipalities' units.

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::handover::{Handover, HandoverStatus};
use sqlx::QueryBuilder;

use crate::{Database, StoreError, Tx, with_db, with_tx};

const COLUMNS: &str = "id, customer_id, from_municipality, to_municipality, moved_on, status, requested_at, \
    requested_by, decided_at, decided_by, reason";

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    customer_id: String,
    from_municipality: String,
    to_municipality: String,
    moved_on: NaiveDate,
    status: String,
    requested_at: DateTime<Utc>,
    requested_by: String,
    decided_at: Option<DateTime<Utc>>,
    decided_by: Option<String>,
    reason: Option<String>,
}

impl Row {
    fn into_handover(self) -> Result<Handover, StoreError> {
        let status = HandoverStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("hand-over {}: status", self.id)))?;
        Ok(Handover {
            id: self.id,
            customer_id: self.customer_id,
            from_municipality: self.from_municipality,
            to_municipality: self.to_municipality,
            moved_on: self.moved_on,
            status,
            requested_at: self.requested_at,
            requested_by: self.requested_by,
            decided_at: self.decided_at,
            decided_by: self.decided_by,
            reason: self.reason,
        })
    }
}

pub async fn insert(tx: &mut Tx, h: &Handover) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO handovers (id, customer_id, from_municipality, to_municipality, moved_on, status, \
             requested_at, requested_by, decided_at, decided_by, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&h.id)
        .bind(&h.customer_id)
        .bind(&h.from_municipality)
        .bind(&h.to_municipality)
        .bind(h.moved_on)
        .bind(h.status.as_str())
        .bind(h.requested_at)
        .bind(&h.requested_by)
        .bind(h.decided_at)
        .bind(&h.decided_by)
        .bind(&h.reason)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Ends a pending hand-over with `status`; `false` when it was no longer pending.
pub async fn decide(
    tx: &mut Tx,
    id: &str,
    status: HandoverStatus,
    at: DateTime<Utc>,
    by: &str,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let affected = with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE handovers SET status = $2, decided_at = $3, decided_by = $4, reason = $5 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(at)
        .bind(by)
        .bind(reason)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(affected == 1)
}

pub async fn get(db: &Database, id: &str) -> Result<Option<Handover>, StoreError> {
    let row: Option<Row> = with_db!(db, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM handovers WHERE id = $1")))
            .bind(id)
            .fetch_optional(pool)
            .await?
    });
    row.map(Row::into_handover).transpose()
}

/// Hand-overs to or from `municipality_codes`, newest first, at most 500.
pub async fn of_municipalities(
    db: &Database,
    municipality_codes: &[String],
    incoming: bool,
) -> Result<Vec<Handover>, StoreError> {
    if municipality_codes.is_empty() {
        return Ok(Vec::new());
    }
    let column = if incoming {
        "to_municipality"
    } else {
        "from_municipality"
    };
    let rows: Vec<Row> = with_db!(db, pool => {
        let mut query = QueryBuilder::new(format!("SELECT {COLUMNS} FROM handovers WHERE {column} IN ("));
        let mut list = query.separated(", ");
        for code in municipality_codes {
            list.push_bind(code);
        }
        query.push(") ORDER BY requested_at DESC, id LIMIT 500");
        query.build_query_as().fetch_all(pool).await?
    });
    rows.into_iter().map(Row::into_handover).collect()
}

/// Moves the customer to `municipality_code`, without a responsible caseworker (the new unit names
/// one), and keeps the name search rows' municipality in step.
pub async fn move_customer(
    tx: &mut Tx,
    customer_id: &str,
    municipality_code: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE customers SET municipality_code = $2, responsible_caseworker = NULL, version = version + 1, \
             updated_at = $3 WHERE id = $1",
        )
        .bind(customer_id)
        .bind(municipality_code)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE customer_name_tokens SET municipality_code = $2 WHERE customer_id = $1")
            .bind(customer_id)
            .bind(municipality_code)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}
