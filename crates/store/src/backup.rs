//! Backups of every table of Kotopolku's while the server runs, and their restore into an empty
//! database of either engine (values travel as JSON: text, numbers, booleans, RFC 3339 times).
//!
//! The snapshot is one read transaction: on SQLite in WAL mode a reader sees the database as it was
//! when its first statement ran, writers carrying on beside it; on PostgreSQL a `REPEATABLE READ`
//! transaction does the same. A write acknowledged before the backup started is therefore in it,
//! with the audit rows committed with it, and no write is half in it.

pub mod format;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};

use futures_util::TryStreamExt;
use sqlx::AssertSqlSafe;

use crate::{Backend, Database, StoreError, Tx};
use format::{FORMAT, FORMAT_VERSION, HashingWriter, Header, Item, Reader, TableStart};

/// Rows per statement when restoring: an INSERT on SQLite, a COPY on PostgreSQL.
const ROWS_PER_INSERT: usize = 2_000;

/// What can go wrong making, checking or restoring a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(std::io::Error),
    #[error("line {line}, column {column}: {message}")]
    Malformed { line: u64, column: u64, message: String },
    #[error("the file ends before its checksum line: the backup is incomplete (truncated or still being written)")]
    Truncated,
    #[error(
        "checksum mismatch: the file says {expected}, its content hashes to {actual}; the backup has been altered or damaged"
    )]
    Checksum { expected: String, actual: String },
    #[error(
        "the backup is of schema version {backup}, this Kotopolku's is {database}: restore it with the Kotopolku version that made it (version {made_by}), then upgrade"
    )]
    SchemaVersion {
        backup: i64,
        database: i64,
        made_by: String,
    },
    #[error(
        "the database is not empty (table {table} has {rows} rows); restore into an empty database, or give --force to replace everything in it"
    )]
    NotEmpty { table: String, rows: i64 },
    #[error("table {table} of the backup does not match this database's ({detail})")]
    SchemaMismatch { table: String, detail: String },
}

impl From<sqlx::Error> for BackupError {
    fn from(error: sqlx::Error) -> Self {
        BackupError::Store(error.into())
    }
}

/// What a backup or restore wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub schema_version: i64,
    pub rows: BTreeMap<String, u64>,
    pub sha256: String,
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Double-quotes an identifier read from the database's own catalogue.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// A table's columns, in order, with their PostgreSQL types (empty on SQLite, which needs none).
struct Table {
    name: String,
    columns: Vec<(String, String)>,
}

impl Table {
    /// `"a", "b", ...`: the columns quoted, in order.
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(name, _)| quote(name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs `$body` with `$conn` bound to a connection of either engine (use it as `&mut *$conn`).
macro_rules! with_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
        }
    };
}

