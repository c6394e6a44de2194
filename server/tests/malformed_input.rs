//! Malformed and oversized input on every endpoint that takes some, through the real
//! router (a property test): always a 4xx with a message, never a 5xx, and nothing stored.

mod common;

use app::server::db::Backend;
use app::server::testing::TEST_PASSWORD;
use common::TestApp;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// (path, JSON body?) of every endpoint that needs input.
const ENDPOINTS: &[(&str, bool)] = &[
    ("/api/login", false),
    ("/api/incidents/declare", true),
    ("/api/incidents/war-room", false),
    ("/api/incidents/status", false),
    ("/api/incidents/severity", false),
    ("/api/incidents/assign", false),
    ("/api/incidents/release", false),
    ("/api/incidents/note", false),
    ("/api/incidents/change", false),
    ("/api/incidents/link", false),
    ("/api/incidents/data-exposure", false),
    ("/api/incidents/runbook-step", false),
    ("/api/incidents/public-update", true),
    ("/api/runbooks/save", false),
    ("/api/runbooks/source", false),
    ("/api/status/incident", false),
    ("/api/status/settings", false),
    ("/api/status/component", false),
    ("/api/status/component-status", false),
    ("/api/status/maintenance", false),
    ("/api/webhooks/remove", false),
    ("/api/webhooks/retry", false),
    ("/status/subscriptions", false),
    ("/status/subscriptions", true),
    ("/status/unsubscribe", false),
];

/// What a client might send: random bytes, form-like noise with control characters and
/// odd escapes, or JSON of the wrong shape.
fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        "([a-z_]{1,8}=[%0-9A-Za-z\\x00-\\x1f\\[\\]{}\"]{0,40}&?){0,6}".prop_map(String::into_bytes),
        "\\{\"(input|id|update|url|token)\": ?(\\[|\\{|-?[0-9]{1,25}|\"[^\"]{0,30}\"|null|true)[^}]{0,20}\\}?".prop_map(String::into_bytes),
    ]
}

/// Rows that a write would add to.
async fn counts(app: &TestApp) -> Vec<i64> {
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    let mut out = vec![];
    for table in ["incidents", "events", "components", "maintenances", "runbooks", "webhook_subscriptions", "users"] {
        let row: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(&mut *conn).await.unwrap();
        out.push(row.0);
    }
    out
}

fn malformed_input_is_refused_and_stores_nothing(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (app, admin, cookie, before) = rt.block_on(async {
        let app = TestApp::start(backend).await;
        // no kept connections: each request stands alone
        let admin = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let r = admin.post(app.url("/api/login")).form(&[("email", app.admin.email.as_str()), ("password", TEST_PASSWORD)]).send().await.unwrap();
        let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let before = counts(&app).await;
        (app, admin, cookie, before)
    });
    let mut runner = TestRunner::new(Config { cases: 300, failure_persistence: None, ..Config::default() });
    runner
        .run(&(0..ENDPOINTS.len(), bodies()), |(i, body)| {
            let (path, json) = ENDPOINTS[i];
            let (status, text) = rt.block_on(async {
                let r = admin
                    .post(app.url(path))
                    .header("content-type", if json { "application/json" } else { "application/x-www-form-urlencoded" })
                    .header("accept", "application/json")
                    .header("cookie", &cookie)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            });
            prop_assert!((400..500).contains(&status), "{path} answered {status}: {text}");
            prop_assert!(status == 413 || text.contains("message"), "{path} answered {status} without a message: {text}");
            Ok(())
        })
        .unwrap();
    // far too much: a 4xx as soon as the limit is passed (read over a plain socket: the
    // server answers and closes without reading the rest)
    for (path, json) in ENDPOINTS {
        let status = rt.block_on(oversized(&app, path, *json, &cookie));
        assert!(status == 400 || status == 413, "{path} answered {status} to 3 MiB");
    }
    let after = rt.block_on(counts(&app));
    assert_eq!(before, after, "nothing was stored");
}

/// The status a 3 MiB body gets.
async fn oversized(app: &TestApp, path: &str, json: bool, cookie: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let len = 3 << 20;
    let kind = if json { "application/json" } else { "application/x-www-form-urlencoded" };
    let head = format!("POST {path} HTTP/1.1\r\nHost: klaxon\r\nContent-Type: {kind}\r\nAccept: application/json\r\nCookie: {cookie}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'a'; 64 << 10];
    for _ in 0..(len / chunk.len()) {
        if s.write_all(&chunk).await.is_err() {
            break; // the server stopped reading: its answer is waiting
        }
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn sqlite_malformed_input_is_refused_and_stores_nothing() {
    malformed_input_is_refused_and_stores_nothing(Backend::Sqlite);
}

#[test]
fn postgres_malformed_input_is_refused_and_stores_nothing() {
    malformed_input_is_refused_and_stores_nothing(Backend::Postgres);
}
