//! On call: the overview, saving schedules (admins), overrides.

use leptos::prelude::*;

use crate::domain::oncall::view::{Overview, ScheduleCalendar};
use crate::error::AppError;

#[server(endpoint = "oncall/overview")]
pub async fn oncall_overview() -> Result<Overview, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::oncall::overview(&state, user.as_ref()).await
}

/// Saves a schedule from YAML: a new one, or schedule `id` as it was at `version`. Returns
/// the schedule's id and new version.
#[server(endpoint = "oncall/schedule")]
pub async fn save_schedule(id: Option<i64>, version: Option<i64>, yaml: String) -> Result<(i64, i64), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let id = id.map(crate::domain::ids::ScheduleId);
    let (id, version) = crate::server::services::oncall::save_yaml(&state, user.as_ref(), id, version, &yaml).await?;
    Ok((id.0, version))
}

/// Puts `user_id` on call on `schedule` from `start` to `end`: RFC 3339 times, or wall-clock
/// times read in `zone`.
#[server(endpoint = "oncall/override")]
pub async fn add_override(schedule: i64, user_id: i64, start: String, end: String, zone: Option<String>) -> Result<i64, AppError> {
    use crate::server::services::oncall::parse_when;
    let (state, user) = crate::api::ssr::caller().await?;
    let (start, end) = (parse_when("start", &start, zone.as_deref())?, parse_when("end", &end, zone.as_deref())?);
    let id = crate::server::services::oncall::add_override(
        &state,
        user.as_ref(),
        crate::domain::ids::ScheduleId(schedule),
        crate::domain::ids::UserId(user_id),
        start,
        end,
    )
    .await?;
    Ok(id.0)
}

/// Removes an override (one's own; admins anyone's).
#[server(endpoint = "oncall/override-remove")]
pub async fn remove_override(schedule: i64, id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::oncall::remove_override(&state, user.as_ref(), crate::domain::ids::ScheduleId(schedule), crate::domain::ids::OverrideId(id)).await
}

/// A schedule's calendar: `view` week or month, around `date` (YYYY-MM-DD; today when
/// none), drawn in `tz` (the schedule's zone when none).
#[server(endpoint = "oncall/calendar-view", input = leptos::server_fn::codec::GetUrl)]
pub async fn calendar_view(id: i64, view: Option<String>, date: Option<String>, tz: Option<String>) -> Result<ScheduleCalendar, AppError> {
    use crate::domain::oncall::grid::Span;
    let (state, user) = crate::api::ssr::caller().await?;
    let span = match view.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Span::parse(v).map_err(AppError::bad_request)?,
        None => Span::Week,
    };
    let date = match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| AppError::bad_request(format!("date: {d:?} is not a date such as 2026-12-07.")))?,
        ),
        None => None,
    };
    crate::server::services::schedule_calendar::calendar(&state, user.as_ref(), crate::domain::ids::ScheduleId(id), span, date, tz.as_deref()).await
}

/// Offers `start`..`end` of the caller's own shift (wall-clock times read in `zone`, or RFC
/// 3339) to the others.
#[server(endpoint = "oncall/swap-offer")]
pub async fn offer_swap(schedule: i64, start: String, end: String, zone: Option<String>, note: Option<String>) -> Result<i64, AppError> {
    use crate::server::services::oncall::parse_when;
    let (state, user) = crate::api::ssr::caller().await?;
    let (start, end) = (parse_when("start", &start, zone.as_deref())?, parse_when("end", &end, zone.as_deref())?);
    let id = crate::server::services::swaps::offer(&state, user.as_ref(), crate::domain::ids::ScheduleId(schedule), start, end, note.as_deref().unwrap_or(""))
        .await?;
    Ok(id.0)
}

/// Takes an open swap offer.
#[server(endpoint = "oncall/swap-take")]
pub async fn take_swap(schedule: i64, id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::swaps::take(&state, user.as_ref(), crate::domain::ids::ScheduleId(schedule), crate::domain::ids::SwapId(id)).await
}

/// Withdraws one's own open swap offer.
#[server(endpoint = "oncall/swap-withdraw")]
pub async fn withdraw_swap(schedule: i64, id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::swaps::withdraw(&state, user.as_ref(), crate::domain::ids::ScheduleId(schedule), crate::domain::ids::SwapId(id)).await
}

/// Sets the caller's own time zone (empty clears it).
#[server(endpoint = "oncall/my-zone")]
pub async fn set_my_time_zone(zone: String) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::oncall::set_time_zone(&state, user.as_ref(), &zone).await
}

/// The address of a schedule's calendar feed, or (no `schedule`) of the reader's own.
#[server(endpoint = "oncall/calendar")]
pub async fn calendar_link(schedule: Option<i64>) -> Result<String, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let token = crate::server::services::calendar::token(&state, user.as_ref(), schedule.map(crate::domain::ids::ScheduleId)).await?;
    Ok(format!("/oncall/calendar/{token}.ics"))
}

/// Gives a calendar feed a new address; the old one stops answering.
#[server(endpoint = "oncall/calendar-revoke")]
pub async fn revoke_calendar(schedule: Option<i64>) -> Result<String, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let token = crate::server::services::calendar::revoke(&state, user.as_ref(), schedule.map(crate::domain::ids::ScheduleId)).await?;
    Ok(format!("/oncall/calendar/{token}.ics"))
}

/// The person on call now leaves a note for whoever takes over.
#[server(endpoint = "oncall/handoff-note")]
pub async fn write_handoff_note(schedule: i64, body: String) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::oncall::write_handoff_note(&state, user.as_ref(), crate::domain::ids::ScheduleId(schedule), &body).await
}

/// The admins' checks of every schedule, as JSON at `GET /api/oncall/checks`.
#[server(endpoint = "oncall/checks", input = leptos::server_fn::codec::GetUrl)]
pub async fn oncall_checks() -> Result<Vec<crate::domain::oncall::view::ScheduleChecks>, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::oncall::checks(&state, user.as_ref()).await
}
