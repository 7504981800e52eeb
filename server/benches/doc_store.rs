//! Benchmark: memory of the document cache against the number of stored documents.
//!
//! Seeds a temporary data directory with N case documents of about 2 KB of text each (directly through
//! the storage layer), then opens them all through the server's `DocStore` (default capacity), as a
//! stream of tablets asking for different documents would, and prints the resident memory (VmRSS, VmHWM
//! from /proc) before and after, with load times. Run in release mode:
//!
//! ```sh
//! cargo bench -p sportello-server --bench doc_store -- 100000
//! ```

use std::time::Instant;

use automerge::AutoCommit;
use sportello_schema::UserId;
use sportello_schema::documents::{CaseDoc, Channel, DocKind};
use sportello_schema::values::Rfc3339Utc;
use sportello_server::config::Settings;
use sportello_server::metrics::DbMetrics;
use sportello_server::storage::documents::{self, StoredFacts};
use sportello_server::storage::{Storage, StorageOptions};
use sportello_server::sync::store::DocStore;

fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn case_snapshot(n: usize) -> Vec<u8> {
    let created_at = Rfc3339Utc::parse("2026-11-27T10:00:00Z").expect("valid time");
    let mut case = CaseDoc::new(UserId::new_random(), &created_at, Channel::Desk);
    case.person.given_name = format!("Nome{n}");
    case.person.family_name = format!("Cognome{n}");
    case.consent.privacy_notice = true;
    case.consent.recorded_at = Some(created_at.as_str().to_owned());
    case.summary =
        "Richiesta di sostegno per il pagamento dell'affitto e delle utenze; ".repeat(30);
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, &case).expect("a case reconciles");
    doc.save()
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = Storage::open(dir.path(), StorageOptions::default(), DbMetrics::detached())
        .expect("storage");
    let (rss, _) = memory();
    println!("{{\"stage\":\"start\",\"rss_mib\":{rss}}}");

    let seeding = Instant::now();
    let template = case_snapshot(0);
    let mut tasks = Vec::new();
    for batch in 0..count.div_ceil(1000) {
        let storage = storage.clone();
        let template = template.clone();
        let first = batch * 1000;
        let last = ((batch + 1) * 1000).min(count);
        tasks.push(tokio::spawn(async move {
            storage
                .write(move |conn| {
                    for n in first..last {
                        let mut id = [0u8; 16];
                        id[..8].copy_from_slice(&(n as u64).to_be_bytes());
                        let mut facts = StoredFacts::of_kind(DocKind::Case);
                        facts.created_by = Some(UserId::new_random());
                        documents::insert(conn, &id, &facts, &template, 0)?;
                    }
                    Ok(())
                })
                .await
        }));
    }
    for task in tasks {
        task.await.expect("seeding task").expect("seeding write");
    }
    let seeded = seeding.elapsed();
    let (rss, _) = memory();
    println!(
        "{{\"stage\":\"seeded\",\"documents\":{count},\"seconds\":{:.2},\"snapshot_bytes\":{},\"rss_mib\":{rss}}}",
        seeded.as_secs_f64(),
        template.len()
    );

    let capacity = Settings::for_data_dir(dir.path()).doc_cache_capacity;
    let store = DocStore::new(storage.clone(), capacity);
    let opening = Instant::now();
    for n in 0..count {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&(n as u64).to_be_bytes());
        let entry = store.open(id).await.expect("open").expect("stored");
        drop(entry);
    }
    let opened = opening.elapsed();
    let (rss, hwm) = memory();
    println!(
        "{{\"stage\":\"opened_all\",\"documents\":{count},\"cache_capacity\":{capacity},\"cached\":{},\"ms_per_open\":{:.3},\"rss_mib\":{rss},\"peak_rss_mib\":{hwm}}}",
        store.len(),
        opened.as_secs_f64() * 1000.0 / count as f64
    );
}
