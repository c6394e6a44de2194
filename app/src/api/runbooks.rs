//! Runbooks: list, import and edit.

use leptos::prelude::*;

use crate::domain::ids::RunbookId;
use crate::domain::runbook::Runbook;
use crate::error::AppError;

#[server(endpoint = "runbooks/list")]
pub async fn list_runbooks() -> Result<Vec<Runbook>, AppError> {
    use crate::api::ssr::caller;
    let (state, user) = caller().await?;
    crate::server::services::runbooks::list(&state, user.as_ref()).await
}

/// Imports YAML as a new runbook, or replaces runbook `id`.
#[server(endpoint = "runbooks/save")]
pub async fn save_runbook(id: Option<RunbookId>, yaml: String) -> Result<RunbookId, AppError> {
    use crate::api::ssr::caller;
    let (state, user) = caller().await?;
    crate::server::services::runbooks::save_yaml(&state, user.as_ref(), id, &yaml).await
}

#[server(endpoint = "runbooks/source")]
pub async fn runbook_source(id: RunbookId) -> Result<String, AppError> {
    use crate::api::ssr::caller;
    let (state, user) = caller().await?;
    crate::server::services::runbooks::source(&state, user.as_ref(), id).await
}
