//! Control characters where text comes in: a clear 400, nothing stored, and the feeds stay
//! valid XML after anything that was accepted.

mod common;

use app::domain::incident::{DeclareInput, Severity};
use app::domain::maintenance::MaintenanceInput;
use app::domain::status_page::{Impact, PublicStatus, PublicUpdate};
use app::error::ErrorKind;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::services::{incidents as incidents_svc, maintenance};
use chrono::{Duration, Utc};
use common::TestApp;
use serde_json::json;

fn update(title: &str, body: &str) -> PublicUpdate {
    PublicUpdate {
        title: title.into(),
        status: PublicStatus::Investigating,
        body: body.into(),
        impact: Impact::Minor,
        components: vec![],
        previous: vec![],
        public_id: String::new(),
    }
}

async fn control_characters_are_refused_everywhere_text_comes_in(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.responder)).await;
    let declare = |impact: &str| json!({ "input": DeclareInput { title: "Checkout errors".into(), impact: impact.into(), services: vec!["checkout".into()], severity: Some(Severity::Sev3), ..Default::default() } });

    // over HTTP: declaring and noting
    for bad in ["nul \0 here", "escape \u{1b}[31m red", "bell \u{7}"] {
        let r = c.post(app.url("/api/incidents/declare")).json(&declare(bad)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad:?}");
        let message = r.json::<serde_json::Value>().await.unwrap()["message"].as_str().unwrap().to_string();
        assert!(message.starts_with("The impact must not contain control characters"), "{message}");
    }
    let list: serde_json::Value = c.post(app.url("/api/incidents/list")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["incidents"].as_array().map(Vec::len), Some(0), "nothing was declared: {list}");

    let ok = c.post(app.url("/api/incidents/declare")).json(&declare("Payments fail\n\tfor some")).send().await.unwrap();
    assert_eq!(ok.status(), 200, "newlines and tabs are fine");
    let incident: app::domain::incident::Incident = ok.json().await.unwrap();
    let r =
        c.post(app.url("/api/incidents/note")).form(&[("id", incident.id.0.to_string().as_str()), ("kind", "note"), ("body", "a\u{0}b")]).send().await.unwrap();
    assert_eq!(r.status(), 400);

    // public updates and maintenance windows (what the feeds are made of)
    let bad = incidents_svc::post_public_update(&app.state, Some(&app.responder), incident.id, update("Checkout \u{1}", "Looking")).await.unwrap_err();
    assert_eq!(bad.kind, ErrorKind::BadRequest);
    let bad = incidents_svc::post_public_update(&app.state, Some(&app.responder), incident.id, update("Checkout", "Look\u{c}ing")).await.unwrap_err();
    assert_eq!(bad.kind, ErrorKind::BadRequest);
    let window = |title: &str, message: &str| MaintenanceInput {
        title: title.into(),
        message: message.into(),
        starts_at: Utc::now() + Duration::hours(1),
        ends_at: Utc::now() + Duration::hours(2),
        components: vec![],
    };
    let bad = maintenance::schedule_maintenance(&app.state, Some(&app.responder), window("DB\u{b}upgrade", "Brief")).await.unwrap_err();
    assert_eq!(bad.kind, ErrorKind::BadRequest);

    // what was accepted (tabs, newlines, markup, any script) keeps the feeds valid
    incidents_svc::post_public_update(&app.state, Some(&app.responder), incident.id, update("Checkout <slow> & \"odd\"", "Looking\tinto it\r\nÜber ✓ 🚨 ]]>"))
        .await
        .unwrap();
    maintenance::schedule_maintenance(&app.state, Some(&app.responder), window("DB upgrade", "Line one\nLine two")).await.unwrap();
    for path in ["/status/history.rss", "/status/history.atom"] {
        let body = reqwest::get(app.url(path)).await.unwrap().bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        assert_eq!(feed.entries.len(), 1, "{path}");
    }
}

on_both_backends!(control_characters_are_refused_everywhere_text_comes_in);
