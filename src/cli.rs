//! The command line: `serve`, `migrate`, `identity-code`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kotopolku_domain::identity_code::IdentityCode;
use kotopolku_store::Database;

use crate::config::{self, FileConfig};
use crate::serve;

/// Kotopolku: integration customer data system for Finnish municipalities (Integration Act 681/2023).
#[derive(Debug, Parser)]
#[command(name = "kotopolku", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    pub logging: LoggingArgs,
}

/// Where logs go (always standard error) and how they look.
#[derive(Debug, Args)]
pub struct LoggingArgs {
    /// Log level: error, warn, info, debug or trace [default: info]
    #[arg(long, env = "KOTOPOLKU_LOG", global = true)]
    pub log_level: Option<String>,
    /// Log format: `text` for people, `json` (one object per line) for a log collector [default: text]
    #[arg(long, env = "KOTOPOLKU_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database and serve the HTTP API.
    Serve(ServeArgs),
    /// Start a training environment with synthetic customers on its own SQLite file.
    ///
    /// On first use the database is filled with synthetic customers; later runs reuse it. A database
    /// holding anything but demo data is refused.
    Demo(DemoArgs),
    /// Manage organisations.
    Orgs {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: crate::admin::OrgsCommand,
    },
    /// Manage users.
    Users {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: crate::admin::UsersCommand,
    },
    /// Manage API tokens for integrations and scripts.
    Tokens {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: crate::admin::TokensCommand,
    },
    /// Push the change feed of an organisation's customers to a URL, signed (webhooks).
    Webhooks {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: crate::admin::WebhooksCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: crate::admin::AuditCommand,
    },
    /// Make the statistics now (they are also made every few minutes while the server runs).
    Statistics {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: crate::admin::StatisticsCommand,
    },
    /// Import customers, assessments, plans, services or notes from a legacy system's CSV or XLSX
    /// export by a mapping file.
    ///
    /// Every row is checked as a caseworker's entry would be; a rejected row writes nothing and is
    /// reported by line and column. Rerunning the same file changes nothing. Exits 2 when rows were
    /// rejected.
    Import {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        args: crate::import::ImportArgs,
    },
    /// Delete records and anonymise customers whose retention period has passed (run it daily).
    Retention {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: crate::admin::RetentionCommand,
    },
    /// Take a consistent backup while the server runs (`--to FILE`), or check one (`verify FILE`).
    ///
    /// The backup is every table of Kotopolku's as of one instant, as JSON lines closed by their
    /// SHA-256 checksum; the file is readable by its owner only (it holds personal data) and
    /// appears only when complete.
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The file to write; it must not exist.
        #[arg(long)]
        to: Option<PathBuf>,
        #[command(subcommand)]
        command: Option<crate::backup::BackupCommand>,
    },
    /// Restore a backup into an empty database of either engine (migrated here first).
    ///
    /// The file is checked whole before anything is written, then loaded in one transaction, and
    /// the restored audit log's chain is walked. Use the Kotopolku version that made the backup.
    Restore {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// Replace everything in a database that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Print the configuration reference (every option, its environment variable and default) as
    /// Markdown; docs/configuration.md is this output.
    ConfigReference,
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Check personal identity codes: one per argument, or one per line of standard input.
    ///
    /// Prints one line per code: the code, `valid` or `invalid`, then the birth date, the sex
    /// recorded in the code and whether it is temporary, or the reason it is invalid. Exits 1 if any
    /// code is invalid.
    IdentityCode {
        /// Codes to check; without any, codes are read from standard input.
        codes: Vec<String>,
    },
}

