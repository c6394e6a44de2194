//! Status page store and service tests, on SQLite and PostgreSQL.
#![cfg(feature = "testing")]

use app::domain::incident::ServiceRef;
use app::domain::status_page::{ComponentInput, ComponentStatus, Indicator, PageSettings};
use app::domain::status_page_log::StatusPageChange;
use app::domain::user::AccountRole;
use app::error::ErrorKind;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{catalog, status};
use app::server::services::status_page as svc;
use app::server::services::{maintenance, status_public};
use app::server::testing::{fresh_state, user};
use chrono::{Duration, TimeZone, Utc};

fn input(name: &str, group: &str) -> ComponentInput {
    ComponentInput { name: name.into(), description: format!("{name} things"), group: group.into(), position: 0, service: String::new() }
}

async fn admins_define_the_page_and_components(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let checkout: ServiceRef = {
        let mut conn = state.db.pool().acquire().await.unwrap();
        let id = catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
        ServiceRef { id, slug: "checkout".into(), name: "Checkout".into() }
    };
    let settings = PageSettings {
        name: "Example Status".into(),
        public_url: "https://status.example.com".into(),
        logo_url: String::new(),
        time_zone: "Europe/Berlin".into(),
        support_url: "https://example.com/support".into(),
    };
    assert_eq!(svc::save_settings(&state, Some(&ben), settings.clone()).await.unwrap_err().kind, ErrorKind::Forbidden);
    assert_eq!(
        svc::save_settings(&state, Some(&ada), PageSettings { time_zone: "Mars/Olympus".into(), ..settings.clone() }).await.unwrap_err().kind,
        ErrorKind::BadRequest
    );
    assert_eq!(
        svc::save_settings(&state, Some(&ada), PageSettings { public_url: "javascript:x".into(), ..settings.clone() }).await.unwrap_err().kind,
        ErrorKind::BadRequest
    );
    svc::save_settings(&state, Some(&ada), settings.clone()).await.unwrap();

    let mut web = input("Web shop", "Shop");
    web.service = "checkout".into();
    let web = svc::create_component(&state, Some(&ada), web).await.unwrap();
    assert_eq!(web.service_id, Some(checkout.id));
    assert_eq!(web.status, ComponentStatus::Operational);
    let api = svc::create_component(&state, Some(&ada), input("API", "")).await.unwrap();
    assert_eq!(svc::create_component(&state, Some(&ada), input("API", "")).await.unwrap_err().kind, ErrorKind::Conflict);
    assert_eq!(svc::create_component(&state, Some(&ben), input("Nope", "")).await.unwrap_err().kind, ErrorKind::Forbidden);
    let mut bad = input("Bad", "");
    bad.service = "nowhere".into();
    assert_eq!(svc::create_component(&state, Some(&ada), bad).await.unwrap_err().kind, ErrorKind::BadRequest);
    let mut renamed = input("Public API", "Platform");
    renamed.position = 2;
    let api = svc::update_component(&state, Some(&ada), api.id, renamed).await.unwrap();
    assert_eq!(api.name, "Public API");
    assert!(api.group_id.is_some());

    // a responder moves a component; the page rolls up
    svc::set_component_status(&state, Some(&ben), web.id, ComponentStatus::PartialOutage).await.unwrap();
    let page = status_public::public_data(&state.db, Utc::now()).await.unwrap().0;
    assert_eq!(page.settings.name, "Example Status");
    assert_eq!(page.overall.indicator, Indicator::Major);
    assert_eq!(page.overall.description, "Partial System Outage");
    let names: Vec<(Option<String>, Vec<String>)> =
        page.groups.iter().map(|g| (g.name.clone(), g.components.iter().map(|c| c.component.name.clone()).collect())).collect();
    assert_eq!(names, vec![(Some("Shop".into()), vec!["Web shop".into()]), (Some("Platform".into()), vec!["Public API".into()])]);
    let web_view = &page.groups[0].components[0];
    assert_eq!(web_view.days.len(), 90);
    assert_eq!(web_view.days.last().unwrap().worst, ComponentStatus::PartialOutage);
    assert!(web_view.days.iter().rev().skip(1).all(|d| d.uptime.is_none()), "no data before the component existed");
}

