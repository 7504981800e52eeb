//! The second factor: who must have one, enrolment (`/me/second-factor/*`), the check at login, and the
//! sealing of secrets at rest. The one-time-password arithmetic is [`super::totp`]; the four-eyes reset is
//! `admin::grants`.
//!
//! Invariants:
//! - A role listed in `--second-factor-roles` without a confirmed factor gets a session in which only the
//!   `SignedIn` routes answer (the route table's `second_factor_pending`), and no sync connection.
//! - A secret is stored only sealed, under `<data-dir>/second-factor.key` (0600, made at first start):
//!   a keystream and a tag from HMAC-SHA256 under two keys derived from it, over a random nonce and the
//!   user's id, so a sealed secret copied onto another user's row does not open. A copy of the database
//!   without the key file holds no usable secret.
//! - A secret leaves the server once, in the answer to `setup`, and becomes active only when a code from
//!   it is confirmed; the recovery codes leave it once, in the answer to `confirm`.
//! - At login, a TOTP step is accepted once per user (`storage::second_factor::use_step`), a recovery
//!   code once; a wrong code counts toward the lockout like a wrong password.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use hmac::{Hmac, Mac};
use rusqlite::Connection;
use sha2::Sha256;
use sportello_schema::api::Secret;
use sportello_schema::api::second_factor::{
    SecondFactorConfirmed, SecondFactorSetup, SecondFactorStatus,
};
use sportello_schema::{Role, UserId};

use super::totp;
use crate::access::Actor;
use crate::audit::Action;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::second_factor as stored;
use crate::storage::{Storage, StorageResult};
use sportello_schema::api::ErrorCode;

pub const KEY_FILE: &str = "second-factor.key";
const NONCE_BYTES: usize = 16;
const TAG_BYTES: usize = 32;

/// Where a user with `role`, enrolled or not, stands.
pub fn status(required_roles: &[Role], role: Role, enrolled: bool) -> SecondFactorStatus {
    if enrolled {
        SecondFactorStatus::Enrolled
    } else if required_roles.contains(&role) {
        SecondFactorStatus::Required
    } else {
        SecondFactorStatus::Optional
    }
}

/// The key that seals second-factor secrets at rest. Its `Debug` prints nothing of it.
#[derive(Clone)]
pub struct SealingKey {
    encryption: [u8; 32],
    authentication: [u8; 32],
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey([redacted])")
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl SealingKey {
    /// Two independent keys derived from one 256-bit secret.
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self {
            encryption: hmac(secret, &[b"sportello second factor: encryption"]),
            authentication: hmac(secret, &[b"sportello second factor: authentication"]),
        }
    }

    /// Reads `<data-dir>/second-factor.key`, creating it (256 random bits, mode 0600) on first start.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => {
                crate::storage::restrict_permissions(&path, 0o600)
                    .with_context(|| format!("restricting {}", path.display()))?;
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
                    .with_context(|| format!("creating {}", path.display()))?;
                file.write_all(&key)?;
                file.sync_all()?;
                key
            }
            Err(error) => {
                return Err(error).with_context(|| format!("reading {}", path.display()));
            }
        };
        let secret: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("{} must hold exactly 32 bytes", path.display()))?;
        Ok(Self::from_secret(&secret))
    }

    /// `nonce ‖ secret XOR keystream ‖ tag`, the keystream and tag bound to `user`.
    pub fn seal(&self, user: UserId, secret: &[u8; totp::SECRET_BYTES]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the operating system provides randomness");
        let user = user.to_string();
        let stream = hmac(&self.encryption, &[&nonce, user.as_bytes()]);
        let mut sealed = nonce.to_vec();
        sealed.extend(secret.iter().zip(stream).map(|(byte, key)| byte ^ key));
        let tag = hmac(&self.authentication, &[user.as_bytes(), &sealed]);
        sealed.extend_from_slice(&tag);
        sealed
    }

    /// The secret sealed for `user`, or `None` if the bytes were not sealed by this key for this user.
    pub fn unseal(&self, user: UserId, sealed: &[u8]) -> Option<[u8; totp::SECRET_BYTES]> {
        if sealed.len() != NONCE_BYTES + totp::SECRET_BYTES + TAG_BYTES {
            return None;
        }
        let (body, tag) = sealed.split_at(NONCE_BYTES + totp::SECRET_BYTES);
        let user = user.to_string();
        let expected = hmac(&self.authentication, &[user.as_bytes(), body]);
        let same = expected
            .iter()
            .zip(tag)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        if !same {
            return None;
        }
        let (nonce, cipher) = body.split_at(NONCE_BYTES);
        let stream = hmac(&self.encryption, &[nonce, user.as_bytes()]);
        let mut secret = [0u8; totp::SECRET_BYTES];
        for ((out, byte), key) in secret.iter_mut().zip(cipher).zip(stream) {
            *out = byte ^ key;
        }
        Some(secret)
    }
}

