//! The customer registry's tables: customers, their name tokens, and their field-level history.

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::customer::{Customer, CustomerData, LanguageSkill, RecordedSex};
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_domain::names;
use sqlx::AssertSqlSafe;

use crate::{Database, StoreError, Tx, with_db, with_tx};

pub(crate) const COLUMNS: &str = "id, identity_code, family_name, given_names, sort_key, birth_date, sex, citizenships, \
    native_language, other_languages, contact_language, interpreter_needed, interpreter_language, phone, email, \
    street_address, postal_code, post_office, municipality_code, arrival_date, first_permit_date, residence_basis, \
    target_group, customership_start, customership_end, end_reason, responsible_caseworker, version, created_at, \
    updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CustomerRow {
    id: String,
    identity_code: Option<String>,
    family_name: String,
    given_names: String,
    sort_key: String,
    birth_date: NaiveDate,
    sex: String,
    citizenships: String,
    native_language: Option<String>,
    other_languages: String,
    contact_language: Option<String>,
    interpreter_needed: bool,
    interpreter_language: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    street_address: Option<String>,
    postal_code: Option<String>,
    post_office: Option<String>,
    municipality_code: String,
    arrival_date: Option<NaiveDate>,
    first_permit_date: Option<NaiveDate>,
    residence_basis: Option<String>,
    target_group: Option<String>,
    customership_start: NaiveDate,
    customership_end: Option<NaiveDate>,
    end_reason: Option<String>,
    responsible_caseworker: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CustomerRow {
    pub(crate) fn into_customer(self) -> Result<(Customer, String), StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("customer {}: {what}", self.id));
        let identity_code = match &self.identity_code {
            Some(code) => Some(IdentityCode::parse(code).map_err(|_| corrupt("identity_code"))?),
            None => None,
        };
        let sex = RecordedSex::parse(&self.sex).ok_or_else(|| corrupt("sex"))?;
        let citizenships: Vec<String> =
            serde_json::from_str(&self.citizenships).map_err(|_| corrupt("citizenships"))?;
        let other_languages: Vec<LanguageSkill> =
            serde_json::from_str(&self.other_languages).map_err(|_| corrupt("other_languages"))?;
        let customer = Customer {
            id: self.id,
            data: CustomerData {
                identity_code,
                family_name: self.family_name,
                given_names: self.given_names,
                birth_date: self.birth_date,
                sex,
                citizenships,
                native_language: self.native_language,
                other_languages,
                contact_language: self.contact_language,
                interpreter_needed: self.interpreter_needed,
                interpreter_language: self.interpreter_language,
                phone: self.phone,
                email: self.email,
                street_address: self.street_address,
                postal_code: self.postal_code,
                post_office: self.post_office,
                municipality_code: self.municipality_code,
                arrival_date: self.arrival_date,
                first_permit_date: self.first_permit_date,
                residence_basis: self.residence_basis,
                target_group: self.target_group,
                customership_start: self.customership_start,
                responsible_caseworker: self.responsible_caseworker,
            },
            customership_end: self.customership_end,
            end_reason: self.end_reason,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        Ok((customer, self.sort_key))
    }
}

/// A value bound to a dynamically built query.
enum Arg {
    Text(String),
    Date(NaiveDate),
    Bool(bool),
}

