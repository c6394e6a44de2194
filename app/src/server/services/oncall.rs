//! Who is on call: saving schedules (admins, as YAML), overrides (responders for themselves,
//! admins for anyone), and the overview `/oncall` shows. Every change is an event on the
//! schedule's stream, in the transaction that makes it.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::domain::ids::{OverrideId, ScheduleId, UserId};
use crate::domain::log::StreamRef;
use crate::domain::oncall::doc::{layers, ScheduleDoc, NAME_MAX};
use crate::domain::oncall::view::{now_and_next, Load, Overview, ScheduleChange, ScheduleChecks, ScheduleNow, ShiftView};
use crate::domain::oncall::{final_schedule, Override, Shift, Source};
use crate::domain::roles::Person;
use crate::domain::text::{checked, Lines};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{schedules, users};
use crate::server::state::AppState;
use crate::server::time::now;

/// The longest schedule document accepted.
pub const YAML_MAX: usize = 64 * 1024;
/// An override lasts at most this long…
pub const OVERRIDE_MAX: Duration = Duration::days(90);
/// …and starts at most this far ahead.
pub const AHEAD_MAX: Duration = Duration::days(366);
/// How far ahead the overview looks for the next shift.
const LOOK_AHEAD: Duration = Duration::days(62);

/// An IANA time zone, or a 400 naming the field `time_zone`.
pub fn zone(name: &str) -> AppResult<chrono_tz::Tz> {
    chrono_tz::Tz::from_str(name.trim())
        .map_err(|_| AppError::bad_request(format!("time_zone: {:?} is not a time zone (use an IANA name such as Europe/Berlin).", name.trim())))
}

/// A stored zone name (checked when it was saved), read back.
pub fn zone_or_utc(name: &str) -> chrono_tz::Tz {
    chrono_tz::Tz::from_str(name).unwrap_or(chrono_tz::UTC)
}

