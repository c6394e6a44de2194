//! Store and service tests. Every test runs twice: on SQLite and on PostgreSQL.
#![cfg(feature = "testing")]

use std::time::Duration as StdDuration;

use app::domain::event::{EventKind, Topic};
use app::domain::ids::{IncidentId, UserId};
use app::domain::incident::{DeclareInput, NoteKind, Severity, Status};
use app::domain::log::{Cursor, StreamRef};
use app::domain::roles::IncidentRole;
use app::domain::timers::{Audience, TimerKind};
use app::domain::triage::Answer;
use app::domain::user::{AccountRole, CurrentUser};
use app::error::ErrorKind;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::login_limiter::LoginLimiter;
use app::server::rate_limit::quota;
use app::server::repo::{catalog, events, incidents};
use app::server::services::{auth, incidents as svc, runbooks, timers, war_room};
use app::server::state::AppState;
use app::server::testing::{fresh_state, settled_log, user, TEST_PASSWORD};
use chrono::{Duration, Utc};

struct Fixture {
    state: AppState,
    ada: CurrentUser,
    ben: CurrentUser,
    vic: CurrentUser,
}

async fn fixture(backend: Backend) -> Fixture {
    let state = fresh_state(backend).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
        catalog::upsert(&mut conn, "api", "API", "").await.unwrap();
    }
    Fixture { state, ada, ben, vic }
}

fn sev2_input(title: &str) -> DeclareInput {
    DeclareInput {
        title: title.into(),
        impact: "Some checkouts fail".into(),
        services: vec!["checkout".into()],
        answers: vec![Answer::No, Answer::No, Answer::No, Answer::Yes],
        ..Default::default()
    }
}

async fn log(f: &Fixture, id: IncidentId) -> Vec<EventKind> {
    let mut conn = f.state.db.pool().acquire().await.unwrap();
    events::for_incident(&mut conn, id).await.unwrap().0.into_iter().map(|e| e.kind).collect()
}

async fn count_rows(f: &Fixture, table: &str) -> i64 {
    use sqlx::Row;
    let mut conn = f.state.db.pool().acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}"))).fetch_one(&mut *conn).await.unwrap().get("n")
}

async fn declare_records_triage_and_one_event(b: Backend) {
    let f = fixture(b).await;
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Checkout errors")).await.unwrap();
    assert_eq!(i.severity, Severity::Sev2);
    assert_eq!(i.status, Status::Detected);
    assert!(i.slug.starts_with("inc-") && i.slug.ends_with("-checkout-errors"), "{}", i.slug);
    assert_eq!(i.services.iter().map(|s| s.slug.as_str()).collect::<Vec<_>>(), ["checkout"]);
    let kinds = log(&f, i.id).await;
    assert_eq!(kinds.len(), 1, "SEV2 without exposure notifies nobody: {kinds:?}");
    match &kinds[0] {
        EventKind::Declared { triage: Some(t), severity, .. } => {
            assert_eq!(*severity, Severity::Sev2);
            assert_eq!(t.proposed, Severity::Sev2);
            assert_eq!(t.answers.len(), 4);
            assert!(t.override_reason.is_none());
        }
        other => panic!("{other:?}"),
    }
    // the same title again gets its own slug
    let j = svc::declare(&f.state, Some(&f.ben), sev2_input("Checkout errors")).await.unwrap();
    assert_eq!(j.slug, format!("{}-2", i.slug));
}

