//! The tamper-evident audit log's rows and hash chain (Information Management Act 906/2019 §17).
//!
//! Each row carries the SHA-256 of its own content and of the previous row's hash, so changing,
//! removing or inserting a row breaks the chain from that row on. [`verify_chain`] walks rows in order
//! and names the first broken one.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first row links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to a request: done, or refused and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    /// Refused by policy (403).
    Denied,
    /// The record was outside the actor's scope or did not exist (404).
    NotFound,
    /// Sign-in or token check failed.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::NotFound => "not_found",
            Outcome::Failed => "failed",
        }
    }
}

/// One audit row's content, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub occurred_at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_kind: String,
    pub actor_name: String,
    pub organisation_id: Option<String>,
    pub role: Option<String>,
    /// E.g. `customer.read`, `session.sign_in`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub customer_id: Option<String>,
    pub purpose: Option<String>,
    pub request_id: Option<String>,
    pub client_address: Option<String>,
    pub outcome: String,
}

/// A stored audit row: its position in the chain, its content and its hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub previous_hash: String,
    pub hash: String,
}

/// The hash of row `id` with `entry`, linked to `previous_hash`. Every field is length-prefixed, so
/// no two different rows serialise to the same text.
pub fn chain_hash(previous_hash: &str, id: i64, entry: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    // Every read of personal data hashes a row, so no field allocates.
    let mut field = |value: Option<&str>| match value {
        Some(text) => {
            hasher.update(decimal(text.len() as u64).as_slice());
            hasher.update(b":");
            hasher.update(text.as_bytes());
        }
        None => hasher.update(b"-"),
    };
    let id = id.to_string();
    let occurred_at = entry.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true);
    field(Some(previous_hash));
    field(Some(&id));
    field(Some(&occurred_at));
    field(Some(&entry.actor_id));
    field(Some(&entry.actor_kind));
    field(Some(&entry.actor_name));
    field(entry.organisation_id.as_deref());
    field(entry.role.as_deref());
    field(Some(&entry.action));
    field(entry.target_type.as_deref());
    field(entry.target_id.as_deref());
    field(entry.customer_id.as_deref());
    field(entry.purpose.as_deref());
    field(entry.request_id.as_deref());
    field(entry.client_address.as_deref());
    field(Some(&entry.outcome));
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The decimal digits of `n`, on the stack.
fn decimal(mut n: u64) -> Digits {
    let mut digits = Digits {
        buffer: [0; 20],
        start: 20,
    };
    loop {
        digits.start -= 1;
        digits.buffer[digits.start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return digits;
        }
    }
}

struct Digits {
    buffer: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        &self.buffer[self.start..]
    }
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub row_id: i64,
    pub reason: &'static str,
}

/// Checks rows that continue a chain whose last verified row was `(previous_id, previous_hash)`
/// (`(0, GENESIS_HASH)` at the start). Returns the new last `(id, hash)` or the first break.
pub fn verify_chain<'a>(
    previous: (i64, String),
    rows: impl IntoIterator<Item = &'a AuditRow>,
) -> Result<(i64, String), ChainBreak> {
    let (mut last_id, mut last_hash) = previous;
    for row in rows {
        if row.id != last_id + 1 {
            return Err(ChainBreak {
                row_id: row.id,
                reason: "a row is missing before this one (ids are not consecutive)",
            });
        }
        if row.previous_hash != last_hash {
            return Err(ChainBreak {
                row_id: row.id,
                reason: "the link to the previous row does not match (a row before it was changed or removed)",
            });
        }
        if chain_hash(&row.previous_hash, row.id, &row.entry) != row.hash {
            return Err(ChainBreak {
                row_id: row.id,
                reason: "the row's content does not match its hash (the row was changed)",
            });
        }
        last_id = row.id;
        last_hash = row.hash.clone();
    }
    Ok((last_id, last_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            occurred_at: DateTime::from_timestamp(1_780_000_000, 123_456_000).unwrap_or_default(),
            actor_id: "u1".into(),
            actor_kind: "user".into(),
            actor_name: "Maija".into(),
            organisation_id: Some("o1".into()),
            role: Some("caseworker".into()),
            action: action.into(),
            target_type: Some("customer".into()),
            target_id: Some("c1".into()),
            customer_id: Some("c1".into()),
            purpose: None,
            request_id: Some("r1".into()),
            client_address: Some("127.0.0.1".into()),
            outcome: "success".into(),
        }
    }

    fn chain(n: i64) -> Vec<AuditRow> {
        let mut previous = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|id| {
                let entry = entry(&format!("action{id}"));
                let hash = chain_hash(&previous, id, &entry);
                let row = AuditRow {
                    id,
                    entry,
                    previous_hash: previous.clone(),
                    hash: hash.clone(),
                };
                previous = hash;
                row
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let rows = chain(5);
        assert_eq!(verify_chain((0, GENESIS_HASH.into()), &rows).map(|(id, _)| id), Ok(5));
    }

    #[test]
    fn a_changed_field_is_found_at_its_row() {
        let mut rows = chain(5);
        rows[2].entry.purpose = Some("curiosity".into());
        assert_eq!(
            verify_chain((0, GENESIS_HASH.into()), &rows).map_err(|b| b.row_id),
            Err(3)
        );
    }

    #[test]
    fn a_removed_row_is_found() {
        let mut rows = chain(5);
        rows.remove(1);
        assert_eq!(
            verify_chain((0, GENESIS_HASH.into()), &rows).map_err(|b| b.row_id),
            Err(3)
        );
    }

    #[test]
    fn a_rehashed_row_breaks_the_next_link() {
        let mut rows = chain(5);
        rows[1].entry.actor_name = "Someone else".into();
        rows[1].hash = chain_hash(&rows[1].previous_hash, 2, &rows[1].entry);
        assert_eq!(
            verify_chain((0, GENESIS_HASH.into()), &rows).map_err(|b| b.row_id),
            Err(3)
        );
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = entry("x");
        let mut b = entry("x");
        a.actor_id = "ab".into();
        a.actor_kind = "c".into();
        b.actor_id = "a".into();
        b.actor_kind = "bc".into();
        assert_ne!(chain_hash(GENESIS_HASH, 1, &a), chain_hash(GENESIS_HASH, 1, &b));
    }

    /// Logs written by earlier versions must still verify: the hash is SHA-256 of the fields as
    /// `length:text` (`-` for an absent one), in this order, in lowercase hexadecimal.
    #[test]
    fn the_hashed_text_is_as_documented() {
        let e = entry("customer.read");
        let at = e.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let fields = [
            Some(GENESIS_HASH),
            Some("42"),
            Some(at.as_str()),
            Some(e.actor_id.as_str()),
            Some(e.actor_kind.as_str()),
            Some(e.actor_name.as_str()),
            e.organisation_id.as_deref(),
            e.role.as_deref(),
            Some(e.action.as_str()),
            e.target_type.as_deref(),
            e.target_id.as_deref(),
            e.customer_id.as_deref(),
            e.purpose.as_deref(),
            e.request_id.as_deref(),
            e.client_address.as_deref(),
            Some(e.outcome.as_str()),
        ];
        let text: String = fields
            .iter()
            .map(|f| f.map_or("-".to_owned(), |t| format!("{}:{t}", t.len())))
            .collect();
        let expected: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(chain_hash(GENESIS_HASH, 42, &e), expected);
    }
}
