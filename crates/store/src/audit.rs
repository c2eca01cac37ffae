//! The audit log table: appending chained rows, reading them back, and checking the chain.

use chrono::{DateTime, Utc};
use kotopolku_domain::audit::{AuditEntry, AuditRow, GENESIS_HASH, chain_hash};
use sqlx::AssertSqlSafe;

use crate::{Database, StoreError, Tx, with_db, with_tx};

/// Any constant works; it names the advisory lock that serialises appends on PostgreSQL.
const CHAIN_LOCK: i64 = 0x4b6f_746f_4175_6469;

/// Most rows per INSERT statement when appending a batch on SQLite.
const MAX_ROWS_PER_INSERT: usize = 512;

/// Most rows per INSERT statement on PostgreSQL (17 bound values each, well under its 65,535).
const MAX_ROWS_PER_INSERT_POSTGRES: usize = 1_000;

/// Rows in the next INSERT statement of a batch of `remaining` rows.
///
/// On SQLite, the largest power of two that fits: each connection keeps every statement it has
/// prepared, in this process, and one per batch size (a statement of hundreds of rows is hundreds of
/// kilobytes) grew a server under load by a few megabytes a second; this way there are ten sizes,
/// and a batch of n rows takes at most ten statements. On PostgreSQL, where prepared statements live
/// in the database server and each statement is a round trip over the network, as many as fit:
/// splitting a worklist's 450 rows into four statements made it a third slower (`kotopolku-bench
/// worklist --backend postgres`: own worklist p50 110 ms against 75 ms).
fn chunk_len(remaining: usize, postgres: bool) -> usize {
    if postgres {
        remaining.min(MAX_ROWS_PER_INSERT_POSTGRES)
    } else if remaining >= MAX_ROWS_PER_INSERT {
        MAX_ROWS_PER_INSERT
    } else {
        1 << remaining.ilog2()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    occurred_at: DateTime<Utc>,
    actor_id: String,
    actor_kind: String,
    actor_name: String,
    organisation_id: Option<String>,
    role: Option<String>,
    action: String,
    target_type: Option<String>,
    target_id: Option<String>,
    customer_id: Option<String>,
    purpose: Option<String>,
    request_id: Option<String>,
    client_address: Option<String>,
    outcome: String,
    previous_hash: String,
    hash: String,
}

impl From<Row> for AuditRow {
    fn from(r: Row) -> Self {
        AuditRow {
            id: r.id,
            entry: AuditEntry {
                occurred_at: r.occurred_at,
                actor_id: r.actor_id,
                actor_kind: r.actor_kind,
                actor_name: r.actor_name,
                organisation_id: r.organisation_id,
                role: r.role,
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                customer_id: r.customer_id,
                purpose: r.purpose,
                request_id: r.request_id,
                client_address: r.client_address,
                outcome: r.outcome,
            },
            previous_hash: r.previous_hash,
            hash: r.hash,
        }
    }
}

/// Every column, in the order `push_rows!` binds them for an insert.
const COLUMNS: &str = "id, occurred_at, actor_id, actor_kind, actor_name, organisation_id, role, action, target_type, \
    target_id, customer_id, purpose, request_id, client_address, outcome, previous_hash, hash";

/// The last row of the chain, as its appender saw it when it committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub id: i64,
    pub hash: String,
}

/// A row ready to insert: its id, its entry, and the hashes chaining it.
type ChainedRow<'a> = (i64, &'a AuditEntry, String, String);

/// Chains `entries` after `head`: ids and hashes follow on from it.
fn chain_after<'a>(head: &ChainHead, entries: &'a [AuditEntry]) -> (Vec<ChainedRow<'a>>, ChainHead) {
    let (mut id, mut previous) = (head.id, head.hash.clone());
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        id += 1;
        let hash = chain_hash(&previous, id, entry);
        rows.push((id, entry, std::mem::replace(&mut previous, hash.clone()), hash));
    }
    (rows, ChainHead { id, hash: previous })
}

