//! Migration from legacy client systems (issue 8): customers, assessments, plans, services and notes
//! from CSV or XLSX exports, by a mapping file.
//!
//! Rows are read, checked and written a thousand at a time. A batch's accepted rows commit together
//! or not at all; a rejected row writes nothing and is reported by line and column. Each row's
//! legacy id is kept (`legacy_ids`), so running the same file again finds every row already there
//! and changes nothing, and a changed row updates what it created. A dry run reads and checks
//! everything, the database's duplicates included, and writes nothing.

mod convert;
mod customers;
pub mod dates;
pub mod encoding;
mod fields;
pub mod mapping;
mod records;
pub mod source;

use std::time::{Duration, Instant};

use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::Outcome;

use crate::audit::{self, Target};
use crate::{ServiceError, Services};
use convert::Converter;
pub use mapping::{Mapping, MappingError};
pub use source::{SourceError, Table};

/// Rows checked and committed together unless the run says otherwise ([`ImportRun::batch_rows`]).
/// Large, because each commit writes every index page the batch touched to SQLite's write-ahead log:
/// a customer's ~20 index entries land on scattered pages, so a batch of 1,000 rewrote about as many
/// pages as one of 20,000 does (a million rows, the importer's own count: 174 s with 1,000 rows per
/// batch, 114 s with 5,000, 94 s with 10,000, 82 s with 20,000; see bench/README.md).
pub const BATCH_ROWS: usize = 20_000;
/// Problems kept for the report; more are counted but not listed.
const MAX_PROBLEMS_KEPT: usize = 100_000;

/// Which file is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Customers,
    Assessments,
    Plans,
    /// Referrals to services.
    Services,
    Notes,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::Assessments => "assessments",
            ImportKind::Plans => "plans",
            ImportKind::Services => "services",
            ImportKind::Notes => "notes",
        }
    }

    /// The kind in `legacy_ids`.
    fn link_kind(self) -> &'static str {
        match self {
            ImportKind::Customers => "customer",
            ImportKind::Assessments => "assessment",
            ImportKind::Plans => "plan",
            ImportKind::Services => "referral",
            ImportKind::Notes => "note",
        }
    }
}

/// One problem with one row: where it is, what the cell held and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    /// 1-based column, when the problem is in one cell.
    pub column: Option<usize>,
    pub column_name: Option<String>,
    pub value: Option<String>,
    /// The Kotopolku field, when the problem is about one.
    pub field: Option<String>,
    /// Stable machine-readable code (`invalid_date`, `unknown_code`, `duplicate_identity_code`, ...).
    pub code: String,
    pub message: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows already imported as they are: nothing to do.
    pub skipped: u64,
    pub rejected: u64,
    /// At most [`MAX_PROBLEMS_KEPT`], in file order.
    pub problems: Vec<RowProblem>,
    pub problems_not_kept: u64,
    pub elapsed: Duration,
}

/// Why an import stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Mapping(#[from] MappingError),
    #[error("{0}")]
    Source(#[from] SourceError),
    /// A batch could not be written; it was rolled back, the batches before it stay.
    #[error("lines {first_line}-{last_line} could not be written and were rolled back: {error}")]
    Batch {
        first_line: u64,
        last_line: u64,
        error: ServiceError,
        summary: Box<ImportSummary>,
    },
    #[error("{0}")]
    Service(#[from] ServiceError),
}

/// What to import and how.
#[derive(Debug, Clone, Copy)]
pub struct ImportRun<'a> {
    pub kind: ImportKind,
    pub mapping: &'a Mapping,
    pub table: &'a Table,
    pub dry_run: bool,
    /// Rows checked and committed together (at least 1; [`BATCH_ROWS`] by default): a batch is
    /// written whole or not at all.
    pub batch_rows: usize,
}

/// A batch's writing, run while the next batch is read and checked.
type BatchWrite = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ServiceError>> + Send + 'static>>;

/// How one batch's rows came out, before its summary is added to the run's.
#[derive(Default)]
struct BatchOutcome {
    created: u64,
    updated: u64,
    skipped: u64,
    /// Each rejected row's problems.
    rejected: Vec<Vec<RowProblem>>,
    /// The transaction that writes the accepted rows; none in a dry run or when nothing changes.
    write: Option<BatchWrite>,
}

/// A batch whose writing runs, with what it will add to the summary once committed.
struct InFlight {
    first_line: u64,
    last_line: u64,
    rows: u64,
    outcome: BatchOutcome,
    handle: Option<tokio::task::JoinHandle<Result<(), ServiceError>>>,
}