/// Saves a schedule from its YAML: a new one (`id` none), or schedule `id` as it was at
/// `version` (when someone saved it since, nothing is saved and the caller is told).
/// Returns the schedule and its new version.
pub async fn save_yaml(
    state: &AppState,
    actor: Option<&CurrentUser>,
    id: Option<ScheduleId>,
    version: Option<i64>,
    yaml: &str,
) -> AppResult<(ScheduleId, i64)> {
    let actor = require(actor, Permission::Administer)?;
    if yaml.len() > YAML_MAX {
        return Err(AppError::bad_request(format!("A schedule is at most {} KB of YAML.", YAML_MAX / 1024)));
    }
    let doc: ScheduleDoc = serde_yaml_ng::from_str(yaml).map_err(|e| AppError::bad_request(format!("The YAML is not a schedule: {e}")))?;
    let name = checked(&doc.name, "name: the schedule's name", 1, NAME_MAX, Lines::One).map_err(AppError::bad_request)?;
    let description = checked(&doc.description, "description", 0, 1000, Lines::Many).map_err(AppError::bad_request)?;
    let tz = zone(&doc.time_zone)?;
    let people: HashMap<String, UserId> = {
        let mut conn = state.db.pool().acquire().await?;
        users::list(&mut conn).await?.into_iter().map(|u| (u.email.to_lowercase(), u.id)).collect()
    };
    let layers = layers(&doc, &tz, |email| people.get(&email.to_lowercase()).copied()).map_err(AppError::bad_request)?;
    let mut s = schedules::Stored { id: ScheduleId(0), name, time_zone: tz.name().to_string(), description, layers, source_yaml: yaml.to_string(), version: 1 };
    let streams: Vec<StreamRef> = id.map(StreamRef::schedule).into_iter().collect();
    let mut tx = state.db.begin(&streams).await?;
    if schedules::name_taken(tx.conn(), &s.name, id).await? {
        return Err(AppError::conflict(format!("name: there is a schedule named {:?} already.", s.name)));
    }
    let saved = match id {
        None => {
            s.id = schedules::insert(tx.conn(), &s).await?;
            // a new stream: nobody else can write to it before this commits
            tx.lock_new(StreamRef::schedule(s.id)).await?;
            1
        }
        Some(id) => {
            let current = schedules::get(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no schedule {id}.")))?;
            let expected = version.ok_or_else(|| AppError::bad_request("version: say which version of the schedule you changed."))?;
            s.id = id;
            s.version = expected;
            match schedules::update(tx.conn(), &s).await? {
                Some(v) => v,
                None => {
                    return Err(AppError::conflict(format!(
                        "Someone else saved this schedule since you opened it (it is at version {}, you changed version {expected}); reload it and make your change again.",
                        current.version
                    )))
                }
            }
        }
    };
    schedules::record(&mut tx, s.id, Some(&Person::from(actor)), &ScheduleChange::Saved { name: s.name.clone(), version: saved }).await?;
    tx.commit(&state.hub).await?;
    Ok((s.id, saved))
}

/// Puts `user` on call on `schedule` from `start` to `end`. Responders may do it for
/// themselves, admins for anyone.
pub async fn add_override(
    state: &AppState,
    actor: Option<&CurrentUser>,
    schedule: ScheduleId,
    user: UserId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> AppResult<OverrideId> {
    let actor = require(actor, Permission::WorkIncidents)?;
    if user != actor.id && !actor.can(Permission::Administer) {
        return Err(AppError::forbidden("Only admins can put someone else on call; you can take a shift yourself."));
    }
    if end <= start {
        return Err(AppError::bad_request("end: an override ends after it starts."));
    }
    if end - start > OVERRIDE_MAX {
        return Err(AppError::bad_request(format!("end: an override lasts at most {} days.", OVERRIDE_MAX.num_days())));
    }
    let at = now();
    if start > at + AHEAD_MAX {
        return Err(AppError::bad_request(format!("start: an override starts at most {} days ahead.", AHEAD_MAX.num_days())));
    }
    if end <= at {
        return Err(AppError::bad_request("end: an override cannot be wholly in the past."));
    }
    let mut tx = state.db.begin(&[StreamRef::schedule(schedule)]).await?;
    if schedules::get(tx.conn(), schedule).await?.is_none() {
        return Err(AppError::not_found(format!("There is no schedule {schedule}.")));
    }
    let who = users::list(tx.conn())
        .await?
        .into_iter()
        .find(|u| u.id == user)
        .ok_or_else(|| AppError::bad_request(format!("user: there is no active user {user}.")))?;
    let o = Override { user, start, end };
    let id = schedules::add_override(tx.conn(), schedule, &o, actor.id).await?;
    let change = ScheduleChange::OverrideAdded { id, person: Person { id: who.id, name: who.name }, start, end };
    schedules::record(&mut tx, schedule, Some(&Person::from(actor)), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(id)
}

/// Removes an override: one's own, or (admins) anyone's.
pub async fn remove_override(state: &AppState, actor: Option<&CurrentUser>, schedule: ScheduleId, id: OverrideId) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::schedule(schedule)]).await?;
    let Some(user) = schedules::remove_override(tx.conn(), schedule, id).await? else {
        return Err(AppError::not_found(format!("Schedule {schedule} has no override {id}.")));
    };
    if user != actor.id && !actor.can(Permission::Administer) {
        // dropping the transaction undoes the removal
        return Err(AppError::forbidden("Only admins can remove someone else's override."));
    }
    schedules::record(&mut tx, schedule, Some(&Person::from(actor)), &ScheduleChange::OverrideRemoved { id }).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The final shifts of a stored schedule over `[from, to)`, its overrides read from the
/// database.
pub async fn final_shifts(conn: &mut sqlx::AnyConnection, s: &schedules::Stored, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<Shift>> {
    let overrides: Vec<Override> = schedules::overrides(conn, s.id, from, to).await?.into_iter().map(|(_, o)| o).collect();
    Ok(shifts(s, &overrides, from, to))
}

/// The final shifts of a stored schedule over `[from, to)`, given its overrides.
pub fn shifts(s: &schedules::Stored, overrides: &[Override], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
    final_schedule(&zone_or_utc(&s.time_zone), &s.layers, overrides, from, to)
}

/// Who is on call now on every schedule, who is next, and the reader's own shifts now.
pub async fn overview(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Overview> {
    let me = require(actor, Permission::ReadInternal)?.id;
    let at = now();
    // a shift going on now may have begun a while ago
    let (from, to) = (at - Duration::days(35), at + LOOK_AHEAD);
    let mut tx = state.db.begin_read().await?;
    // read where the log stands first: whatever changes after is sent live
    let cursor = crate::server::repo::log::readable_end(&mut tx).await?;
    let names: HashMap<UserId, String> = users::list(&mut tx).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let my_zone = users::time_zones(&mut tx).await?.remove(&me);
    let mut out = Vec::new();
    for s in schedules::list(&mut tx).await? {
        let (now_shift, next) = now_and_next(&final_shifts(&mut tx, &s, from, to).await?, at);
        let (note_in, note_out) = match now_shift {
            Some(n) => (schedules::note(&mut tx, s.id, n.start).await?, schedules::note(&mut tx, s.id, n.end).await?),
            None => (None, None),
        };
        let view = |sh: Shift| ShiftView {
            user: sh.user,
            name: names.get(&sh.user).cloned().unwrap_or_else(|| format!("user {}", sh.user)),
            start: sh.start,
            end: sh.end,
            is_override: matches!(sh.source, Source::Override { .. }),
        };
        out.push(ScheduleNow { id: s.id, name: s.name, time_zone: s.time_zone, now: now_shift.map(view), next: next.map(view), note_in, note_out });
    }
    tx.commit().await?;
    let mine = out.iter().filter_map(|s| s.now.as_ref().filter(|n| n.user == me).map(|n| (s.id, s.name.clone(), n.clone()))).collect();
    Ok(Overview { schedules: out, mine, at, my_zone, cursor })
}

/// The longest handoff note.
pub const NOTE_MAX: usize = 4000;

/// The person on call now on `schedule` leaves a note for whoever takes over at the end of
/// their shift (writing again replaces it).
pub async fn write_handoff_note(state: &AppState, actor: Option<&CurrentUser>, schedule: ScheduleId, body: &str) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let body = checked(body, "The note", 1, NOTE_MAX, Lines::Many).map_err(AppError::bad_request)?;
    let at = now();
    let (from, to) = (at - Duration::days(35), at + LOOK_AHEAD);
    let mut tx = state.db.begin(&[StreamRef::schedule(schedule)]).await?;
    let s = schedules::get(tx.conn(), schedule).await?.ok_or_else(|| AppError::not_found(format!("There is no schedule {schedule}.")))?;
    let Some(current) = now_and_next(&final_shifts(tx.conn(), &s, from, to).await?, at).0.filter(|n| n.user == actor.id) else {
        return Err(AppError::forbidden(format!("Only the person on call now writes the handoff note, and you are not on call on {} now.", s.name)));
    };
    schedules::write_note(tx.conn(), schedule, current.end, actor.id, &body).await?;
    schedules::record(&mut tx, schedule, Some(&Person::from(actor)), &ScheduleChange::HandoffNoteWritten { handoff_at: current.end, body }).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The admins' checks of every schedule: gaps in the next 30 days, hours on call per person
/// over the last and the next 90 days (and night hours on each person's own clock, or the
/// schedule's for those who have not set a zone), and stretches longer than a week.
pub async fn checks(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<ScheduleChecks>> {
    use crate::domain::oncall::checks::{gaps, long_stretches, night_time_per_person, time_per_person};
    require(actor, Permission::Administer)?;
    let at = now();
    let (past, month, quarter) = (at - Duration::days(90), at + Duration::days(30), at + Duration::days(90));
    let mut tx = state.db.begin_read().await?;
    let names: HashMap<UserId, String> = users::list(&mut tx).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let name_of = |u: &UserId| names.get(u).cloned().unwrap_or_else(|| format!("user {u}"));
    let own_zones = users::time_zones(&mut tx).await?;
    let mut out = Vec::new();
    for s in schedules::list(&mut tx).await? {
        let overrides: Vec<Override> = schedules::overrides(&mut tx, s.id, past, quarter).await?.into_iter().map(|(_, o)| o).collect();
        let (before, ahead) = (shifts(&s, &overrides, past, at), shifts(&s, &overrides, at, quarter));
        let zone_of = |u: UserId| own_zones.get(&u).cloned().unwrap_or_else(|| s.time_zone.clone());
        let night = night_time_per_person(
            &ahead,
            |u| zone_or_utc(&zone_of(u)),
            chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default(),
            chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default(),
        );
        let (last, next) = (time_per_person(&before), time_per_person(&ahead));
        let planned = time_per_person(&shifts(&s, &[], past, at));
        let mut people: Vec<UserId> = last.keys().chain(next.keys()).chain(planned.keys()).copied().collect();
        people.sort();
        people.dedup();
        let mut load: Vec<Load> = people
            .iter()
            .map(|u| Load {
                name: name_of(u),
                last_90_minutes: last.get(u).map_or(0, |d| d.num_minutes()),
                next_90_minutes: next.get(u).map_or(0, |d| d.num_minutes()),
                planned_last_90_minutes: planned.get(u).map_or(0, |d| d.num_minutes()),
                night_next_90_minutes: night.get(u).map_or(0, |d| d.num_minutes()),
                zone: zone_of(*u),
            })
            .collect();
        load.sort_by(|a, b| a.name.cmp(&b.name));
        let month_shifts: Vec<Shift> = ahead.iter().filter(|sh| sh.start < month).copied().collect();
        out.push(ScheduleChecks {
            id: s.id,
            name: s.name,
            gaps: gaps(&month_shifts, at, month),
            load,
            long_stretches: long_stretches(&ahead).into_iter().map(|(u, a, b)| (name_of(&u), a, b)).collect(),
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// The reader sets (or, with an empty name, clears) their own time zone: night hours on call
/// are counted on their clock.
pub async fn set_time_zone(state: &AppState, actor: Option<&CurrentUser>, name: &str) -> AppResult<()> {
    let actor = require(actor, Permission::ReadInternal)?;
    let tz = match name.trim() {
        "" => None,
        z => Some(zone(z)?.name().to_string()),
    };
    let mut conn = state.db.pool().acquire().await?;
    users::set_time_zone(&mut conn, actor.id, tz.as_deref()).await?;
    Ok(())
}

/// A time from a form: RFC 3339 (`2026-12-07T09:00:00Z`), or a wall-clock time
/// (`2026-12-07T09:00`, as a `datetime-local` input sends it) read in `zone`.
pub fn parse_when(field: &str, raw: &str, zone_name: Option<&str>) -> AppResult<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let bad = || AppError::bad_request(format!("{field}: {raw:?} is not a time such as 2026-12-07T09:00."));
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"].iter().find_map(|f| chrono::NaiveDateTime::parse_from_str(raw, f).ok()).ok_or_else(bad)?;
    let tz = zone(zone_name.ok_or_else(bad)?)?;
    Ok(crate::domain::oncall::instant(&tz, local))
}
