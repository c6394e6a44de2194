//! Alerts as people see and answer them: the list, one alert with its log, acknowledging
//! (which stops the escalation) and resolving.

use crate::domain::alert::{AlertChange, AlertRow, AlertState, AlertView, Verdict};
use crate::domain::events_v2::Action;
use crate::domain::ids::AlertId;
use crate::domain::log::StreamRef;
use crate::domain::roles::Person;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{alerts, deliveries, escalations, log};
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
    settle(tx.conn(), id, to).await?;
    let by = Some(Person::from(actor));
    let change = match to {
        AlertState::Resolved => AlertChange::Resolved { by },
        _ => AlertChange::Acknowledged { by },
    };
    log::append_change(&mut tx, StreamRef::alert(id), Some(&Person::from(actor)), change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Moves an alert out of `triggered` (acknowledged or resolved): its escalation stops and
/// its pages still waiting to go out by people's rules are cancelled.
pub(crate) async fn settle(conn: &mut sqlx::AnyConnection, id: AlertId, to: AlertState) -> Result<(), sqlx::Error> {
    alerts::set_state(&mut *conn, id, to, now()).await?;
    escalations::stop(&mut *conn, id).await?;
    deliveries::cancel_pages(conn, id).await?;
    Ok(())
}

/// One line of an alert's log, from its stored event.
pub fn alert_line(kind: &str, payload: &str) -> String {
    serde_json::from_str::<AlertChange>(payload).map(|c| c.text()).unwrap_or_else(|_| kind.to_string())
}

/// Says whether an alert called for action or was noise. Only once it has been looked at
/// (acknowledged or resolved); saying again replaces the verdict.
pub async fn judge(state: &AppState, actor: Option<&CurrentUser>, id: AlertId, verdict: Verdict) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::alert(id)]).await?;
    let current = alerts::state_of(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no alert {id}.")))?;
    if current == AlertState::Triggered {
        return Err(AppError::conflict("Acknowledge the alert before judging it."));
    }
    alerts::set_verdict(tx.conn(), id, verdict).await?;
    let by = Person::from(actor);
    let change = AlertChange::Judged { verdict, by: by.clone() };
    log::append_change(&mut tx, StreamRef::alert(id), Some(&by), change.name(), &change).await?;
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
    let log = rows.into_iter().map(|r| (r.at, alert_line(&r.kind, &r.payload))).collect();
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