/// Pushes `$rows` (a slice of [`ChainedRow`]) onto the query builder `$query` as a VALUES list,
/// the columns in the order of [`COLUMNS`]. A macro, as the builder's type differs per
/// database. The builder's placeholders on SQLite are plain `?`: SQLite looks a numbered `$n` up
/// by a linear scan for every bound value, which made a 200-row statement's binding quadratic (a
/// third of an import's time in `sqlite3_bind_parameter_name`).
macro_rules! push_rows {
    ($query:expr, $rows:expr) => {
        $query.push_values($rows, |mut row, (id, entry, previous_hash, hash)| {
            row.push_bind(*id)
                .push_bind(entry.occurred_at)
                .push_bind(&entry.actor_id)
                .push_bind(&entry.actor_kind)
                .push_bind(&entry.actor_name)
                .push_bind(&entry.organisation_id)
                .push_bind(&entry.role)
                .push_bind(&entry.action)
                .push_bind(&entry.target_type)
                .push_bind(&entry.target_id)
                .push_bind(&entry.customer_id)
                .push_bind(&entry.purpose)
                .push_bind(&entry.request_id)
                .push_bind(&entry.client_address)
                .push_bind(&entry.outcome)
                .push_bind(previous_hash)
                .push_bind(hash);
        })
    };
}

