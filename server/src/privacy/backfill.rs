//! At start-up: the keyed hash of each case's codice fiscale, and each case-notes document's case, for
//! documents stored before the server kept them (migration 0010) or when the key changed (a lost key file
//! made again: the stored hashes no longer match any code).
//!
//! Cost: it runs only when the key's fingerprint differs from the one stored after the last complete
//! backfill (so once after the upgrade, or after a new key), and then loads every case and case-notes
//! document once, a page of [`PAGE`] at a time, outside the cache (about a millisecond per document: a
//! few seconds for thousands of cases). Commits keep the facts current from then on.

use automerge::Automerge;

use crate::storage::documents::{self, RawDocId};
use crate::storage::{Storage, StorageError, StorageResult, privacy as store};
use crate::sync::rules::{self, RuleSettings};

const FINGERPRINT_KEY: &str = "fiscal_code_key_fingerprint";
const PAGE: u32 = 200;

/// Fills in the missing facts if the stored hashes were not made with `settings`' key. Returns how many
/// documents were read (0 when nothing was to do).
pub async fn run(storage: &Storage, settings: &RuleSettings) -> StorageResult<usize> {
    let fingerprint = settings.fiscal_key.fingerprint();
    let stored = storage
        .read(|conn| documents::meta_get(conn, FINGERPRINT_KEY))
        .await?;
    if stored.as_deref() == Some(fingerprint.as_slice()) {
        return Ok(0);
    }
    let mut after: RawDocId = [0; 16];
    let mut read = 0;
    loop {
        let from = after;
        let page = storage
            .read(move |conn| store::cases_and_notes_after(conn, &from, PAGE))
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = *last;
        read += page.len();
        let mut facts = Vec::with_capacity(page.len());
        for id in page {
            let loaded = storage.read(move |conn| documents::load(conn, &id)).await?;
            let Some(bytes) = loaded else { continue };
            let mut doc = Automerge::load(&bytes.snapshot)
                .map_err(|error| StorageError::Corrupt(format!("document snapshot: {error}")))?;
            for chunk in &bytes.chunks {
                doc.load_incremental(chunk)
                    .map_err(|error| StorageError::Corrupt(format!("document chunk: {error}")))?;
            }
            let Ok(hydrated) = rules::hydrate_stored(&doc) else {
                continue;
            };
            let derived = rules::facts_of(&hydrated, settings);
            facts.push((id, derived.fiscal_code_hash, derived.case_id));
        }
        storage
            .write(move |conn| {
                for (id, hash, case) in &facts {
                    store::set_privacy_facts(conn, id, hash.as_ref(), case.as_ref())?;
                }
                Ok(())
            })
            .await?;
    }
    storage
        .write(move |conn| documents::meta_set(conn, FINGERPRINT_KEY, &fingerprint))
        .await?;
    if read > 0 {
        tracing::info!(
            documents = read,
            "privacy: stored the keyed hashes of earlier documents"
        );
    }
    Ok(read)
}