enum Conn {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// The tables, parents before the tables that refer to them (so that a restore satisfies every
/// foreign key as it goes), and their columns.
async fn tables(conn: &mut Conn) -> Result<Vec<Table>, BackupError> {
    let names: Vec<String> = match conn {
        Conn::Sqlite(c) => {
            sqlx::query_scalar(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 AND name <> '_sqlx_migrations' ORDER BY name",
            )
            .fetch_all(&mut **c)
            .await?
        }
        Conn::Postgres(c) => {
            sqlx::query_scalar(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
                 AND tablename <> '_sqlx_migrations' ORDER BY tablename",
            )
            .fetch_all(&mut **c)
            .await?
        }
    };
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut columns: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for name in &names {
        let (refers_to, cols): (Vec<String>, Vec<(String, String)>) = match conn {
            Conn::Sqlite(c) => (
                sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list($1)")
                    .bind(name)
                    .fetch_all(&mut **c)
                    .await?,
                sqlx::query_as("SELECT name, '' FROM pragma_table_info($1) ORDER BY cid")
                    .bind(name)
                    .fetch_all(&mut **c)
                    .await?,
            ),
            Conn::Postgres(c) => (
                sqlx::query_scalar(
                    "SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND conrelid = to_regclass($1)",
                )
                .bind(quote(name))
                .fetch_all(&mut **c)
                .await?,
                sqlx::query_as(
                    "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute \
                     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                )
                .bind(quote(name))
                .fetch_all(&mut **c)
                .await?,
            ),
        };
        parents.insert(
            name.clone(),
            refers_to
                .into_iter()
                .map(|t| t.trim_matches('"').to_owned())
                .filter(|t| t != name)
                .collect(),
        );
        columns.insert(name.clone(), cols);
    }
    // Kahn's algorithm over a few dozen tables; alphabetical among equals, so the order is stable.
    let mut ordered = Vec::new();
    let mut placed = BTreeSet::new();
    while placed.len() < names.len() {
        let ready: Vec<String> = names
            .iter()
            .filter(|n| {
                !placed.contains(*n)
                    && parents[*n]
                        .iter()
                        .all(|p| placed.contains(p) || !parents.contains_key(p))
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(BackupError::SchemaMismatch {
                table: names.iter().find(|n| !placed.contains(*n)).cloned().unwrap_or_default(),
                detail: "its foreign keys form a cycle".into(),
            });
        }
        for name in ready {
            placed.insert(name.clone());
            ordered.push(Table {
                columns: columns.remove(&name).unwrap_or_default(),
                name,
            });
        }
    }
    Ok(ordered)
}

async fn schema_version(conn: &mut Conn) -> Result<i64, BackupError> {
    let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
    Ok(with_conn!(conn, c => sqlx::query_scalar(sql).fetch_one(&mut **c).await?))
}

async fn acquire(db: &Database) -> Result<Conn, BackupError> {
    Ok(match db {
        Database::Sqlite(pool, _) => Conn::Sqlite(pool.acquire().await?),
        Database::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
    })
}

/// Writes a consistent snapshot of every table to `out`, while other connections go on writing.
pub async fn write<W: Write>(db: &Database, out: W) -> Result<(Summary, W), BackupError> {
    let mut conn = acquire(db).await?;
    match &mut conn {
        // A deferred transaction: its first read fixes the snapshot it sees to the end.
        Conn::Sqlite(c) => {
            sqlx::query("BEGIN").execute(&mut **c).await?;
        }
        Conn::Postgres(c) => {
            sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut **c)
                .await?;
            // Times in UTC with microseconds, whatever the server's settings.
            sqlx::query("SET LOCAL TimeZone = 'UTC'").execute(&mut **c).await?;
        }
    }
    let result = write_in_snapshot(&mut conn, db.backend(), out).await;
    // Read only: ending it either way changes nothing.
    with_conn!(&mut conn, c => sqlx::query("ROLLBACK").execute(&mut **c).await.map(|_| ()))?;
    result
}

async fn write_in_snapshot<W: Write>(conn: &mut Conn, backend: Backend, out: W) -> Result<(Summary, W), BackupError> {
    let schema_version = schema_version(conn).await?;
    let tables = tables(conn).await?;
    let mut writer = HashingWriter::new(out);
    writer.json_line(&Header {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        backend: backend_name(backend).into(),
        schema_version,
        taken_at: chrono::Utc::now(),
        kotopolku_version: env!("CARGO_PKG_VERSION").into(),
    })?;
    let mut rows = BTreeMap::new();
    for table in &tables {
        writer.json_line(&TableStart {
            table: table.name.clone(),
            columns: table.columns.iter().map(|(name, _)| name.clone()).collect(),
        })?;
        let list = table.column_list();
        let sql = match backend {
            Backend::Sqlite => format!("SELECT json_array({list}) FROM {}", quote(&table.name)),
            Backend::Postgres => format!("SELECT json_build_array({list})::text FROM {}", quote(&table.name)),
        };
        let mut count = 0u64;
        with_conn!(conn, c => {
            let mut stream = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).fetch(&mut **c);
            while let Some(row) = stream.try_next().await? {
                writer.line(&row)?;
                count += 1;
            }
        });
        rows.insert(table.name.clone(), count);
    }
    let (sha256, out) = writer.finish(rows.clone())?;
    Ok((
        Summary {
            schema_version,
            rows,
            sha256,
        },
        out,
    ))
}

/// Restores a backup (checked first with [`format::verify`]) into `db`, which must be migrated to
/// the backup's schema version and be empty unless `force`, when everything in it is replaced.
/// All or nothing: one transaction.
pub async fn restore(db: &Database, input: impl BufRead, force: bool) -> Result<Summary, BackupError> {
    let mut conn = acquire(db).await?;
    let database_version = schema_version(&mut conn).await?;
    let tables = tables(&mut conn).await?;
    drop(conn);
    let mut reader = Reader::new(input);
    let Some(Item::Header(header)) = reader.next_item()? else {
        return Err(BackupError::Truncated);
    };
    if header.schema_version != database_version {
        return Err(BackupError::SchemaVersion {
            backup: header.schema_version,
            database: database_version,
            made_by: header.kotopolku_version,
        });
    }
    let mut tx = db.begin().await?;
    for table in &tables {
        let sql = format!("SELECT COUNT(*) FROM {}", quote(&table.name));
        let rows: i64 = crate::with_tx!(&mut tx, c => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut *c).await?);
        if rows > 0 && !force {
            return Err(BackupError::NotEmpty {
                table: table.name.clone(),
                rows,
            });
        }
    }
    if force {
        for table in tables.iter().rev() {
            let sql = format!("DELETE FROM {}", quote(&table.name));
            crate::with_tx!(&mut tx, c => sqlx::query(AssertSqlSafe(sql)).execute(&mut *c).await.map(|_| ())?);
        }
    }
    let mut current: Option<String> = None;
    let mut batch: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    let sha256 = loop {
        let item = reader.next_item()?;
        if !matches!(item, Some(Item::Row(_)))
            && let Some(insert) = &current
        {
            insert_rows(&mut tx, insert, &mut batch).await?;
        }
        match item {
            Some(Item::Row(row)) => {
                batch.push(row);
                if batch.len() >= ROWS_PER_INSERT
                    && let Some(insert) = &current
                {
                    insert_rows(&mut tx, insert, &mut batch).await?;
                }
            }
            Some(Item::Table(start)) => {
                let Some(table) = tables.iter().find(|t| t.name == start.table) else {
                    return Err(BackupError::SchemaMismatch {
                        table: start.table,
                        detail: "no such table".into(),
                    });
                };
                // By name: the other engine's migrations may have added a table's columns in
                // another order. The rows are laid out in the backup's order.
                let here: BTreeSet<&str> = table.columns.iter().map(|(n, _)| n.as_str()).collect();
                let there: BTreeSet<&str> = start.columns.iter().map(String::as_str).collect();
                if here != there {
                    return Err(BackupError::SchemaMismatch {
                        table: start.table,
                        detail: format!("columns {there:?}, here {here:?}"),
                    });
                }
                seen.insert(table.name.clone());
                current = Some(insert_statement(db.backend(), &table.name, &start.columns));
            }
            Some(Item::Trailer(trailer)) => break trailer.sha256,
            Some(Item::Header(_)) => unreachable!("the reader gives the header only first"),
            None => return Err(BackupError::Truncated),
        }
    };
    if let Some(missing) = tables.iter().find(|t| !seen.contains(&t.name)) {
        return Err(BackupError::SchemaMismatch {
            table: missing.name.clone(),
            detail: "not in the backup".into(),
        });
    }
    if let Tx::Postgres(pg) = &mut tx {
        // Serial columns carry on after the restored ids.
        let serials: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
        )
        .fetch_all(&mut **pg)
        .await?;
        for (table, column) in serials {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                quote(&column),
                quote(&table)
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(quote(&table))
                .bind(&column)
                .execute(&mut **pg)
                .await?;
        }
    }
    let mut rows = BTreeMap::new();
    for table in &tables {
        let sql = format!("SELECT COUNT(*) FROM {}", quote(&table.name));
        let count: i64 =
            crate::with_tx!(&mut tx, c => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&mut *c).await?);
        rows.insert(table.name.clone(), count as u64);
    }
    tx.commit().await?;
    Ok(Summary {
        schema_version: database_version,
        rows,
        sha256,
    })
}