impl Services {
    /// Imports a file, calling `progress` with the number of rows done after each batch. The
    /// importing party is the system, named after the legacy source in histories and the audit log.
    pub async fn import(
        &self,
        run: ImportRun<'_>,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<ImportSummary, ImportError> {
        let started = Instant::now();
        let section = run.mapping.section(run.kind)?;
        let converter = Converter::new(run.kind, run.mapping, section, run.table.header())?;
        let actor = Actor {
            display_name: format!("Import from {}", run.mapping.source),
            ..Actor::system()
        };
        let mut state = match run.kind {
            ImportKind::Customers => Importer::Customers(customers::CustomerImport::new(
                self,
                &actor,
                run.mapping,
                section,
                &converter,
                run.dry_run,
            )),
            kind => Importer::Records(records::RecordImport::new(
                self,
                &actor,
                run.mapping,
                kind,
                &converter,
                run.dry_run,
            )),
        };
        let mut summary = ImportSummary::default();
        let mut rows = run.table.rows();
        // One batch is written while the next is read and checked: the checks of a batch never
        // depend on the previous batch's writes (duplicates within the file are found in memory).
        let mut in_flight: Option<InFlight> = None;
        let batch_rows = run.batch_rows.max(1);
        loop {
            let mut batch = Vec::with_capacity(batch_rows);
            for row in rows.by_ref() {
                batch.push(row?);
                if batch.len() == batch_rows {
                    break;
                }
            }
            if batch.is_empty() {
                break;
            }
            let prepared = match &mut state {
                Importer::Customers(import) => import.batch(&batch).await,
                Importer::Records(import) => import.batch(&batch).await,
            };
            let mut outcome = match prepared {
                Ok(outcome) => outcome,
                Err(error) => {
                    // The batch before it may still be writing; let it finish and count it.
                    if let Some(previous) = in_flight.take() {
                        land(previous, &mut summary, progress, started).await?;
                    }
                    summary.elapsed = started.elapsed();
                    return Err(ImportError::Batch {
                        first_line: batch.first().map_or(0, |r| r.line),
                        last_line: batch.last().map_or(0, |r| r.line),
                        error,
                        summary: Box::new(summary),
                    });
                }
            };
            if let Some(previous) = in_flight.take() {
                land(previous, &mut summary, progress, started).await?;
            }
            let handle = outcome.write.take().map(tokio::spawn);
            in_flight = Some(InFlight {
                first_line: batch.first().map_or(0, |r| r.line),
                last_line: batch.last().map_or(0, |r| r.line),
                rows: batch.len() as u64,
                outcome,
                handle,
            });
        }
        if let Some(last) = in_flight.take() {
            land(last, &mut summary, progress, started).await?;
        }
        summary.problems.sort_by_key(|p| (p.line, p.column));
        if !run.dry_run {
            let target = format!("{}/{}", run.mapping.source, run.kind.as_str());
            let mut tx = self.db.begin().await.map_err(ServiceError::from)?;
            audit::record_in(
                &mut tx,
                &[audit::entry(
                    &actor,
                    "import.run",
                    Target::of("import", &target),
                    Outcome::Success,
                    self.clock.now(),
                )],
            )
            .await?;
            tx.commit().await.map_err(ServiceError::from)?;
        }
        summary.elapsed = started.elapsed();
        Ok(summary)
    }
}

/// Waits for a batch's writing and adds the batch to the summary; a failed write ends the import
/// with the batches before it counted.
async fn land(
    batch: InFlight,
    summary: &mut ImportSummary,
    progress: &mut (dyn FnMut(u64) + Send),
    started: Instant,
) -> Result<(), ImportError> {
    let written = match batch.handle {
        Some(handle) => handle
            .await
            .unwrap_or_else(|e| Err(ServiceError::Internal(format!("the import's writer failed: {e}")))),
        None => Ok(()),
    };
    if let Err(error) = written {
        summary.elapsed = started.elapsed();
        return Err(ImportError::Batch {
            first_line: batch.first_line,
            last_line: batch.last_line,
            error,
            summary: Box::new(std::mem::take(summary)),
        });
    }
    let outcome = batch.outcome;
    summary.rows += batch.rows;
    summary.created += outcome.created;
    summary.updated += outcome.updated;
    summary.skipped += outcome.skipped;
    summary.rejected += outcome.rejected.len() as u64;
    for problems in outcome.rejected {
        for problem in problems {
            if summary.problems.len() < MAX_PROBLEMS_KEPT {
                summary.problems.push(problem);
            } else {
                summary.problems_not_kept += 1;
            }
        }
    }
    progress(batch.rows);
    Ok(())
}

enum Importer<'a> {
    Customers(customers::CustomerImport<'a>),
    Records(records::RecordImport<'a>),
}

/// Reads a batch's rows, keeping the first row of each legacy id in the file: the rows that convert
/// come back, the others' problems go to `outcome`.
fn convert_batch<'r>(
    converter: &Converter,
    rows: &'r [source::SourceRow],
    legacy_ids_seen: &mut std::collections::HashMap<String, u64>,
    outcome: &mut BatchOutcome,
) -> Vec<(&'r source::SourceRow, convert::ConvertedRow)> {
    let mut converted = Vec::with_capacity(rows.len());
    for row in rows {
        match converter.convert(row) {
            Ok(c) => match legacy_ids_seen.get(&c.legacy_id) {
                Some(first) => outcome.rejected.push(vec![converter.problem_at_legacy_id(
                    row,
                    "duplicate_legacy_id",
                    &format!("the legacy id is also on line {first}; only that row is imported"),
                )]),
                None => {
                    legacy_ids_seen.insert(c.legacy_id.clone(), row.line);
                    converted.push((row, c));
                }
            },
            Err(problems) => outcome.rejected.push(problems),
        }
    }
    converted
}

/// Reads a serde error's path and message as a problem at the field's column.
fn deserialize_problem(
    converter: &Converter,
    row: &source::SourceRow,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> RowProblem {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    // "missing field `x`" is reported at the object holding x.
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        let full = if path == "." || path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
        return converter.problem_at_field(row, &full, "required", "a value is required");
    }
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    converter.problem_at_field(row, &path, "invalid_value", &message)
}

/// Domain validation's findings as problems at their columns.
fn violation_problems(
    converter: &Converter,
    row: &source::SourceRow,
    violations: &[kotopolku_domain::validation::FieldViolation],
) -> Vec<RowProblem> {
    violations
        .iter()
        .map(|v| converter.problem_at_field(row, &v.field, v.code, &v.message))
        .collect()
}