async fn declare_refuses_bad_input_and_writes_nothing(b: Backend) {
    let f = fixture(b).await;
    let cases: Vec<(DeclareInput, ErrorKind, &str)> = vec![
        (DeclareInput { title: "  ".into(), ..sev2_input("") }, ErrorKind::BadRequest, "at least 3"),
        (sev2_input(&"x".repeat(121)), ErrorKind::BadRequest, "at most 120"),
        (DeclareInput { services: vec!["nope".into()], ..sev2_input("Unknown service") }, ErrorKind::BadRequest, "Unknown service"),
        (DeclareInput { answers: vec![Answer::No], ..sev2_input("Half a triage") }, ErrorKind::BadRequest, "Answer the triage"),
        (DeclareInput { severity: Some(Severity::Sev4), ..sev2_input("Override without reason") }, ErrorKind::BadRequest, "say why"),
        (DeclareInput { detected_at: Some(Utc::now() + Duration::hours(2)), ..sev2_input("Future") }, ErrorKind::BadRequest, "future"),
    ];
    for (input, kind, msg) in cases {
        let e = svc::declare(&f.state, Some(&f.ben), input).await.unwrap_err();
        assert_eq!(e.kind, kind, "{}", e.message);
        assert!(e.message.contains(msg), "{:?} should mention {msg:?}", e.message);
    }
    let e = svc::declare(&f.state, Some(&f.vic), sev2_input("Viewer tries")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = svc::declare(&f.state, None, sev2_input("Anonymous tries")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert_eq!(count_rows(&f, "incidents").await, 0);
    assert_eq!(count_rows(&f, "events").await, 0);
}

async fn override_and_sev1_notifications(b: Backend) {
    let f = fixture(b).await;
    let input = DeclareInput { severity: Some(Severity::Sev1), override_reason: Some("Black Friday".into()), ..sev2_input("Checkout down") };
    let i = svc::declare(&f.state, Some(&f.ben), input).await.unwrap();
    assert_eq!(i.severity, Severity::Sev1);
    let kinds = log(&f, i.id).await;
    assert!(
        matches!(&kinds[0], EventKind::Declared { triage: Some(t), .. } if t.override_reason.as_deref() == Some("Black Friday") && t.proposed == Severity::Sev2)
    );
    assert_eq!(kinds[1], EventKind::Notified { audience: Audience::Executives });
    // down to SEV2 and back up: executives are not told twice
    svc::change_severity(&f.state, Some(&f.ben), i.id, Severity::Sev2, "contained").await.unwrap();
    svc::change_severity(&f.state, Some(&f.ben), i.id, Severity::Sev1, "spreading").await.unwrap();
    let notified = log(&f, i.id).await.into_iter().filter(|k| matches!(k, EventKind::Notified { .. })).count();
    assert_eq!(notified, 1);
    let e = svc::change_severity(&f.state, Some(&f.ben), i.id, Severity::Sev1, "again").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let e = svc::change_severity(&f.state, Some(&f.ben), i.id, Severity::Sev3, " ").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
}

async fn data_exposure_tells_security_and_legal_once(b: Backend) {
    let f = fixture(b).await;
    let input = DeclareInput { answers: vec![Answer::No, Answer::Yes], ..sev2_input("Leaked tokens") };
    let i = svc::declare(&f.state, Some(&f.ben), input).await.unwrap();
    assert!(i.data_exposure);
    assert_eq!(i.severity, Severity::Sev1);
    let kinds = log(&f, i.id).await;
    assert!(kinds.contains(&EventKind::Notified { audience: Audience::SecurityAndLegal }));
    assert!(kinds.contains(&EventKind::Notified { audience: Audience::Executives }));
    assert_eq!(svc::flag_data_exposure(&f.state, Some(&f.ben), i.id).await.unwrap_err().kind, ErrorKind::Conflict);

    let j = svc::declare(&f.state, Some(&f.ben), sev2_input("Later found exposure")).await.unwrap();
    svc::flag_data_exposure(&f.state, Some(&f.ben), j.id).await.unwrap();
    let kinds = log(&f, j.id).await;
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::Notified { audience: Audience::SecurityAndLegal }).count(), 1);
    assert!(kinds.contains(&EventKind::DataExposureFlagged));
}

