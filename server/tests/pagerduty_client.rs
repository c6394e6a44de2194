//! PagerDuty's official Python client (`pagerduty` on PyPI), unchanged, against the running
//! router: it triggers, repeats, acknowledges and resolves alerts and sends a change event
//! through TLS (the client only speaks https; a proxy in the test terminates it).

mod common;

use std::path::Path;
use std::process::Command;

use app::domain::alert::KeyKind;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{alerts, catalog};
use app::server::services::integrations;
use common::TestApp;
use serde_json::Value;

/// A throwaway certificate for localhost, made with openssl: (cert, key).
fn certificate(dir: &Path) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    (cert.display().to_string(), key.display().to_string())
}

async fn the_official_client_works_unchanged(b: Backend) {
    let app = TestApp::start(b).await;
    let service = {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap()
    };
    let (_, key) = integrations::create(&app.state, Some(&app.admin), "checkout", "Prometheus", KeyKind::EventsV2).await.unwrap();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let dir = std::env::temp_dir().join(format!("klaxon-pd-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, tls_key) = certificate(&dir);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/pagerduty_client.py");
    let (host, port) = (app.addr.ip().to_string(), app.addr.port().to_string());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3").args([script, &host, &port, &cert, &tls_key, &key]).output().expect("python3 with pagerduty (pip install pagerduty)")
    })
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    for action in ["trigger", "repeat", "acknowledge", "resolve"] {
        assert_eq!(got[action], "checkout-5xx", "{action}: {got}");
    }
    assert_eq!(got["resolve_unknown"], "never-triggered");
    assert_eq!(got["unknown_key"], "HttpError", "the client sees the refusal as PagerDuty's");
    let generated = got["generated"].as_str().unwrap();
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    assert_eq!(alerts::count(&mut conn, service, "checkout-5xx").await.unwrap(), (1, 0), "one alert, resolved");
    assert_eq!(alerts::count(&mut conn, service, generated).await.unwrap(), (1, 1));
    let changes = alerts::changes(&mut conn, &[service], chrono::Utc::now() - chrono::Duration::hours(1)).await.unwrap();
    assert_eq!((changes[0].summary.as_str(), changes[0].source.as_deref()), ("Deployed checkout v42", Some("ci")));
}

on_both_backends!(the_official_client_works_unchanged);