async fn history_gives_the_uptime_bars(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let c = svc::create_component(&state, Some(&ada), input("Search", "")).await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    {
        // a past: created 100 days ago; a 3-hour major outage 10 days ago
        let mut conn = state.db.pool().acquire().await.unwrap();
        sqlx::query("DELETE FROM component_status_history").execute(&mut *conn).await.unwrap();
        let day10 = Utc.with_ymd_and_hms(2026, 11, 12, 6, 0, 0).unwrap();
        status::record_past(&mut conn, c.id, ComponentStatus::Operational, now - Duration::days(100)).await.unwrap();
        status::record_past(&mut conn, c.id, ComponentStatus::MajorOutage, day10).await.unwrap();
        status::record_past(&mut conn, c.id, ComponentStatus::Operational, day10 + Duration::hours(3)).await.unwrap();
    }
    let page = status_public::public_data(&state.db, now).await.unwrap().0;
    let view = &page.groups[0].components[0];
    assert!(view.days.iter().all(|d| d.uptime.is_some()), "the component existed all 90 days");
    let bad = view.days.iter().find(|d| d.date == Utc.with_ymd_and_hms(2026, 11, 12, 0, 0, 0).unwrap().date_naive()).unwrap();
    assert_eq!(bad.worst, ComponentStatus::MajorOutage);
    assert_eq!(bad.major_outage_minutes, 180);
    assert!((bad.uptime.unwrap() - 87.5).abs() < 1e-9);
    assert_eq!(view.days.iter().filter(|d| d.worst != ComponentStatus::Operational).count(), 1);
    let overall = view.uptime.unwrap();
    assert!((overall - (100.0 - 12.5 / 90.0)).abs() < 1e-6, "{overall}");
    // setting the same status again records nothing
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    svc::set_component_status(&state, Some(&ben), c.id, ComponentStatus::Operational).await.unwrap();
    let mut conn = state.db.pool().acquire().await.unwrap();
    let rows = status::history_since(&mut conn, now - Duration::days(200)).await.unwrap();
    assert_eq!(rows[&c.id].len(), 3);
}

