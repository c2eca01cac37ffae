//! Time-based one-time passwords for two-factor sign-in: TOTP (RFC 6238) over HOTP (RFC 4226)
//! with HMAC-SHA1, 6 digits and 30-second steps, the parameters every authenticator app supports.
//!
//! The module neither reads the clock nor does I/O: callers pass the Unix time and generate the
//! secret bytes from a CSPRNG themselves, which keeps everything here deterministic and testable.

use std::fmt;

use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};

type HmacSha1 = Hmac<Sha1>;

/// Length of a TOTP time step in seconds (RFC 6238 §4.1, `X`; the recommended default).
pub const STEP_SECONDS: i64 = 30;

/// Number of digits in a code (RFC 4226 §5.3 requires at least 6).
const DIGITS: usize = 6;

/// `10^DIGITS`, the modulus that turns the truncated HMAC into a code.
const CODE_MODULUS: u32 = 1_000_000;

/// RFC 4226 §4 R6 asks for at least 128-bit shared secrets.
const MIN_SECRET_BYTES: usize = 16;

/// The RFC 4648 §6 base32 alphabet.
const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a TOTP secret could not be created.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TotpError {
    /// The secret has fewer than 16 bytes (128 bits, RFC 4226 §4 R6).
    #[error("a TOTP secret must have at least 16 bytes")]
    TooShort,
    /// The text is not valid RFC 4648 base32.
    #[error("the TOTP secret is not valid base32")]
    InvalidBase32,
}

/// A TOTP shared secret (20 random bytes), created by the caller from a CSPRNG.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

/// Debug output hides the key so that a stray `{:?}` in a log line cannot leak a second factor.
impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl TotpSecret {
    /// Wraps raw secret bytes; refuses secrets shorter than 16 bytes (RFC 4226 §4 R6).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpError::TooShort);
        }
        Ok(Self(bytes))
    }

    /// Parses a base32 secret (RFC 4648 §6) as typed or pasted by a person: lower case, spaces and
    /// trailing `=` padding are accepted.
    pub fn from_base32(text: &str) -> Result<Self, TotpError> {
        Self::from_bytes(base32_decode(text)?)
    }

    /// The secret in upper-case base32 without padding, the form authenticator apps expect.
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }

    /// An `otpauth://` URI (the de facto Google Authenticator "Key URI Format") for a QR code:
    /// `otpauth://totp/{issuer}:{account}?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30`.
    /// Issuer and account are percent-encoded, so a `:` inside them cannot split the label.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
             &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            account = percent_encode(account),
            secret = self.to_base32(),
        )
    }

    /// The 6-digit code for a Unix time in seconds (RFC 6238 §4.2 with `T0 = 0`).
    pub fn code_at(&self, unix_seconds: i64) -> String {
        self.code_for_step(time_step(unix_seconds))
    }

    /// Verifies `code` (6 ASCII digits; surrounding whitespace and one inner space allowed, e.g.
    /// "123 456") at `unix_seconds`, accepting the previous, current and next step (clock drift,
    /// RFC 6238 §5.2). Returns the matched time step so the caller can refuse a replay
    /// (RFC 6238 §5.2: a code may be used only once): a step <= `last_used_step` is refused.
    /// The comparison is constant-time with respect to the code digits.
    pub fn verify(&self, code: &str, unix_seconds: i64, last_used_step: Option<i64>) -> Option<i64> {
        let given = parse_code(code)?;
        let current = time_step(unix_seconds);
        let mut matched = None;
        // Every window step is computed and compared, with no early exit, so the response time
        // does not reveal which step (if any) the digits matched.
        for offset in -1..=1 {
            // Cannot overflow: `time_step` divides by 30, so `current` is far from the i64 limits.
            let step = current + offset;
            let expected = self.code_for_step(step);
            let fresh = last_used_step.is_none_or(|last| step > last);
            if constant_time_eq(expected.as_bytes(), &given) && fresh && step >= 0 {
                // The latest matching step wins: it is the conservative choice for replay checks.
                matched = Some(step);
            }
        }
        matched
    }

    fn code_for_step(&self, step: i64) -> String {
        // RFC 6238 counts steps from T0 = 0; times before the epoch have no step of their own and
        // share step 0 rather than wrapping round to a huge counter.
        let counter = u64::try_from(step).unwrap_or(0);
        format!("{:0DIGITS$}", hotp_truncated(&self.0, counter) % CODE_MODULUS)
    }
}

