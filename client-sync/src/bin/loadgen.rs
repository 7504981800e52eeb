//! `sportello-loadgen`: a reconnect storm. N tablets each open M valid cases offline (~2 KB of text each),
//! then all connect at once; the run ends when the server has every case (each tablet saw the server
//! announce heads containing its changes, which the server does only after a durable commit) or the timeout
//! passes. Prints one JSON object; exits 1 if the storm did not converge.
//!
//! The tablets are real `client-sync` tablets with their own SQLite stores (in a temporary directory unless
//! `--store-dir` is given), so the client side pays for durable writes too. It talks only to `--url`.
//!
//! The accounts must exist: operators named `<prefix>1` … `<prefix>N`, all with the same password. With the
//! server stopped (or against its data directory while it runs):
//!
//! ```sh
//! for i in $(seq 1 200); do
//!   echo "$PASSWORD" | sportello --data-dir "$DATA" user add --username "load.op$i" --role operator --password-stdin
//! done
//! sportello --data-dir "$DATA" serve --addr 127.0.0.1:18182 --auth-requests-per-minute 1000000 &
//! sportello-loadgen --url http://127.0.0.1:18182 --tablets 200 --cases 20 \
//!   --username-prefix load.op --password "$PASSWORD" --server-pid $!
//! ```
//!
//! With `--server-pid` it reads the server's `/proc/<pid>/status` (VmRSS, VmHWM) and `/proc/<pid>/stat`
//! (CPU time) before and after the storm, and reports server CPU per document.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::future::join_all;
use serde_json::json;
use sportello_client_sync::{Tablet, TabletOptions};
use sportello_schema::catalogue::NeedCode;
use sportello_schema::documents::{CaseDoc, Channel, Need};
use sportello_schema::sync::DocumentId;
use tokio::sync::Semaphore;

#[derive(Debug, Parser)]
#[command(
    name = "sportello-loadgen",
    about = "Reconnect storm: N tablets × M offline cases, then all online at once"
)]
struct Args {
    /// The server, e.g. http://127.0.0.1:18182 (nothing else is contacted).
    #[arg(long)]
    url: String,
    /// Number of tablets (accounts <prefix>1 … <prefix>N must exist, role operator).
    #[arg(long, default_value_t = 10)]
    tablets: usize,
    /// Cases each tablet opens offline.
    #[arg(long, default_value_t = 5)]
    cases: usize,
    #[arg(long, default_value = "load.op")]
    username_prefix: String,
    /// The accounts' password (or env SPORTELLO_LOADGEN_PASSWORD).
    #[arg(long, env = "SPORTELLO_LOADGEN_PASSWORD", hide_env_values = true)]
    password: String,
    /// After the storm, a fresh tablet of the first account logs in, follows its index and downloads
    /// every case (operators may read every case at the desk); its time is reported as `download`.
    #[arg(long)]
    then_download: bool,
    /// Approximate size of each case's summary text, in bytes.
    #[arg(long, default_value_t = 2000)]
    summary_bytes: usize,
    /// Give up on convergence after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Where the tablets' stores go (default: a temporary directory, removed afterwards).
    #[arg(long)]
    store_dir: Option<PathBuf>,
    /// The server's process id, to report its memory and CPU time (Linux /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Logins at once (each costs the server an argon2 hash).
    #[arg(long, default_value_t = 8)]
    login_concurrency: usize,
}

/// The server's resource figures from /proc.
#[derive(Debug, Clone, Copy, Default)]
struct ProcFigures {
    rss_kib: u64,
    hwm_kib: u64,
    cpu_seconds: f64,
}

fn proc_figures(pid: u32) -> anyhow::Result<ProcFigures> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(ProcFigures {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
        cpu_seconds: cpu_seconds(&format!("/proc/{pid}/stat"))?,
    })
}

/// utime + stime of a process, assuming the usual 100 clock ticks per second.
fn cpu_seconds(stat_path: &str) -> anyhow::Result<f64> {
    let stat =
        std::fs::read_to_string(stat_path).with_context(|| format!("reading {stat_path}"))?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After ')': state is field 3 of the whole line, utime 14 and stime 15 → indexes 11 and 12 here.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((ticks(11) + ticks(12)) as f64 / 100.0)
}

