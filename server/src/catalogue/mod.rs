//! The catalogue of areas and needs, edited by admins: the server side of the shared `directory` document.
//!
//! The directory (`sportello/directory@1`) is written by the server only, from these admin actions; every
//! member of staff reads it, and tablets receive each change by sync. A change goes the way the server's
//! own index edits go ([`crate::sync::index`]): the document is opened through the sync side's store and
//! locked (so it is serialised with every other writer of it), the edit is applied to its typed form
//! ([`edit`], pure), checked against the document's rules (`validate::directory`) and, once reconciled
//! into a copy, against its layout (`validate::shape`), then appended as one chunk in an audited write
//! (`admin.catalogue_update`, target `area:<code>` / `need:<code>`; a refusal leaves its `failure` row).
//! Only once the chunk is durable does the cached document change; then the catalogue in force
//! ([`crate::sync::rules::CatalogueInForce`]) is replaced, so case writes are checked against the new
//! codes at once, peers that have the directory open are woken to receive the change, and the indexes
//! listing it are brought up to date.
//!
//! Codes are never deleted, only deactivated: there is no route that removes one, and a deactivated code
//! stays valid in cases (see `sportello_schema::catalogue`).

pub mod edit;

use automerge::Automerge;
use sportello_schema::api::catalogue::{
    CatalogueAreaView, CatalogueNeedView, CatalogueView, PutCatalogueArea, PutCatalogueNeed,
};
use sportello_schema::catalogue::{AreaCode, NeedCode};
use sportello_schema::documents::{DirectoryDoc, DocKind};
use sportello_schema::validate;

use crate::audit::Action;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::documents::{self, RawDocId, StoredFacts};
use crate::storage::{Storage, StorageError};
use crate::sync::SyncService;
use crate::sync::index::directory_id;
use crate::sync::rules::{self, Hydrated};

fn corrupt(what: impl Into<String>) -> ApiError {
    ApiError::from(StorageError::Corrupt(what.into()))
}

fn read_directory(doc: &Automerge) -> ApiResult<DirectoryDoc> {
    match rules::hydrate_stored(doc) {
        Ok(Hydrated::Directory(directory)) => Ok(directory),
        Ok(_) => Err(corrupt("the directory id names another kind of document")),
        Err(refusal) => Err(corrupt(format!(
            "the stored directory does not read: {}",
            refusal.reason
        ))),
    }
}

async fn stored_id(storage: &Storage) -> ApiResult<RawDocId> {
    directory_id(storage)
        .await?
        .ok_or_else(|| corrupt("no directory document is stored"))
}

/// The stored directory, as it is now.
async fn current(sync: &SyncService, storage: &Storage) -> ApiResult<DirectoryDoc> {
    let id = stored_id(storage).await?;
    let shared = sync
        .store
        .open(id)
        .await?
        .ok_or_else(|| corrupt("the directory document is not stored"))?;
    let entry = shared.lock().await;
    read_directory(&entry.doc)
}

/// Puts the stored directory's catalogue in force (at startup, once the directory exists).
pub async fn load_in_force(sync: &SyncService, storage: &Storage) -> ApiResult<()> {
    let directory = current(sync, storage).await?;
    sync.rules.catalogue.replace(directory.catalogue());
    Ok(())
}

/// `GET /api/v1/admin/catalogue`: the catalogue in force. Not audited: every member of staff holds the
/// same document on their tablet.
pub async fn view(sync: &SyncService, storage: &Storage) -> ApiResult<CatalogueView> {
    Ok(edit::view(&current(sync, storage).await?))
}

/// `PUT /api/v1/admin/catalogue/areas/{code}`: the area as stored, and whether it is new.
pub async fn put_area(
    sync: &SyncService,
    storage: &Storage,
    ctx: &RequestContext,
    code: AreaCode,
    body: PutCatalogueArea,
) -> ApiResult<(CatalogueAreaView, bool)> {
    let target = format!("area:{code}");
    write(sync, storage, ctx, target, move |directory| {
        edit::put_area(directory, &code, &body)
    })
    .await
}

/// `PUT /api/v1/admin/catalogue/needs/{code}`: the need as stored, and whether it is new.
pub async fn put_need(
    sync: &SyncService,
    storage: &Storage,
    ctx: &RequestContext,
    code: NeedCode,
    body: PutCatalogueNeed,
) -> ApiResult<(CatalogueNeedView, bool)> {
    let target = format!("need:{code}");
    write(sync, storage, ctx, target, move |directory| {
        edit::put_need(directory, &code, &body)
    })
    .await
}

/// One audited change of the directory (see the module documentation).
async fn write<T>(
    sync: &SyncService,
    storage: &Storage,
    ctx: &RequestContext,
    target: String,
    change: impl FnOnce(&mut DirectoryDoc) -> ApiResult<T>,
) -> ApiResult<T> {
    let audited = storage
        .audited(ctx)
        .refusals(Action::CatalogueUpdate, Some(target.clone()));
    let id = stored_id(storage).await?;
    let shared = sync
        .store
        .open(id)
        .await?
        .ok_or_else(|| corrupt("the directory document is not stored"))?;
    let mut entry = shared.lock().await;
    let mut directory = read_directory(&entry.doc)?;
    let result = audited.check(change(&mut directory)).await?;
    directory.updated_at = ctx.at.clone();
    audited
        .check(
            validate::directory(&directory)
                .map_err(|errors| ApiError::Validation(errors.to_string())),
        )
        .await?;
    let before = entry.doc.get_heads();
    // Reconciled into a copy, in one transaction: the cached document changes only once the change is
    // durable.
    let mut updated = entry.doc.clone();
    updated
        .transact::<_, _, autosurgeon::ReconcileError>(|tx| autosurgeon::reconcile(tx, &directory))
        .map_err(|failure| corrupt(failure.error.to_string()))?;
    audited
        .check(
            validate::shape(&updated, DocKind::Directory)
                .map_err(|errors| ApiError::Validation(errors.to_string())),
        )
        .await?;
    let chunk = updated.save_after(&before);
    let facts = StoredFacts::of_kind(DocKind::Directory);
    audited
        .run(move |change| {
            documents::append_chunk(change.conn(), &id, &chunk, &facts, change.now())?;
            change.audit(Action::CatalogueUpdate, target)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    entry.doc = updated;
    entry.row.updated_at = ctx.now;
    drop(entry);
    sync.rules.catalogue.replace(directory.catalogue());
    sync.hub.changed(id, 0);
    sync.index_changed(id);
    Ok(result)
}
