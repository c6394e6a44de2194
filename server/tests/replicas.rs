//! Two replicas on one PostgreSQL database, over HTTP: a live stream on one replica gets what
//! is written through the other as it happens, and a reader that reconnects to it with
//! `Last-Event-ID` is replayed exactly what it missed, once, in order.

mod common;

use std::time::Duration;

use app::domain::incident::{DeclareInput, NoteKind, Severity};
use app::server::db::Backend;
use app::server::services::incidents as svc;
use common::{read_events, read_events_as, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_live_replay_across_replicas() {
    let a = TestApp::start(Backend::Postgres).await;
    let b = a.replica().await;
    let on_b = b.client(Some(&b.viewer)).await;
    let input = DeclareInput { title: "Across replicas".into(), severity: Some(Severity::Sev3), ..Default::default() };
    let i = svc::declare(&a.state, Some(&a.responder), input).await.unwrap();
    let topic = format!("/live/incident:{}", i.id);

    // live: written on A, read on B
    let resp = on_b.get(b.url(&topic)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let (state, who, id) = (a.state.clone(), a.responder.clone(), i.id);
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for n in 0..3 {
            svc::add_note(&state, Some(&who), id, NoteKind::Note, &format!("live {n}")).await.unwrap();
        }
    });
    let got = read_events(resp, 3, Duration::from_secs(5)).await;
    writer.await.unwrap();
    let bodies: Vec<String> = got.iter().map(|(_, e)| e.event.kind.summary()).collect();
    assert_eq!(bodies, ["live 0", "live 1", "live 2"]);

    // B's reader was away after "live 1"; meanwhile A wrote two more: B replays exactly those
    for n in 0..2 {
        svc::add_note(&a.state, Some(&a.responder), i.id, NoteKind::Note, &format!("missed {n}")).await.unwrap();
    }
    let resp = on_b.get(b.url(&topic)).header("last-event-id", got[1].0.to_string()).send().await.unwrap();
    let replayed = read_events(resp, 3, Duration::from_secs(5)).await;
    let bodies: Vec<String> = replayed.iter().map(|(_, e)| e.event.kind.summary()).collect();
    assert_eq!(bodies, ["live 2", "missed 0", "missed 1"]);
    assert!(replayed.windows(2).all(|w| w[0].0 < w[1].0), "in the log's order");
    b.shutdown.cancel();
    b.state.hub.close();
}

/// A schedule's changes go live on every replica too, and replay exactly across them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schedule_changes_replay_across_replicas() {
    use app::domain::oncall::view::ScheduleChange;
    use app::server::services::oncall;
    let a = TestApp::start(Backend::Postgres).await;
    let b = a.replica().await;
    let on_b = b.client(Some(&b.viewer)).await;
    let start = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let yaml = format!(
        "name: Primary\ntime_zone: Europe/Berlin\nlayers:\n  - name: Weekly\n    start: {start}\n    rotation_virtual_start: {start}\n    rotation_turn_length_seconds: 604800\n    users: [{}]\n",
        a.responder.email
    );
    let mut on_b_hub = b.state.hub.subscribe(app::domain::event::Topic::Schedules);
    let (id, _) = oncall::save_yaml(&a.state, Some(&a.admin), None, None, &yaml).await.unwrap();
    // B has read the save (else a stream opened now could still get it live, rightly)
    tokio::time::timeout(Duration::from_secs(5), on_b_hub.recv()).await.expect("B hears of the save").unwrap();
    let hour = |n: i64| chrono::Utc::now() + chrono::Duration::hours(n);
    let resp = on_b.get(b.url("/live/schedules")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let (state, admin, user) = (a.state.clone(), a.admin.clone(), a.admin.id);
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for n in 1..=3 {
            oncall::add_override(&state, Some(&admin), id, user, hour(n), hour(n + 1)).await.unwrap();
        }
    });
    let got: Vec<(_, ScheduleChange)> = read_events_as(resp, 3, Duration::from_secs(5)).await;
    writer.await.unwrap();
    assert!(got.iter().all(|(_, c)| c.name() == "override_added"), "{got:?}");
    for n in 4..=5 {
        oncall::add_override(&a.state, Some(&a.admin), id, user, hour(n), hour(n + 1)).await.unwrap();
    }
    let resp = on_b.get(b.url("/live/schedules")).header("last-event-id", got[1].0.to_string()).send().await.unwrap();
    let replayed: Vec<(_, ScheduleChange)> = read_events_as(resp, 3, Duration::from_secs(5)).await;
    let starts: Vec<_> = replayed
        .iter()
        .map(|(_, c)| match c {
            ScheduleChange::OverrideAdded { start, .. } => *start,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(replayed.len(), 3);
    assert_eq!(replayed[0].0, got[2].0, "the one missed live comes first");
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "in the order written: {starts:?}");
    b.shutdown.cancel();
    b.state.hub.close();
}
