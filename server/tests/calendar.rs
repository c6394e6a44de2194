//! On-call calendar feeds, read by a real iCalendar parser (Python's `icalendar`, the one
//! calendar tools built on it use) and compared with what `/oncall` says; entity tags, and
//! revoking a feed's address.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use app::on_both_backends;
use app::server::db::Backend;
use app::server::services::{calendar, oncall};
use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use common::TestApp;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Parsed {
    uid: String,
    summary: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// The events of a feed as Python's `icalendar` reads them.
fn parse(feed: &str) -> Vec<Parsed> {
    const SCRIPT: &str = "import sys, json, icalendar\n\
        cal = icalendar.Calendar.from_ical(sys.stdin.read())\n\
        print(json.dumps([{'uid': str(e['UID']), 'summary': str(e['SUMMARY']), 'start': e.decoded('DTSTART').isoformat(), 'end': e.decoded('DTEND').isoformat()} for e in cal.walk('VEVENT')]))\n";
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with icalendar (pip install icalendar)");
    child.stdin.take().unwrap().write_all(feed.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the parser refused the feed");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn weekly(people: &[&str]) -> String {
    let start = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let users: String = people.iter().map(|p| format!("      - {p}@example.com\n")).collect();
    format!("name: Primary\ntime_zone: Europe/Berlin\nlayers:\n  - name: Weekly\n    start: {start}\n    rotation_virtual_start: {start}\n    rotation_turn_length_seconds: 604800\n    users:\n{users}")
}

async fn calendar_feeds_match_oncall(b: Backend) {
    let app = TestApp::start(b).await;
    let (admin, ben) = (Some(&app.admin), Some(&app.responder));
    let (id, _) = oncall::save_yaml(&app.state, admin, None, None, &weekly(&["ben", "ada"])).await.unwrap();
    // Ada covers two hours of Ben's turn tomorrow
    let t = (Utc::now() + Duration::days(1)).trunc_subsecs(0);
    oncall::add_override(&app.state, admin, id, app.admin.id, t, t + Duration::hours(2)).await.unwrap();

    let token = calendar::token(&app.state, ben, Some(id)).await.unwrap();
    assert_eq!(calendar::token(&app.state, ben, Some(id)).await.unwrap(), token, "one address per feed");
    let url = app.url(&format!("/oncall/calendar/{token}.ics"));
    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    let tag = r.headers()["etag"].to_str().unwrap().to_string();
    let text = r.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && !text.replace("\r\n", "").contains('\n'), "CRLF line ends");
    assert!(text.split("\r\n").all(|l| l.len() <= 75), "lines folded at 75 octets");
    let events = parse(&text);
    // weekly turns, a year and more ahead
    assert!(events.len() >= 52, "{} events", events.len());
    assert!(events.iter().map(|e| e.end).max().unwrap() >= Utc::now() + Duration::days(365), "a year ahead at least");
    assert!(events.iter().all(|e| e.start < e.end && e.uid.ends_with("@klaxon")));
    // the feed says what /oncall says
    let o = oncall::overview(&app.state, ben).await.unwrap();
    let (now, next) = (o.schedules[0].now.clone().unwrap(), o.schedules[0].next.clone().unwrap());
    let current = events.iter().find(|e| e.start <= o.at && o.at < e.end).expect("a shift now");
    assert_eq!((current.summary.as_str(), current.end), ("On call: Primary (Ben)", now.end));
    let following = events.iter().filter(|e| e.start >= current.end).min_by_key(|e| e.start).unwrap();
    assert!(following.summary.ends_with("(Ada)") && following.start == t, "the override comes next: {following:?}");
    assert_eq!(following.end, t + Duration::hours(2));
    assert_eq!(next.start, t);
    // the same feed again: 304
    let again = reqwest::Client::new().get(&url).header("if-none-match", &tag).send().await.unwrap();
    assert_eq!(again.status(), 304);

    // Ada's own feed holds her shifts only, the override among them
    let mine = calendar::token(&app.state, admin, None).await.unwrap();
    let text = reqwest::get(app.url(&format!("/oncall/calendar/{mine}.ics"))).await.unwrap().text().await.unwrap();
    let events = parse(&text);
    assert!(!events.is_empty() && events.iter().all(|e| e.summary.ends_with("(Ada)")));
    assert!(events.iter().any(|e| e.start == t && e.end == t + Duration::hours(2)));

    // revoking: responders cannot for a schedule; an admin's revoke ends the old address
    assert_eq!(calendar::revoke(&app.state, ben, Some(id)).await.unwrap_err().status_code(), 403);
    let fresh = calendar::revoke(&app.state, admin, Some(id)).await.unwrap();
    assert_ne!(fresh, token);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    assert_eq!(reqwest::get(app.url(&format!("/oncall/calendar/{fresh}.ics"))).await.unwrap().status(), 200);
    assert_eq!(reqwest::get(app.url("/oncall/calendar/nope.ics")).await.unwrap().status(), 404);
}

on_both_backends!(calendar_feeds_match_oncall);
