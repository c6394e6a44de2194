//! Alerts as people see and answer them: the list, one alert with its log, acknowledging
//! (which stops the escalation) and resolving.

use crate::domain::alert::{AlertChange, AlertRow, AlertState, AlertView};
use crate::domain::events_v2::Action;
use crate::domain::ids::AlertId;
use crate::domain::log::StreamRef;
use crate::domain::roles::Person;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{alerts, escalations, log};
use crate::server::state::AppState;
use crate::server::time::now;

/// Acknowledges (`Action::Acknowledge`) or resolves an alert as `actor`.
pub async fn answer(state: &AppState, actor: Option<&CurrentUser>, id: AlertId, action: Action) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::alert(id)]).await?;
    let current = alerts::state_of(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no alert {id}.")))?;
    let Some(to) = current.after(action) else {
        return Err(AppError::conflict(format!("This alert is {} already.", current.as_str())));
    };
    alerts::set_state(tx.conn(), id, to, now()).await?;
    escalations::stop(tx.conn(), id).await?;
    let by = Some(Person::from(actor));
    let change = match to {
        AlertState::Resolved => AlertChange::Resolved { by },
        _ => AlertChange::Acknowledged { by },
    };
    log::append_change(&mut tx, StreamRef::alert(id), Some(&Person::from(actor)), change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// The newest alerts, open ones first.
pub async fn list(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<AlertRow>> {
    require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(alerts::list(&mut conn, 200).await?)
}

/// One alert and its log.
pub async fn view(state: &AppState, actor: Option<&CurrentUser>, id: AlertId) -> AppResult<AlertView> {
    require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    // where the log stands first: whatever happens after is sent live
    let cursor = log::readable_end(&mut conn).await?;
    let alert = alerts::row(&mut conn, id).await?.ok_or_else(|| AppError::not_found(format!("There is no alert {id}.")))?;
    let rows = log::of_stream(&mut conn, StreamRef::alert(id)).await?;
    let log = rows
        .into_iter()
        .map(|r| {
            let text = serde_json::from_str::<AlertChange>(&r.payload).map(|c| c.text()).unwrap_or_else(|_| r.kind.clone());
            (r.at, text)
        })
        .collect();
    Ok(AlertView { alert, log, cursor })
}

/// The reader's pages still waiting for an acknowledgement, and where the log stood (the
/// pager follows it live from there).
pub async fn my_pages(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<crate::domain::alert::MyPages> {
    let me = require(actor, Permission::ReadInternal)?;
    let mut tx = state.db.begin_read().await?;
    let cursor = log::readable_end(&mut tx).await?;
    let pages = alerts::waiting_pages(&mut tx, me.id).await?;
    tx.commit().await?;
    Ok(crate::domain::alert::MyPages { pages, cursor })
}
