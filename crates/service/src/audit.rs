//! Writing the audit log: in the transaction of a change, or for reads and refusals through one
//! writer thread that makes many requests' rows durable together. Without a read journal it
//! commits them to the database (group commit); with one ([`crate::audit_journal`]) it syncs them to
//! the journal, and a mover thread appends closed segments to the chain in large batches.
//!
//! A request that reads personal data waits until its audit rows are durable before it answers, so
//! a read is never lost, also under load; sharing one commit or sync among concurrent requests keeps
//! the cost low. The log is only appended to: nothing in Kotopolku updates or deletes its rows.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kotopolku_domain::actor::Actor;
use kotopolku_domain::audit::{AuditEntry, AuditRow, ChainBreak, GENESIS_HASH, Outcome, verify_chain};
use kotopolku_store::{Database, Tx, audit as store, settings};
use tokio::sync::{mpsc, oneshot};

use crate::ServiceError;
use crate::audit_journal::{self, Journal, Segment};

/// Most rows committed together; more waiting requests go into the next batch.
const MAX_BATCH_JOBS: usize = 512;

/// A journal segment is closed and moved into the chain when it holds this many rows...
///
/// The mover appends a segment in one write transaction, and SQLite's other writers (a note being
/// saved) wait for it to end: at 4,096 rows, under the caseworker mix's 25,000 read rows a second
/// (a worklist audits every customer it lists), notes waited p50 / p99 153 / 318 ms; at 1,024,
/// 124 / 195 (bench/README.md, "Writers taking turns").
const SEGMENT_ROWS: usize = 1_024;

/// ...or when its first row is this old: how long a read's row may wait outside the chain.
const SEGMENT_AGE: Duration = Duration::from_millis(500);

/// The journal's writer starts a sync at most this often: under load, the reads that arrive
/// meanwhile share the next one. On the 2-core virtual machine of bench/README.md ("A minimum
/// interval between the journal's syncs") each sync also cost the host's time (steal); this halved
/// the processor time auditing adds to a read, at the price of up to this much more wait for a
/// read's answer, and only while another read's sync was started less than this long ago.
const SYNC_INTERVAL: Duration = Duration::from_millis(1);

/// Without a journal (PostgreSQL's default), the writer starts a commit at most this often, for
/// the same reason: a commit costs the database a few hundred microseconds of processor time (its
/// write-ahead log synced, the writer and the waiting requests woken), and with commits back to
/// back a batch held only the two or three reads that arrived during the previous one. Measured
/// with `kotopolku-bench reads --backend postgres` (bench/README.md, "PostgreSQL without TLS on
/// loopback"): audited / unaudited at 16 / 64 clients 0.66-0.72 / 0.79-0.83 at 1 ms, against
/// 0.67 / 0.70 back to back and 0.56-0.69 / 0.74-0.82 at 3 ms; each read waits for the interval,
/// which a few clients in a closed loop feel most.
const COMMIT_INTERVAL: Duration = Duration::from_millis(1);

/// How long the mover waits before trying again after the database refused a segment.
const MOVE_RETRY: Duration = Duration::from_secs(1);

struct Job {
    entries: Vec<AuditEntry>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The handle to the audit writer task.
#[derive(Debug, Clone)]
pub struct AuditSink {
    sender: mpsc::Sender<Job>,
    /// Rows synced to the read journal and not yet in the chain (always 0 without a journal).
    journal_rows: Arc<AtomicUsize>,
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
        on_thread("audit-writer", true, async move {
            let db = db.dedicated_connection();
            write_batches(&db, receiver).await;
            db.close().await;
        });
        Self {
            sender,
            journal_rows: Arc::default(),
        }
    }