async fn public_updates_reach_the_page_and_nothing_internal_does(b: Backend) {
    use app::domain::incident::{DeclareInput, NoteKind, Severity};
    use app::domain::status_page::{Impact, PublicStatus, PublicUpdate};
    use app::server::services::incidents as incidents_svc;
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    let web = svc::create_component(&state, Some(&ada), input("Web shop", "Shop")).await.unwrap();
    let declare = DeclareInput { title: "DB primary out of disk on db-7".into(), severity: Some(Severity::Sev2), ..Default::default() };
    let i = incidents_svc::declare(&state, Some(&ben), declare).await.unwrap();
    incidents_svc::add_note(&state, Some(&ben), i.id, NoteKind::Note, "internal: the root password is in vault path x").await.unwrap();
    let quiet = DeclareInput { title: "Internal only incident".into(), severity: Some(Severity::Sev4), ..Default::default() };
    incidents_svc::declare(&state, Some(&ben), quiet).await.unwrap();
    let page = status_public::public_data(&state.db, Utc::now()).await.unwrap().0;
    assert!(page.incidents.is_empty(), "no incident is public before its first public update");

    let update = PublicUpdate {
        title: "Checkout problems".into(),
        status: PublicStatus::Investigating,
        body: "We are investigating failed checkouts.".into(),
        impact: Impact::Major,
        components: vec![(web.id, ComponentStatus::MajorOutage)],
        previous: vec![],
        public_id: String::new(),
    };
    assert_eq!(incidents_svc::post_public_update(&state, Some(&vic), i.id, update.clone()).await.unwrap_err().kind, ErrorKind::Forbidden);
    let bad = PublicUpdate { components: vec![(app::domain::ids::ComponentId(999), ComponentStatus::MajorOutage)], ..update.clone() };
    assert_eq!(incidents_svc::post_public_update(&state, Some(&ben), i.id, bad).await.unwrap_err().kind, ErrorKind::BadRequest);
    assert_eq!(status_public::public_data(&state.db, Utc::now()).await.unwrap().0.overall.indicator, Indicator::None, "a refused update changed nothing");
    let before = app::server::services::war_room::load(&state, Some(&ben), i.id).await.unwrap().incident.last_update_at;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    incidents_svc::post_public_update(&state, Some(&ben), i.id, update).await.unwrap();
    let room = app::server::services::war_room::load(&state, Some(&ben), i.id).await.unwrap();
    assert!(room.incident.last_update_at > before, "a public update resets the update clock");

    let page = status_public::public_data(&state.db, Utc::now()).await.unwrap().0;
    assert_eq!(page.overall.indicator, Indicator::Critical);
    assert_eq!(page.unresolved().count(), 1);
    let public = page.unresolved().next().unwrap();
    assert_eq!(public.updates[0].affected, vec![(web.id, ComponentStatus::Operational, ComponentStatus::MajorOutage)]);
    assert_eq!(public.title, "Checkout problems");
    assert_eq!(public.updates[0].body, "We are investigating failed checkouts.");
    // the war room links to the page by the same opaque id, which names no internal number
    let path = app::domain::war_room::public_page_path(&room.events);
    assert_eq!(path, Some(format!("/status/incidents/{}", public.id)));
    assert_eq!(public.id.len(), 12);
    assert!(public.id.bytes().all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c)), "{}", public.id);
    let other = fresh_state(b).await;
    let other_ids = app::server::repo::status::public_ids(&mut other.db.pool().acquire().await.unwrap()).await.unwrap();
    assert_ne!(other_ids.incident(i.id.0), public.id, "each installation has its own key");
    // nothing internal anywhere in what the public page is built from
    let everything = serde_json::to_string(&page).unwrap();
    for secret in ["db-7", "db-primary", "inc-", "root password", "Internal only incident", "Ben", "ben@example.com"] {
        assert!(!everything.contains(secret), "{secret:?} leaked into the public page");
    }
    // resolved incidents leave the active list
    let resolved = PublicUpdate {
        title: "Checkout problems".into(),
        status: PublicStatus::Resolved,
        body: "Resolved.".into(),
        impact: Impact::Major,
        components: vec![(web.id, ComponentStatus::Operational)],
        previous: vec![],
        public_id: String::new(),
    };
    incidents_svc::post_public_update(&state, Some(&ben), i.id, resolved).await.unwrap();
    let page = status_public::public_data(&state.db, Utc::now()).await.unwrap().0;
    assert_eq!(page.unresolved().count(), 0);
    assert_eq!(page.incidents.len(), 1, "resolved incidents stay in the recent list");
    assert_eq!(page.incidents[0].updates[0].affected, vec![(web.id, ComponentStatus::MajorOutage, ComponentStatus::Operational)]);
    assert_eq!(page.overall.indicator, Indicator::None);
}

