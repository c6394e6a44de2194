//! Drills in the store, on SQLite and on PostgreSQL: marked on the incident and in its log,
//! nobody told (a real SEV1 tells the executives), refused on the public status page, no
//! postmortem on resolution, and left out of the metrics.
#![cfg(feature = "testing")]

use app::domain::event::EventKind;
use app::domain::incident::{DeclareInput, NoteKind, Severity, Status};
use app::domain::public_incident::{Impact, PublicStatus, PublicUpdate};
use app::domain::roles::IncidentRole;
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{catalog, events, postmortems};
use app::server::services::{incidents, metrics, near_misses};
use app::server::testing::{fresh_state, user};

async fn a_drill_tells_nobody_stays_off_the_status_page_and_out_of_the_metrics(b: Backend) {
    let state = fresh_state(b).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
    }
    let sev1 = |title: &str, drill: bool| DeclareInput {
        title: title.into(),
        services: vec!["checkout".into()],
        severity: Some(Severity::Sev1),
        drill,
        ..Default::default()
    };
    let real = incidents::declare(&state, Some(&ben), sev1("Checkout down", false)).await.unwrap();
    let drill = incidents::declare(&state, Some(&ben), sev1("Database failover drill", true)).await.unwrap();
    assert!(drill.drill && !real.drill);

    let log = |id| {
        let state = state.clone();
        async move {
            let mut conn = state.db.pool().acquire().await.unwrap();
            events::for_incident(&mut conn, id).await.unwrap().0
        }
    };
    let told = |events: &[app::domain::event::IncidentEvent]| events.iter().filter(|e| matches!(e.kind, EventKind::Notified { .. })).count();
    assert!(told(&log(real.id).await) > 0, "a real SEV1 tells the executives");
    let drill_log = log(drill.id).await;
    assert_eq!(told(&drill_log), 0, "a drill tells nobody");
    assert!(drill_log[0].kind.summary().starts_with("DRILL: declared \"Database failover drill\""), "{}", drill_log[0].kind.summary());

    let update = PublicUpdate {
        title: "Database problems".into(),
        status: PublicStatus::Investigating,
        body: "We are looking into it.".into(),
        impact: Impact::Major,
        components: vec![],
        previous: vec![],
        public_id: String::new(),
    };
    let e = incidents::post_public_update(&state, Some(&ben), drill.id, update).await.unwrap_err();
    assert_eq!(e.status_code(), 409, "{e:?}");
    assert!(e.message.contains("drill"), "{e:?}");

    for i in [&real, &drill] {
        incidents::assign_role(&state, Some(&ben), i.id, IncidentRole::Commander, ben.id).await.unwrap();
    }
    incidents::add_note(&state, Some(&ben), drill.id, NoteKind::Update, "Stakeholders: the drill is under way.").await.unwrap();
    for i in [&real, &drill] {
        incidents::change_status(&state, Some(&ben), i.id, Status::Detected, Status::Resolved).await.unwrap();
    }
    let mut conn = state.db.pool().acquire().await.unwrap();
    assert!(postmortems::of_incident(&mut conn, real.id).await.unwrap().is_some());
    assert!(postmortems::of_incident(&mut conn, drill.id).await.unwrap().is_none(), "a drill's retrospective is its own");
    drop(conn);

    let r = metrics::report(&state, Some(&vic), metrics::period(Some("1"), None, None).unwrap()).await.unwrap();
    assert_eq!(r.response[0].incidents, 1, "the drill is in no metric");
    assert_eq!(r.calibration.rows[0].declared, 1);
    // but its times are set beside the real incident's
    assert_eq!(r.drills.drills.iter().map(|d| (d.id, d.commander_s.is_some(), d.first_update_s.is_some())).collect::<Vec<_>>(), [(drill.id, true, true)]);
    assert_eq!(r.drills.real_commander.map(|s| s.count), Some(1));
    assert_eq!(r.drills.real_first_update, None, "the real one posted no update");

    // a drill is an exercise: not declared from a real near-miss
    let nm = near_misses::record(&state, Some(&ben), "Replica lag", "Lag reached 40 s.", "A lag alert.", "", None).await.unwrap();
    let e = incidents::declare(&state, Some(&ben), DeclareInput { near_miss: Some(nm), ..sev1("Replica lag", true) }).await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("drill:"), "{e:?}");
}

