//! Admins' view of the status page's webhook subscriptions: list them with how their
//! deliveries fared, remove one, and give a receiver that was given up on another chance.

use crate::domain::log::StreamRef;
use crate::domain::user::{CurrentUser, Permission};
use crate::domain::webhook_admin::WebhookSubscription;
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::webhooks as repo;
use crate::server::state::AppState;
use crate::server::time::now;

pub async fn list(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<WebhookSubscription>> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(repo::subscriptions(&mut conn).await?)
}

pub async fn remove(state: &AppState, actor: Option<&CurrentUser>, id: i64) -> AppResult<()> {
    require(actor, Permission::Administer)?;
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    if !repo::remove(tx.conn(), id).await? {
        return Err(no_such(id));
    }
    tx.commit_quiet().await?;
    Ok(())
}

/// Puts the subscription's given-up deliveries back in the queue, due now, each with a
/// fresh set of attempts; returns how many.
pub async fn retry_failed(state: &AppState, actor: Option<&CurrentUser>, id: i64) -> AppResult<u64> {
    require(actor, Permission::Administer)?;
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    let Some(n) = repo::retry_failed(tx.conn(), id, now()).await? else {
        return Err(no_such(id));
    };
    tx.commit_quiet().await?;
    Ok(n)
}

fn no_such(id: i64) -> AppError {
    AppError::not_found(format!("There is no webhook subscription {id} (it may have been removed already)."))
}