async fn maintenance_is_scheduled_and_moves_on_by_the_clock(b: Backend) {
    use app::domain::status_page::{MaintenanceInput, MaintenancePhase};
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    let db = svc::create_component(&state, Some(&ada), input("Database", "")).await.unwrap();
    let start = Utc::now() + Duration::hours(2);
    let window = MaintenanceInput {
        title: "DB upgrade".into(),
        message: "Writes pause for a minute.".into(),
        starts_at: start,
        ends_at: start + Duration::hours(1),
        components: vec![db.id],
    };
    assert_eq!(maintenance::schedule_maintenance(&state, Some(&vic), window.clone()).await.unwrap_err().kind, ErrorKind::Forbidden);
    let backwards = MaintenanceInput { ends_at: start - Duration::hours(1), ..window.clone() };
    assert_eq!(maintenance::schedule_maintenance(&state, Some(&ben), backwards).await.unwrap_err().kind, ErrorKind::BadRequest);
    let unknown = MaintenanceInput { components: vec![app::domain::ids::ComponentId(999)], ..window.clone() };
    assert_eq!(maintenance::schedule_maintenance(&state, Some(&ben), unknown).await.unwrap_err().kind, ErrorKind::BadRequest);
    let twice = MaintenanceInput { components: vec![db.id, db.id], ..window.clone() };
    let e = maintenance::schedule_maintenance(&state, Some(&ben), twice).await.unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::BadRequest, format!("Component {} is listed twice.", db.id).as_str()));
    assert!(status_public::public_data(&state.db, Utc::now()).await.unwrap().0.maintenances.is_empty(), "nothing half-written");
    let m = maintenance::schedule_maintenance(&state, Some(&ben), window.clone()).await.unwrap();
    assert_eq!((m.title.as_str(), m.starts_at.timestamp_millis(), m.components.clone()), ("DB upgrade", window.starts_at.timestamp_millis(), vec![db.id]));
    for (at, phase) in [
        (Utc::now(), MaintenancePhase::Scheduled),
        (start + Duration::minutes(10), MaintenancePhase::InProgress),
        (start + Duration::minutes(65), MaintenancePhase::Verifying),
        (start + Duration::hours(2), MaintenancePhase::Completed),
    ] {
        let page = status_public::public_data(&state.db, at).await.unwrap().0;
        assert_eq!(page.maintenances.len(), 1);
        assert_eq!(page.maintenances[0].phase(at), phase);
        assert_eq!(page.maintenances_in(&[phase]).len(), 1);
    }
}

async fn maintenance_windows_switch_components_once(b: Backend) {
    use app::domain::status_page::MaintenanceInput;
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let db = svc::create_component(&state, Some(&ada), input("Database", "")).await.unwrap();
    let api = svc::create_component(&state, Some(&ada), input("API", "")).await.unwrap();
    svc::set_component_status(&state, Some(&ben), api.id, ComponentStatus::PartialOutage).await.unwrap();
    let start = Utc::now() + Duration::minutes(30);
    let window = MaintenanceInput {
        title: "Upgrade".into(),
        message: "Pauses.".into(),
        starts_at: start,
        ends_at: start + Duration::hours(1),
        components: vec![db.id, api.id],
    };
    maintenance::schedule_maintenance(&state, Some(&ben), window).await.unwrap();
    let status_of = |id| {
        let (state, ada) = (state.clone(), ada.clone());
        async move { svc::admin_view(&state, Some(&ada)).await.unwrap().components.into_iter().find(|c| c.id == id).unwrap().status }
    };
    assert_eq!(maintenance::apply_maintenance_windows(&state, Utc::now()).await.unwrap(), 0, "not started yet");
    // started: the operational one goes under maintenance; the one in an incident stays
    let during = start + Duration::minutes(5);
    let other = app::server::state::AppState::new(state.leptos_options.clone(), state.db.clone());
    let (x, y) = tokio::join!(maintenance::apply_maintenance_windows(&state, during), maintenance::apply_maintenance_windows(&other, during));
    assert_eq!(x.unwrap() + y.unwrap(), 1, "once, across replicas");
    assert_eq!(status_of(db.id).await, ComponentStatus::UnderMaintenance);
    assert_eq!(status_of(api.id).await, ComponentStatus::PartialOutage);
    assert_eq!(status_public::public_data(&state.db, during).await.unwrap().0.overall.indicator, Indicator::Major);
    // ended: back to operational, once
    let after = start + Duration::minutes(70);
    assert_eq!(maintenance::apply_maintenance_windows(&state, after).await.unwrap(), 1);
    assert_eq!(maintenance::apply_maintenance_windows(&state, after).await.unwrap(), 0);
    assert_eq!(status_of(db.id).await, ComponentStatus::Operational);
    assert_eq!(status_of(api.id).await, ComponentStatus::PartialOutage, "never touched");
    // a window that started and ended while nothing ran switches nothing
    let missed_start = Utc::now() + Duration::minutes(10);
    let missed = MaintenanceInput {
        title: "Missed".into(),
        message: "x".into(),
        starts_at: missed_start,
        ends_at: missed_start + Duration::minutes(5),
        components: vec![db.id],
    };
    maintenance::schedule_maintenance(&state, Some(&ben), missed).await.unwrap();
    svc::set_component_status(&state, Some(&ben), db.id, ComponentStatus::UnderMaintenance).await.unwrap();
    assert_eq!(maintenance::apply_maintenance_windows(&state, missed_start + Duration::hours(2)).await.unwrap(), 0);
    assert_eq!(status_of(db.id).await, ComponentStatus::UnderMaintenance, "a status set by hand is left alone");
    // every change above is on the status page's stream, in order, with who made it
    let changes = status_log(&state).await;
    let kinds: Vec<&str> = changes.iter().map(|(k, _)| k.name()).collect();
    assert_eq!(
        kinds,
        [
            "component_added",
            "component_added",
            "component_status_changed",
            "maintenance_scheduled",
            "maintenance_switched",
            "maintenance_switched",
            "maintenance_scheduled",
            "component_status_changed"
        ]
    );
    assert_eq!(changes[2].1.as_deref(), Some("Ben"));
    assert_eq!(changes[4].1, None, "the maintenance job acts as Klaxon");
    assert_eq!(changes[2].0.summary(), "API: Operational → Partial outage");
}

