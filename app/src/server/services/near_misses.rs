//! Near-misses: recorded by responders, read by everyone signed in, declared as an incident
//! when one turns out to be (their lightweight reviews are postmortems: `postmortems`).

use chrono::{DateTime, Utc};

use crate::domain::ids::NearMissId;
use crate::domain::incident::{DeclareInput, Incident, Severity};
use crate::domain::metrics::period::Period;
use crate::domain::near_miss::{NearMiss, NearMissDraft};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{catalog, near_misses};
use crate::server::services::incidents;
use crate::server::state::AppState;
use crate::server::time::now;

/// The most near-misses a list shows.
pub const LIST_MAX: i64 = 500;

/// A `datetime-local` value (`2026-11-30T14:05`) read in the reader's zone (an IANA name; UTC
/// when empty, as a reader without JavaScript sends it); empty is `None`.
pub fn local_time(value: &str, zone: &str) -> AppResult<Option<DateTime<Utc>>> {
    use chrono::TimeZone;
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::bad_request(format!("occurred_at: {value:?} is not a date and time (YYYY-MM-DDTHH:MM).")))?;
    let tz = if zone.trim().is_empty() { chrono_tz::UTC } else { crate::server::services::oncall::zone(zone)? };
    let at = tz
        .from_local_datetime(&naive)
        .earliest()
        .ok_or_else(|| AppError::bad_request(format!("occurred_at: {value} does not exist in {tz} (the clocks skip it).")))?;
    Ok(Some(at.with_timezone(&Utc)))
}

/// Records a near-miss (`service`: a service's slug, or empty).
pub async fn record(
    state: &AppState,
    actor: Option<&CurrentUser>,
    title: &str,
    what_happened: &str,
    caught_by: &str,
    service: &str,
    occurred_at: Option<DateTime<Utc>>,
) -> AppResult<NearMissId> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let at = now();
    let draft = NearMissDraft::parse(title, what_happened, caught_by, occurred_at, at).map_err(AppError::bad_request)?;
    let mut conn = state.db.pool().acquire().await?;
    let service = match service.trim() {
        "" => None,
        slug => Some(catalog::by_slug(&mut conn, slug).await?.ok_or_else(|| AppError::bad_request(format!("service: there is no service {slug:?}.")))?.id),
    };
    Ok(near_misses::insert(&mut conn, &draft, service, actor.id, at).await?)
}

/// The near-misses of `period`, newest first.
pub async fn list(state: &AppState, actor: Option<&CurrentUser>, period: Period) -> AppResult<Vec<NearMiss>> {
    require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(near_misses::between(&mut conn, period.from, period.to, LIST_MAX).await?)
}

/// Declares near-miss `id` as an incident of `severity`: its title, what almost happened as
/// the impact, its service; the near-miss and the incident then name each other. Once only.
pub async fn declare(state: &AppState, actor: Option<&CurrentUser>, id: NearMissId, severity: Severity) -> AppResult<Incident> {
    require(actor, Permission::WorkIncidents)?;
    let found = {
        let mut conn = state.db.pool().acquire().await?;
        near_misses::get(&mut conn, id).await?.ok_or_else(|| AppError::not_found(format!("There is no near-miss {id}.")))?
    };
    let impact: String = found.what_happened.chars().take(incidents::IMPACT_MAX).collect();
    let input = DeclareInput {
        title: found.title,
        impact,
        services: found.service.map(|s| s.slug).into_iter().collect(),
        severity: Some(severity),
        override_reason: Some(format!("Declared from near-miss {id}")),
        near_miss: Some(id),
        ..Default::default()
    };
    incidents::declare(state, actor, input).await
}

#[cfg(test)]
mod tests {
    use super::local_time;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_local_time_is_read_in_the_readers_zone() {
        assert_eq!(local_time("", "Europe/Berlin").unwrap(), None);
        assert_eq!(local_time("2026-11-30T14:05", "").unwrap(), Some(Utc.with_ymd_and_hms(2026, 11, 30, 14, 5, 0).unwrap()));
        assert_eq!(local_time("2026-11-30T14:05", "Europe/Berlin").unwrap(), Some(Utc.with_ymd_and_hms(2026, 11, 30, 13, 5, 0).unwrap()));
        assert!(local_time("yesterday", "").unwrap_err().message.starts_with("occurred_at:"));
        assert!(local_time("2026-11-30T14:05", "Mars/Olympus").unwrap_err().message.starts_with("time_zone:"));
        // a time the clocks skip (Berlin, 29 March 2026, 02:30)
        assert!(local_time("2026-03-29T02:30", "Europe/Berlin").unwrap_err().message.contains("does not exist"));
    }
}
