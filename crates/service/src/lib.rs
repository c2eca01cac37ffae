//! Kotopolku's use cases. Each function takes the acting party first, validates its input, and
//! writes the data and its history in one transaction.

mod clock;
mod error;

pub mod customers;

use kotopolku_store::Database;

pub use clock::Clock;
pub use error::{DuplicateCandidate, ServiceError};

/// The handle every use case runs on: the database and the clock.
#[derive(Debug, Clone)]
pub struct Services {
    db: Database,
    clock: Clock,
}

impl Services {
    pub fn new(db: Database, clock: Clock) -> Self {
        Self { db, clock }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }
}
