//! The public surfaces: the feeds (read by a real feed parser), the history and incident
//! pages, and proof that nothing internal reaches any of them (HTML, JSON, feeds, SSE).

mod common;

use app::domain::incident::{DeclareInput, NoteKind, Severity};
use app::domain::status_page::{ComponentInput, ComponentStatus, Impact, PublicStatus, PublicUpdate};
use app::on_both_backends;
use app::server::db::Backend;
use app::server::public::Doc;
use app::server::services::incidents as incidents_svc;
use app::server::services::status_page as svc;
use common::TestApp;
use futures::StreamExt;

fn update(title: &str, status: PublicStatus, body: &str, components: Vec<(app::domain::ids::ComponentId, ComponentStatus)>) -> PublicUpdate {
    PublicUpdate { title: title.into(), status, body: body.into(), impact: Impact::Major, components, previous: vec![], public_id: String::new() }
}

/// An incident that went public (two updates) with an internal note, and one that never did.
async fn seed(app: &TestApp) -> String {
    let web = svc::create_component(&app.state, Some(&app.admin), ComponentInput { name: "Web".into(), ..Default::default() }).await.unwrap();
    let public = incidents_svc::declare(
        &app.state,
        Some(&app.responder),
        DeclareInput { title: "db-7 disk full".into(), severity: Some(Severity::Sev2), ..Default::default() },
    )
    .await
    .unwrap();
    incidents_svc::add_note(&app.state, Some(&app.responder), public.id, NoteKind::Note, "SECRET-NOTE: the replica on db-7 is lagging").await.unwrap();
    incidents_svc::post_public_update(
        &app.state,
        Some(&app.responder),
        public.id,
        update("Checkout problems", PublicStatus::Investigating, "We are looking into failed checkouts.", vec![(web.id, ComponentStatus::MajorOutage)]),
    )
    .await
    .unwrap();
    incidents_svc::post_public_update(
        &app.state,
        Some(&app.responder),
        public.id,
        update("Checkout problems", PublicStatus::Resolved, "Checkouts work again.", vec![(web.id, ComponentStatus::Operational)]),
    )
    .await
    .unwrap();
    let internal = incidents_svc::declare(
        &app.state,
        Some(&app.responder),
        DeclareInput { title: "SECRET-INCIDENT payroll export".into(), severity: Some(Severity::Sev1), ..Default::default() },
    )
    .await
    .unwrap();
    incidents_svc::add_note(&app.state, Some(&app.responder), internal.id, NoteKind::Update, "SECRET-UPDATE internal only").await.unwrap();
    // the public incident's opaque id
    let v: serde_json::Value = reqwest::get(app.url("/api/v2/incidents.json")).await.unwrap().json().await.unwrap();
    v["incidents"][0]["id"].as_str().unwrap().to_string()
}

