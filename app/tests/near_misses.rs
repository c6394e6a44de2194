//! Near-misses in the store, on SQLite and on PostgreSQL: recorded by responders (checked),
//! listed by when they happened, declared as an incident once only — also when two people
//! declare it at the same moment — counted in the metrics, and reviewed in a lightweight
//! postmortem of their own.
#![cfg(feature = "testing")]

use app::domain::event::EventKind;
use app::domain::ids::NearMissId;
use app::domain::incident::Severity;
use app::domain::postmortem::record::{ItemStatus, PostmortemStatus, Subject};
use app::domain::postmortem::template::Depth;
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::catalog;
use app::server::services::postmortems::{self, ItemInput};
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

/// A near-miss's lightweight review is a postmortem of its own: started once (also by two
/// people at once), pre-filled from the near-miss and from a review written on its card,
/// its action items tracked to done like any postmortem's, reopened once complete only by an
/// admin or whoever recorded the near-miss, who is also the one reminded when it is late. A
/// near-miss declared as an incident is reviewed in the incident's postmortem instead.
async fn a_near_miss_review_is_a_postmortem_of_its_own(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    let id = near_misses::record(&state, Some(&ben), "Disk nearly full", "db-7 reached 93%.", "An alert at 90%.", "", None).await.unwrap();
    {
        // a review written on its card, as reviews were kept before they were documents
        let mut conn = state.db.pool().acquire().await.unwrap();
        sqlx::query(
            "UPDATE near_misses SET review_contributing = $1, review_lucky = $2, review_changes = $3, reviewed_by = $4, reviewed_at_ms = $5 WHERE id = $6",
        )
        .bind("WAL archiving had stalled for a day.")
        .bind("It was a quiet Sunday.")
        .bind("Alert on archiving lag.")
        .bind(ben.id.0)
        .bind(Utc::now().timestamp_millis())
        .bind(id.0)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    assert_eq!(postmortems::start_review(&state, Some(&vic), id).await.unwrap_err().status_code(), 403);
    assert_eq!(postmortems::start_review(&state, Some(&ben), NearMissId(987_654)).await.unwrap_err().status_code(), 404);
    let (x, y) = tokio::join!(postmortems::start_review(&state, Some(&ben), id), postmortems::start_review(&state, Some(&cleo), id));
    let pm = x.unwrap();
    assert_eq!(y.unwrap(), pm, "one review, whoever presses");
    assert_eq!(postmortems::start_review(&state, Some(&cleo), id).await.unwrap(), pm);

    let v = postmortems::load(&state, Some(&vic), pm).await.unwrap();
    assert_eq!((v.subject, v.subject_title.as_str(), v.severity, v.depth), (Subject::NearMiss(id), "Disk nearly full", None, Depth::Lightweight));
    let due = v.due.unwrap() - Utc::now();
    assert!(due > Duration::hours(47) && due <= Duration::hours(48), "due in 48 hours: {due}");
    assert!(v.body.starts_with("# Near-miss review: Disk nearly full\n"), "{}", v.body);
    assert!(v.body.contains("## What almost happened\n\ndb-7 reached 93%.\n\n## What caught it\n\nAn alert at 90%.\n"), "{}", v.body);
    assert!(v.body.contains("## Where we got lucky\n\nIt was a quiet Sunday.\n"), "from the card: {}", v.body);
    let period = metrics::period(Some("30"), None, None).unwrap();
    let n = near_misses::list(&state, Some(&vic), period).await.unwrap().remove(0);
    assert_eq!(n.postmortem, Some((pm, PostmortemStatus::Draft)));
    let day = n.occurred_at.date_naive();
    assert_eq!(v.subject_href, format!("/near-misses?from={day}&to={day}#near-miss-{id}"), "the near-miss, on the list of its day");

    // its action items are tracked like any postmortem's
    let input = ItemInput { title: "Alert on archiving lag", owner: Some(cleo.id), priority: "p2", due_on: "", link: "" };
    let item = postmortems::add_item(&state, Some(&ben), pm, input).await.unwrap();
    let listed = postmortems::action_items(&state, Some(&vic)).await.unwrap();
    let it = listed.iter().find(|i| i.id == item).unwrap();
    assert_eq!((it.subject, it.subject_title.as_str(), it.postmortem), (Subject::NearMiss(id), "Disk nearly full", pm));
    postmortems::set_item_status(&state, Some(&cleo), item, ItemStatus::Done).await.unwrap();
    assert_eq!(postmortems::load(&state, Some(&vic), pm).await.unwrap().items[0].status, ItemStatus::Done);
    // the incident list and its metrics know nothing of it
    assert!(app::server::services::incidents::list(&state, Some(&vic)).await.unwrap().postmortems.is_empty());

    // late: whoever recorded the near-miss is reminded, once
    assert_eq!(postmortems::remind_overdue(&state, Utc::now() + Duration::hours(49)).await.unwrap(), 1);
    assert_eq!(postmortems::remind_overdue(&state, Utc::now() + Duration::hours(49)).await.unwrap(), 0);
    let inbox = |who| {
        let state = state.clone();
        async move {
            let items = app::server::services::notifications::inbox(&state, Some(&who)).await.unwrap();
            items.into_iter().filter(|i| i.text.contains("overdue")).map(|i| (i.text, i.link)).collect::<Vec<_>>()
        }
    };
    assert_eq!(inbox(ben.clone()).await, [("Near-miss review overdue: Disk nearly full".to_string(), format!("/postmortems/{pm}"))]);
    assert!(inbox(cleo.clone()).await.is_empty());

    // complete; reopened only by an admin or whoever recorded it
    postmortems::change_status(&state, Some(&cleo), pm, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap();
    let e = postmortems::change_status(&state, Some(&cleo), pm, PostmortemStatus::Complete, PostmortemStatus::Draft).await.unwrap_err();
    assert_eq!(e.status_code(), 403, "{e:?}");
    postmortems::change_status(&state, Some(&ben), pm, PostmortemStatus::Complete, PostmortemStatus::InReview).await.unwrap();
    postmortems::change_status(&state, Some(&ben), pm, PostmortemStatus::InReview, PostmortemStatus::Complete).await.unwrap();
    postmortems::change_status(&state, Some(&ada), pm, PostmortemStatus::Complete, PostmortemStatus::Draft).await.unwrap();

    // declared as an incident: reviewed in the incident's postmortem
    let other =
        near_misses::record(&state, Some(&ben), "Certificate two days from expiry", "The API's certificate.", "The weekly check.", "", None).await.unwrap();
    near_misses::declare(&state, Some(&ben), other, Severity::Sev3).await.unwrap();
    let e = postmortems::start_review(&state, Some(&ben), other).await.unwrap_err();
    assert!(e.status_code() == 409 && e.message.contains("incident's postmortem"), "{e:?}");
}

on_both_backends!(a_near_miss_is_recorded_listed_and_declared_once, a_near_miss_review_is_a_postmortem_of_its_own);
