//! Webhook subscriptions: subscribe, deliveries with the Slack-compatible text and the
//! unsubscribe token, retries with backoff (longer when a receiver asks with `Retry-After`),
//! giving up, unsubscribing (also when a receiver answers 410 Gone); and the guards:
//! address checks (no private network), checks again at delivery, rate limits.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use app::domain::incident::{DeclareInput, Severity};
use app::domain::status_page::{Impact, PublicStatus, PublicUpdate};
use app::domain::webhook::DeliveryState::{Delivered, Failed, Pending};
use app::domain::webhook::MAX_ATTEMPTS;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::deliveries::Delivery;
use app::server::repo::webhooks as repo;
use app::server::services::deliveries::deliver_due;
use app::server::services::incidents as incidents_svc;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{Duration, Utc};
use common::TestApp;
use serde_json::{json, Value};

/// An answer the receiver gives: a status and, optionally, a Retry-After value.
type Scripted = (StatusCode, Option<&'static str>);

/// How a receiver answers the confirmation request.
#[derive(Clone, Copy, Default, PartialEq)]
enum OnConfirm {
    /// With the challenge, as JSON (a receiver that confirms by itself).
    #[default]
    Echo,
    /// With 200 "ok" (a Slack incoming webhook: a person confirms through the link).
    Ignore,
    /// With 404.
    Refuse,
}

/// A receiver on loopback. It keeps the confirmation requests it gets apart, answering them
/// as `on_confirm` says; to deliveries it answers what `script` holds first (a status and
/// maybe a `Retry-After`), then `fail_first` requests with 500, then 200; keeps bodies.
#[derive(Clone, Default)]
struct Receiver {
    bodies: Arc<Mutex<Vec<Value>>>,
    confirmations: Arc<Mutex<Vec<Value>>>,
    on_confirm: Arc<Mutex<OnConfirm>>,
    fail_first: Arc<Mutex<usize>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
}

async fn receiver(fail_first: usize) -> (String, Receiver) {
    receiver_confirming(fail_first, OnConfirm::Echo).await
}

async fn receiver_confirming(fail_first: usize, on_confirm: OnConfirm) -> (String, Receiver) {
    let r = Receiver { fail_first: Arc::new(Mutex::new(fail_first)), on_confirm: Arc::new(Mutex::new(on_confirm)), ..Default::default() };
    let state = r.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let state = state.clone();
            async move {
                if body["type"] == "subscription_confirmation" {
                    state.confirmations.lock().unwrap().push(body.clone());
                    return match *state.on_confirm.lock().unwrap() {
                        OnConfirm::Echo => axum::Json(json!({ "challenge": body["challenge"] })).into_response(),
                        OnConfirm::Ignore => "ok".into_response(),
                        OnConfirm::Refuse => StatusCode::NOT_FOUND.into_response(),
                    };
                }
                state.bodies.lock().unwrap().push(body);
                if let Some((status, retry_after)) = state.script.lock().unwrap().pop_front() {
                    return match retry_after {
                        Some(v) => (status, [(axum::http::header::RETRY_AFTER, v)]).into_response(),
                        None => status.into_response(),
                    };
                }
                let mut fail = state.fail_first.lock().unwrap();
                if *fail > 0 {
                    *fail -= 1;
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                } else {
                    StatusCode::OK.into_response()
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
    let incident = incidents_svc::declare(
        &app.state,
        Some(&app.responder),
        DeclareInput { title: "db-7 disk full".into(), severity: Some(Severity::Sev2), ..Default::default() },
    )
    .await
    .unwrap();
    let u = PublicUpdate {
        title: "Checkout problems".into(),
        status,
        body: body.into(),
        impact: Impact::Major,
        components: vec![],
        previous: vec![],
        public_id: String::new(),
    };
    incidents_svc::post_public_update(&app.state, Some(&app.responder), incident.id, u).await.unwrap();
}

async fn deliveries(app: &TestApp) -> Vec<Delivery> {
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    app::server::repo::deliveries::deliveries(&mut conn).await.unwrap()
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
    assert_eq!(queued[0].state, Pending);

    // the first attempt fails: retried after a pause, not at once
    let now = Utc::now();
    assert_eq!(deliver_due(&app.state, now).await.unwrap(), 0);
    let after_first = deliveries(&app).await;
    assert_eq!((after_first[0].state, after_first[0].attempts), (Pending, 1));
    assert!(after_first[0].last_error.contains("500"), "{}", after_first[0].last_error);
    assert!(after_first[0].next_attempt_at >= now + Duration::seconds(25));
    assert_eq!(deliver_due(&app.state, now + Duration::seconds(5)).await.unwrap(), 0, "not due yet");
    assert_eq!(hook.bodies.lock().unwrap().len(), 1);
    // the retry goes through
    assert_eq!(deliver_due(&app.state, now + Duration::minutes(2)).await.unwrap(), 1);
    assert_eq!(deliveries(&app).await[0].state, Delivered);
    let body = hook.bodies.lock().unwrap().last().cloned().unwrap();
    assert_eq!(body["text"], "*[Status] Checkout problems — Investigating*\nWe are looking into failed checkouts.");
    assert_eq!(body["incident"]["name"], "Checkout problems");
    assert_eq!(body["incident"]["status"], "investigating");
    let public: Value = reqwest::get(app.url("/api/v2/incidents.json")).await.unwrap().json().await.unwrap();
    assert_eq!(body["incident"]["id"], public["incidents"][0]["id"], "the id customers know the incident by");
    assert_eq!(body["incident_update"]["id"], public["incidents"][0]["incident_updates"][0]["id"]);
    assert_eq!(body["incident"]["id"].as_str().unwrap().len(), 12);
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
    assert_eq!((d[0].state, d[0].attempts), (Failed, MAX_ATTEMPTS as i64));
    assert_eq!(hook.bodies.lock().unwrap().len(), MAX_ATTEMPTS as usize);
}

/// A receiver that asks for a pause (429 with `Retry-After`) is left alone that long, and
/// one that answers 410 Gone loses its subscription; the other receivers are unaffected.
async fn retry_after_is_honoured_and_gone_unsubscribes(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (busy_url, busy) = receiver(0).await;
    busy.script.lock().unwrap().push_back((StatusCode::TOO_MANY_REQUESTS, Some("600")));
    let (gone_url, gone) = receiver(0).await;
    gone.script.lock().unwrap().push_back((StatusCode::GONE, None));
    assert_eq!(subscribe(&app, &busy_url).await.status(), 201);
    assert_eq!(subscribe(&app, &gone_url).await.status(), 201);

    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    let now = Utc::now();
    assert_eq!(deliver_due(&app.state, now).await.unwrap(), 0);
    let d = deliveries(&app).await;
    assert_eq!(d.len(), 1, "the gone receiver's delivery went with its subscription: {d:?}");
    assert_eq!((d[0].state, d[0].attempts), (Pending, 1));
    assert!(d[0].last_error.contains("429"), "{}", d[0].last_error);
    assert!(d[0].next_attempt_at >= now + Duration::seconds(595), "the receiver asked for ten minutes, not the 30 s backoff: {}", d[0].next_attempt_at - now);
    {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        assert!(!repo::url_taken(&mut conn, &gone_url).await.unwrap(), "410 ends the subscription");
        assert!(repo::url_taken(&mut conn, &busy_url).await.unwrap());
    }
    // not before the ten minutes; then delivered
    assert_eq!(deliver_due(&app.state, now + Duration::minutes(5)).await.unwrap(), 0);
    assert_eq!(busy.bodies.lock().unwrap().len(), 1);
    assert_eq!(deliver_due(&app.state, now + Duration::minutes(11)).await.unwrap(), 1);
    assert_eq!(deliveries(&app).await[0].state, Delivered);
    assert_eq!(busy.bodies.lock().unwrap().len(), 2);

    // the next update goes to the receiver still subscribed only
    post_update(&app, PublicStatus::Resolved, "Fixed.").await;
    assert_eq!(deliver_due(&app.state, Utc::now()).await.unwrap(), 1);
    assert_eq!(gone.bodies.lock().unwrap().len(), 1);
    assert_eq!(busy.bodies.lock().unwrap().len(), 3);
}

/// Admins see every subscription with how its deliveries fared (the secret path hidden),
/// can queue given-up deliveries again and remove a subscription; nobody else can.
async fn admins_see_retry_and_remove_subscriptions(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (dead_url, dead) = receiver(MAX_ATTEMPTS as usize).await;
    let (ok_url, ok) = receiver(0).await;
    assert_eq!(subscribe(&app, &format!("{dead_url}?key=s3cret-Zz9x")).await.status(), 201);
    assert_eq!(subscribe(&app, &ok_url).await.status(), 201);
    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    let mut at = Utc::now();
    for _ in 0..MAX_ATTEMPTS + 1 {
        deliver_due(&app.state, at).await.unwrap();
        at += Duration::hours(2);
    }

    let admin = app.client(Some(&app.admin)).await;
    let list = |c: reqwest::Client| {
        let url = app.url("/api/webhooks/list");
        async move { c.post(url).send().await.unwrap() }
    };
    for (who, status) in [(None, 401), (Some(&app.viewer), 403), (Some(&app.responder), 403)] {
        let c = app.client(who).await;
        assert_eq!(list(c.clone()).await.status(), status);
        assert_eq!(c.post(app.url("/api/webhooks/remove")).form(&[("id", "1")]).send().await.unwrap().status(), status);
        assert_eq!(c.post(app.url("/api/webhooks/retry")).form(&[("id", "1")]).send().await.unwrap().status(), status);
    }
    let r = list(admin.clone()).await;
    assert_eq!(r.status(), 200);
    let subs: Vec<Value> = r.json().await.unwrap();
    assert_eq!(subs.len(), 2);
    let port = dead_url.trim_start_matches("http://").split('/').next().unwrap();
    assert_eq!(subs[0]["shown_url"], format!("http://{port}/…Zz9x"), "the secret part is hidden");
    assert!(!subs.iter().any(|s| s.to_string().contains("s3cret")));
    assert_eq!((subs[0]["delivered"].as_i64(), subs[0]["waiting"].as_i64(), subs[0]["failed"].as_i64()), (Some(0), Some(0), Some(1)));
    assert!(subs[0]["last_error"].as_str().unwrap().contains("500"), "{}", subs[0]);
    assert_eq!((subs[1]["delivered"].as_i64(), subs[1]["failed"].as_i64(), subs[1]["last_error"].as_str()), (Some(1), Some(0), Some("")));
    let dead_id = subs[0]["id"].as_i64().unwrap().to_string();
    let ok_id = subs[1]["id"].as_i64().unwrap().to_string();

    // the receiver is back: its given-up delivery gets a fresh set of attempts, due now
    let r = admin.post(app.url("/api/webhooks/retry")).form(&[("id", dead_id.as_str())]).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "1".to_string()));
    assert_eq!(deliver_due(&app.state, Utc::now()).await.unwrap(), 1);
    assert_eq!(dead.bodies.lock().unwrap().len(), MAX_ATTEMPTS as usize + 1);
    let subs: Vec<Value> = list(admin.clone()).await.json().await.unwrap();
    assert_eq!((subs[0]["delivered"].as_i64(), subs[0]["failed"].as_i64(), subs[0]["last_error"].as_str()), (Some(1), Some(0), Some("")));

    // removing one stops its deliveries; the other still gets them
    let r = admin.post(app.url("/api/webhooks/remove")).form(&[("id", ok_id.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let again = admin.post(app.url("/api/webhooks/remove")).form(&[("id", ok_id.as_str())]).send().await.unwrap();
    assert_eq!(again.status(), 404);
    assert!(again.text().await.unwrap().contains("removed already"));
    assert_eq!(admin.post(app.url("/api/webhooks/retry")).form(&[("id", ok_id.as_str())]).send().await.unwrap().status(), 404);
    assert_eq!(admin.post(app.url("/api/webhooks/retry")).form(&[("id", "x")]).send().await.unwrap().status(), 400);
    post_update(&app, PublicStatus::Resolved, "Fixed.").await;
    assert_eq!(deliver_due(&app.state, Utc::now()).await.unwrap(), 1);
    assert_eq!(ok.bodies.lock().unwrap().len(), 1);
    assert_eq!(dead.bodies.lock().unwrap().len(), MAX_ATTEMPTS as usize + 2);
    let subs: Vec<Value> = list(admin).await.json().await.unwrap();
    assert_eq!(subs.len(), 1);
}

/// The deliveries of a pass go out together: a receiver that answers only once another
/// has been called does not hold that other up (sent one after the other, the first would
/// time out).
async fn a_slow_receiver_holds_up_no_other(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let gate = Arc::new(tokio::sync::Notify::new());
    let serve = |router: axum::Router| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        url
    };
    // both confirm their subscriptions at once
    let confirmed = |body: &Value| (body["type"] == "subscription_confirmation").then(|| axum::Json(json!({ "challenge": body["challenge"] })).into_response());
    let waits = gate.clone();
    let slow = serve(axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let g = waits.clone();
            async move {
                if let Some(answer) = confirmed(&body) {
                    return answer;
                }
                g.notified().await;
                StatusCode::OK.into_response()
            }
        }),
    ))
    .await;
    let opens = gate.clone();
    let fast = serve(axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let g = opens.clone();
            async move {
                if let Some(answer) = confirmed(&body) {
                    return answer;
                }
                g.notify_one();
                StatusCode::OK.into_response()
            }
        }),
    ))
    .await;
    assert_eq!(subscribe(&app, &slow).await.status(), 201);
    assert_eq!(subscribe(&app, &fast).await.status(), 201);
    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    assert_eq!(deliver_due(&app.state, Utc::now()).await.unwrap(), 2);
    assert!(deliveries(&app).await.iter().all(|d| d.state == Delivered));
}

