//! `sportello-indexbench`: the per-user index under load. Prints one JSON object.
//!
//! 1. **Seed** (not measured): `--seeders` tablets create `--cases` open cases between them and sync them.
//! 2. **Ready**: `--operators` operators log in (at most `--concurrency` at once) on fresh tablets and ask
//!    for their index. An index is *ready* when the tablet holds a version that lists every case at the
//!    desk and the directory (the first sync answer with the full index). Timed from the login's answer
//!    (the tablet knows `index_doc`) to that moment; the login itself (a deliberately slow password hash)
//!    is reported apart. The first round finds indexes never built (the full build); with `--reopen`, the
//!    same operators then log in again on fresh tablets while their indexes are kept current (the server
//!    only sends them).
//! 3. **One change**: with every operator's tablet still connected (their indexes open), a seeder edits
//!    one case at the desk `--changes` times, one at a time. Each change reaches every operator's index.
//!    The server's own figures are read from `/metrics`, the delta of their sums per change:
//!    `sportello_index_apply_seconds` (from the commit to the updated heads of every affected index in
//!    memory) and `sportello_index_update_seconds` (until they are all stored durably and pushed); the
//!    time until every tablet holds the new entry is reported beside them.
//!
//! The accounts must exist (operators `<prefix>1` … and `<seed-prefix>1` …, one password); see
//! `scripts/bench-index.sh`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use automerge::{ObjType, ROOT, ReadDoc};
use clap::Parser;
use futures_util::future::join_all;
use serde_json::json;
use sportello_client_sync::{Tablet, TabletOptions};
use sportello_schema::catalogue::NeedCode;
use sportello_schema::documents::{CaseDoc, Channel, Need};
use sportello_schema::sync::{AutomergeUrl, DocumentId};
use tokio::sync::Semaphore;

#[derive(Debug, Parser)]
#[command(
    name = "sportello-indexbench",
    about = "Index readiness and incremental updates"
)]
struct Args {
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 200)]
    operators: usize,
    #[arg(long, default_value_t = 8000)]
    cases: usize,
    #[arg(long, default_value_t = 40)]
    seeders: usize,
    #[arg(long, default_value = "bench.op")]
    username_prefix: String,
    #[arg(long, default_value = "bench.seed")]
    seed_prefix: String,
    #[arg(long, env = "SPORTELLO_BENCH_PASSWORD", hide_env_values = true)]
    password: String,
    /// Operators logging in and opening their index at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// After the first round, the same operators log in again on fresh tablets.
    #[arg(long)]
    reopen: bool,
    /// Case changes measured one at a time.
    #[arg(long, default_value_t = 20)]
    changes: usize,
    /// The metrics scrape token (the server's `<data-dir>/metrics.token`).
    #[arg(long, env = "SPORTELLO_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: String,
    #[arg(long, default_value_t = 600)]
    timeout: u64,
}

fn intake(tablet: &Tablet, seeder: usize, n: usize) -> anyhow::Result<CaseDoc> {
    let owner = tablet.owner().context("logged in")?;
    let now = tablet.now();
    let mut case = CaseDoc::new(owner.id, &now, Channel::Desk);
    case.person.given_name = "Persona".into();
    case.person.family_name = format!("Indice{seeder}x{n}");
    case.consent.privacy_notice = true;
    case.consent.recorded_at = Some(now.as_str().to_owned());
    case.summary = "Chiede un colloquio.".into();
    case.needs = vec![Need {
        code: NeedCode::parse("economic").map_err(|e| anyhow::anyhow!("{e}"))?,
        note: String::new(),
    }];
    Ok(case)
}