/// Writes one search row per distinct folded word of the customer's names, carrying what search sorts
/// and filters by. A macro rather than a function so that one text serves both connection types.
macro_rules! write_tokens {
    ($conn:ident, $customer:expr, $sort_key:expr) => {
        for token in name_tokens(&$customer.data) {
            sqlx::query(
                "INSERT INTO customer_name_tokens (token, customer_id, sort_key, municipality_code, active) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token)
            .bind(&$customer.id)
            .bind($sort_key)
            .bind(&$customer.data.municipality_code)
            .bind($customer.customership_end.is_none())
            .execute(&mut *$conn)
            .await?;
        }
    };
}

/// Binds a customer's columns in table order, from `id` to `version`: the order both the INSERT and
/// the UPDATE statements use. A macro so that one text serves both database types.
macro_rules! bind_customer_fields {
    ($query:expr, $customer:expr, $sort_key:expr, $citizenships:expr, $other_languages:expr) => {{
        let customer = $customer;
        let d = &customer.data;
        $query
            .bind(&customer.id)
            .bind(d.identity_code.as_ref().map(IdentityCode::as_str))
            .bind(&d.family_name)
            .bind(&d.given_names)
            .bind($sort_key)
            .bind(d.birth_date)
            .bind(d.sex.as_str())
            .bind($citizenships)
            .bind(&d.native_language)
            .bind($other_languages)
            .bind(&d.contact_language)
            .bind(d.interpreter_needed)
            .bind(&d.interpreter_language)
            .bind(&d.phone)
            .bind(&d.email)
            .bind(&d.street_address)
            .bind(&d.postal_code)
            .bind(&d.post_office)
            .bind(&d.municipality_code)
            .bind(d.arrival_date)
            .bind(d.first_permit_date)
            .bind(&d.residence_basis)
            .bind(&d.target_group)
            .bind(d.customership_start)
            .bind(customer.customership_end)
            .bind(&customer.end_reason)
            .bind(&d.responsible_caseworker)
            .bind(customer.version)
    }};
}

/// Stores a new customer with its name tokens.
pub async fn insert(tx: &mut Tx, customer: &Customer) -> Result<(), StoreError> {
    let d = &customer.data;
    let citizenships = to_json(&d.citizenships)?;
    let other_languages = to_json(&d.other_languages)?;
    let sort_key = names::sort_key(&d.family_name, &d.given_names);
    with_tx!(tx, conn => {
        let query = sqlx::query(
            "INSERT INTO customers (id, identity_code, family_name, given_names, sort_key, birth_date, sex, \
             citizenships, native_language, other_languages, contact_language, interpreter_needed, \
             interpreter_language, phone, email, street_address, postal_code, post_office, municipality_code, \
             arrival_date, first_permit_date, residence_basis, target_group, customership_start, \
             customership_end, end_reason, responsible_caseworker, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
             $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)",
        );
        bind_customer_fields!(query, customer, &sort_key, &citizenships, &other_languages)
        .bind(customer.created_at)
        .bind(customer.updated_at)
        .execute(&mut *conn)
        .await?;
        write_tokens!(conn, customer, &sort_key);
        Ok(())
    })
}

/// Replaces a customer's row if its stored version is `expected_version`; `false` when it is not
/// (someone else changed the customer in between).
pub async fn update(tx: &mut Tx, customer: &Customer, expected_version: i64) -> Result<bool, StoreError> {
    let d = &customer.data;
    let citizenships = to_json(&d.citizenships)?;
    let other_languages = to_json(&d.other_languages)?;
    let sort_key = names::sort_key(&d.family_name, &d.given_names);
    with_tx!(tx, conn => {
        let query = sqlx::query(
            "UPDATE customers SET identity_code = $2, family_name = $3, given_names = $4, sort_key = $5, \
             birth_date = $6, sex = $7, citizenships = $8, native_language = $9, other_languages = $10, \
             contact_language = $11, interpreter_needed = $12, interpreter_language = $13, phone = $14, \
             email = $15, street_address = $16, postal_code = $17, post_office = $18, municipality_code = $19, \
             arrival_date = $20, first_permit_date = $21, residence_basis = $22, target_group = $23, \
             customership_start = $24, customership_end = $25, end_reason = $26, responsible_caseworker = $27, \
             version = $28, updated_at = $29 \
             WHERE id = $1 AND version = $30",
        );
        let done = bind_customer_fields!(query, customer, &sort_key, &citizenships, &other_languages)
        .bind(customer.updated_at)
        .bind(expected_version)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM customer_name_tokens WHERE customer_id = $1")
            .bind(&customer.id)
            .execute(&mut *conn)
            .await?;
        write_tokens!(conn, customer, &sort_key);
        Ok(true)
    })
}

/// The distinct folded words of a customer's names, one index row each.
pub(crate) fn name_tokens(d: &CustomerData) -> Vec<String> {
    let mut tokens = names::tokens(&d.family_name);
    tokens.extend(names::tokens(&d.given_names));
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Reads one customer.
pub async fn get(db: &Database, id: &str) -> Result<Option<Customer>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE id = $1");
    let row: Option<CustomerRow> = with_db!(db, pool => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
    });
    row.map(|r| r.into_customer().map(|(c, _)| c)).transpose()
}

/// Reads one customer inside a write transaction, so that a read-modify-write sees a stable row.
pub async fn get_for_update(tx: &mut Tx, id: &str) -> Result<Option<Customer>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE id = $1");
    let row: Option<CustomerRow> = with_tx!(tx, conn => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?
    });
    row.map(|r| r.into_customer().map(|(c, _)| c)).transpose()
}