async fn status_life_cycle(b: Backend) {
    let f = fixture(b).await;
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Life cycle")).await.unwrap();
    let mut at = Status::Detected;
    for to in [Status::Investigating, Status::Identified, Status::Mitigating, Status::Resolved] {
        let saved = svc::change_status(&f.state, Some(&f.ben), i.id, at, to).await.unwrap();
        assert_eq!(saved.status, to);
        at = to;
    }
    let resolved = svc::change_status(&f.state, Some(&f.ben), i.id, Status::Resolved, Status::FollowUp).await.unwrap();
    assert!(resolved.mitigated_at.is_some() && resolved.resolved_at.is_some());
    // illegal: follow-up → mitigating
    let before = log(&f, i.id).await.len();
    let e = svc::change_status(&f.state, Some(&f.ben), i.id, Status::FollowUp, Status::Mitigating).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(e.message.contains("reopened"), "{}", e.message);
    assert_eq!(log(&f, i.id).await.len(), before, "a refused move writes nothing");
    // reopen
    let reopened = svc::change_status(&f.state, Some(&f.ben), i.id, Status::FollowUp, Status::Investigating).await.unwrap();
    assert_eq!(reopened.status, Status::Investigating);
    assert!(reopened.resolved_at.is_none());
    // a stale view is refused
    let e = svc::change_status(&f.state, Some(&f.ben), i.id, Status::Resolved, Status::FollowUp).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(e.message.contains("meanwhile"));
    // unknown incident
    let e = svc::change_status(&f.state, Some(&f.ben), IncidentId(999_999), Status::Detected, Status::Investigating).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

async fn concurrent_status_changes_one_wins(b: Backend) {
    let f = fixture(b).await;
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Race")).await.unwrap();
    let mut tasks = vec![];
    for n in 0..8 {
        let state = f.state.clone();
        let who = if n % 2 == 0 { f.ben.clone() } else { f.ada.clone() };
        let to = if n % 2 == 0 { Status::Identified } else { Status::Mitigating };
        tasks.push(tokio::spawn(async move { svc::change_status(&state, Some(&who), i.id, Status::Detected, to).await }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.kind, ErrorKind::Conflict, "{}", e.message),
        }
    }
    assert_eq!(ok, 1);
    let moves = log(&f, i.id).await.into_iter().filter(|k| matches!(k, EventKind::StatusChanged { .. })).count();
    assert_eq!(moves, 1);
}

async fn roles_assign_hand_over_release(b: Backend) {
    let f = fixture(b).await;
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Roles")).await.unwrap();
    svc::assign_role(&f.state, Some(&f.ben), i.id, IncidentRole::Commander, f.ben.id).await.unwrap();
    let e = svc::assign_role(&f.state, Some(&f.ben), i.id, IncidentRole::Commander, f.ben.id).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    svc::assign_role(&f.state, Some(&f.ben), i.id, IncidentRole::Commander, f.ada.id).await.unwrap();
    svc::assign_role(&f.state, Some(&f.ben), i.id, IncidentRole::Sme, f.ben.id).await.unwrap();
    svc::assign_role(&f.state, Some(&f.ben), i.id, IncidentRole::Sme, f.vic.id).await.unwrap();
    let w = war_room::load(&f.state, Some(&f.vic), i.id).await.unwrap();
    assert_eq!(w.holders(IncidentRole::Commander).iter().map(|a| a.person.id).collect::<Vec<_>>(), [f.ada.id]);
    assert_eq!(w.holders(IncidentRole::Sme).len(), 2);
    let kinds = log(&f, i.id).await;
    assert!(kinds.iter().any(|k| matches!(k, EventKind::RoleAssigned { role: IncidentRole::Commander, from: Some(p), .. } if p.id == f.ben.id)));
    svc::release_role(&f.state, Some(&f.ben), i.id, IncidentRole::Sme, f.vic.id).await.unwrap();
    assert_eq!(svc::release_role(&f.state, Some(&f.ben), i.id, IncidentRole::Sme, f.vic.id).await.unwrap_err().kind, ErrorKind::Conflict);
    assert_eq!(svc::assign_role(&f.state, Some(&f.ben), i.id, IncidentRole::Scribe, UserId(4242)).await.unwrap_err().kind, ErrorKind::BadRequest);
    assert_eq!(svc::assign_role(&f.state, Some(&f.vic), i.id, IncidentRole::Scribe, f.vic.id).await.unwrap_err().kind, ErrorKind::Forbidden);
}

async fn notes_updates_changes_links(b: Backend) {
    let f = fixture(b).await;
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Notes")).await.unwrap();
    tokio::time::sleep(StdDuration::from_millis(5)).await;
    svc::add_note(&f.state, Some(&f.ben), i.id, NoteKind::Note, "looking at logs").await.unwrap();
    let before = war_room::load(&f.state, Some(&f.ben), i.id).await.unwrap().incident.last_update_at;
    assert_eq!(before, i.last_update_at, "a note does not reset the update clock");
    svc::add_note(&f.state, Some(&f.ben), i.id, NoteKind::Update, "We are investigating.").await.unwrap();
    let after = war_room::load(&f.state, Some(&f.ben), i.id).await.unwrap().incident.last_update_at;
    assert!(after > before, "an update resets it");
    assert_eq!(svc::add_note(&f.state, Some(&f.ben), i.id, NoteKind::Note, "   ").await.unwrap_err().kind, ErrorKind::BadRequest);
    assert_eq!(svc::add_note(&f.state, Some(&f.ben), i.id, NoteKind::Note, &"x".repeat(5001)).await.unwrap_err().kind, ErrorKind::BadRequest);
    use app::domain::incident::ChangeKind;
    svc::record_change(&f.state, Some(&f.ben), i.id, ChangeKind::Deploy, "checkout v2.3.1", "https://ci.example.com/42").await.unwrap();
    assert_eq!(svc::record_change(&f.state, Some(&f.ben), i.id, ChangeKind::Deploy, "x", "ftp://nope").await.unwrap_err().kind, ErrorKind::BadRequest);
    svc::add_link(&f.state, Some(&f.ben), i.id, "Dashboard", "https://grafana.example.com/d/1").await.unwrap();
    let w = war_room::load(&f.state, Some(&f.vic), i.id).await.unwrap();
    let links = app::domain::war_room::links(&w.events);
    assert_eq!(links.len(), 2);
}

async fn event_log_commits_with_the_change_or_not_at_all(b: Backend) {
    let f = fixture(b).await;
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Atomic")).await.unwrap();
    let before = log(&f, i.id).await.len();
    {
        // append an event and change the incident, then fail: nothing may remain
        let mut tx = f.state.db.begin(&[StreamRef::incident(i.id)]).await.unwrap();
        let mut inc = incidents::get(tx.conn(), i.id).await.unwrap().unwrap();
        inc.status = Status::Mitigating;
        incidents::save(tx.conn(), &inc).await.unwrap().unwrap();
        events::append(&mut tx, i.id, Utc::now(), None, EventKind::StatusChanged { from: Status::Detected, to: Status::Mitigating }).await.unwrap();
        let failed = sqlx::query("INSERT INTO events (stream, stream_id, seq, at_ms, kind, payload) VALUES ('incident', $1, 999, 0, 'bogus', '{}')")
            .bind(i.id.0)
            .execute(tx.conn())
            .await;
        assert!(failed.is_err(), "the closed set of kinds refuses unknown ones");
        drop(tx); // rolled back
    }
    assert_eq!(log(&f, i.id).await.len(), before);
    let w = war_room::load(&f.state, Some(&f.ben), i.id).await.unwrap();
    assert_eq!(w.incident.status, Status::Detected);
    assert_eq!(w.incident.version, i.version);
}

async fn event_positions_grow_and_replay_by_topic(b: Backend) {
    use app::server::repo::log::{self, Part};
    let f = fixture(b).await;
    let a = svc::declare(&f.state, Some(&f.ben), sev2_input("First")).await.unwrap();
    let c = svc::declare(&f.state, Some(&f.ben), sev2_input("Second")).await.unwrap();
    svc::add_note(&f.state, Some(&f.ben), a.id, NoteKind::Note, "a1").await.unwrap();
    svc::add_note(&f.state, Some(&f.ben), c.id, NoteKind::Note, "c1").await.unwrap();
    let mut conn = f.state.db.pool().acquire().await.unwrap();
    let all = settled_log(&f.state.db, Part::Everything, Cursor::START).await;
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].cursor < w[1].cursor));
    // each stream numbers its own events
    assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 1, 2, 2]);
    let (only_a, _) = log::since(&mut conn, Part::One(StreamRef::incident(a.id)), all[0].cursor, 100).await.unwrap();
    assert_eq!(only_a.len(), 1);
    assert!(matches!(&events::decode(&only_a[0]).unwrap().kind, EventKind::NoteAdded { body } if body == "a1"));
    assert_eq!(log::readable_end(&mut conn).await.unwrap(), all[3].cursor);
    assert_eq!(log::since(&mut conn, Part::Everything, all[1].cursor, 1).await.unwrap().0.len(), 1, "limit is honoured");
    assert!(log::known(&mut conn, all[3].cursor).await.unwrap());
    assert!(!log::known(&mut conn, Cursor { tx: all[3].cursor.tx, id: all[3].cursor.id + 1 }).await.unwrap());
    // an event needs its stream's lock
    let mut tx = f.state.db.begin(&[StreamRef::incident(a.id)]).await.unwrap();
    assert!(events::append(&mut tx, c.id, Utc::now(), None, EventKind::NoteAdded { body: "x".into() }).await.is_err());
}