/// Entries in the tablet's copy of the index, and whether one of them has `title`.
fn index_state(tablet: &Tablet, index: DocumentId, title: Option<&str>) -> (usize, bool) {
    tablet
        .with_document(index, |doc| {
            let Ok(Some((automerge::Value::Object(ObjType::List), list))) =
                doc.get(ROOT, "entries")
            else {
                return (0, false);
            };
            let length = doc.length(&list);
            let found = title.is_some_and(|title| {
                // The changed case moves to the front: look there first.
                (0..length).any(|i| {
                    let Ok(Some((_, entry))) = doc.get(&list, i) else {
                        return false;
                    };
                    matches!(doc.get(&entry, "title"), Ok(Some((value, _)))
                        if value.as_str() == Some(title))
                })
            });
            (length, found)
        })
        .unwrap_or((0, false))
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn summary(mut values: Vec<f64>) -> serde_json::Value {
    values.sort_by(f64::total_cmp);
    json!({
        "n": values.len(),
        "p50_ms": percentile(&values, 50.0).map(|s| s * 1000.0),
        "p95_ms": percentile(&values, 95.0).map(|s| s * 1000.0),
        "max_ms": values.last().map(|s| s * 1000.0),
    })
}

struct Opened {
    tablet: Tablet,
    login_seconds: f64,
    ready_seconds: f64,
    index: DocumentId,
}

/// Logs `username` in on a fresh tablet and waits for its full index (`expected` entries at least).
async fn open_index(
    dir: PathBuf,
    args: &Args,
    username: String,
    expected: usize,
) -> anyhow::Result<Opened> {
    let options = TabletOptions {
        follow_index: false,
        ..TabletOptions::default()
    };
    let tablet = Tablet::open_with(&dir, &args.url, "indexbench", options).await?;
    let started = Instant::now();
    tablet
        .login(&username, &args.password)
        .await
        .with_context(|| format!("login {username}"))?;
    let login_seconds = started.elapsed().as_secs_f64();
    let url = tablet
        .api()
        .index_doc()
        .await
        .context("login names the index")?;
    let url = AutomergeUrl::parse(&url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let index = tablet.want(&url).await?;
    tablet.start();
    tablet
        .wait_for(
            Duration::from_secs(args.timeout),
            "the full index",
            |tablet| index_state(tablet, index, None).0 >= expected,
        )
        .await?;
    Ok(Opened {
        tablet,
        login_seconds,
        ready_seconds: started.elapsed().as_secs_f64(),
        index,
    })
}

async fn open_all(
    args: &Args,
    root: &std::path::Path,
    round: &str,
    expected: usize,
) -> anyhow::Result<Vec<Opened>> {
    let gate = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let opens = (1..=args.operators).map(|n| {
        let gate = Arc::clone(&gate);
        let dir = root.join(format!("{round}-{n}"));
        let username = format!("{}{n}", args.username_prefix);
        async move {
            let _permit = gate.acquire().await?;
            open_index(dir, args, username, expected).await
        }
    });
    join_all(opens).await.into_iter().collect()
}

/// Per index round, from `/metrics`: (sum, count) of `sportello_index_update_seconds` (stored and pushed)
/// and the sum of `sportello_index_apply_seconds` (heads updated in memory).
async fn update_metric(client: &reqwest::Client, args: &Args) -> anyhow::Result<(f64, u64, f64)> {
    let text = client
        .get(format!("{}/metrics", args.url))
        .bearer_auth(&args.metrics_token)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let value = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok((
        value("sportello_index_update_seconds_sum "),
        value("sportello_index_update_seconds_count ") as u64,
        value("sportello_index_apply_seconds_sum "),
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.operators == 0 || args.cases == 0 || args.seeders == 0 {
        bail!("--operators, --cases and --seeders must be at least 1");
    }
    let temp = tempfile::Builder::new()
        .prefix("sportello-indexbench-")
        .tempdir()?;
    let timeout = Duration::from_secs(args.timeout);

    // 1. Seed.
    let started = Instant::now();
    let quiet = TabletOptions {
        follow_index: false,
        ..TabletOptions::default()
    };
    let seeds = (1..=args.seeders).map(|s| {
        let dir = temp.path().join(format!("seed-{s}"));
        let username = format!("{}{s}", args.seed_prefix);
        let share = args.cases / args.seeders + usize::from(s <= args.cases % args.seeders);
        let (args, quiet) = (&args, quiet.clone());
        async move {
            let tablet = Tablet::open_with(&dir, &args.url, "indexbench seed", quiet).await?;
            tablet.login(&username, &args.password).await?;
            let mut ids = Vec::with_capacity(share);
            for n in 0..share {
                ids.push(tablet.create_case(&intake(&tablet, s, n)?).await?);
            }
            tablet.start();
            tablet.wait_synced(&ids, timeout).await?;
            anyhow::Ok((tablet, ids))
        }
    });
    let seeded: Vec<(Tablet, Vec<DocumentId>)> = join_all(seeds)
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let seed_seconds = started.elapsed().as_secs_f64();
    // Every case at the desk, and the directory.
    let expected = args.cases + 1;

    // 2. Ready.
    let opened = open_all(&args, temp.path(), "first", expected).await?;
    let index_bytes = opened
        .first()
        .and_then(|o| o.tablet.with_document(o.index, |doc| doc.save().len()));
    let first = json!({
        "index_bytes_saved": index_bytes,
        "login": summary(opened.iter().map(|o| o.login_seconds).collect()),
        "ready": summary(opened.iter().map(|o| o.ready_seconds).collect()),
    });

    // 3. One change at a time, every operator's index open.
    let client = reqwest::Client::new();
    let (writer, ids) = &seeded[0];
    let changed = ids[0];
    let mut server_seconds = Vec::new();
    let mut applied_seconds = Vec::new();
    let mut tablets_seconds = Vec::new();
    for change in 0..args.changes {
        let title_name = format!("Cambio{change}");
        let title = format!("{title_name} Persona");
        let before = update_metric(&client, &args).await?;
        let started = Instant::now();
        writer
            .edit_case(changed, |case| case.person.family_name = title_name.clone())
            .await?;
        writer.wait_synced(&[changed], timeout).await?;
        let waits = opened.iter().map(|o| {
            let title = title.clone();
            async move {
                o.tablet
                    .wait_for(timeout, "the changed entry", |tablet| {
                        index_state(tablet, o.index, Some(&title)).1
                    })
                    .await
            }
        });
        for outcome in join_all(waits).await {
            outcome?;
        }
        tablets_seconds.push(started.elapsed().as_secs_f64());
        // The server's figure is observed after its writes; wait for it to be counted (a server without
        // the metric, e.g. before incremental updates, gives none).
        let waited = Instant::now();
        let mut after = update_metric(&client, &args).await?;
        while after.1 == before.1 && waited.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            after = update_metric(&client, &args).await?;
        }
        if after.1 > before.1 {
            let rounds = (after.1 - before.1) as f64;
            server_seconds.push((after.0 - before.0) / rounds);
            applied_seconds.push((after.2 - before.2) / rounds);
        }
    }

    for o in &opened {
        o.tablet.stop().await;
    }
    // The indexes stay kept current for a while after their tablets leave.
    let reopen = if args.reopen {
        let again = open_all(&args, temp.path(), "again", expected).await?;
        let figures = json!({
            "login": summary(again.iter().map(|o| o.login_seconds).collect()),
            "ready": summary(again.iter().map(|o| o.ready_seconds).collect()),
        });
        for o in &again {
            o.tablet.stop().await;
        }
        figures
    } else {
        serde_json::Value::Null
    };
    for (tablet, _) in &seeded {
        tablet.stop().await;
    }

    let report = json!({
        "operators": args.operators,
        "open_cases": args.cases,
        "concurrency": args.concurrency,
        "seed_seconds": seed_seconds,
        "first_open": first,
        "reopen": reopen,
        "one_change": {
            "affected_indexes": args.operators,
            "server_commit_to_index_heads_in_memory": summary(applied_seconds),
            "server_commit_to_index_heads_stored_and_pushed": summary(server_seconds),
            "until_every_tablet_has_it": summary(tablets_seconds),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
