//! Configuration: command-line flags over environment variables over the TOML file over defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://kotopolku.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 30;
pub const DEFAULT_MAX_BODY_BYTES: usize = kotopolku_web::MAX_BODY_BYTES;
pub const DEFAULT_MAX_IN_FLIGHT_REQUESTS: usize = 256;
pub const DEFAULT_DB_ACQUIRE_TIMEOUT_SECONDS: u64 = 5;
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: u64 = 20;

/// The optional configuration file (`--config FILE`); every key is optional.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`.
    pub database_url: Option<String>,
    /// The address to listen on, e.g. `127.0.0.1:8080`.
    pub bind: Option<String>,
    /// Send Strict-Transport-Security (Kotopolku is reached over HTTPS).
    pub hsts: Option<bool>,
    /// OpenID Connect: the identity provider's issuer URL.
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    /// Prefer the environment variable KOTOPOLKU_OIDC_CLIENT_SECRET to the file.
    pub oidc_client_secret: Option<String>,
    pub oidc_redirect_url: Option<String>,
    /// Serve `/metrics` on this address only (e.g. `127.0.0.1:9464`) instead of the main one.
    pub metrics_bind: Option<String>,
    pub request_timeout_seconds: Option<u64>,
    pub max_body_bytes: Option<usize>,
    pub max_in_flight_requests: Option<usize>,
    pub db_max_connections: Option<u32>,
    pub db_acquire_timeout_seconds: Option<u64>,
    /// The directory of the read journal, or `off` (default: beside a SQLite database file; off on
    /// PostgreSQL).
    pub audit_journal: Option<String>,
    pub shutdown_timeout_seconds: Option<u64>,
    /// Reverse proxies whose X-Forwarded-For is believed, e.g. `["127.0.0.1"]`.
    pub trusted_proxies: Option<Vec<String>>,
    /// The statutory deadlines' values (`[deadlines]`, e.g. `assessment_start_months = 2`); a key
    /// left out keeps its default. `GET /api/v1/deadline-rules` lists them with their legal sources.
    #[serde(default)]
    pub deadlines: kotopolku_domain::deadlines::DeadlineRules,
    /// Statistics (`[statistics]`): the suppression threshold and how often the figures are made.
    #[serde(default)]
    pub statistics: StatisticsConfig,
    /// Retention periods in years after the customership ends (`[retention]`, e.g. `note_years = 5`);
    /// the defaults are unverified, see `kotopolku retention rules`.
    #[serde(default)]
    pub retention: kotopolku_domain::retention::RetentionRules,
}

/// `[statistics]` in the configuration file.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatisticsConfig {
    /// Counts from 1 to `threshold − 1` are suppressed (default 5; at least 2).
    pub threshold: u64,
    /// Minutes between refreshes of the figures (default 10); dashboards show how fresh they are.
    pub refresh_minutes: u64,
}

impl Default for StatisticsConfig {
    fn default() -> Self {
        StatisticsConfig {
            threshold: kotopolku_service::statistics::DEFAULT_THRESHOLD,
            refresh_minutes: 10,
        }
    }
}

impl FileConfig {
    /// Reads the file; a syntax error or an unknown key is reported with its line and column.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            let position = e
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
                    format!(":{line}:{column}")
                })
                .unwrap_or_default();
            format!("{}{position}: {}", path.display(), e.message())
        })
    }
}

