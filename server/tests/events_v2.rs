//! PagerDuty's Events API v2 at `/v2/enqueue`, over HTTP with PagerDuty's documented
//! payloads: what it answers, what it stores, and what it refuses; the same dedup key
//! triggered many times at once opens one alert.

mod common;

use app::domain::alert::KeyKind;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{alerts, catalog, log::Part};
use app::server::services::integrations;
use app::server::testing::settled_log;
use common::TestApp;
use serde_json::{json, Value};

/// A service with an Events API v2 key: the app, the key and the service.
async fn with_key(b: Backend, configure: impl FnOnce(&mut app::server::state::AppState)) -> (TestApp, String, app::domain::ids::ServiceId) {
    let app = TestApp::start_with(b, configure).await;
    let service = {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap()
    };
    let (_, key) = integrations::create(&app.state, Some(&app.admin), "checkout", "Prometheus", KeyKind::EventsV2).await.unwrap();
    (app, key, service)
}

/// PagerDuty's documented trigger, for `key`.
fn documented(key: &str) -> Value {
    serde_json::from_str(&app::domain::events_v2::SAMPLE_TRIGGER.replace("ROUTING_KEY", key)).unwrap()
}

async fn send(app: &TestApp, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new().post(app.url("/v2/enqueue")).json(body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn events_v2_answers_as_pagerduty_does(b: Backend) {
    let (app, key, service) = with_key(b, |_| {}).await;
    // a trigger, as documented: 202 and the dedup key
    let (status, body) = send(&app, &documented(&key)).await;
    assert_eq!((status, body.clone()), (202, json!({ "status": "success", "message": "Event processed", "dedup_key": "samplekeyhere" })));
    // again: the same open alert takes it
    assert_eq!(send(&app, &documented(&key)).await.0, 202);
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    assert_eq!(alerts::count(&mut conn, service, "samplekeyhere").await.unwrap(), (1, 1));
    // acknowledge, then resolve: each answered with the dedup key
    for action in ["acknowledge", "resolve"] {
        let (status, body) = send(&app, &json!({ "routing_key": key, "event_action": action, "dedup_key": "samplekeyhere" })).await;
        assert_eq!((status, body["dedup_key"].as_str()), (202, Some("samplekeyhere")), "{action}: {body}");
    }
    assert_eq!(alerts::count(&mut conn, service, "samplekeyhere").await.unwrap(), (1, 0), "resolved");
    // acknowledging or resolving what is not open is accepted, and kept
    let (status, body) = send(&app, &json!({ "routing_key": key, "event_action": "resolve", "dedup_key": "never-seen" })).await;
    assert_eq!((status, body["dedup_key"].as_str()), (202, Some("never-seen")));
    let unmatched = alerts::unmatched(&mut conn, service).await.unwrap();
    assert_eq!((unmatched[0].0.as_str(), unmatched[0].1.as_str()), ("resolve", "never-seen"));
    // a trigger on the resolved key opens a new alert
    send(&app, &documented(&key)).await;
    assert_eq!(alerts::count(&mut conn, service, "samplekeyhere").await.unwrap(), (2, 1));
    // a trigger without a dedup key is given one
    let mut anonymous = documented(&key);
    anonymous.as_object_mut().unwrap().remove("dedup_key");
    let (status, body) = send(&app, &anonymous).await;
    let given = body["dedup_key"].as_str().unwrap().to_string();
    assert_eq!((status, given.len()), (202, 32));
    assert_eq!(alerts::count(&mut conn, service, &given).await.unwrap(), (1, 1));
    // every change is on the alerts' streams, in order
    let kinds: Vec<String> =
        settled_log(&app.state.db, Part::Kind(app::domain::log::Stream::Alert), Default::default()).await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ["alert_triggered", "alert_repeated", "alert_acknowledged", "alert_resolved", "alert_triggered", "alert_triggered"]);
}

async fn events_v2_refuses_bad_events_and_keys(b: Backend) {
    let (app, key, service) = with_key(b, |_| {}).await;
    let client = reqwest::Client::new();
    let raw = |body: &'static str| client.post(app.url("/v2/enqueue")).header("content-type", "application/json").body(body).send();
    let r = raw("{not json").await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["status"].as_str(), body["message"].as_str()), (Some("invalid event"), Some("Event object is invalid")));
    assert!(body["errors"][0].as_str().unwrap().starts_with("Malformed JSON"));
    // every problem listed
    let mut bad = documented(&key);
    bad["payload"]["severity"] = json!("disaster");
    bad["payload"]["summary"] = json!("");
    let (status, body) = send(&app, &bad).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"],
        json!(["'payload.summary' is missing or blank", "'payload.severity' is invalid (must be one of: critical, error, warning, info)"])
    );
    // a key nobody issued, and one revoked
    let (status, body) = send(&app, &documented("0123456789abcdef0123456789abcdef")).await;
    assert_eq!((status, body["errors"].clone()), (400, json!(["Invalid routing key"])));
    let (id, other) = integrations::create(&app.state, Some(&app.admin), "checkout", "Grafana", KeyKind::EventsV2).await.unwrap();
    assert_eq!(send(&app, &documented(&other)).await.0, 202);
    integrations::revoke(&app.state, Some(&app.admin), id).await.unwrap();
    assert_eq!(send(&app, &documented(&other)).await.0, 400, "revoked");
    // only admins issue keys
    assert_eq!(integrations::create(&app.state, Some(&app.responder), "checkout", "Mine", KeyKind::EventsV2).await.unwrap_err().status_code(), 403);
    // too big: refused before it is read whole
    let big = json!({ "routing_key": key, "event_action": "trigger", "payload": { "summary": "x", "source": "y", "severity": "info", "custom_details": { "blob": "a".repeat(600 * 1024) } } });
    let (status, body) = send(&app, &big).await;
    assert_eq!(status, 400);
    assert!(body["errors"][0].as_str().unwrap().contains("larger than 512 KB"), "{body}");
    // nothing of it was stored: the one alert is the second key's
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    assert_eq!(alerts::count(&mut conn, service, "samplekeyhere").await.unwrap(), (1, 1));
    // no session, no CSRF token needed, and none accepted instead of the key
    let signed_in = app.client(Some(&app.admin)).await;
    let r = signed_in.post(app.url("/v2/enqueue")).json(&json!({ "event_action": "trigger" })).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

