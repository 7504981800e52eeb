//! The audited write: a change and its audit rows in one savepoint of the next group commit, with what
//! follows from it run only once it is durable.
//!
//! A service describes one write as a closure over a [`Change`] (the writer's connection, the request's
//! [`RequestContext`] for the audit rows, and effects to run after the commit). The closure returns the
//! service's own result; its error type says whether an error is a *refusal* (the caller asked for
//! something the rules forbid: a conflict, an unknown id, bad input) or a server-side failure:
//!
//! | the closure returns | what is kept                           | effects            | the caller gets |
//! |---------------------|----------------------------------------|--------------------|-----------------|
//! | `Ok(value)`         | the change, its audit rows, the prelude| all, after commit  | `Ok(value)`     |
//! | a refusal           | the prelude, and the refusal's `failure` row when [`AuditedWrite::refusals`] names one | the prelude's | the refusal |
//! | a failure           | nothing (the whole job rolls back)     | none               | the failure     |
//!
//! The prelude ([`AuditedWrite::run_after`]) is work that stands whatever the request's fate: the queue's
//! rollover of yesterday's tickets. A refusal found before any change (bad input, a read that finds
//! nothing) goes through [`AuditedWrite::check`], which writes the same `failure` row on its own.
//!
//! So a write is never half applied, a refused request leaves exactly one row saying so, and no one hears
//! of a change (event streams, closed sessions) before it is durable.

use rusqlite::Connection;

use super::writer::Decided;
use super::{Storage, StorageError, StorageResult, audit};
use crate::audit::{Action, AuditRecord, Outcome};
use crate::context::RequestContext;

/// Tells a refusal (audited, the prelude kept) from a server-side failure (everything rolled back).
pub trait Refusal {
    fn is_refusal(&self) -> bool;
}

type Effect = Box<dyn FnOnce() + Send>;

/// One audited write in progress, on the writer thread.
pub struct Change<'c> {
    conn: &'c Connection,
    context: &'c RequestContext,
    effects: Vec<Effect>,
}

impl std::fmt::Debug for Change<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Change")
            .field("context", self.context)
            .field("effects", &self.effects.len())
            .finish_non_exhaustive()
    }
}

impl<'c> Change<'c> {
    /// The writer's connection, for the intent-named functions of the other `storage` modules.
    pub fn conn(&self) -> &'c Connection {
        self.conn
    }

    pub fn context(&self) -> &'c RequestContext {
        self.context
    }

    /// Unix seconds of the request.
    pub fn now(&self) -> i64 {
        self.context.now
    }

    /// A `success` row by the request's actor about `target`.
    pub fn audit(&self, action: Action, target: impl ToString) -> StorageResult<()> {
        self.append(&self.context.record(action, Outcome::Success).target(target))
    }

    /// Any other row (another actor, another outcome, no target), stamped with the request's time.
    pub fn append(&self, record: &AuditRecord) -> StorageResult<()> {
        audit::append(self.conn, record, &self.context.at).map(|_| ())
    }

    /// Runs `effect` once the write is durable, and only if it is kept.
    pub fn after_commit(&mut self, effect: impl FnOnce() + Send + 'static) {
        self.effects.push(Box::new(effect));
    }
}

/// Audited writes for one request: made by [`Storage::audited`].
#[derive(Debug)]
#[must_use]
pub struct AuditedWrite<'s> {
    storage: &'s Storage,
    context: RequestContext,
    refusal: Option<(Action, Option<String>)>,
}

impl Storage {
    /// Audited writes on behalf of the request described by `context`.
    pub fn audited(&self, context: &RequestContext) -> AuditedWrite<'_> {
        AuditedWrite {
            storage: self,
            context: context.clone(),
            refusal: None,
        }
    }
}

