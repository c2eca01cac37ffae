//! `kotopolku backup`, `kotopolku backup verify` and `kotopolku restore`.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use kotopolku_service::{ChainReport, Clock};
use kotopolku_store::PoolSettings;
use kotopolku_store::backup::{BackupError, Summary, format};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check a backup file: its shape, its row counts and its SHA-256 checksum (exits 1 if damaged).
    Verify {
        /// The backup file.
        file: PathBuf,
    },
}

/// Takes a consistent backup of a running (or stopped) database into `to`, which must not exist.
/// The file appears only when complete: it is written as `to.partial`, flushed to disk and renamed.
pub async fn take(database_url: &str, to: &Path) -> Result<ExitCode, String> {
    if to.exists() {
        return Err(format!("{} exists: a backup never overwrites a file", to.display()));
    }
    let partial = partial_path(to);
    // A backup holds every customer's personal data.
    let file =
        crate::private_file::create(&partial, true).map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let started = Instant::now();
    // No migration: the server running on this database decides its schema.
    let db = crate::cli::connect(database_url).await?;
    let result = kotopolku_service::backup::take(&db, &Clock::system(), BufWriter::with_capacity(1 << 20, file)).await;
    db.close().await;
    let finished = result.and_then(|(summary, out)| {
        let file = out.into_inner().map_err(|e| BackupError::Io(e.into_error()))?;
        file.sync_all().map_err(BackupError::Io)?;
        Ok(summary)
    });
    let summary = match finished {
        Ok(summary) => summary,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(format!("backup failed: {error}"));
        }
    };
    std::fs::rename(&partial, to)
        .map_err(|e| format!("cannot rename {} to {}: {e}", partial.display(), to.display()))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself reaches the disk only with its directory.
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    print_summary("backed up", &summary);
    println!("{}  {}", summary.sha256, to.display());
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub fn verify(file: &Path) -> Result<ExitCode, String> {
    let input = File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    match format::verify(BufReader::with_capacity(1 << 20, input)) {
        Ok(contents) => {
            println!(
                "{}: a complete Kotopolku backup of a {} database, schema version {}, taken {} by Kotopolku {}",
                file.display(),
                contents.header.backend,
                contents.header.schema_version,
                contents.header.taken_at.format("%Y-%m-%d %H:%M:%S UTC"),
                contents.header.kotopolku_version
            );
            println!(
                "{} rows in {} tables",
                contents.rows.values().sum::<u64>(),
                contents.rows.len()
            );
            println!("checksum ok: sha256 {}", contents.sha256);
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{}: {}", file.display(), located(error));
            Ok(ExitCode::from(1))
        }
    }
}

/// Restores `from` into the database: checked whole first, then loaded in one transaction.
pub async fn restore(database_url: &str, from: &Path, force: bool) -> Result<ExitCode, String> {
    let open = || File::open(from).map_err(|e| format!("cannot open {}: {e}", from.display()));
    if let Err(error) = format::verify(BufReader::with_capacity(1 << 20, open()?)) {
        return Err(format!("{}: {}; nothing was restored", from.display(), located(error)));
    }
    let started = Instant::now();
    let db = crate::serve::open_with(database_url, &PoolSettings::batch_job()).await?;
    let result =
        kotopolku_service::backup::restore(&db, &Clock::system(), BufReader::with_capacity(1 << 20, open()?), force)
            .await;
    db.close().await;
    let (summary, chain) = result.map_err(|e| format!("{}: {}; nothing was restored", from.display(), located(e)))?;
    print_summary("restored", &summary);
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    match chain {
        ChainReport::Intact { rows } => {
            println!("audit log intact: {rows} rows");
            Ok(ExitCode::SUCCESS)
        }
        ChainReport::Broken(chain_break) => {
            println!(
                "the restored audit log is broken at row {}: {}",
                chain_break.row_id, chain_break.reason
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn print_summary(verb: &str, summary: &Summary) {
    println!(
        "{verb} {} rows in {} tables (schema version {})",
        summary.rows.values().sum::<u64>(),
        summary.rows.len(),
        summary.schema_version
    );
    for (table, rows) in &summary.rows {
        println!("  {table:<28} {rows}");
    }
}

/// Errors of a file's content name their line and column the way compilers do.
fn located(error: BackupError) -> String {
    match error {
        BackupError::Malformed { line, column, message } => format!("{line}:{column}: {message}"),
        other => other.to_string(),
    }
}

fn partial_path(to: &Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}
