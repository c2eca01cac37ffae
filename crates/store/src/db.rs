//! The database handle: a SQLite or a PostgreSQL pool, chosen from the URL at start-up.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::StoreError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to one of the supported databases.
#[derive(Debug, Clone)]
pub enum Database {
    /// The pool that reads, and the writer that every write transaction goes through.
    Sqlite(SqlitePool, SqliteWriter),
    Postgres(PgPool),
}

/// How long a writer waits for its turn before giving up, as SQLite's own busy timeout would.
const WRITE_WAIT: Duration = Duration::from_secs(10);

/// The writer of a SQLite database: write transactions take turns here, in order, on a connection
/// of their own, shared by every [`Database`] handle made from one pool (the requests' and the
/// audit writer's and mover's, see [`Database::dedicated_connection`]).
///
/// SQLite lets one connection write at a time. A connection that finds the write lock taken sleeps
/// in its busy handler for 1, 2, 5, 10, ... 100 ms between tries, however soon the lock was freed,
/// holding its pooled connection all along: under the caseworker mix (notes, sign-ins and the audit
/// journal's mover writing side by side) the pool's connections slept much of their time that way
/// while the processors idled (bench/README.md, "Writers taking turns"). Here a writer waits without
/// a connection and is woken the moment the previous transaction ends, and it does not then queue
/// again behind the readers for a pooled connection. SQLite's busy handler is left for writers of
/// other processes. The write connection's page cache also lives longer: in WAL mode a connection
/// empties its cache whenever another one has committed, and the process's other connections
/// commit only single statements (a session's last use, a setting).
#[derive(Debug, Clone)]
pub struct SqliteWriter {
    turn: Arc<tokio::sync::Mutex<()>>,
    connection: SqlitePool,
    /// Whether [`Database::close`] on this handle closes the write connection, as it closes the
    /// pool: not on a dedicated connection's handle, which borrows the writer of the handle it was
    /// made from and ends (with the audit writer or mover) whenever that one's work does.
    closed_with_handle: bool,
}

impl SqliteWriter {
    fn new(options: &SqliteConnectOptions) -> Self {
        Self {
            turn: Arc::default(),
            connection: SqlitePoolOptions::new()
                .max_connections(1)
                .connect_lazy_with(options.clone()),
            closed_with_handle: true,
        }
    }

    /// The same writer, for a dedicated connection's handle.
    fn borrowed(&self) -> Self {
        Self {
            closed_with_handle: false,
            ..self.clone()
        }
    }

    async fn begin(&self) -> Result<Tx, StoreError> {
        let turn = tokio::time::timeout(WRITE_WAIT, self.turn.clone().lock_owned())
            .await
            .map_err(|_elapsed| sqlx::Error::PoolTimedOut)?;
        let tx = self.connection.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Tx::Sqlite(tx, WriteTurn { _held: turn }))
    }
}

/// A write transaction's turn at its [`SqliteWriter`]: the next writer's comes when this is dropped,
/// after the transaction has committed or been rolled back.
#[derive(Debug)]
pub struct WriteTurn {
    _held: tokio::sync::OwnedMutexGuard<()>,
}

