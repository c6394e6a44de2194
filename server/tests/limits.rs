//! Floods and slow clients: caps on live streams per client and in all; connections that
//! never finish their headers.

mod common;

use std::time::Duration;

use app::on_both_backends;
use app::server::client_addr::TrustedProxies;
use app::server::db::Backend;
use app::server::live_slots::LiveSlots;
use common::TestApp;

async fn live_streams_are_capped_per_client_and_in_all(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        s.live_slots = LiveSlots::new(2, 3);
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1, ::1").unwrap();
        // a closed stream is noticed at its next write
        s.live_ping = Duration::from_millis(200);
    })
    .await;
    let anon = reqwest::Client::new();
    let open = |who: &'static str| anon.get(app.url("/live/status")).header("x-forwarded-for", who).send();
    let a1 = open("192.0.2.1").await.unwrap();
    let _a2 = open("192.0.2.1").await.unwrap();
    assert_eq!(a1.status(), 200);
    let refused = open("192.0.2.1").await.unwrap();
    assert_eq!(refused.status(), 503, "a third stream from one client");
    assert_eq!(refused.headers()["retry-after"], "5");
    let b1 = open("192.0.2.2").await.unwrap();
    assert_eq!(b1.status(), 200);
    assert_eq!(open("192.0.2.3").await.unwrap().status(), 503, "a fourth in all");
    // the internal streams count too
    let signed_in = app.client(Some(&app.viewer)).await;
    let r = signed_in.get(app.url("/live/incidents")).header("x-forwarded-for", "192.0.2.4").send().await.unwrap();
    assert_eq!(r.status(), 503);
    // a stream that ends gives its slot back
    drop(a1);
    let mut again = None;
    for _ in 0..50 {
        let r = open("192.0.2.3").await.unwrap();
        if r.status() == 200 {
            again = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "the slot of a closed stream never came back");
    assert_eq!(app.state.live_slots.open(), 3);
    drop(b1);
}

on_both_backends!(live_streams_are_capped_per_client_and_in_all);

/// Connections that send part of their headers and then nothing.
async fn half_open(app: &TestApp, n: usize) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        s.write_all(b"GET /status HTTP/1.1\r\nHost: klaxon\r\nX-Slow: ").await.unwrap();
        conns.push(s);
    }
    conns
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_neither_block_the_page_nor_stay() {
    use tokio::io::AsyncReadExt;
    let app = TestApp::start(Backend::Sqlite).await;
    let mut conns = half_open(&app, 300).await;
    // the page answers at once all the same
    let started = std::time::Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(2), reqwest::get(app.url("/status"))).await.expect("/status in time").unwrap();
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    // and each of them is closed once its headers are late (2 s in the tests)
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for (i, c) in conns.iter_mut().enumerate() {
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(Duration::from_secs(2), c.read(&mut buf)).await.unwrap_or_else(|_| panic!("connection {i} is still open"));
        // hyper may say 408 before closing; either way the server let go
        let text = String::from_utf8_lossy(&buf[..n.unwrap_or(0)]).to_string();
        assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text:?}");
    }
}