async fn live_events_are_published_after_commit_in_order(b: Backend) {
    let f = fixture(b).await;
    let mut all = f.state.hub.subscribe(Topic::Incidents);
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Live")).await.unwrap();
    let mut one = f.state.hub.subscribe(Topic::Incident(i.id));
    svc::add_note(&f.state, Some(&f.ben), i.id, NoteKind::Note, "n1").await.unwrap();
    // a refused change publishes nothing
    let _ = svc::change_status(&f.state, Some(&f.ben), i.id, Status::Resolved, Status::FollowUp).await.unwrap_err();
    svc::change_status(&f.state, Some(&f.ben), i.id, Status::Detected, Status::Investigating).await.unwrap();
    let first = all.recv().await.unwrap();
    // the feed publishes after commit, so `one` (subscribed after the declaration committed)
    // may get the declaration too; subscribers skip what they have seen by its position
    let n1 = loop {
        let m = one.recv().await.unwrap();
        if m.cursor > first.cursor {
            break m;
        }
    };
    let moved = one.recv().await.unwrap();
    assert!(first.cursor < n1.cursor && n1.cursor < moved.cursor);
    assert!(moved.json.contains("\"status_changed\""), "{}", moved.json);
    assert!(one.try_recv().is_err(), "nothing else was published");
}

async fn timers_fire_once_even_with_two_replicas(b: Backend) {
    let f = fixture(b).await;
    let input = DeclareInput { answers: vec![Answer::Yes], detected_at: Some(Utc::now() - Duration::minutes(20)), ..sev2_input("Down") };
    let i = svc::declare(&f.state, Some(&f.ben), input).await.unwrap();
    assert_eq!(timers::fire_due(&f.state, Utc::now()).await.unwrap(), 0, "nothing due yet");
    // a second replica: same database, its own hub and writer lock
    let other = AppState::new(f.state.leptos_options.clone(), f.state.db.clone());
    let later = Utc::now() + Duration::minutes(31);
    let (x, y) = tokio::join!(timers::fire_due(&f.state, later), timers::fire_due(&other, later));
    assert_eq!(x.unwrap() + y.unwrap(), 2, "mitigation overdue and update due, once each");
    assert_eq!(timers::fire_due(&f.state, later).await.unwrap(), 0);
    let fired: Vec<TimerKind> = log(&f, i.id)
        .await
        .into_iter()
        .filter_map(|k| match k {
            EventKind::TimerFired { timer, .. } => Some(timer),
            _ => None,
        })
        .collect();
    assert_eq!(fired.len(), 2);
    assert!(fired.contains(&TimerKind::MitigationOverdue) && fired.contains(&TimerKind::UpdateDue));
    // an update restarts the update clock; it fires again only after another 30 minutes
    svc::add_note(&f.state, Some(&f.ben), i.id, NoteKind::Update, "update").await.unwrap();
    assert_eq!(timers::fire_due(&f.state, Utc::now() + Duration::minutes(29)).await.unwrap(), 0);
    assert_eq!(timers::fire_due(&f.state, Utc::now() + Duration::minutes(31)).await.unwrap(), 1);
}

