//! On call: the overview, saving schedules (admins), overrides.

use leptos::prelude::*;

use crate::domain::oncall::view::Overview;
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

/// Puts `user_id` on call on `schedule` from `start` to `end` (RFC 3339 times).
#[server(endpoint = "oncall/override")]
pub async fn add_override(schedule: i64, user_id: i64, start: String, end: String) -> Result<i64, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let time = |field: &str, raw: &str| {
        chrono::DateTime::parse_from_rfc3339(raw.trim())
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|_| AppError::bad_request(format!("{field}: {raw:?} is not a time such as 2026-12-01T09:00:00Z.")))
    };
    let (start, end) = (time("start", &start)?, time("end", &end)?);
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