/// The id of the customer holding `code`, if any.
pub async fn id_by_identity_code(tx: &mut Tx, code: &str) -> Result<Option<String>, StoreError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM customers WHERE identity_code = $1")
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?
    }))
}

/// Customers born on `date`: the candidates for duplicate detection.
pub async fn born_on(tx: &mut Tx, date: NaiveDate) -> Result<Vec<Customer>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE birth_date = $1 ORDER BY sort_key, id");
    let rows: Vec<CustomerRow> = with_tx!(tx, conn => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(date).fetch_all(&mut *conn).await?
    });
    rows.into_iter().map(|r| r.into_customer().map(|(c, _)| c)).collect()
}

/// What to search for; every given criterion must match.
#[derive(Debug, Clone, Default)]
pub struct SearchCriteria {
    pub identity_code: Option<String>,
    /// Folded name prefixes; each must start some word of the customer's names.
    pub name_prefixes: Vec<String>,
    pub birth_date: Option<NaiveDate>,
    /// Only customers of these municipalities; `None` for no restriction.
    pub municipality_codes: Option<Vec<String>>,
    pub include_ended: bool,
    /// Only customers with an active multisectoral involvement of this wellbeing county.
    pub involved_county: Option<String>,
    /// Continue after this `(sort_key, id)`.
    pub after: Option<(String, String)>,
    pub limit: u32,
}

/// One page of search results in (family name, given names, id) order.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub customers: Vec<Customer>,
    /// The `(sort_key, id)` of the last customer when more may follow.
    pub next: Option<(String, String)>,
}

/// Builds a query's text and its bound values together, numbering placeholders as it goes.
#[derive(Default)]
struct QueryBuilder {
    sql: String,
    args: Vec<Arg>,
}

impl QueryBuilder {
    fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    /// Adds a value and returns its placeholder (`$n`).
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn text(&mut self, text: &str) -> String {
        self.arg(Arg::Text(text.to_owned()))
    }

    /// `column IN ($a, $b, ...)`.
    fn in_list(&mut self, column: &str, values: &[String]) {
        let placeholders: Vec<String> = values.iter().map(|v| self.text(v)).collect();
        self.sql
            .push_str(&format!(" AND {column} IN ({})", placeholders.join(", ")));
    }

    /// `token` begins with `prefix`, as an index range.
    fn token_prefix(&mut self, column: &str, prefix: &str) {
        let low = self.text(prefix);
        match names::prefix_upper_bound(prefix) {
            Some(upper) => {
                let high = self.text(&upper);
                self.sql
                    .push_str(&format!(" AND {column} >= {low} AND {column} < {high}"));
            }
            None => self.sql.push_str(&format!(" AND {column} >= {low}")),
        }
    }

    /// The customer in `column` has an active involvement of `county`.
    fn involved_county(&mut self, column: &str, county: &str) {
        let p = self.text(county);
        self.sql.push_str(&format!(
            " AND {column} IN (SELECT customer_id FROM county_involvements WHERE county_code = {p} AND ended_on IS NULL)"
        ));
    }

    /// Continues after `(sort_key, id)` in that order.
    fn after(&mut self, sort_column: &str, id_column: &str, after: &Option<(String, String)>) {
        if let Some((sort_key, id)) = after {
            let k = self.text(sort_key);
            let i = self.text(id);
            // As a row value, which both databases take as the start of an index range.
            self.sql
                .push_str(&format!(" AND ({sort_column}, {id_column}) > ({k}, {i})"));
        }
    }
}

