//! `kotopolku import KIND FILE --mapping MAP.toml [--dry-run] [--report REPORT.csv] [--batch-rows N]`:
//! migration from legacy client systems, with a progress bar, a summary and a report of every
//! rejected row.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use kotopolku_service::import::{self, ImportError, ImportKind, ImportRun, ImportSummary, Mapping, RowProblem};
use kotopolku_service::{Clock, Services};
use kotopolku_store::PoolSettings;

use crate::config::FileConfig;
use crate::progress::Progress;

/// Exit status when the import ran but rejected rows (0: every row accepted; 1: it could not run).
const SOME_ROWS_REJECTED: u8 = 2;
/// Problems listed on standard error when no report file is asked for.
const PROBLEMS_SHOWN: usize = 50;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Customers,
    Assessments,
    Plans,
    Services,
    Notes,
}

impl From<KindArg> for ImportKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Customers => ImportKind::Customers,
            KindArg::Assessments => ImportKind::Assessments,
            KindArg::Plans => ImportKind::Plans,
            KindArg::Services => ImportKind::Services,
            KindArg::Notes => ImportKind::Notes,
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the file holds; records are linked to customers imported before from the same source.
    pub kind: KindArg,
    /// The legacy export: CSV (UTF-8 or Windows-1252, `;` or `,`) or XLSX.
    pub file: PathBuf,
    /// The mapping file (TOML): columns, value mappings, date formats. See examples/legacy-mapping.toml.
    #[arg(long)]
    pub mapping: PathBuf,
    /// Check every row, duplicates in the database included, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write every problem to this CSV file (file, line, column, value, problem). It holds values
    /// from the export, so it is personal data: it is created readable by its owner only.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Rows checked and committed together. A batch that cannot be written is rolled back whole,
    /// with the batches before it kept. Smaller batches take less memory and are written more slowly.
    #[arg(long, default_value_t = import::BATCH_ROWS as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_rows: u64,
}

pub async fn run(database_url: &str, file_config: &FileConfig, args: ImportArgs) -> Result<ExitCode, String> {
    let mapping_text = std::fs::read_to_string(&args.mapping)
        .map_err(|e| format!("cannot read the mapping {}: {e}", args.mapping.display()))?;
    let mapping = Mapping::parse(&mapping_text).map_err(|e| format!("{}: {e}", file_name(&args.mapping)))?;
    let kind = ImportKind::from(args.kind);
    let section = mapping
        .section(kind)
        .map_err(|e| format!("{}: {e}", file_name(&args.mapping)))?;
    let options = mapping
        .source_options(Some(section))
        .map_err(|e| format!("{}: {e}", file_name(&args.mapping)))?;
    let table = import::source::open(&args.file, &options).map_err(|e| e.to_string())?;
    let db = crate::serve::open_with(database_url, &PoolSettings::batch_job()).await?;
    let services = Services::new(db, Clock::system()).with_deadline_rules(file_config.deadlines.clone());

    let mut progress = Progress::new("rows", table.row_count());
    let run = ImportRun {
        kind,
        mapping: &mapping,
        table: &table,
        dry_run: args.dry_run,
        batch_rows: usize::try_from(args.batch_rows).unwrap_or(usize::MAX),
    };
    let result = services.import(run, &mut |rows| progress.advance(rows)).await;
    progress.finish();
    let (summary, failure) = match result {
        Ok(summary) => (summary, None),
        Err(ImportError::Batch {
            first_line,
            last_line,
            error,
            summary,
        }) => (
            *summary,
            Some(format!(
                "lines {first_line}-{last_line} could not be written and were rolled back: {error}; \
                 the rows before them are imported, and running the same file again continues"
            )),
        ),
        Err(other) => return Err(format!("{}: {other}", file_name(&args.mapping))),
    };

    let encoding = match table.format() {
        import::source::Format::Xlsx => "XLSX".to_owned(),
        import::source::Format::Csv => format!(
            "{}, delimiter {:?}",
            table.encoding().as_str(),
            table.delimiter().map(char::from).unwrap_or(',')
        ),
    };
    print_summary(table.file_name(), &encoding, kind, &summary, args.dry_run);
    match &args.report {
        Some(path) => {
            write_report(path, table.file_name(), &summary.problems)
                .map_err(|e| format!("cannot write the report {}: {e}", path.display()))?;
            println!("report: {} ({} problems)", path.display(), summary.problems.len());
        }
        None => show_problems(table.file_name(), &summary),
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    Ok(if summary.rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(SOME_ROWS_REJECTED)
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn print_summary(file: &str, encoding: &str, kind: ImportKind, summary: &ImportSummary, dry_run: bool) {
    let seconds = summary.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        summary.rows as f64 / seconds
    } else {
        0.0
    };
    println!(
        "{file} ({encoding}): {} {} rows in {seconds:.1} s ({rate:.0} rows/s){}",
        summary.rows,
        kind.as_str(),
        if dry_run { ", dry run: nothing was written" } else { "" }
    );
    let verb = |done: &str, would: &str| if dry_run { would.to_owned() } else { done.to_owned() };
    println!("  {:<22}{:>10}", verb("created", "would create"), summary.created);
    println!("  {:<22}{:>10}", verb("updated", "would update"), summary.updated);
    println!("  {:<22}{:>10}", "skipped (unchanged)", summary.skipped);
    println!("  {:<22}{:>10}", "rejected", summary.rejected);
}

/// `customers.csv:12:5 [Syntymäaika] "31.2.1990": invalid_date: not a date ...`
fn problem_line(file: &str, p: &RowProblem) -> String {
    let mut line = format!("{file}:{}", p.line);
    if let Some(column) = p.column {
        line.push_str(&format!(":{column}"));
    }
    if let Some(name) = &p.column_name {
        line.push_str(&format!(" [{name}]"));
    }
    if let Some(value) = p.value.as_deref().filter(|v| !v.is_empty()) {
        line.push_str(&format!(" {value:?}"));
    }
    if let Some(field) = &p.field {
        line.push_str(&format!(" ({field})"));
    }
    line.push_str(&format!(": {}: {}", p.code, p.message));
    line
}

fn show_problems(file: &str, summary: &ImportSummary) {
    for problem in summary.problems.iter().take(PROBLEMS_SHOWN) {
        eprintln!("{}", problem_line(file, problem));
    }
    let more = summary.problems.len().saturating_sub(PROBLEMS_SHOWN) as u64 + summary.problems_not_kept;
    if more > 0 {
        eprintln!("... and {more} more problems: use --report FILE to get them all");
    }
}

fn write_report(path: &Path, file: &str, problems: &[RowProblem]) -> std::io::Result<()> {
    // The report quotes the rows' values: names and identity codes.
    let mut out = std::io::BufWriter::new(crate::private_file::create(path, false)?);
    writeln!(out, "file,line,column,column_name,field,value,problem,message")?;
    for p in problems {
        let fields = [
            file.to_owned(),
            p.line.to_string(),
            p.column.map(|c| c.to_string()).unwrap_or_default(),
            p.column_name.clone().unwrap_or_default(),
            p.field.clone().unwrap_or_default(),
            p.value.clone().unwrap_or_default(),
            p.code.clone(),
            p.message.clone(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    out.flush()
}

/// Quotes a report cell, and keeps a spreadsheet from reading a legacy value as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
