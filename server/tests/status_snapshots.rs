//! The public page served from snapshots: every kind of change shows at once, entity tags and
//! `304`, gzip, and the last good page while the database is down.

mod common;

use std::io::Read;

use app::domain::incident::{DeclareInput, Severity};
use app::domain::status_page::{ComponentInput, ComponentStatus, Impact, MaintenanceInput, PageSettings, PublicStatus, PublicUpdate};
use app::on_both_backends;
use app::server::db::Backend;
use app::server::services::incidents as incidents_svc;
use app::server::services::maintenance;
use app::server::services::status_page as svc;
use chrono::{Duration, Utc};
use common::TestApp;
use serde_json::Value;

fn settings(name: &str, time_zone: &str) -> PageSettings {
    PageSettings { name: name.into(), public_url: String::new(), logo_url: String::new(), time_zone: time_zone.into(), support_url: String::new() }
}

struct Seen {
    etag: String,
    body: String,
}

async fn fetch(app: &TestApp, path: &str) -> Seen {
    let r = reqwest::Client::new().get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("stale-while-revalidate"), "{path}");
    assert!(r.headers().contains_key("last-modified"), "{path}");
    Seen { etag, body: r.text().await.unwrap() }
}

/// Asserts that `path` changed since `before` (new tag, old tag no longer current) and
/// returns what it says now.
async fn changed(app: &TestApp, path: &str, before: &Seen, what: &str) -> Seen {
    let now = fetch(app, path).await;
    assert_ne!(now.etag, before.etag, "{path} did not change after {what}");
    let r = reqwest::Client::new().get(app.url(path)).header("if-none-match", &before.etag).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}: the old tag still matched after {what}");
    now
}

async fn every_change_shows_at_once(b: Backend) {
    let app = TestApp::start(b).await;
    let summary = fetch(&app, "/api/v2/summary.json").await;
    let page = fetch(&app, "/status").await;

    // an unchanged page keeps its tag, and a client holding it gets 304 and no body
    let again = fetch(&app, "/api/v2/summary.json").await;
    assert_eq!(again.etag, summary.etag);
    for (path, tag) in [("/api/v2/summary.json", &summary.etag), ("/status", &page.etag)] {
        let r = reqwest::Client::new().get(app.url(path)).header("if-none-match", tag).send().await.unwrap();
        assert_eq!(r.status(), 304, "{path}");
        assert_eq!(r.headers()["etag"], tag.as_str());
        assert!(r.bytes().await.unwrap().is_empty());
    }

    let settings = settings("Acme Status", "Europe/Berlin");
    svc::save_settings(&app.state, Some(&app.admin), settings).await.unwrap();
    let summary = changed(&app, "/api/v2/summary.json", &summary, "new settings").await;
    assert!(summary.body.contains("Acme Status"));
    let page = changed(&app, "/status", &page, "new settings").await;
    assert!(page.body.contains("Acme Status"));

    let input = ComponentInput { name: "Web".into(), group: "Shop".into(), ..Default::default() };
    let web = svc::create_component(&app.state, Some(&app.admin), input.clone()).await.unwrap();
    let summary = changed(&app, "/api/v2/summary.json", &summary, "a new component").await;
    assert!(summary.body.contains("\"Web\""));
    let page = changed(&app, "/status", &page, "a new component").await;

    svc::update_component(&app.state, Some(&app.admin), web.id, ComponentInput { description: "The shop front".into(), ..input }).await.unwrap();
    let summary = changed(&app, "/api/v2/summary.json", &summary, "a component edit").await;
    assert!(summary.body.contains("The shop front"));

    svc::set_component_status(&app.state, Some(&app.responder), web.id, ComponentStatus::PartialOutage).await.unwrap();
    let summary = changed(&app, "/api/v2/summary.json", &summary, "a component status").await;
    assert!(summary.body.contains("partial_outage"));
    let page = changed(&app, "/status", &page, "a component status").await;
    assert!(page.body.contains("Partial outage"));

    let now = Utc::now();
    let window = MaintenanceInput {
        title: "Shop upgrade".into(),
        message: "Short pauses.".into(),
        starts_at: now + Duration::minutes(1),
        ends_at: now + Duration::hours(1),
        components: vec![web.id],
    };
    maintenance::schedule_maintenance(&app.state, Some(&app.responder), window).await.unwrap();
    let summary = changed(&app, "/api/v2/summary.json", &summary, "scheduled maintenance").await;
    assert!(summary.body.contains("Shop upgrade"));

    // the window opens: its component goes under maintenance (once the incident's status is back)
    svc::set_component_status(&app.state, Some(&app.responder), web.id, ComponentStatus::Operational).await.unwrap();
    let summary = changed(&app, "/api/v2/summary.json", &summary, "a component status").await;
    assert_eq!(maintenance::apply_maintenance_windows(&app.state, now + Duration::minutes(2)).await.unwrap(), 1);
    let summary = changed(&app, "/api/v2/summary.json", &summary, "a maintenance window opening").await;
    assert!(summary.body.contains("under_maintenance"));

    let incident = incidents_svc::declare(
        &app.state,
        Some(&app.responder),
        DeclareInput { title: "db-7 disk full".into(), severity: Some(Severity::Sev2), ..Default::default() },
    )
    .await
    .unwrap();
    let update = PublicUpdate {
        title: "Checkout problems".into(),
        status: PublicStatus::Investigating,
        body: "We are looking into it.".into(),
        impact: Impact::Minor,
        components: vec![],
        previous: vec![],
        public_id: String::new(),
    };
    incidents_svc::post_public_update(&app.state, Some(&app.responder), incident.id, update).await.unwrap();
    let summary = changed(&app, "/api/v2/summary.json", &summary, "a public update").await;
    assert!(summary.body.contains("Checkout problems"));
    let page = changed(&app, "/status", &page, "a public update").await;
    assert!(page.body.contains("We are looking into it."));

    // internal work changes nothing public
    incidents_svc::add_note(&app.state, Some(&app.responder), incident.id, app::domain::incident::NoteKind::Note, "the disk is db-7's").await.unwrap();
    assert_eq!(fetch(&app, "/api/v2/summary.json").await.etag, summary.etag);
    // (the page's own tag may move: today's uptime figure moves with the clock)
    let page = fetch(&app, "/status").await;
    assert!(!page.body.contains("db-7"));
}

