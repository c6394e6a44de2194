//! Prometheus Alertmanager's webhook at `/alertmanager/{key}`: the documented notification
//! over HTTP, resends that change nothing, and the real thing — Debian's
//! `prometheus-alertmanager`, started by the test with a webhook receiver pointed at
//! Klaxon, alerts posted to its API, then resolved.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::domain::alert::{AlertState, KeyKind};
use app::domain::alertmanager::sample;
use app::domain::ids::ServiceId;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{alerts, catalog};
use app::server::services::integrations;
use common::TestApp;
use serde_json::{json, Value};

async fn with_key(b: Backend) -> (TestApp, String, ServiceId) {
    let app = TestApp::start(b).await;
    let service = {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap()
    };
    let (_, key) = integrations::create(&app.state, Some(&app.admin), "checkout", "Alertmanager", KeyKind::Alertmanager).await.unwrap();
    (app, key, service)
}

async fn post(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new().post(app.url(&format!("/alertmanager/{key}"))).json(body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn the_documented_notification_and_its_resends(b: Backend) {
    let (app, key, service) = with_key(b).await;
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    for _ in 0..2 {
        assert_eq!(post(&app, &key, &sample("firing", "c0ffee")).await, (200, json!({ "status": "success", "alerts": 1 })));
    }
    assert_eq!(alerts::count(&mut conn, service, "c0ffee").await.unwrap(), (1, 1), "a resend is the same alert");
    for _ in 0..2 {
        assert_eq!(post(&app, &key, &sample("resolved", "c0ffee")).await.0, 200);
    }
    assert_eq!(alerts::count(&mut conn, service, "c0ffee").await.unwrap(), (1, 0));
    // an unknown key, and an Events API key on this address, are refused
    assert_eq!(post(&app, "nope", &sample("firing", "c0ffee")).await.0, 400);
    let (_, events_key) = integrations::create(&app.state, Some(&app.admin), "checkout", "Events", KeyKind::EventsV2).await.unwrap();
    assert_eq!(post(&app, &events_key, &sample("firing", "beef")).await.0, 400);
    let (status, body) = post(&app, &key, &json!({ "version": "4", "alerts": [{ "status": "firing", "labels": {} }] })).await;
    assert_eq!((status, body["errors"][0].as_str()), (400, Some("alerts[0].fingerprint is missing")));
    assert_eq!(alerts::count(&mut conn, service, "beef").await.unwrap(), (0, 0), "nothing stored");
}

/// Kills the process when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits up to 30 s for `check` to hold.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 30 s");
}

async fn the_real_alertmanager_triggers_and_resolves(b: Backend) {
    let (app, key, _) = with_key(b).await;
    let dir = std::env::temp_dir().join(format!("klaxon-am-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        "route:\n  receiver: klaxon\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: klaxon\n    webhook_configs:\n      - url: {}\n        send_resolved: true\n",
        app.url(&format!("/alertmanager/{key}"))
    );
    std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
    let port = free_port();
    let _am = Running(
        Command::new("prometheus-alertmanager")
            .arg(format!("--config.file={}", dir.join("alertmanager.yml").display()))
            .arg(format!("--storage.path={}", dir.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-alertmanager (apt-get install prometheus-alertmanager)"),
    );
    let am = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    eventually("Alertmanager starting", || {
        let (client, url) = (client.clone(), format!("{am}/-/ready"));
        async move { client.get(url).send().await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let alert = |ends: chrono::DateTime<chrono::Utc>| {
        json!([{
            "labels": { "alertname": "CheckoutErrors", "severity": "critical", "instance": "checkout-1:9100" },
            "annotations": { "summary": "Checkout 5xx above 5% (Alertmanager)" },
            "startsAt": (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339(),
            "endsAt": ends.to_rfc3339(),
        }])
    };
    let r = client.post(format!("{am}/api/v2/alerts")).json(&alert(chrono::Utc::now() + chrono::Duration::hours(1))).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let ours = |state: AlertState| {
        let db = app.state.db.clone();
        async move {
            let mut conn = db.pool().acquire().await.unwrap();
            alerts::list(&mut conn, 10)
                .await
                .unwrap()
                .iter()
                .any(|a| a.summary == "Checkout 5xx above 5% (Alertmanager)" && a.state == state && a.severity.as_str() == "critical")
        }
    };
    eventually("the firing alert reaching Klaxon", || ours(AlertState::Triggered)).await;
    // it ends: Alertmanager sends the resolved notification
    let r = client.post(format!("{am}/api/v2/alerts")).json(&alert(chrono::Utc::now() - chrono::Duration::seconds(1))).send().await.unwrap();
    assert!(r.status().is_success());
    eventually("the resolve reaching Klaxon", || ours(AlertState::Resolved)).await;
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    assert_eq!(alerts::list(&mut conn, 10).await.unwrap().len(), 1, "one alert, triggered then resolved");
    std::fs::remove_dir_all(&dir).ok();
}

on_both_backends!(the_documented_notification_and_its_resends, the_real_alertmanager_triggers_and_resolves);
