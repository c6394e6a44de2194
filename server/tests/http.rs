//! The real router on a fresh database: permissions, CSRF, bad input, live streams.

mod common;

use app::on_both_backends;

use std::time::Duration;

use app::domain::incident::{DeclareInput, Incident};
use app::domain::log::Cursor;
use app::domain::triage::Answer;
use app::server::db::Backend;
use common::{read_events, TestApp};
use futures::StreamExt;
use reqwest::{Client, StatusCode};
use serde_json::json;

fn declare_body(title: &str) -> serde_json::Value {
    let input = DeclareInput {
        title: title.into(),
        impact: String::new(),
        services: vec!["checkout".into()],
        answers: vec![Answer::No, Answer::No, Answer::No, Answer::Yes],
        ..Default::default()
    };
    json!({ "input": input })
}

async fn declare(app: &TestApp, c: &Client, title: &str) -> Incident {
    let r = c.post(app.url("/api/incidents/declare")).json(&declare_body(title)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn note(app: &TestApp, c: &Client, id: i64, body: &str) -> reqwest::Response {
    c.post(app.url("/api/incidents/note")).form(&[("id", id.to_string().as_str()), ("kind", "note"), ("body", body)]).send().await.unwrap()
}

async fn permissions_matrix(b: Backend) {
    let app = TestApp::start(b).await;
    let anon = app.client(None).await;
    let viewer = app.client(Some(&app.viewer)).await;
    let responder = app.client(Some(&app.responder)).await;
    let admin = app.client(Some(&app.admin)).await;
    let seed = declare(&app, &responder, "Seed incident").await;
    let runbook = json!({ "yaml": "metadata:\n  title: T\n  service: checkout\nrecovery:\n  - x\n" });

    let who = [("anonymous", &anon), ("viewer", &viewer), ("responder", &responder), ("admin", &admin)];
    // expected status for anonymous, viewer, responder, admin
    let cases: Vec<(&str, [u16; 4])> = vec![
        ("list incidents", [401, 200, 200, 200]),
        ("read war room", [401, 200, 200, 200]),
        ("declare", [401, 403, 200, 200]),
        ("post note", [401, 403, 200, 200]),
        ("save runbook", [401, 403, 403, 200]),
        ("live stream", [401, 200, 200, 200]),
        ("incident page", [303, 200, 200, 200]),
    ];
    for (what, expected) in cases {
        for (i, (name, c)) in who.iter().enumerate() {
            let r = match what {
                "list incidents" => c.post(app.url("/api/incidents/list")).send().await.unwrap(),
                "read war room" => c.post(app.url("/api/incidents/war-room")).form(&[("id", seed.id.0.to_string())]).send().await.unwrap(),
                "declare" => c.post(app.url("/api/incidents/declare")).json(&declare_body(&format!("By {name}"))).send().await.unwrap(),
                "post note" => note(&app, c, seed.id.0, "hello").await,
                "save runbook" => c.post(app.url("/api/runbooks/save")).form(&[("yaml", runbook["yaml"].as_str().unwrap())]).send().await.unwrap(),
                "live stream" => c.get(app.url("/live/incidents")).send().await.unwrap(),
                "incident page" => {
                    let nr = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
                    // the signed-in clients' cookies live in their own jars, so ask with theirs
                    let target = app.url(&format!("/incidents/{}", seed.id));
                    if *name == "anonymous" {
                        nr.get(&target).header("accept", "text/html").send().await.unwrap()
                    } else {
                        c.get(&target).header("accept", "text/html").send().await.unwrap()
                    }
                }
                _ => unreachable!(),
            };
            assert_eq!(r.status().as_u16(), expected[i], "{what} as {name}");
        }
    }
}

async fn cross_site_posts_are_refused(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.responder)).await;
    let i = declare(&app, &c, "CSRF target").await;
    let host = app.addr.to_string();
    let cases = [
        (Some("http://evil.example"), None, 403),
        (None, Some("http://evil.example/page"), 403),
        (Some("null"), None, 403),
        (Some(format!("http://{host}").as_str()), None, 200),
        (None, Some(format!("http://{host}/incidents/1").as_str()), 200),
        (None, None, 200),
    ]
    .map(|(o, r, s)| (o.map(str::to_string), r.map(str::to_string), s));
    for (origin, referer, expected) in cases {
        let mut req = c.post(app.url("/api/incidents/note")).form(&[("id", i.id.0.to_string()), ("kind", "note".into()), ("body", "x".into())]);
        if let Some(o) = &origin {
            req = req.header("origin", o);
        }
        if let Some(r) = &referer {
            req = req.header("referer", r);
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), expected, "origin {origin:?} referer {referer:?}");
    }
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    let notes = app::server::repo::events::for_incident(&mut conn, i.id).await.unwrap().0.len();
    assert_eq!(notes, 1 + 3, "declared + the three accepted notes");
}

