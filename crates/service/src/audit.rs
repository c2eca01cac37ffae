//! Writing the audit log: in the transaction of a change, or for reads and refusals through one
//! writer task that commits many requests' rows together (group commit).
//!
//! A request that reads personal data waits until its audit rows are committed before it answers, so
//! a read is never lost, also under load; sharing one commit among concurrent requests keeps the cost
//! low. The log is only appended to: nothing in Kotopolku updates or deletes its rows.

use chrono::{DateTime, Utc};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::{AuditEntry, AuditRow, ChainBreak, GENESIS_HASH, Outcome, verify_chain};
use kotopolku_store::{Database, Tx, audit as store};
use tokio::sync::{mpsc, oneshot};

use crate::ServiceError;

/// Most rows committed together; more waiting requests go into the next batch.
const MAX_BATCH_JOBS: usize = 512;

struct Job {
    entries: Vec<AuditEntry>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The handle to the audit writer task.
#[derive(Debug, Clone)]
pub struct AuditSink {
    sender: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Job({} entries)", self.entries.len())
    }
}

impl AuditSink {
    /// Starts the writer on a thread of its own, with its own connection to `db`.
    ///
    /// Not a task among the requests': a commit takes four or five round trips to the database,
    /// and a task waits for its turn on the runtime after each one. Under load, with a hundred
    /// requests ready to run, those turns made a commit many times slower, and every audited read
    /// waits for one (PostgreSQL at 64 clients: 1,046 audited reads/s against 2,266 unaudited).
    /// If the thread cannot be started, the sink has no writer and every audited read fails: a
    /// read is never served unlogged.
    pub fn start(db: Database) -> Self {
        let (sender, receiver) = mpsc::channel(4096);
        let started = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|runtime| {
                std::thread::Builder::new()
                    .name("audit-writer".into())
                    .spawn(move || {
                        runtime.block_on(async move {
                            let db = db.dedicated_connection();
                            write_batches(&db, receiver).await;
                            db.close().await;
                        })
                    })
                    .map_err(|e| e.to_string())
            });
        if let Err(error) = started {
            tracing::error!(%error, "the audit writer could not be started: audited reads will fail");
        }
        Self { sender }
    }

    /// Waits until every row handed to the writer before this call is committed: the queue is
    /// first in, first out, so an empty job's turn comes after them. Called at shutdown.
    pub async fn flush(&self) -> Result<(), ServiceError> {
        let (done, committed) = oneshot::channel();
        if self
            .sender
            .send(Job {
                entries: Vec::new(),
                done,
            })
            .await
            .is_err()
        {
            return Ok(()); // The writer has stopped: nothing is queued.
        }
        committed
            .await
            .map_err(|_| ServiceError::Internal("the audit writer has stopped".into()))?
            .map_err(|e| ServiceError::Internal(format!("audit write failed: {e}")))
    }

    /// Requests whose read rows wait in the queue for the writer (a gauge for the metrics).
    pub fn queue_length(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// Appends `entries` and waits until they are committed.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), ServiceError> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, committed) = oneshot::channel();
        self.sender
            .send(Job { entries, done })
            .await
            .map_err(|_| ServiceError::Internal("the audit writer has stopped".into()))?;
        committed
            .await
            .map_err(|_| ServiceError::Internal("the audit writer has stopped".into()))?
            .map_err(|e| ServiceError::Internal(format!("audit write failed: {e}")))
    }
}

async fn write_batches(db: &Database, mut receiver: mpsc::Receiver<Job>) {
    // The head this writer committed last: while nobody else appends, the next batch goes in one
    // statement after it instead of a transaction of four or five round trips.
    let mut head: Option<store::ChainHead> = None;
    while let Some(first) = receiver.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH_JOBS {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let entries: Vec<AuditEntry> = jobs.iter().flat_map(|job| job.entries.iter().cloned()).collect();
        if entries.is_empty() {
            // Only flushes: everything before them is already committed.
            for job in jobs {
                let _ = job.done.send(Ok(()));
            }
            continue;
        }
        let appended = async {
            if let Some(last) = head.take()
                && let Some(new_head) = store::append_after(db, &last, &entries).await?
            {
                return Ok(Some(new_head));
            }
            let mut tx = db.begin().await?;
            let new_head = store::append(&mut tx, &entries).await?;
            tx.commit().await?;
            Ok::<_, kotopolku_store::StoreError>(new_head)
        }
        .await;
        let result = match appended {
            Ok(new_head) => {
                head = new_head;
                Ok(())
            }
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = &result {
            tracing::error!(%error, rows = entries.len(), "audit batch failed");
        }
        for job in jobs {
            let _ = job.done.send(result.clone());
        }
    }
}

/// Appends entries in the caller's transaction: the audit row of a change commits with the change.
pub async fn record_in(tx: &mut Tx, entries: &[AuditEntry]) -> Result<(), ServiceError> {
    store::append(tx, entries).await?;
    Ok(())
}

/// Appends the row of one successful action in the caller's transaction.
pub async fn record_success(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    target: Target<'_>,
    at: DateTime<Utc>,
) -> Result<(), ServiceError> {
    record_in(tx, &[entry(actor, action, target, Outcome::Success, at)]).await
}

/// What an audit row is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    pub kind: Option<&'a str>,
    pub id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub fn customer(id: &'a str) -> Self {
        Self {
            kind: Some("customer"),
            id: Some(id),
            customer_id: Some(id),
        }
    }

    /// A process record of a customer.
    pub fn record(kind: &'a str, id: &'a str, customer_id: &'a str) -> Self {
        Self {
            kind: Some(kind),
            id: Some(id),
            customer_id: Some(customer_id),
        }
    }

    pub fn of(kind: &'a str, id: &'a str) -> Self {
        Self {
            kind: Some(kind),
            id: Some(id),
            customer_id: None,
        }
    }
}

/// An audit row for `actor` doing `action` on `target` with `outcome` at `at`.
pub fn entry(actor: &Actor, action: &str, target: Target<'_>, outcome: Outcome, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        occurred_at: at,
        actor_id: actor.id.clone(),
        actor_kind: actor.kind.as_str().to_owned(),
        actor_name: actor.display_name.clone(),
        organisation_id: actor.organisation_id.clone(),
        role: actor.role.map(|r| r.as_str().to_owned()),
        action: action.to_owned(),
        target_type: target.kind.map(str::to_owned),
        target_id: target.id.map(str::to_owned),
        customer_id: target.customer_id.map(str::to_owned),
        purpose: actor.purpose.clone(),
        request_id: actor.request_id.clone(),
        client_address: actor.client_address.clone(),
        outcome: outcome.as_str().to_owned(),
    }
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact { rows: i64 },
    Broken(ChainBreak),
}

/// Walks the audit log from its first row and names the first broken one.
pub async fn verify(db: &Database) -> Result<ChainReport, ServiceError> {
    let mut last = (0, GENESIS_HASH.to_owned());
    loop {
        let rows: Vec<AuditRow> = store::rows_after(db, last.0, 5_000).await?;
        if rows.is_empty() {
            return Ok(ChainReport::Intact { rows: last.0 });
        }
        match verify_chain(last, &rows) {
            Ok(next) => last = next,
            Err(chain_break) => return Ok(ChainReport::Broken(chain_break)),
        }
    }
}
