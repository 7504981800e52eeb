//! The command-line tools that work on a data directory directly: `user add`, `user reset-second-factor`,
//! `audit verify`, `backup`.
//! They open the same database as the server (SQLite coordinates the two processes) and audit what they
//! change as the `system` actor.

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, bail};
use sportello_schema::api::Secret;
use sportello_schema::{AreaCode, Role, UserId, Username};

use crate::admin::check_areas;
use crate::audit::Action;
use crate::audit::chain::to_hex;
use crate::auth::password::{self, HashParams, PasswordHasher};
use crate::clock::{Clock, SystemClock};
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::metrics::DbMetrics;
use crate::storage::audit::{self, Verification};
use crate::storage::second_factor;
use crate::storage::sessions::{self, RevokeReason};
use crate::storage::users::{self, NewUser};
use crate::storage::{DATABASE_FILE, Storage, StorageOptions, backup};

fn open_existing(data_dir: &Path) -> anyhow::Result<Storage> {
    let path = data_dir.join(DATABASE_FILE);
    if !path.exists() {
        bail!(
            "no database at {} (run `sportello serve` once, or pass --data-dir)",
            path.display()
        );
    }
    let options = StorageOptions {
        read_connections: 1,
        ..StorageOptions::default()
    };
    Ok(Storage::open(data_dir, options, DbMetrics::detached())?)
}

#[derive(Debug)]
pub struct NewAccount {
    pub username: Username,
    pub role: Role,
    pub areas: Vec<AreaCode>,
    pub display_name: Option<String>,
}

/// `sportello user add`: creates an account whose password (read from `input`) is usable at once.
///
/// This is the way to bootstrap accounts without a second admin: on the REST API every new account needs
/// two admins (`admin::grants`), while whoever runs this holds the server and its database anyway.
pub async fn user_add(
    data_dir: &Path,
    account: NewAccount,
    input: impl BufRead,
) -> anyhow::Result<UserId> {
    let mut line = String::new();
    input
        .take(4096)
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = Secret::new(line.trim_end_matches(['\r', '\n']));
    // Checked before the database is opened (and then again by `add_account`): a refusal creates nothing.
    check_account(&account, &password)?;
    let storage = Storage::open(
        data_dir,
        StorageOptions {
            read_connections: 1,
            ..StorageOptions::default()
        },
        DbMetrics::detached(),
    )?;
    let hasher = PasswordHasher::new(HashParams::default(), 1, std::time::Duration::from_secs(60))?;
    add_account(&storage, &hasher, &SystemClock, account, password).await
}

fn check_account(account: &NewAccount, password: &Secret) -> anyhow::Result<Vec<AreaCode>> {
    let display_name = account
        .display_name
        .clone()
        .unwrap_or_else(|| account.username.to_string());
    password::check_policy(
        password.expose(),
        &[account.username.as_str(), &display_name],
    )
    .map_err(|reason| anyhow::anyhow!("password refused: {reason}"))?;
    check_areas(account.role, &account.areas).map_err(|error| anyhow::anyhow!("{error}"))
}

/// What `user add` does once it has the password: checks it and the areas, hashes it, and stores the account
/// with its `admin.user_create` row by the `system` actor. (Tests call it to bootstrap a second admin the
/// way the command line does.)
pub async fn add_account(
    storage: &Storage,
    hasher: &PasswordHasher,
    clock: &dyn Clock,
    account: NewAccount,
    password: Secret,
) -> anyhow::Result<UserId> {
    let areas = check_account(&account, &password)?;
    let display_name = account
        .display_name
        .unwrap_or_else(|| account.username.to_string());
    let password_hash = hasher.hash(password).await?;
    let ctx = RequestContext::system(clock.now());
    let user = NewUser {
        id: UserId::new_random(),
        username: account.username.clone(),
        display_name,
        role: account.role,
        areas,
        password_hash,
        must_change_password: false,
    };
    let id = user.id;
    let inserted = storage
        .audited(&ctx)
        .run(move |change| {
            if !users::insert(change.conn(), &user, change.now())? {
                return Ok(false);
            }
            change.audit(Action::UserCreate, user.id)?;
            Ok::<_, ApiError>(true)
        })
        .await?;
    if !inserted {
        bail!("the username {} is already taken", account.username);
    }
    Ok(id)
}