/// What a login's `second_factor` field did, decided inside the login's write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginCheck {
    /// The user has no confirmed factor: the password is enough.
    NotEnrolled,
    /// Enrolled, and no code was sent: ask for it.
    Missing,
    /// A fresh TOTP code.
    Code,
    /// An unused recovery code, now spent.
    RecoveryCode,
    /// Wrong, outside the drift window, already used, or unreadable.
    Wrong,
}

/// Checks `presented` for `user` at `now`, spending the step or recovery code it used.
pub fn check_at_login(
    conn: &Connection,
    key: &SealingKey,
    user: UserId,
    presented: Option<&Secret>,
    now: i64,
) -> StorageResult<LoginCheck> {
    let Some(factor) = stored::find(conn, user)?.filter(|factor| factor.confirmed_at.is_some())
    else {
        return Ok(LoginCheck::NotEnrolled);
    };
    let Some(input) = presented
        .map(|secret| secret.expose().trim())
        .filter(|input| !input.is_empty())
    else {
        return Ok(LoginCheck::Missing);
    };
    if let Some(code) = totp::as_totp_code(input) {
        let Some(secret) = key.unseal(user, &factor.sealed_secret) else {
            tracing::error!(%user, "a second-factor secret does not open with the key file");
            return Ok(LoginCheck::Wrong);
        };
        return Ok(
            match totp::verify(&secret, &code, now, factor.last_used_step) {
                Some(step) if stored::use_step(conn, user, step)? => LoginCheck::Code,
                _ => LoginCheck::Wrong,
            },
        );
    }
    Ok(match totp::normalise_recovery_code(input) {
        Some(code)
            if stored::use_recovery_code(conn, user, &totp::recovery_code_hash(&code), now)? =>
        {
            LoginCheck::RecoveryCode
        }
        _ => LoginCheck::Wrong,
    })
}

fn already_enrolled() -> ApiError {
    ApiError::Conflict(
        ErrorCode::SecondFactorEnrolled,
        "a second factor is already enrolled: ask two admins to reset it first".into(),
    )
}