/// The RFC 6238 time step `T = floor(unix_seconds / 30)`; floor also for times before the epoch.
pub fn time_step(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// HOTP (RFC 4226 §5.3): HMAC-SHA1 of the big-endian counter, dynamically truncated to 31 bits.
/// Reducing this modulo `10^digits` gives the code.
fn hotp_truncated(key: &[u8], counter: u64) -> u32 {
    let mut mac = HmacSha1::new(&hmac_key_block(key));
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&digest[offset..offset + 4]);
    u32::from_be_bytes(bytes) & 0x7fff_ffff
}

/// The key as HMAC uses it (RFC 2104 §2): hashed if longer than a block, then zero-padded to one.
/// Doing this here lets us call the infallible `KeyInit::new`; `new_from_slice` never fails for
/// HMAC but its `Result` would otherwise need a panic path.
fn hmac_key_block(key: &[u8]) -> Key<HmacSha1> {
    let mut block = Key::<HmacSha1>::default();
    if key.len() <= block.len() {
        block[..key.len()].copy_from_slice(key);
    } else {
        let hash = Sha1::digest(key);
        block[..hash.len()].copy_from_slice(&hash);
    }
    block
}

/// Extracts exactly six ASCII digits, allowing surrounding whitespace and one inner space.
fn parse_code(code: &str) -> Option<[u8; DIGITS]> {
    let code = code.trim();
    let mut digits = [0u8; DIGITS];
    let mut count = 0;
    let mut spaces = 0;
    for byte in code.bytes() {
        match byte {
            b'0'..=b'9' if count < DIGITS => {
                digits[count] = byte;
                count += 1;
            }
            b' ' if spaces == 0 => spaces += 1,
            _ => return None,
        }
    }
    (count == DIGITS).then_some(digits)
}

/// Compares without data-dependent branches so timing does not reveal how many digits matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimiser from turning the fold back into an early-exit comparison.
    a.len() == b.len() && std::hint::black_box(diff) == 0
}