/// A pass that outlives its lease does not record over the pass that took the delivery over.
async fn an_expired_lease_records_nothing(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (url, hook) = receiver(0).await;
    assert_eq!(subscribe(&app, &url).await.status(), 201);
    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    let now = Utc::now();
    // a pass claims the delivery and stalls
    let stalled_lease = now + Duration::minutes(2);
    let claimed = {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        app::server::repo::deliveries::claim_due(&mut conn, now, stalled_lease, 20).await.unwrap()
    };
    assert_eq!(claimed.len(), 1);
    assert_eq!(deliver_due(&app.state, now + Duration::minutes(1)).await.unwrap(), 0, "still claimed");
    // its lease runs out: the next pass takes the delivery over and delivers it
    assert_eq!(deliver_due(&app.state, now + Duration::minutes(3)).await.unwrap(), 1);
    assert_eq!(hook.bodies.lock().unwrap().len(), 1);
    // the stalled pass comes back with a failure: it is not recorded
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    let recorded = app::server::repo::deliveries::record_attempt(&mut conn, claimed[0].id, stalled_lease, Failed, None, "timed out").await.unwrap();
    assert!(!recorded);
    drop(conn);
    let d = deliveries(&app).await;
    assert_eq!((d[0].state, d[0].attempts, d[0].last_error.as_str()), (Delivered, 1, ""));
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
        let now = Utc::now();
        repo::subscribe(&mut conn, &url, &"ab".repeat(32), &"cd".repeat(32), Some(now), now).await.unwrap();
    }
    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    assert_eq!(deliver_due(&app.state, Utc::now()).await.unwrap(), 0);
    let d = deliveries(&app).await;
    assert_eq!(d[0].state, Pending);
    assert!(d[0].last_error.contains("private"), "{}", d[0].last_error);
    assert!(hook.bodies.lock().unwrap().is_empty());
}

