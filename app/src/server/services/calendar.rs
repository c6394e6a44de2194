//! iCalendar (RFC 5545) feeds of on-call shifts, per schedule and per person, at a URL with
//! a secret token: one event per final shift (overrides applied), from a month back to a
//! year and a month ahead, in UTC, with ids that stay the same while the shift does.
//! Anyone signed in may take a schedule's feed; a person's feed is their own. Revoking a
//! feed gives it a new URL and the old one stops answering.

use std::collections::HashMap;

use chrono::Duration;
use icalendar::{Calendar, Component, EventLike};

use crate::domain::ids::{ScheduleId, UserId};
use crate::domain::oncall::calendar::{events, CalendarEvent};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::calendars::{self, Feed};
use crate::server::repo::{schedules, users};
use crate::server::services::oncall::final_shifts;
use crate::server::state::AppState;
use crate::server::time::now;

/// How far back and ahead a feed reaches.
const BACK: Duration = Duration::days(31);
const AHEAD: Duration = Duration::days(400);

fn new_token() -> String {
    let bytes: [u8; 24] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn feed_of(actor: &CurrentUser, schedule: Option<ScheduleId>) -> Feed {
    schedule.map_or(Feed::Person(actor.id), Feed::Schedule)
}

/// The token of a schedule's feed (`schedule`) or of the reader's own (`None`), made the
/// first time it is asked for.
pub async fn token(state: &AppState, actor: Option<&CurrentUser>, schedule: Option<ScheduleId>) -> AppResult<String> {
    let actor = require(actor, Permission::ReadInternal)?;
    let feed = feed_of(actor, schedule);
    let mut tx = state.db.begin(&[]).await?;
    if let Feed::Schedule(id) = feed {
        schedules::get(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no schedule {id}.")))?;
    }
    if let Some(t) = calendars::token(tx.conn(), feed).await? {
        return Ok(t);
    }
    let t = new_token();
    calendars::create(tx.conn(), feed, &t, actor.id).await?;
    tx.commit_quiet().await?;
    Ok(t)
}

/// Ends a feed's URL and gives it a new one (admins for a schedule's; anyone for their own).
pub async fn revoke(state: &AppState, actor: Option<&CurrentUser>, schedule: Option<ScheduleId>) -> AppResult<String> {
    let actor = require(actor, Permission::ReadInternal)?;
    if schedule.is_some() && !actor.can(Permission::Administer) {
        return Err(AppError::forbidden("Only admins can revoke a schedule's calendar feed."));
    }
    let feed = feed_of(actor, schedule);
    let mut tx = state.db.begin(&[]).await?;
    calendars::revoke(tx.conn(), feed).await?;
    let t = new_token();
    calendars::create(tx.conn(), feed, &t, actor.id).await?;
    tx.commit_quiet().await?;
    Ok(t)
}

/// The feed a token shows, as iCalendar text; `None` for an unknown or revoked token.
pub async fn render(state: &AppState, token: &str) -> AppResult<Option<String>> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    // whole UTC days, so the feed reads the same all day long (and its entity tag holds);
    // only the shifts cut at its two ends change, once a day
    let today = now().date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let (from, to) = (today - BACK, today + AHEAD);
    let mut tx = state.db.begin_read().await?;
    let Some(feed) = calendars::by_token(&mut tx, token).await? else { return Ok(None) };
    let names: HashMap<UserId, String> = users::list(&mut tx).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let name_of = |u: UserId| names.get(&u).cloned().unwrap_or_else(|| format!("user {u}"));
    let all = schedules::list(&mut tx).await?;
    let mut out: Vec<CalendarEvent> = vec![];
    let title = match feed {
        Feed::Schedule(id) => all.iter().find(|s| s.id == id).map(|s| format!("On call: {}", s.name)).unwrap_or_default(),
        Feed::Person(u) => format!("On call: {}", name_of(u)),
    };
    for s in all.iter().filter(|s| matches!(feed, Feed::Person(_)) || feed == Feed::Schedule(s.id)) {
        let mut shifts = final_shifts(&mut tx, s, from, to).await?;
        if let Feed::Person(u) = feed {
            shifts.retain(|sh| sh.user == u);
        }
        out.extend(events(s.id, &s.name, &shifts, name_of));
    }
    tx.commit().await?;
    Ok(Some(ical(&title, &out)))
}

/// The calendar text: RFC 5545, CRLF line ends, long lines folded (by `icalendar`).
fn ical(title: &str, events: &[CalendarEvent]) -> String {
    let mut cal = Calendar::new();
    cal.name(title);
    for e in events {
        // DTSTAMP is the shift's start, not the time of reading, so an unchanged feed reads
        // the same byte for byte (and its entity tag holds)
        cal.push(icalendar::Event::new().uid(&e.uid).summary(&e.summary).starts(e.start).ends(e.end).timestamp(e.start).done());
    }
    cal.done().to_string()
}