/// On SQLite `INSERT INTO t (columns) SELECT ... FROM <the batch, a JSON array of rows>`, each value
/// taken from its place in its row's array; on PostgreSQL a `COPY` of the batch.
fn insert_statement(backend: Backend, table: &str, columns: &[String]) -> String {
    let names = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
    // SQLite only: each value from its place in its row's array.
    let values = columns
        .iter()
        .enumerate()
        .map(|(i, _)| format!("json_extract(value, '$[{i}]')"))
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        Backend::Sqlite => format!(
            "INSERT INTO {} ({names}) SELECT {values} FROM json_each($1)",
            quote(table)
        ),
        // COPY's text format, made from the rows by `copy_text`: several times faster than INSERT.
        Backend::Postgres => format!("COPY {} ({names}) FROM STDIN", quote(table)),
    }
}

async fn insert_rows(tx: &mut Tx, statement: &str, batch: &mut Vec<String>) -> Result<(), BackupError> {
    if batch.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Sqlite(conn, _) => {
            let array = format!("[{}]", batch.join(","));
            sqlx::query(AssertSqlSafe(statement.to_owned()))
                .bind(array)
                .execute(&mut **conn)
                .await?;
        }
        Tx::Postgres(conn) => {
            let mut text = String::with_capacity(batch.iter().map(String::len).sum::<usize>());
            for row in batch.iter() {
                copy_text(row, &mut text)?;
            }
            let mut copy = conn.copy_in_raw(statement).await?;
            if let Err(error) = copy.send(text.into_bytes()).await {
                let _ = copy.abort("the backup's rows could not be sent").await;
                return Err(error.into());
            }
            copy.finish().await?;
        }
    }
    batch.clear();
    Ok(())
}

/// One row (a JSON array) as a line of COPY's text format: values separated by tabs, `\N` for null,
/// backslash, tab and line breaks escaped; nested JSON (a `jsonb` value) as its text.
fn copy_text(row: &str, out: &mut String) -> Result<(), BackupError> {
    use serde_json::Value;
    let values: Vec<Value> = serde_json::from_str(row).map_err(|e| BackupError::Malformed {
        line: 0,
        column: e.column() as u64,
        message: e.to_string(),
    })?;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        let text = match value {
            Value::Null => {
                out.push_str("\\N");
                continue;
            }
            Value::String(text) => std::borrow::Cow::Borrowed(text.as_str()),
            Value::Bool(yes) => std::borrow::Cow::Borrowed(if *yes { "t" } else { "f" }),
            other => std::borrow::Cow::Owned(other.to_string()),
        };
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    }
    out.push('\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::copy_text;

    #[test]
    fn copy_text_escapes_what_copy_would_misread() {
        let mut out = String::new();
        copy_text(
            r#"["a\tb\nc\\d", null, true, 42, {"k": [1, "x"]}, "2026-11-22T10:00:00.5+00:00"]"#,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            out,
            "a\\tb\\nc\\\\d\t\\N\tt\t42\t{\"k\":[1,\"x\"]}\t2026-11-22T10:00:00.5+00:00\n"
        );
    }
}
