//! Password hashing (argon2id) and the password policy.
//!
//! - Parameters are at least OWASP's minimum (m = 19 MiB, t = 2, p = 1); the PHC string stores them, so a
//!   hash made with weaker parameters is recognised and upgraded at the next successful login.
//! - At most `max_concurrent` hashes run at once (each takes `m` of memory and a core for tens of
//!   milliseconds): a login flood queues here instead of exhausting memory, and waits at most
//!   `queue_timeout` before being told the server is busy.
//! - Unknown usernames are verified against a dummy hash made at start-up, so they cost the same time.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sportello_schema::api::Secret;
use tokio::sync::Semaphore;

/// OWASP Password Storage Cheat Sheet, argon2id minimum configuration.
pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
pub const MIN_ITERATIONS: u32 = 2;
pub const MIN_PARALLELISM: u32 = 1;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: MIN_MEMORY_KIB,
            iterations: MIN_ITERATIONS,
            parallelism: MIN_PARALLELISM,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error(
        "argon2 parameters below the OWASP minimum (m >= {MIN_MEMORY_KIB} KiB, t >= {MIN_ITERATIONS}, p >= {MIN_PARALLELISM})"
    )]
    BelowMinimum,
    #[error("invalid argon2 parameters: {0}")]
    InvalidParams(String),
    #[error("too many password checks in progress")]
    Busy,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// The result of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Correct; `needs_rehash` when the stored hash is weaker than the current parameters.
    Match {
        needs_rehash: bool,
    },
    Mismatch,
}

#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: HashParams,
    argon2_params: Params,
    permits: Arc<Semaphore>,
    queue_timeout: Duration,
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(
        params: HashParams,
        max_concurrent: usize,
        queue_timeout: Duration,
    ) -> Result<Self, HashError> {
        if params.memory_kib < MIN_MEMORY_KIB
            || params.iterations < MIN_ITERATIONS
            || params.parallelism < MIN_PARALLELISM
        {
            return Err(HashError::BelowMinimum);
        }
        let argon2_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|error| HashError::InvalidParams(error.to_string()))?;
        let mut hasher = Self {
            params,
            argon2_params,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            queue_timeout,
            dummy_hash: Arc::from(""),
        };
        let dummy = generate_one_time_password();
        hasher.dummy_hash = Arc::from(hasher.hash_blocking(dummy.expose())?);
        Ok(hasher)
    }

    pub fn params(&self) -> HashParams {
        self.params
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            self.argon2_params.clone(),
        )
    }

    fn hash_blocking(&self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| HashError::Hashing(error.to_string()))
    }

    fn verify_blocking(&self, password: &str, stored: Option<&str>) -> Verified {
        let (stored, known) = match stored {
            Some(stored) => (stored, true),
            None => (&*self.dummy_hash, false),
        };
        let Ok(parsed) = PasswordHash::new(stored) else {
            // A corrupt stored hash: burn the same time as a real check, then refuse.
            let _ = self
                .argon2()
                .verify_password(password.as_bytes(), &dummy_parsed(&self.dummy_hash));
            return Verified::Mismatch;
        };
        let matches = self
            .argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        if matches && known {
            Verified::Match {
                needs_rehash: self.is_weaker_than_current(&parsed),
            }
        } else {
            Verified::Mismatch
        }
    }

    fn is_weaker_than_current(&self, hash: &PasswordHash<'_>) -> bool {
        if hash.algorithm != Algorithm::Argon2id.ident() {
            return true;
        }
        match Params::try_from(hash) {
            Ok(params) => {
                params.m_cost() < self.params.memory_kib
                    || params.t_cost() < self.params.iterations
                    || params.p_cost() < self.params.parallelism
            }
            Err(_) => true,
        }
    }

    async fn with_permit<R: Send + 'static>(
        &self,
        work: impl FnOnce(&Self) -> R + Send + 'static,
    ) -> Result<R, HashError> {
        let permit = tokio::time::timeout(
            self.queue_timeout,
            Arc::clone(&self.permits).acquire_owned(),
        )
        .await
        .map_err(|_| HashError::Busy)?
        .map_err(|_| HashError::Busy)?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&this)
        })
        .await
        .map_err(|error| HashError::Hashing(error.to_string()))
    }

    /// Hashes a new password with the current parameters.
    pub async fn hash(&self, password: Secret) -> Result<String, HashError> {
        self.with_permit(move |this| this.hash_blocking(password.expose()))
            .await?
    }

    /// Checks `password` against `stored`; with `None` (unknown user) it checks against the dummy hash, so
    /// the caller's timing does not reveal whether the account exists.
    pub async fn verify(
        &self,
        password: Secret,
        stored: Option<String>,
    ) -> Result<Verified, HashError> {
        self.with_permit(move |this| this.verify_blocking(password.expose(), stored.as_deref()))
            .await
    }
}

