//! `kotopolku serve`: migrate, listen, and shut down gracefully.

use std::net::SocketAddr;

use kotopolku_service::{Clock, Services};
use kotopolku_store::{Database, PoolSettings};
use kotopolku_web::AppState;

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

/// `kotopolku serve`: migrate, then serve until SIGINT or SIGTERM.
pub async fn serve(
    database_url: &str,
    bind: SocketAddr,
    hsts: bool,
    oidc: Option<kotopolku_web::oidc::OidcConfig>,
    deadlines: kotopolku_domain::deadlines::DeadlineRules,
    statistics: crate::config::StatisticsConfig,
) -> Result<(), String> {
    let oidc = oidc
        .map(kotopolku_web::oidc::OidcClient::new)
        .transpose()?
        .map(std::sync::Arc::new);
    let services = Services::new(open(database_url).await?, Clock::system())
        .with_deadline_rules(deadlines)
        .with_statistics_threshold(statistics.threshold);
    let every = std::time::Duration::from_secs(statistics.refresh_minutes.max(1) * 60);
    run_with(AppState { services, hsts, oidc }, bind, every).await
}

/// Makes the statistics every `every` for as long as the server runs, the first time at once unless
/// the figures are younger than that (a restart does not redo a refresh just made: at a million
/// customers one takes minutes of processor time). A failed refresh is logged and the previous
/// figures stay published (with their own date).
fn refresh_statistics_every(services: Services, every: std::time::Duration) {
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
    });
}

/// Serves until SIGINT or SIGTERM.
pub async fn run_with(state: AppState, bind: SocketAddr, statistics_every: std::time::Duration) -> Result<(), String> {
    let db = state.services.database().clone();
    refresh_statistics_every(state.services.clone(), statistics_every);
    // Webhook deliveries are looked for every five seconds: a change reaches a receiver within that.
    let _webhooks = kotopolku_web::webhooks::start(state.services.clone(), std::time::Duration::from_secs(5));
    let app = kotopolku_web::router(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(backend = ?db.backend(), "listening on http://{local}");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
