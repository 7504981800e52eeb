//! One-time passwords, as pure functions: HOTP (RFC 4226) and TOTP (RFC 6238) over HMAC-SHA1, the
//! `otpauth://` URI authenticator apps read from a QR code, and the recovery codes that stand in for a
//! lost phone. No storage and no clock here: the caller passes the time and the last step already used.
//!
//! Invariants:
//! - A code is accepted for the current 30-second step or one step either side (clock drift), never for a
//!   step at or before the last one this user already logged in with: a code seen over a shoulder or
//!   replayed from a proxy log is worth nothing once used.
//! - Codes are compared in constant time.
//! - A recovery code is stored only as its SHA-256: it is 125 random bits, so no salt or slow hash is
//!   needed against guessing it from the hash.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Seconds per TOTP step (RFC 6238's default, and what every authenticator app assumes).
pub const PERIOD_SECS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one.
pub const DRIFT_STEPS: i64 = 1;
/// Bytes of a shared secret: 160 bits, the length RFC 4226 recommends for HMAC-SHA1.
pub const SECRET_BYTES: usize = 20;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (base32, 5 bits each: 125 bits), shown in groups of five.
const RECOVERY_CODE_CHARS: usize = 25;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// HOTP (RFC 4226 §5.3): the `digits`-digit code of `counter` under `secret`.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    // Dynamic truncation: the low nibble of the last byte picks four bytes.
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The TOTP step of a Unix time (RFC 6238 §4.2, T0 = 0).
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(PERIOD_SECS)
}

/// The code of `step`, as the six digits an app shows.
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    format!(
        "{:0width$}",
        hotp(secret, step.max(0) as u64, DIGITS),
        width = DIGITS as usize
    )
}

/// Whether `input` looks like a TOTP code (six digits, spaces allowed) rather than a recovery code.
pub fn as_totp_code(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// The step `code` is valid for at `now`, if it is valid for one within the drift window that is later
/// than `last_used_step`. Every candidate is computed and compared, so the time taken says nothing.
pub fn verify(secret: &[u8], code: &str, now: i64, last_used_step: Option<i64>) -> Option<i64> {
    let current = step_at(now);
    let mut found = None;
    for step in current - DRIFT_STEPS..=current + DRIFT_STEPS {
        let expected = code_for_step(secret, step);
        let matches = constant_time_eq(expected.as_bytes(), code.as_bytes());
        let fresh = last_used_step.is_none_or(|last| step > last);
        if matches && fresh && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// RFC 4648 base32, upper case, without padding: how authenticator apps take a secret.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 0x1f) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

/// The `otpauth://` URI of a secret for `username`, issuer Sportello. The username is a
/// [`sportello_schema::Username`] (lower-case letters, digits, `.`, `_`, `-`), so it needs no escaping.
pub fn otpauth_uri(username: &str, secret_base32: &str) -> String {
    format!(
        "otpauth://totp/Sportello:{username}?secret={secret_base32}&issuer=Sportello&algorithm=SHA1\
         &digits={DIGITS}&period={PERIOD_SECS}"
    )
}

/// A new random secret.
pub fn new_secret() -> [u8; SECRET_BYTES] {
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).expect("the operating system provides randomness");
    secret
}

/// A new recovery code: 25 base32 characters in lower case, in five groups (`k7q2m-xv4pa-…`).
pub fn new_recovery_code() -> String {
    let mut bytes = [0u8; RECOVERY_CODE_CHARS];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let chars: Vec<char> = bytes
        .iter()
        .map(|byte| char::from(BASE32[usize::from(byte & 0x1f)].to_ascii_lowercase()))
        .collect();
    chars
        .chunks(5)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as typed, reduced to what it is made of: base32 characters in lower case, without
/// spaces or dashes. `None` when it cannot be a recovery code at all.
pub fn normalise_recovery_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == RECOVERY_CODE_CHARS
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)))
    .then_some(code)
}

/// What is stored of a recovery code (its normalised form, hashed).
pub fn recovery_code_hash(normalised: &str) -> [u8; 32] {
    Sha256::digest(normalised.as_bytes()).into()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4226 appendix D's secret (and RFC 6238 appendix B's for SHA-1).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6), code, "count {counter}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_for_sha1() {
        let rows = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        for (time, code) in rows {
            assert_eq!(
                hotp(RFC_SECRET, step_at(time) as u64, 8),
                code,
                "time {time}"
            );
        }
        // The six-digit code is the last six digits of the eight-digit one.
        assert_eq!(code_for_step(RFC_SECRET, step_at(59)), "287082");
        assert_eq!(code_for_step(RFC_SECRET, step_at(1111111109)), "081804");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_not_further() {
        let now = 1_700_000_000;
        let step = step_at(now);
        for offset in -1..=1 {
            let code = code_for_step(RFC_SECRET, step + offset);
            assert_eq!(
                verify(RFC_SECRET, &code, now, None),
                Some(step + offset),
                "{offset}"
            );
        }
        for offset in [-3, -2, 2, 3] {
            let code = code_for_step(RFC_SECRET, step + offset);
            assert_eq!(verify(RFC_SECRET, &code, now, None), None, "{offset}");
        }
        assert_eq!(verify(RFC_SECRET, "000000", now, None).is_some(), {
            (-1..=1).any(|offset| code_for_step(RFC_SECRET, step + offset) == "000000")
        });
    }

    #[test]
    fn a_step_already_used_is_refused_and_a_later_one_accepted() {
        let now = 1_700_000_000;
        let step = step_at(now);
        let code = code_for_step(RFC_SECRET, step);
        assert_eq!(verify(RFC_SECRET, &code, now, Some(step)), None, "replay");
        assert_eq!(
            verify(
                RFC_SECRET,
                &code_for_step(RFC_SECRET, step - 1),
                now,
                Some(step)
            ),
            None,
            "an earlier step after a later one"
        );
        let next = code_for_step(RFC_SECRET, step + 1);
        assert_eq!(
            verify(RFC_SECRET, &next, now + PERIOD_SECS, Some(step)),
            Some(step + 1)
        );
    }

    #[test]
    fn base32_follows_rfc_4648_without_padding() {
        // RFC 4648 §10, padding removed.
        for (input, expected) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), expected, "{input:?}");
        }
        assert_eq!(base32(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32(&new_secret()).len(), 32);
    }

    #[test]
    fn the_uri_carries_what_authenticator_apps_read() {
        assert_eq!(
            otpauth_uri("m.rossi", "GEZDGNBV"),
            "otpauth://totp/Sportello:m.rossi?secret=GEZDGNBV&issuer=Sportello&algorithm=SHA1&digits=6\
             &period=30"
        );
    }

    #[test]
    fn recovery_codes_are_random_and_read_back_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 25 + 4);
        assert_eq!(code.split('-').count(), 5);
        assert_ne!(code, new_recovery_code());
        let normalised = normalise_recovery_code(&code).unwrap();
        assert_eq!(
            normalise_recovery_code(&format!("  {} ", code.to_uppercase().replace('-', " "))),
            Some(normalised.clone())
        );
        assert_eq!(normalise_recovery_code("123456"), None);
        assert_eq!(normalise_recovery_code(&"1".repeat(25)), None, "not base32");
        assert_ne!(recovery_code_hash(&normalised), [0; 32]);
        assert_eq!(as_totp_code("123 456").as_deref(), Some("123456"));
        assert_eq!(as_totp_code("12345a"), None);
        assert_eq!(as_totp_code(&code), None);
    }
}
