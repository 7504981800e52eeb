//! Access tokens (JWT) and refresh tokens (opaque).
//!
//! Access tokens: HS256 only (pinned: a token naming any other algorithm, `none` included, is refused),
//! signed with a 256-bit random key kept in `<data-dir>/jwt-hs256.key` (mode 0600). Claims: `iss`, `aud`,
//! `sub` (user id), `exp`, `nbf`, `iat`, `jti`, `typ = "access"`, `sid` (session id), `role`. Expiry and
//! not-before are checked against the server's [`Clock`] with a small leeway, so tests can step time.
//! A valid signature is not enough: every request also checks the session is live (see
//! `crate::access::authenticate`). One [`TokenKeys::verify`] tells the two kinds apart by `typ`.
//!
//! Refresh tokens: `sprt_` + 256 random bits (base64url). Only their SHA-256 is stored.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sportello_schema::queue::DeviceKind;
use sportello_schema::{DeviceId, DeviceSessionId, Role, SessionId, UserId};

pub const KEY_FILE: &str = "jwt-hs256.key";
pub const ISSUER: &str = "sportello";
pub const AUDIENCE: &str = "sportello-api";
pub const ACCESS_TYPE: &str = "access";
pub const DEVICE_TYPE: &str = "device";
const REFRESH_PREFIX: &str = "sprt_";
const DEVICE_CREDENTIAL_PREFIX: &str = "spdc_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    pub typ: String,
    pub sid: String,
    pub role: Role,
}

/// The claims of a device's access token (totem, display). A different `typ` and shape from a user's, so
/// neither kind of token can ever pass for the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    pub typ: String,
    pub sid: String,
    pub kind: DeviceKind,
}

/// Why a token was refused. Only `Expired` is told to the client (so it knows to refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

/// The claims of a verified access token, by the kind its `typ` claim names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifiedClaims {
    User(AccessClaims),
    Device(DeviceClaims),
}

/// Why [`TokenKeys::verify`] refused a token, and whether it was a (well-formed, signed) device token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRefusal {
    pub error: TokenError,
    pub device: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not read or create the token key {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the token key file {0} must hold exactly 32 bytes")]
    BadLength(String),
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    leeway_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys([redacted])")
    }
}

