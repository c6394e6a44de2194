//! Drills: scenarios, running one, the retrospective.

use leptos::prelude::*;

use crate::domain::drill::DrillsPage;
use crate::domain::ids::{IncidentId, ScenarioId};
use crate::error::AppError;

#[server(endpoint = "drills")]
pub async fn load_drills() -> Result<DrillsPage, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::drills::page(&state, user.as_ref()).await
}

/// Imports YAML as a new scenario, or replaces scenario `id`.
#[server(endpoint = "drills/scenario/save")]
pub async fn save_scenario(id: Option<ScenarioId>, yaml: String) -> Result<ScenarioId, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::drills::save_yaml(&state, user.as_ref(), id, &yaml).await
}

#[server(endpoint = "drills/scenario/source")]
pub async fn scenario_source(id: ScenarioId) -> Result<String, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::drills::source(&state, user.as_ref(), id).await
}

/// Runs scenario `id` as a drill and goes to its war room.
#[server(endpoint = "drills/run")]
pub async fn run_drill(id: ScenarioId) -> Result<IncidentId, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let incident = crate::server::services::drills::run(&state, user.as_ref(), id).await?;
    leptos_axum::redirect(&format!("/incidents/{}", incident.id));
    Ok(incident.id)
}

/// Writes (or rewrites) drill `id`'s retrospective.
#[server(endpoint = "drills/retro")]
pub async fn write_retro(id: IncidentId, went_well: String, to_improve: String) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::drills::write_retro(&state, user.as_ref(), id, &went_well, &to_improve).await
}
