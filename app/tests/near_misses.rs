//! Near-misses in the store, on SQLite and on PostgreSQL: recorded by responders (checked),
//! listed by when they happened, declared as an incident once only — also when two people
//! declare it at the same moment — and counted in the metrics.
#![cfg(feature = "testing")]

use app::domain::event::EventKind;
use app::domain::ids::NearMissId;
use app::domain::incident::Severity;
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::catalog;
use app::server::services::{metrics, near_misses};
use app::server::testing::{fresh_state, user};
use chrono::{Duration, Utc};

async fn a_near_miss_is_recorded_listed_and_declared_once(b: Backend) {
    let state = fresh_state(b).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "api", "Public API", "").await.unwrap();
    }
    let record = |who, title: &'static str, caught: &'static str, service: &'static str, at| {
        near_misses::record(&state, who, title, "The certificate had two days left.", caught, service, at)
    };
    // checked: what caught it is required, the service must exist, viewers only read
    assert_eq!(record(Some(&ben), "Expired certificate", " ", "api", None).await.unwrap_err().status_code(), 400);
    let e = record(Some(&ben), "Expired certificate", "The weekly check", "nope", None).await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("service:"), "{e:?}");
    assert_eq!(record(Some(&vic), "Expired certificate", "The weekly check", "api", None).await.unwrap_err().status_code(), 403);
    let id = record(Some(&ben), "Expired certificate", "The weekly check", "api", None).await.unwrap();
    let old = record(Some(&ben), "Disk nearly full", "An alert at 90%", "", Some(Utc::now() - Duration::days(45))).await.unwrap();

    let last_month = metrics::period(Some("30"), None, None).unwrap();
    let list = near_misses::list(&state, Some(&vic), last_month).await.unwrap();
    assert_eq!(list.iter().map(|n| n.id).collect::<Vec<_>>(), [id], "by when it happened");
    let n = &list[0];
    assert_eq!((n.title.as_str(), n.caught_by.as_str(), n.recorded_by.name.as_str()), ("Expired certificate", "The weekly check", "Ben"));
    assert_eq!(n.service.as_ref().map(|s| s.slug.as_str()), Some("api"));
    let quarter = near_misses::list(&state, Some(&vic), metrics::period(Some("90"), None, None).unwrap()).await.unwrap();
    assert_eq!(quarter.iter().map(|n| n.id).collect::<Vec<_>>(), [id, old]);

    // two people declare it at the same moment: one incident
    assert_eq!(near_misses::declare(&state, Some(&vic), id, Severity::Sev3).await.unwrap_err().status_code(), 403);
    let (a, b2) = tokio::join!(near_misses::declare(&state, Some(&ben), id, Severity::Sev3), near_misses::declare(&state, Some(&cleo), id, Severity::Sev3));
    let (won, lost) = match (a, b2) {
        (Ok(i), Err(e)) | (Err(e), Ok(i)) => (i, e),
        other => panic!("exactly one declares it: {other:?}"),
    };
    assert_eq!(lost.status_code(), 409, "{lost:?}");
    assert_eq!((won.title.as_str(), won.severity), ("Expired certificate", Severity::Sev3));
    assert_eq!(won.impact, "The certificate had two days left.");
    assert_eq!(won.services.iter().map(|s| s.slug.as_str()).collect::<Vec<_>>(), ["api"]);
    let mut conn = state.db.pool().acquire().await.unwrap();
    let (events, _) = app::server::repo::events::for_incident(&mut conn, won.id).await.unwrap();
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::LinkAdded { label, url } if label == "Near-miss: Expired certificate" && *url == format!("/near-misses#near-miss-{id}"))));
    drop(conn);
    let list = near_misses::list(&state, Some(&vic), last_month).await.unwrap();
    assert_eq!(list[0].incident, Some(won.id));
    assert_eq!(near_misses::declare(&state, Some(&ben), id, Severity::Sev2).await.unwrap_err().status_code(), 409);
    assert_eq!(near_misses::declare(&state, Some(&ben), NearMissId(987_654), Severity::Sev2).await.unwrap_err().status_code(), 404);

    // the month's review counts them
    let r = metrics::report(&state, Some(&vic), last_month).await.unwrap();
    assert_eq!((r.near_misses.recorded, r.near_misses.declared, r.near_misses.recorded_before), (1, 1, 1));
}

/// A near-miss gets a lightweight review (contributing factors, where we got lucky, what we
/// change), kept with it and rewritten as understanding grows.
async fn a_near_miss_gets_a_lightweight_review(b: Backend) {
    let state = fresh_state(b).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    let id = near_misses::record(&state, Some(&ben), "Disk nearly full", "db-7 reached 93%.", "An alert at 90%.", "", None).await.unwrap();
    let review = |who, lucky: &'static str| near_misses::review(&state, who, id, "WAL archiving had stalled for a day.", lucky, "Alert on archiving lag.");
    assert_eq!(review(Some(&vic), "It was a quiet Sunday.").await.unwrap_err().status_code(), 403);
    let e = review(Some(&ben), "  ").await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("Where we got lucky"), "{e:?}");
    let e = near_misses::review(&state, Some(&ben), NearMissId(987_654), "a b c", "d e f", "g h i").await.unwrap_err();
    assert_eq!(e.status_code(), 404);
    review(Some(&ben), "It was a quiet Sunday.").await.unwrap();
    review(Some(&cleo), "It was a quiet Sunday; traffic was a third of a weekday's.").await.unwrap();
    let list = near_misses::list(&state, Some(&vic), metrics::period(Some("30"), None, None).unwrap()).await.unwrap();
    let r = list[0].review.as_ref().unwrap();
    assert_eq!(
        (r.contributing.as_str(), r.lucky.as_str(), r.changes.as_str()),
        ("WAL archiving had stalled for a day.", "It was a quiet Sunday; traffic was a third of a weekday's.", "Alert on archiving lag.")
    );
    assert_eq!(r.by.name, "Cleo");
    assert!((Utc::now() - r.at).num_seconds() < 60);
}

on_both_backends!(a_near_miss_is_recorded_listed_and_declared_once, a_near_miss_gets_a_lightweight_review);