async fn bad_input_gets_clear_4xx(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.responder)).await;
    let i = declare(&app, &c, "Bad input").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let c = c.clone();
        let url = app.url(path);
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let checks: Vec<(reqwest::Response, u16, &str)> = vec![
        (c.post(app.url("/api/incidents/declare")).json(&declare_body("")).send().await.unwrap(), 400, "at least 3"),
        (c.post(app.url("/api/incidents/declare")).json(&declare_body(&"y".repeat(500))).send().await.unwrap(), 400, "at most 120"),
        (
            c.post(app.url("/api/incidents/declare")).header("content-type", "application/json").body("{not json").send().await.unwrap(),
            400,
            "could not be read",
        ),
        (
            post("/api/incidents/status", vec![("id", "999999".into()), ("expected", "detected".into()), ("to", "investigating".into())]).await,
            404,
            "no incident",
        ),
        (post("/api/incidents/status", vec![("id", i.id.0.to_string()), ("expected", "detected".into()), ("to", "follow_up".into())]).await, 409, "Follow-up"),
        (
            post("/api/incidents/status", vec![("id", i.id.0.to_string()), ("expected", "detected".into()), ("to", "sideways".into())]).await,
            400,
            "could not be read",
        ),
        (post("/api/incidents/note", vec![("id", "abc".into()), ("kind", "note".into()), ("body", "x".into())]).await, 400, "could not be read"),
        (post("/api/incidents/note", vec![("id", i.id.0.to_string()), ("kind", "note".into()), ("body", "".into())]).await, 400, "must not be empty"),
    ];
    for (r, code, text) in checks {
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(status, code, "{body}");
        assert!(body.contains(text), "{body:?} should mention {text:?}");
    }
    // an unknown or expired session is treated as signed out
    let stranger = reqwest::Client::new();
    let r = stranger.post(app.url("/api/incidents/list")).header("cookie", "klaxon_session=AAAAAAAAAAAAAAAAAAAAAA").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    sqlx::query("DELETE FROM sessions").execute(app.state.db.pool()).await.unwrap();
    assert_eq!(c.post(app.url("/api/incidents/list")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

async fn live_stream_resumes_exactly(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.responder)).await;
    let i = declare(&app, &c, "Resume").await;
    let other = declare(&app, &c, "Other incident").await;
    for n in 0..5 {
        assert_eq!(note(&app, &c, i.id.0, &format!("note {n}")).await.status(), 200);
        assert_eq!(note(&app, &c, other.id.0, "elsewhere").await.status(), 200);
    }
    let stream = app::server::repo::log::Part::One(app::domain::log::StreamRef::incident(i.id));
    let log = app::server::testing::settled_log(&app.state.db, stream, Cursor::START).await;
    assert_eq!(log.len(), 6);
    // the client saw up to the second note; it must get notes 2, 3, 4 exactly once, then live ones
    let seen = log[2].cursor;
    let resp = c.get(app.url(&format!("/live/incident:{}", i.id))).header("last-event-id", seen.to_string()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let poster = {
        let (app_url, c, id) = (app.url("/api/incidents/note"), c.clone(), i.id.0);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            for n in 5..7 {
                c.post(&app_url).form(&[("id", id.to_string()), ("kind", "note".into()), ("body", format!("note {n}"))]).send().await.unwrap();
            }
        })
    };
    let got = read_events(resp, 5, Duration::from_secs(10)).await;
    poster.await.unwrap();
    let bodies: Vec<String> = got.iter().map(|(_, e)| e.event.kind.summary()).collect();
    assert_eq!(bodies, ["note 2", "note 3", "note 4", "note 5", "note 6"]);
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "in order");
    assert!(got.iter().all(|(at, e)| at.id == e.event.id.0 && e.event.incident_id == i.id), "only this incident");
    // the `?after=` form a freshly rendered page uses works the same
    let resp = c.get(app.url(&format!("/live/incident:{}?after={}", i.id, log[4].cursor))).send().await.unwrap();
    let got = read_events(resp, 1, Duration::from_secs(5)).await;
    assert_eq!(got[0].1.event.kind.summary(), "note 4");
}

/// Reads a live stream until its text contains `what`.
async fn read_until(resp: &mut reqwest::Response, seen: &mut String, what: &str) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains(what) {
            let chunk = resp.chunk().await.unwrap().expect("the stream ended");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what:?} never came; the stream said {seen:?}"));
}

