//! The read journal: an append-only file where the audit rows of reads are made durable before the
//! read answers, moved into the chained audit log in large batches afterwards.
//!
//! Committing each group of read rows to the database cost a third of read throughput (see
//! bench/README.md, "Reads with and without read auditing"): every commit is a database transaction,
//! and on SQLite each one also empties every other connection's page cache. Appending a line to a
//! file and syncing it is far cheaper, and the rows reach the chain a fraction of a second later, a
//! few thousand per transaction. A read is still never lost: its row is on disk before the read
//! answers, and rows left in the journal by a crash are moved into the chain at the next start.
//!
//! The journal is a directory of segment files (`00000000000000000001.jsonl`, one JSON entry per
//! line). The writer appends to the newest one; a full or old enough segment is closed and handed to
//! the mover, which appends its rows to the chain and records the segment's number in the same
//! transaction (the `settings` key `audit_journal:<journal id>`), then deletes the file. A segment
//! whose number the database already holds is deleted at start without being moved again, so no row
//! is moved twice. One process owns a journal at a time (an exclusive lock on its `lock` file).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use kotopolku_domain::audit::AuditEntry;

/// The settings key holding the last segment of journal `id` moved into the chain.
pub fn moved_through_key(id: &str) -> String {
    format!("audit_journal:{id}")
}

/// A closed segment: its number and its rows, in the order they were appended.
#[derive(Debug)]
pub struct Segment {
    pub number: u64,
    pub entries: Vec<AuditEntry>,
}

/// A segment a previous process left behind: its rows are read back when their turn comes to be
/// moved, so that a long backlog is not held in memory all at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leftover {
    pub number: u64,
    pub rows: usize,
}

/// Why a journal could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the audit journal {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("the audit journal {path} is in use by another process")]
    Locked { path: PathBuf },
    #[error("the audit journal {path}:{line}:{column}: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_owned(),
        source,
    }
}

/// An open journal, owned by its writer.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    id: String,
    /// Held for as long as the journal is open: the exclusive lock.
    _lock: File,
    /// The segment being appended to, opened at its first append.
    current: Option<File>,
    current_number: u64,
    current_entries: Vec<AuditEntry>,
    /// Reused for each append's lines.
    buffer: Vec<u8>,
}

impl Journal {
    /// Opens (creating if need be) the journal in `dir`, and returns it with the segments a previous
    /// process left behind, oldest first: rows acknowledged to readers that may not be in the chain
    /// yet. Each is read through once here, so that a damaged one stops the start: a segment's
    /// torn last line (a crash during an append that was never acknowledged) is left out; any other
    /// unreadable line is an error naming it.
    pub fn open(dir: &Path) -> Result<(Self, Vec<Leftover>), JournalError> {
        // Who read which customer: readable by the service's user only.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(io_error(dir))?;
        let lock_path = dir.join("lock");
        let lock = private()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(JournalError::Locked { path: dir.to_owned() }),
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(&lock_path)(e)),
        }
        let id = read_or_create_id(dir)?;
        let mut leftovers = Vec::new();
        for (number, path) in segment_files(dir)? {
            leftovers.push(Leftover {
                number,
                rows: read_segment_file(&path)?.len(),
            });
        }
        let last = leftovers.last().map_or(0, |s| s.number);
        let journal = Journal {
            dir: dir.to_owned(),
            id,
            _lock: lock,
            current: None,
            current_number: last + 1,
            current_entries: Vec::new(),
            buffer: Vec::new(),
        };
        Ok((journal, leftovers))
    }

    /// This journal's identity, which the database's moved-through mark is kept under.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Rows in the current segment.
    pub fn pending(&self) -> usize {
        self.current_entries.len()
    }

    /// Numbers the next segment after `number` at least: after a reset database or a moved-through
    /// mark above every file left, numbers keep rising.
    pub fn continue_after(&mut self, number: u64) {
        if self.current.is_none() && self.current_entries.is_empty() {
            self.current_number = self.current_number.max(number + 1);
        }
    }

    /// Appends `entries` to the current segment and waits until they are on disk.
    pub fn append(&mut self, entries: Vec<AuditEntry>) -> io::Result<()> {
        self.buffer.clear();
        for entry in &entries {
            serde_json::to_writer(&mut self.buffer, entry).map_err(io::Error::other)?;
            self.buffer.push(b'\n');
        }
        if self.current.is_none() {
            let file = private()
                .create_new(true)
                .append(true)
                .open(segment_path(&self.dir, self.current_number))?;
            // The new file's name must survive a crash as well as its contents.
            File::open(&self.dir)?.sync_all()?;
            self.current = Some(file);
        }
        let file = self.current.as_mut().expect("opened above");
        file.write_all(&self.buffer)?;
        file.sync_data()?;
        self.current_entries.extend(entries);
        Ok(())
    }

    /// Closes the current segment and returns it for moving, unless it is empty.
    pub fn rotate(&mut self) -> Option<Segment> {
        self.current.take()?;
        let segment = Segment {
            number: self.current_number,
            entries: std::mem::take(&mut self.current_entries),
        };
        self.current_number += 1;
        Some(segment)
    }
}

/// Options for a file only the service's user may read.
fn private() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Deletes a segment whose rows are in the chain.
pub fn remove_segment(dir: &Path, number: u64) -> io::Result<()> {
    match std::fs::remove_file(segment_path(dir, number)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn segment_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:020}.jsonl"))
}

