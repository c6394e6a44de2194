//! Alerts: the list, one alert with its log, acknowledging and resolving.

use leptos::prelude::*;

use crate::domain::alert::{AlertRow, AlertView};
use crate::error::AppError;

#[server(endpoint = "alerts/list")]
pub async fn list_alerts() -> Result<Vec<AlertRow>, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::alerts::list(&state, user.as_ref()).await
}

#[server(endpoint = "alerts/get")]
pub async fn get_alert(id: i64) -> Result<AlertView, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::alerts::view(&state, user.as_ref(), crate::domain::ids::AlertId(id)).await
}

/// `action`: acknowledge or resolve.
#[server(endpoint = "alerts/answer")]
pub async fn answer_alert(id: i64, action: String) -> Result<(), AppError> {
    use crate::domain::events_v2::Action;
    let (state, user) = crate::api::ssr::caller().await?;
    let action = match action.trim() {
        "acknowledge" => Action::Acknowledge,
        "resolve" => Action::Resolve,
        other => return Err(AppError::bad_request(format!("action: {other:?} is not acknowledge or resolve."))),
    };
    crate::server::services::alerts::answer(&state, user.as_ref(), crate::domain::ids::AlertId(id), action).await
}

/// The reader's pages still waiting for an acknowledgement.
#[server(endpoint = "alerts/mine")]
pub async fn my_pages() -> Result<crate::domain::alert::MyPages, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::alerts::my_pages(&state, user.as_ref()).await
}

/// `verdict`: actionable or noise.
#[server(endpoint = "alerts/judge")]
pub async fn judge_alert(id: i64, verdict: String) -> Result<(), AppError> {
    use crate::domain::alert::Verdict;
    let (state, user) = crate::api::ssr::caller().await?;
    let verdict = Verdict::parse(verdict.trim()).ok_or_else(|| AppError::bad_request(format!("verdict: {:?} is not actionable or noise.", verdict.trim())))?;
    crate::server::services::alerts::judge(&state, user.as_ref(), crate::domain::ids::AlertId(id), verdict).await
}
