//! JWT parsing and verification as the server does it: `TokenKeys::verify_access` and `verify_device` from
//! `server/src/auth/tokens.rs`, on every `Authorization: Bearer` header and every `/sync` upgrade.
//!
//! That file is compiled into this target from its source (`#[path]`), with the few crates it uses, rather
//! than depending on the server crate: the server brings actix-web, tokio, SQLite (C), prometheus, utoipa
//! and zxcvbn, which would multiply the instrumented build time of every fuzz run in CI for nothing the
//! token code touches. The one item it takes from elsewhere in the server, `storage::restrict_permissions`
//! (used only when the key file is loaded, which this target never does), is stubbed below.
//!
//! An input is one of two things:
//! - `T` then any text: a token as a client sends it, checked against the server's key;
//! - anything else: a header and claims (JSON, split at the first newline) that this target signs with the
//!   server's key, so the fuzzer reaches the claim checks behind the signature, as a key holder could.
//!
//! Checks: no panic; a token is accepted only with `alg` HS256, the right issuer, audience and type, and
//! times that hold at the server's clock (within the leeway).

#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../server/src/auth/tokens.rs"]
mod tokens;

/// The one server item `tokens.rs` uses from outside itself; only `load_or_create` calls it.
mod storage {
    pub(crate) fn restrict_permissions(
        _path: &std::path::Path,
        _mode: u32,
    ) -> Result<(), std::io::Error> {
        unreachable!("the fuzz target never loads a key file")
    }
}

use tokens::{ACCESS_TYPE, AUDIENCE, DEVICE_TYPE, ISSUER, TokenKeys};

const SECRET: [u8; 32] = [7; 32];
/// The server's default leeway (`token_leeway`, 10 s).
const LEEWAY: i64 = 10;
/// 2026-01-01T00:00:00Z, the server's clock for every input.
const NOW: i64 = 1_767_225_600;

fuzz_target!(|input: &[u8]| {
    let keys = TokenKeys::from_secret(&SECRET, LEEWAY as u64);
    let token = match input.split_first() {
        Some((b'T', rest)) => String::from_utf8_lossy(rest).into_owned(),
        _ => {
            let split = input
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(input.len());
            let (header, claims) = (&input[..split], input.get(split + 1..).unwrap_or_default());
            sign(header, claims)
        }
    };

    if let Ok(claims) = keys.verify_access(&token, NOW) {
        assert_signed_with_hs256(&token);
        assert_eq!(claims.typ, ACCESS_TYPE);
        assert_valid(&claims.iss, &claims.aud, claims.nbf, claims.iat, claims.exp);
    }
    if let Ok(claims) = keys.verify_device(&token, NOW) {
        assert_signed_with_hs256(&token);
        assert_eq!(claims.typ, DEVICE_TYPE);
        assert_valid(&claims.iss, &claims.aud, claims.nbf, claims.iat, claims.exp);
    }
});

/// A token over exactly these header and claims bytes, signed with the server's key.
fn sign(header: &[u8], claims: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(&SECRET),
        Algorithm::HS256,
    )
    .expect("HS256 signs any message");
    format!("{message}.{signature}")
}

fn assert_signed_with_hs256(token: &str) {
    let header = token.split('.').next().unwrap_or_default();
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
        .expect("an accepted token has a JSON header");
    assert_eq!(header["alg"], "HS256", "accepted with another algorithm");
}

fn assert_valid(iss: &str, aud: &str, nbf: i64, iat: i64, exp: i64) {
    assert_eq!(iss, ISSUER);
    assert_eq!(aud, AUDIENCE);
    assert!(nbf <= NOW + LEEWAY, "accepted before its not-before");
    assert!(iat <= NOW + LEEWAY, "accepted before it was issued");
    assert!(
        i128::from(exp) + i128::from(LEEWAY) > i128::from(NOW),
        "accepted after it expired"
    );
}