/// A receiver that does not echo the challenge is subscribed but gets nothing until someone
/// confirms through the page the request links to; admins see it waiting.
async fn subscriptions_wait_for_confirmation(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (url, hook) = receiver_confirming(0, OnConfirm::Ignore).await;
    let r = subscribe(&app, &url).await;
    assert_eq!(r.status(), 202);
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["confirmed"], false);
    let request = hook.confirmations.lock().unwrap().pop().expect("a confirmation request was sent");
    let challenge = request["challenge"].as_str().unwrap().to_string();
    assert_eq!(challenge.len(), 64);
    assert_ne!(challenge, r["unsubscribe_token"].as_str().unwrap(), "the challenge is not the unsubscribe token");
    assert!(request["confirm_url"].as_str().unwrap().ends_with(&format!("/status/subscriptions/confirm?token={challenge}")), "{request}");
    assert!(request["text"].as_str().unwrap().contains("Confirm this webhook subscription"), "{request}");
    let admin = app.client(Some(&app.admin)).await;
    let subs: Vec<Value> = admin.post(app.url("/api/webhooks/list")).send().await.unwrap().json().await.unwrap();
    assert_eq!(subs[0]["confirmed"], false);

    post_update(&app, PublicStatus::Investigating, "Looking.").await;
    assert!(deliveries(&app).await.is_empty(), "an unconfirmed subscription is sent nothing");

    // the link opens a page with a button; a link alone confirms nothing
    let page = reqwest::get(app.url(&format!("/status/subscriptions/confirm?token={challenge}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains("<form method=\"post\" action=\"/status/subscriptions/confirm\">"), "{page}");
    let confirm = |token: String| {
        let url = app.url("/status/subscriptions/confirm");
        async move { reqwest::Client::new().post(url).form(&[("token", token)]).send().await.unwrap() }
    };
    assert_eq!(confirm("nope".into()).await.status(), 400);
    assert_eq!(confirm("ab".repeat(32)).await.status(), 404);
    let r = confirm(challenge.clone()).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Subscription confirmed"));
    let again = reqwest::Client::new().post(app.url("/status/subscriptions/confirm")).json(&json!({ "token": challenge })).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["already"], true);

    post_update(&app, PublicStatus::Resolved, "Fixed.").await;
    assert_eq!(deliver_due(&app.state, Utc::now()).await.unwrap(), 1);
    assert_eq!(hook.bodies.lock().unwrap().len(), 1);
    assert_eq!(hook.bodies.lock().unwrap()[0]["incident_update"]["body"], "Fixed.");
}