impl AuditedWrite<'_> {
    /// Refusals are recorded as a `failure` row of `action` about `target` (an admin's refused action is
    /// itself worth knowing). Without this, a refusal leaves no row.
    pub fn refusals(mut self, action: Action, target: Option<String>) -> Self {
        self.refusal = Some((action, target));
        self
    }

    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// Runs `work` as one audited write (see the module's table).
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Refusal + Send + 'static,
        F: FnOnce(&mut Change<'_>) -> Result<T, E> + Send + 'static,
    {
        self.run_after(|_| Ok(()), work).await
    }

    /// Runs `prelude`, then `work` in a savepoint of its own: a refused `work` keeps the prelude.
    pub async fn run_after<T, E, P, F>(&self, prelude: P, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Refusal + Send + 'static,
        P: FnOnce(&mut Change<'_>) -> StorageResult<()> + Send + 'static,
        F: FnOnce(&mut Change<'_>) -> Result<T, E> + Send + 'static,
    {
        let context = self.context.clone();
        let refusal = self.refusal.clone();
        let (result, effects) = self
            .storage
            .write_decided(move |conn| {
                let mut change = Change {
                    conn,
                    context: &context,
                    effects: Vec::new(),
                };
                let decided =
                    prelude(&mut change).and_then(|()| savepointed(&mut change, &refusal, work));
                match decided {
                    Ok((result, keep)) => Decided {
                        outcome: Ok((result, if keep { change.effects } else { Vec::new() })),
                        keep,
                    },
                    Err(error) => Decided {
                        outcome: Err(error),
                        keep: false,
                    },
                }
            })
            .await
            .map_err(E::from)?;
        for effect in effects {
            effect();
        }
        result
    }

    /// Passes `result` on; a refusal is first recorded as [`AuditedWrite::refusals`] says.
    pub async fn check<T, E>(&self, result: Result<T, E>) -> Result<T, E>
    where
        E: From<StorageError> + Refusal,
    {
        if let Err(error) = &result
            && error.is_refusal()
            && let Some(row) = refusal_row(&self.context, &self.refusal)
        {
            self.append(row).await.map_err(E::from)?;
        }
        result
    }

    /// Records `error` as a refusal (see [`AuditedWrite::check`]) and returns it.
    pub async fn refuse<T, E>(&self, error: E) -> Result<T, E>
    where
        E: From<StorageError> + Refusal,
    {
        self.check(Err(error)).await
    }

    /// A lone `success` row by the request's actor: an audited read.
    pub async fn record(&self, action: Action, target: Option<String>) -> StorageResult<()> {
        let mut row = self.context.record(action, Outcome::Success);
        row.target = target;
        self.append(row).await
    }

    /// A lone row of any kind (another actor or outcome), stamped with the request's time.
    pub async fn append(&self, row: AuditRecord) -> StorageResult<()> {
        let at = self.context.at.clone();
        self.storage
            .write(move |conn| audit::append(conn, &row, &at).map(|_| ()))
            .await
    }
}

fn refusal_row(
    context: &RequestContext,
    refusal: &Option<(Action, Option<String>)>,
) -> Option<AuditRecord> {
    refusal.as_ref().map(|(action, target)| {
        let mut row = context.record(*action, Outcome::Failure);
        row.target = target.clone();
        row
    })
}

/// `work` in a nested savepoint: kept on success, rolled back on an error. Says what to answer and
/// whether the job (prelude and refusal row included) is kept.
fn savepointed<T, E, F>(
    change: &mut Change<'_>,
    refusal: &Option<(Action, Option<String>)>,
    work: F,
) -> StorageResult<(Result<T, E>, bool)>
where
    E: Refusal,
    F: FnOnce(&mut Change<'_>) -> Result<T, E>,
{
    let conn = change.conn;
    let prelude_effects = change.effects.len();
    conn.execute_batch("SAVEPOINT audited_work")?;
    match work(change) {
        Ok(value) => {
            conn.execute_batch("RELEASE audited_work")?;
            Ok((Ok(value), true))
        }
        Err(error) => {
            conn.execute_batch("ROLLBACK TO audited_work; RELEASE audited_work")?;
            change.effects.truncate(prelude_effects);
            if !error.is_refusal() {
                return Ok((Err(error), false));
            }
            if let Some(row) = refusal_row(change.context, refusal) {
                change.append(&row)?;
            }
            Ok((Err(error), true))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::audit::AuditActor;
    use crate::metrics::Metrics;
    use crate::storage::StorageOptions;

    #[derive(Debug, PartialEq)]
    enum Answer {
        Refused,
        Broken,
        Storage,
    }

    impl From<StorageError> for Answer {
        fn from(_: StorageError) -> Self {
            Answer::Storage
        }
    }

    impl Refusal for Answer {
        fn is_refusal(&self) -> bool {
            *self == Answer::Refused
        }
    }

    fn open(dir: &Path) -> Storage {
        Storage::open(dir, StorageOptions::default(), Metrics::new().db.clone()).unwrap()
    }

    fn context() -> RequestContext {
        RequestContext::new(
            AuditActor::system(),
            "2026-03-02T09:00:00Z".parse().unwrap(),
            Some("req".into()),
        )
    }

    async fn state(storage: &Storage) -> (Vec<i64>, Vec<(String, String, Option<String>)>) {
        storage
            .read(|conn| {
                let mut rows = conn.prepare("SELECT n FROM t ORDER BY n")?;
                let numbers = rows
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let mut rows =
                    conn.prepare("SELECT action, outcome, target FROM audit_log ORDER BY seq")?;
                let audit = rows
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?;
                Ok((numbers, audit))
            })
            .await
            .unwrap()
    }

    async fn setup() -> (tempfile::TempDir, Storage, Arc<AtomicUsize>) {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(dir.path());
        storage
            .write(|conn| Ok(conn.execute_batch("CREATE TABLE t (n INTEGER)")?))
            .await
            .unwrap();
        (dir, storage, Arc::new(AtomicUsize::new(0)))
    }

    /// A prelude inserting 1 with an effect, then work inserting 2 with an effect, then answering `end`.
    async fn attempt(
        storage: &Storage,
        effects: &Arc<AtomicUsize>,
        end: Result<(), Answer>,
    ) -> Result<(), Answer> {
        let (first, second) = (effects.clone(), effects.clone());
        storage
            .audited(&context())
            .refusals(Action::UserUpdate, Some("target".into()))
            .run_after(
                move |change| {
                    change.conn().execute("INSERT INTO t VALUES (1)", [])?;
                    change.after_commit(move || {
                        first.fetch_add(1, Ordering::SeqCst);
                    });
                    Ok(())
                },
                move |change| {
                    change
                        .conn()
                        .execute("INSERT INTO t VALUES (2)", [])
                        .map_err(StorageError::from)?;
                    change.audit(Action::UserUpdate, "target")?;
                    change.after_commit(move || {
                        second.fetch_add(10, Ordering::SeqCst);
                    });
                    end
                },
            )
            .await
    }

    #[tokio::test]
    async fn a_write_that_succeeds_keeps_everything_and_runs_every_effect() {
        let (_dir, storage, effects) = setup().await;
        assert_eq!(attempt(&storage, &effects, Ok(())).await, Ok(()));
        let (numbers, audit) = state(&storage).await;
        assert_eq!(numbers, vec![1, 2]);
        assert_eq!(
            audit,
            vec![(
                "admin.user_update".into(),
                "success".into(),
                Some("target".into())
            )]
        );
        assert_eq!(effects.load(Ordering::SeqCst), 11);
    }

    #[tokio::test]
    async fn a_refusal_rolls_back_the_work_keeps_the_prelude_and_is_audited() {
        let (_dir, storage, effects) = setup().await;
        assert_eq!(
            attempt(&storage, &effects, Err(Answer::Refused)).await,
            Err(Answer::Refused)
        );
        let (numbers, audit) = state(&storage).await;
        assert_eq!(numbers, vec![1]);
        assert_eq!(
            audit,
            vec![(
                "admin.user_update".into(),
                "failure".into(),
                Some("target".into())
            )]
        );
        assert_eq!(
            effects.load(Ordering::SeqCst),
            1,
            "only the prelude's effect"
        );
    }

    #[tokio::test]
    async fn a_failure_rolls_back_the_whole_job_and_runs_no_effect() {
        let (_dir, storage, effects) = setup().await;
        assert_eq!(
            attempt(&storage, &effects, Err(Answer::Broken)).await,
            Err(Answer::Broken)
        );
        let (numbers, audit) = state(&storage).await;
        assert!(numbers.is_empty());
        assert!(audit.is_empty());
        assert_eq!(effects.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_refusal_found_before_the_write_is_audited_alone() {
        let (_dir, storage, _effects) = setup().await;
        let audited = storage.audited(&context()).refusals(Action::UserRead, None);
        assert_eq!(
            audited.refuse::<(), _>(Answer::Refused).await,
            Err(Answer::Refused)
        );
        assert_eq!(
            audited.check::<(), _>(Err(Answer::Broken)).await,
            Err(Answer::Broken)
        );
        let (_, audit) = state(&storage).await;
        assert_eq!(
            audit,
            vec![("admin.user_read".into(), "failure".into(), None)]
        );
    }
}
