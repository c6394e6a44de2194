//! Near-misses.

use leptos::prelude::*;

use crate::domain::incident::ServiceRef;
use crate::domain::metrics::period::Period;
use crate::domain::near_miss::NearMiss;
use crate::error::AppError;

/// The near-misses of the period the query asks for (as `/insights` reads it; the last 30
/// days without one), and the period.
#[server(endpoint = "near-misses")]
pub async fn near_misses(days: Option<String>, from: Option<String>, to: Option<String>) -> Result<(Vec<NearMiss>, Period), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let period = crate::server::services::metrics::period(days.as_deref(), from.as_deref(), to.as_deref())?;
    let list = crate::server::services::near_misses::list(&state, user.as_ref(), period).await?;
    Ok((list, period))
}

/// The services a near-miss may name.
#[server(endpoint = "near-misses/services")]
pub async fn near_miss_services() -> Result<Vec<ServiceRef>, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::authz::require(user.as_ref(), crate::domain::user::Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(crate::server::repo::catalog::list(&mut conn).await?)
}

/// Records a near-miss; `occurred_at` is a `datetime-local` value in `zone` (the browser's;
/// UTC without JavaScript), empty for now.
#[server(endpoint = "near-misses/record")]
pub async fn record_near_miss(
    title: String,
    what_happened: String,
    caught_by: String,
    service: Option<String>,
    occurred_at: Option<String>,
    zone: Option<String>,
) -> Result<(), AppError> {
    use crate::server::services::near_misses::{local_time, record};
    let (state, user) = crate::api::ssr::caller().await?;
    let at = local_time(occurred_at.as_deref().unwrap_or(""), zone.as_deref().unwrap_or(""))?;
    record(&state, user.as_ref(), &title, &what_happened, &caught_by, service.as_deref().unwrap_or(""), at).await?;
    Ok(())
}

/// Declares near-miss `id` as an incident of `severity` (`sev1` to `sev4`) and goes to its
/// war room.
#[server(endpoint = "near-misses/declare")]
pub async fn declare_near_miss(id: i64, severity: String) -> Result<(), AppError> {
    use crate::domain::incident::Severity;
    let (state, user) = crate::api::ssr::caller().await?;
    let severity = Severity::parse(&severity).ok_or_else(|| AppError::bad_request(format!("severity: {severity:?} is not one of sev1 to sev4.")))?;
    let incident = crate::server::services::near_misses::declare(&state, user.as_ref(), crate::domain::ids::NearMissId(id), severity).await?;
    leptos_axum::redirect(&format!("/incidents/{}", incident.id));
    Ok(())
}

/// Starts near-miss `id`'s lightweight review (a postmortem document; the one it has, if
/// it has one) and goes to it.
#[server(endpoint = "near-misses/review")]
pub async fn review_near_miss(id: i64) -> Result<i64, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let review = crate::server::services::postmortems::start_review(&state, user.as_ref(), crate::domain::ids::NearMissId(id)).await?;
    leptos_axum::redirect(&format!("/postmortems/{review}"));
    Ok(review.0)
}
