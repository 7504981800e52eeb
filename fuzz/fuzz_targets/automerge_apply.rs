//! A document change from untrusted bytes, through the path the server takes for the `data` of a peer's
//! `sync` or `request` (`server/src/sync/peer.rs`, `on_sync` → `sync_open_doc` / `on_pending`):
//! `automerge::sync::Message::decode`, then `receive_sync_message` on a *clone* of the document with a
//! clone of the sync state, then the shape check (`validate::shape`), hydration by kind and the `schema`
//! validation rules on the result, then `save_after` (the chunk the server appends) and loading that chunk
//! back (what the document store does on the next start, `load_bytes` in `server/src/sync/store.rs`). The same bytes are also given to
//! `Automerge::load_incremental` on a clone, the store's chunk loader.
//!
//! The document is either new (an operator creating a case: an empty document, the `on_pending` path) or a
//! stored case (`sync_open_doc`), chosen by the low bit of the first byte; the rest is the message.
//!
//! Bytes reach Automerge only past the pure checks the server runs first: the bloom filters of the
//! message's `have` ([`have::check_have`], found missing by this target) and the inflated size of its changes
//! ([`bounds::measure_changes`], finding 1 of issue 8). Checks: no panic, no input that takes more than
//! `-timeout` or more memory than `-rss_limit_mb` / `-malloc_limit_mb`, and a chunk the server would append
//! always loads back to the same heads.

#![no_main]

use std::sync::OnceLock;

use automerge::Automerge;
use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use libfuzzer_sys::fuzz_target;
use sportello_schema::catalogue::Catalogue;
use sportello_schema::documents::{
    self, CaseDoc, CaseNotesDoc, Channel, DirectoryDoc, DocKind, IndexDoc,
};
use sportello_schema::policy::ActorCtx;
use sportello_schema::sync::bounds::{self, ChangeBudget};
use sportello_schema::sync::have;
use sportello_schema::validate;
use sportello_schema::values::{Date, Rfc3339Utc};
use sportello_schema::{Role, UserId};

/// A stored case, as an operator's tablet creates it.
fn stored_case() -> &'static Automerge {
    static CASE: OnceLock<Automerge> = OnceLock::new();
    CASE.get_or_init(|| {
        let created_at = Rfc3339Utc::parse("2026-11-27T09:15:00Z").expect("a valid timestamp");
        let mut case = CaseDoc::new(operator().user_id, &created_at, Channel::Desk);
        case.summary = "richiesta di informazioni".into();
        let mut doc = automerge::AutoCommit::new();
        autosurgeon::reconcile(&mut doc, &case).expect("a case reconciles");
        Automerge::load(&doc.save()).expect("a saved case loads")
    })
}

/// The server's default budget for one message (`SyncLimits::default` in `server/src/sync/mod.rs`).
const BUDGET: ChangeBudget = ChangeBudget {
    max_inflated_bytes: 8 * 1024 * 1024,
    max_chunks: 100_000,
    max_ops: 1_000_000,
};

fn operator() -> ActorCtx {
    let id = "6f1c2b1e-8f0a-4c61-9d57-0c9a4f3b2a10"
        .parse::<UserId>()
        .expect("a valid id");
    ActorCtx::new(id, Role::Operator, Vec::new())
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(Catalogue::defaults)
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    let base = if mode & 1 == 0 {
        Automerge::new()
    } else {
        stored_case().clone()
    };

    // The store's chunk loader, on a clone.
    if bounds::measure_changes([data], BUDGET).is_ok() {
        let mut loaded = base.clone();
        if loaded.load_incremental(data).is_ok() {
            check(&base, &loaded);
        }
    }

    // A peer's sync message, as `on_sync` handles it.
    let Ok(message) = SyncMessage::decode(data) else {
        return;
    };
    if have::check_have(&message.have).is_err()
        || bounds::measure_changes(message.changes.iter(), BUDGET).is_err()
    {
        return;
    }
    let mut candidate = base.clone();
    let mut state = SyncState::new();
    if candidate.receive_sync_message(&mut state, message).is_err() {
        return;
    }
    let _ = candidate.generate_sync_message(&mut state);
    check(&base, &candidate);
});

/// What the server does with a document that took changes: list them, hydrate and validate it, save the
/// new chunk; and the chunk must load back.
fn check(base: &Automerge, candidate: &Automerge) {
    let before = base.get_heads();
    let added = candidate.get_changes_meta(&before);
    if added.is_empty() {
        return;
    }
    validate_as_server(base, candidate);
    let chunk = candidate.save_after(&before);
    let mut reloaded = Automerge::load(&base.save()).expect("the base reloads");
    reloaded
        .load_incremental(&chunk)
        .expect("a chunk the server would append loads back");
    assert_eq!(
        reloaded.get_heads(),
        candidate.get_heads(),
        "the chunk reloads to other heads"
    );
}

/// `rules::hydrate` (shape check, then hydration by kind) and the `schema` half of `rules::check_write`.
fn validate_as_server(base: &Automerge, candidate: &Automerge) {
    let today = Date::from_ymd(2026, 11, 27).expect("a valid date");
    let Ok(kind) = documents::kind_of(candidate) else {
        return;
    };
    // The shape check `rules::hydrate` runs before hydrating a document a peer changed.
    if validate::shape(candidate, kind).is_err() {
        return;
    }
    match kind {
        DocKind::Case => {
            let Ok(new) = autosurgeon::hydrate::<_, CaseDoc>(candidate) else {
                return;
            };
            let old = autosurgeon::hydrate::<_, CaseDoc>(base).ok();
            let _ = validate::case(&new, catalogue(), today);
            let _ = validate::case_change(old.as_ref(), &new, &operator(), catalogue());
        }
        DocKind::CaseNotes => {
            if let Ok(new) = autosurgeon::hydrate::<_, CaseNotesDoc>(candidate) {
                let _ = validate::case_notes(&new, catalogue());
                let _ = validate::case_notes_change(None, &new, &operator());
            }
        }
        DocKind::Index => {
            if let Ok(new) = autosurgeon::hydrate::<_, IndexDoc>(candidate) {
                let _ = validate::index(&new);
            }
        }
        DocKind::Directory => {
            if let Ok(new) = autosurgeon::hydrate::<_, DirectoryDoc>(candidate) {
                let _ = validate::directory(&new);
            }
        }
    }
}
