//! Behind a reverse proxy: the sign-in limit is per client, read from `X-Forwarded-For` only
//! when the proxy is trusted (`KLAXON_TRUSTED_PROXIES`), and a refusal says when to come back.

mod common;

use app::on_both_backends;
use app::server::client_addr::TrustedProxies;
use app::server::db::Backend;
use app::server::testing::TEST_PASSWORD;
use common::TestApp;

async fn attempt(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Wrong passwords from one client until the limit answers; returns that answer.
async fn flood(app: &TestApp, forwarded_for: impl Fn(usize) -> String) -> reqwest::Response {
    for n in 0..30 {
        let r = attempt(app, &forwarded_for(n), &format!("nobody{n}@example.com"), "guess").await;
        if r.status() == 429 {
            return r;
        }
        assert_eq!(r.status(), 401);
    }
    panic!("30 wrong passwords and never refused");
}

async fn one_client_behind_the_proxy_cannot_lock_out_another(b: Backend) {
    let app = TestApp::start_with(b, |s| s.trusted_proxies = TrustedProxies::parse("127.0.0.1, ::1").unwrap()).await;
    let refused = flood(&app, |_| "203.0.113.7".into()).await;
    let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(refused.text().await.unwrap().contains("Too many sign-in attempts"));
    // the same proxy, another client: not affected
    let r = attempt(&app, "198.51.100.20", &app.responder.email, TEST_PASSWORD).await;
    assert_eq!(r.status(), 200);
}

async fn forwarding_headers_from_anyone_else_are_ignored(b: Backend) {
    let app = TestApp::start(b).await;
    // a new made-up address on every attempt does not escape the limit
    flood(&app, |n| format!("192.0.2.{n}")).await;
    let r = attempt(&app, "198.51.100.20", &app.responder.email, TEST_PASSWORD).await;
    assert_eq!(r.status(), 429, "the peer is the client, whatever the header says");
}

on_both_backends!(one_client_behind_the_proxy_cannot_lock_out_another, forwarding_headers_from_anyone_else_are_ignored);
