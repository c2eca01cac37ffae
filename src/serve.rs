//! `kotopolku serve`: migrate, listen, and shut down gracefully.

use std::net::SocketAddr;

use kotopolku_service::{Clock, Services};
use kotopolku_store::Database;
use kotopolku_web::AppState;

use crate::cli::connect;

/// Connects and migrates.
pub async fn open(database_url: &str) -> Result<Database, String> {
    let db = connect(database_url).await?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    Ok(db)
}

/// `kotopolku serve`: migrate, then serve until SIGINT or SIGTERM.
pub async fn serve(database_url: &str, bind: SocketAddr) -> Result<(), String> {
    check_bind(bind)?;
    run(open(database_url).await?, bind).await
}

/// Until sign-in and access control exist, the API is open to whoever can reach it: only the machine
/// itself may.
fn check_bind(bind: SocketAddr) -> Result<(), String> {
    if bind.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "refusing to listen on {bind}: until access control is in place Kotopolku only serves a \
             loopback address (127.0.0.1 or ::1)"
        ))
    }
}

/// Serves an open database until SIGINT or SIGTERM.
pub async fn run(db: Database, bind: SocketAddr) -> Result<(), String> {
    check_bind(bind)?;
    let services = Services::new(db.clone(), Clock::system());
    let app = kotopolku_web::router(AppState { services });
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(backend = ?db.backend(), "listening on http://{local}");
    axum::serve(listener, app)
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
