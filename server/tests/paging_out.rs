//! Pages beyond Klaxon, by each person's rules: a Slack-compatible webhook at once and an
//! email (through a real SMTP server, Python's aiosmtpd, writing a Maildir) after its
//! delay; each carries a single-use acknowledgement link that works without signing in; a
//! page acknowledged before its delay is never sent.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use app::domain::alert::{AlertState, KeyKind};
use app::domain::contact::Channel;
use app::domain::events_v2::{Action, SAMPLE_TRIGGER};
use app::domain::ids::AlertId;
use app::domain::webhook::DeliveryState;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::mail::Mailer;
use app::server::repo::{alerts, deliveries};
use app::server::services::{alerts as answers, contact, ingest, integrations, oncall, paging, policies};
use chrono::{Duration, SecondsFormat, Utc};
use common::TestApp;
use serde_json::Value;

/// A real SMTP server on loopback that files every message it receives in a Maildir.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("klaxon-smtp-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/test installs it)");
        // dropped (killed and waited for) however this ends
        let sink = SmtpSink { child, port, dir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return sink;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the SMTP sink did not start on port {port}");
    }

    /// The messages received so far, with quoted-printable soft line breaks undone (as a
    /// mail program shows them).
    fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else { return vec![] };
        entries.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap().replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A webhook receiver on loopback that keeps what it is sent.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(v): axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/hook"), got)
}

/// The path of a link in a page (the test app's own address differs from the base URL).
fn path_of(url: &str) -> String {
    let at = url.find("/ack/").unwrap_or_else(|| panic!("no acknowledgement link in {url:?}"));
    url[at..].split(|c: char| c.is_whitespace()).next().unwrap().to_string()
}

async fn trigger(app: &TestApp, key: &str, dedup: &str) -> AlertId {
    let body = SAMPLE_TRIGGER.replace("ROUTING_KEY", key).replace("samplekeyhere", dedup);
    ingest::enqueue(&app.state, body.as_bytes()).await.unwrap();
    let mut conn = app.state.db.pool().acquire().await.unwrap();
    alerts::list(&mut conn, 1).await.unwrap()[0].id
}

async fn log_of(app: &TestApp, id: AlertId) -> Vec<String> {
    answers::view(&app.state, Some(&app.admin), id).await.unwrap().log.into_iter().map(|(_, l)| l).collect()
}