async fn runbooks_import_and_tick(b: Backend) {
    let f = fixture(b).await;
    let yaml = "metadata:\n  title: Checkout 5xx\n  service: checkout\n  severity: sev2\n\
                diagnosis:\n  - step: Error rate\n    command: curl x\n    expected: low\n\
                mitigation:\n  - option: Roll back\n    command: deploy rollback\n";
    assert_eq!(runbooks::save_yaml(&f.state, Some(&f.ben), None, yaml).await.unwrap_err().kind, ErrorKind::Forbidden);
    let id = runbooks::save_yaml(&f.state, Some(&f.ada), None, yaml).await.unwrap();
    let bad = yaml.replace("checkout", "nowhere");
    assert!(runbooks::save_yaml(&f.state, Some(&f.ada), None, &bad).await.unwrap_err().message.contains("Unknown service"));
    let edited = yaml.replace("Checkout 5xx", "Checkout errors");
    runbooks::save_yaml(&f.state, Some(&f.ada), Some(id), &edited).await.unwrap();
    assert_eq!(runbooks::source(&f.state, Some(&f.ada), id).await.unwrap(), edited);
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("With runbook")).await.unwrap();
    let w = war_room::load(&f.state, Some(&f.vic), i.id).await.unwrap();
    assert_eq!(w.runbooks.len(), 1);
    assert_eq!(w.runbooks[0].doc.metadata.title, "Checkout errors");
    svc::tick_runbook_step(&f.state, Some(&f.ben), i.id, id, "mitigation.0").await.unwrap();
    assert_eq!(svc::tick_runbook_step(&f.state, Some(&f.ben), i.id, id, "mitigation.0").await.unwrap_err().kind, ErrorKind::Conflict);
    assert_eq!(svc::tick_runbook_step(&f.state, Some(&f.ben), i.id, id, "mitigation.7").await.unwrap_err().kind, ErrorKind::BadRequest);
    let w = war_room::load(&f.state, Some(&f.vic), i.id).await.unwrap();
    assert_eq!(app::domain::war_room::ticked(&w.events), vec![(id, "mitigation.0".to_string())]);
    // a runbook for a service the incident does not affect cannot be ticked on it
    let other = svc::declare(&f.state, Some(&f.ben), DeclareInput { services: vec!["api".into()], ..sev2_input("API only") }).await.unwrap();
    let e = svc::tick_runbook_step(&f.state, Some(&f.ben), other.id, id, "mitigation.0").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::BadRequest);
    assert!(e.message.contains("not for a service"));
}

async fn sign_in_is_uniform_and_slowed(b: Backend) {
    let f = fixture(b).await;
    let here = std::net::IpAddr::from([192, 0, 2, 1]);
    let elsewhere = std::net::IpAddr::from([192, 0, 2, 2]);
    let ok = auth::sign_in(&f.state, "BEN@example.com", TEST_PASSWORD, here).await.unwrap();
    assert_eq!(ok.id, f.ben.id);
    let wrong = auth::sign_in(&f.state, "ben@example.com", "not it", here).await.unwrap_err();
    let unknown = auth::sign_in(&f.state, "nobody@example.com", "not it", here).await.unwrap_err();
    assert_eq!(wrong, unknown, "the same answer for a wrong password and an unknown email");
    assert_eq!(wrong.message, auth::BAD_CREDENTIALS);
    // an account with too many failures is slowed (its attempts take turns), never locked
    let mut f = f;
    f.state.limiter = LoginLimiter::new(
        quota(10, StdDuration::from_secs(60)),
        quota(2, StdDuration::from_secs(60)),
        StdDuration::from_millis(300),
        StdDuration::from_secs(5),
    );
    for _ in 0..3 {
        assert_eq!(auth::sign_in(&f.state, "ada@example.com", "guess", here).await.unwrap_err().kind, ErrorKind::Unauthorized);
    }
    let started = std::time::Instant::now();
    let attempts = (0..3).map(|_| auth::sign_in(&f.state, "ada@example.com", "guess", here));
    let results = futures::future::join_all(attempts).await;
    assert!(results.iter().all(|r| r.as_ref().unwrap_err().kind == ErrorKind::Unauthorized));
    assert!(started.elapsed() >= StdDuration::from_millis(550), "they took turns ({:?})", started.elapsed());
    // an address with too many failures is refused, with the time to come back
    for n in 0..6 {
        let _ = auth::sign_in(&f.state, &format!("nobody{n}@example.com"), "guess", here).await;
    }
    let refused = auth::sign_in(&f.state, "ben@example.com", TEST_PASSWORD, here).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::TooManyRequests);
    assert!(refused.retry_after_secs.is_some_and(|s| s >= 1), "{refused:?}");
    // nobody can lock Ada out from another address: after her turn, she is in
    assert_eq!(auth::sign_in(&f.state, "ada@example.com", TEST_PASSWORD, elsewhere).await.unwrap().id, f.ada.id);
}

