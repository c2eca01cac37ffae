//! `kotopolku serve`: migrate, listen, and shut down gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use kotopolku_service::{Clock, Services};
use kotopolku_store::{Database, PoolSettings};
use kotopolku_web::{AppState, Limits};

/// Connects and migrates.
pub async fn open(database_url: &str) -> Result<Database, String> {
    open_with(database_url, &PoolSettings::default()).await
}

/// [`open`] with pool settings of its own (a batch job's).
pub async fn open_with(database_url: &str, settings: &PoolSettings) -> Result<Database, String> {
    let db = Database::connect_with(database_url, settings)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok(db)
}

/// Everything `serve` is configured with (see `crate::config`).
#[derive(Debug)]
pub struct ServeOptions {
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub hsts: bool,
    pub oidc: Option<kotopolku_web::oidc::OidcConfig>,
    pub deadlines: kotopolku_domain::deadlines::DeadlineRules,
    pub statistics: crate::config::StatisticsConfig,
    pub limits: Limits,
    pub pool: PoolSettings,
    /// The read journal's directory; `None` commits read rows to the database.
    pub audit_journal: Option<std::path::PathBuf>,
    pub listening: Listening,
}

/// How the server listens and stops; shared by `serve` and `demo`.
#[derive(Debug, Clone)]
pub struct Listening {
    pub bind: SocketAddr,
    /// `/metrics` on an address of its own instead of the main one.
    pub metrics_bind: Option<SocketAddr>,
    pub statistics_every: Duration,
    /// How long requests in flight may run on after SIGTERM before the server stops without them.
    pub shutdown_timeout: Duration,
}

impl Listening {
    pub fn on(bind: SocketAddr, statistics_every: Duration) -> Self {
        Self {
            bind,
            metrics_bind: None,
            statistics_every,
            shutdown_timeout: Duration::from_secs(crate::config::DEFAULT_SHUTDOWN_TIMEOUT_SECONDS),
        }
    }
}

/// `kotopolku serve`: migrate, then serve until SIGINT or SIGTERM.
pub async fn serve(database_url: &str, options: ServeOptions) -> Result<(), String> {
    let oidc = options
        .oidc
        .map(kotopolku_web::oidc::OidcClient::new)
        .transpose()?
        .map(std::sync::Arc::new);
    let services = Services::new(open_with(database_url, &options.pool).await?, Clock::system())
        .with_deadline_rules(options.deadlines)
        .with_statistics_threshold(options.statistics.threshold);
    let services = with_audit_journal(services, options.audit_journal.as_deref()).await?;
    let state = AppState {
        services,
        hsts: options.hsts,
        oidc,
        limits: options.limits,
        metrics: Default::default(),
        trusted_proxies: options.trusted_proxies.into(),
    };
    run_with(state, options.listening).await
}

/// Sends read rows through the journal in `dir`, if one is given; first moves into the chain the
/// rows an earlier run left there.
pub async fn with_audit_journal(services: Services, dir: Option<&std::path::Path>) -> Result<Services, String> {
    match dir {
        Some(dir) => {
            let services = services
                .with_audit_journal(dir)
                .await
                .map_err(|e| format!("cannot open the audit journal: {e}"))?;
            tracing::info!(journal = %dir.display(), "read audit rows go through the journal");
            Ok(services)
        }
        None => Ok(services),
    }
}

/// Makes the statistics every `every` for as long as the server runs, the first time at once unless
/// the figures are younger than that (a restart does not redo a refresh just made: at a million
/// customers one takes minutes of processor time). A failed refresh is logged and the previous
/// figures stay published (with their own date).
fn refresh_statistics_every(services: Services, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Ok(Some(refreshed_at)) = services.statistics_refreshed_at().await {
            let age = (services.clock().now() - refreshed_at).to_std().unwrap_or_default();
            tokio::time::sleep(every.saturating_sub(age)).await;
        }
        loop {
            if let Err(error) = services.refresh_statistics().await {
                tracing::error!(%error, "statistics refresh failed");
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully: stops accepting connections, lets
/// the requests in flight finish for up to `shutdown_timeout`, commits the audit rows still queued,
/// and closes the database (on SQLite the last connection to close checkpoints the write-ahead log
/// into the database file).
pub async fn run_with(state: AppState, listening: Listening) -> Result<(), String> {
    let db = state.services.database().clone();
    let services = state.services.clone();
    let statistics = refresh_statistics_every(state.services.clone(), listening.statistics_every);
    // Webhook deliveries are looked for every five seconds: a change reaches a receiver within that.
    let webhooks = kotopolku_web::webhooks::start(state.services.clone(), Duration::from_secs(5));
    let mut state = state;
    state.limits.metrics_on_main = listening.metrics_bind.is_none();
    let metrics = match listening.metrics_bind {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| format!("cannot listen on {address} for metrics: {e}"))?;
            tracing::info!("metrics on http://{address}/metrics");
            let app = kotopolku_web::metrics_router(state.clone());
            Some(tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }))
        }
        None => None,
    };
    let app = kotopolku_web::router(state);
    let bind = listening.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let signal = shutdown_signal();
    tracing::info!(backend = ?db.backend(), "listening on http://{local}");

    let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
    let serving = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            signal.await;
            let _ = signalled.send(true);
        })
        .into_future();
    let deadline = async move {
        let _ = on_signal.wait_for(|signalled| *signalled).await;
        tokio::time::sleep(listening.shutdown_timeout).await;
    };
    tokio::select! {
        result = serving => result.map_err(|e| format!("server error: {e}"))?,
        () = deadline => tracing::warn!(
            timeout_seconds = listening.shutdown_timeout.as_secs(),
            "requests still in flight at the shutdown timeout are dropped (their transactions roll back)"
        ),
    }
    statistics.abort();
    if let Some(webhooks) = webhooks {
        webhooks.abort();
    }
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    if let Err(error) = services.audit_sink().flush().await {
        tracing::error!(%error, "audit rows still queued at shutdown could not be written");
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// SIGINT or SIGTERM. The SIGTERM handler is installed when this is called, not when the future
/// is first polled: a SIGTERM sent as soon as the server says it listens would otherwise meet the
/// default action and end the process without a graceful shutdown.
fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let interrupt = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let terminate = async {
            match terminate {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = interrupt => {},
            _ = terminate => {},
        }
        tracing::info!("shutting down: no new connections; finishing the requests in flight");
    }
}