#[derive(Debug, Args)]
struct DatabaseArgs {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST:PORT/DB (to a
    /// loopback host without sslmode: no TLS unless the server requires it)
    /// [default: sqlite://kotopolku.db]
    #[arg(long, env = "KOTOPOLKU_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// TOML configuration file; its keys are named in docs/configuration.md (`kotopolku config-reference`)
    #[arg(long, env = "KOTOPOLKU_CONFIG", global = true)]
    config: Option<PathBuf>,
}

impl DatabaseArgs {
    /// The database URL from the flag, the environment, the configuration file or the default.
    fn url(&self) -> Result<String, String> {
        let file = FileConfig::load(self.config.as_deref())?;
        Ok(config::database_url(self.database_url.clone(), &file))
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "KOTOPOLKU_BIND")]
    bind: Option<String>,
    /// Send Strict-Transport-Security: set when Kotopolku is reached over HTTPS (behind a TLS proxy).
    #[arg(long, env = "KOTOPOLKU_HSTS")]
    hsts: bool,
    /// OpenID Connect issuer URL of the organisation's identity provider (enables its sign-in).
    #[arg(long, env = "KOTOPOLKU_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// Kotopolku's client id at the identity provider.
    #[arg(long, env = "KOTOPOLKU_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// The client secret; give it in the environment, not on the command line.
    #[arg(long, env = "KOTOPOLKU_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// Kotopolku's callback URL as registered: https://HOST/api/v1/auth/oidc/callback
    #[arg(long, env = "KOTOPOLKU_OIDC_REDIRECT_URL")]
    oidc_redirect_url: Option<String>,
    /// Serve Prometheus metrics at /metrics on this address only (e.g. 127.0.0.1:9464) instead of
    /// the main address [default: unset: /metrics on the main address]
    #[arg(long, env = "KOTOPOLKU_METRICS_BIND")]
    metrics_bind: Option<String>,
    /// A request running longer is dropped and answered 503 with Retry-After [default: 30]
    #[arg(long, env = "KOTOPOLKU_REQUEST_TIMEOUT_SECONDS")]
    request_timeout_seconds: Option<u64>,
    /// Largest request body accepted; a larger one is answered 413 [default: 262144]
    #[arg(long, env = "KOTOPOLKU_MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// Requests served at once; more are shed at once with 503 and Retry-After [default: 256]
    #[arg(long, env = "KOTOPOLKU_MAX_IN_FLIGHT_REQUESTS")]
    max_in_flight_requests: Option<usize>,
    /// Database connections in the pool [default: the cores and two more on SQLite, 16 on PostgreSQL]
    #[arg(long, env = "KOTOPOLKU_DB_MAX_CONNECTIONS")]
    db_max_connections: Option<u32>,
    /// Directory of the read journal, where the audit rows of reads are synced before the read
    /// answers and from which they are moved into the audit log in batches; `off` commits them to
    /// the database instead [default: beside a SQLite database file, off on PostgreSQL]
    #[arg(long, env = "KOTOPOLKU_AUDIT_JOURNAL")]
    audit_journal: Option<String>,
    /// How long a request waits for a free database connection before 503 and Retry-After [default: 5]
    #[arg(long, env = "KOTOPOLKU_DB_ACQUIRE_TIMEOUT_SECONDS")]
    db_acquire_timeout_seconds: Option<u64>,
    /// After SIGTERM, how long requests in flight may finish before the server stops without them
    /// [default: 20]
    #[arg(long, env = "KOTOPOLKU_SHUTDOWN_TIMEOUT_SECONDS")]
    shutdown_timeout_seconds: Option<u64>,
    /// IP addresses of the reverse proxies in front of Kotopolku, comma-separated: from them the
    /// client's address is taken from X-Forwarded-For (for sign-in limits and audit rows)
    /// [default: none]
    #[arg(long, env = "KOTOPOLKU_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Option<Vec<String>>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct DemoArgs {
    #[command(subcommand)]
    command: Option<DemoCommand>,
    /// Demo database URL.
    #[arg(long, default_value = DEMO_DATABASE)]
    database_url: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// How many synthetic customers a new demo database gets.
    #[arg(long, default_value_t = crate::demo::DEFAULT_CUSTOMERS)]
    customers: u64,
    /// Seed of the synthetic data; the same seed gives the same customers.
    #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
    seed: u64,
    /// Minutes between refreshes of the statistics: by default every minute, so that the figures
    /// follow what a trainee just did.
    #[arg(long, default_value_t = 1)]
    statistics_minutes: u64,
}

