//! The status page: its public data (no sign-in needed, nothing internal in it) and the
//! internal screen that defines it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::ids::ComponentId;
use crate::domain::status_page::{Component, ComponentInput, ComponentStatus, PageSettings, PublicPage, StatusAdmin};
use crate::error::AppError;

#[server(endpoint = "status/page")]
pub async fn public_status() -> Result<PublicPage, AppError> {
    let state = crate::api::ssr::state()?;
    let snapshot = crate::server::public::page_snapshot(&state).await?;
    Ok(PublicPage { stale: state.status.stale(), ..snapshot.page.clone() })
}

/// One month of the public incident history (`YYYY-MM`, or the current month).
#[server(endpoint = "status/history")]
pub async fn status_history(month: Option<String>) -> Result<crate::domain::status_history::HistoryPage, AppError> {
    let state = crate::api::ssr::state()?;
    crate::server::services::status_public::history_page(&state, month.as_deref()).await
}

#[server(endpoint = "status/incident")]
pub async fn public_incident(id: String) -> Result<crate::domain::status_history::IncidentPage, AppError> {
    let state = crate::api::ssr::state()?;
    crate::server::services::status_public::incident_page(&state, &id).await
}

#[server(endpoint = "status/admin")]
pub async fn status_page_admin() -> Result<StatusAdmin, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::status_page::admin_view(&state, user.as_ref()).await
}

#[server(endpoint = "status/settings", input = Json)]
pub async fn save_page_settings(settings: PageSettings) -> Result<PageSettings, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::status_page::save_settings(&state, user.as_ref(), settings).await
}

/// Creates a component, or updates component `id`.
#[server(endpoint = "status/component", input = Json)]
pub async fn save_component(id: Option<ComponentId>, input: ComponentInput) -> Result<Component, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    match id {
        Some(id) => crate::server::services::status_page::update_component(&state, user.as_ref(), id, input).await,
        None => crate::server::services::status_page::create_component(&state, user.as_ref(), input).await,
    }
}

#[server(endpoint = "status/component-status")]
pub async fn set_component_status(id: ComponentId, status: ComponentStatus) -> Result<Component, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::status_page::set_component_status(&state, user.as_ref(), id, status).await
}

#[server(endpoint = "status/maintenance", input = Json)]
pub async fn schedule_maintenance(input: crate::domain::status_page::MaintenanceInput) -> Result<crate::domain::status_page::Maintenance, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::maintenance::schedule_maintenance(&state, user.as_ref(), input).await
}
