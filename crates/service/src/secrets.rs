//! Random tokens, their hashes, and password hashing.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::ServiceError;

/// `bytes` random bytes from the operating system, as lower-case hex.
pub fn random_hex(bytes: usize) -> Result<String, ServiceError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    Ok(hex(&buffer))
}

/// Random bytes from the operating system.
pub fn random_bytes(bytes: usize) -> Result<Vec<u8>, ServiceError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    Ok(buffer)
}

/// SHA-256 of a bearer secret (session or API token). Only hashes are stored, so a copy of the
/// database does not hand out working credentials; the secrets have 256 bits of entropy, so a fast
/// hash is enough.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Password hashes computed at once: half the cores, at least one. Each Argon2 computation holds
/// 19 MiB and a core for tens of milliseconds; unbounded, fifty caseworkers signing in at 8 o'clock
/// ran fifty blocking threads at once (about 1 GB of memory, measured), which also starved the async
/// workers of processor time. Queued here, sign-ins take their turn and other requests keep theirs.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::sync::Semaphore::new((cores / 2).max(1))
});

/// Runs a password hash computation on a blocking thread, at most [`HASHING`]'s permits at once.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ServiceError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), on a blocking thread: hashing takes tens
/// of milliseconds of CPU and must not stall the async workers.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    hashing(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
    })
    .await?
}

/// Whether `password` matches the PHC string `hash`, on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    hashing(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Rules for a new password: long enough to resist guessing, not absurdly long (hashing cost).
pub fn check_new_password(password: &str) -> Result<(), ServiceError> {
    let length = password.chars().count();
    if length < 12 {
        return Err(ServiceError::field(
            "new_password",
            "too_short",
            "at least 12 characters",
        ));
    }
    if length > 200 {
        return Err(ServiceError::field(
            "new_password",
            "too_long",
            "at most 200 characters",
        ));
    }
    Ok(())
}
