//! `GET /metrics`: Prometheus text with requests per route, live subscribers, the public
//! snapshot and the database.

mod common;

use app::server::db::Backend;
use common::TestApp;

#[tokio::test]
async fn metrics_count_requests_per_route() {
    let app = TestApp::start(Backend::Sqlite).await;
    for path in ["/api/v2/summary.json", "/api/v2/summary.json", "/status", "/incidents/12345"] {
        reqwest::get(app.url(path)).await.unwrap();
    }
    let r = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = r.text().await.unwrap();
    let line = |name: &str, labels: &[&str]| {
        text.lines().find(|l| l.starts_with(name) && labels.iter().all(|lab| l.contains(lab))).map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
    };
    assert!(line("klaxon_http_requests_total{", &["route=\"/api/v2/summary.json\"", "status=\"200\"", "method=\"GET\""]).unwrap() >= 2.0, "{text}");
    assert!(line("klaxon_http_requests_total{", &["route=\"/status\""]).is_some(), "{text}");
    // raw paths never become labels: the route does
    assert!(!text.contains("12345"), "{text}");
    assert!(line("klaxon_http_request_duration_seconds_count{", &["route=\"/api/v2/summary.json\""]).unwrap() >= 2.0);
    assert_eq!(line("klaxon_database_up", &[]), Some(1.0));
    assert_eq!(line("klaxon_status_snapshot_stale", &[]), Some(0.0));
    assert!(line("klaxon_status_snapshot_version", &[]).unwrap() >= 1.0);
    assert!(line("klaxon_live_subscribers", &[]).is_some());
    // how the live feed came by what it published: on SQLite, from the commits themselves
    assert!(line("klaxon_live_feed_events_total{", &["source=\"commit\""]).is_some(), "{text}");
    assert!(line("klaxon_live_feed_events_total{", &["source=\"log\""]).is_some(), "{text}");
}

#[tokio::test]
async fn metrics_can_need_a_token_or_live_on_their_own_address() {
    let app = TestApp::start_with(Backend::Sqlite, |s| s.metrics.token = Some("s3cret-scrape".into())).await;
    let c = reqwest::Client::new();
    assert_eq!(c.get(app.url("/metrics")).send().await.unwrap().status(), 401);
    assert_eq!(c.get(app.url("/metrics")).bearer_auth("guess").send().await.unwrap().status(), 401);
    let r = c.get(app.url("/metrics")).bearer_auth("s3cret-scrape").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("klaxon_database_up"));

    // on an address of its own: the main address does not serve it
    let app = TestApp::start_with(Backend::Sqlite, |s| s.metrics.own_address = true).await;
    assert_eq!(c.get(app.url("/metrics")).send().await.unwrap().status(), 404);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve::run(listener, server::metrics::own_router(app.state.clone()), std::time::Duration::from_secs(2), std::future::pending()));
    let r = c.get(format!("http://{addr}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("klaxon_database_up"));
}