async fn text(app: &TestApp, path: &str) -> String {
    let r = reqwest::get(app.url(path)).await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn feeds_parse_with_one_entry_per_update(b: Backend) {
    let app = TestApp::start(b).await;
    let id = seed(&app).await;
    for (path, content_type) in [("/status/history.rss", "application/rss+xml"), ("/status/history.atom", "application/atom+xml")] {
        let r = reqwest::get(app.url(path)).await.unwrap();
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(content_type), "{path}");
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let body = r.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        assert_eq!(feed.title.as_ref().map(|t| t.content.as_str()), Some("Status"), "{path}");
        let titles: Vec<String> = feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect();
        assert_eq!(titles, ["Checkout problems — Resolved", "Checkout problems — Investigating"], "{path}: newest first");
        let bodies: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.summary.as_ref().map(|s| s.content.clone()).or_else(|| e.content.as_ref().and_then(|c| c.body.clone())).unwrap_or_default())
            .collect();
        assert_eq!(bodies, ["Checkouts work again.", "We are looking into failed checkouts."], "{path}");
        for e in &feed.entries {
            assert!(e.links.iter().any(|l| l.href.ends_with(&format!("/status/incidents/{id}"))), "{path}: {:?}", e.links);
            assert!(e.published.is_some() || e.updated.is_some(), "{path}");
        }
        // ids are stable: the same on every build of the feed, different per update
        let ids: Vec<String> = feed.entries.iter().map(|e| e.id.clone()).collect();
        assert_ne!(ids[0], ids[1]);
        app.state.status.invalidate();
        let again = feed_rs::parser::parse(&reqwest::get(app.url(path)).await.unwrap().bytes().await.unwrap()[..]).unwrap();
        assert_eq!(again.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids, "{path}");
        let r = reqwest::Client::new().get(app.url(path)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(r.status(), 304, "{path}");
    }
    // the pages name the feeds for readers that discover them
    for page in ["/status", "/status/history", &format!("/status/incidents/{id}")] {
        let html = text(&app, page).await;
        assert!(
            html.contains(r#"rel="alternate""#) && html.contains(r#"href="/status/history.rss""#) && html.contains(r#"href="/status/history.atom""#),
            "{page}"
        );
    }
}

async fn history_and_incident_pages(b: Backend) {
    let app = TestApp::start(b).await;
    let id = seed(&app).await;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    for path in ["/status/history".to_string(), format!("/status/history/{month}"), format!("/status/history?month={month}")] {
        let html = text(&app, &path).await;
        assert!(html.contains("Checkout problems") && html.contains(&format!("/status/incidents/{id}")), "{path}");
    }
    let empty = text(&app, "/status/history/2020-01").await;
    assert!(empty.contains("No incidents reported this month.") && !empty.contains("Checkout problems"));
    assert!(empty.contains(&format!(r#"rel="next" href="/status/history/{month}""#)), "months link to each other by path");
    for bad in ["/status/history?month=2026-13", "/status/history/2026-13", "/status/history/latest"] {
        let r = reqwest::get(app.url(bad)).await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.text().await.unwrap().contains("is not a month"), "{bad}");
    }
    let r = reqwest::get(app.url("/status/history/2026-10/more")).await.unwrap();
    assert_eq!(r.status(), 404);
    // a page is rendered once whatever query string comes with it (each render has a fresh
    // nonce, so the same entity tag means the same rendering)
    let etag = |path: String| {
        let url = app.url(&path);
        async move { reqwest::get(url).await.unwrap().headers()["etag"].to_str().unwrap().to_string() }
    };
    for (a, b) in [
        ("/status".to_string(), "/status?utm_source=x&r=1".to_string()),
        (format!("/status/incidents/{id}"), format!("/status/incidents/{id}?r=2")),
        (format!("/status/history/{month}"), format!("/status/history?month={month}&r=3")),
    ] {
        // compared within one snapshot: a rebuild between the reads (the periodic refresh,
        // or another replica's event) moves today's uptime figures and rightly re-renders,
        // so the plain address is read on both sides of the one with a query string
        let mut compared = false;
        for _ in 0..5 {
            let (before, with_query, after) = (etag(a.clone()).await, etag(b.clone()).await, etag(a.clone()).await);
            if before == after {
                assert_eq!(before, with_query, "{a}");
                compared = true;
                break;
            }
        }
        assert!(compared, "{a}: the snapshot changed on every try");
    }
    // after a change, readers of several pages arriving at once: each page is rendered once
    // and shared by its readers (a burst that overlaps a rebuild of the snapshot, the
    // change's own or the periodic one, rightly sees two renderings: it is tried again)
    svc::create_component(&app.state, Some(&app.admin), ComponentInput { name: "Search".into(), ..Default::default() }).await.unwrap();
    let pages = ["/status".to_string(), format!("/status/incidents/{id}"), format!("/status/history/{month}")];
    let mut shared = false;
    for _ in 0..5 {
        let tags = futures::future::join_all((0..24).map(|k| etag(pages[k % 3].clone()))).await;
        let renderings: Vec<usize> =
            (0..3).map(|k| tags.iter().enumerate().filter(|(i, _)| i % 3 == k).map(|(_, t)| t).collect::<std::collections::HashSet<&String>>().len()).collect();
        if renderings == [1, 1, 1] {
            shared = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(shared, "every burst of readers had a page rendered more than once");
    let page = text(&app, &format!("/status/incidents/{id}")).await;
    for shown in ["Checkout problems", "Checkouts work again.", "We are looking into failed checkouts.", "Affected: Web"] {
        assert!(page.contains(shown), "{shown:?} missing");
    }
    let r = reqwest::get(app.url("/status/incidents/p999999")).await.unwrap();
    assert_eq!(r.status(), 404);
}

/// The first `status` event of the public live stream.
async fn first_live_event(app: &TestApp) -> String {
    let r = reqwest::get(app.url("/live/status")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut stream = r.bytes_stream();
    let mut seen = String::new();
    while !seen.contains("event: status") || !seen[seen.find("event: status").unwrap()..].contains("\n\n") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next()).await.expect("a status event").unwrap().unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

async fn nothing_internal_on_any_public_surface(b: Backend) {
    let app = TestApp::start(b).await;
    let id = seed(&app).await;
    let mut surfaces = vec![];
    for path in ["/status".to_string(), "/status/history".into(), format!("/status/incidents/{id}")] {
        surfaces.push((path.clone(), text(&app, &path).await));
    }
    for doc in Doc::ALL {
        surfaces.push((doc.path().to_string(), text(&app, doc.path()).await));
    }
    let live = first_live_event(&app).await;
    // the live event is the Statuspage status document, as /api/v2/status.json says it
    let status: serde_json::Value = serde_json::from_str(&text(&app, "/api/v2/status.json").await).unwrap();
    assert!(live.contains(&format!("data: {}", serde_json::to_string(&status).unwrap())), "{live}");
    surfaces.push(("/live/status".into(), live));
    for (path, body) in &surfaces {
        // the public story is there (so this is not passing on empty pages)…
        let resolved_shows_here = ["/status/history", "/status/incidents/", "/api/v2/incidents.json", "history.rss", "history.atom"];
        if resolved_shows_here.iter().any(|p| path.contains(p)) {
            assert!(body.contains("Checkout problems"), "{path} does not show the public incident");
        }
        // …and nothing internal: not the internal title, notes, people, severity or the internal-only incident
        for secret in ["db-7", "SECRET-NOTE", "SECRET-INCIDENT", "SECRET-UPDATE", "payroll", "Ben", "sev1", "sev2", "Sev2", "service_id"] {
            assert!(!body.contains(secret), "{secret:?} leaked on {path}");
        }
    }
}

on_both_backends!(feeds_parse_with_one_entry_per_update, history_and_incident_pages, nothing_internal_on_any_public_surface);
