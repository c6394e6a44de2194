//! Pages read without JavaScript (plain HTTP, as `curl` would): the right status code for
//! every page, a real redirect to sign in for an anonymous reader.

mod common;

use app::domain::incident::DeclareInput;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::services::incidents as incidents_svc;
use common::TestApp;
use reqwest::redirect::Policy;

async fn pages_answer_the_right_status_without_javascript(b: Backend) {
    let _one = common::RENDERING_PAGES.lock().await;
    let app = TestApp::start(b).await;
    let incident = incidents_svc::declare(
        &app.state,
        Some(&app.responder),
        DeclareInput { title: "Checkout down".into(), severity: Some(app::domain::incident::Severity::Sev3), ..Default::default() },
    )
    .await
    .unwrap();
    let war_room = format!("/incidents/{}", incident.id);
    // resolved: its lightweight review starts (SEV3)
    let mut at = incident.status;
    for to in [app::domain::incident::Status::Investigating, app::domain::incident::Status::Resolved] {
        incidents_svc::change_status(&app.state, Some(&app.responder), incident.id, at, to).await.unwrap();
        at = to;
    }
    let review = {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        app::server::repo::postmortems::of_incident(&mut conn, incident.id).await.unwrap().expect("a SEV3 gets its review on resolution").id
    };
    let postmortem = format!("/postmortems/{review}");
    let export = format!("/postmortems/{review}.md");
    let plain = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();

    // anonymous: every internal page is a 303 to sign in, whatever the request accepts
    for path in [
        "/incidents",
        "/incidents/new",
        war_room.as_str(),
        "/runbooks",
        "/status-page",
        "/status-page/webhooks",
        "/oncall",
        "/inbox",
        "/inbox/rules",
        "/alerts",
        "/services",
        "/audiences",
        "/action-items",
        "/insights",
        "/insights.csv",
        "/insights.json",
        "/near-misses",
        "/readiness",
        "/drills",
        postmortem.as_str(),
        export.as_str(),
    ] {
        for accept in [None, Some("text/html"), Some("*/*")] {
            let mut req = plain.get(app.url(path));
            if let Some(a) = accept {
                req = req.header("accept", a);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 303, "{path} with accept {accept:?}");
            let to = format!("/login?next={path}");
            assert_eq!(r.headers()["location"], to.as_str(), "{path}");
            let body = r.text().await.unwrap();
            assert!(body.contains(&format!("href=\"{to}\"")), "{path}: the body names where it leads");
        }
    }
    // the root leads to the incidents
    let r = plain.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/incidents");

    // signed in: allowed, forbidden, not found
    let viewer = app.client(Some(&app.viewer)).await;
    let admin = app.client(Some(&app.admin)).await;
    let cases: [(&reqwest::Client, &str, u16); 20] = [
        (&viewer, "/readiness", 200),
        (&viewer, "/drills", 200),
        (&viewer, "/near-misses", 200),
        (&viewer, postmortem.as_str(), 200),
        (&viewer, "/insights", 200),
        (&viewer, "/insights?days=a+week", 400),
        (&viewer, "/insights?from=2026-11-30&to=2026-11-01", 400),
        (&viewer, "/action-items", 200),
        (&viewer, "/postmortems/987654", 404),
        (&viewer, "/postmortems/987654.md", 404),
        (&viewer, "/incidents", 200),
        (&viewer, war_room.as_str(), 200),
        (&viewer, "/incidents/new", 403),
        (&viewer, "/status-page/webhooks", 403),
        (&viewer, "/audiences", 403),
        (&viewer, "/oncall", 200),
        (&admin, "/status-page/webhooks", 200),
        (&viewer, "/incidents/987654", 404),
        (&viewer, "/no/such/page", 404),
        (&plain, "/status/incidents/nope", 404),
    ];
    for (client, path, expected) in cases {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), expected, "{path}");
    }
    // the export: the document as Markdown
    let r = viewer.get(app.url(&export)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/markdown; charset=utf-8");
    let md = r.text().await.unwrap();
    assert!(md.starts_with("# Postmortem: Checkout down\n") && md.contains("- **Status:** Draft\n") && md.contains("## Action items"), "{md}");
    // the public pages need nobody
    for path in ["/status", "/status/history", "/login"] {
        assert_eq!(plain.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
}

on_both_backends!(pages_answer_the_right_status_without_javascript);
