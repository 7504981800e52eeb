//! The error codes the server sends (`sportello_schema::api::ErrorCode`), written to
//! `tests/fixtures/error-codes.json` for the tablet app: `web/src/data/error-codes.test.ts` checks that
//! every code the app matches on is one of them, so a code renamed here cannot leave the app waiting for a
//! code that never comes.
//!
//! The test fails when the file is stale; `SPORTELLO_REGENERATE_ERROR_CODES=1 cargo test -p
//! sportello-schema --test error_codes` rewrites it.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed: the panic is the report

use std::path::PathBuf;

use serde_json::json;
use sportello_schema::api::ErrorCode;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/error-codes.json")
}

#[test]
fn the_shared_list_of_error_codes_is_up_to_date() {
    let codes: Vec<&str> = ErrorCode::KNOWN.iter().map(ErrorCode::as_str).collect();
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&json!({ "codes": codes })).unwrap()
    );
    let path = fixture_path();
    if std::env::var_os("SPORTELLO_REGENERATE_ERROR_CODES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == text,
        "{} is stale: regenerate it with SPORTELLO_REGENERATE_ERROR_CODES=1 cargo test -p sportello-schema --test error_codes",
        path.display()
    );
}