/// Payloads written before severities and statuses had one spelling ("Sev1", "FollowUp")
/// read as today's after the migration; a note that quotes the old spelling is untouched.
async fn old_event_spellings_are_migrated(b: Backend) {
    let f = fixture(b).await;
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Old spellings")).await.unwrap();
    // a note that quotes the old spelling, as JSON escapes it
    let note = serde_json::json!({ "type": "note_added", "body": r#"we said "severity":"Sev1" and "to":"FollowUp""# }).to_string();
    let old: [(&str, &str); 4] = [
        (
            "declared",
            r#"{"type":"declared","title":"Old spellings","severity":"Sev2","services":[],"triage":{"answers":[],"proposed":"Sev3","reason":"r","chosen":"Sev2","override_reason":"worse than it looks"}}"#,
        ),
        ("severity_changed", r#"{"type":"severity_changed","from":"Sev2","to":"Sev1","reason":"worse"}"#),
        ("status_changed", r#"{"type":"status_changed","from":"Mitigating","to":"FollowUp"}"#),
        ("note_added", &note),
    ];
    {
        let mut conn = f.state.db.pool().acquire().await.unwrap();
        for (kind, payload) in old {
            sqlx::query(
                "INSERT INTO events (stream, stream_id, seq, at_ms, kind, payload) \
                 VALUES ('incident', $1, (SELECT MAX(seq) + 1 FROM events WHERE stream = 'incident' AND stream_id = $1), $2, $3, $4)",
            )
            .bind(i.id.0)
            .bind(Utc::now().timestamp_millis())
            .bind(kind)
            .bind(payload)
            .execute(&mut *conn)
            .await
            .unwrap();
        }
        for statement in include_str!("../../migrations/sqlite/20261129000002_enum_spelling.sql").split(';').filter(|s| s.contains("UPDATE")) {
            // the log has moved to `events` since
            let statement = statement.replace("incident_events", "events");
            sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut *conn).await.unwrap();
        }
    }
    let mut conn = f.state.db.pool().acquire().await.unwrap();
    let (log, _) = events::for_incident(&mut conn, i.id).await.unwrap();
    let kinds: Vec<&EventKind> = log.iter().rev().take(4).map(|e| &e.kind).collect();
    assert!(
        matches!(kinds[3], EventKind::Declared { severity: Severity::Sev2, triage: Some(t), .. } if t.proposed == Severity::Sev3 && t.chosen == Severity::Sev2),
        "{:?}",
        kinds[3]
    );
    assert!(matches!(kinds[2], EventKind::SeverityChanged { from: Severity::Sev2, to: Severity::Sev1, .. }), "{:?}", kinds[2]);
    assert!(matches!(kinds[1], EventKind::StatusChanged { from: Status::Mitigating, to: Status::FollowUp }), "{:?}", kinds[1]);
    assert_eq!(kinds[0].summary(), r#"we said "severity":"Sev1" and "to":"FollowUp""#, "the note is untouched");
}

async fn sessions_round_trip_and_expire(b: Backend) {
    use app::server::session_store::DbSessionStore;
    use tower_sessions::session::{Id, Record};
    use tower_sessions::SessionStore;
    let f = fixture(b).await;
    let store = DbSessionStore::new(f.state.db.clone());
    let mut rec = Record { id: Id::default(), data: Default::default(), expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1) };
    rec.data.insert("user_id".into(), serde_json::json!(7));
    store.create(&mut rec).await.unwrap();
    let back = store.load(&rec.id).await.unwrap().unwrap();
    assert_eq!(back.data.get("user_id"), Some(&serde_json::json!(7)));
    store.delete(&rec.id).await.unwrap();
    assert!(store.load(&rec.id).await.unwrap().is_none());
    let mut old = Record { id: Id::default(), data: Default::default(), expiry_date: time::OffsetDateTime::now_utc() - time::Duration::hours(1) };
    store.create(&mut old).await.unwrap();
    assert!(store.load(&old.id).await.unwrap().is_none(), "expired sessions do not load");
    assert_eq!(store.delete_expired().await.unwrap(), 1);
}

async fn demo_loads_twice(b: Backend) {
    let state = fresh_state(b).await;
    app::server::demo::load(&state).await.unwrap();
    app::server::demo::load(&state).await.unwrap();
    let admin = user(&state.db, "Ada Lovelace", AccountRole::Admin).await;
    let list = svc::list(&state, Some(&admin)).await.unwrap();
    assert_eq!(list.incidents.len(), 2);
    assert_eq!(list.incidents.iter().filter(|i| i.status.is_active()).count(), 1);
    assert!(runbooks::list(&state, Some(&admin)).await.unwrap().len() >= 2);
}

on_both_backends!(
    old_event_spellings_are_migrated,
    declare_records_triage_and_one_event,
    declare_refuses_bad_input_and_writes_nothing,
    override_and_sev1_notifications,
    data_exposure_tells_security_and_legal_once,
    status_life_cycle,
    concurrent_status_changes_one_wins,
    roles_assign_hand_over_release,
    notes_updates_changes_links,
    event_log_commits_with_the_change_or_not_at_all,
    event_positions_grow_and_replay_by_topic,
    live_events_are_published_after_commit_in_order,
    timers_fire_once_even_with_two_replicas,
    runbooks_import_and_tick,
    sign_in_is_uniform_and_slowed,
    sessions_round_trip_and_expire,
    demo_loads_twice,
);

/// Two replicas on one PostgreSQL database: each one's live subscribers see the events the
/// other writes, in the log's order, woken by NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replicas_see_each_others_events() {
    use app::server::db::{Db, DbConfig};
    let a = fresh_state(Backend::Postgres).await;
    let b = AppState::new(a.leptos_options.clone(), Db::connect(&DbConfig::new(a.db.url())).await.unwrap());
    app::server::feed::start(&b.db, &b.hub).await;
    assert_ne!(a.db.replica(), b.db.replica());
    let ben = user(&a.db, "Ben", AccountRole::Responder).await;
    let mut on_b = b.hub.subscribe(Topic::Incidents);
    let mut on_a = a.hub.subscribe(Topic::Incidents);
    tokio::time::sleep(StdDuration::from_millis(300)).await; // let both listen
    let i = svc::declare(&a, Some(&ben), DeclareInput { services: vec![], ..sev2_input("Across replicas") }).await.unwrap();
    // sooner than the feed's idle re-read: the notification woke it
    let got = tokio::time::timeout(StdDuration::from_millis(700), on_b.recv()).await.expect("B hears A").unwrap();
    assert!(got.json.contains("Across replicas"));
    let mine = on_a.recv().await.unwrap();
    assert_eq!(mine.cursor, got.cursor);
    svc::add_note(&b, Some(&ben), i.id, NoteKind::Note, "from B").await.unwrap();
    let back = tokio::time::timeout(StdDuration::from_millis(700), on_a.recv()).await.expect("A hears B").unwrap();
    assert!(back.json.contains("from B"));
    assert!(back.cursor > got.cursor);
    a.hub.close();
    b.hub.close();
}

/// Writers of different streams do not wait for each other; writers of one stream do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_streams_are_locked_apart() {
    let f = fixture(Backend::Postgres).await;
    let one = svc::declare(&f.state, Some(&f.ben), sev2_input("One")).await.unwrap();
    let two = svc::declare(&f.state, Some(&f.ben), sev2_input("Two")).await.unwrap();
    // a slow writer holds incident one's stream
    let mut slow = f.state.db.begin(&[StreamRef::incident(one.id)]).await.unwrap();
    events::append(&mut slow, one.id, Utc::now(), None, EventKind::NoteAdded { body: "slow".into() }).await.unwrap();
    let other = tokio::time::timeout(StdDuration::from_secs(3), svc::add_note(&f.state, Some(&f.ben), two.id, NoteKind::Note, "beside"));
    other.await.expect("another stream's write must not wait").unwrap();
    let (state, ben, id) = (f.state.clone(), f.ben.clone(), one.id);
    let same = tokio::spawn(async move { svc::add_note(&state, Some(&ben), id, NoteKind::Note, "after").await });
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(!same.is_finished(), "a write to the same stream waits for the slow one");
    slow.commit(&f.state.hub).await.unwrap();
    same.await.unwrap().unwrap();
    let bodies: Vec<String> = log(&f, one.id).await.iter().map(|k| k.summary()).collect();
    assert_eq!(bodies[bodies.len() - 2..], ["slow".to_string(), "after".to_string()]);
}

/// A reader never passes an event that an older transaction could still precede: while a
/// transaction numbered before it is open, a newer commit is held back; once it commits, both
/// come in the log's order, and resuming from the first gives exactly the second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_readers_wait_for_older_transactions() {
    use app::server::repo::log::{self, Part};
    let f = fixture(Backend::Postgres).await;
    let one = svc::declare(&f.state, Some(&f.ben), sev2_input("One")).await.unwrap();
    let two = svc::declare(&f.state, Some(&f.ben), sev2_input("Two")).await.unwrap();
    let mut conn = f.state.db.pool().acquire().await.unwrap();
    let start = settled_log(&f.state.db, Part::Everything, Cursor::START).await.last().unwrap().cursor;
    // numbered first, but it takes its event id after the newer transaction took its own
    let mut older = f.state.db.begin(&[StreamRef::incident(one.id)]).await.unwrap();
    svc::add_note(&f.state, Some(&f.ben), two.id, NoteKind::Note, "newer").await.unwrap();
    let (rows, held) = log::since(&mut conn, Part::Everything, start, 100).await.unwrap();
    assert!(rows.is_empty() && held, "the newer commit waits: {rows:?}");
    assert_eq!(log::readable_end(&mut conn).await.unwrap(), start);
    events::append(&mut older, one.id, Utc::now(), None, EventKind::NoteAdded { body: "older".into() }).await.unwrap();
    older.commit(&f.state.hub).await.unwrap();
    let rows = settled_log(&f.state.db, Part::Everything, start).await;
    let bodies: Vec<String> = rows.iter().map(|r| events::decode(r).unwrap().kind.summary()).collect();
    assert_eq!(bodies, ["older", "newer"]);
    assert!(rows[0].cursor.id > rows[1].cursor.id, "ids were taken in the other order");
    let (rest, _) = log::since(&mut conn, Part::Kind(app::domain::log::Stream::Incident), rows[0].cursor, 100).await.unwrap();
    assert_eq!(rest.iter().map(|r| r.cursor).collect::<Vec<Cursor>>(), [rows[1].cursor]);
}

