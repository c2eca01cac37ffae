//! Administration from the command line: organisations, users, API tokens and the audit log.
//! These run as the system actor on the server's machine, and every change is audited.

use std::process::ExitCode;

use clap::Subcommand;
use kotopolku_domain::access::{OrganisationKind, Role};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::directory::{NewOrganisation, NewUser};
use kotopolku_service::{ChainReport, Clock, ServiceError, Services};

use crate::serve;

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Create an organisation; prints its id alone on the last line.
    Create {
        /// municipal-unit, wellbeing-county, regional-centre, national or operator.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// For a municipal unit: the municipalities it serves, e.g. 091,049.
        #[arg(long, value_delimiter = ',')]
        municipalities: Vec<String>,
        /// For a wellbeing county or a regional centre: its code.
        #[arg(long)]
        area_code: Option<String>,
    },
    /// List organisations.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; prints a one-time password alone on the last line.
    Create {
        #[arg(long)]
        email: String,
        /// Organisation id.
        #[arg(long)]
        org: String,
        /// caseworker, supervisor, county_worker, regional_officer, national_analyst or admin.
        #[arg(long)]
        role: String,
        /// The name shown in histories and logs (default: the e-mail).
        #[arg(long)]
        name: Option<String>,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable {
        /// User id.
        id: String,
    },
    /// Enable a disabled user again and lift any sign-in lock.
    Enable {
        /// User id.
        id: String,
    },
    /// Give a user who forgot their password a new one-time password (printed alone on the last
    /// line) and end their sessions.
    ResetSignIn {
        /// User id.
        id: String,
        /// Also remove their two-factor sign-in (a lost phone): they enrol again at the next sign-in.
        #[arg(long)]
        second_factor: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create an API token; prints the token alone on the last line (it is shown only once).
    Create {
        /// Organisation id.
        #[arg(long)]
        org: String,
        #[arg(long)]
        role: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = 90)]
        expires: u32,
        /// What the token is for.
        #[arg(long, default_value = "integration")]
        name: String,
    },
    /// List tokens (without secrets).
    List,
    /// Revoke a token.
    Revoke {
        /// Token id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Push the changes to an organisation's customers to URL (https://, or http:// on this machine);
    /// prints the signing secret alone on the last line (it is shown only once).
    Create {
        /// Organisation id.
        #[arg(long)]
        org: String,
        #[arg(long)]
        url: String,
    },
    /// List webhooks with their delivery state (without secrets).
    List,
    /// Stop and remove a webhook.
    Delete {
        /// Webhook id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Show the retention periods in force (the configuration's `[retention]`, else the defaults).
    Rules,
    /// Delete expired records and anonymise expired customers, keeping their statistical fields.
    Run {
        /// Count what would be deleted and anonymised, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the audit log's hash chain; exits 1 naming the first broken row.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum StatisticsCommand {
    /// Derive what changed, aggregate, protect and publish the figures; prints how it went.
    Refresh,
    /// Derive every customer's facts again, then refresh: after the `[deadlines]` settings changed,
    /// since the facts (e.g. when an assessment was due) follow them.
    Rebuild,
}

/// `kotopolku statistics refresh`.
pub async fn statistics(
    database_url: &str,
    file: &crate::config::FileConfig,
    command: StatisticsCommand,
) -> Result<ExitCode, String> {
    let services = services(database_url)
        .await?
        .with_deadline_rules(file.deadlines.clone())
        .with_statistics_threshold(file.statistics.threshold);
    if let StatisticsCommand::Rebuild = command {
        kotopolku_store::statistics::forget_all_facts(services.database())
            .await
            .map_err(|e| e.to_string())?;
    }
    match command {
        StatisticsCommand::Refresh | StatisticsCommand::Rebuild => {
            let freshness = services.refresh_statistics().await.map_err(explain)?;
            println!(
                "statistics made as of {}: {} customers ({} derived again), threshold {}, {} ms",
                freshness.as_of,
                freshness.customers,
                freshness.facts_derived,
                freshness.threshold,
                freshness.duration_ms
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn services(database_url: &str) -> Result<Services, String> {
    Ok(Services::new(serve::open(database_url).await?, Clock::system()))
}

fn explain(error: ServiceError) -> String {
    match error {
        ServiceError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field.replace('_', "-"), e.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        format!(
            "unknown role {text:?}; one of: {}",
            Role::ALL.map(Role::as_str).join(", ")
        )
    })
}

pub async fn orgs(database_url: &str, command: OrgsCommand) -> Result<ExitCode, String> {
    let services = services(database_url).await?;
    let actor = Actor::system();
    match command {
        OrgsCommand::Create {
            kind,
            name,
            municipalities,
            area_code,
        } => {
            let kind = OrganisationKind::parse(&kind).ok_or_else(|| {
                format!(
                    "unknown kind {kind:?}; one of: {}",
                    OrganisationKind::ALL.map(OrganisationKind::as_str).join(", ")
                )
            })?;
            let new = NewOrganisation {
                kind,
                name,
                area_code,
                municipalities,
            };
            let org = services.create_organisation(&actor, &new).await.map_err(explain)?;
            println!("Created {} {:?}", org.kind.as_str(), org.name);
            println!("{}", org.id);
        }
        OrgsCommand::List => {
            for org in services.organisations(&actor).await.map_err(explain)? {
                let area = org.area_code.clone().unwrap_or_else(|| org.municipalities.join(","));
                println!("{}\t{}\t{}\t{}", org.id, org.kind.as_str(), area, org.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn users(database_url: &str, command: UsersCommand) -> Result<ExitCode, String> {
    let services = services(database_url).await?;
    let actor = Actor::system();
    match command {
        UsersCommand::Create {
            email,
            org,
            role: r,
            name,
        } => {
            let new = NewUser {
                display_name: name.unwrap_or_else(|| email.clone()),
                email,
                organisation_id: org,
                role: role(&r)?,
            };
            let created = services.create_user(&actor, &new).await.map_err(explain)?;
            println!(
                "Created {} ({}). Give them this one-time password over a safe channel; they choose their own \
                 at first sign-in{}:",
                created.user.email,
                created.user.role.as_str(),
                if created.user.role.requires_second_factor() {
                    " and enrol two-factor sign-in"
                } else {
                    ""
                }
            );
            println!("{}", created.one_time_password);
        }
        UsersCommand::List => {
            for user in services.users(&actor).await.map_err(explain)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    user.id,
                    user.email,
                    user.role.as_str(),
                    user.organisation_id,
                    if user.disabled { "disabled" } else { "active" }
                );
            }
        }
        UsersCommand::Disable { id } => {
            let user = services.disable_user(&actor, &id).await.map_err(explain)?;
            println!("Disabled {}", user.email);
        }
        UsersCommand::Enable { id } => {
            let user = services.enable_user(&actor, &id).await.map_err(explain)?;
            println!("Enabled {}", user.email);
        }
        UsersCommand::ResetSignIn { id, second_factor } => {
            let reset = services
                .reset_sign_in(&actor, &id, second_factor)
                .await
                .map_err(explain)?;
            println!(
                "Reset the sign-in of {}{}. Give them this one-time password over a safe channel; they choose \
                 their own at their next sign-in{}:",
                reset.user.email,
                if second_factor {
                    " and removed their two-factor sign-in"
                } else {
                    ""
                },
                if second_factor && reset.user.role.requires_second_factor() {
                    " and enrol two-factor sign-in again"
                } else {
                    ""
                }
            );
            println!("{}", reset.one_time_password);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn webhooks(database_url: &str, command: WebhooksCommand) -> Result<ExitCode, String> {
    let services = services(database_url).await?;
    let actor = Actor::system();
    match command {
        WebhooksCommand::Create { org, url } => {
            let webhook = services.create_webhook(&actor, &org, &url).await.map_err(explain)?;
            println!(
                "Created webhook {} to {}; each delivery carries a {} header: t=<unix time>,v1=<hex \
                 HMAC-SHA256 of \"<t>.<body>\"> under this secret, shown only now:",
                webhook.id,
                webhook.url,
                kotopolku_domain::webhook::SIGNATURE_HEADER
            );
            println!("{}", webhook.secret);
        }
        WebhooksCommand::List => {
            for w in services.webhooks(&actor).await.map_err(explain)? {
                println!(
                    "{}\t{}\t{}\tcursor {}\tfailures {}\t{}",
                    w.id,
                    w.organisation_id,
                    w.url,
                    w.cursor,
                    w.failures,
                    w.last_error.unwrap_or_default()
                );
            }
        }
        WebhooksCommand::Delete { id } => {
            services.delete_webhook(&actor, &id).await.map_err(explain)?;
            println!("Deleted webhook {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn tokens(database_url: &str, command: TokensCommand) -> Result<ExitCode, String> {
    let services = services(database_url).await?;
    let actor = Actor::system();
    match command {
        TokensCommand::Create {
            org,
            role: r,
            expires,
            name,
        } => {
            let created = services
                .create_token(&actor, &org, role(&r)?, &name, expires)
                .await
                .map_err(explain)?;
            println!(
                "Created token {} ({}), expires {}. It is shown only now:",
                created.token.id,
                created.token.role.as_str(),
                created.token.expires_at.format("%Y-%m-%d")
            );
            println!("{}", created.secret);
        }
        TokensCommand::List => {
            for token in services.tokens(&actor).await.map_err(explain)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    token.id,
                    token.role.as_str(),
                    token.organisation_id,
                    token.expires_at.format("%Y-%m-%d"),
                    if token.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                );
            }
        }
        TokensCommand::Revoke { id } => {
            services.revoke_token(&actor, &id).await.map_err(explain)?;
            println!("Revoked {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(database_url: &str, command: AuditCommand) -> Result<ExitCode, String> {
    let services = services(database_url).await?;
    match command {
        AuditCommand::Verify => match kotopolku_service::audit::verify(services.database())
            .await
            .map_err(explain)?
        {
            ChainReport::Intact { rows } => {
                println!("audit log intact: {rows} rows");
                Ok(ExitCode::SUCCESS)
            }
            ChainReport::Broken(chain_break) => {
                println!("audit log broken at row {}: {}", chain_break.row_id, chain_break.reason);
                Ok(ExitCode::from(1))
            }
        },
    }
}

pub async fn retention(
    url: &str,
    rules: &kotopolku_domain::retention::RetentionRules,
    command: RetentionCommand,
) -> Result<ExitCode, String> {
    rules.check()?;
    match command {
        RetentionCommand::Rules => {
            println!("Years kept after the customership ends (unverified defaults unless configured in [retention]):");
            println!("  customer (then anonymised)  {}", rules.customer_years);
            for kind in kotopolku_domain::process::RecordKind::ALL {
                println!("  {:<27} {}", kind.as_str(), rules.years(kind));
            }
        }
        RetentionCommand::Run { dry_run } => {
            let services =
                kotopolku_service::Services::new(crate::serve::open(url).await?, kotopolku_service::Clock::system());
            let report = services
                .apply_retention(rules, dry_run)
                .await
                .map_err(|e| e.to_string())?;
            let verb = if dry_run { "would delete" } else { "deleted" };
            if report.records_deleted.is_empty() {
                println!("records: none expired");
            }
            for (kind, count) in &report.records_deleted {
                println!("{kind}: {verb} {count}");
            }
            println!(
                "customers: {} {}{}",
                if dry_run { "would anonymise" } else { "anonymised" },
                report.customers_anonymised,
                if dry_run { " (dry run: nothing was written)" } else { "" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