async fn pages_reach_people_by_their_rules(b: Backend) {
    let smtp = SmtpSink::start().await;
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{}", smtp.port), "klaxon@example.com").unwrap();
    let app = TestApp::start_with(b, |s| {
        s.webhooks.allow_private = true;
        s.pages_out.base_url = "https://klaxon.example.com".into();
        s.pages_out.mailer = Some(Arc::new(mailer));
    })
    .await;
    let (ben, state) = (app.responder.clone(), app.state.clone());
    // Ben is on call on the primary; checkout pages it at once
    let start = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let schedule = format!(
        "name: Primary\ntime_zone: UTC\nlayers:\n  - name: Weekly\n    start: {start}\n    rotation_virtual_start: {start}\n    rotation_turn_length_seconds: 604800\n    users: [{}]\n",
        ben.email
    );
    oncall::save_yaml(&state, Some(&app.admin), None, None, &schedule).await.unwrap();
    policies::save_yaml(&state, Some(&app.admin), "name: Payments\nrepeat: 0\nsteps:\n  - delay_minutes: 5\n    targets: [{schedule: Primary}]\n")
        .await
        .unwrap();
    policies::assign(&state, Some(&app.admin), "checkout", Some("Payments")).await.unwrap();
    let (_, key) = integrations::create(&state, Some(&app.admin), "checkout", "Prometheus", KeyKind::EventsV2).await.unwrap();

    // Ben's rules: a webhook at once, an email after 2 minutes; bad ones are refused
    let (hook, received) = receiver().await;
    contact::add_rule(&state, Some(&ben), Channel::Webhook, &hook, "0").await.unwrap();
    contact::add_rule(&state, Some(&ben), Channel::Email, " ben@example.com ", "2").await.unwrap();
    for (channel, address, delay, status, says) in [
        (Channel::Email, "ben@example.com", "2", 409, "already"),
        (Channel::Email, "ben", "2", 400, "not an email address"),
        (Channel::Email, "ben@example.com", "61", 400, "at most 60"),
        (Channel::Webhook, "ftp://example.com/x", "0", 400, "http"),
    ] {
        let e = contact::add_rule(&state, Some(&ben), channel, address, delay).await.unwrap_err();
        assert!(e.status_code() == status && e.message.contains(says), "{address} {delay}: {e:?}");
    }
    let rules = contact::my_rules(&state, Some(&ben)).await.unwrap();
    assert_eq!(rules.iter().map(|r| r.describe(&r.address)).collect::<Vec<_>>()[1], "By email to ben@example.com, after 2 minutes");
    assert!(contact::my_rules(&state, Some(&app.admin)).await.unwrap().is_empty(), "rules are each person's own");

    // monitoring triggers; the first step pages Ben: the webhook goes out at once
    let t = Utc::now();
    let id = trigger(&app, &key, "checkout-5xx").await;
    assert_eq!(paging::page_due(&state, t + Duration::seconds(1)).await.unwrap(), 1);
    app::server::services::deliveries::deliver_due(&state, t + Duration::seconds(1)).await.unwrap();
    let hooks = received.lock().unwrap().clone();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let text = hooks[0]["text"].as_str().unwrap();
    assert!(text.starts_with("Paged (critical): Example alert on host1.example.com on Checkout"), "{text}");
    assert!(text.contains(&format!("<https://klaxon.example.com/alerts/{id}|Open the alert>")), "{text}");
    let webhook_link = hooks[0]["page"]["acknowledge_url"].as_str().unwrap().to_string();
    assert!(webhook_link.starts_with("https://klaxon.example.com/ack/") && text.contains(&format!("<{webhook_link}|Acknowledge>")));
    assert!(smtp.messages().is_empty(), "the email waits for its delay");
    // a link's secret never rests in the queue: it is made as the message goes out
    let queued: Vec<String> = sqlx::query_scalar("SELECT body FROM deliveries WHERE purpose = 'page'").fetch_all(state.db.pool()).await.unwrap();
    assert_eq!(queued.len(), 2);
    assert!(queued.iter().all(|b| !b.contains("/ack/") && b.contains("{ACK_URL}")), "{queued:?}");

    // two minutes on, nobody has acknowledged: the email goes out, through real SMTP
    app::server::services::deliveries::deliver_due(&state, t + Duration::minutes(2) + Duration::seconds(2)).await.unwrap();
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(mail.contains("Subject: [CRITICAL] Example alert on host1.example.com"), "{mail}");
    assert!(mail.contains("X-RcptTo: ben@example.com") && mail.contains("From: klaxon@example.com"), "{mail}");
    assert!(mail.contains("Message-ID: <"), "{mail}");
    let email_link = path_of(mail);
    assert_ne!(email_link, path_of(&webhook_link), "each message has its own link");
    let log = log_of(&app, id).await;
    assert!(log.contains(&"Page sent to Ben by webhook".to_string()) && log.contains(&"Page sent to Ben by email".to_string()), "{log:?}");

    // the link works without signing in: GET only shows what it does (previews spend nothing)
    let http = reqwest::Client::new();
    let link = app.url(&path_of(&webhook_link));
    for _ in 0..2 {
        let r = http.get(&link).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Acknowledge this page?"));
    }
    assert_eq!(alerts::state_of(&mut state.db.pool().acquire().await.unwrap(), id).await.unwrap(), Some(AlertState::Triggered));
    let r = http.post(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("its escalation has stopped"));
    assert_eq!(alerts::state_of(&mut state.db.pool().acquire().await.unwrap(), id).await.unwrap(), Some(AlertState::Acknowledged));
    assert!(log_of(&app, id).await.contains(&"Acknowledged by Ben".to_string()));
    // once only
    assert_eq!(http.post(&link).send().await.unwrap().status(), 410);
    assert_eq!(http.get(&link).send().await.unwrap().status(), 410);
    assert_eq!(http.get(app.url(&format!("/ack/{}", "0".repeat(64)))).send().await.unwrap().status(), 404);
    // the email's link, used after the alert was acknowledged by the other one: harmless
    assert_eq!(http.post(app.url(&email_link)).send().await.unwrap().status(), 200);

    // a second alert, acknowledged in Klaxon within the two minutes: its email never goes
    let t = Utc::now();
    let second = trigger(&app, &key, "checkout-latency").await;
    assert_ne!(second, id);
    paging::page_due(&state, t + Duration::seconds(1)).await.unwrap();
    app::server::services::deliveries::deliver_due(&state, t + Duration::seconds(1)).await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 2, "its webhook page went out at once");
    answers::answer(&state, Some(&ben), second, Action::Acknowledge).await.unwrap();
    app::server::services::deliveries::deliver_due(&state, t + Duration::minutes(3)).await.unwrap();
    assert_eq!(smtp.messages().len(), 1, "no email for an acknowledged page");
    let all = deliveries::deliveries(&mut state.db.pool().acquire().await.unwrap()).await.unwrap();
    assert_eq!(all.iter().filter(|d| d.state == DeliveryState::Cancelled).count(), 1, "{all:?}");
    assert!(!log_of(&app, second).await.iter().any(|l| l.contains("by email")));

    // removing a rule: only one's own
    let rule = contact::my_rules(&state, Some(&ben)).await.unwrap()[0].id;
    assert_eq!(contact::remove_rule(&state, Some(&app.admin), rule).await.unwrap_err().status_code(), 404);
    contact::remove_rule(&state, Some(&ben), rule).await.unwrap();
    assert_eq!(contact::my_rules(&state, Some(&ben)).await.unwrap().len(), 1);
}

on_both_backends!(pages_reach_people_by_their_rules);