/// Searches customers; the order is stable, so pages can be walked with [`SearchPage::next`].
///
/// A search by name alone (the usual one) is driven by the token rows, which carry the customer's
/// sort key and filters and are kept in (token, sort key) order: the first page of each word the
/// longest fragment begins is read in name order and merged, the other fragments are checked in
/// each candidate's row, and only the page found is joined to `customers`. A search that also has
/// an identity code or a birth date is driven by those more selective indexes instead.
pub async fn search(db: &Database, criteria: &SearchCriteria) -> Result<SearchPage, StoreError> {
    if criteria.municipality_codes.as_ref().is_some_and(Vec::is_empty) {
        return Ok(SearchPage {
            customers: Vec::new(),
            next: None,
        });
    }
    let limit = criteria.limit + 1; // one more than asked tells whether another page exists
    let mut q = QueryBuilder::default();
    // Whether the connection keeps the statement prepared for the next search of the same shape.
    let mut keep_prepared = true;
    let by_tokens =
        !criteria.name_prefixes.is_empty() && criteria.identity_code.is_none() && criteria.birth_date.is_none();
    if by_tokens {
        let mut fragments = criteria.name_prefixes.clone();
        fragments.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
        let tokens = tokens_with_prefix(db, &fragments[0], MERGED_TOKENS + 1).await?;
        if tokens.is_empty() {
            return Ok(SearchPage {
                customers: Vec::new(),
                next: None,
            });
        }
        // What every candidate must also satisfy, once as text and values; each token's part of the
        // query refers to the same values.
        let mark = q.sql.len();
        if let Some(codes) = &criteria.municipality_codes {
            q.in_list("t.municipality_code", codes);
        }
        if !criteria.include_ended {
            let active = q.arg(Arg::Bool(true));
            q.push(&format!(" AND t.active = {active}"));
        }
        if let Some(county) = &criteria.involved_county {
            q.involved_county("t.customer_id", county);
        }
        // The other fragments are checked in the candidate's own row: its sort key holds every
        // word of its names, separated by spaces. Folded fragments hold neither '%' nor '_'.
        for fragment in &fragments[1..] {
            let p = q.text(&format!("% {fragment}%"));
            q.push(&format!(" AND (' ' || t.sort_key) LIKE {p}"));
        }
        q.after("t.sort_key", "t.customer_id", &criteria.after);
        let conditions = q.sql.split_off(mark);
        // Each number of words makes a statement of its own, and one merging dozens of words is
        // large: kept by each of the pool's connections, they add up to megabytes.
        keep_prepared = tokens.len() <= KEPT_MERGES;
        let candidates = if tokens.len() <= MERGED_TOKENS {
            // Each token's first page in name order (an index range that stops after `limit`
            // rows), merged; UNION drops a customer two of their words matched. The first `limit`
            // of the union are among the first `limit` of some token, so nothing is missed.
            let pages: Vec<String> = tokens
                .iter()
                .enumerate()
                .map(|(i, token)| {
                    let p = q.text(token);
                    format!(
                        "SELECT * FROM (SELECT t.sort_key, t.customer_id FROM customer_name_tokens t \
                         WHERE t.token = {p}{conditions} ORDER BY t.sort_key, t.customer_id LIMIT {limit}) p{i}"
                    )
                })
                .collect();
            format!("SELECT sort_key, customer_id FROM ({}) u", pages.join(" UNION "))
        } else {
            // A prefix of one or two letters covers so many words that reading every match and
            // sorting them is the cheaper way.
            let mark = q.sql.len();
            q.token_prefix("t.token", &fragments[0]);
            let range = q.sql.split_off(mark);
            format!(
                "SELECT DISTINCT t.sort_key, t.customer_id FROM customer_name_tokens t WHERE 1 = 1{range}{conditions}"
            )
        };
        q.push(&format!(
            "SELECT {} FROM ({candidates} ORDER BY sort_key, customer_id LIMIT {limit}) m \
             JOIN customers c ON c.id = m.customer_id ORDER BY m.sort_key, m.customer_id",
            prefixed_columns("c")
        ));
    } else {
        q.push(&format!(
            "SELECT {} FROM customers c WHERE 1 = 1",
            prefixed_columns("c")
        ));
        if let Some(code) = &criteria.identity_code {
            let p = q.text(code);
            q.push(&format!(" AND c.identity_code = {p}"));
        }
        if let Some(date) = criteria.birth_date {
            let p = q.arg(Arg::Date(date));
            q.push(&format!(" AND c.birth_date = {p}"));
        }
        for fragment in &criteria.name_prefixes {
            q.push(" AND EXISTS (SELECT 1 FROM customer_name_tokens t WHERE t.customer_id = c.id");
            q.token_prefix("t.token", fragment);
            q.push(")");
        }
        if let Some(codes) = &criteria.municipality_codes {
            q.in_list("c.municipality_code", codes);
        }
        if !criteria.include_ended {
            q.push(" AND c.customership_end IS NULL");
        }
        if let Some(county) = &criteria.involved_county {
            q.involved_county("c.id", county);
        }
        q.after("c.sort_key", "c.id", &criteria.after);
        q.push(&format!(" ORDER BY c.sort_key, c.id LIMIT {limit}"));
    }

    let QueryBuilder { sql, args } = q;
    let rows: Vec<CustomerRow> = with_db!(db, pool => {
        let mut query = sqlx::query_as(AssertSqlSafe(sql)).persistent(keep_prepared);
        for arg in args {
            query = match arg {
                Arg::Text(text) => query.bind(text),
                Arg::Date(date) => query.bind(date),
                Arg::Bool(flag) => query.bind(flag),
            };
        }
        query.fetch_all(pool).await?
    });
    let more = rows.len() > criteria.limit as usize;
    let mut customers = Vec::with_capacity(rows.len());
    let mut last_key = None;
    for row in rows.into_iter().take(criteria.limit as usize) {
        let (customer, sort_key) = row.into_customer()?;
        last_key = Some((sort_key, customer.id.clone()));
        customers.push(customer);
    }
    Ok(SearchPage {
        customers,
        next: if more { last_key } else { None },
    })
}