const DEMO_DATABASE: &str = "sqlite://kotopolku-demo.db";

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Fill a new or training database with synthetic customers, replacing what a training
    /// database held; the same seed on the same day (or with the same --as-of) gives the same data.
    Generate {
        /// How many customers (each with the process records of their stage).
        #[arg(long)]
        customers: u64,
        /// Seed of the synthetic data.
        #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
        seed: u64,
        /// Make the data as of this day (YYYY-MM-DD, today or earlier) instead of today, so that the
        /// same seed gives the same data on any day.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// sqlite://PATH or postgres://USER@HOST:PORT/DB
        #[arg(long, env = "KOTOPOLKU_DATABASE_URL", default_value = DEMO_DATABASE)]
        database_url: String,
    },
    /// Make a training database again as it was first made, dropping everything done in it.
    Reset {
        /// sqlite://PATH or postgres://USER@HOST:PORT/DB
        #[arg(long, env = "KOTOPOLKU_DATABASE_URL", default_value = DEMO_DATABASE)]
        database_url: String,
    },
}

pub async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Serve(args) => {
            let file = FileConfig::load(args.database.config.as_deref())?;
            let url = config::database_url(args.database.database_url, &file);
            let bind = config::bind_address(args.bind, &file)?;
            let oidc = config::oidc(
                [
                    args.oidc_issuer,
                    args.oidc_client_id,
                    args.oidc_client_secret,
                    args.oidc_redirect_url,
                ],
                &file,
            )?;
            let hsts = args.hsts || file.hsts.unwrap_or(false);
            let seconds = std::time::Duration::from_secs;
            let limits = kotopolku_web::Limits {
                request_timeout: seconds(config::positive(
                    "request_timeout_seconds",
                    args.request_timeout_seconds,
                    file.request_timeout_seconds,
                    config::DEFAULT_REQUEST_TIMEOUT_SECONDS,
                )?),
                max_body_bytes: config::positive(
                    "max_body_bytes",
                    args.max_body_bytes,
                    file.max_body_bytes,
                    config::DEFAULT_MAX_BODY_BYTES,
                )?,
                max_in_flight: config::positive(
                    "max_in_flight_requests",
                    args.max_in_flight_requests,
                    file.max_in_flight_requests,
                    config::DEFAULT_MAX_IN_FLIGHT_REQUESTS,
                )?,
                ..kotopolku_web::Limits::default()
            };
            let pool = kotopolku_store::PoolSettings {
                max_connections: args
                    .db_max_connections
                    .or(file.db_max_connections)
                    .map(|given| config::positive("db_max_connections", Some(given), None, given))
                    .transpose()?,
                acquire_timeout: seconds(config::positive(
                    "db_acquire_timeout_seconds",
                    args.db_acquire_timeout_seconds,
                    file.db_acquire_timeout_seconds,
                    config::DEFAULT_DB_ACQUIRE_TIMEOUT_SECONDS,
                )?),
                ..kotopolku_store::PoolSettings::default()
            };
            let statistics_every = seconds(file.statistics.refresh_minutes.max(1) * 60);
            let listening = serve::Listening {
                bind,
                metrics_bind: config::metrics_address(args.metrics_bind, &file)?,
                statistics_every,
                shutdown_timeout: seconds(
                    args.shutdown_timeout_seconds
                        .or(file.shutdown_timeout_seconds)
                        .unwrap_or(config::DEFAULT_SHUTDOWN_TIMEOUT_SECONDS),
                ),
            };
            let audit_journal = config::audit_journal(args.audit_journal, &file, &url);
            let options = serve::ServeOptions {
                trusted_proxies: config::trusted_proxies(args.trusted_proxies, &file)?,
                hsts,
                oidc,
                deadlines: file.deadlines,
                statistics: file.statistics,
                limits,
                pool,
                audit_journal,
                listening,
            };
            serve::serve(&url, options).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            match args.command {
                None => {
                    let bind = config::bind_address(Some(args.bind), &FileConfig::default())?;
                    let every = std::time::Duration::from_secs(args.statistics_minutes.max(1) * 60);
                    let recipe = crate::demo::Recipe {
                        customers: args.customers,
                        seed: args.seed,
                        as_of: None,
                    };
                    crate::demo::run(&args.database_url, bind, recipe, every).await?;
                }
                Some(DemoCommand::Generate {
                    customers,
                    seed,
                    as_of,
                    database_url,
                }) => crate::demo::generate(&database_url, crate::demo::Recipe { customers, seed, as_of }).await?,
                Some(DemoCommand::Reset { database_url }) => crate::demo::reset(&database_url).await?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(args) => {
            let db = connect(&args.url()?).await?;
            db.migrate().await.map_err(|e| e.to_string())?;
            db.close().await;
            println!("database migrated");
            Ok(ExitCode::SUCCESS)
        }
        Command::IdentityCode { codes } => Ok(check_identity_codes(codes)),
        Command::Backup {
            command: Some(crate::backup::BackupCommand::Verify { file }),
            ..
        } => crate::backup::verify(&file),
        Command::Backup { database, to, .. } => {
            let to = to.ok_or("give --to FILE, the backup to write")?;
            crate::backup::take(&database.url()?, &to).await
        }
        Command::Restore { database, from, force } => crate::backup::restore(&database.url()?, &from, force).await,
        Command::ConfigReference => {
            print!("{}", crate::config_reference::markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Orgs { database, command } => crate::admin::orgs(&database.url()?, command).await,
        Command::Users { database, command } => crate::admin::users(&database.url()?, command).await,
        Command::Tokens { database, command } => crate::admin::tokens(&database.url()?, command).await,
        Command::Webhooks { database, command } => crate::admin::webhooks(&database.url()?, command).await,
        Command::Audit { database, command } => crate::admin::audit(&database.url()?, command).await,
        Command::Import { database, args } => {
            let file = FileConfig::load(database.config.as_deref())?;
            let url = config::database_url(database.database_url.clone(), &file);
            crate::import::run(&url, &file, args).await
        }
        Command::Retention { database, command } => {
            let file = FileConfig::load(database.config.as_deref())?;
            let url = config::database_url(database.database_url.clone(), &file);
            crate::admin::retention(&url, &file.retention, command).await
        }
        Command::Statistics { database, command } => {
            let file = FileConfig::load(database.config.as_deref())?;
            let url = config::database_url(database.database_url.clone(), &file);
            crate::admin::statistics(&url, &file, command).await
        }
    }
}

pub async fn connect(url: &str) -> Result<Database, String> {
    Database::connect(url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

fn check_identity_codes(codes: Vec<String>) -> ExitCode {
    let codes: Box<dyn Iterator<Item = String>> = if codes.is_empty() {
        Box::new(std::io::stdin().lock().lines().map_while(Result::ok))
    } else {
        Box::new(codes.into_iter())
    };
    let mut all_valid = true;
    for code in codes {
        match IdentityCode::parse(&code) {
            Ok(valid) => println!(
                "{}\tvalid\t{}\t{}\t{}",
                code.trim(),
                valid.birth_date(),
                match valid.recorded_sex() {
                    kotopolku_domain::identity_code::RecordedSex::Male => "male",
                    kotopolku_domain::identity_code::RecordedSex::Female => "female",
                },
                if valid.is_temporary() { "temporary" } else { "permanent" }
            ),
            Err(error) => {
                all_valid = false;
                println!("{}\tinvalid\t{error}", code.trim());
            }
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