/// `POST /api/v1/me/second-factor/setup`: a new secret for the caller, pending until confirmed. Asking
/// again replaces a pending secret (a QR code scanned by nobody, a page closed halfway).
pub async fn setup(
    storage: &Storage,
    key: &SealingKey,
    ctx: &RequestContext,
    actor: &Actor,
) -> ApiResult<SecondFactorSetup> {
    if actor.must_change_password {
        return Err(ApiError::PasswordChangeRequired);
    }
    let user = actor.user_id;
    let secret = totp::new_secret();
    let sealed = key.seal(user, &secret);
    storage
        .audited(ctx)
        .run(move |change| {
            if !stored::begin(change.conn(), user, &sealed, change.now())? {
                return Err(already_enrolled());
            }
            change.audit(Action::SecondFactorSetup, user)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    let secret_base32 = totp::base32(&secret);
    Ok(SecondFactorSetup {
        otpauth_uri: Secret::new(totp::otpauth_uri(actor.username.as_str(), &secret_base32)),
        secret_base32: Secret::new(secret_base32),
    })
}

/// `POST /api/v1/me/second-factor/confirm`: the code proves the app holds the pending secret; the factor
/// becomes active and the recovery codes are made (audited `auth.second_factor_enrol`).
pub async fn confirm(
    storage: &Storage,
    key: &SealingKey,
    ctx: &RequestContext,
    actor: &Actor,
    code: Secret,
) -> ApiResult<SecondFactorConfirmed> {
    if actor.must_change_password {
        return Err(ApiError::PasswordChangeRequired);
    }
    let user = actor.user_id;
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| totp::new_recovery_code())
        .collect();
    let hashes: Vec<[u8; 32]> = codes
        .iter()
        .filter_map(|code| totp::normalise_recovery_code(code))
        .map(|code| totp::recovery_code_hash(&code))
        .collect();
    let key = key.clone();
    storage
        .audited(ctx)
        .refusals(Action::SecondFactorEnrol, Some(user.to_string()))
        .run(move |change| {
            let (conn, now) = (change.conn(), change.now());
            let Some(factor) = stored::find(conn, user)? else {
                return Err(ApiError::Conflict(
                    ErrorCode::SecondFactorNotEnrolled,
                    "nothing to confirm: ask for a secret first (setup)".into(),
                ));
            };
            if factor.confirmed_at.is_some() {
                return Err(already_enrolled());
            }
            let secret = key.unseal(user, &factor.sealed_secret).ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("a sealed secret does not open"))
            })?;
            let step = totp::as_totp_code(code.expose())
                .and_then(|code| totp::verify(&secret, &code, now, None))
                .ok_or(ApiError::InvalidSecondFactor)?;
            if !stored::confirm(conn, user, step, &hashes, now)? {
                return Err(already_enrolled());
            }
            change.audit(Action::SecondFactorEnrol, user)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(SecondFactorConfirmed {
        recovery_codes: codes.into_iter().map(Secret::new).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_for_its_user() {
        let key = SealingKey::from_secret(&[7; 32]);
        let (alice, bob) = (UserId::new_random(), UserId::new_random());
        let secret = totp::new_secret();
        let sealed = key.seal(alice, &secret);
        assert_eq!(key.unseal(alice, &sealed), Some(secret));
        assert_ne!(sealed, key.seal(alice, &secret), "a fresh nonce each time");
        assert!(
            !sealed.windows(secret.len()).any(|window| window == secret),
            "not in clear"
        );
        assert_eq!(key.unseal(bob, &sealed), None, "moved to another user");
        assert_eq!(
            SealingKey::from_secret(&[8; 32]).unseal(alice, &sealed),
            None
        );
        let mut tampered = sealed.clone();
        tampered[NONCE_BYTES] ^= 1;
        assert_eq!(key.unseal(alice, &tampered), None);
        assert_eq!(key.unseal(alice, &sealed[1..]), None);
    }

    #[test]
    fn the_status_follows_the_role_list_unless_enrolled() {
        let roles = [Role::Admin, Role::SocialWorker];
        assert_eq!(
            status(&roles, Role::Admin, false),
            SecondFactorStatus::Required
        );
        assert_eq!(
            status(&roles, Role::Operator, false),
            SecondFactorStatus::Optional
        );
        assert_eq!(
            status(&roles, Role::Operator, true),
            SecondFactorStatus::Enrolled
        );
        assert_eq!(
            status(&[], Role::Admin, false),
            SecondFactorStatus::Optional
        );
    }

    #[test]
    fn the_key_file_is_made_once_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = SealingKey::load_or_create(dir.path()).unwrap();
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let user = UserId::new_random();
        let sealed = key.seal(user, &[1; 20]);
        let again = SealingKey::load_or_create(dir.path()).unwrap();
        assert_eq!(again.unseal(user, &sealed), Some([1; 20]));
    }
}
