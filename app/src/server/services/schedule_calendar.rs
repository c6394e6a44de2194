//! A schedule's calendar page: a week or a month of its final shifts drawn on the reader's
//! clock, who is who, and its swap offers.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};

use crate::domain::ids::{ScheduleId, UserId};
use crate::domain::oncall::grid::{colours, layout, range, Mark, Span};
use crate::domain::oncall::view::ScheduleCalendar;
use crate::domain::oncall::{final_schedule, Override, Source};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{log, schedules, swaps, users};
use crate::server::services::oncall::{zone, zone_or_utc};
use crate::server::state::AppState;
use crate::server::time::now;

/// How far past the calendar's ends shifts are read.
const MARGIN: Duration = Duration::days(35);

/// The calendar of schedule `id` for the week or month holding `date` (today when none),
/// drawn in `tz` (the schedule's own zone when none).
pub async fn calendar(
    state: &AppState,
    actor: Option<&CurrentUser>,
    id: ScheduleId,
    span: Span,
    date: Option<NaiveDate>,
    tz: Option<&str>,
) -> AppResult<ScheduleCalendar> {
    let me = require(actor, Permission::ReadInternal)?;
    let mut tx = state.db.begin_read().await?;
    // read where the log stands first: whatever changes after is sent live
    let cursor = log::readable_end(&mut tx).await?;
    let s = schedules::get(&mut tx, id).await?.ok_or_else(|| AppError::not_found(format!("There is no schedule {id}.")))?;
    let zone = match tz.map(str::trim).filter(|z| !z.is_empty()) {
        Some(z) => zone(z).map_err(|_| AppError::bad_request(format!("tz: {z:?} is not a time zone (use an IANA name such as Europe/Berlin).")))?,
        None => zone_or_utc(&s.time_zone),
    };
    let at = now();
    let date = date.unwrap_or_else(|| at.with_timezone(&zone).date_naive());
    let (from, to) = range(&zone, span, date);
    // whole shifts, so a shift that runs past the calendar's ends shows its real start and end
    let (from, to) = (from - MARGIN, to + MARGIN);
    let found = schedules::overrides(&mut tx, id, from, to).await?;
    let swapped: HashSet<_> = swaps::override_ids(&mut tx, id).await?.into_iter().collect();
    let overrides: Vec<Override> = found.iter().map(|(_, o)| *o).collect();
    let shifts = final_schedule(&zone_or_utc(&s.time_zone), &s.layers, &overrides, from, to);
    let people = colours(s.layers.iter().flat_map(|l| l.participants.iter().copied()).chain(overrides.iter().map(|o| o.user)));
    let colour: HashMap<UserId, u8> = people.iter().copied().collect();
    let mark = |sh: &crate::domain::oncall::Shift| match sh.source {
        Source::Layer { .. } => Mark::Rotation,
        Source::Override { index } if found.get(index).is_some_and(|(oid, _)| swapped.contains(oid)) => Mark::Swap,
        Source::Override { .. } => Mark::Override,
    };
    let days = layout(&zone, span, date, &shifts, mark, |u| colour.get(&u).copied().unwrap_or(0));
    let everyone = users::list(&mut tx).await?;
    let names: HashMap<UserId, String> = everyone.iter().map(|u| (u.id, u.name.clone())).collect();
    let offers = swaps::list(&mut tx, id, at - Duration::days(7)).await?;
    tx.commit().await?;
    let users = if me.can(Permission::Administer) { everyone.into_iter().map(|u| (u.id, u.name)).collect() } else { vec![(me.id, me.name.clone())] };
    Ok(ScheduleCalendar {
        id,
        name: s.name,
        time_zone: s.time_zone,
        zone: zone.name().to_string(),
        span,
        date,
        prev: span.step(date, false),
        next: span.step(date, true),
        days,
        people: people.into_iter().map(|(u, c)| (u, names.get(&u).cloned().unwrap_or_else(|| format!("user {u}")), c)).collect(),
        overrides: found,
        offers,
        users,
        at,
        now_local: crate::domain::oncall::wall_clock(&zone, at),
        cursor,
    })
}