async fn an_unknown_last_event_id_resyncs_and_never_silences(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.responder)).await;
    let i = declare(&app, &c, "Restored from a backup").await;
    for topic in ["incidents".to_string(), format!("incident:{}", i.id)] {
        // an id this database never gave, as after a restore
        let mut resp = c.get(app.url(&format!("/live/{topic}"))).header("last-event-id", "999999").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let mut seen = String::new();
        read_until(&mut resp, &mut seen, "event: resync\ndata: ").await;
        let body = format!("after the restore, on {topic}");
        assert_eq!(note(&app, &c, i.id.0, &body).await.status(), 200);
        read_until(&mut resp, &mut seen, &body).await;
    }
}

async fn live_stream_refuses_bad_requests(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.viewer)).await;
    for (path, header, code) in [
        ("/live/incidents", Some("abc"), 400),
        ("/live/incidents", Some("-5"), 400),
        ("/live/incidents?after=1e9", None, 400),
        ("/live/status-page", None, 404),
        ("/live/incident:424242", None, 404),
    ] {
        let mut req = c.get(app.url(path));
        if let Some(h) = header {
            req = req.header("last-event-id", h);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), code, "{path} {header:?}");
        assert!(r.text().await.unwrap().contains("message"));
    }
}

async fn shutdown_ends_live_streams(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.viewer)).await;
    let resp = c.get(app.url("/live/incidents")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    app.shutdown.cancel();
    let ended = tokio::time::timeout(Duration::from_secs(5), async { while let Some(Ok(_)) = stream.next().await {} }).await;
    assert!(ended.is_ok(), "the stream must end within 5 s of shutdown");
}

async fn signing_out_ends_open_live_streams(b: Backend) {
    let app = TestApp::start(b).await;
    let c = app.client(Some(&app.viewer)).await;
    let resp = c.get(app.url("/live/incidents")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    assert_eq!(c.post(app.url("/api/logout")).send().await.unwrap().status(), 200);
    let ended = tokio::time::timeout(Duration::from_secs(5), async { while let Some(Ok(_)) = stream.next().await {} }).await;
    assert!(ended.is_ok(), "the stream must end once its session is gone");
}

/// Everything a stream sends within `within`, as text.
async fn read_for(resp: reqwest::Response, within: Duration) -> String {
    let mut text = String::new();
    let mut stream = resp.bytes_stream();
    let _ = tokio::time::timeout(within, async {
        while let Some(Ok(chunk)) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    text
}

/// Idle streams get a keep-alive comment every `live_ping`, and only then: the session
/// checks in between (every second here) send nothing.
async fn idle_streams_are_pinged_at_the_configured_interval(b: Backend) {
    let app = TestApp::start_with(b, |s| s.live_ping = Duration::from_millis(700)).await;
    let c = app.client(Some(&app.viewer)).await;
    let internal = c.get(app.url("/live/incidents")).send().await.unwrap();
    let public = c.get(app.url("/live/status")).send().await.unwrap();
    let (internal, public) = tokio::join!(read_for(internal, Duration::from_millis(2500)), read_for(public, Duration::from_millis(2500)));
    for text in [internal, public] {
        let pings = text.matches(": ping\n\n").count();
        assert!((2..=4).contains(&pings), "{pings} pings in 2.5 s: {text:?}");
    }
    let app = TestApp::start_with(b, |s| s.live_ping = Duration::from_secs(60)).await;
    let c = app.client(Some(&app.viewer)).await;
    let text = read_for(c.get(app.url("/live/incidents")).send().await.unwrap(), Duration::from_millis(2500)).await;
    assert!(text.starts_with("retry: 2000\n: live\n\n") && !text.contains("ping"), "{text:?}");
}

async fn session_cookie_is_http_only_lax_and_secure_over_https(b: Backend) {
    let app = TestApp::start(b).await;
    let sign_in = |proto: Option<&'static str>| {
        let c = reqwest::Client::new();
        let mut req = c.post(app.url("/api/login")).form(&[("email", app.responder.email.as_str()), ("password", app::server::testing::TEST_PASSWORD)]);
        if let Some(p) = proto {
            req = req.header("x-forwarded-proto", p);
        }
        req.send()
    };
    let plain = sign_in(None).await.unwrap();
    let cookie = plain.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("klaxon_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let tls = sign_in(Some("https")).await.unwrap();
    let cookie = tls.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
}

async fn health_and_readiness(b: Backend) {
    let app = TestApp::start(b).await;
    let c = reqwest::Client::new();
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 200);
    app.state.db.close().await;
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), 503);
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}

on_both_backends!(
    permissions_matrix,
    cross_site_posts_are_refused,
    bad_input_gets_clear_4xx,
    live_stream_resumes_exactly,
    an_unknown_last_event_id_resyncs_and_never_silences,
    live_stream_refuses_bad_requests,
    shutdown_ends_live_streams,
    signing_out_ends_open_live_streams,
    idle_streams_are_pinged_at_the_configured_interval,
    session_cookie_is_http_only_lax_and_secure_over_https,
    health_and_readiness,
);
