//! On-call schedules in the store: saving from YAML (the seed's PagerDuty layer one to one),
//! two admins saving at once, overrides and who may make them, the overview, the schedule's
//! stream of events, and bad input that stores nothing.

use app::domain::ids::ScheduleId;
use app::domain::log::{Cursor, StreamRef};
use app::domain::oncall::grid::{Mark, Span};
use app::domain::oncall::view::ScheduleChange;
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::log::Part;
use app::server::services::oncall as svc;
use app::server::services::{schedule_calendar as cal, swaps};
use app::server::testing::{fresh_state, settled_log, user};
use chrono::{Duration, SecondsFormat, SubsecRound, Utc};

/// A weekly rotation of `people` whose turn 0 began `days_ago` days ago, on Berlin's clock.
fn weekly(name: &str, people: &[&str], days_ago: i64) -> String {
    let start = (Utc::now() - Duration::days(days_ago)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let users: String = people.iter().map(|p| format!("      - {p}@example.com\n")).collect();
    format!(
        "name: {name}\ntime_zone: Europe/Berlin\nlayers:\n  - name: Weekly\n    start: {start}\n    rotation_virtual_start: {start}\n    rotation_turn_length_seconds: 604800\n    users:\n{users}"
    )
}

/// A weekly rotation on call 09:00-17:00 Berlin time only.
fn business_hours(name: &str, people: &[&str]) -> String {
    format!(
        "{}    restrictions:\n      - type: daily_restriction\n        start_time_of_day: \"09:00:00\"\n        duration_seconds: 28800\n",
        weekly(name, people, 1)
    )
}

async fn schedules_save_and_say_who_is_on_call(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let (id, v) = svc::save_yaml(&state, Some(&ada), None, None, &weekly("Primary", &["ben", "cleo"], 1)).await.unwrap();
    assert_eq!(v, 1);
    let o = svc::overview(&state, Some(&ben)).await.unwrap();
    let p = &o.schedules[0];
    assert_eq!((p.name.as_str(), p.now.as_ref().unwrap().user, p.next.as_ref().unwrap().user), ("Primary", ben.id, cleo.id));
    assert_eq!(p.now.as_ref().unwrap().end, p.next.as_ref().unwrap().start, "the handoff");
    assert_eq!(o.mine.len(), 1, "Ben is told he is on call");
    assert!(svc::overview(&state, Some(&cleo)).await.unwrap().mine.is_empty());

    // Cleo takes the next two hours herself; she cannot put Ben on call
    // times are kept to the millisecond
    let t = Utc::now().trunc_subsecs(3);
    let (from, to) = (t - Duration::minutes(1), t + Duration::hours(2));
    let over = svc::add_override(&state, Some(&cleo), id, cleo.id, from, to).await.unwrap();
    let o = svc::overview(&state, Some(&cleo)).await.unwrap();
    let now = o.schedules[0].now.clone().unwrap();
    assert!(now.user == cleo.id && now.is_override && now.end == to);
    assert_eq!(o.mine.len(), 1);
    assert_eq!(svc::add_override(&state, Some(&cleo), id, ben.id, from, to).await.unwrap_err().status_code(), 403);
    assert_eq!(svc::remove_override(&state, Some(&ben), id, over).await.unwrap_err().status_code(), 403, "not Ben's to remove");
    svc::remove_override(&state, Some(&cleo), id, over).await.unwrap();
    assert_eq!(svc::overview(&state, Some(&cleo)).await.unwrap().schedules[0].now.as_ref().unwrap().user, ben.id);

    // Ben, on call, leaves a note for the handoff to Cleo; only the person on call can
    assert_eq!(svc::write_handoff_note(&state, Some(&cleo), id, "not mine to write").await.unwrap_err().status_code(), 403);
    assert_eq!(svc::write_handoff_note(&state, Some(&ben), id, "  ").await.unwrap_err().status_code(), 400);
    svc::write_handoff_note(&state, Some(&ben), id, "db-7 disk at 80%; runbook step 3 done").await.unwrap();
    let p = svc::overview(&state, Some(&cleo)).await.unwrap().schedules.remove(0);
    let note = p.note_out.expect("the note for the next handoff");
    assert_eq!((note.author.as_str(), note.body.as_str()), ("Ben", "db-7 disk at 80%; runbook step 3 done"));
    assert_eq!(note.handoff_at, p.next.unwrap().start, "it belongs to the handoff to Cleo");
    assert!(p.note_in.is_none());

    // two admins change version 1 at once: one wins, the other is told why
    let (_, v2) = svc::save_yaml(&state, Some(&ada), Some(id), Some(1), &weekly("Primary", &["cleo", "ben"], 1)).await.unwrap();
    assert_eq!(v2, 2);
    let late = svc::save_yaml(&state, Some(&ada), Some(id), Some(1), &weekly("Primary", &["ben"], 1)).await.unwrap_err();
    assert_eq!(late.status_code(), 409);
    assert!(late.message.contains("version 2"), "{}", late.message);
    assert_eq!(svc::overview(&state, Some(&ada)).await.unwrap().schedules[0].now.as_ref().unwrap().user, cleo.id);

    // every change is on the schedule's stream, in order
    let rows = settled_log(&state.db, Part::One(StreamRef::schedule(id)), Cursor::START).await;
    let kinds: Vec<ScheduleChange> = rows.iter().map(|r| serde_json::from_str(&r.payload).unwrap()).collect();
    let names: Vec<&str> = kinds.iter().map(ScheduleChange::name).collect();
    assert_eq!(names, ["schedule_saved", "override_added", "override_removed", "handoff_note_written", "schedule_saved"]);
    assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
}

async fn bad_schedules_and_overrides_store_nothing(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let good = weekly("Primary", &["ada", "ben"], 1);
    let refused = |yaml: String, who| {
        let state = state.clone();
        async move { svc::save_yaml(&state, Some(who), None, None, &yaml).await.unwrap_err() }
    };
    for (yaml, says) in [
        (good.replace("Europe/Berlin", "Mars/Olympus"), "time_zone:"),
        (good.replace("604800", "0"), "layers[0].rotation_turn_length_seconds:"),
        (good.replace("ben@example.com", "zoe@example.com"), "layers[0].users[1]: nobody"),
        (
            format!("{good}    restrictions:\n      - type: daily_restriction\n        start_time_of_day: \"09:00:00\"\n        duration_seconds: 0\n"),
            "layers[0].restrictions[0].duration_seconds:",
        ),
        (good.replace("name: Primary", "name: \"\""), "name:"),
        ("layers: [".to_string(), "The YAML is not a schedule"),
    ] {
        let e = refused(yaml, &ada).await;
        assert_eq!(e.status_code(), 400, "{says}");
        assert!(e.message.contains(says), "{:?} should say {says:?}", e.message);
    }
    assert_eq!(refused(good.clone(), &ben).await.status_code(), 403, "only admins save schedules");
    assert!(svc::overview(&state, Some(&ada)).await.unwrap().schedules.is_empty(), "nothing stored");

    let (id, _) = svc::save_yaml(&state, Some(&ada), None, None, &good).await.unwrap();
    assert_eq!(refused(good.clone(), &ada).await.status_code(), 409, "the name is taken");
    let t = Utc::now();
    for (start, end, field) in [
        (t + Duration::hours(2), t + Duration::hours(1), "end:"),
        (t + Duration::days(400), t + Duration::days(401), "start:"),
        (t, t + Duration::days(91), "end:"),
        (t - Duration::days(3), t - Duration::days(2), "end:"),
    ] {
        let e = svc::add_override(&state, Some(&ada), id, ben.id, start, end).await.unwrap_err();
        assert_eq!(e.status_code(), 400);
        assert!(e.message.starts_with(field), "{:?}", e.message);
    }
    let e = svc::add_override(&state, Some(&ada), id, app::domain::ids::UserId(999), t, t + Duration::hours(1)).await.unwrap_err();
    assert!(e.message.starts_with("user:"), "{:?}", e.message);
    assert_eq!(svc::add_override(&state, Some(&ada), ScheduleId(999), ben.id, t, t + Duration::hours(1)).await.unwrap_err().status_code(), 404);
    let rows = settled_log(&state.db, Part::One(StreamRef::schedule(id)), Cursor::START).await;
    assert_eq!(rows.len(), 1, "only the schedule's saving is on its stream");
}

async fn checks_find_gaps_load_and_long_stretches(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    // business hours only: nights have nobody
    let day = business_hours("Days", &["ben"]);
    svc::save_yaml(&state, Some(&ada), None, None, &day).await.unwrap();
    // two-week turns: longer than the seeds allow
    svc::save_yaml(&state, Some(&ada), None, None, &weekly("Fortnight", &["ada", "ben"], 1).replace("604800", "1209600")).await.unwrap();
    let fortnight_id = svc::overview(&state, Some(&ada)).await.unwrap().schedules.iter().find(|s| s.name == "Fortnight").unwrap().id;
    // Ben stood in for Ada for the last two hours (and the next one)
    let t = Utc::now();
    svc::add_override(&state, Some(&ada), fortnight_id, ben.id, t - Duration::hours(2), t + Duration::hours(1)).await.unwrap();
    let checks = svc::checks(&state, Some(&ada)).await.unwrap();
    let (days, fortnight) = (&checks[0], &checks[1]);
    let of = |name: &str| fortnight.load.iter().find(|l| l.name == name).unwrap().clone();
    // what happened, against what the rotation alone planned (it began a day ago, with Ada)
    assert_eq!((of("Ben").last_90_minutes, of("Ben").planned_last_90_minutes), (120, 0));
    assert_eq!((of("Ada").last_90_minutes, of("Ada").planned_last_90_minutes), (22 * 60, 24 * 60));
    assert_eq!((days.name.as_str(), fortnight.name.as_str()), ("Days", "Fortnight"));
    assert!(days.gaps.len() >= 29, "a gap every night: {}", days.gaps.len());
    assert!(days.long_stretches.is_empty());
    let ben_days = days.load.iter().find(|l| l.name == "Ben").unwrap();
    // 8 hours a day for 90 days, give or take the ends and a daylight-saving change
    assert!((88 * 8 * 60..=91 * 8 * 60).contains(&ben_days.next_90_minutes), "{ben_days:?}");
    assert!(ben_days.night_next_90_minutes == 0, "09:00-17:00 is never night");
    assert!(fortnight.gaps.is_empty());
    assert!(!fortnight.long_stretches.is_empty());
    let total: i64 = fortnight.load.iter().map(|l| l.next_90_minutes).sum();
    // (each person's minutes are rounded down)
    assert!((90 * 24 * 60 - 2..=90 * 24 * 60).contains(&total), "someone is always on call: {total}");
    assert!(fortnight.load.iter().all(|l| l.night_next_90_minutes > 0));
    assert_eq!(svc::checks(&state, Some(&ben)).await.unwrap_err().status_code(), 403);
}

/// Ben offers two hours of his shift; Cleo takes them and is on call for exactly that
/// window instead (marked a swap on the calendar); both are told; the offer cannot be taken
/// twice, nor offered by someone whose shift it is not.
async fn swaps_become_overrides_and_both_are_told(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let (id, _) = svc::save_yaml(&state, Some(&ada), None, None, &weekly("Primary", &["ben", "cleo"], 1)).await.unwrap();
    let t = Utc::now().trunc_subsecs(3);
    let (from, to) = (t + Duration::hours(1), t + Duration::hours(3));
    // not Cleo's shift to offer; nor a window in the past, or back to front
    let e = swaps::offer(&state, Some(&cleo), id, from, to, "").await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("start: you are not on call on Primary"), "{e:?}");
    assert!(swaps::offer(&state, Some(&ben), id, t - Duration::hours(2), to, "").await.unwrap_err().message.starts_with("start:"));
    assert!(swaps::offer(&state, Some(&ben), id, to, from, "").await.unwrap_err().message.starts_with("end:"));
    let offer = swaps::offer(&state, Some(&ben), id, from, to, "dentist").await.unwrap();
    assert_eq!(swaps::offer(&state, Some(&ben), id, from + Duration::minutes(30), to, "").await.unwrap_err().status_code(), 409, "offered already");
    assert_eq!(swaps::take(&state, Some(&ben), id, offer).await.unwrap_err().status_code(), 400, "his own offer");
    assert_eq!(swaps::withdraw(&state, Some(&cleo), id, offer).await.unwrap_err().status_code(), 403, "not hers to withdraw");
    swaps::take(&state, Some(&cleo), id, offer).await.unwrap();
    let again = swaps::take(&state, Some(&ada), id, offer).await.unwrap_err();
    assert!(again.status_code() == 409 && again.message.contains("Cleo took this shift already"), "{again:?}");

    // the final schedule: Cleo inside the window, Ben on either side
    let date = Some(from.date_naive());
    let c = cal::calendar(&state, Some(&ben), id, Span::Week, date, Some("Asia/Tokyo")).await.unwrap();
    assert_eq!(c.zone, "Asia/Tokyo");
    let bars: Vec<_> = c.days.iter().flat_map(|d| d.bars.iter()).collect();
    let swapped: Vec<_> = bars.iter().filter(|b| b.mark == Mark::Swap).collect();
    assert!(!swapped.is_empty() && swapped.iter().all(|b| b.user == cleo.id && b.shift_start == from && b.shift_end == to), "{swapped:?}");
    assert!(bars.iter().any(|b| b.user == ben.id && b.shift_end == from) && bars.iter().any(|b| b.user == ben.id && b.shift_start == to));
    assert_eq!(c.offers.len(), 1);
    assert_eq!(c.offers[0].taken_by.as_ref().map(|p| p.id), Some(cleo.id));
    assert_eq!(c.users, vec![(ben.id, "Ben".to_string())], "a responder puts only themselves on call");

    // both are told, with a link to the week of the swap
    let told = |u| {
        let state = state.clone();
        async move { app::server::services::notifications::inbox(&state, Some(&u)).await.unwrap() }
    };
    let (to_ben, to_cleo) = (told(ben.clone()).await, told(cleo.clone()).await);
    assert_eq!(to_ben[0].text, "Cleo took the shift you offered on Primary.");
    assert_eq!(to_cleo[0].text, "You took Ben's shift on Primary: you are on call for it.");
    assert!(to_ben[0].link.starts_with(&format!("/oncall/schedules/{id}?date=")), "{}", to_ben[0].link);

    // an offer the schedule has since moved from cannot be taken
    let (later, end) = (t + Duration::hours(5), t + Duration::hours(6));
    let stale = swaps::offer(&state, Some(&ben), id, later, end, "").await.unwrap();
    svc::add_override(&state, Some(&ada), id, ada.id, later, end).await.unwrap();
    let e = swaps::take(&state, Some(&cleo), id, stale).await.unwrap_err();
    assert!(e.status_code() == 409 && e.message.contains("no longer on call"), "{e:?}");
    swaps::withdraw(&state, Some(&ben), id, stale).await.unwrap();
    assert_eq!(swaps::take(&state, Some(&cleo), id, stale).await.unwrap_err().status_code(), 409);

    let rows = settled_log(&state.db, Part::One(StreamRef::schedule(id)), Cursor::START).await;
    let names: Vec<String> = rows.iter().map(|r| r.kind.clone()).collect();
    assert_eq!(names, ["schedule_saved", "swap_offered", "swap_taken", "swap_offered", "override_added", "swap_withdrawn"]);
}