/// The status page's stream: each change and who made it.
async fn status_log(state: &app::server::state::AppState) -> Vec<(StatusPageChange, Option<String>)> {
    use app::domain::log::{Cursor, StreamRef};
    use app::server::repo::log::Part;
    let rows = app::server::testing::settled_log(&state.db, Part::One(StreamRef::STATUS_PAGE), Cursor::START).await;
    rows.iter().map(|r| (serde_json::from_str(&r.payload).unwrap(), r.actor.as_ref().map(|a| a.name.clone()))).collect()
}

async fn a_window_under_way_switches_however_many_are_scheduled_after_it(b: Backend) {
    use app::domain::status_page::MaintenanceInput;
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let db = svc::create_component(&state, Some(&ada), input("Database", "")).await.unwrap();
    let search = svc::create_component(&state, Some(&ada), input("Search", "")).await.unwrap();
    let start = Utc::now() + Duration::minutes(10);
    let window = |title: String, starts_at: chrono::DateTime<Utc>, component| MaintenanceInput {
        title,
        message: "Brief pauses.".into(),
        starts_at,
        ends_at: starts_at + Duration::hours(1),
        components: vec![component],
    };
    maintenance::schedule_maintenance(&state, Some(&ada), window("Database upgrade".into(), start, db.id)).await.unwrap();
    // more windows later than the one under way than any page of recent windows holds
    for n in 1..=120 {
        maintenance::schedule_maintenance(&state, Some(&ada), window(format!("Reindex {n}"), start + Duration::hours(2 * n), search.id)).await.unwrap();
    }
    assert_eq!(maintenance::apply_maintenance_windows(&state, start + Duration::minutes(5)).await.unwrap(), 1);
    let view = svc::admin_view(&state, Some(&ada)).await.unwrap();
    let status_of = |id| view.components.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status_of(db.id), ComponentStatus::UnderMaintenance);
    assert_eq!(status_of(search.id), ComponentStatus::Operational);
}

on_both_backends!(
    a_window_under_way_switches_however_many_are_scheduled_after_it,
    maintenance_windows_switch_components_once,
    maintenance_is_scheduled_and_moves_on_by_the_clock,
    admins_define_the_page_and_components,
    history_gives_the_uptime_bars,
    public_updates_reach_the_page_and_nothing_internal_does
);
