//! `KLAXON_STATUS_HOST`: the status host name shows the public page and nothing internal;
//! other host names reach the whole app as before.

use app::server::db::Backend;
use app::server::testing::fresh_state;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

async fn get(router: &axum::Router, host: &str, path: &str) -> (StatusCode, Option<String>, String) {
    let r = router.clone().oneshot(Request::get(path).header("host", host).body(Body::empty()).unwrap()).await.unwrap();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    let status = r.status();
    let body = axum::body::to_bytes(r.into_body(), 16 << 20).await.unwrap();
    (status, location, String::from_utf8_lossy(&body).to_string())
}

#[tokio::test]
async fn the_status_host_serves_only_the_public_page() {
    let state = fresh_state(Backend::Sqlite).await;
    let router = server::router::build_with(state, false, Some("Status.Example.com".into()), CancellationToken::new());
    let host = "status.example.com:8443";
    assert_eq!(get(&router, host, "/").await.1.as_deref(), Some("/status"));
    let (status, _, page) = get(&router, host, "/status").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("All Systems Operational"));
    let (status, _, rss) = get(&router, host, "/history.rss").await;
    assert_eq!(status, StatusCode::OK);
    assert!(rss.contains("<rss"));
    assert_eq!(get(&router, host, "/api/v2/summary.json").await.0, StatusCode::OK);
    for internal in ["/incidents", "/login", "/status-page", "/runbooks", "/live/incidents"] {
        assert_eq!(get(&router, host, internal).await.0, StatusCode::NOT_FOUND, "{internal}");
    }
    // the internal app is still there under its own name
    for path in ["/login", "/runbooks"] {
        let (status, _, body) = get(&router, "klaxon.internal", path).await;
        assert_ne!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!body.contains("The status page is at /status"), "{path}");
    }
}
