//! Kotopolku's use cases. Each function takes the acting party first, asks the access policy,
//! validates its input, and writes the data, its history and its audit rows in one transaction.

mod access;
pub mod audit;
pub mod audit_journal;
pub mod auth;
pub mod backup;
mod clock;
pub mod customers;
mod deadline_cache;
pub mod directory;
pub mod employment_exchange;
mod error;
pub mod events;
pub mod handovers;
pub mod import;
pub mod process;
pub mod repository_export;
pub mod retention;
mod secrets;
pub mod statistics;
pub mod subject_access;
pub mod webhooks;
pub mod worklist;

use std::sync::Arc;
use std::time::Duration;

use kotopolku_store::Database;

pub use audit::{AuditSink, ChainReport};
pub use clock::Clock;
pub use error::{DuplicateCandidate, ServiceError};

/// Security settings with their defaults.
#[derive(Debug, Clone)]
pub struct SecuritySettings {
    /// A session unused this long ends (default 30 minutes).
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in whatever its use (default 12 hours).
    pub session_absolute_timeout: Duration,
    /// Consecutive failed sign-ins that lock an account (default 5).
    pub lock_after_failures: u32,
    /// How long a locked account stays locked (default 15 minutes).
    pub lock_duration: Duration,
    /// The delay after a first failed sign-in; it doubles with each further failure (default 250 ms).
    pub failure_delay: Duration,
    /// The issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// A training environment: two-factor sign-in is not required. Only `kotopolku demo` sets this.
    pub demo: bool,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 3600),
            lock_after_failures: 5,
            lock_duration: Duration::from_secs(15 * 60),
            failure_delay: Duration::from_millis(250),
            totp_issuer: "Kotopolku".into(),
            demo: false,
        }
    }
}

/// The handle every use case runs on: the database, the clock, the audit writer and the settings.
#[derive(Debug, Clone)]
pub struct Services {
    db: Database,
    clock: Clock,
    audit: AuditSink,
    settings: Arc<SecuritySettings>,
    /// Only a benchmark switches this off, to measure what read auditing costs.
    read_audit: bool,
    sign_in_throttle: Arc<auth::SignInThrottle>,
    /// The statutory deadlines' configured values.
    deadline_rules: Arc<kotopolku_domain::deadlines::DeadlineRules>,
    /// Deadlines computed under those rules, for worklists.
    deadline_cache: Arc<deadline_cache::DeadlineCache>,
    /// Organisations by id. They are never changed after creation, and every authenticated request
    /// needs its actor's, so they are read from the database once.
    organisations: Arc<std::sync::RwLock<std::collections::HashMap<String, kotopolku_domain::directory::Organisation>>>,
    /// Counts under this are suppressed in statistics (default 5).
    statistics_threshold: u64,
    /// One refresh at a time: two would derive the same facts twice.
    statistics_refresh: Arc<tokio::sync::Mutex<()>>,
}

impl Services {
    /// Starts the audit writer on the current Tokio runtime.
    pub fn new(db: Database, clock: Clock) -> Self {
        Self::with_settings(db, clock, SecuritySettings::default())
    }

    pub fn with_settings(db: Database, clock: Clock, settings: SecuritySettings) -> Self {
        Self {
            audit: AuditSink::start(db.clone()),
            db,
            clock,
            settings: Arc::new(settings),
            read_audit: true,
            sign_in_throttle: Arc::new(auth::SignInThrottle::default()),
            organisations: Arc::default(),
            deadline_rules: Arc::default(),
            deadline_cache: Arc::default(),
            statistics_threshold: statistics::DEFAULT_THRESHOLD,
            statistics_refresh: Arc::default(),
        }
    }

    /// Sets the statistics suppression threshold (from the configuration file; at least 2).
    pub fn with_statistics_threshold(mut self, threshold: u64) -> Self {
        self.statistics_threshold = threshold.max(2);
        self
    }

    /// Replaces the deadline rules' values (from the configuration file).
    pub fn with_deadline_rules(mut self, rules: kotopolku_domain::deadlines::DeadlineRules) -> Self {
        self.deadline_rules = Arc::new(rules);
        self.deadline_cache = Arc::default();
        self
    }

    pub fn deadline_rules(&self) -> &kotopolku_domain::deadlines::DeadlineRules {
        &self.deadline_rules
    }

    /// Sends read rows through the journal in `dir` instead of committing each group to the
    /// database (see [`audit_journal`]). For the server: one process owns a journal at a time.
    pub async fn with_audit_journal(mut self, dir: &std::path::Path) -> Result<Self, ServiceError> {
        self.audit = AuditSink::start_with_journal(self.db.clone(), dir).await?;
        Ok(self)
    }

    /// Turns read auditing off. For measuring its cost only: a running system must never do this.
    pub fn without_read_audit_for_benchmark(mut self) -> Self {
        self.read_audit = false;
        self
    }

    /// The audit writer, for flushing at shutdown and for the metrics' queue length.
    pub fn audit_sink(&self) -> &AuditSink {
        &self.audit
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn settings(&self) -> &SecuritySettings {
        &self.settings
    }
}
