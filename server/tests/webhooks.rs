//! Webhook subscriptions: subscribe, deliveries with the Slack-compatible text and the
//! unsubscribe token, retries with backoff, giving up, unsubscribing; and the guards:
//! address checks (no private network), checks again at delivery, rate limits.

mod common;

use std::sync::{Arc, Mutex};

use app::domain::incident::{DeclareInput, Severity};
use app::domain::status_page::{Impact, PublicStatus, PublicUpdate};
use app::domain::webhook::MAX_ATTEMPTS;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::webhooks as repo;
use app::server::services::incidents as incidents_svc;
use app::server::services::webhooks::deliver_due;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::TestApp;
use serde_json::{json, Value};

/// A receiver on loopback: answers `fail_first` requests with 500, then 200; keeps bodies.
#[derive(Clone, Default)]
struct Receiver {
    bodies: Arc<Mutex<Vec<Value>>>,
    fail_first: Arc<Mutex<usize>>,
}

async fn receiver(fail_first: usize) -> (String, Receiver) {
    let r = Receiver { fail_first: Arc::new(Mutex::new(fail_first)), ..Default::default() };
    let state = r.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let state = state.clone();
            async move {
                state.bodies.lock().unwrap().push(body);
                let mut fail = state.fail_first.lock().unwrap();
                if *fail > 0 {
                    *fail -= 1;
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, r)
}

async fn post_update(app: &TestApp, status: PublicStatus, body: &str) {
    let incident = incidents_svc::declare(&app.state, Some(&app.responder), DeclareInput { title: "db-7 disk full".into(), severity: Some(Severity::Sev2), ..Default::default() })
        .await
        .unwrap();
    let u = PublicUpdate { title: "Checkout problems".into(), status, body: body.into(), impact: Impact::Major, components: vec![], previous: vec![] };
    incidents_svc::post_public_update(&app.state, Some(&app.responder), incident.id, u).await.unwrap();
}

async fn deliveries(app: &TestApp) -> Vec<(String, i64, String, chrono::DateTime<Utc>)> {
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    repo::deliveries(&mut conn).await.unwrap()
}

async fn subscribe(app: &TestApp, url: &str) -> reqwest::Response {
    reqwest::Client::new().post(app.url("/status/subscriptions")).json(&json!({ "url": url })).send().await.unwrap()
}

async fn deliver_retry_and_unsubscribe(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (url, hook) = receiver(1).await;
    let r = subscribe(&app, &url).await;
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["unsubscribe_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert_eq!(subscribe(&app, &url).await.status(), 409, "the same address twice");

    post_update(&app, PublicStatus::Investigating, "We are looking into failed checkouts.").await;
    let queued = deliveries(&app).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].0, "pending");

    // the first attempt fails: retried after a pause, not at once
    let now = Utc::now();
    assert_eq!(deliver_due(&app.state, now).await.unwrap(), 0);
    let after_first = deliveries(&app).await;
    assert_eq!((after_first[0].0.as_str(), after_first[0].1), ("pending", 1));
    assert!(after_first[0].2.contains("500"), "{}", after_first[0].2);
    assert!(after_first[0].3 >= now + Duration::seconds(25));
    assert_eq!(deliver_due(&app.state, now + Duration::seconds(5)).await.unwrap(), 0, "not due yet");
    assert_eq!(hook.bodies.lock().unwrap().len(), 1);
    // the retry goes through
    assert_eq!(deliver_due(&app.state, now + Duration::minutes(2)).await.unwrap(), 1);
    assert_eq!(deliveries(&app).await[0].0, "delivered");
    let body = hook.bodies.lock().unwrap().last().cloned().unwrap();
    assert_eq!(body["text"], "*[Status] Checkout problems — Investigating*\nWe are looking into failed checkouts.");
    assert_eq!(body["incident"]["name"], "Checkout problems");
    assert_eq!(body["incident"]["status"], "investigating");
    assert!(body["incident"]["id"].as_str().unwrap().starts_with('p'));
    assert_eq!(body["incident_update"]["body"], "We are looking into failed checkouts.");
    assert_eq!(body["meta"]["unsubscribe_token"], token.as_str());
    assert!(!body.to_string().contains("db-7"), "nothing internal in a delivery");
    // delivered once: another pass sends nothing
    assert_eq!(deliver_due(&app.state, now + Duration::hours(1)).await.unwrap(), 0);
    assert_eq!(hook.bodies.lock().unwrap().len(), 2);

    // the link in a delivery opens a confirmation, not an unsubscribe
    let confirm = reqwest::get(app.url(&format!("/status/unsubscribe?token={token}"))).await.unwrap().text().await.unwrap();
    assert!(confirm.contains("<form method=\"post\" action=\"/status/unsubscribe\">"));
    let r = reqwest::Client::new().post(app.url("/status/unsubscribe")).form(&[("token", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Unsubscribed"));
    let again = reqwest::Client::new().post(app.url("/status/unsubscribe")).form(&[("token", token.as_str())]).send().await.unwrap();
    assert_eq!(again.status(), 404);
    post_update(&app, PublicStatus::Resolved, "Fixed.").await;
    assert!(deliveries(&app).await.is_empty(), "no deliveries for a removed subscription");
}

async fn a_dead_receiver_is_given_up_on(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (url, hook) = receiver(usize::MAX).await;
    assert_eq!(subscribe(&app, &url).await.status(), 201);
    let started = std::time::Instant::now();
    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "posting does not wait on receivers");
    let mut at = Utc::now();
    for _ in 0..MAX_ATTEMPTS + 2 {
        deliver_due(&app.state, at).await.unwrap();
        at += Duration::hours(2);
    }
    let d = deliveries(&app).await;
    assert_eq!((d[0].0.as_str(), d[0].1), ("failed", MAX_ATTEMPTS as i64));
    assert_eq!(hook.bodies.lock().unwrap().len(), MAX_ATTEMPTS as usize);
}

async fn private_addresses_and_floods_are_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let (url, hook) = receiver(0).await;
    for (bad, status, why) in [
        (url.as_str(), 400, "private"),
        ("http://10.0.0.7/hook", 400, "private"),
        ("http://[::1]:9/hook", 400, "private"),
        ("ftp://example.com/x", 400, "Only http"),
    ] {
        let r = subscribe(&app, bad).await;
        assert_eq!(r.status(), status, "{bad}");
        assert!(r.text().await.unwrap().contains(why), "{bad}");
    }
    let r = subscribe(&app, "http://169.254.169.254/latest/meta-data").await;
    assert_eq!(r.status(), 400);
    // a flood from one client is cut off
    let r = subscribe(&app, "http://192.168.0.1/x").await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many"));

    // an address that turned private after subscribing (DNS changed) is not called either
    {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        repo::subscribe(&mut conn, &url, &"ab".repeat(32), Utc::now()).await.unwrap();
    }
    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    assert_eq!(deliver_due(&app.state, Utc::now()).await.unwrap(), 0);
    let d = deliveries(&app).await;
    assert_eq!(d[0].0, "pending");
    assert!(d[0].2.contains("private"), "{}", d[0].2);
    assert!(hook.bodies.lock().unwrap().is_empty());
}

on_both_backends!(deliver_retry_and_unsubscribe, a_dead_receiver_is_given_up_on, private_addresses_and_floods_are_refused);
