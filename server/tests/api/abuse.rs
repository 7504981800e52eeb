//! What a hostile caller must not be able to grow or hold: the metrics' label sets, the audit log, a
//! connection kept open by a request body that never comes.

use reqwest::{Method, StatusCode};

use crate::helpers::{TestApp, spawn_app};

/// The label sets of `sportello_http_requests_total` in a scrape.
async fn request_label_sets(app: &TestApp) -> Vec<String> {
    let token = std::fs::read_to_string(app.data_dir().join("metrics.token")).unwrap();
    let response = app.get("/metrics", token.trim()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|line| line.starts_with("sportello_http_requests_total{"))
        .map(|line| {
            line.rsplit_once(' ')
                .map_or(line, |(labels, _)| labels)
                .to_owned()
        })
        .collect()
}

/// Sends requests with methods and paths nobody registered, numbered from `from`.
async fn invented_requests(app: &TestApp, from: usize, count: usize) {
    for i in from..from + count {
        let method = Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        for path in [
            format!("/no/such/path/{i}"),
            format!("/api/v1/admin/users/{i}"),
            "/api/v1/auth/login".to_owned(),
        ] {
            let response = app
                .request(method.clone(), &path, None)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_client_error(), "{method} {path}");
        }
        let response = app
            .request(Method::GET, &format!("/unknown-{i}"), None)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn invented_methods_and_paths_add_no_metric_labels() {
    let app = spawn_app().await;
    invented_requests(&app, 0, 5).await;
    // A first scrape, so that the next ones find their own label set already there.
    request_label_sets(&app).await;
    let before = request_label_sets(&app).await;

    invented_requests(&app, 5, 300).await;
    let after = request_label_sets(&app).await;

    assert_eq!(after.len(), before.len(), "label sets: {after:#?}");
    assert!(
        after.iter().all(|line| !line.contains("INVENTED")
            && !line.contains("/no/such")
            && !line.contains("unknown-")),
        "{after:#?}"
    );
    assert!(
        after
            .iter()
            .any(|line| line.contains("method=\"other\"") && line.contains("route=\"unmatched\"")),
        "{after:#?}"
    );
}