impl TokenKeys {
    /// Loads the signing key from the data dir, creating it on first start.
    pub fn load_or_create(data_dir: &Path, leeway_secs: u64) -> Result<Self, KeyError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        let key = match fs::read(&path) {
            Ok(bytes) => {
                crate::storage::restrict_permissions(&path, 0o600).map_err(|error| {
                    KeyError::Io {
                        path: path.display().to_string(),
                        source: std::io::Error::other(error.to_string()),
                    }
                })?;
                bytes
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut key = vec![0u8; 32];
                getrandom::fill(&mut key).expect("the operating system provides randomness");
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(io)?;
                file.write_all(&key).map_err(io)?;
                file.sync_all().map_err(io)?;
                key
            }
            Err(error) => return Err(io(error)),
        };
        if key.len() != 32 {
            return Err(KeyError::BadLength(path.display().to_string()));
        }
        Ok(Self::from_secret(&key, leeway_secs))
    }

    pub fn from_secret(key: &[u8], leeway_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        // Time claims are checked against the server's clock in `verify_access`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            leeway_secs: leeway_secs.min(30) as i64,
        }
    }

    /// Signs an access token; returns it with its expiry (Unix seconds).
    pub fn issue_access(
        &self,
        user: UserId,
        session: SessionId,
        role: Role,
        now: i64,
        expires_at: i64,
    ) -> String {
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user.to_string(),
            exp: expires_at,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: ACCESS_TYPE.into(),
            sid: session.to_string(),
            role,
        };
        self.sign(&claims)
    }

    fn sign(&self, claims: &impl Serialize) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// Checks signature, algorithm, issuer, audience, type and times. Does not check the session.
    pub fn verify_access(&self, token: &str, now: i64) -> Result<AccessClaims, TokenError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if claims.typ != ACCESS_TYPE {
            return Err(TokenError::Invalid);
        }
        self.check_times(claims.nbf, claims.iat, claims.exp, now)?;
        Ok(claims)
    }

    /// Signs a device's access token, valid until its device session ends.
    pub fn issue_device(
        &self,
        device: DeviceId,
        session: DeviceSessionId,
        kind: DeviceKind,
        now: i64,
        expires_at: i64,
    ) -> String {
        let claims = DeviceClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: device.to_string(),
            exp: expires_at,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            typ: DEVICE_TYPE.into(),
            sid: session.to_string(),
            kind,
        };
        self.sign(&claims)
    }

    /// As [`Self::verify_access`], for device tokens. Does not check the device session.
    pub fn verify_device(&self, token: &str, now: i64) -> Result<DeviceClaims, TokenError> {
        let data = jsonwebtoken::decode::<DeviceClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if claims.typ != DEVICE_TYPE {
            return Err(TokenError::Invalid);
        }
        self.check_times(claims.nbf, claims.iat, claims.exp, now)?;
        Ok(claims)
    }

    /// Checks any access token, a user's or a device's, and tells which by its `typ` claim: one signature
    /// check, then the claims of that kind (as [`Self::verify_access`] or [`Self::verify_device`]). An
    /// expired token says whose it was, so a route for users only can treat a device's as no token at all.
    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedClaims, TokenRefusal> {
        let invalid = TokenRefusal {
            error: TokenError::Invalid,
            device: false,
        };
        let data =
            jsonwebtoken::decode::<serde_json::Value>(token, &self.decoding, &self.validation)
                .map_err(|_| invalid)?;
        let claims = match data.claims.get("typ").and_then(|typ| typ.as_str()) {
            Some(ACCESS_TYPE) => serde_json::from_value(data.claims).map(VerifiedClaims::User),
            Some(DEVICE_TYPE) => serde_json::from_value(data.claims).map(VerifiedClaims::Device),
            _ => return Err(invalid),
        }
        .map_err(|_| invalid)?;
        let (nbf, iat, exp, device) = match &claims {
            VerifiedClaims::User(user) => (user.nbf, user.iat, user.exp, false),
            VerifiedClaims::Device(device) => (device.nbf, device.iat, device.exp, true),
        };
        self.check_times(nbf, iat, exp, now)
            .map_err(|error| TokenRefusal { error, device })?;
        Ok(claims)
    }

    fn check_times(&self, nbf: i64, iat: i64, exp: i64, now: i64) -> Result<(), TokenError> {
        if nbf > now + self.leeway_secs || iat > now + self.leeway_secs {
            return Err(TokenError::Invalid);
        }
        // Saturating: a token signed with `exp` near the end of time must not overflow (found by fuzzing).
        if exp.saturating_add(self.leeway_secs) <= now {
            return Err(TokenError::Expired);
        }
        Ok(())
    }
}

/// A new refresh token and the hash to store.
pub fn new_refresh_token() -> (String, [u8; 32]) {
    let token = random_secret(REFRESH_PREFIX);
    let hash = refresh_token_hash(&token);
    (token, hash)
}

/// A new device credential (`spdc_` + 256 random bits) and the hash to store; shown to the admin once.
pub fn new_device_credential() -> (String, [u8; 32]) {
    let credential = random_secret(DEVICE_CREDENTIAL_PREFIX);
    let hash = refresh_token_hash(&credential);
    (credential, hash)
}

pub fn looks_like_device_credential(credential: &str) -> bool {
    credential.len() == DEVICE_CREDENTIAL_PREFIX.len() + 43
        && credential.starts_with(DEVICE_CREDENTIAL_PREFIX)
}

fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn refresh_token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A cheap shape check before touching the database: wrong-shaped tokens cannot be ours.
pub fn looks_like_refresh_token(token: &str) -> bool {
    token.len() == REFRESH_PREFIX.len() + 43 && token.starts_with(REFRESH_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::from_secret(&[7u8; 32], 10)
    }

    #[test]
    fn an_issued_token_verifies_until_it_expires() {
        let keys = keys();
        let (user, session) = (UserId::new_random(), SessionId::new_random());
        let token = keys.issue_access(user, session, Role::Operator, 1_000, 1_900);
        let claims = keys.verify_access(&token, 1_500).unwrap();
        assert_eq!(claims.sub, user.to_string());
        assert_eq!(claims.sid, session.to_string());
        assert_eq!(claims.role, Role::Operator);
        assert_eq!(
            keys.verify_access(&token, 1_905),
            Ok(claims.clone()),
            "within leeway"
        );
        assert_eq!(keys.verify_access(&token, 1_910), Err(TokenError::Expired));
        assert_eq!(
            keys.verify_access(&token, 900),
            Err(TokenError::Invalid),
            "not yet valid"
        );
    }

    #[test]
    fn a_token_expiring_at_the_end_of_time_does_not_overflow_the_expiry_check() {
        // Found by fuzzing: `exp + leeway` overflowed (a panic in debug, "expired" in release).
        let keys = keys();
        let token = keys.issue_access(
            UserId::new_random(),
            SessionId::new_random(),
            Role::Operator,
            1_000,
            i64::MAX - 1,
        );
        assert!(keys.verify_access(&token, 1_500).is_ok());
    }

    #[test]
    fn a_token_signed_with_another_key_is_invalid() {
        let other = TokenKeys::from_secret(&[8u8; 32], 10);
        let token = other.issue_access(
            UserId::new_random(),
            SessionId::new_random(),
            Role::Admin,
            0,
            100,
        );
        assert_eq!(keys().verify_access(&token, 50), Err(TokenError::Invalid));
    }

    #[test]
    fn device_and_user_tokens_never_pass_for_each_other() {
        let keys = keys();
        let device = keys.issue_device(
            DeviceId::new_random(),
            DeviceSessionId::new_random(),
            DeviceKind::Totem,
            1_000,
            9_000,
        );
        let user = keys.issue_access(
            UserId::new_random(),
            SessionId::new_random(),
            Role::Admin,
            1_000,
            9_000,
        );
        assert_eq!(
            keys.verify_device(&device, 2_000).unwrap().kind,
            DeviceKind::Totem
        );
        assert_eq!(keys.verify_access(&device, 2_000), Err(TokenError::Invalid));
        assert_eq!(keys.verify_device(&user, 2_000), Err(TokenError::Invalid));
        assert_eq!(keys.verify_device(&device, 9_500), Err(TokenError::Expired));
    }

    #[test]
    fn one_verification_tells_a_device_token_from_a_user_token_by_its_type() {
        let keys = keys();
        let user = UserId::new_random();
        let device = DeviceId::new_random();
        let user_token =
            keys.issue_access(user, SessionId::new_random(), Role::Operator, 1_000, 9_000);
        let device_token = keys.issue_device(
            device,
            DeviceSessionId::new_random(),
            DeviceKind::Display,
            1_000,
            9_000,
        );
        match keys.verify(&user_token, 2_000) {
            Ok(VerifiedClaims::User(claims)) => assert_eq!(claims.sub, user.to_string()),
            other => panic!("a user token: {other:?}"),
        }
        match keys.verify(&device_token, 2_000) {
            Ok(VerifiedClaims::Device(claims)) => {
                assert_eq!(claims.sub, device.to_string());
                assert_eq!(claims.kind, DeviceKind::Display);
            }
            other => panic!("a device token: {other:?}"),
        }
        let refusal = |error, device| Err(TokenRefusal { error, device });
        assert_eq!(
            keys.verify(&user_token, 9_500),
            refusal(TokenError::Expired, false)
        );
        assert_eq!(
            keys.verify(&device_token, 9_500),
            refusal(TokenError::Expired, true)
        );
        let other = TokenKeys::from_secret(&[8u8; 32], 10);
        assert_eq!(
            other.verify(&device_token, 2_000),
            refusal(TokenError::Invalid, false),
            "an unverified token says nothing about its kind"
        );
        // A token of another type (a future kind, or a forged one) is neither.
        let forged = keys.sign(&serde_json::json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": user.to_string(), "exp": 9_000, "nbf": 1_000,
            "iat": 1_000, "jti": "x", "typ": "refresh", "sid": SessionId::new_random().to_string(),
            "role": "admin",
        }));
        assert_eq!(
            keys.verify(&forged, 2_000),
            refusal(TokenError::Invalid, false)
        );
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert!(looks_like_refresh_token(&a));
        assert_eq!(refresh_token_hash(&a), hash_a);
        assert!(!looks_like_refresh_token("sprt_short"));
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = TokenKeys::load_or_create(dir.path(), 10).unwrap();
        let token = first.issue_access(
            UserId::new_random(),
            SessionId::new_random(),
            Role::Admin,
            0,
            100,
        );
        let second = TokenKeys::load_or_create(dir.path(), 10).unwrap();
        assert!(second.verify_access(&token, 50).is_ok());
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }
}