    /// Starts the writer with the read journal in `dir` (see [`crate::audit_journal`]): read rows
    /// are durable once synced to the journal, and a mover thread of its own appends them to the
    /// chain in large batches. Rows a previous process left in the journal are moved first.
    pub async fn start_with_journal(db: Database, dir: &Path) -> Result<Self, ServiceError> {
        let dir = dir.to_owned();
        let (mut journal, leftovers) = tokio::task::spawn_blocking(move || Journal::open(&dir))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let key = audit_journal::moved_through_key(journal.id());
        let moved_through = match settings::get(&db, &key).await? {
            Some(value) => value
                .parse::<u64>()
                .map_err(|_| ServiceError::Internal(format!("the setting {key} is not a segment number: {value}")))?,
            None => 0,
        };
        // Segments after the database's mark: a reset or restored database may hold a higher mark
        // than the files left, and a segment at or under the mark counts as moved.
        journal.continue_after(moved_through);
        let journal_rows = Arc::new(AtomicUsize::new(0));
        if !leftovers.is_empty() {
            let rows: usize = leftovers.iter().map(|s| s.rows).sum();
            journal_rows.fetch_add(rows, Ordering::Relaxed);
            tracing::info!(
                rows,
                segments = leftovers.len(),
                "moving the audit journal's rows into the chain"
            );
        }
        let (sender, receiver) = mpsc::channel(4096);
        let (to_mover, moves) = mpsc::unbounded_channel();
        let loaded = Arc::new(AtomicUsize::new(0));
        let mover = Mover {
            dir: journal.dir().to_owned(),
            key,
            moved_through,
            backlog: leftovers
                .iter()
                .map(|leftover| Waiting::OnDisk {
                    number: leftover.number,
                })
                .collect(),
            journal_rows: journal_rows.clone(),
            loaded: loaded.clone(),
        };
        on_thread("audit-mover", true, async move {
            let db = db.dedicated_connection();
            mover.run(&db, moves).await;
            db.close().await;
        });
        let handover = Handover {
            mover: to_mover,
            loaded,
        };
        on_thread(
            "audit-writer",
            false,
            write_to_journal(journal, receiver, handover, journal_rows.clone()),
        );
        Ok(Self { sender, journal_rows })
    }

    /// Waits until every row handed to the writer before this call is in the chained log: the
    /// queue is first in, first out, so an empty job's turn comes after them. Called at shutdown
    /// and before the log is read.
    pub async fn flush(&self) -> Result<(), ServiceError> {
        let (done, committed) = oneshot::channel();
        let job = Job {
            entries: Vec::new(),
            done,
        };
        if self.sender.send(job).await.is_err() {
            return Ok(()); // The writer has stopped: nothing is queued.
        }
        outcome(committed.await)
    }

    /// Requests whose read rows wait in the queue for the writer (a gauge for the metrics).
    pub fn queue_length(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// Rows synced to the read journal and not yet moved into the chain (a gauge for the metrics:
    /// it grows while the database refuses them).
    pub fn journal_rows(&self) -> usize {
        self.journal_rows.load(Ordering::Relaxed)
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
            .map_err(|_| writer_stopped())?;
        outcome(committed.await)
    }
}

fn writer_stopped() -> ServiceError {
    ServiceError::Internal("the audit writer has stopped".into())
}

/// What the writer answered a job.
fn outcome(answer: Result<Result<(), String>, oneshot::error::RecvError>) -> Result<(), ServiceError> {
    answer
        .map_err(|_| writer_stopped())?
        .map_err(|e| ServiceError::Internal(format!("audit write failed: {e}")))
}

/// Runs `work` on a thread of its own, on a runtime of its own. Not a task among the requests':
/// a commit takes several round trips to the database, and a task waits for its turn on the
/// runtime after each one. If the thread cannot be started, `work` is dropped with its receiver,
/// and every audited read fails: a read is never served unlogged.
fn on_thread(name: &str, network: bool, work: impl Future<Output = ()> + Send + 'static) {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time();
    // Without the network driver an idle thread parks on a futex, and waking it is one system
    // call instead of an eventfd write and an epoll return: the journal's writer, which needs
    // no network, is woken for every batch of reads.
    if network {
        builder.enable_io();
    }
    let started = builder.build().and_then(|runtime| {
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || runtime.block_on(work))
    });
    if let Err(error) = started {
        tracing::error!(%error, thread = name, "the audit writer could not be started: audited reads will fail");
    }
}

/// How long a writer still waits before its next commit or sync, started at most once an
/// `interval`: `None` if the last one (`last`) started long enough ago, or there was none.
fn wait_before_next(last: Option<std::time::Instant>, interval: Duration) -> Option<Duration> {
    let wait = (last? + interval).saturating_duration_since(std::time::Instant::now());
    (!wait.is_zero()).then_some(wait)
}

