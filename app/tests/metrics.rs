//! The response metrics read from the store, on SQLite and on PostgreSQL: an alert that paged
//! Ben, was acknowledged, judged and declared into a SEV2 that was resolved (and its
//! postmortem completed), a noisy alert, and a SEV1 declared by hand 30 minutes after it
//! was detected and still open.
#![cfg(feature = "testing")]

use app::domain::alert::{KeyKind, Verdict};
use app::domain::events_v2::{Action, SAMPLE_TRIGGER};
use app::domain::ids::AlertId;
use app::domain::incident::{DeclareInput, Severity, Status};
use app::domain::metrics::calibration::Doubt;
use app::domain::metrics::period::Period;
use app::domain::metrics::report::{GroupBy, Report, ResponseRow};
use app::domain::postmortem::record::PostmortemStatus;
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{alerts, catalog, postmortems as pm_repo};
use app::server::services::postmortems::{self, ItemInput};
use app::server::services::{alerts as answers, incidents, ingest, integrations, metrics, oncall, paging, policies};
use app::server::testing::{fresh_state, user};
use chrono::{Duration, SecondsFormat, Utc};

fn row<'a>(r: &'a Report, by: GroupBy, name: &str) -> &'a ResponseRow {
    r.response.iter().find(|x| x.by == by && x.name == name).unwrap_or_else(|| panic!("no {by:?} row {name}: {:?}", r.response))
}

