//! Benchmark: the admin's case statistics (`GET /api/v1/admin/case-stats`) over N stored case documents.
//!
//! Seeds a temporary data directory with N case documents (directly through the storage layer; each with
//! two or three needs, a referral accepted after some days, a summary of about 2 KB), then times
//! `CaseStatsService::statistics` for a year:
//!
//! - **cold**: the first request after a start, which loads and reads every case document;
//! - **warm**: the next one, nothing changed (one query for the versions, the sums over the cached facts);
//! - **after 1 % changed**: the next one after 1 % of the cases got a new stored version.
//!
//! Prints one JSON line per stage, with the resident memory. Run in release mode:
//!
//! ```sh
//! cargo bench -p sportello-server --bench case_stats -- 20000
//! ```

use std::time::Instant;

use automerge::AutoCommit;
use sportello_schema::catalogue::NeedCode;
use sportello_schema::desk_time::DeskDay;
use sportello_schema::documents::{CaseDoc, Channel, DocKind, Need, Referral, ReferralStatus};
use sportello_schema::values::Rfc3339Utc;
use sportello_schema::{AreaCode, UserId};
use sportello_server::audit::AuditActor;
use sportello_server::case_stats::CaseStatsService;
use sportello_server::context::RequestContext;
use sportello_server::metrics::DbMetrics;
use sportello_server::storage::documents::{self, StoredFacts};
use sportello_server::storage::{Storage, StorageOptions};

const NEEDS: [&str; 6] = [
    "economic",
    "housing",
    "employment",
    "language",
    "health",
    "legal",
];
const AREAS: [&str; 4] = ["elderly", "housing", "minors_families", "migrants"];

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// A case opened on day `n % 300` of 2026, with needs and one accepted referral.
fn case_snapshot(n: usize) -> Vec<u8> {
    let day = n % 300;
    let opened = jiff::Timestamp::from_second(1_767_250_800 + (day as i64) * 86_400)
        .expect("a valid constant");
    let created_at = Rfc3339Utc::parse(&opened.to_string()).expect("valid time");
    let worker = UserId::new_random();
    let mut case = CaseDoc::new(UserId::new_random(), &created_at, Channel::Desk);
    case.person.given_name = format!("Nome{n}");
    case.person.family_name = format!("Cognome{n}");
    case.consent.privacy_notice = true;
    case.consent.recorded_at = Some(created_at.as_str().to_owned());
    case.summary =
        "Richiesta di sostegno per il pagamento dell'affitto e delle utenze; ".repeat(30);
    case.needs = (0..2 + n % 2)
        .map(|k| Need {
            code: NeedCode::parse(NEEDS[(n + k) % NEEDS.len()]).expect("a valid constant"),
            note: String::new(),
        })
        .collect();
    let mut referral = Referral::propose(
        "r1",
        AreaCode::parse(AREAS[n % AREAS.len()]).expect("a valid constant"),
        "valutazione",
        case.created_by,
        &created_at,
    );
    referral.status = ReferralStatus::Accepted;
    referral.decided_by = Some(worker);
    let decided = opened + jiff::SignedDuration::from_hours(24 * (1 + (n % 9) as i64));
    referral.decided_at = Some(decided.to_string());
    case.referrals.push(referral);
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, &case).expect("a case reconciles");
    doc.save()
}

fn id_of(n: usize) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&(n as u64).to_be_bytes());
    id
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = Storage::open(dir.path(), StorageOptions::default(), DbMetrics::detached())
        .expect("storage");

    let seeding = Instant::now();
    // 300 distinct documents (one per day of the year) stored over and over: enough variety for the sums.
    let templates: Vec<Vec<u8>> = (0..300).map(case_snapshot).collect();
    for batch in 0..count.div_ceil(1000) {
        let templates = templates.clone();
        let (first, last) = (batch * 1000, ((batch + 1) * 1000).min(count));
        storage
            .write(move |conn| {
                for n in first..last {
                    let facts = StoredFacts::of_kind(DocKind::Case);
                    documents::insert(conn, &id_of(n), &facts, &templates[n % 300], 0)?;
                }
                Ok(())
            })
            .await
            .expect("seeding write");
    }
    println!(
        "{{\"stage\":\"seeded\",\"documents\":{count},\"seconds\":{:.2},\"snapshot_bytes\":{},\"rss_mib\":{}}}",
        seeding.elapsed().as_secs_f64(),
        templates[0].len(),
        rss_mib()
    );

    let service = CaseStatsService::new(storage.clone());
    let now = jiff::Timestamp::from_second(1_795_000_000).expect("a valid constant");
    let ctx = RequestContext::new(AuditActor::system(), now, None);
    let year = (
        Some(DeskDay::parse("2026-01-01").expect("a valid constant")),
        Some(DeskDay::parse("2026-12-31").expect("a valid constant")),
    );
    let timed = |stage: &'static str| {
        let service = service.clone();
        let ctx = ctx.clone();
        async move {
            let started = Instant::now();
            let stats = service
                .statistics(&ctx, year.0, year.1)
                .await
                .expect("statistics");
            println!(
                "{{\"stage\":\"{stage}\",\"documents\":{count},\"ms\":{:.1},\"intakes\":{},\"rss_mib\":{}}}",
                started.elapsed().as_secs_f64() * 1000.0,
                stats.intakes.total.count.unwrap_or(0),
                rss_mib()
            );
        }
    };
    timed("cold").await;
    timed("warm").await;

    // 1 % of the cases get a new stored version (an empty chunk: the content is the same, the version new).
    let changed = (count / 100).max(1);
    storage
        .write(move |conn| {
            for n in 0..changed {
                let facts = StoredFacts::of_kind(DocKind::Case);
                documents::append_chunk(conn, &id_of(n * 100 % count), &[], &facts, 1)?;
            }
            Ok(())
        })
        .await
        .expect("touching write");
    timed("after_1pct_changed").await;
}
