//! The key of the codice fiscale's keyed hash: `HMAC-SHA256(key, normalised code)`, what the server keeps
//! to find a person's cases without keeping the code outside the case document.
//!
//! Invariants:
//! - The key lives in `<data-dir>/fiscal-code.key` (32 random bytes, mode 0600), made at the first start.
//!   Without it the stored hashes cannot be matched to a code (a stolen database alone does not tell whose
//!   cases they are, nor can the codes be found by trying all of them).
//! - The code is normalised by parsing it ([`FiscalCode::parse`]: trimmed, upper case, checked) before it
//!   is hashed, so any spelling of one code gives one hash; a code that does not parse has no hash.
//! - [`FiscalCodeKey::fingerprint`] names the key without revealing it: stored hashes made under another
//!   key (a lost key file, made again) are recognised and made again at start-up (`privacy::backfill`).
//! - `Debug` never prints the key.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sportello_schema::FiscalCode;

pub const KEY_FILE: &str = "fiscal-code.key";
const KEY_LEN: usize = 32;

pub type FiscalCodeHash = [u8; 32];

/// The key, shared cheaply.
#[derive(Clone)]
pub struct FiscalCodeKey(Arc<[u8; KEY_LEN]>);

impl std::fmt::Debug for FiscalCodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FiscalCodeKey(..)")
    }
}

/// A random key for tests and tools that store no hashes for later.
impl Default for FiscalCodeKey {
    fn default() -> Self {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).expect("the operating system provides randomness");
        Self(Arc::new(key))
    }
}

impl FiscalCodeKey {
    /// Reads `<data_dir>/fiscal-code.key`, or makes it (0600) on the first start.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        match fs::read(&path) {
            Ok(bytes) => {
                let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
                    anyhow::anyhow!("{} is not a {KEY_LEN}-byte key", path.display())
                })?;
                crate::storage::restrict_permissions(&path, 0o600)?;
                Ok(Self(Arc::new(key)))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::default();
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)?;
                file.write_all(key.0.as_slice())?;
                file.sync_all()?;
                Ok(key)
            }
            Err(error) => Err(anyhow::anyhow!("reading {}: {error}", path.display())),
        }
    }

    fn mac(&self, domain: &[u8], data: &[u8]) -> FiscalCodeHash {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.0.as_slice()).expect("HMAC takes any key length");
        mac.update(domain);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The keyed hash of a parsed (so normalised) code.
    pub fn hash(&self, code: &FiscalCode) -> FiscalCodeHash {
        self.mac(b"", code.as_str().as_bytes())
    }

    /// The keyed hash of a code as a document holds it; `None` when it is not a valid code.
    pub fn hash_raw(&self, raw: &str) -> Option<FiscalCodeHash> {
        FiscalCode::parse(raw).ok().map(|code| self.hash(&code))
    }

    /// Names this key (not the key itself): stored with the hashes to tell whether they were made with it.
    pub fn fingerprint(&self) -> FiscalCodeHash {
        // A domain no code can collide with: codes are 16 characters of A-Z and 0-9.
        self.mac(b"sportello/fiscal-code-key-fingerprint", b"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "RSSMRA85T10A562S";

    #[test]
    fn any_spelling_of_one_code_gives_one_hash_and_other_codes_another() {
        let key = FiscalCodeKey::default();
        let hash = key.hash_raw(CODE).unwrap();
        assert_eq!(key.hash_raw("  rssmra85t10a562s ").unwrap(), hash);
        assert_ne!(key.hash_raw("BNCGNN90A41F205D"), Some(hash));
        assert_eq!(
            key.hash_raw("RSSMRA85T10A562X"),
            None,
            "a wrong check letter"
        );
    }

    #[test]
    fn another_key_gives_another_hash_and_fingerprint() {
        let (one, two) = (FiscalCodeKey::default(), FiscalCodeKey::default());
        assert_ne!(one.hash_raw(CODE), two.hash_raw(CODE));
        assert_ne!(one.fingerprint(), two.fingerprint());
        assert_ne!(one.fingerprint(), one.hash_raw(CODE).unwrap());
    }

    #[test]
    fn the_key_file_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = FiscalCodeKey::load_or_create(dir.path()).unwrap();
        let second = FiscalCodeKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.hash_raw(CODE), second.hash_raw(CODE));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(format!("{first:?}"), "FiscalCodeKey(..)");
    }
}