/// A live reader resuming from a cursor reads an index in the log's order: for one kind of
/// stream too (it used to find every event of the kind and sort them, on every reconnect of
/// the incident list or the alerts page). SQLite's plan; PostgreSQL plans by its statistics.
#[tokio::test]
async fn resuming_a_live_reader_never_sorts_the_log() {
    use app::domain::log::Stream;
    use app::server::repo::log::{since_sql, Part};
    use sqlx::Row;
    let state = fresh_state(Backend::Sqlite).await;
    let mut conn = state.db.pool().acquire().await.unwrap();
    for (part, index) in
        [(Part::Everything, "events_order"), (Part::Kind(Stream::Alert), "events_kind_order"), (Part::One(StreamRef::incident(IncidentId(7))), "events_stream")]
    {
        let sql = since_sql(&conn, part);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"))).bind(0i64).bind(0i64).bind(100i64);
        q = match part {
            Part::Everything => q,
            Part::Kind(s) => q.bind(s.as_str()),
            Part::One(s) => q.bind(s.stream.as_str()).bind(s.id),
        };
        let plan: Vec<String> = q.fetch_all(&mut *conn).await.unwrap().iter().map(|r| r.get::<String, _>("detail")).collect();
        assert!(plan.iter().any(|d| d.contains(index) && d.contains("tx>?")), "{part:?}: {plan:?}");
        assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{part:?} sorts: {plan:?}");
    }
}

