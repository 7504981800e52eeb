//! Password hashing (argon2id) and the password policy.
//!
//! - Parameters are at least OWASP's minimum (m = 19 MiB, t = 2, p = 1); the PHC string stores them, so a
//!   hash made with weaker parameters is recognised and upgraded at the next successful login.
//! - Hashes run on `max_concurrent` dedicated threads (each takes `m` of memory and a core for tens of
//!   milliseconds): a login flood queues here instead of exhausting memory, and waits at most
//!   `queue_timeout` before being told the server is busy. Dedicated threads, not tokio's blocking pool:
//!   the allocator keeps a freed 19 MiB block in the arena of the thread that used it, so spreading hashes
//!   over the blocking pool's many threads would leave hundreds of MiB resident after a burst of logins.
//!   Each thread also keeps one argon2 work area and reuses it (glibc would otherwise keep every freed
//!   19 MiB area around: measured 226 MiB resident after 60 logins, 12 MiB with reuse).
//! - Unknown usernames are verified against a dummy hash made at start-up, so they cost the same time.

use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use std::cell::RefCell;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    Output, ParamsString, PasswordHash, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use sportello_schema::api::Secret;
use tokio::sync::{Semaphore, oneshot};

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
    workers: HashWorkers,
}

type HashJob = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that run the hashing jobs; they end when the last hasher clone is dropped.
#[derive(Debug, Clone)]
struct HashWorkers {
    jobs: mpsc::Sender<HashJob>,
}

impl HashWorkers {
    fn start(count: usize) -> Result<Self, HashError> {
        let (jobs, queue) = mpsc::channel::<HashJob>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..count {
            let queue = Arc::clone(&queue);
            thread::Builder::new()
                .name(format!("sportello-argon2-{index}"))
                .spawn(move || {
                    loop {
                        let next = queue
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .recv();
                        match next {
                            // A panicking job loses only its own answer, never the thread.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => break,
                        }
                    }
                })
                .map_err(|error| HashError::Hashing(error.to_string()))?;
        }
        Ok(Self { jobs })
    }
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
            workers: HashWorkers::start(max_concurrent.max(1))?,
        };
        // On a short-lived thread, so the caller's thread does not keep an argon2 work area.
        let dummy = generate_one_time_password();
        let dummy_hash = thread::scope(|scope| {
            scope
                .spawn(|| hasher.hash_blocking(dummy.expose()))
                .join()
                .map_err(|_| HashError::Hashing("the dummy hash panicked".into()))?
        })?;
        hasher.dummy_hash = Arc::from(dummy_hash);
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
        let failed = |error: argon2::password_hash::Error| HashError::Hashing(error.to_string());
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_buffer = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buffer).map_err(failed)?;
        let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let argon2 = self.argon2();
        with_work_area(self.argon2_params.block_count(), |blocks| {
            argon2.hash_password_into_with_memory(
                password.as_bytes(),
                salt_bytes,
                &mut output,
                blocks,
            )
        })
        .map_err(|error| HashError::Hashing(error.to_string()))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.argon2_params)
                .map_err(|error| HashError::Hashing(error.to_string()))?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&output).map_err(failed)?),
        };
        Ok(phc.to_string())
    }

    fn verify_blocking(&self, password: &str, stored: Option<&str>) -> Verified {
        let (stored, known) = match stored {
            Some(stored) => (stored, true),
            None => (&*self.dummy_hash, false),
        };
        let parsed = PasswordHash::new(stored).ok();
        let matches = match &parsed {
            Some(parsed) => self.check(password, parsed),
            None => {
                // A corrupt stored hash: burn the same time as a real check, then refuse.
                let dummy =
                    PasswordHash::new(&self.dummy_hash).expect("the dummy hash was produced here");
                let _ = self.check(password, &dummy);
                false
            }
        };
        match (matches, known, parsed) {
            (true, true, Some(parsed)) => Verified::Match {
                needs_rehash: self.is_weaker_than_current(&parsed),
            },
            _ => Verified::Mismatch,
        }
    }

    /// Recomputes the hash of `password` with the stored hash's own parameters and salt, in this thread's
    /// reusable work area, and compares in constant time.
    fn check(&self, password: &str, stored: &PasswordHash<'_>) -> bool {
        if stored.algorithm != Algorithm::Argon2id.ident() {
            // Not a hash this server makes; the library's allocating path handles the other variants.
            return Argon2::default()
                .verify_password(password.as_bytes(), stored)
                .is_ok();
        }
        let (Some(expected), Some(salt), Ok(params)) =
            (&stored.hash, &stored.salt, Params::try_from(stored))
        else {
            return false;
        };
        let version = match stored.version.map(Version::try_from) {
            None => Version::V0x13,
            Some(Ok(version)) => version,
            Some(Err(_)) => return false,
        };
        let mut salt_buffer = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_buffer) else {
            return false;
        };
        let block_count = params.block_count();
        let argon2 = Argon2::new(Algorithm::Argon2id, version, params);
        let mut output = vec![0u8; expected.len()];
        let computed = with_work_area(block_count, |blocks| {
            argon2.hash_password_into_with_memory(
                password.as_bytes(),
                salt_bytes,
                &mut output,
                blocks,
            )
        });
        computed.is_ok() && Output::new(&output).is_ok_and(|output| output == *expected)
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
        let (reply, answer) = oneshot::channel();
        let job: HashJob = Box::new(move || {
            let _permit = permit;
            let _ = reply.send(work(&this));
        });
        self.workers
            .jobs
            .send(job)
            .map_err(|_| HashError::Hashing("the hashing threads have stopped".into()))?;
        answer
            .await
            .map_err(|_| HashError::Hashing("a hashing job was lost".into()))
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

