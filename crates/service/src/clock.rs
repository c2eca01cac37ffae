//! The source of "now". Tests and training environments fix it; the server uses the system clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use kotopolku_domain::time::{finnish_date, to_storage_precision};

/// The system clock, or a fixed instant that a test can move.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds since the epoch when fixed.
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self { fixed: None }
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(AtomicI64::new(at.timestamp_micros()))),
        }
    }

    /// Moves a fixed clock; does nothing to the system clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(fixed) = &self.fixed {
            fixed.store(at.timestamp_micros(), Ordering::SeqCst);
        }
    }

    /// Now, at the precision both databases keep.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(fixed) => DateTime::from_timestamp_micros(fixed.load(Ordering::SeqCst)).unwrap_or_default(),
            None => to_storage_precision(Utc::now()),
        }
    }

    /// Today's date in Finland.
    pub fn today(&self) -> NaiveDate {
        finnish_date(self.now())
    }
}