/// RFC 4648 §6 base32, upper case, without padding.
fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32_ALPHABET[((buffer >> bits) & 0x1f) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32_ALPHABET[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

/// RFC 4648 §6 base32, accepting lower case, whitespace and trailing `=` padding.
fn base32_decode(text: &str) -> Result<Vec<u8>, TotpError> {
    let symbols: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let end = symbols.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let unpadded = &symbols[..end];
    // A final group of 1, 3 or 6 symbols cannot come from whole bytes (RFC 4648 §6).
    if matches!(unpadded.len() % 8, 1 | 3 | 6) {
        return Err(TotpError::InvalidBase32);
    }
    let mut out = Vec::with_capacity(unpadded.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &symbol in unpadded {
        let value = match symbol.to_ascii_uppercase() {
            upper @ b'A'..=b'Z' => upper - b'A',
            digit @ b'2'..=b'7' => digit - b'2' + 26,
            _ => return Err(TotpError::InvalidBase32),
        };
        buffer = (buffer << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Ok(out)
}

/// Upper-case hexadecimal digits, as RFC 3986 §2.1 recommends for percent-encoding.
const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// Percent-encodes everything except RFC 3986 §2.3 unreserved characters, byte by byte in UTF-8.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The ASCII secret of RFC 4226 Appendix D and RFC 6238 Appendix B.
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        let secret = rfc_secret();
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(secret.code_at(time), eight_digits[2..], "T = {time}");
        }
    }

    #[test]
    fn rfc_4226_appendix_d_hotp_vectors() {
        let hotp = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
        ];
        let secret = rfc_secret();
        for (counter, code) in hotp.into_iter().enumerate() {
            // With T0 = 0 and 30-second steps, TOTP at time 30 * c is HOTP with counter c.
            assert_eq!(secret.code_at(counter as i64 * STEP_SECONDS), code, "counter {counter}");
        }
    }

    #[test]
    fn key_block_matches_hmac_crate_for_all_key_lengths() {
        for len in 0..=150 {
            let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut ours = HmacSha1::new(&hmac_key_block(&key));
            let mut theirs = HmacSha1::new_from_slice(&key).unwrap();
            ours.update(b"message");
            theirs.update(b"message");
            assert_eq!(ours.finalize().into_bytes(), theirs.finalize().into_bytes(), "{len}");
        }
    }

    #[test]
    fn rfc_4648_base32_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded.trim_end_matches('='));
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
            let relaxed = encoded.trim_end_matches('=').to_ascii_lowercase();
            assert_eq!(base32_decode(&relaxed).unwrap(), plain.as_bytes());
        }
        assert_eq!(base32_decode(" mzxw 6ytb oi== ").unwrap(), b"foobar");
    }

    #[test]
    fn invalid_base32_is_refused() {
        for text in ["MZXW6YTB0I", "MZXW1YTB", "MZ=XW6YTB", "M", "MZX", "MZXW6Y", "MZXW6YTBé"] {
            assert_eq!(base32_decode(text), Err(TotpError::InvalidBase32), "{text}");
        }
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(TotpSecret::from_bytes(vec![1; 15]).unwrap_err(), TotpError::TooShort);
        assert!(TotpSecret::from_bytes(vec![1; 16]).is_ok());
        assert_eq!(TotpSecret::from_base32("MZXW6YTBOI").unwrap_err(), TotpError::TooShort);
        assert_eq!(TotpSecret::from_base32("").unwrap_err(), TotpError::TooShort);
        let secret = TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        assert_eq!(secret.0, b"12345678901234567890");
    }

    #[test]
    fn verify_accepts_one_step_of_drift() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let step = time_step(now);
        assert_eq!((time_step(29), time_step(30), time_step(-1)), (0, 1, -1));
        for offset in -1..=1 {
            let code = secret.code_at(now + offset * STEP_SECONDS);
            assert_eq!(secret.verify(&code, now, None), Some(step + offset));
        }
        for offset in [-2, 2] {
            let code = secret.code_at(now + offset * STEP_SECONDS);
            assert_eq!(secret.verify(&code, now, None), None, "offset {offset}");
        }
    }

    #[test]
    fn verify_refuses_replays() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let step = time_step(now);
        let code = secret.code_at(now);
        assert_eq!(secret.verify(&code, now, Some(step - 1)), Some(step));
        assert_eq!(secret.verify(&code, now, Some(step)), None);
        assert_eq!(secret.verify(&code, now, Some(step + 1)), None);
        // A code from the previous step is refused once the current step has been used.
        let previous = secret.code_at(now - STEP_SECONDS);
        assert_eq!(secret.verify(&previous, now, Some(step)), None);
    }

    #[test]
    fn verify_code_format() {
        let secret = rfc_secret();
        let step = time_step(59);
        for code in ["287082", " 287082\n", "287 082", "\t287082 ", "2 87082"] {
            assert_eq!(secret.verify(code, 59, None), Some(step), "{code:?}");
        }
        let wrong = [
            "", "28708", "2870820", "94287082", "28708a", "287 08 2", "287  082", "28708２", "+287082",
        ];
        for code in wrong.into_iter().chain(["287-082", "２８７０８２"]) {
            assert_eq!(secret.verify(code, 59, None), None, "{code:?}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let secret = rfc_secret();
        let debug = format!("{secret:?}");
        assert!(!debug.contains(&secret.to_base32()), "{debug}");
        assert!(!debug.contains("1234567890"), "{debug}");
    }

    #[test]
    fn provisioning_uri_percent_encodes_label_and_issuer() {
        let uri = rfc_secret().provisioning_uri("Kotopolku (koulutus)", "matti.meikäläinen@example.org");
        assert_eq!(
            uri,
            "otpauth://totp/Kotopolku%20%28koulutus%29:matti.meik%C3%A4l%C3%A4inen%40example.org\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Kotopolku%20%28koulutus%29\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let encoded = base32_encode(&bytes);
            prop_assert!(!encoded.contains('='));
            prop_assert_eq!(base32_decode(&encoded), Ok(bytes.clone()));
            prop_assert_eq!(base32_decode(&encoded.to_ascii_lowercase()), Ok(bytes));
        }

        #[test]
        fn own_codes_verify(bytes in proptest::collection::vec(any::<u8>(), 16..40),
                            time in 0i64..4_000_000_000) {
            let secret = TotpSecret::from_bytes(bytes).unwrap();
            let round_tripped = TotpSecret::from_base32(&secret.to_base32()).unwrap();
            let code = secret.code_at(time);
            prop_assert_eq!(code.len(), DIGITS);
            prop_assert_eq!(round_tripped.verify(&code, time, None), Some(time_step(time)));
        }
    }
}
