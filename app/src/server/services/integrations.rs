//! Integration keys: admins give a service one key per monitoring source, and revoke them.

use crate::domain::alert::KeyKind;
use crate::domain::events_v2::ROUTING_KEY_LEN;
use crate::domain::ids::IntegrationKeyId;
use crate::domain::text::{checked, Lines};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::db::{Backend, KEY_REVOKED, NOTIFY_CHANNEL};
use crate::server::repo::{catalog, integrations};
use crate::server::state::AppState;

/// A new secret: 32 letters and digits (PagerDuty's routing key length).
fn new_secret() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..ROUTING_KEY_LEN).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect()
}

/// Gives service `slug` a new key named `name`; returns its id and secret.
pub async fn create(state: &AppState, actor: Option<&CurrentUser>, slug: &str, name: &str, kind: KeyKind) -> AppResult<(IntegrationKeyId, String)> {
    require(actor, Permission::Administer)?;
    let name = checked(name, "name: the key's name", 1, 100, Lines::One).map_err(AppError::bad_request)?;
    let mut conn = state.db.pool().acquire().await?;
    let service =
        catalog::by_slug(&mut conn, slug.trim()).await?.ok_or_else(|| AppError::bad_request(format!("service: there is no service {:?}.", slug.trim())))?;
    let secret = new_secret();
    let id = integrations::create(&mut conn, service.id, &name, kind, &secret).await.map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::conflict(format!("name: {} has a key named {name:?} already.", service.name)),
        e => e.into(),
    })?;
    Ok((id, secret))
}

/// Revokes a key: events sent with it are refused from now on.
pub async fn revoke(state: &AppState, actor: Option<&CurrentUser>, id: IntegrationKeyId) -> AppResult<()> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    if !integrations::revoke(&mut conn, id).await? {
        return Err(AppError::not_found(format!("There is no key {id} in force.")));
    }
    // out of every replica's memory of keys in force (server::key_cache)
    state.hub.key_revoked();
    if state.db.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)").bind(NOTIFY_CHANNEL).bind(KEY_REVOKED).execute(&mut *conn).await?;
    }
    Ok(())
}
