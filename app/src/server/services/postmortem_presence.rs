//! Who has a postmortem's editor open, and where their caret is.

use crate::domain::ids::PostmortemId;
use crate::domain::postmortem::presence::{Peer, CARET_MAX, GONE_AFTER_MS};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::presence as repo;
use crate::server::state::AppState;
use crate::server::time::{now, to_ms};

/// Notes that the caller's editor `client` is open with its caret at `caret`; the other
/// editors open now.
pub async fn here(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId, client: u64, caret: &str) -> AppResult<Vec<Peer>> {
    let actor = require(actor, Permission::WorkIncidents)?;
    if !(2..1 << 53).contains(&client) {
        return Err(AppError::bad_request("client: a number from 2 to 2^53 - 1."));
    }
    if caret.len() > CARET_MAX || !caret.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)) {
        return Err(AppError::bad_request("caret: not a position in the document."));
    }
    let now = to_ms(now());
    let mut conn = state.db.pool().acquire().await?;
    // a postmortem that is not there is a 404, not a row that cannot be written
    crate::server::services::postmortems::row(&mut conn, id).await?;
    repo::put(&mut conn, id, client, actor.id, caret, now).await?;
    repo::forget_before(&mut conn, now - 60_000).await?;
    Ok(repo::others(&mut conn, id, client, now - GONE_AFTER_MS).await?)
}
