//! Builds the tablet app (`web/`) when needed and embeds `web/dist` in the binary, so a deployment is one
//! file (`routes::app` serves it).
//!
//! - `web/dist` is rebuilt (`npm ci` when `node_modules` is missing or older than `package-lock.json`, then
//!   `npm run build`) only when it is missing or older than the app's sources; cargo re-runs this script
//!   only when those sources, `web/dist` or `SPORTELLO_SKIP_WEB_BUILD` change, so a Rust-only change never
//!   pays for the web build.
//! - `SPORTELLO_SKIP_WEB_BUILD=1` never runs npm: an existing `web/dist` is still embedded; without one the
//!   server serves a page saying the app was not built.
//! - Every embedded file is also gzip-compressed here (when that makes it smaller), so the server never
//!   compresses at run time.
//! - Concurrent cargo invocations (clippy and test) take a lock on `web/.build.lock` before building.
//!
//! Output: `$OUT_DIR/web_assets.rs`, a table of `Asset { path, body, gzip, etag }` with `include_bytes!`.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// What the web build reads, relative to `web/`.
const SOURCES: &[&str] = &[
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];
/// Written into `web/dist` after a successful build: its time is the build's.
const STAMP: &str = ".cargo-build-stamp";

fn main() {
    println!("cargo::rerun-if-env-changed=SPORTELLO_SKIP_WEB_BUILD");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let web = manifest.join("..").join("web");
    if !web.join("package.json").is_file() {
        write_table(&out, None);
        return;
    }
    for source in SOURCES {
        println!("cargo::rerun-if-changed={}", web.join(source).display());
    }
    let dist = web.join("dist");
    println!("cargo::rerun-if-changed={}", dist.display());

    let skip = std::env::var("SPORTELLO_SKIP_WEB_BUILD")
        .map(|value| !value.is_empty() && value != "0")
        .unwrap_or(false);
    if skip {
        println!(
            "cargo::warning=SPORTELLO_SKIP_WEB_BUILD is set: the web app is not rebuilt{}",
            if dist.join("index.html").is_file() {
                " (embedding the existing web/dist)"
            } else {
                "; the server will say the app was not built"
            }
        );
    } else {
        build_if_stale(&web, &dist);
    }
    if dist.join("index.html").is_file() {
        write_table(&out, Some(&dist));
    } else {
        write_table(&out, None);
    }
}

fn build_if_stale(web: &Path, dist: &Path) {
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(web.join(".build.lock"))
        .unwrap_or_else(|error| panic!("cannot create web/.build.lock: {error}"));
    lock.lock()
        .unwrap_or_else(|error| panic!("cannot lock web/.build.lock: {error}"));

    let sources = SOURCES
        .iter()
        .filter_map(|source| newest(&web.join(source)))
        .max();
    let built = modified(&dist.join(STAMP));
    if built.is_some() && built >= sources {
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let installed = modified(&web.join("node_modules").join(".package-lock.json"));
    if installed.is_none() || installed < modified(&web.join("package-lock.json")) {
        run(web, npm, &["ci", "--no-audit", "--no-fund"]);
    }
    run(web, npm, &["run", "build"]);
    fs::write(dist.join(STAMP), b"built by server/build.rs\n")
        .unwrap_or_else(|error| panic!("cannot write web/dist/{STAMP}: {error}"));
}

fn run(web: &Path, program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .current_dir(web)
        .status()
        .unwrap_or_else(|error| {
            panic!(
                "\n\nBuilding the web app (web/) needs Node.js 20.19 or newer with npm on the PATH \
                 (running `{program}` failed: {error}).\nInstall Node.js with npm, or set \
                 SPORTELLO_SKIP_WEB_BUILD=1 to build the server without the app (it then serves a page \
                 saying the app was not built).\n\n"
            )
        });
    assert!(
        status.success(),
        "`{program} {}` in web/ failed ({status}); see its output above. Set SPORTELLO_SKIP_WEB_BUILD=1 \
         to build the server without the app.",
        args.join(" ")
    );
}

/// The newest modification time of a file or of any file under a folder.
fn newest(path: &Path) -> Option<SystemTime> {
    let metadata = fs::metadata(path).ok()?;
    if !metadata.is_dir() {
        return metadata.modified().ok();
    }
    let mut latest = metadata.modified().ok();
    for entry in fs::read_dir(path).ok()?.flatten() {
        latest = latest.max(newest(&entry.path()));
    }
    latest
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn files(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, found);
        } else if path.file_name().is_some_and(|name| name != STAMP) {
            found.push(path);
        }
    }
}

fn write_table(out: &Path, dist: Option<&Path>) {
    let mut table = String::from("// Generated by server/build.rs from web/dist.\n");
    let _ = writeln!(table, "pub const BUILT: bool = {};", dist.is_some());
    table.push_str("pub static ASSETS: &[Asset] = &[\n");
    if let Some(dist) = dist {
        let mut found = Vec::new();
        files(dist, &mut found);
        found.sort();
        let gz_dir = out.join("web-gz");
        fs::create_dir_all(&gz_dir).expect("OUT_DIR is writable");
        for (n, file) in found.iter().enumerate() {
            let relative = file
                .strip_prefix(dist)
                .expect("under dist")
                .to_string_lossy()
                .replace('\\', "/");
            let body = fs::read(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            let gzip = compressed(&body).map(|gz| {
                let path = gz_dir.join(format!("{n}.gz"));
                fs::write(&path, gz).expect("OUT_DIR is writable");
                path
            });
            let gzip = match gzip {
                Some(path) => format!("Some(include_bytes!({:?}))", path.display().to_string()),
                None => "None".to_owned(),
            };
            let _ = writeln!(
                table,
                "    Asset {{ path: {:?}, body: include_bytes!({:?}), gzip: {gzip}, etag: \"\\\"{:016x}\\\"\" }},",
                format!("/{relative}"),
                file.display().to_string(),
                fnv1a(&body),
            );
        }
    }
    table.push_str("];\n");
    let target = out.join("web_assets.rs");
    // Rewrite only on change, so an unchanged table does not look new.
    if fs::read_to_string(&target).ok().as_deref() != Some(table.as_str()) {
        let mut file = fs::File::create(&target).expect("OUT_DIR is writable");
        file.write_all(table.as_bytes())
            .expect("OUT_DIR is writable");
    }
}

/// Gzip at the best level, for types that compress and only when it saves something.
fn compressed(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() < 256 || body.starts_with(b"\x89PNG") || body.starts_with(b"wOF2") {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    let gz = encoder.finish().ok()?;
    (gz.len() + 64 < body.len()).then_some(gz)
}

/// A content fingerprint for the ETag (FNV-1a, 64 bits): not a security measure.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
