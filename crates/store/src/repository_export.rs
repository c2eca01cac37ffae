//! Reading what the national integration data repository export needs (Decree 874/2024): the current
//! assessment and plan versions of the customers living in some municipalities, within a period,
//! each with its customer's identifying data and who saved it, in one query.

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::process::{ProcessRecord, RecordBody, RecordKind};
use kotopolku_domain::repository_export::{Recorder, SourceRecord, Subject};
use sqlx::AssertSqlSafe;

use crate::{Backend, Database, StoreError, with_db};

#[derive(sqlx::FromRow)]
struct ExportRow {
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
    identity_code: Option<String>,
    birth_date: NaiveDate,
    municipality_code: String,
    user_name: Option<String>,
    user_email: Option<String>,
    organisation_id: Option<String>,
    organisation_name: Option<String>,
}

impl ExportRow {
    fn into_source(self) -> Result<SourceRecord, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("process record {} v{}: {what}", self.id, self.version));
        let kind = RecordKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?;
        let content: RecordBody = serde_json::from_str(&self.body).map_err(|e| corrupt(&e.to_string()))?;
        if content.kind() != kind {
            return Err(corrupt("kind does not match the body"));
        }
        Ok(SourceRecord {
            subject: Subject {
                customer_id: self.customer_id.clone(),
                identity_code: self.identity_code,
                birth_date: self.birth_date,
                municipality_code: self.municipality_code,
            },
            recorder: Recorder {
                // A user's current name; a token's (or the system's) name as it was saved.
                name: self.user_name.unwrap_or_else(|| self.created_by_name.clone()),
                email: self.user_email,
                organisation_id: self.organisation_id,
                organisation_name: self.organisation_name,
            },
            record: ProcessRecord {
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
            },
        })
    }
}

/// A date field at the top level of a record's JSON body as a date, on either backend. The body is
/// text on both (JSON by `RecordBody`'s serde form, dates as `yyyy-mm-dd`); SQLite compares that
/// text with the dates it binds, which it stores as the same text.
fn body_date(backend: Backend, field: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_extract(r.body, '$.{field}')"),
        Backend::Postgres => format!("CAST(CAST(r.body AS jsonb) ->> '{field}' AS DATE)"),
    }
}

/// The current assessments started, and current plans drawn up, from `from` to `to` inclusive, of
/// the customers (also former ones) living in `municipality_codes`, with each version's customer
/// and recorder (a user, an integration's token, or neither), by customer and record.
pub async fn current_in_period(
    db: &Database,
    municipality_codes: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SourceRecord>, StoreError> {
    if municipality_codes.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.backend();
    let placeholders = (0..municipality_codes.len())
        .map(|i| format!("${}", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT r.id, r.version, r.customer_id, r.kind, r.is_current, r.county_code, r.body, r.created_at, \
         r.created_by, r.created_by_name, c.identity_code, c.birth_date, c.municipality_code, \
         u.display_name AS user_name, u.email AS user_email, o.id AS organisation_id, o.name AS organisation_name \
         FROM customers c \
         JOIN process_records r ON r.customer_id = c.id AND r.is_current AND r.kind IN ('assessment', 'plan') \
         LEFT JOIN users u ON u.id = r.created_by \
         LEFT JOIN api_tokens t ON t.id = r.created_by \
         LEFT JOIN organisations o ON o.id = COALESCE(u.organisation_id, t.organisation_id) \
         WHERE c.municipality_code IN ({placeholders}) \
         AND ((r.kind = 'assessment' AND {started} BETWEEN $1 AND $2) \
         OR (r.kind = 'plan' AND {drawn_up} BETWEEN $1 AND $2)) \
         ORDER BY r.customer_id, r.id",
        started = body_date(backend, "started_on"),
        drawn_up = body_date(backend, "drawn_up_on"),
    );
    let rows: Vec<ExportRow> = with_db!(db, pool => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(from).bind(to);
        for code in municipality_codes {
            query = query.bind(code);
        }
        query.fetch_all(pool).await?
    });
    rows.into_iter().map(ExportRow::into_source).collect()
}
