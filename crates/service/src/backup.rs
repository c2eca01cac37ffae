//! Backups and restores, each recorded in the audit log: a backup copies every customer's data, so
//! taking one is an access to personal data like any other.

use std::io::{BufRead, Write};

use kotopolku_domain::actor::Actor;
use kotopolku_store::Database;
use kotopolku_store::audit as store_audit;
use kotopolku_store::backup::{self as store, BackupError, Summary};

use crate::audit::{ChainReport, Target, entry};
use crate::{Clock, ServiceError};

/// The audit action of a backup taken.
pub const BACKUP_TAKEN: &str = "backup.take";
/// The audit action of a backup restored, the first row after the restored log.
pub const BACKUP_RESTORED: &str = "backup.restore";

/// Takes a consistent backup while the server runs. Its audit row is committed first, so that the
/// backup holds the record of its own taking.
pub async fn take<W: Write>(db: &Database, clock: &Clock, out: W) -> Result<(Summary, W), BackupError> {
    record(db, clock, BACKUP_TAKEN).await?;
    store::write(db, out).await
}

/// Restores a backup into an empty (or, with `force`, emptied) database, then walks the restored
/// audit chain and appends the restore's own row to it.
pub async fn restore(
    db: &Database,
    clock: &Clock,
    input: impl BufRead,
    force: bool,
) -> Result<(Summary, ChainReport), BackupError> {
    let summary = store::restore(db, input, force).await?;
    let report = crate::audit::verify(db).await.map_err(into_backup_error)?;
    if matches!(report, ChainReport::Intact { .. }) {
        record(db, clock, BACKUP_RESTORED).await?;
    }
    Ok((summary, report))
}

async fn record(db: &Database, clock: &Clock, action: &str) -> Result<(), BackupError> {
    let mut tx = db.begin().await?;
    let row = entry(
        &Actor::system(),
        action,
        Target::default(),
        kotopolku_domain::audit::Outcome::Success,
        clock.now(),
    );
    store_audit::append(&mut tx, &[row]).await?;
    tx.commit().await?;
    Ok(())
}

fn into_backup_error(error: ServiceError) -> BackupError {
    match error {
        ServiceError::Store(store) => BackupError::Store(store),
        other => BackupError::Io(std::io::Error::other(other.to_string())),
    }
}