/// Night hours are counted on each person's own clock once they set their zone: a Berlin
/// business-hours shift is the middle of the night in Los Angeles.
async fn night_hours_follow_each_persons_zone(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let day = business_hours("Days", &["ben"]);
    let (id, _) = svc::save_yaml(&state, Some(&ada), None, None, &day).await.unwrap();
    let load = |state: app::server::state::AppState| {
        let ada = ada.clone();
        async move { svc::checks(&state, Some(&ada)).await.unwrap()[0].load[0].clone() }
    };
    let before = load(state.clone()).await;
    assert_eq!((before.night_next_90_minutes, before.zone.as_str()), (0, "Europe/Berlin"));
    let e = svc::set_time_zone(&state, Some(&ben), "Pacific/Atlantis").await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("time_zone:"), "{e:?}");
    svc::set_time_zone(&state, Some(&ben), "America/Los_Angeles").await.unwrap();
    assert_eq!(svc::overview(&state, Some(&ben)).await.unwrap().my_zone.as_deref(), Some("America/Los_Angeles"));
    let after = load(state.clone()).await;
    assert_eq!(after.zone, "America/Los_Angeles");
    // 09:00-17:00 in Berlin is 00:00-08:00 in Los Angeles: 7 of its hours are before 07:00
    // (one hour more or less on the days the two zones change their clocks apart)
    assert!((86 * 7 * 60..=92 * 7 * 60).contains(&after.night_next_90_minutes), "{after:?}");
    svc::set_time_zone(&state, Some(&ben), "").await.unwrap();
    assert_eq!(load(state.clone()).await.night_next_90_minutes, 0, "cleared: the schedule's zone again");
    let e = cal::calendar(&state, Some(&ben), id, Span::Month, None, Some("Nowhere/Land")).await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("tz:"), "{e:?}");
}

on_both_backends!(
    schedules_save_and_say_who_is_on_call,
    bad_schedules_and_overrides_store_nothing,
    checks_find_gaps_load_and_long_stretches,
    swaps_become_overrides_and_both_are_told,
    night_hours_follow_each_persons_zone
);