/// The segment files in `dir`, by number.
fn segment_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, JournalError> {
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = item.map_err(io_error(dir))?.path();
        let number = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".jsonl"))
            .and_then(|stem| stem.parse::<u64>().ok());
        if let Some(number) = number {
            files.push((number, path));
        }
    }
    files.sort();
    Ok(files)
}

/// Reads back the rows of segment `number` in `dir` (one the mover did not keep in memory).
pub fn read_segment(dir: &Path, number: u64) -> Result<Vec<AuditEntry>, JournalError> {
    read_segment_file(&segment_path(dir, number))
}

fn read_segment_file(path: &Path) -> Result<Vec<AuditEntry>, JournalError> {
    let text = std::fs::read(path).map_err(io_error(path))?;
    let mut entries = Vec::new();
    for (index, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        if !line.ends_with(b"\n") {
            // The last line, torn by a crash in the middle of an append: that append was never
            // acknowledged (it is synced whole before it is), so no read answered on its strength.
            break;
        }
        match serde_json::from_slice::<AuditEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(error) => {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: index + 1,
                    column: error.column(),
                    message: error.to_string(),
                });
            }
        }
    }
    Ok(entries)
}

fn read_or_create_id(dir: &Path) -> Result<String, JournalError> {
    let path = dir.join("journal-id");
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_owned()),
        Ok(_) => Err(JournalError::Corrupt {
            path,
            line: 1,
            column: 1,
            message: "empty journal id".into(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let id = uuid::Uuid::new_v4().to_string();
            let temporary = dir.join("journal-id.new");
            let mut file = private()
                .create(true)
                .truncate(true)
                .write(true)
                .open(&temporary)
                .map_err(io_error(&temporary))?;
            file.write_all(id.as_bytes()).map_err(io_error(&temporary))?;
            file.sync_all().map_err(io_error(&temporary))?;
            std::fs::rename(&temporary, &path).map_err(io_error(&path))?;
            File::open(dir).and_then(|d| d.sync_all()).map_err(io_error(dir))?;
            Ok(id)
        }
        Err(e) => Err(io_error(&path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            occurred_at: chrono::Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
            actor_id: "user-1".into(),
            actor_kind: "user".into(),
            actor_name: "Aino Caseworker".into(),
            organisation_id: Some("org-1".into()),
            role: Some("caseworker".into()),
            action: action.into(),
            target_type: Some("customer".into()),
            target_id: Some("customer-1".into()),
            customer_id: Some("customer-1".into()),
            purpose: None,
            request_id: Some("req-1".into()),
            client_address: Some("127.0.0.1".into()),
            outcome: "success".into(),
        }
    }

    /// A folder that does not exist yet: the journal makes it.
    fn temporary_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("kotopolku-journal-{name}-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn rows_appended_and_not_moved_are_found_again_in_order_by_the_next_opener() {
        let dir = temporary_dir("reopen");
        let (mut journal, leftovers) = Journal::open(&dir).unwrap();
        assert!(leftovers.is_empty());
        let id = journal.id().to_owned();
        journal
            .append(vec![entry("customer.read"), entry("record.read")])
            .unwrap();
        let first = journal.rotate().unwrap();
        assert_eq!(first.entries.len(), 2);
        journal.append(vec![entry("customer.search")]).unwrap();
        assert!(matches!(Journal::open(&dir), Err(JournalError::Locked { .. })));
        drop(journal);

        let (journal, leftovers) = Journal::open(&dir).unwrap();
        assert_eq!(journal.id(), id, "the journal keeps its identity");
        assert_eq!(
            leftovers,
            [Leftover { number: 1, rows: 2 }, Leftover { number: 2, rows: 1 }]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for path in [dir.clone(), segment_path(&dir, 1), dir.join("journal-id")] {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(
                    mode & 0o077,
                    0,
                    "who read whom is for the service's user only: {path:?}"
                );
            }
        }
        let segments: Vec<Vec<AuditEntry>> = leftovers
            .iter()
            .map(|leftover| read_segment(&dir, leftover.number).unwrap())
            .collect();
        let actions: Vec<Vec<&str>> = segments
            .iter()
            .map(|entries| entries.iter().map(|e| e.action.as_str()).collect())
            .collect();
        assert_eq!(actions, [vec!["customer.read", "record.read"], vec!["customer.search"]]);
        assert_eq!(segments[0][0], entry("customer.read"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_left_out_and_a_damaged_line_before_it_is_named() {
        let dir = temporary_dir("torn");
        let (mut journal, _) = Journal::open(&dir).unwrap();
        journal.append(vec![entry("customer.read")]).unwrap();
        drop(journal);
        let path = segment_path(&dir, 1);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"occurred_at\":\"2026-11").unwrap();
        drop(file);
        let (_, leftovers) = Journal::open(&dir).unwrap();
        assert_eq!(leftovers[0].rows, 1, "the torn line is dropped, the whole one kept");
        assert_eq!(read_segment(&dir, 1).unwrap().len(), 1);

        let mut text = std::fs::read_to_string(&path).unwrap();
        text.insert_str(0, "{\"occurred_at\": 5}\n");
        std::fs::write(&path, text).unwrap();
        match Journal::open(&dir) {
            Err(JournalError::Corrupt { line, column, .. }) => assert_eq!((line, column), (1, 17)),
            other => panic!("expected the damaged first line to be named, got {other:?}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