/// `sportello user reset-second-factor`: removes the account's second factor and recovery codes and ends
/// its sessions, audited `admin.second_factor_reset` by the `system` actor. On the REST API this needs two
/// admins (`admin::grants`); here, as for `user add`, whoever runs it holds the server and its database.
/// A running server sees the ended sessions at the account's next request.
pub async fn user_reset_second_factor(
    data_dir: &Path,
    username: &Username,
) -> anyhow::Result<UserId> {
    let storage = open_existing(data_dir)?;
    let ctx = RequestContext::system(SystemClock.now());
    let name = username.clone();
    let removed = storage
        .audited(&ctx)
        .run(move |change| {
            let (conn, now) = (change.conn(), change.now());
            let Some(user) = users::find_by_username(conn, name.as_str())? else {
                return Ok(None);
            };
            if !second_factor::remove(conn, user.id)? {
                return Ok(Some((user.id, false)));
            }
            sessions::revoke_all_for_user(conn, user.id, RevokeReason::SecondFactorReset, now)?;
            change.audit(Action::SecondFactorReset, user.id)?;
            Ok::<_, ApiError>(Some((user.id, true)))
        })
        .await?;
    match removed {
        None => bail!("no account named {username}"),
        Some((_, false)) => bail!("{username} has no second factor"),
        Some((id, true)) => Ok(id),
    }
}

/// `sportello audit verify`: the verdict, as a line for people and a bool for the exit code.
pub async fn audit_verify(data_dir: &Path) -> anyhow::Result<(bool, String)> {
    let storage = open_existing(data_dir)?;
    let verdict = storage.read(audit::verify).await?;
    Ok(verdict_line(verdict))
}

/// The verdict on an audit chain as `audit verify` prints it (and `backup`, for the copy it wrote).
fn verdict_line(verdict: Verification) -> (bool, String) {
    match verdict {
        Verification::Intact { rows, head } => (
            true,
            format!("audit log intact: {rows} rows, head {}", to_hex(&head)),
        ),
        Verification::Broken { seq, reason } => {
            (false, format!("audit log BROKEN at row {seq}: {reason}"))
        }
    }
}

/// `sportello backup --to FILE`: online copy, integrity check of the copy, and the verdict on the copy's
/// audit chain — the very line `sportello audit verify` prints once the copy is restored, so the head hash
/// kept with the backup can be checked against it. The live log then records the backup, naming that head
/// (so the row is after the copy's head, and the copy's head is the one printed).
pub async fn backup(data_dir: &Path, to: &Path) -> anyhow::Result<String> {
    let storage = open_existing(data_dir)?;
    let target = to.to_owned();
    let verdict = storage
        .read(move |conn| backup::to_file(conn, &target))
        .await
        .with_context(|| format!("writing the backup to {}", to.display()))?;
    if verdict != "ok" {
        bail!(
            "the backup at {} failed its integrity check: {verdict}",
            to.display()
        );
    }
    let copy = to.to_owned();
    let verdict = tokio::task::spawn_blocking(move || backup::audit_of(&copy))
        .await
        .context("checking the backup's audit log")??;
    let head = match &verdict {
        Verification::Intact { head, .. } => to_hex(head),
        Verification::Broken { .. } => String::new(),
    };
    let (intact, line) = verdict_line(verdict);
    if !intact {
        bail!(
            "the backup at {} was written, but its audit log does not verify: {line}",
            to.display()
        );
    }
    storage
        .audited(&RequestContext::system(SystemClock.now()))
        .record(Action::Backup, Some(format!("head:{head}")))
        .await?;
    Ok(format!(
        "backup written to {} (integrity_check: ok)\n{line}\n(keep this line with the backup: \
         `sportello audit verify` on the restored copy prints the same head)",
        to.display()
    ))
}