/// A valid intake with a summary of about `bytes` bytes.
fn intake(
    tablet: &Tablet,
    tablet_no: usize,
    case_no: usize,
    bytes: usize,
) -> anyhow::Result<CaseDoc> {
    let owner = tablet.owner().context("logged in")?;
    let now = tablet.now();
    let mut case = CaseDoc::new(owner.id, &now, Channel::Desk);
    case.person.given_name = "Persona".into();
    case.person.family_name = format!("Carico{tablet_no}x{case_no}");
    case.consent.privacy_notice = true;
    case.consent.recorded_at = Some(now.as_str().to_owned());
    let sentence =
        "Il richiedente riferisce difficoltà economiche e abitative; chiede un colloquio. ";
    let mut summary = String::with_capacity(bytes + sentence.len());
    while summary.len() < bytes {
        summary.push_str(sentence);
    }
    case.summary = summary;
    case.needs = vec![Need {
        code: NeedCode::parse("economic").map_err(|e| anyhow::anyhow!("{e}"))?,
        note: "ISEE in corso".into(),
    }];
    Ok(case)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.tablets == 0 || args.cases == 0 {
        bail!("--tablets and --cases must be at least 1");
    }
    let temp = tempfile_dir(args.store_dir.clone())?;
    let options = TabletOptions {
        // Operators may read every open case: following the index would make each tablet download the
        // whole storm. The storm measures uploads.
        follow_index: false,
        ..TabletOptions::default()
    };

    // Log in (not timed as part of the storm).
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.login_concurrency.max(1)));
    let logins = (1..=args.tablets).map(|n| {
        let gate = Arc::clone(&gate);
        let dir = temp.path.join(format!("tablet-{n}"));
        let username = format!("{}{n}", args.username_prefix);
        let (url, password, options) = (args.url.clone(), args.password.clone(), options.clone());
        async move {
            let tablet = Tablet::open_with(&dir, &url, &format!("loadgen {n}"), options).await?;
            let _permit = gate.acquire().await?;
            tablet
                .login(&username, &password)
                .await
                .with_context(|| format!("login {username}"))?;
            anyhow::Ok(tablet)
        }
    });
    let tablets: Vec<Tablet> = join_all(logins)
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let seconds_to_login = started.elapsed().as_secs_f64();

    // Offline intakes.
    let started = Instant::now();
    let creations = tablets.iter().enumerate().map(|(t, tablet)| async move {
        let mut ids = Vec::with_capacity(args.cases);
        for c in 0..args.cases {
            let case = intake(tablet, t + 1, c + 1, args.summary_bytes)?;
            ids.push(tablet.create_case(&case).await?);
        }
        anyhow::Ok(ids)
    });
    let ids: Vec<Vec<DocumentId>> = join_all(creations)
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let seconds_to_create = started.elapsed().as_secs_f64();
    let documents: usize = ids.iter().map(Vec::len).sum();

    // The storm.
    let before = args.server_pid.map(proc_figures).transpose()?;
    let own_cpu_before = cpu_seconds("/proc/self/stat").unwrap_or(0.0);
    let started = Instant::now();
    for tablet in &tablets {
        tablet.start();
    }
    let timeout = Duration::from_secs(args.timeout);
    let waits = tablets
        .iter()
        .zip(&ids)
        .map(|(tablet, ids)| tablet.wait_synced(ids, timeout));
    let outcomes = join_all(waits).await;
    let seconds = started.elapsed().as_secs_f64();
    let after = args.server_pid.map(proc_figures).transpose()?;
    let own_cpu = cpu_seconds("/proc/self/stat").unwrap_or(0.0) - own_cpu_before;

    let converged_tablets = outcomes.iter().filter(|o| o.is_ok()).count();
    let synced: usize = tablets
        .iter()
        .zip(&ids)
        .map(|(tablet, ids)| {
            ids.iter()
                .filter(|id| tablet.status(**id).is_some_and(|s| s.synced_to_server))
                .count()
        })
        .sum();
    let refused: usize = tablets
        .iter()
        .zip(&ids)
        .map(|(tablet, ids)| {
            ids.iter()
                .filter(|id| tablet.status(**id).is_some_and(|s| s.refused.is_some()))
                .count()
        })
        .sum();
    let first_error = outcomes
        .iter()
        .find_map(|o| o.as_ref().err())
        .map(|e| e.to_string());
    for tablet in &tablets {
        tablet.stop().await;
    }

    let converged = converged_tablets == tablets.len();

    // A fresh tablet downloads everything it may open, through its index.
    let download = if args.then_download && converged {
        let all: Vec<DocumentId> = ids.iter().flatten().copied().collect();
        let dir = temp.path.join("download");
        let fresh = Tablet::open(&dir, &args.url, "loadgen download").await?;
        fresh
            .login(&format!("{}1", args.username_prefix), &args.password)
            .await
            .context("download login")?;
        let started = Instant::now();
        fresh.start();
        let outcome = fresh
            .wait_for(timeout, "download", |tablet| {
                all.iter()
                    .all(|id| tablet.status(*id).is_some_and(|s| s.has_content))
            })
            .await;
        let seconds = started.elapsed().as_secs_f64();
        let received = all
            .iter()
            .filter(|id| fresh.status(**id).is_some_and(|s| s.has_content))
            .count();
        fresh.stop().await;
        json!({
            "documents": all.len(),
            "received": received,
            "seconds": if outcome.is_ok() { Some(seconds) } else { None },
            "docs_per_second": received as f64 / seconds,
        })
    } else {
        serde_json::Value::Null
    };
    let server = match (before, after, args.server_pid) {
        (Some(before), Some(after), Some(pid)) => {
            let cpu = after.cpu_seconds - before.cpu_seconds;
            json!({
                "pid": pid,
                "rss_before_kib": before.rss_kib,
                "rss_after_kib": after.rss_kib,
                "peak_rss_kib": after.hwm_kib,
                "cpu_seconds": cpu,
                "cpu_ms_per_document": cpu * 1000.0 / documents as f64,
            })
        }
        _ => serde_json::Value::Null,
    };
    let report = json!({
        "tablets": tablets.len(),
        "cases_per_tablet": args.cases,
        "documents": documents,
        "summary_bytes": args.summary_bytes,
        "seconds_to_login": seconds_to_login,
        "seconds_to_create_offline": seconds_to_create,
        "seconds_to_convergence": if converged { Some(seconds) } else { None },
        "seconds_elapsed": seconds,
        "docs_per_second": synced as f64 / seconds,
        "converged": converged,
        "documents_synced": synced,
        "documents_refused": refused,
        "loadgen_cpu_seconds": own_cpu,
        "server": server,
        "download": download,
        "first_error": first_error,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    drop(tablets);
    if !converged {
        std::process::exit(1);
    }
    Ok(())
}

/// The stores' directory: the one given, or a temporary one removed on drop.
struct StoreDir {
    path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

fn tempfile_dir(given: Option<PathBuf>) -> anyhow::Result<StoreDir> {
    match given {
        Some(path) => Ok(StoreDir { path, _temp: None }),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("sportello-loadgen-")
                .tempdir()?;
            Ok(StoreDir {
                path: temp.path().to_owned(),
                _temp: Some(temp),
            })
        }
    }
}
