//! The tablet app served by `sportello serve` at `/` (`routes::app`): MIME types, cache headers, the CSP,
//! gzip, the fallback to `index.html` for app routes, and the paths that never get the app.

use std::io::Read as _;

use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
};
use serde_json::Value;
use sportello_server::routes::app::{CONTENT_SECURITY_POLICY as CSP, is_built};

use crate::helpers::{TestApp, spawn_app};

/// True when the binary carries the app; otherwise says so loudly, and fails on CI.
pub fn app_is_built() -> bool {
    if is_built() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the web app was not built into the server (SPORTELLO_SKIP_WEB_BUILD?): CI must test it"
    );
    eprintln!(
        "\n*** SKIPPED: the web app was not built (SPORTELLO_SKIP_WEB_BUILD and no web/dist) ***\n"
    );
    false
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .map(|value| value.to_str().unwrap())
        .unwrap_or_default()
}

/// The path of the first file name in `text` made of `prefix`, a hash and `suffix`.
fn asset_path(text: &str, prefix: &str, suffix: &str) -> String {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(prefix)
        .find_map(|(start, _)| {
            let rest = &text[start + prefix.len()..];
            let hash_len = rest.find(|c: char| !name_char(c))?;
            rest[hash_len..]
                .starts_with(suffix)
                .then(|| format!("/assets/{prefix}{}{suffix}", &rest[..hash_len]))
        })
        .unwrap_or_else(|| panic!("no {prefix}…{suffix} in the text"))
}

#[tokio::test]
async fn the_app_shell_is_served_at_the_root_with_a_strict_csp_and_no_cache() {
    if !app_is_built() {
        return;
    }
    let app = spawn_app().await;

    let index = get(&app, "/").await;

    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(header(&index, CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(header(&index, CACHE_CONTROL), "no-cache");
    let csp = header(&index, CONTENT_SECURITY_POLICY).to_owned();
    assert_eq!(csp, CSP);
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            csp.split("; ").any(|d| d == directive),
            "{directive} in {csp}"
        );
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(
        header(&index, "x-content-type-options".parse().unwrap()),
        "nosniff"
    );
    assert_eq!(
        header(&index, "referrer-policy".parse().unwrap()),
        "no-referrer"
    );
    let html = index.text().await.unwrap();
    assert!(html.contains(r#"<div id="root"></div>"#));
    // No inline script: every <script> loads a file.
    for script in html.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap()];
        assert!(
            tag.contains("src=\"/assets/"),
            "inline script: <script{tag}>"
        );
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_the_wasm_has_its_mime_type_and_a_gzip_copy() {
    if !app_is_built() {
        return;
    }
    let app = spawn_app().await;
    let html = get(&app, "/index.html").await.text().await.unwrap();
    let script = asset_path(&html, "index-", ".js");

    let js = get(&app, &script).await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(header(&js, CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(
        header(&js, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let entry = js.text().await.unwrap();
    // The entry loads each face's chunk on demand; only the tablet app's refers to automerge.wasm.
    let tablet = get(&app, &asset_path(&entry, "start-tablet-", ".js")).await;
    let bundle = tablet.text().await.unwrap();
    let wasm_path = asset_path(&bundle, "automerge-", ".wasm");

    let plain = get(&app, &wasm_path).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(header(&plain, CONTENT_TYPE), "application/wasm");
    assert_eq!(
        header(&plain, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    let plain = plain.bytes().await.unwrap();
    assert!(plain.starts_with(b"\0asm"));

    let gzipped = app
        .client
        .get(format!("{}{wasm_path}", app.address))
        .header("accept-encoding", "br, gzip;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&gzipped, CONTENT_ENCODING), "gzip");
    assert_eq!(header(&gzipped, "vary".parse().unwrap()), "Accept-Encoding");
    assert_eq!(header(&gzipped, CONTENT_TYPE), "application/wasm");
    let compressed = gzipped.bytes().await.unwrap();
    assert!(
        compressed.len() < plain.len() / 2,
        "gzip saves more than half"
    );
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, plain);

    // gzip refused with q=0: the plain bytes.
    let refused = app
        .client
        .get(format!("{}{script}", app.address))
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&refused, CONTENT_ENCODING), "");
}

#[tokio::test]
async fn the_manifest_and_the_service_worker_are_never_cached_and_revalidate_by_etag() {
    if !app_is_built() {
        return;
    }
    let app = spawn_app().await;

    let manifest = get(&app, "/manifest.webmanifest").await;
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(header(&manifest, CONTENT_TYPE), "application/manifest+json");
    assert_eq!(header(&manifest, CACHE_CONTROL), "no-cache");
    let parsed: Value = manifest.json().await.unwrap();
    assert_eq!(parsed["start_url"], "/");

    let worker = get(&app, "/sw.js").await;
    assert_eq!(worker.status(), StatusCode::OK);
    assert_eq!(
        header(&worker, CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&worker, CACHE_CONTROL), "no-cache");
    let etag = header(&worker, ETAG).to_owned();
    let source = worker.text().await.unwrap();
    // automerge.wasm is not precached (the totem and display never need it): the tablet app keeps it in
    // the cache the worker answers it from.
    assert!(
        source.contains("sportello-wasm") && source.contains("CacheFirst"),
        "the service worker answers automerge.wasm from its own cache"
    );
    assert!(
        !source.contains(".wasm\",revision"),
        "the service worker precaches automerge.wasm"
    );

    let again = app
        .client
        .get(format!("{}/sw.js", app.address))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn app_routes_fall_back_to_the_shell_but_missing_files_are_404() {
    if !app_is_built() {
        return;
    }
    let app = spawn_app().await;
    let shell = get(&app, "/").await.text().await.unwrap();

    let route = get(&app, "/casi/0192-abc").await;
    assert_eq!(route.status(), StatusCode::OK);
    assert_eq!(header(&route, CACHE_CONTROL), "no-cache");
    assert_eq!(route.text().await.unwrap(), shell);

    for missing in ["/assets/index-old.js", "/favicon.ico"] {
        let response = get(&app, missing).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        assert!(
            !header(&response, CONTENT_TYPE).starts_with("text/html"),
            "{missing}"
        );
    }
}

#[tokio::test]
async fn server_paths_never_answer_with_the_app() {
    if !app_is_built() {
        return;
    }
    let app = spawn_app().await;
    let shell = get(&app, "/").await.text().await.unwrap();

    for path in [
        "/api/v1/nope",
        "/api",
        "/sync/elsewhere",
        "/healthz/x",
        "/metrics/x",
        "/t/",
    ] {
        let response = get(&app, path).await;
        let body = response.text().await.unwrap();
        assert_ne!(body, shell, "{path}");
    }
    let api = get(&app, "/api/v1/nope").await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&api, CONTENT_TYPE), "application/json");
    let error: Value = api.json().await.unwrap();
    assert_eq!(error["error"], "not_found");

    let status_page = get(&app, "/t/xyz").await;
    assert_ne!(status_page.text().await.unwrap(), shell);

    let health = get(&app, "/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(header(&health, CONTENT_TYPE), "application/json");

    // Only GET and HEAD reach the app.
    let post = app
        .client
        .post(format!("{}/casi", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&post, CONTENT_TYPE), "application/json");
}
