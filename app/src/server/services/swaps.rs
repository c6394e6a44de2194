//! Shift swaps: a responder offers a window of their own shift; another takes it, which
//! makes it an override for them over exactly that window; both are told in their inbox.
//! Every step is an event on the schedule's stream, in the transaction that makes it.

use chrono::{DateTime, Duration, Utc};

use crate::domain::ids::{ScheduleId, SwapId};
use crate::domain::log::StreamRef;
use crate::domain::oncall::swap::{holds_window, SwapState};
use crate::domain::oncall::view::ScheduleChange;
use crate::domain::oncall::Override;
use crate::domain::roles::Person;
use crate::domain::text::{checked, Lines};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{audiences, schedules, swaps};
use crate::server::services::oncall::{final_shifts, AHEAD_MAX, OVERRIDE_MAX};
use crate::server::state::AppState;
use crate::server::time::now;

/// The longest note with an offer.
pub const NOTE_MAX: usize = 500;
/// How far in the past an offer may start (the form's "now" is a moment old when it is sent).
const SLACK: Duration = Duration::minutes(5);

/// `actor` offers `[start, end)` of their own shift on `schedule` to the others.
pub async fn offer(
    state: &AppState,
    actor: Option<&CurrentUser>,
    schedule: ScheduleId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    note: &str,
) -> AppResult<SwapId> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let note = checked(note, "note", 0, NOTE_MAX, Lines::Many).map_err(AppError::bad_request)?;
    if end <= start {
        return Err(AppError::bad_request("end: a swap ends after it starts."));
    }
    let at = now();
    if start < at - SLACK {
        return Err(AppError::bad_request("start: a swap cannot begin in the past."));
    }
    if start > at + AHEAD_MAX {
        return Err(AppError::bad_request(format!("start: a swap starts at most {} days ahead.", AHEAD_MAX.num_days())));
    }
    if end - start > OVERRIDE_MAX {
        return Err(AppError::bad_request(format!("end: a swap lasts at most {} days.", OVERRIDE_MAX.num_days())));
    }
    let mut tx = state.db.begin(&[StreamRef::schedule(schedule)]).await?;
    let s = schedules::get(tx.conn(), schedule).await?.ok_or_else(|| AppError::not_found(format!("There is no schedule {schedule}.")))?;
    if !holds_window(&final_shifts(tx.conn(), &s, start, end).await?, actor.id, start, end) {
        return Err(AppError::bad_request(format!("start: you are not on call on {} for all of that window; offer a part of your own shift.", s.name)));
    }
    let open = swaps::list(tx.conn(), schedule, at).await?;
    if open.iter().any(|o| o.state == SwapState::Open && o.offered_by.id == actor.id && o.start < end && start < o.end) {
        return Err(AppError::conflict("start: you have already offered part of that window."));
    }
    let id = swaps::insert(tx.conn(), schedule, actor.id, start, end, &note).await?;
    schedules::record(&mut tx, schedule, Some(&Person::from(actor)), &ScheduleChange::SwapOffered { id, start, end }).await?;
    tx.commit(&state.hub).await?;
    Ok(id)
}

/// `actor` takes an open offer: they are on call for its window instead.
pub async fn take(state: &AppState, actor: Option<&CurrentUser>, schedule: ScheduleId, id: SwapId) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::schedule(schedule)]).await?;
    let s = schedules::get(tx.conn(), schedule).await?.ok_or_else(|| AppError::not_found(format!("There is no schedule {schedule}.")))?;
    let offer = swaps::get(tx.conn(), schedule, id).await?.ok_or_else(|| AppError::not_found(format!("Schedule {schedule} has no swap offer {id}.")))?;
    match (offer.state, &offer.taken_by) {
        (SwapState::Open, _) => {}
        (SwapState::Taken, Some(p)) => return Err(AppError::conflict(format!("{} took this shift already.", p.name))),
        _ => return Err(AppError::conflict(format!("{} withdrew this offer.", offer.offered_by.name))),
    }
    if offer.offered_by.id == actor.id {
        return Err(AppError::bad_request("You offered this shift; withdraw the offer instead."));
    }
    if offer.end <= now() {
        return Err(AppError::conflict("This shift is over."));
    }
    if !holds_window(&final_shifts(tx.conn(), &s, offer.start, offer.end).await?, offer.offered_by.id, offer.start, offer.end) {
        return Err(AppError::conflict(format!(
            "The schedule changed since {} offered this: they are no longer on call for all of it.",
            offer.offered_by.name
        )));
    }
    let override_id = schedules::add_override(tx.conn(), schedule, &Override { user: actor.id, start: offer.start, end: offer.end }, actor.id).await?;
    if !swaps::take(tx.conn(), id, actor.id, override_id).await? {
        return Err(AppError::conflict("Someone took or withdrew this offer just now."));
    }
    let taker = Person::from(actor);
    let change =
        ScheduleChange::SwapTaken { id, offered_by: offer.offered_by.clone(), taken_by: taker.clone(), override_id, start: offer.start, end: offer.end };
    let event = crate::server::repo::log::append_change(&mut tx, StreamRef::schedule(schedule), Some(&taker), change.name(), &change).await?;
    let tz = super::oncall::zone_or_utc(&s.time_zone);
    let link = format!("/oncall/schedules/{}?date={}", schedule, offer.start.with_timezone(&tz).date_naive());
    let at = now();
    let told = [
        (offer.offered_by.id, format!("{} took the shift you offered on {}.", taker.name, s.name)),
        (actor.id, format!("You took {}'s shift on {}: you are on call for it.", offer.offered_by.name, s.name)),
    ];
    for (user, text) in told {
        audiences::deliver_in_app(tx.conn(), user, event.id, None, &link, &text, at).await?;
    }
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The person who offered a shift (or an admin) withdraws the offer.
pub async fn withdraw(state: &AppState, actor: Option<&CurrentUser>, schedule: ScheduleId, id: SwapId) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::schedule(schedule)]).await?;
    let offer = swaps::get(tx.conn(), schedule, id).await?.ok_or_else(|| AppError::not_found(format!("Schedule {schedule} has no swap offer {id}.")))?;
    if offer.offered_by.id != actor.id && !actor.can(Permission::Administer) {
        return Err(AppError::forbidden("Only the person who offered a shift (or an admin) withdraws the offer."));
    }
    if !swaps::withdraw(tx.conn(), id).await? {
        return Err(AppError::conflict("This offer is no longer open."));
    }
    schedules::record(&mut tx, schedule, Some(&Person::from(actor)), &ScheduleChange::SwapWithdrawn { id }).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}