async fn gzip_when_asked(b: Backend) {
    let app = TestApp::start(b).await;
    svc::create_component(&app.state, Some(&app.admin), ComponentInput { name: "API".into(), ..Default::default() }).await.unwrap();
    for path in ["/api/v2/summary.json", "/status", "/status/history.rss"] {
        let plain = reqwest::Client::new().get(app.url(path)).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
        let plain = plain.bytes().await.unwrap();
        let r = reqwest::Client::new().get(app.url(path)).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(r.headers()["vary"], "Accept-Encoding", "{path}");
        let zipped = r.bytes().await.unwrap();
        assert!(zipped.len() < plain.len(), "{path}");
        let mut unzipped = vec![];
        flate2::read::GzDecoder::new(&zipped[..]).read_to_end(&mut unzipped).unwrap();
        assert_eq!(unzipped, plain.to_vec(), "{path}");
    }
    // If-Modified-Since works for clients that do not keep tags
    let r = reqwest::Client::new().get(app.url("/api/v2/status.json")).send().await.unwrap();
    let modified = r.headers()["last-modified"].to_str().unwrap().to_string();
    let r = reqwest::Client::new().get(app.url("/api/v2/status.json")).header("if-modified-since", modified).send().await.unwrap();
    assert_eq!(r.status(), 304);
}

async fn last_good_page_while_database_down(b: Backend) {
    let app = TestApp::start(b).await;
    svc::save_settings(&app.state, Some(&app.admin), settings("Acme Status", "UTC")).await.unwrap();
    let web = svc::create_component(&app.state, Some(&app.admin), ComponentInput { name: "Web".into(), ..Default::default() }).await.unwrap();
    svc::set_component_status(&app.state, Some(&app.responder), web.id, ComponentStatus::MajorOutage).await.unwrap();
    let summary = fetch(&app, "/api/v2/summary.json").await;
    let page = fetch(&app, "/status").await;
    assert!(!page.body.contains("data-testid=\"stale\""));

    app.state.db.close().await;
    assert_eq!(reqwest::get(app.url("/readyz")).await.unwrap().status(), 503);
    // something asks for a rebuild, which fails: readers still get the last good page, at once
    app.state.status.invalidate();
    let started = std::time::Instant::now();
    let r = reqwest::Client::new().get(app.url("/api/v2/summary.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), summary.etag);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"]["indicator"], "critical");
    assert_eq!(v["page"]["name"], "Acme Status");
    let stale = fetch(&app, "/status").await;
    assert!(stale.body.contains("Major outage") && stale.body.contains("Acme Status"));
    assert!(stale.body.contains("data-testid=\"stale\""), "the page says it may be out of date");
    // a signed-in reader's cookie does not make the page need the database either
    let r = reqwest::Client::new().get(app.url("/status")).header("cookie", "klaxon_session=whatever").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let feed = reqwest::Client::new().get(app.url("/status/history.atom")).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// Two replicas on one database: a change made on one shows on the other's page at once,
/// through the log (the refresh interval is a minute, so polling cannot be what shows it).
async fn replicas_converge(b: Backend) {
    use app::server::db::{Db, DbConfig};
    use app::server::state::AppState;
    use leptos::prelude::LeptosOptions;
    let url = app::server::testing::fresh_url(b).await;
    let replica = |url: String| async move {
        let db = Db::connect(&DbConfig::new(url)).await.unwrap();
        db.migrate().await.unwrap();
        AppState::new(LeptosOptions::builder().output_name("klaxon").build(), db).with_status_refresh(std::time::Duration::from_secs(60))
    };
    let (one, two) = (replica(url.clone()).await, replica(url).await);
    let admin = app::server::testing::user(&one.db, "Ada", app::domain::user::AccountRole::Admin).await;
    app::server::feed::start(&two.db, &two.hub).await;
    assert_eq!(two.status.get().await.unwrap().page.overall.indicator, app::domain::status_page::Indicator::None);

    let web = svc::create_component(&one, Some(&admin), ComponentInput { name: "Web".into(), ..Default::default() }).await.unwrap();
    svc::set_component_status(&one, Some(&admin), web.id, ComponentStatus::MajorOutage).await.unwrap();
    let started = std::time::Instant::now();
    loop {
        let page = two.status.get().await.unwrap();
        if page.page.overall.indicator == app::domain::status_page::Indicator::Critical {
            break;
        }
        // on PostgreSQL a NOTIFY wakes the other replica's feed; an SQLite file has no such
        // channel between processes, and the feed reads it every second
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "the other replica never saw the outage");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    two.hub.close();
}

on_both_backends!(every_change_shows_at_once, gzip_when_asked, last_good_page_while_database_down, replicas_converge);
