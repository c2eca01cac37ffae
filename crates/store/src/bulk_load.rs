//! Many rows in few statements: the synthetic data generator writes a million customers and their
//! process records this way. Rows arrive complete (ids, versions, which version is current), so
//! nothing is read back and nothing is updated; one multi-row `INSERT` writes hundreds of rows.

use kotopolku_domain::customer::Customer;
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_domain::names;
use kotopolku_domain::process::ProcessRecord;
use sqlx::QueryBuilder;

use crate::customers::{name_tokens, to_json};
use crate::{StoreError, Tx};

/// Rows per statement: under SQLite's limit of 32,766 bound values and PostgreSQL's 65,535 for the
/// widest table (customers, 30 columns).
const CUSTOMERS_PER_STATEMENT: usize = 1_000;
const RECORDS_PER_STATEMENT: usize = 3_000;
const TOKENS_PER_STATEMENT: usize = 6_000;

/// Inserts new customers with their name search rows.
pub async fn insert_customers(tx: &mut Tx, customers: &[Customer]) -> Result<(), StoreError> {
    struct Prepared<'a> {
        customer: &'a Customer,
        sort_key: String,
        citizenships: String,
        other_languages: String,
    }
    let mut prepared = Vec::with_capacity(customers.len());
    let mut tokens = Vec::new();
    for customer in customers {
        let d = &customer.data;
        let sort_key = names::sort_key(&d.family_name, &d.given_names);
        for token in name_tokens(d) {
            tokens.push((token, customer, sort_key.clone()));
        }
        prepared.push(Prepared {
            customer,
            sort_key,
            citizenships: to_json(&d.citizenships)?,
            other_languages: to_json(&d.other_languages)?,
        });
    }
    for chunk in prepared.chunks(CUSTOMERS_PER_STATEMENT) {
        macro_rules! push {
            ($builder:ident) => {
                $builder.push_values(chunk, |mut row, p| {
                    let c = p.customer;
                    let d = &c.data;
                    row.push_bind(&c.id)
                        .push_bind(d.identity_code.as_ref().map(IdentityCode::as_str))
                        .push_bind(&d.family_name)
                        .push_bind(&d.given_names)
                        .push_bind(&p.sort_key)
                        .push_bind(d.birth_date)
                        .push_bind(d.sex.as_str())
                        .push_bind(&p.citizenships)
                        .push_bind(&d.native_language)
                        .push_bind(&p.other_languages)
                        .push_bind(&d.contact_language)
                        .push_bind(d.interpreter_needed)
                        .push_bind(&d.interpreter_language)
                        .push_bind(&d.phone)
                        .push_bind(&d.email)
                        .push_bind(&d.street_address)
                        .push_bind(&d.postal_code)
                        .push_bind(&d.post_office)
                        .push_bind(&d.municipality_code)
                        .push_bind(d.arrival_date)
                        .push_bind(d.first_permit_date)
                        .push_bind(&d.residence_basis)
                        .push_bind(&d.target_group)
                        .push_bind(d.customership_start)
                        .push_bind(c.customership_end)
                        .push_bind(&c.end_reason)
                        .push_bind(&d.responsible_caseworker)
                        .push_bind(c.version)
                        .push_bind(c.created_at)
                        .push_bind(c.updated_at);
                });
            };
        }
        execute(
            tx,
            CUSTOMER_INSERT,
            |b| {
                push!(b);
            },
            |b| {
                push!(b);
            },
        )
        .await?;
    }
    for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
        macro_rules! push {
            ($builder:ident) => {
                $builder.push_values(chunk, |mut row, (token, customer, sort_key)| {
                    row.push_bind(token)
                        .push_bind(&customer.id)
                        .push_bind(sort_key)
                        .push_bind(&customer.data.municipality_code)
                        .push_bind(customer.customership_end.is_none());
                });
            };
        }
        execute(
            tx,
            TOKEN_INSERT,
            |b| {
                push!(b);
            },
            |b| {
                push!(b);
            },
        )
        .await?;
    }
    Ok(())
}

/// Inserts process record versions as they are: `current` is stored as given, so a record's older
/// versions come with `current` false and its latest with `current` true.
pub async fn insert_records(tx: &mut Tx, records: &[ProcessRecord]) -> Result<(), StoreError> {
    let bodies = records
        .iter()
        .map(|r| to_json(&r.content))
        .collect::<Result<Vec<_>, _>>()?;
    let rows: Vec<(&ProcessRecord, &String)> = records.iter().zip(&bodies).collect();
    for chunk in rows.chunks(RECORDS_PER_STATEMENT) {
        macro_rules! push {
            ($builder:ident) => {
                $builder.push_values(chunk, |mut row, (r, body)| {
                    row.push_bind(&r.id)
                        .push_bind(r.version)
                        .push_bind(&r.customer_id)
                        .push_bind(r.kind.as_str())
                        .push_bind(r.current)
                        .push_bind(&r.county_code)
                        .push_bind(*body)
                        .push_bind(r.created_at)
                        .push_bind(&r.created_by)
                        .push_bind(&r.created_by_name);
                });
            };
        }
        execute(
            tx,
            RECORD_INSERT,
            |b| {
                push!(b);
            },
            |b| {
                push!(b);
            },
        )
        .await?;
    }
    Ok(())
}

const CUSTOMER_INSERT: &str = "INSERT INTO customers (id, identity_code, family_name, given_names, sort_key, \
    birth_date, sex, citizenships, native_language, other_languages, contact_language, interpreter_needed, \
    interpreter_language, phone, email, street_address, postal_code, post_office, municipality_code, arrival_date, \
    first_permit_date, residence_basis, target_group, customership_start, customership_end, end_reason, \
    responsible_caseworker, version, created_at, updated_at) ";
const TOKEN_INSERT: &str =
    "INSERT INTO customer_name_tokens (token, customer_id, sort_key, municipality_code, active) ";
const RECORD_INSERT: &str = "INSERT INTO process_records (id, version, customer_id, kind, is_current, county_code, \
    body, created_at, created_by, created_by_name) ";

/// Builds one statement for the transaction's database with the matching closure and runs it.
async fn execute(
    tx: &mut Tx,
    head: &'static str,
    sqlite: impl FnOnce(&mut QueryBuilder<sqlx::Sqlite>),
    postgres: impl FnOnce(&mut QueryBuilder<sqlx::Postgres>),
) -> Result<(), StoreError> {
    match tx {
        Tx::Sqlite(tx, _) => {
            let mut builder = QueryBuilder::new(head);
            sqlite(&mut builder);
            builder.build().execute(&mut **tx).await?;
        }
        Tx::Postgres(tx) => {
            let mut builder = QueryBuilder::new(head);
            postgres(&mut builder);
            builder.build().execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// Gives the query planner fresh statistics after a bulk load, as autovacuum and `PRAGMA optimize`
/// do in a running system. On SQLite each index is sampled (`analysis_limit`) rather than read
/// whole: at a million customers a full `ANALYZE` reads every one of 15 million record versions.
pub async fn refresh_planner_statistics(db: &crate::Database) -> Result<(), StoreError> {
    match db {
        crate::Database::Sqlite(pool, _) => {
            let mut conn = pool.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 2000").execute(&mut *conn).await?;
            sqlx::query("ANALYZE").execute(&mut *conn).await?;
            sqlx::query("PRAGMA analysis_limit = 0").execute(&mut *conn).await?;
        }
        crate::Database::Postgres(pool) => {
            sqlx::query("ANALYZE").execute(pool).await?;
        }
    }
    Ok(())
}
