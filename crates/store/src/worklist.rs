//! The people on a worklist, read in one query of what the worklist shows and what its deadlines
//! follow from: not the whole customer, and not their records' documents.
//!
//! A caseworker's worklist covers a few hundred customers and is opened many times a day. Reading
//! each one's whole row (thirty columns, JSON lists and an identity code checked on the way) and,
//! in a second query, a row per current record was most of a worklist's time under the load mix.

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;

use crate::process::DEADLINE_KINDS;
use crate::{Database, StoreError, with_db};

/// An active customer as a worklist needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorklistCustomer {
    pub id: String,
    pub family_name: String,
    pub given_names: String,
    pub municipality_code: String,
    pub responsible_caseworker: Option<String>,
    pub customership_start: NaiveDate,
    pub customership_end: Option<NaiveDate>,
    pub first_permit_date: Option<NaiveDate>,
    pub target_group: Option<String>,
    /// The (id, version) of each current deadline-relevant record (assessments, plans, referrals,
    /// programmes), in id order: what tells whether deadlines computed before still hold.
    pub records: Vec<(String, i64)>,
}

#[derive(sqlx::FromRow)]
struct WorklistRow {
    id: String,
    family_name: String,
    given_names: String,
    municipality_code: String,
    responsible_caseworker: Option<String>,
    customership_start: NaiveDate,
    customership_end: Option<NaiveDate>,
    first_permit_date: Option<NaiveDate>,
    target_group: Option<String>,
    /// `id:version` of each record, comma-separated, in no particular order.
    records: Option<String>,
}

impl WorklistRow {
    fn into_customer(self) -> Result<WorklistCustomer, StoreError> {
        let mut records = Vec::new();
        for pair in self
            .records
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|p| !p.is_empty())
        {
            let parsed = pair
                .rsplit_once(':')
                .and_then(|(id, version)| Some((id.to_owned(), version.parse().ok()?)));
            records.push(
                parsed.ok_or_else(|| StoreError::Corrupt(format!("customer {}: record version {pair:?}", self.id)))?,
            );
        }
        records.sort();
        Ok(WorklistCustomer {
            id: self.id,
            family_name: self.family_name,
            given_names: self.given_names,
            municipality_code: self.municipality_code,
            responsible_caseworker: self.responsible_caseworker,
            customership_start: self.customership_start,
            customership_end: self.customership_end,
            first_permit_date: self.first_permit_date,
            target_group: self.target_group,
            records,
        })
    }
}

/// The active customers living in `municipality_codes`, optionally only one caseworker's, in name
/// order, each with the versions of their current deadline-relevant records: the people on a
/// worklist. One statement, so the customers and their records are read as of one moment.
pub async fn worklist_customers(
    db: &Database,
    municipality_codes: &[String],
    caseworker: Option<&str>,
) -> Result<Vec<WorklistCustomer>, StoreError> {
    if municipality_codes.is_empty() {
        return Ok(Vec::new());
    }
    // Record ids are UUIDs and versions numbers: neither holds ':' or ','.
    let aggregate = match db {
        Database::Sqlite(..) => "group_concat(r.id || ':' || r.version, ',')",
        Database::Postgres(_) => "string_agg(r.id || ':' || CAST(r.version AS TEXT), ',')",
    };
    let placeholders = (1..=municipality_codes.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let caseworker_condition = if caseworker.is_some() {
        format!(" AND c.responsible_caseworker = ${}", municipality_codes.len() + 1)
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT c.id, c.family_name, c.given_names, c.municipality_code, c.responsible_caseworker, \
         c.customership_start, c.customership_end, c.first_permit_date, c.target_group, \
         (SELECT {aggregate} FROM process_records r \
          WHERE r.customer_id = c.id AND r.is_current AND r.kind IN ({DEADLINE_KINDS})) AS records \
         FROM customers c \
         WHERE c.customership_end IS NULL AND c.municipality_code IN ({placeholders}){caseworker_condition} \
         ORDER BY c.sort_key, c.id"
    );
    let rows: Vec<WorklistRow> = with_db!(db, pool => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql));
        for code in municipality_codes {
            query = query.bind(code);
        }
        if let Some(caseworker) = caseworker {
            query = query.bind(caseworker);
        }
        query.fetch_all(pool).await?
    });
    rows.into_iter().map(WorklistRow::into_customer).collect()
}
