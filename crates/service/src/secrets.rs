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

/// Argon2id with the crate's defaults (19 MiB, 2 passes), on a blocking thread: hashing takes tens
/// of milliseconds of CPU and must not stall the async workers.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
}

/// Whether `password` matches the PHC string `hash`, on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
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