/// A write transaction. On SQLite it is opened with `BEGIN IMMEDIATE`: a deferred transaction that
/// later upgrades to a write fails at once with SQLITE_BUSY, ignoring the busy timeout; it runs on
/// the database's [`SqliteWriter`] and holds its turn until it ends.
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, WriteTurn),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$pool` bound to the concrete pool of a [`Database`]; the body is compiled once
/// per backend, so one query text serves both.
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Database::Sqlite($pool, _) => $body,
            $crate::Database::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the concrete connection of a [`Tx`] (use it as `&mut *$conn`).
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(tx, _) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Tuning of the connection pool.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// `None` for the backend's own default: see [`default_max_connections`].
    pub max_connections: Option<u32>,
    pub acquire_timeout: Duration,
    /// For writing generated data in bulk only: commits are not waited on to reach the disk (a
    /// crash loses the load, which is then made again), and SQLite keeps more pages in memory.
    pub bulk_load: bool,
    /// For a batch job that can be run again without harm (an import keeps its legacy ids): SQLite
    /// keeps more pages in memory and waits for the disk at checkpoints rather than at every commit
    /// (`synchronous=NORMAL`: a power cut may lose the last batches, which running the job again
    /// restores; a crash of the program loses nothing committed).
    pub batch_job: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout: Duration::from_secs(10),
            bulk_load: false,
            batch_job: false,
        }
    }
}

/// A pool's size unless configured. On SQLite, the cores and two more: each connection is a thread
/// doing the database's work in this process, so more of them than cores only wait, and in WAL mode
/// every commit empties each other connection's page cache, which a connection serving more queries
/// refills fewer times (the load benchmark at a million customers, 2 cores: 270 requests/s with 16
/// connections, 357 with 4, 387 with 2; two more than the cores leave room for a commit waiting on
/// the disk). On PostgreSQL, where the work is done in the database server's processes, 16.
pub fn default_max_connections(backend: Backend) -> u32 {
    match backend {
        Backend::Sqlite => std::thread::available_parallelism().map_or(2, |n| n.get() as u32) + 2,
        Backend::Postgres => 16,
    }
}

impl PoolSettings {
    /// Two connections for a rerunnable batch job (see [`PoolSettings::batch_job`]): one writes a
    /// batch while the other reads for the next. More would only hold more 256 MB caches, each
    /// emptied whenever another connection has committed.
    pub fn batch_job() -> Self {
        Self {
            max_connections: Some(2),
            batch_job: true,
            ..Self::default()
        }
    }

    /// One connection that writes generated data in bulk (see [`PoolSettings::bulk_load`]).
    pub fn bulk_load() -> Self {
        Self {
            max_connections: Some(1),
            bulk_load: true,
            ..Self::default()
        }
    }
}

impl Database {
    /// Connects to `url` (`sqlite://path`, `sqlite::memory:` is refused, or `postgres://...`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &PoolSettings::default()).await
    }

    pub async fn connect_with(url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            if url.contains(":memory:") || url.contains("mode=memory") {
                // Every pooled connection would get its own empty database.
                return Err(StoreError::UnsupportedUrl(
                    "in-memory SQLite cannot be shared by a pool; use a file".into(),
                ));
            }
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a transaction that returned is on disk, also after a power cut.
                .synchronous(if settings.bulk_load {
                    SqliteSynchronous::Off
                } else if settings.batch_job {
                    SqliteSynchronous::Normal
                } else {
                    SqliteSynchronous::Full
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory")
                // A batch job's commits are large: checkpointing after 64 MB of log rather than
                // SQLite's 4 MB default copies a page rewritten by several commits into the file once.
                .pragma("wal_autocheckpoint", if settings.batch_job { "16384" } else { "1000" })
                // Per connection. In WAL mode a connection empties its cache whenever another has
                // committed. Audited reads go to the read journal, not to commits (moved into the
                // log twice a second), so a cache now lives between the commits of notes, sign-ins
                // and the journal's mover: at a million customers 16 MB served the caseworker mix
                // 15% more requests per second than 2 MB (bench/README.md), for about 50 MB more peak
                // memory with the pool's few connections.
                .pragma(
                    "cache_size",
                    if settings.bulk_load || settings.batch_job {
                        "-262144"
                    } else {
                        "-16000"
                    },
                );
            // A bulk load's statements are slow by design; logging each would drown the progress bar.
            let options = if settings.bulk_load {
                sqlx::ConnectOptions::disable_statement_logging(options)
            } else {
                options
            };
            let pool = SqlitePoolOptions::new()
                .max_connections(
                    settings
                        .max_connections
                        .unwrap_or_else(|| default_max_connections(Backend::Sqlite)),
                )
                .acquire_timeout(settings.acquire_timeout)
                .connect_with(options.clone())
                .await?;
            Ok(Database::Sqlite(pool, SqliteWriter::new(&options)))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(url)?;
            let plain_first = loopback_without_stated_tls(&options, url, std::env::var("PGSSLMODE").ok().as_deref());
            if settings.bulk_load {
                options =
                    sqlx::ConnectOptions::disable_statement_logging(options.options([("synchronous_commit", "off")]));
            }
            let pool_options = PgPoolOptions::new()
                .max_connections(
                    settings
                        .max_connections
                        .unwrap_or_else(|| default_max_connections(Backend::Postgres)),
                )
                .acquire_timeout(settings.acquire_timeout);
            let pool = if plain_first {
                // libpq's `sslmode=allow`, which sqlx takes as `disable`: if the server refuses
                // a connection without TLS (pg_hba.conf's `hostnossl ... reject`, SQLSTATE
                // 28000), connect as configured.
                match pool_options
                    .clone()
                    .connect_with(options.clone().ssl_mode(PgSslMode::Disable))
                    .await
                {
                    Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("28000") => {
                        pool_options.connect_with(options).await?
                    }
                    plain => plain?,
                }
            } else {
                pool_options.connect_with(options).await?
            };
            Ok(Database::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// A pool of one connection to the same database with the same settings, opened at its first
    /// use (and again after a failure), for a task on a runtime of its own: a connection belongs to
    /// the runtime that opened it, so the shared pool's must not be opened there.
    pub fn dedicated_connection(&self) -> Self {
        match self {
            Database::Sqlite(pool, writer) => Database::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_lazy_with((*pool.connect_options()).clone()),
                writer.borrowed(),
            ),
            Database::Postgres(pool) => Database::Postgres(
                PgPoolOptions::new()
                    .max_connections(1)
                    .connect_lazy_with((*pool.connect_options()).clone()),
            ),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::Sqlite(..) => Backend::Sqlite,
            Database::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every embedded migration that has not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(pool, _) => SQLITE_MIGRATIONS.run(pool).await?,
            Database::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Database::Sqlite(_, writer) => writer.begin().await?,
            Database::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Closes this handle's pool and, unless it is a dedicated connection's, the SQLite writer's.
    pub async fn close(&self) {
        with_db!(self, pool => pool.close().await);
        if let Database::Sqlite(_, writer) = self
            && writer.closed_with_handle
        {
            writer.connection.close().await;
        }
    }

    /// How many connections the pool holds now and how many of them wait idle, for the operators'
    /// metrics: a pool whose every connection stays in use is what makes requests time out waiting.
    pub fn pool_status(&self) -> PoolStatus {
        with_db!(self, pool => PoolStatus {
            size: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        })
    }
}

/// A snapshot of a connection pool ([`Database::pool_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open now, idle or in use.
    pub size: u32,
    /// Of those, the ones not in use.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

impl PoolStatus {
    /// Connections open and in use now.
    pub fn in_use(&self) -> u32 {
        self.size.saturating_sub(self.idle)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// The URL without its password, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &credentials[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Whether a PostgreSQL connection goes to this host over loopback and neither the URL nor
/// `PGSSLMODE` says how to use TLS: such a connection then tries without TLS first and uses it only
/// if the server refuses (libpq's `sslmode=allow`, instead of the default `prefer`).
///
/// TLS on loopback protects nothing (the bytes never leave the kernel), and with sqlx 0.9.0 it
/// costs 40 ms on every message larger than one TLS record (16 KB): sqlx no longer turns off
/// Nagle's algorithm (launchbadge/sqlx#4335), so each record after the first waits for the
/// server's delayed acknowledgement. An audit batch of a few dozen rows is such a message; audited
/// customer reads at 128 clients ran at 0.25-0.33 of the unaudited rate over TLS and 0.85 without
/// (`kotopolku-bench reads --backend postgres`, bench/README.md).
fn loopback_without_stated_tls(options: &PgConnectOptions, url: &str, env_sslmode: Option<&str>) -> bool {
    let stated_in_url = url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| matches!(pair.split('=').next(), Some("sslmode" | "ssl-mode")))
    });
    let host = options.get_host().trim_start_matches('[').trim_end_matches(']');
    let loopback =
        host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback && options.get_socket().is_none() && !stated_in_url && env_sslmode.is_none_or(str::is_empty)
}

/// Deletes the rows of `table` whose `column` is one of `keys`, a few hundred keys per statement.
pub(crate) async fn delete_where_in(
    tx: &mut Tx,
    table: &'static str,
    column: &'static str,
    keys: &[String],
) -> Result<(), StoreError> {
    for chunk in keys.chunks(500) {
        crate::with_tx!(tx, conn => {
            let mut query = sqlx::QueryBuilder::new(format!("DELETE FROM {table} WHERE {column} IN ("));
            let mut list = query.separated(", ");
            for key in chunk {
                list.push_bind(key);
            }
            query.push(")");
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback_plain(url: &str, env_sslmode: Option<&str>) -> bool {
        let options = PgConnectOptions::from_str(url).unwrap();
        loopback_without_stated_tls(&options, url, env_sslmode)
    }

    #[test]
    fn loopback_connections_skip_tls_unless_told_otherwise() {
        assert!(loopback_plain("postgres://postgres@127.0.0.1:5432/test", None));
        assert!(loopback_plain("postgres://postgres@localhost/test", None));
        assert!(loopback_plain("postgres://postgres@[::1]:5432/test", None));
        assert!(loopback_plain(
            "postgres://u@127.0.0.1/test?application_name=k",
            Some("")
        ));
        // The operator's choice stands, in the URL or in the environment.
        assert!(!loopback_plain("postgres://u@127.0.0.1/test?sslmode=require", None));
        assert!(!loopback_plain(
            "postgres://u@127.0.0.1/test?application_name=k&ssl-mode=verify-full",
            None
        ));
        assert!(!loopback_plain("postgres://u@127.0.0.1/test", Some("require")));
        // Another host: the traffic crosses a network, so TLS stays as configured (`prefer`).
        assert!(!loopback_plain("postgres://u@db.example.invalid/test", None));
        assert!(!loopback_plain("postgres://u@10.0.0.5/test", None));
    }
}