/// The same dedup key triggered 500 times at once: one alert, the rest recorded on it, and
/// one page.
async fn one_alert_for_a_dedup_key_under_a_race(b: Backend) {
    let (app, key, service) = with_key(b, |_| {}).await;
    // checkout pages Ben through a one-step policy (set up as code)
    let start = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let setup = format!(
        "schedules:\n  - name: Primary\n    time_zone: UTC\n    layers:\n      - name: Weekly\n        start: {start}\n        rotation_virtual_start: {start}\n        \
         rotation_turn_length_seconds: 604800\n        users: [{}]\npolicies:\n  - name: Checkout\n    steps:\n      - delay_minutes: 5\n        \
         targets: [{{schedule: Primary}}]\nservices:\n  - slug: checkout\n    name: Checkout\n    escalation_policy: Checkout\n",
        app.responder.email
    );
    app::server::services::team_config::apply(&app.state, Some(&app.admin), &setup, false).await.unwrap();
    let client = reqwest::Client::new();
    let body = documented(&key);
    let sends = (0..500).map(|_| {
        let (client, url, body) = (client.clone(), app.url("/v2/enqueue"), body.clone());
        tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap().status().as_u16() })
    });
    let statuses = futures::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s.as_ref().unwrap() == 202), "{:?}", statuses.iter().filter(|s| *s.as_ref().unwrap() != 202).count());
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    assert_eq!(alerts::count(&mut conn, service, "samplekeyhere").await.unwrap(), (1, 1));
    let kinds: Vec<String> =
        settled_log(&app.state.db, Part::Kind(app::domain::log::Stream::Alert), Default::default()).await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "alert_triggered").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "alert_repeated").count(), 499);
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let fired = app::server::services::paging::page_due(&app.state, at).await.unwrap() + app::server::services::paging::page_due(&app.state, at).await.unwrap();
    assert_eq!(fired, 1, "one page");
}