/// Appends entries to the chain in the caller's transaction and returns the chain's new head (as
/// it will be once the caller commits), or `None` if there were no entries. Appends are serialised (SQLite's write transactions
/// already are; on PostgreSQL a transaction-scoped advisory lock does it), so the chain never
/// forks and ids stay consecutive; the lock is held until the caller commits.
pub async fn append(tx: &mut Tx, entries: &[AuditEntry]) -> Result<Option<ChainHead>, StoreError> {
    if entries.is_empty() {
        return Ok(None);
    }
    if let Tx::Postgres(pg) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CHAIN_LOCK)
            .execute(&mut **pg)
            .await?;
    }
    // Not a prepared statement kept per connection: a parameterless statement keeps the plan made
    // when it was first prepared, and one made while the log was nearly empty (a scan and a sort)
    // would read the whole, growing log on every append (measured on PostgreSQL: 8-12 ms per append
    // at 60,000 rows, against 0.1 ms for the index scan planned now).
    let head: Option<(i64, String)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .persistent(false)
            .fetch_optional(&mut *conn)
            .await?
    });
    let (id, hash) = head.unwrap_or((0, GENESIS_HASH.to_owned()));
    let (rows, head) = chain_after(&ChainHead { id, hash }, entries);
    // A few statements per batch, not one per row: a batch of reads from many requests costs a few
    // round trips.
    let mut rest = rows.as_slice();
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(chunk_len(rest.len(), matches!(tx, Tx::Postgres(_))));
        rest = after;
        with_tx!(tx, conn => {
            let mut query = sqlx::QueryBuilder::new(format!("INSERT INTO audit_log ({COLUMNS}) "));
            push_rows!(query, chunk);
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(Some(head))
}

/// Most rows [`append_after`] writes: larger batches go through [`append`].
pub const MAX_ROWS_APPENDED_AFTER: usize = 64;

/// Appends entries in one statement of their own (one round trip, committed when it returns), if
/// `head` is still the chain's last row; returns the new head, or `None` with nothing written if
/// the chain has moved on (another appender's rows, or a log restored from a backup), after which
/// the caller reads the head again through [`append`]. For the audit writer, which appends far more
/// often than anyone else and knows the head it committed last.
///
/// The statement checks the head and, on PostgreSQL, takes the appenders' lock before inserting,
/// so an appender that comes after it waits and then reads the new head. If another appender
/// commits between this statement's snapshot and its lock, the ids collide: the primary key refuses
/// the statement, which is then reported as a moved chain.
pub async fn append_after(
    db: &Database,
    head: &ChainHead,
    entries: &[AuditEntry],
) -> Result<Option<ChainHead>, StoreError> {
    if entries.is_empty() || entries.len() > MAX_ROWS_APPENDED_AFTER {
        return Ok(None);
    }
    let (rows, new_head) = chain_after(head, entries);
    let result = with_db!(db, pool => {
        let mut query = sqlx::QueryBuilder::new("");
        if matches!(db, Database::Postgres(_)) {
            query.push("WITH chain_lock AS (SELECT pg_advisory_xact_lock(");
            query.push_bind(CHAIN_LOCK);
            query.push(")) ");
        }
        query.push(format!("INSERT INTO audit_log ({COLUMNS}) SELECT new_rows.* FROM ("));
        push_rows!(query, &rows);
        query.push(if matches!(db, Database::Postgres(_)) {
            format!(") AS new_rows ({COLUMNS}), chain_lock")
        } else {
            ") AS new_rows".to_owned()
        });
        query.push(" WHERE (SELECT coalesce(max(id), 0) FROM audit_log) = ");
        query.push_bind(head.id);
        query.build().execute(pool).await.map(|done| done.rows_affected())
    });
    match result {
        Ok(inserted) if inserted == rows.len() as u64 => Ok(Some(new_head)),
        Ok(_) => Ok(None),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Rows with ids after `after_id`, in order, at most `limit`: for walking the whole chain.
pub async fn rows_after(db: &Database, after_id: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2");
    let rows: Vec<Row> = with_db!(db, pool => {
        sqlx::query_as(AssertSqlSafe(sql)).bind(after_id).bind(limit).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(AuditRow::from).collect())
}

/// Filters for reading the log; all given ones must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub customer_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Newest first, continuing below this id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Matching rows, newest first.
pub async fn query(db: &Database, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ($1 IS NULL OR customer_id = $1) AND ($2 IS NULL OR actor_id = $2) \
         AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR outcome = $4) AND ($5 IS NULL OR occurred_at >= $5) \
         AND ($6 IS NULL OR occurred_at < $6) AND ($7 IS NULL OR id < $7) ORDER BY id DESC LIMIT $8"
    );
    let rows: Vec<Row> = with_db!(db, pool => {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(&filter.customer_id)
            .bind(&filter.actor_id)
            .bind(&filter.action)
            .bind(&filter.outcome)
            .bind(filter.from)
            .bind(filter.until)
            .bind(filter.before_id)
            .bind(filter.limit)
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(AuditRow::from).collect())
}

/// The actions that change a customer's data: the change feed's events.
pub const CHANGE_ACTIONS: &[&str] = &[
    "customer.register",
    "customer.update",
    "customer.end",
    "customer.handover.accept",
    "customer.county_involvement.start",
    "customer.county_involvement.end",
    "assessment.create",
    "assessment.revise",
    "plan.create",
    "plan.revise",
    "programme.create",
    "programme.revise",
    "referral.create",
    "referral.revise",
    "note.create",
    "note.revise",
    "appointment.create",
    "appointment.revise",
    "import.customer_created",
    "import.customer_updated",
    "import.record_created",
    "import.record_updated",
    "retention.delete_record",
    "retention.anonymise",
];

/// One change of a customer's data, as the change feed gives it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChangeEvent {
    /// The audit row's id: the feed's cursor.
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub action: String,
    pub customer_id: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
}

/// Changes after `after_id` to customers now living in `municipality_codes`, oldest first.
///
/// Gap-free: appends hold the chain lock until they commit (SQLite has one writer; PostgreSQL an
/// advisory lock), so ids become visible in order and a reader never sees a later id before an
/// earlier one. A cursor therefore never skips a change that commits afterwards.
pub async fn changes_after(
    db: &Database,
    after_id: i64,
    limit: i64,
    municipality_codes: &[String],
) -> Result<Vec<ChangeEvent>, StoreError> {
    if municipality_codes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(with_db!(db, pool => {
        let mut query = sqlx::QueryBuilder::new(
            "SELECT a.id, a.occurred_at, a.action, a.customer_id, a.target_type, a.target_id FROM audit_log a \
             JOIN customers c ON c.id = a.customer_id WHERE a.id > ",
        );
        query.push_bind(after_id).push(" AND a.outcome = 'success' AND a.action IN (");
        let mut actions = query.separated(", ");
        for action in CHANGE_ACTIONS {
            actions.push_bind(*action);
        }
        query.push(") AND c.municipality_code IN (");
        let mut codes = query.separated(", ");
        for code in municipality_codes {
            codes.push_bind(code);
        }
        query.push(") ORDER BY a.id LIMIT ").push_bind(limit);
        query.build_query_as().fetch_all(pool).await?
    }))
}

/// The newest row's id, 0 for an empty log.
pub async fn last_id(db: &Database) -> Result<i64, StoreError> {
    let id: Option<i64> = with_db!(db, pool => {
        sqlx::query_scalar("SELECT MAX(id) FROM audit_log").fetch_one(pool).await?
    });
    Ok(id.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_split_into_few_statement_sizes_on_sqlite_and_one_statement_on_postgres() {
        let mut sizes = std::collections::BTreeSet::new();
        for n in 1..=3_000 {
            let (mut rest, mut statements) = (n, 0);
            while rest > 0 {
                let len = chunk_len(rest, false);
                assert!(len.is_power_of_two() && len <= rest && len <= MAX_ROWS_PER_INSERT);
                sizes.insert(len);
                rest -= len;
                statements += 1;
            }
            if n < 2 * MAX_ROWS_PER_INSERT {
                assert!(statements <= 10, "{n} rows in {statements} statements");
            }
            assert_eq!(chunk_len(n, true), n.min(MAX_ROWS_PER_INSERT_POSTGRES));
        }
        assert_eq!(sizes.len(), 10);
    }
}
