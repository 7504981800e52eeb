//! The tablet app in a real browser and its own unit tests, from `cargo test`:
//! - `web/tests/browser/*.mjs` (one scenario per script, sharing `harness.mjs`; [`run_browser_scenario`]) drive Debian's Chromium with playwright-core against this server: log in
//!   with a one-time password, the forced change, the index with a case created live through the sync
//!   server by the stock JS client, offline indicator, offline reload (service worker), log out, and axe on
//!   every screen. Without `/usr/bin/chromium` it is skipped with a loud message, except on CI
//!   (`CI=true`), where it fails.
//! - `npm test` in `web/` (vitest): the app's data and sync modules.
//!
//! Screenshots at 1280×800 go to `target/web-screenshots/`, or to `$SPORTELLO_SCREENSHOTS`: run with
//! `SPORTELLO_SCREENSHOTS=docs/screenshots` (a path from `server/`: `../docs/screenshots`) when the screens
//! change, so an ordinary test run never rewrites tracked files.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::helpers::spawn_app;
use crate::web_app::app_is_built;

const CHROMIUM: &str = "/usr/bin/chromium";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// `npm ci` in `folder` once per test run if its packages are missing (CI installs them beforehand).
fn npm_install(folder: &Path) {
    if folder.join("node_modules").is_dir() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(folder)
        .status()
        .expect("npm runs (Node 20.19 or newer with npm must be installed)");
    assert!(status.success(), "`npm ci` in {} failed", folder.display());
}

static WEB_PACKAGES: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn the_web_apps_unit_tests_pass() {
    let web = repo_root().join("web");
    let _installed = WEB_PACKAGES.lock().unwrap_or_else(|e| e.into_inner());
    npm_install(&web);
    let output = Command::new("npm")
        .args(["test", "--silent"])
        .current_dir(&web)
        .output()
        .expect("npm runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "vitest failed in web/:\n{stdout}\n{stderr}"
    );
}

/// Whether the browser scenarios can run here: the app is built and Chromium is installed. Without Chromium
/// they are skipped loudly, except on CI (`CI=true`), where that is a failure.
pub fn browser_available() -> bool {
    if !app_is_built() {
        return false;
    }
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{CHROMIUM} is missing: CI must run the browser tests (apt-get install chromium)"
        );
        eprintln!(
            "\n*** SKIPPED: the browser tests need Debian's chromium ({CHROMIUM}); \
             `apt-get install chromium` to run them ***\n"
        );
        return false;
    }
    let root = repo_root();
    let _installed = WEB_PACKAGES.lock().unwrap_or_else(|e| e.into_inner());
    npm_install(&root.join("web"));
    npm_install(&root.join("tests/js"));
    true
}

/// Runs one scenario of `web/tests/browser/` (`script`, e.g. `shell.mjs`) against `address` with the
/// harness's environment (see `harness.mjs`) and `env`, and fails with its output unless every check passed.
pub async fn run_browser_scenario(script: &str, address: &str, env: &[(&str, &str)]) {
    let root = repo_root();
    let web = root.join("web");
    let screenshots = std::env::var_os("SPORTELLO_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/web-screenshots"));
    let mut command = Command::new("node");
    command
        .arg(web.join("tests/browser").join(script))
        .current_dir(&web)
        .env("SPORTELLO_URL", address)
        .env("CHROMIUM", CHROMIUM)
        .env("JS_CLIENT", root.join("tests/js/client.mjs"))
        .env("SCREENSHOTS", &screenshots);
    for (name, value) in env {
        command.env(name, value);
    }
    // On the blocking pool: the server's background tasks (the index refresh among them) run on this
    // test's runtime, and must keep running while the browser waits for them.
    let output = tokio::task::spawn_blocking(move || command.output().expect("node runs"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser scenario {script} failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

#[tokio::test]
async fn an_operator_changes_the_one_time_password_sees_cases_arrive_live_and_the_app_opens_offline()
 {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, one_time) = app
        .create_user_approved(
            &admin,
            &json!({"username": "op.web", "role": "operator", "display_name": "Giulia Neri"}),
        )
        .await;
    run_browser_scenario(
        "shell.mjs",
        &app.address,
        &[
            ("SPORTELLO_USERNAME", "op.web"),
            ("SPORTELLO_ONE_TIME_PASSWORD", &one_time),
        ],
    )
    .await;
}