async fn the_metrics_read_what_the_logs_recorded(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    let start = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let rota = format!("name: Primary\ntime_zone: UTC\nlayers:\n  - name: Daily\n    start: {start}\n    rotation_virtual_start: {start}\n    rotation_turn_length_seconds: 86400\n    users: [ben@example.com]\n");
    oncall::save_yaml(&state, Some(&ada), None, None, &rota).await.unwrap();
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
    }
    policies::save_yaml(&state, Some(&ada), "name: Solo\nrepeat: 1\nsteps:\n  - delay_minutes: 5\n    targets: [{schedule: Primary}]\n").await.unwrap();
    policies::assign(&state, Some(&ada), "checkout", Some("Solo")).await.unwrap();
    let (_, key) = integrations::create(&state, Some(&ada), "checkout", "Prometheus", KeyKind::EventsV2).await.unwrap();
    let raise = |dedup: &str| SAMPLE_TRIGGER.replace("ROUTING_KEY", &key).replace("samplekeyhere", dedup);
    let newest = || async {
        let mut conn = state.db.pool().acquire().await.unwrap();
        alerts::list(&mut conn, 1).await.unwrap()[0].id
    };

    // an alert pages Ben, who acknowledges it, finds it actionable and declares a SEV2 from it
    ingest::enqueue(&state, raise("checkout-5xx").as_bytes()).await.unwrap();
    let real: AlertId = newest().await;
    assert_eq!(paging::page_due(&state, Utc::now() + Duration::seconds(1)).await.unwrap(), 1);
    answers::answer(&state, Some(&ben), real, Action::Acknowledge).await.unwrap();
    answers::judge(&state, Some(&ben), real, Verdict::Actionable).await.unwrap();
    let input = DeclareInput { title: "Checkout failing".into(), severity: Some(Severity::Sev2), alert: Some(real), ..Default::default() };
    let sev2 = incidents::declare(&state, Some(&ben), input).await.unwrap();
    let mut at = sev2.status;
    for to in [Status::Investigating, Status::Mitigating, Status::Resolved] {
        incidents::change_status(&state, Some(&ben), sev2.id, at, to).await.unwrap();
        at = to;
    }
    // its postmortem (started on resolution) completed at once, one action item left open
    let pm = {
        let mut conn = state.db.pool().acquire().await.unwrap();
        pm_repo::of_incident(&mut conn, sev2.id).await.unwrap().expect("a SEV2 gets a postmortem").id
    };
    let item = ItemInput { title: "Add a canary stage", owner: None, priority: "p1", due_on: "", link: "" };
    postmortems::add_item(&state, Some(&ben), pm, item).await.unwrap();
    postmortems::change_status(&state, Some(&ben), pm, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap();

    // a second alert turns out to be noise
    ingest::enqueue(&state, raise("disk-flap").as_bytes()).await.unwrap();
    let noisy = newest().await;
    assert_ne!(noisy, real);
    answers::answer(&state, Some(&ben), noisy, Action::Acknowledge).await.unwrap();
    answers::judge(&state, Some(&ben), noisy, Verdict::Noise).await.unwrap();

    // a SEV1 declared by hand, detected half an hour before, still being worked on
    let input = DeclareInput {
        title: "Payments down".into(),
        impact: "No payments".into(),
        services: vec!["checkout".into()],
        detected_at: Some(Utc::now() - Duration::minutes(30)),
        severity: Some(Severity::Sev1),
        override_reason: Some("tests".into()),
        ..Default::default()
    };
    let sev1 = incidents::declare(&state, Some(&ben), input).await.unwrap();
    incidents::change_status(&state, Some(&ben), sev1.id, Status::Detected, Status::Investigating).await.unwrap();

    // the last day, as a viewer reads it
    let period = metrics::period(Some("1"), None, None).unwrap();
    let r = metrics::report(&state, Some(&vic), period).await.unwrap();
    let all = row(&r, GroupBy::All, "All");
    assert_eq!((all.incidents, all.incidents_before), (2, 0));
    let s1 = row(&r, GroupBy::Severity, "SEV1");
    assert_eq!(s1.incidents, 1);
    let mttd = s1.detect.now.unwrap().median_s;
    assert!((1795..=1805).contains(&mttd), "detected 30 minutes before it was declared: {mttd} s");
    assert_eq!((s1.acknowledge.now, s1.resolve.now), (None, None), "no alert, still open");
    let s2 = row(&r, GroupBy::Severity, "SEV2");
    assert_eq!(s2.acknowledge.now.map(|s| s.count), Some(1), "paged and acknowledged");
    assert!(s2.acknowledge.now.unwrap().median_s >= 0);
    assert_eq!(s2.resolve.now.map(|s| s.count), Some(1));
    assert_eq!(row(&r, GroupBy::Service, "Checkout").incidents, 2);

    let checkout = r.alerts.iter().find(|a| a.by == GroupBy::Service && a.name == "Checkout").expect("checkout's alerts");
    assert_eq!((checkout.alerts, checkout.led_to_incident, checkout.incidents, checkout.actionable, checkout.noise), (2, 1, 1, 1, 1));
    assert_eq!(checkout.accuracy_percent(), Some(50));
    let f = &r.follow_through;
    assert_eq!((f.postmortems, f.completed, f.completed_in_time, f.items_open, f.items_done), (1, 1, 1, 1, 0));
    // calibration: one SEV1 and one SEV2 declared; the SEV1 reached nobody (no alert, nobody told)
    let declared: Vec<usize> = r.calibration.rows.iter().map(|c| c.declared).collect();
    assert_eq!(declared, [1, 1, 0, 0]);
    let doubtful: Vec<_> = r.calibration.doubtful_sev1s.iter().map(|d| (d.id, d.doubts.clone())).collect();
    assert_eq!(doubtful, [(sev1.id, vec![Doubt::ReachedNobody])]);

    // a month long ago saw nothing; bad periods and anonymous readers are refused
    let r = metrics::report(&state, Some(&vic), Period::between("2020-01-01", "2020-01-31").unwrap()).await.unwrap();
    assert_eq!(row(&r, GroupBy::All, "All").incidents, 0);
    assert!(r.alerts.is_empty());
    assert_eq!(metrics::period(None, Some("2026-02-30"), Some("2026-03-01")).unwrap_err().status_code(), 400);
    assert_eq!(metrics::report(&state, None, period).await.unwrap_err().status_code(), 401);
}

on_both_backends!(the_metrics_read_what_the_logs_recorded);
