//! `kotopolku`: the integration customer data system's one binary.

mod admin;
mod backup;
mod cli;
mod config;
mod config_reference;
mod demo;
mod import;
mod private_file;
mod progress;
mod serve;

use std::process::ExitCode;

use clap::Parser;

/// glibc's allocator gives each thread that allocates an arena of its own (up to 16 on 2 cores) and
/// returns little of them: the server's database connections each run on a thread, and under the
/// load benchmark's 50 clients it peaked at 336 MB, against 176 MB with two arenas
/// (`MALLOC_ARENA_MAX=2`). mimalloc frees its per-thread pages back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if let Err(message) = init_logging(&cli.logging) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error, as text or as one JSON object per line (`--log-format json`), at
/// `--log-level` (`KOTOPOLKU_LOG`). No log line holds personal data: requests are logged by their
/// route template and request id, never their path, query or body.
fn init_logging(args: &cli::LoggingArgs) -> Result<(), String> {
    let level = match &args.log_level {
        None => tracing::Level::INFO,
        Some(text) => text
            .parse::<tracing::Level>()
            .map_err(|_| format!("log level {text:?} is not one of error, warn, info, debug, trace"))?,
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal: escape codes spoil a journal or a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    match args.log_format.unwrap_or(cli::LogFormat::Text) {
        cli::LogFormat::Text => builder.init(),
        cli::LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).init(),
    }
    Ok(())
}
