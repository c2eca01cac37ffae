//! The backup file: JSON lines, one table after another, closed by a line holding the SHA-256 of
//! everything before it.
//!
//! ```text
//! {"format":"kotopolku-backup","format_version":1,"backend":"sqlite","schema_version":12,...}
//! {"table":"organisations","columns":["id","kind",...]}
//! ["0190...","municipal_unit",...]
//! {"table":"users","columns":[...]}
//! ...
//! {"end":{"organisations":6,"users":12,...},"sha256":"9f2c..."}
//! ```
//!
//! Text, not a database file, so that the same reader checks a backup of either engine, a truncated
//! or altered file is told by its checksum, and `grep`/`jq` can look into it in an emergency.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::BackupError;

pub const FORMAT: &str = "kotopolku-backup";
pub const FORMAT_VERSION: u32 = 1;

/// The first line: what the backup is of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    /// `sqlite` or `postgres`: the engine the backup was read from.
    pub backend: String,
    /// The newest migration applied to the database: a restore needs the same.
    pub schema_version: i64,
    pub taken_at: DateTime<Utc>,
    pub kotopolku_version: String,
}

/// The line that starts a table's rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableStart {
    pub table: String,
    pub columns: Vec<String>,
}

/// The last line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trailer {
    /// Rows per table, as written.
    pub end: BTreeMap<String, u64>,
    /// Lowercase hex SHA-256 of every byte before this line.
    pub sha256: String,
}

/// Writes lines and hashes them as they pass.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Writes `line` and a newline.
    pub fn line(&mut self, line: &str) -> Result<(), BackupError> {
        self.hasher.update(line.as_bytes());
        self.hasher.update(b"\n");
        self.inner.write_all(line.as_bytes()).map_err(BackupError::Io)?;
        self.inner.write_all(b"\n").map_err(BackupError::Io)
    }

    pub fn json_line<T: Serialize>(&mut self, value: &T) -> Result<(), BackupError> {
        let text = serde_json::to_string(value).map_err(|e| BackupError::Io(std::io::Error::other(e)))?;
        self.line(&text)
    }

    /// Writes the trailer with the checksum of everything written so far; returns the checksum.
    pub fn finish(mut self, end: BTreeMap<String, u64>) -> Result<(String, W), BackupError> {
        let sha256 = hex(&self.hasher.clone().finalize());
        let trailer = serde_json::to_string(&Trailer {
            end,
            sha256: sha256.clone(),
        })
        .map_err(|e| BackupError::Io(std::io::Error::other(e)))?;
        self.inner.write_all(trailer.as_bytes()).map_err(BackupError::Io)?;
        self.inner.write_all(b"\n").map_err(BackupError::Io)?;
        self.inner.flush().map_err(BackupError::Io)?;
        Ok((sha256, self.inner))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One line of a backup, read.
#[derive(Debug)]
pub enum Item {
    Header(Header),
    Table(TableStart),
    /// A row: its JSON array text, checked to have as many values as the table has columns.
    Row(String),
    Trailer(Trailer),
}

/// Reads a backup line by line, checking its shape as it goes and its checksum at the end: every
/// problem names the line (and the column, for JSON syntax).
pub struct Reader<R: BufRead> {
    input: R,
    hasher: Sha256,
    line_number: u64,
    /// The line read ahead: only at the end of the file is it known to be the trailer.
    ahead: Option<String>,
    columns: Option<usize>,
    started: bool,
    finished: bool,
    counts: BTreeMap<String, u64>,
    current_table: Option<String>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Self {
        Self {
            input,
            hasher: Sha256::new(),
            line_number: 0,
            ahead: None,
            columns: None,
            started: false,
            finished: false,
            counts: BTreeMap::new(),
            current_table: None,
        }
    }

    fn read_raw(&mut self) -> Result<Option<String>, BackupError> {
        let mut line = String::new();
        let read = self.input.read_line(&mut line).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                self.malformed(self.line_number + 1, 1, "the line is not UTF-8".into())
            } else {
                BackupError::Io(e)
            }
        })?;
        if read == 0 {
            return Ok(None);
        }
        Ok(Some(line))
    }

    fn malformed(&self, line: u64, column: u64, message: String) -> BackupError {
        BackupError::Malformed { line, column, message }
    }

    /// The next item, or `None` after the trailer (whose checksum and counts have then been checked).
    pub fn next_item(&mut self) -> Result<Option<Item>, BackupError> {
        if self.finished {
            return Ok(None);
        }
        let current = match self.ahead.take() {
            Some(line) => line,
            None => match self.read_raw()? {
                Some(line) => line,
                None => return Err(BackupError::Truncated),
            },
        };
        self.line_number += 1;
        let number = self.line_number;
        if !current.ends_with('\n') {
            return Err(BackupError::Truncated);
        }
        self.ahead = self.read_raw()?;
        let text = current.trim_end_matches('\n');
        if self.ahead.is_none() {
            return self.trailer(number, text).map(|t| Some(Item::Trailer(t)));
        }
        self.hasher.update(current.as_bytes());
        if !self.started {
            self.started = true;
            let header: Header = parse(number, text)?;
            if header.format != FORMAT {
                return Err(self.malformed(
                    number,
                    1,
                    format!("not a Kotopolku backup (format {:?})", header.format),
                ));
            }
            if header.format_version != FORMAT_VERSION {
                return Err(self.malformed(
                    number,
                    1,
                    format!(
                        "backup format version {} is not {FORMAT_VERSION}: use the Kotopolku version that wrote it",
                        header.format_version
                    ),
                ));
            }
            return Ok(Some(Item::Header(header)));
        }
        if text.starts_with('[') {
            let Some(columns) = self.columns else {
                return Err(self.malformed(number, 1, "a row before any table line".into()));
            };
            let values: Vec<serde::de::IgnoredAny> = parse(number, text)?;
            if values.len() != columns {
                return Err(self.malformed(
                    number,
                    1,
                    format!("the row has {} values; its table has {columns} columns", values.len()),
                ));
            }
            if let Some(table) = &self.current_table {
                *self.counts.entry(table.clone()).or_default() += 1;
            }
            return Ok(Some(Item::Row(text.to_owned())));
        }
        let table: TableStart = parse(number, text)?;
        if table.columns.is_empty() || self.counts.contains_key(&table.table) {
            return Err(self.malformed(
                number,
                1,
                format!("table {} is empty of columns or repeated", table.table),
            ));
        }
        self.columns = Some(table.columns.len());
        self.current_table = Some(table.table.clone());
        self.counts.insert(table.table.clone(), 0);
        Ok(Some(Item::Table(table)))
    }

    fn trailer(&mut self, number: u64, text: &str) -> Result<Trailer, BackupError> {
        self.finished = true;
        let trailer: Trailer = parse(number, text).map_err(|_| BackupError::Truncated)?;
        let actual = hex(&self.hasher.clone().finalize());
        if trailer.sha256 != actual {
            return Err(BackupError::Checksum {
                expected: trailer.sha256,
                actual,
            });
        }
        if trailer.end != self.counts {
            return Err(self.malformed(
                number,
                1,
                "the row counts of the last line differ from the rows in the file".into(),
            ));
        }
        Ok(trailer)
    }
}