/// On SQLite the feed publishes what this process commits as each commit hands it over,
/// without reading it back from the log; what another writer commits in between (another
/// process on the same file; here a second state) it reads from the log. Subscribers get
/// every event once, in the log's order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_feed_takes_events_from_their_commits() {
    let f = fixture(Backend::Sqlite).await;
    let mut all = f.state.hub.subscribe(Topic::Incidents);
    let before = f.state.hub.feed_counts();
    let i = svc::declare(&f.state, Some(&f.ben), sev2_input("Handed over")).await.unwrap();
    let notes = (0..20).map(|n| {
        let (state, ben) = (f.state.clone(), f.ben.clone());
        tokio::spawn(async move { svc::add_note(&state, Some(&ben), i.id, NoteKind::Note, &format!("n{n}")).await.unwrap() })
    });
    for n in futures::future::join_all(notes).await {
        n.unwrap();
    }
    // another writer (its commits are handed to its own hub, not this one's)
    let other = AppState::new(f.state.leptos_options.clone(), f.state.db.clone());
    svc::add_note(&other, Some(&f.ben), i.id, NoteKind::Note, "from elsewhere").await.unwrap();
    svc::add_note(&f.state, Some(&f.ben), i.id, NoteKind::Note, "after").await.unwrap();
    let mut got = vec![];
    while !got.last().is_some_and(|m: &std::sync::Arc<app::server::hub::LiveMessage>| m.json.contains("\"after\"")) {
        got.push(tokio::time::timeout(StdDuration::from_secs(5), all.recv()).await.expect("published").unwrap());
    }
    assert!(got.windows(2).all(|w| w[0].cursor < w[1].cursor), "in the log's order");
    let said: Vec<String> = got
        .iter()
        .filter_map(|m| match serde_json::from_str::<app::domain::event::LiveEvent>(&m.json).unwrap().event.kind {
            EventKind::NoteAdded { body } => Some(body),
            _ => None,
        })
        .collect();
    let mut expected: Vec<String> = (0..20).map(|n| format!("n{n}")).chain(["from elsewhere".into(), "after".into()]).collect();
    assert_eq!(said[20..], expected[20..], "the other's note, then the last");
    let mut notes = said[..20].to_vec();
    notes.sort();
    expected.truncate(20);
    expected.sort();
    assert_eq!(notes, expected, "each note once");
    let settled = settled_log(&f.state.db, app::server::repo::log::Part::Everything, Cursor::START).await;
    assert_eq!(
        got.iter().map(|m| m.cursor).collect::<Vec<_>>(),
        settled.iter().map(|r| r.cursor).skip_while(|c| *c < got[0].cursor).collect::<Vec<_>>(),
        "every event, once"
    );
    let counts = f.state.hub.feed_counts();
    let (handed, read) = (counts.from_commits - before.from_commits, counts.from_log - before.from_log);
    assert_eq!(handed + read, got.len() as u64);
    // the other's note is read from the log; so may be the last, whose commit showed the gap
    assert!((1..=2).contains(&read), "read back: {read}, handed over: {handed}");
    assert!(all.try_recv().is_err(), "nothing else was published");
}
