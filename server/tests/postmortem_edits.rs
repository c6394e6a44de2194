//! A postmortem's text over HTTP, as a browser edits it: catch up from a state vector, send
//! updates, and be refused with the right status for what is wrong (out of order, someone
//! else's client id, not base64, not an update, not signed in); dismiss a hint for everyone.

mod common;

use app::domain::incident::{DeclareInput, Severity, Status};
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::postmortems as repo;
use app::server::services::incidents as incidents_svc;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::TestApp;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{GetString, ReadTxn, Text, Transact};

fn replica(client: u64) -> yrs::Doc {
    let d = yrs::Doc::with_options(yrs::Options { client_id: yrs::ClientID::new(client), offset_kind: yrs::OffsetKind::Utf16, ..Default::default() });
    d.get_or_insert_text("body");
    d
}

/// Types `s` at the end of `d`'s text; the update, in base64.
fn type_at_end(d: &yrs::Doc, s: &str) -> String {
    let before = d.transact().state_vector();
    let body = d.get_or_insert_text("body");
    let len = body.len(&d.transact());
    body.insert(&mut d.transact_mut(), len, s);
    BASE64.encode(d.transact().encode_diff_v1(&before))
}

async fn a_browser_edits_over_http(b: Backend) {
    let app = TestApp::start(b).await;
    let input = DeclareInput { title: "Checkout down".into(), severity: Some(Severity::Sev2), ..Default::default() };
    let incident = incidents_svc::declare(&app.state, Some(&app.responder), input).await.unwrap();
    incidents_svc::change_status(&app.state, Some(&app.responder), incident.id, incident.status, Status::Resolved).await.unwrap();
    let pm = {
        let mut conn = app.state.db.pool().acquire().await.unwrap();
        repo::of_incident(&mut conn, incident.id).await.unwrap().unwrap().id
    };
    let ben = app.client(Some(&app.responder)).await;
    let id = pm.0.to_string();

    // catch up from nothing
    let d = replica(50);
    let sv = BASE64.encode(d.transact().state_vector().encode_v1());
    let r = ben.post(app.url("/api/postmortems/catch-up")).form(&[("id", id.as_str()), ("state_vector", sv.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (all, seq, _cursor): (String, i64, serde_json::Value) = r.json().await.unwrap();
    d.transact_mut().apply_update(yrs::Update::decode_v1(&BASE64.decode(all).unwrap()).unwrap()).unwrap();
    assert!(d.get_or_insert_text("body").get_string(&d.transact()).starts_with("# Postmortem: Checkout down"));

    let send =
        |client: &str, update: &str| ben.post(app.url("/api/postmortems/update")).form(&[("id", id.as_str()), ("client", client), ("update", update)]).send();
    let first = type_at_end(&d, "\nTyped in a browser.");
    let second = type_at_end(&d, " Twice.");
    assert_eq!(send("50", &second).await.unwrap().status(), 409, "out of order");
    let r = send("50", &first).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.json::<i64>().await.unwrap() > seq);
    assert_eq!(send("50", &second).await.unwrap().status(), 200);
    assert_eq!(send("51", &type_at_end(&d, "!")).await.unwrap().status(), 403, "it writes as 50, not 51");
    assert_eq!(send("50", "not base64 at all!").await.unwrap().status(), 400);
    assert_eq!(send("50", &BASE64.encode([0xffu8, 0xff, 0xff, 0x01])).await.unwrap().status(), 400);
    let anonymous = reqwest::Client::new();
    let r = anonymous.post(app.url("/api/postmortems/update")).form(&[("id", id.as_str()), ("client", "52"), ("update", first.as_str())]).send().await.unwrap();
    assert!(r.status() == 401 || r.status() == 403, "{}", r.status());

    // the server has exactly what was accepted
    let v = app::server::services::postmortems::load(&app.state, Some(&app.viewer), pm).await.unwrap();
    assert!(v.body.ends_with("\nTyped in a browser. Twice."), "{}", v.body);

    // a hint dismissed for everyone: `rule:words`, anything else a 400 that says why
    let dismiss = |hint: &str| ben.post(app.url("/api/postmortems/hints/dismiss")).form(&[("id", id.as_str()), ("hint", hint)]).send();
    for bad in ["human error", "blame:human error", "hindsight:Should have", "hindsight:a\u{1}b"] {
        let r = dismiss(bad).await.unwrap();
        assert_eq!(r.status(), 400, "{bad:?}");
        assert!(r.text().await.unwrap().contains("hint:"), "{bad:?}");
    }
    let r = dismiss("human_error:human error").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<String>().await.unwrap(), "human_error:human error");
    let v = app::server::services::postmortems::load(&app.state, Some(&app.viewer), pm).await.unwrap();
    assert_eq!(v.dismissed.iter().map(ToString::to_string).collect::<Vec<_>>(), ["human_error:human error"]);
}

on_both_backends!(a_browser_edits_over_http);
