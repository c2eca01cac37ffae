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
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST:PORT/DB
    /// [default: sqlite://kotopolku.db]
    #[arg(long, env = "KOTOPOLKU_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// TOML configuration file: database_url, bind, hsts, oidc_*, and [deadlines] and [statistics] tables.
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
            serve::serve(&url, bind, hsts, oidc, file.deadlines, file.statistics).await?;
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