/// A scenario imported as YAML runs as a drill whose injects the worker posts on schedule,
/// each once also when two passes run at the same moment, none after the drill is over; the
/// drill suggests an IC who has never been one; its retrospective is kept with it.
async fn a_scenario_runs_as_a_drill_with_its_injects_each_posted_once(b: Backend) {
    use app::domain::drill::latest_retro;
    use app::server::services::drills;
    let state = fresh_state(b).await;
    let zed = user(&state.db, "Zed", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        for s in ["checkout", "api", "auth"] {
            catalog::upsert(&mut conn, s, s, "").await.unwrap();
        }
    }

    // importing: admins only, and bad YAML says what is wrong
    let e = drills::save_yaml(&state, Some(&ben), None, app::server::demo::DATABASE_FAILURE_DRILL).await.unwrap_err();
    assert_eq!(e.status_code(), 403);
    let shipped = drills::save_yaml(&state, Some(&zed), None, app::server::demo::DATABASE_FAILURE_DRILL).await.unwrap();
    for (yaml, says) in [
        ("title: [", "not a drill scenario"),
        ("title: Quick\nseverity: sev2\ninjects: [\"T+5m: a\", \"T+1m: b\"]\n", "injects[1]: T+1m comes after T+5m"),
        ("title: Quick\nseverity: sev2\nservices: [billing]\ninjects: [\"T+0: a\"]\n", "there is no service \"billing\""),
        ("title: Quick\nseverity: sev2\ninject: [\"T+0: a\"]\n", "unknown field `inject`"),
    ] {
        let e = drills::save_yaml(&state, Some(&zed), None, yaml).await.unwrap_err();
        assert!(e.status_code() == 400 && e.message.contains(says), "{yaml}: {e:?}");
    }
    let quick = "title: Quick drill\nseverity: sev2\nservices: [checkout]\ninjects:\n  - \"T+0: first\"\n  - \"T+2m: second\"\n  - \"T+2m: third\"\n  - \"T+10m: fourth\"\n";
    let quick = drills::save_yaml(&state, Some(&zed), None, quick).await.unwrap();
    let page = drills::page(&state, Some(&vic)).await.unwrap();
    assert_eq!(page.scenarios.len(), 2);
    assert!(page.sources.is_empty(), "only admins get the YAML");
    let shipped_doc = page.scenarios.iter().find(|s| s.id == shipped).unwrap();
    assert_eq!((shipped_doc.severity, shipped_doc.services.len(), shipped_doc.injects, shipped_doc.length_s), (Severity::Sev1, 3, 9, 15 * 60));

    // Ben has been IC (of a real incident); Cleo and Zed never were: Cleo comes first by name
    let real = incidents::declare(&state, Some(&ben), DeclareInput { title: "Checkout down".into(), severity: Some(Severity::Sev3), ..Default::default() })
        .await
        .unwrap();
    incidents::assign_role(&state, Some(&ben), real.id, IncidentRole::Commander, ben.id).await.unwrap();

    assert_eq!(drills::run(&state, Some(&vic), quick).await.unwrap_err().status_code(), 403);
    let drill = drills::run(&state, Some(&ben), quick).await.unwrap();
    assert!(drill.drill);
    assert_eq!((drill.title.as_str(), drill.severity, drill.services.len()), ("Quick drill", Severity::Sev2, 1));
    let e = incidents::declare(
        &state,
        Some(&ben),
        DeclareInput { title: "Not a drill".into(), severity: Some(Severity::Sev3), scenario: Some(quick), ..Default::default() },
    )
    .await
    .unwrap_err();
    assert!(e.message.starts_with("scenario:"), "{e:?}");
    let room = app::server::services::war_room::load(&state, Some(&vic), drill.id).await.unwrap().drill.unwrap();
    assert_eq!((room.scenario.as_deref(), room.offsets.as_slice()), (Some("Quick drill"), &[0, 120, 120, 600][..]));
    assert_eq!(room.suggested_ic.map(|s| (s.person.name, s.turns)), Some(("Cleo".to_string(), 0)));

    // the injects, on schedule, once each
    let t = drill.declared_at;
    let min = chrono::Duration::minutes;
    assert_eq!(drills::post_due_injects(&state, t - min(1)).await.unwrap(), 0);
    assert_eq!(drills::post_due_injects(&state, t).await.unwrap(), 1);
    assert_eq!(drills::post_due_injects(&state, t).await.unwrap(), 0, "posted already");
    let (one, two) = tokio::join!(drills::post_due_injects(&state, t + min(2)), drills::post_due_injects(&state, t + min(2)));
    assert_eq!(one.unwrap() + two.unwrap(), 2, "two passes at once post the two injects once");
    assert_eq!(drills::post_due_injects(&state, t + min(5)).await.unwrap(), 0);
    let injects = |events: &[app::domain::event::IncidentEvent]| {
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::DrillInject { index, .. } => Some((*index, e.actor.is_none(), e.kind.summary())),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let mut conn = state.db.pool().acquire().await.unwrap();
    let (log, _) = events::for_incident(&mut conn, drill.id).await.unwrap();
    drop(conn);
    assert_eq!(
        injects(&log),
        [(0, true, "DRILL inject T+0: first".to_string()), (1, true, "DRILL inject T+2m: second".into()), (2, true, "DRILL inject T+2m: third".into())]
    );
    // over: the last inject never comes
    incidents::assign_role(&state, Some(&ben), drill.id, IncidentRole::Commander, cleo.id).await.unwrap();
    incidents::change_status(&state, Some(&ben), drill.id, Status::Detected, Status::Resolved).await.unwrap();
    assert_eq!(drills::post_due_injects(&state, t + min(11)).await.unwrap(), 0);
    let mut conn = state.db.pool().acquire().await.unwrap();
    assert_eq!(injects(&events::for_incident(&mut conn, drill.id).await.unwrap().0).len(), 3);
    drop(conn);
    // reopened, the rest follow: the one whose time passed at once
    incidents::change_status(&state, Some(&ben), drill.id, Status::Resolved, Status::Investigating).await.unwrap();
    assert_eq!(drills::post_due_injects(&state, t + min(11)).await.unwrap(), 1);
    let mut conn = state.db.pool().acquire().await.unwrap();
    assert_eq!(injects(&events::for_incident(&mut conn, drill.id).await.unwrap().0).last().map(|i| i.0), Some(3));
    drop(conn);
    incidents::change_status(&state, Some(&ben), drill.id, Status::Investigating, Status::Resolved).await.unwrap();

    // the retrospective
    assert_eq!(drills::write_retro(&state, Some(&vic), drill.id, "Fast", "Slow").await.unwrap_err().status_code(), 403);
    let e = drills::write_retro(&state, Some(&ben), drill.id, "We found the disk fast.", " ").await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("What to improve"), "{e:?}");
    assert_eq!(drills::write_retro(&state, Some(&ben), real.id, "a b c", "d e f").await.unwrap_err().status_code(), 409);
    drills::write_retro(&state, Some(&ben), drill.id, "We found the disk fast.", "Nobody updated stakeholders for 9 minutes.").await.unwrap();
    let w = app::server::services::war_room::load(&state, Some(&vic), drill.id).await.unwrap();
    let (retro, by, _) = latest_retro(&w.events).unwrap();
    assert_eq!((retro.went_well.as_str(), by.map(|p| p.name)), ("We found the disk fast.", Some("Ben".to_string())));
    // Cleo has now been IC: Zed is the one who never was
    assert_eq!(w.drill.unwrap().suggested_ic.map(|s| s.person.name), Some("Zed".to_string()));
    let page = drills::page(&state, Some(&zed)).await.unwrap();
    assert_eq!(page.sources.len(), 2);
    assert_eq!(page.drills.len(), 1);
    assert_eq!(page.drills[0].scenario.as_deref(), Some("Quick drill"));
    assert_eq!(page.drills[0].retro.as_ref().map(|r| r.to_improve.as_str()), Some("Nobody updated stakeholders for 9 minutes."));
}

on_both_backends!(a_drill_tells_nobody_stays_off_the_status_page_and_out_of_the_metrics, a_scenario_runs_as_a_drill_with_its_injects_each_posted_once);
