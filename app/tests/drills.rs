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

on_both_backends!(a_drill_tells_nobody_stays_off_the_status_page_and_out_of_the_metrics);