fn dummy_parsed(dummy: &str) -> PasswordHash<'_> {
    PasswordHash::new(dummy).expect("the dummy hash was produced by this module")
}

/// Checks a new password against the policy: 12 to 128 characters, not easy to guess (zxcvbn score at
/// least 3 of 4, with the user's own names counted as known words). The error is a message for the user.
pub fn check_policy(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters long"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "the password must be at most {MAX_PASSWORD_CHARS} characters long"
        ));
    }
    let lowered = password.to_lowercase();
    if user_inputs
        .iter()
        .any(|input| input.len() >= 3 && lowered.contains(&input.to_lowercase()))
    {
        return Err("the password must not contain the username or the display name".into());
    }
    let mut known_words: Vec<&str> = user_inputs.to_vec();
    known_words.extend(["sportello", "accoglienza", "comune", "password"]);
    let estimate = zxcvbn::zxcvbn(password, &known_words);
    if (estimate.score() as u8) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|feedback| feedback.warning())
            .map(|warning| format!(" ({warning})"))
            .unwrap_or_default();
        return Err(format!(
            "the password is too easy to guess{hint}: use a longer phrase of unrelated words"
        ));
    }
    Ok(())
}

/// A random password for first start and admin resets: 24 characters from an alphabet without look-alikes
/// (about 120 bits), grouped in fours for reading aloud.
pub fn generate_one_time_password() -> Secret {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let mut password = String::with_capacity(29);
    for (index, byte) in bytes.iter().enumerate() {
        if index > 0 && index % 4 == 0 {
            password.push('-');
        }
        // 256 % 54 != 0 leaves a slight bias, negligible at 24 characters.
        password.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
    }
    Secret::new(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(HashParams::default(), 2, Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn parameters_below_the_owasp_minimum_are_refused() {
        let weak = HashParams {
            memory_kib: 4096,
            ..HashParams::default()
        };
        assert!(matches!(
            PasswordHasher::new(weak, 1, Duration::from_secs(1)),
            Err(HashError::BelowMinimum)
        ));
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hasher = hasher();
        let hash = hasher
            .hash(Secret::new("pane-burro-marmellata-42"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            hasher
                .verify(Secret::new("pane-burro-marmellata-42"), Some(hash.clone()))
                .await
                .unwrap(),
            Verified::Match {
                needs_rehash: false
            }
        );
        assert_eq!(
            hasher
                .verify(Secret::new("pane-burro-marmellata-43"), Some(hash))
                .await
                .unwrap(),
            Verified::Mismatch
        );
    }

    #[tokio::test]
    async fn unknown_users_and_corrupt_hashes_never_match() {
        let hasher = hasher();
        assert_eq!(
            hasher.verify(Secret::new("anything"), None).await.unwrap(),
            Verified::Mismatch
        );
        assert_eq!(
            hasher
                .verify(Secret::new("anything"), Some("not a phc string".into()))
                .await
                .unwrap(),
            Verified::Mismatch
        );
    }

    #[tokio::test]
    async fn hashes_weaker_than_the_current_parameters_ask_for_a_rehash() {
        let old = hasher();
        let hash = old
            .hash(Secret::new("pane-burro-marmellata-42"))
            .await
            .unwrap();
        let stronger = PasswordHasher::new(
            HashParams {
                iterations: 3,
                ..HashParams::default()
            },
            1,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(
            stronger
                .verify(Secret::new("pane-burro-marmellata-42"), Some(hash))
                .await
                .unwrap(),
            Verified::Match { needs_rehash: true }
        );
    }

    #[test]
    fn policy_refuses_short_long_guessable_and_personal_passwords() {
        assert!(
            check_policy("short", &[])
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(
            check_policy(&"x".repeat(129), &[])
                .unwrap_err()
                .contains("at most 128")
        );
        assert!(
            check_policy("password1234", &[])
                .unwrap_err()
                .contains("too easy")
        );
        assert!(check_policy("aaaaaaaaaaaaaaaa", &[]).is_err());
        assert!(
            check_policy("mario.rossi-tavolo-verde", &["mario.rossi"])
                .unwrap_err()
                .contains("username")
        );
        assert!(check_policy("cavallo-batteria-graffetta-7", &["mario.rossi"]).is_ok());
    }

    #[test]
    fn one_time_passwords_are_random_and_pass_the_policy() {
        let a = generate_one_time_password();
        let b = generate_one_time_password();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 29);
        check_policy(a.expose(), &["admin"]).unwrap();
    }
}
