//! The tablet app (`web/`, a PWA) at `/`, on the same origin as `/api` and `/sync`, from files embedded in
//! the binary at build time (`server/build.rs`), so a deployment is one file.
//!
//! It is the app's default service, mounted after every API route, so it never shadows one. Invariants:
//! - Paths the server owns (`/api`, `/sync`, `/t/`, `/healthz`, `/metrics`) are never answered with the
//!   app: an unknown one stays the JSON `404 not_found` it always was.
//! - Only `GET` and `HEAD` are served; anything else is the JSON 404.
//! - An unknown path without a file extension falls back to `index.html` (the app's own routes); a missing
//!   file (`/assets/old-1234.js`, `/x.png`) is a 404, never HTML under a script's name.
//! - Hashed files under `/assets/` are cached for a year as immutable; everything else (`index.html`, the
//!   manifest, the service worker, icons) is `no-cache` and revalidated by `ETag`.
//! - Every answer carries a strict CSP (no inline script; `'wasm-unsafe-eval'` for automerge.wasm;
//!   connections to this origin only), `nosniff`, `no-referrer` and no framing.
//! - A gzip copy made at build time is sent when the client accepts gzip (`Vary: Accept-Encoding`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::error::ApiError;

/// One embedded file of `web/dist`.
#[derive(Debug)]
pub struct Asset {
    /// Its URL path, e.g. `/assets/index-abc123.js`.
    pub path: &'static str,
    pub body: &'static [u8],
    /// The same bytes gzip-compressed, when that is smaller.
    pub gzip: Option<&'static [u8]>,
    /// A quoted content fingerprint.
    pub etag: &'static str,
}

mod embedded {
    use super::Asset;
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Path prefixes the server owns: never answered with the app.
const SERVER_PATHS: &[&str] = &["/api", "/sync", "/t/", "/healthz", "/metrics"];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// True when the binary carries a built app (false with `SPORTELLO_SKIP_WEB_BUILD` and no `web/dist`).
pub fn is_built() -> bool {
    embedded::BUILT
}

/// The default service: the app's files, its fallback to `index.html`, or the JSON 404.
pub async fn serve(request: HttpRequest) -> HttpResponse {
    let path = request.path();
    if !matches!(*request.method(), Method::GET | Method::HEAD) || is_server_path(path) {
        return actix_web::ResponseError::error_response(&ApiError::NotFound);
    }
    if !embedded::BUILT {
        return not_built();
    }
    let asset = match find(path) {
        Some(asset) => asset,
        None if falls_back(path) => match find("/index.html") {
            Some(index) => index,
            None => return not_found(),
        },
        None => return not_found(),
    };
    respond(&request, asset)
}

fn is_server_path(path: &str) -> bool {
    SERVER_PATHS.iter().any(|prefix| {
        path == prefix.trim_end_matches('/')
            || path.strip_prefix(prefix).is_some_and(|rest| {
                prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/')
            })
    })
}

/// An app route (no file extension in its last segment, not under `/assets/`) gets `index.html`.
fn falls_back(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !path.starts_with("/assets/") && !last.contains('.')
}

fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    embedded::ASSETS.iter().find(|asset| asset.path == path)
}

fn respond(request: &HttpRequest, asset: &'static Asset) -> HttpResponse {
    let cache = if asset.path.starts_with("/assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let etag_matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == asset.etag || tag.trim() == "*")
        });
    let mut response = HttpResponse::build(if etag_matches {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    secure(&mut response);
    response
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, asset.etag));
    if asset.gzip.is_some() {
        response.insert_header((header::VARY, "Accept-Encoding"));
    }
    if etag_matches {
        return response.finish();
    }
    response.insert_header((header::CONTENT_TYPE, content_type(asset.path)));
    match asset.gzip {
        Some(gzip) if accepts_gzip(request) => response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gzip),
        _ => response.body(asset.body),
    }
}

fn secure(response: &mut HttpResponseBuilder) {
    response
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header(("Cross-Origin-Opener-Policy", "same-origin"));
}

/// True when `Accept-Encoding` names gzip (or `*`) without `q=0`.
fn accepts_gzip(request: &HttpRequest) -> bool {
    let Some(accept) = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    accept.split(',').any(|part| {
        let mut pieces = part.split(';');
        let coding = pieces.next().unwrap_or_default().trim();
        let refused = pieces.any(|param| {
            let param = param.trim().replace(' ', "");
            param == "q=0" || param == "q=0.0" || param == "q=0.00" || param == "q=0.000"
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

/// The MIME type of an app file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "webmanifest" => "application/manifest+json",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn not_found() -> HttpResponse {
    let mut response = HttpResponse::NotFound();
    secure(&mut response);
    response
        .insert_header((header::CACHE_CONTROL, REVALIDATE))
        .content_type("text/plain; charset=utf-8")
        .body("404: no such file in the app\n")
}

/// What `/` shows when the binary was built with `SPORTELLO_SKIP_WEB_BUILD` and no `web/dist`.
fn not_built() -> HttpResponse {
    let mut response = HttpResponse::ServiceUnavailable();
    secure(&mut response);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(
            "<!doctype html><html lang=\"it\"><meta charset=\"utf-8\"><title>Sportello</title>\
             <h1>L'app non è stata compilata</h1>\
             <p>Questo server è stato compilato con <code>SPORTELLO_SKIP_WEB_BUILD</code> e senza \
             <code>web/dist</code>: l'API funziona, l'app per i tablet no.</p>\
             <p lang=\"en\">The web app was not built: this server was compiled with \
             <code>SPORTELLO_SKIP_WEB_BUILD</code> and no <code>web/dist</code>. The API works; rebuild \
             without the variable (Node.js with npm needed) to serve the app.</p></html>",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_paths_are_recognised_only_as_whole_segments() {
        for path in [
            "/api",
            "/api/v1/nope",
            "/sync",
            "/sync/x",
            "/t/xyz",
            "/t",
            "/healthz",
            "/metrics",
        ] {
            assert!(is_server_path(path), "{path}");
        }
        for path in ["/", "/apiary", "/synchronise", "/tickets", "/metricsboard"] {
            assert!(!is_server_path(path), "{path}");
        }
    }

    #[test]
    fn app_routes_fall_back_but_missing_files_do_not() {
        assert!(falls_back("/"));
        assert!(falls_back("/casi/123"));
        assert!(!falls_back("/assets/index-old.js"));
        assert!(!falls_back("/assets/nested"));
        assert!(!falls_back("/favicon.ico"));
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("/assets/automerge-x.wasm"), "application/wasm");
        assert_eq!(
            content_type("/manifest.webmanifest"),
            "application/manifest+json"
        );
        assert_eq!(
            content_type("/assets/index-x.JS"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("/noextension"), "application/octet-stream");
    }
}