/// The jobs waiting after `first`, up to a batch.
fn batch_after(first: Job, receiver: &mut mpsc::Receiver<Job>) -> Vec<Job> {
    let mut jobs = vec![first];
    while jobs.len() < MAX_BATCH_JOBS {
        match receiver.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
    jobs
}

async fn write_batches(db: &Database, mut receiver: mpsc::Receiver<Job>) {
    // The head this writer committed last: while nobody else appends, the next batch goes in one
    // statement after it instead of a transaction of four or five round trips.
    let mut head: Option<store::ChainHead> = None;
    let mut last_commit: Option<std::time::Instant> = None;
    while let Some(first) = receiver.recv().await {
        if let Some(wait) = wait_before_next(last_commit, COMMIT_INTERVAL) {
            tokio::time::sleep(wait).await;
        }
        let jobs = batch_after(first, &mut receiver);
        let entries: Vec<AuditEntry> = jobs.iter().flat_map(|job| job.entries.iter().cloned()).collect();
        if entries.is_empty() {
            // Only flushes: everything before them is already committed.
            for job in jobs {
                let _ = job.done.send(Ok(()));
            }
            continue;
        }
        last_commit = Some(std::time::Instant::now());
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

/// What the journal's writer hands its mover.
enum Move {
    Segment(Segment),
    /// A closed segment whose rows the mover reads back from its file: enough segments wait in
    /// memory already.
    OnDisk(u64),
    /// Answered once every segment before it is in the chain (a flush).
    Barrier(oneshot::Sender<Result<(), String>>),
}

/// The writer's side of the mover: the channel, and how many segments with their rows are on
/// their way or waiting, which the writer keeps under [`SEGMENTS_IN_MEMORY`] while the database
/// is slow or refuses the mover, so that memory does not grow with the outage.
struct Handover {
    mover: mpsc::UnboundedSender<Move>,
    loaded: Arc<AtomicUsize>,
}

impl Handover {
    fn send(&self, message: Move) {
        // If the mover has stopped, the segment stays on disk for the next start.
        let _ = self.mover.send(message);
    }

    /// Closes the journal's current segment, if it has rows, and hands it to the mover.
    fn close_segment(&self, journal: &mut Journal) {
        let Some(segment) = journal.rotate() else {
            return;
        };
        if self.loaded.load(Ordering::Acquire) >= SEGMENTS_IN_MEMORY {
            self.send(Move::OnDisk(segment.number));
        } else {
            self.loaded.fetch_add(1, Ordering::AcqRel);
            self.send(Move::Segment(segment));
        }
    }
}

/// The writer with a journal: appends each batch to the journal, syncs it, answers its requests,
/// and hands full or old segments to the mover.
async fn write_to_journal(
    mut journal: Journal,
    mut receiver: mpsc::Receiver<Job>,
    mover: Handover,
    journal_rows: Arc<AtomicUsize>,
) {
    let mut segment_started: Option<tokio::time::Instant> = None;
    let mut last_sync: Option<std::time::Instant> = None;
    loop {
        let next = match segment_started {
            Some(started) => tokio::time::timeout_at(started + SEGMENT_AGE, receiver.recv()).await,
            None => Ok(receiver.recv().await),
        };
        let first = match next {
            Ok(Some(job)) => job,
            Ok(None) => break,
            Err(_elapsed) => {
                mover.close_segment(&mut journal);
                segment_started = None;
                continue;
            }
        };
        if let Some(wait) = wait_before_next(last_sync, SYNC_INTERVAL) {
            // This thread runs the writer alone: its sleep holds up nothing else.
            std::thread::sleep(wait);
        }
        let (mut entries, mut waiting, mut flushes) = (Vec::new(), Vec::new(), Vec::new());
        for job in batch_after(first, &mut receiver) {
            if job.entries.is_empty() {
                flushes.push(job.done);
            } else {
                entries.extend(job.entries);
                waiting.push(job.done);
            }
        }
        let rows = entries.len();
        let result = if entries.is_empty() {
            Ok(())
        } else {
            last_sync = Some(std::time::Instant::now());
            journal
                .append(entries)
                .map(|()| {
                    journal_rows.fetch_add(rows, Ordering::Relaxed);
                })
                .map_err(|error| {
                    tracing::error!(%error, rows, "audit journal append failed");
                    format!("the audit journal: {error}")
                })
        };
        if result.is_err() {
            // Part of the batch may be in the file: the next append starts a new one, so that a
            // torn line stays the last of its segment, where reading the journal leaves it out.
            mover.close_segment(&mut journal);
            segment_started = None;
        }
        if segment_started.is_none() && journal.pending() > 0 {
            segment_started = Some(tokio::time::Instant::now());
        }
        for done in waiting {
            let _ = done.send(result.clone());
        }
        if !flushes.is_empty() || journal.pending() >= SEGMENT_ROWS {
            mover.close_segment(&mut journal);
            segment_started = None;
        }
        for done in flushes {
            mover.send(Move::Barrier(done));
        }
    }
    mover.close_segment(&mut journal);
}

/// Most closed segments kept in memory with their rows on their way to the chain (the database
/// slow or refusing them); later ones wait on disk only and are read back in their turn, so that
/// an outage of the database does not grow the server's memory without end.
const SEGMENTS_IN_MEMORY: usize = 8;

/// A closed segment waiting for the mover.
enum Waiting {
    Loaded(Segment),
    OnDisk { number: u64 },
}

/// Appends closed journal segments to the chain, in order, each in one transaction with its
/// number, and deletes their files.
struct Mover {
    dir: std::path::PathBuf,
    key: String,
    moved_through: u64,
    /// Segments not yet in the chain, oldest first.
    backlog: VecDeque<Waiting>,
    journal_rows: Arc<AtomicUsize>,
    /// Segments handed over with their rows and not yet moved (see [`Handover`]).
    loaded: Arc<AtomicUsize>,
}

impl Mover {
    async fn run(mut self, db: &Database, mut moves: mpsc::UnboundedReceiver<Move>) {
        let mut last_error = self.move_backlog(db).await;
        loop {
            let next = if last_error.is_some() {
                match tokio::time::timeout(MOVE_RETRY, moves.recv()).await {
                    Ok(next) => next,
                    Err(_elapsed) => {
                        last_error = self.move_backlog(db).await;
                        continue;
                    }
                }
            } else {
                moves.recv().await
            };
            match next {
                Some(Move::Segment(segment)) => {
                    self.backlog.push_back(Waiting::Loaded(segment));
                    last_error = self.move_backlog(db).await;
                }
                Some(Move::OnDisk(number)) => {
                    self.backlog.push_back(Waiting::OnDisk { number });
                    last_error = self.move_backlog(db).await;
                }
                Some(Move::Barrier(done)) => {
                    if last_error.is_some() {
                        last_error = self.move_backlog(db).await;
                    }
                    let _ = done.send(last_error.clone().map_or(Ok(()), Err));
                }
                None => break,
            }
        }
    }

    /// Moves the backlog's segments until it is empty or one fails (the error, kept for retrying).
    async fn move_backlog(&mut self, db: &Database) -> Option<String> {
        while let Some(waiting) = self.backlog.pop_front() {
            let was_loaded = matches!(waiting, Waiting::Loaded(_));
            let segment = match waiting {
                Waiting::Loaded(segment) => segment,
                Waiting::OnDisk { number } => match audit_journal::read_segment(&self.dir, number) {
                    Ok(entries) => Segment { number, entries },
                    Err(error) => {
                        tracing::error!(%error, segment = number, "an audit journal segment could not be read back");
                        self.backlog.push_front(waiting);
                        return Some(error.to_string());
                    }
                },
            };
            if let Err(error) = self.move_segment(db, &segment).await {
                tracing::error!(%error, segment = segment.number, "moving audit journal rows into the chain failed");
                self.backlog.push_front(if was_loaded {
                    Waiting::Loaded(segment)
                } else {
                    Waiting::OnDisk { number: segment.number }
                });
                return Some(format!("moving the audit journal into the chain: {error}"));
            }
            if was_loaded {
                self.loaded.fetch_sub(1, Ordering::AcqRel);
            }
            // Saturating: a segment read back may hold whole lines of an append that failed, which
            // were never counted.
            let moved = segment.entries.len();
            let _ = self
                .journal_rows
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |rows| {
                    Some(rows.saturating_sub(moved))
                });
        }
        None
    }

    async fn move_segment(&mut self, db: &Database, segment: &Segment) -> Result<(), ServiceError> {
        if segment.number > self.moved_through {
            let mut tx = db.begin().await?;
            store::append(&mut tx, &segment.entries).await?;
            settings::set(&mut tx, &self.key, &segment.number.to_string()).await?;
            tx.commit().await?;
            self.moved_through = segment.number;
        }
        // A file left behind (a failed delete, a crash) is deleted at the next start: its number
        // is at or under the mark.
        if let Err(error) = audit_journal::remove_segment(&self.dir, segment.number) {
            tracing::warn!(%error, segment = segment.number, "a moved audit journal segment could not be deleted");
        }
        Ok(())
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