/// Resolves the database URL from the flag or environment (`given`), the file, or the default.
pub fn database_url(given: Option<String>, file: &FileConfig) -> String {
    given
        .or_else(|| file.database_url.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// Resolves the read journal's directory (see `kotopolku_service::audit_journal`): the flag or
/// environment (`given`), the file, or for a SQLite database file the directory beside it
/// (`kotopolku.db-audit-journal`). `off`, an in-memory SQLite database and a PostgreSQL database
/// without one given commit read rows to the database instead: on PostgreSQL the application's
/// servers may have no disk of their own that outlives them.
pub fn audit_journal(given: Option<String>, file: &FileConfig, database_url: &str) -> Option<PathBuf> {
    match given.or_else(|| file.audit_journal.clone()) {
        Some(text) if text.trim() == "off" => None,
        Some(text) => Some(PathBuf::from(text)),
        None => sqlite_file(database_url).map(|path| PathBuf::from(format!("{path}-audit-journal"))),
    }
}

/// The file of a `sqlite:` URL, if it names one.
fn sqlite_file(database_url: &str) -> Option<&str> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Resolves and parses the listening address.
pub fn bind_address(given: Option<String>, file: &FileConfig) -> Result<SocketAddr, String> {
    let text = given
        .or_else(|| file.bind.clone())
        .unwrap_or_else(|| DEFAULT_BIND.to_owned());
    parse_address("bind", &text)
}

/// Resolves the metrics address, if one is set.
pub fn metrics_address(given: Option<String>, file: &FileConfig) -> Result<Option<SocketAddr>, String> {
    given
        .or_else(|| file.metrics_bind.clone())
        .map(|text| parse_address("metrics_bind", &text))
        .transpose()
}

fn parse_address(key: &str, text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{key} address {text:?} is not IP:PORT (e.g. 127.0.0.1:8080)"))
}

/// A number from the flag or environment, else the file, else the default; zero is refused where
/// it would stop the service from working.
pub fn positive<T: Copy + PartialOrd + Default + std::fmt::Display>(
    key: &str,
    given: Option<T>,
    file: Option<T>,
    default: T,
) -> Result<T, String> {
    let value = given.or(file).unwrap_or(default);
    if value <= T::default() {
        return Err(format!("{key} must be greater than 0 (it is {value})"));
    }
    Ok(value)
}

/// The OpenID Connect settings from flags or environment (`given`: issuer, client id, secret,
/// redirect URL) or the file: all four, or none (then sign-in through a provider is off).
pub fn oidc(given: [Option<String>; 4], file: &FileConfig) -> Result<Option<kotopolku_web::oidc::OidcConfig>, String> {
    let [issuer, client_id, client_secret, redirect_url] = given;
    let values = [
        issuer.or_else(|| file.oidc_issuer.clone()),
        client_id.or_else(|| file.oidc_client_id.clone()),
        client_secret.or_else(|| file.oidc_client_secret.clone()),
        redirect_url.or_else(|| file.oidc_redirect_url.clone()),
    ];
    match values {
        [None, None, None, None] => Ok(None),
        [Some(issuer), Some(client_id), Some(client_secret), Some(redirect_url)] => {
            Ok(Some(kotopolku_web::oidc::OidcConfig {
                issuer,
                client_id,
                client_secret,
                redirect_url,
            }))
        }
        _ => Err(
            "OpenID Connect needs all of oidc_issuer, oidc_client_id, oidc_client_secret and oidc_redirect_url".into(),
        ),
    }
}

/// The trusted proxies' addresses from the flag or environment (comma-separated), else the file.
pub fn trusted_proxies(given: Option<Vec<String>>, file: &FileConfig) -> Result<Vec<std::net::IpAddr>, String> {
    given
        .or_else(|| file.trusted_proxies.clone())
        .unwrap_or_default()
        .iter()
        .map(|text| {
            text.trim()
                .parse()
                .map_err(|_| format!("trusted_proxies: {text:?} is not an IP address (e.g. 127.0.0.1)"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_journal_sits_beside_a_sqlite_file_and_is_off_elsewhere_unless_given() {
        let none = FileConfig::default();
        let journal = |given: Option<&str>, url: &str| audit_journal(given.map(str::to_owned), &none, url);
        assert_eq!(
            journal(None, "sqlite:///var/lib/kotopolku/kotopolku.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/kotopolku/kotopolku.db-audit-journal"))
        );
        assert_eq!(
            journal(None, "sqlite://kotopolku.db"),
            Some(PathBuf::from("kotopolku.db-audit-journal"))
        );
        assert_eq!(journal(None, "sqlite::memory:"), None);
        assert_eq!(journal(None, "postgres://kotopolku@db.example.invalid/kotopolku"), None);
        assert_eq!(
            journal(Some("/srv/journal"), "postgres://db.example.invalid/kotopolku"),
            Some(PathBuf::from("/srv/journal"))
        );
        assert_eq!(journal(Some("off"), "sqlite://kotopolku.db"), None);
        let file = FileConfig {
            audit_journal: Some("/srv/from-file".into()),
            ..FileConfig::default()
        };
        assert_eq!(
            audit_journal(None, &file, "sqlite://kotopolku.db"),
            Some(PathBuf::from("/srv/from-file"))
        );
        assert_eq!(
            audit_journal(Some("off".into()), &file, "sqlite://kotopolku.db"),
            None,
            "the flag wins over the file"
        );
    }
}
