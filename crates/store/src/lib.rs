//! Kotopolku's persistence: one repository layer over SQLite (embedded, the default) and PostgreSQL
//! (production), each with its own embedded migrations.
//!
//! Queries are written once in the portable subset of SQL (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`) and compiled against whichever pool is in hand by the [`with_db!`] and [`with_tx!`]
//! macros; sqlx's `Any` driver is not used because it cannot carry dates and times on PostgreSQL.

mod db;
mod error;

pub mod audit;
pub mod backup;
pub mod bulk_load;
pub mod customers;
pub mod directory;
pub mod handovers;
pub mod import;
pub mod process;
pub mod repository_export;
pub mod retention;
pub mod settings;
pub mod statistics;
pub mod training;
pub mod webhooks;
pub mod worklist;

pub use db::{Backend, Database, PoolSettings, PoolStatus, Tx};
pub use error::StoreError;

/// Values per `IN (...)` list: far below both databases' limits on bound values.
pub(crate) const KEYS_PER_QUERY: usize = 500;
/// The database driver's error type, for callers that classify failures.
pub use sqlx::Error as SqlxError;