/// An address that cannot be reached, or refuses the confirmation request, is not
/// subscribed: nothing is kept.
async fn receivers_that_refuse_are_not_subscribed(b: Backend) {
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (url, hook) = receiver_confirming(0, OnConfirm::Refuse).await;
    let r = subscribe(&app, &url).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("answered 404 Not Found to the confirmation request"));
    assert_eq!(hook.confirmations.lock().unwrap().len(), 1);
    // nobody listens here
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    let r = subscribe(&app, &closed).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("could not be reached"));
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    assert_eq!(repo::counts(&mut conn, Utc::now()).await.unwrap(), (0, 0));
}

/// Subscriptions are capped; one left unconfirmed for a day no longer counts, is dropped,
/// and can no longer be confirmed.
async fn subscriptions_are_capped_and_unconfirmed_ones_expire(b: Backend) {
    let app = TestApp::start_with(b, |s| {
        s.webhooks.allow_private = true;
        s.webhooks.max_subscriptions = 2;
    })
    .await;
    let (first, _) = receiver(0).await;
    let (stale, _) = receiver(0).await;
    let (third, _) = receiver(0).await;
    let (fourth, fourth_hook) = receiver(0).await;
    assert_eq!(subscribe(&app, &first).await.status(), 201);
    {
        // a subscription nobody confirmed for a day
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        let long_ago = Utc::now() - Duration::hours(25);
        repo::subscribe(&mut conn, &stale, &"ab".repeat(32), &"cd".repeat(32), None, long_ago).await.unwrap();
    }
    assert_eq!(subscribe(&app, &third).await.status(), 201, "the stale one does not count");
    {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        assert_eq!(repo::counts(&mut conn, Utc::now()).await.unwrap(), (2, 0), "and it is gone");
    }
    let r = subscribe(&app, &fourth).await;
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("limit of 2 webhook subscriptions"));
    assert!(fourth_hook.confirmations.lock().unwrap().is_empty(), "a full page sends no confirmation request");
    let r = reqwest::Client::new().post(app.url("/status/subscriptions/confirm")).form(&[("token", "cd".repeat(32))]).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