/// How many distinct words a name prefix may cover for a search to merge their pages; past that
/// (prefixes of a letter or two), it reads the whole range.
const MERGED_TOKENS: usize = 64;

/// Searches merging at most this many words keep their statements prepared; most prefixes people
/// type cover a handful of words.
const KEPT_MERGES: usize = 8;

/// The distinct name words beginning with `prefix`, in order, at most `limit`: one index seek per
/// word rather than a read of every row under the prefix.
async fn tokens_with_prefix(db: &Database, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
    let upper = names::prefix_upper_bound(prefix);
    let below = if upper.is_some() { " AND token < $2" } else { "" };
    let sql = format!(
        "WITH RECURSIVE words (token, n) AS ( \
           SELECT (SELECT token FROM customer_name_tokens WHERE token >= $1{below} ORDER BY token LIMIT 1), 1 \
           UNION ALL \
           SELECT (SELECT t.token FROM customer_name_tokens t WHERE t.token > w.token{} ORDER BY t.token LIMIT 1), \
                  w.n + 1 \
           FROM words w WHERE w.token IS NOT NULL AND w.n < {limit}) \
         SELECT token FROM words WHERE token IS NOT NULL",
        below.replace("token", "t.token")
    );
    Ok(with_db!(db, pool => {
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql)).bind(prefix);
        if let Some(upper) = &upper {
            query = query.bind(upper);
        }
        query.fetch_all(pool).await?
    }))
}

/// The customer columns qualified with a table alias.
fn prefixed_columns(alias: &str) -> String {
    COLUMNS
        .split(',')
        .map(|column| format!("{alias}.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One field's change in a customer's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// A recorded change with its attribution.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChangeRecord {
    pub id: i64,
    pub changed_at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_name: String,
    pub change_kind: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// Who made a set of changes, when, and what kind of change it was.
#[derive(Debug, Clone)]
pub struct ChangeContext<'a> {
    pub customer_id: &'a str,
    pub at: DateTime<Utc>,
    pub actor_id: &'a str,
    pub actor_name: &'a str,
    pub kind: &'a str,
}

/// Appends field changes to the customer's history in the caller's transaction.
pub async fn record_changes(
    tx: &mut Tx,
    context: &ChangeContext<'_>,
    changes: &[FieldChange],
) -> Result<(), StoreError> {
    with_tx!(tx, conn => {
        for change in changes {
            sqlx::query(
                "INSERT INTO customer_changes (customer_id, changed_at, actor_id, actor_name, change_kind, field, \
                 old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(context.customer_id)
            .bind(context.at)
            .bind(context.actor_id)
            .bind(context.actor_name)
            .bind(context.kind)
            .bind(&change.field)
            .bind(&change.old_value)
            .bind(&change.new_value)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    })
}

/// A customer's history, oldest first.
pub async fn history(db: &Database, customer_id: &str) -> Result<Vec<ChangeRecord>, StoreError> {
    Ok(with_db!(db, pool => {
        sqlx::query_as(
            "SELECT id, changed_at, actor_id, actor_name, change_kind, field, old_value, new_value \
             FROM customer_changes WHERE customer_id = $1 ORDER BY id",
        )
        .bind(customer_id)
        .fetch_all(pool)
        .await?
    }))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}