thread_local! {
    /// This thread's argon2 work area, kept between hashes (see the module comment).
    static WORK_AREA: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn with_work_area<R>(blocks: usize, work: impl FnOnce(&mut [Block]) -> R) -> R {
    WORK_AREA.with(|area| {
        let mut area = area.borrow_mut();
        if area.len() < blocks {
            area.resize(blocks, Block::default());
        }
        work(&mut area[..blocks])
    })
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

/// A random password for first start: 24 characters from an alphabet without look-alikes (about 120 bits),
/// grouped in fours for reading aloud.
pub fn generate_one_time_password() -> Secret {
    Secret::new(random_groups::<24>())
}

/// One of the two parts of a one-time password made under four eyes (a new account, a reset; see
/// `admin::grants`): 12 characters (about 69 bits) grouped in fours. The requester gets one part, the
/// approver the other, and the password is `<requester's part>-<approver's part>`: the same form and
/// strength as [`generate_one_time_password`], yet neither admin alone knows it.
pub fn generate_one_time_password_part() -> Secret {
    Secret::new(random_groups::<12>())
}

/// The one-time password made of the requester's and the approver's parts.
pub fn join_one_time_password_parts(requester: &str, approver: &str) -> Secret {
    Secret::new(format!("{requester}-{approver}"))
}

fn random_groups<const N: usize>() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let mut password = String::with_capacity(N + N / 4);
    for (index, byte) in bytes.iter().enumerate() {
        if index > 0 && index % 4 == 0 {
            password.push('-');
        }
        // 256 % 54 != 0 leaves a slight bias, negligible at these lengths.
        password.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
    }
    password
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

    #[test]
    fn two_parts_make_a_one_time_password_of_the_same_form() {
        let (first, second) = (
            generate_one_time_password_part(),
            generate_one_time_password_part(),
        );
        assert_eq!(first.expose().len(), 14);
        assert_ne!(first.expose(), second.expose());
        let whole = join_one_time_password_parts(first.expose(), second.expose());
        assert_eq!(whole.expose().len(), 29);
        assert_eq!(whole.expose().matches('-').count(), 5);
        check_policy(whole.expose(), &["admin"]).unwrap();
    }
}
