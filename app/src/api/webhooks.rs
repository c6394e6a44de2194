//! Admins' server functions for the status page's webhook subscriptions.

use leptos::prelude::*;

use crate::domain::webhook_admin::WebhookSubscription;
use crate::error::AppError;

#[server(endpoint = "webhooks/list")]
pub async fn webhook_subscriptions() -> Result<Vec<WebhookSubscription>, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::webhook_admin::list(&state, user.as_ref()).await
}

#[server(endpoint = "webhooks/remove")]
pub async fn remove_webhook(id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::webhook_admin::remove(&state, user.as_ref(), id).await
}

/// Returns how many given-up deliveries are queued again.
#[server(endpoint = "webhooks/retry")]
pub async fn retry_webhook(id: i64) -> Result<u64, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::webhook_admin::retry_failed(&state, user.as_ref(), id).await
}