/// One key over its rate is told to slow down; another key of the same service is not.
async fn a_fast_key_is_throttled_alone(b: Backend) {
    let (app, key, _) =
        with_key(b, |s| s.events_limit = app::server::rate_limit::KeyedLimit::new(app::server::rate_limit::quota(3, std::time::Duration::from_secs(60)))).await;
    let (_, other) = integrations::create(&app.state, Some(&app.admin), "checkout", "Grafana", KeyKind::EventsV2).await.unwrap();
    for _ in 0..3 {
        assert_eq!(send(&app, &documented(&key)).await.0, 202);
    }
    let r = reqwest::Client::new().post(app.url("/v2/enqueue")).json(&documented(&key)).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert_eq!(send(&app, &documented(&other)).await.0, 202, "the other key is unaffected");
}

/// A key in force is remembered: revoked behind this replica's back (as another process on
/// the same database would), it is still taken until the replica hears of a revocation.
async fn keys_in_force_are_remembered_until_a_revocation_is_heard_of(b: Backend) {
    let (app, key, _) = with_key(b, |_| {}).await;
    assert_eq!(send(&app, &documented(&key)).await.0, 202);
    let id = {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        let id = app::server::repo::integrations::find(&mut conn, &key).await.unwrap().unwrap().id;
        assert!(app::server::repo::integrations::revoke(&mut conn, id).await.unwrap());
        id
    };
    assert_eq!(send(&app, &documented(&key)).await.0, 202, "remembered (for at most key_cache::KEPT)");
    app.state.hub.key_revoked();
    assert_eq!(send(&app, &documented(&key)).await.0, 400, "asked again after a revocation");
    // and a revocation through Klaxon is heard of at once
    let (id2, other) = integrations::create(&app.state, Some(&app.admin), "checkout", "Grafana", KeyKind::EventsV2).await.unwrap();
    assert_ne!(id, id2);
    assert_eq!(send(&app, &documented(&other)).await.0, 202);
    integrations::revoke(&app.state, Some(&app.admin), id2).await.unwrap();
    assert_eq!(send(&app, &documented(&other)).await.0, 400);
}

on_both_backends!(
    keys_in_force_are_remembered_until_a_revocation_is_heard_of,
    events_v2_answers_as_pagerduty_does,
    events_v2_refuses_bad_events_and_keys,
    one_alert_for_a_dedup_key_under_a_race,
    a_fast_key_is_throttled_alone
);

/// A key revoked on one replica is refused on the other at once: the other had it in
/// memory (it took events with it), and hears of the revocation by NOTIFY — well before
/// its memory of the key would run out (`key_cache::KEPT`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_key_revoked_on_one_replica_is_refused_on_the_other() {
    let (a, _, _) = with_key(Backend::Postgres, |_| {}).await;
    let b = a.replica().await;
    let (id, key) = integrations::create(&a.state, Some(&a.admin), "checkout", "Grafana", KeyKind::EventsV2).await.unwrap();
    assert_eq!(send(&b, &documented(&key)).await.0, 202, "B takes the key (and keeps it)");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await; // B's feed listens
    integrations::revoke(&a.state, Some(&a.admin), id).await.unwrap();
    let revoked = std::time::Instant::now();
    let status = loop {
        let status = send(&b, &documented(&key)).await.0;
        if status != 202 || revoked.elapsed() > app::server::key_cache::KEPT {
            break status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(status, 400, "B refuses the revoked key");
    assert!(revoked.elapsed() < std::time::Duration::from_secs(2), "heard of, not timed out: {:?}", revoked.elapsed());
    b.shutdown.cancel();
    b.state.hub.close();
}
