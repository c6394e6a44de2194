//! The readiness check.

use leptos::prelude::*;

use crate::domain::readiness::Check;
use crate::error::AppError;

/// Every check of the readiness list, as the configuration stands.
#[server(endpoint = "readiness")]
pub async fn readiness() -> Result<Vec<Check>, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::readiness::readiness(&state, user.as_ref()).await
}