/// A SEV1 tells the executives, data exposure Security and Legal: users at once in their
/// inbox, addresses through the queue; the timeline says who was told, who could not be
/// (an address that answers 410 Gone), and that an audience with nobody in it told nobody.
async fn incident_notifications_reach_their_audiences(b: Backend) {
    use app::domain::notify::NewMember;
    use app::domain::timers::Audience::Executives;
    use app::server::services::notifications as svc;
    let app = TestApp::start_with(b, |s| s.webhooks.allow_private = true).await;
    let (url, rx) = receiver(0).await;
    let (gone_url, gone) = receiver(0).await;
    gone.script.lock().unwrap().push_back((StatusCode::GONE, None));
    let admin = Some(&app.admin);
    svc::add_member(&app.state, admin, Executives, NewMember::User(app.responder.id)).await.unwrap();
    svc::add_member(&app.state, admin, Executives, NewMember::Webhook(url.clone())).await.unwrap();
    svc::add_member(&app.state, admin, Executives, NewMember::Webhook(gone_url.clone())).await.unwrap();
    // bad input and the wrong person change nothing
    let refused = [
        svc::add_member(&app.state, admin, Executives, NewMember::User(app.responder.id)).await.unwrap_err().status_code(),
        svc::add_member(&app.state, admin, Executives, NewMember::User(app::domain::ids::UserId(999_999))).await.unwrap_err().status_code(),
        svc::add_member(&app.state, admin, Executives, NewMember::Webhook("ftp://example.com/x".into())).await.unwrap_err().status_code(),
        svc::add_member(&app.state, Some(&app.responder), Executives, NewMember::Webhook(url.clone())).await.unwrap_err().status_code(),
    ];
    assert_eq!(refused, [409, 400, 400, 403]);
    assert_eq!(svc::audiences(&app.state, admin).await.unwrap().members.len(), 3);

    let input = DeclareInput { title: "Payments down".into(), severity: Some(Severity::Sev1), ..Default::default() };
    let i = incidents_svc::declare(&app.state, Some(&app.responder), input).await.unwrap();
    incidents_svc::flag_data_exposure(&app.state, Some(&app.responder), i.id).await.unwrap();
    let inbox = svc::inbox(&app.state, Some(&app.responder)).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].text.contains("Executives are told because a SEV1 was declared") && inbox[0].text.contains("Payments down"), "{}", inbox[0].text);
    assert!(svc::inbox(&app.state, Some(&app.admin)).await.unwrap().is_empty());

    deliver_due(&app.state, Utc::now()).await.unwrap();
    let got = rx.bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["audience"], "executives");
    assert!(got[0]["text"].as_str().unwrap().contains("Payments down"));
    assert!(got[0].get("meta").is_none(), "no unsubscribe details: this is not a subscription");
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    let timeline: Vec<String> = app::server::repo::events::for_incident(&mut conn, i.id).await.unwrap().0.iter().map(|e| e.kind.summary()).collect();
    let shown = app::domain::webhook::shown_url(&url);
    let gone_shown = app::domain::webhook::shown_url(&gone_url);
    for expected in [
        "Executives notified".to_string(),
        format!("Executives: told {}", app.responder.name),
        format!("Executives: told {shown}"),
        format!("Executives: could not tell {gone_shown} (answered 410 Gone)"),
        "Security and Legal notified".to_string(),
        "Security and Legal: nobody is set up to be told (an admin adds people under Audiences)".to_string(),
    ] {
        assert!(timeline.contains(&expected), "{expected:?} not in {timeline:#?}");
    }
    // nothing is sent twice
    deliver_due(&app.state, Utc::now() + Duration::hours(1)).await.unwrap();
    assert_eq!(rx.bodies.lock().unwrap().len(), 1);
}

on_both_backends!(
    incident_notifications_reach_their_audiences,
    deliver_retry_and_unsubscribe,
    a_dead_receiver_is_given_up_on,
    retry_after_is_honoured_and_gone_unsubscribes,
    admins_see_retry_and_remove_subscriptions,
    a_slow_receiver_holds_up_no_other,
    an_expired_lease_records_nothing,
    private_addresses_and_floods_are_refused,
    subscriptions_wait_for_confirmation,
    receivers_that_refuse_are_not_subscribed,
    subscriptions_are_capped_and_unconfirmed_ones_expire
);