fn parse<'a, T: Deserialize<'a>>(line: u64, text: &'a str) -> Result<T, BackupError> {
    serde_json::from_str(text).map_err(|e| BackupError::Malformed {
        line,
        column: e.column() as u64,
        message: e.to_string(),
    })
}

/// What a whole, checked backup holds.
#[derive(Debug, Clone)]
pub struct Contents {
    pub header: Header,
    pub rows: BTreeMap<String, u64>,
    pub sha256: String,
}

/// Reads a whole backup, checking its shape, counts and checksum.
pub fn verify(input: impl BufRead) -> Result<Contents, BackupError> {
    let mut reader = Reader::new(input);
    let mut header = None;
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Header(h) => header = Some(h),
            Item::Trailer(trailer) => {
                return Ok(Contents {
                    header: header.ok_or(BackupError::Truncated)?,
                    rows: trailer.end,
                    sha256: trailer.sha256,
                });
            }
            Item::Table(_) | Item::Row(_) => {}
        }
    }
    Err(BackupError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut writer = HashingWriter::new(Vec::new());
        writer
            .json_line(&Header {
                format: FORMAT.into(),
                format_version: FORMAT_VERSION,
                backend: "sqlite".into(),
                schema_version: 12,
                taken_at: DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").unwrap().to_utc(),
                kotopolku_version: "0.1.0".into(),
            })
            .unwrap();
        writer
            .json_line(&TableStart {
                table: "settings".into(),
                columns: vec!["key".into(), "value".into()],
            })
            .unwrap();
        writer.line(r#"["environment","demo"]"#).unwrap();
        writer.line(r#"["note","a \"quoted\"\nline"]"#).unwrap();
        let (_, bytes) = writer.finish(BTreeMap::from([("settings".into(), 2)])).unwrap();
        bytes
    }

    #[test]
    fn a_written_backup_verifies() {
        let contents = verify(&sample()[..]).unwrap();
        assert_eq!(contents.rows["settings"], 2);
        assert_eq!(contents.header.schema_version, 12);
    }

    #[test]
    fn a_changed_byte_fails_the_checksum() {
        let mut bytes = sample();
        let at = bytes.windows(4).position(|w| w == b"demo").unwrap();
        bytes[at] = b'D';
        assert!(matches!(verify(&bytes[..]), Err(BackupError::Checksum { .. })));
    }

    #[test]
    fn a_truncated_backup_is_refused() {
        let bytes = sample();
        for cut in [bytes.len() - 1, bytes.len() - 30, 40] {
            let error = verify(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(
                    error,
                    BackupError::Truncated | BackupError::Checksum { .. } | BackupError::Malformed { .. }
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn a_row_of_the_wrong_width_names_its_line() {
        let text = String::from_utf8(sample())
            .unwrap()
            .replace(r#"["environment","demo"]"#, r#"["environment"]"#);
        match verify(text.as_bytes()) {
            Err(BackupError::Malformed { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }
}
