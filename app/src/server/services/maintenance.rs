//! Scheduled maintenance windows: responders schedule them; a background job switches their
//! components into maintenance when they start and back when they end.

use chrono::{DateTime, Utc};

use crate::domain::log::StreamRef;
use crate::domain::status_page::{ComponentStatus, Maintenance, MaintenanceInput};
use crate::domain::status_page_log::StatusPageChange;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::status;
use crate::server::state::AppState;
use crate::server::time::now;

/// Schedules a maintenance window (responders and admins).
pub async fn schedule_maintenance(state: &AppState, actor: Option<&CurrentUser>, input: MaintenanceInput) -> AppResult<Maintenance> {
    let actor = require(actor, Permission::WorkIncidents)?;
    input.validate(now()).map_err(AppError::bad_request)?;
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    let known = status::statuses(tx.conn(), input.components.iter().copied()).await?;
    if let Some(c) = input.components.iter().find(|c| !known.contains_key(c)) {
        return Err(AppError::bad_request(format!("There is no component {c}.")));
    }
    let id = crate::server::repo::maintenances::insert(tx.conn(), &input, actor.id, now()).await?;
    let m = crate::server::repo::maintenances::get(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    let by = crate::domain::roles::Person::from(actor);
    status::record_change(&mut tx, Some(&by), &StatusPageChange::MaintenanceScheduled { maintenance: m.id, title: m.title.clone() }).await?;
    tx.commit(&state.hub).await?;
    state.status.invalidate();
    Ok(m)
}

/// Puts the components of windows that have started under maintenance, and returns those of
/// windows that have ended to operational; each switch happens once (claimed in the
/// database). A component that is not operational when its window starts (it is in an
/// incident) keeps its status; so does one a responder changed during the window.
/// Returns how many components were switched.
pub async fn apply_maintenance_windows(state: &AppState, at: DateTime<Utc>) -> AppResult<usize> {
    use crate::domain::maintenance::Edge;
    use crate::server::repo::maintenances;
    // every switch that is due and not done yet, however many windows there are; read
    // before taking the write lock (an idle pass takes none)
    let due = {
        let mut conn = state.db.pool().acquire().await?;
        maintenances::due_switches(&mut conn, at).await?
    };
    let mut switched = 0;
    for (m, c, edge) in due {
        let (from, to) = match edge {
            Edge::Start => (ComponentStatus::Operational, ComponentStatus::UnderMaintenance),
            Edge::End => (ComponentStatus::UnderMaintenance, ComponentStatus::Operational),
        };
        let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
        if !maintenances::claim_switch(tx.conn(), m, c, edge).await? {
            continue; // done meanwhile, on another replica
        }
        // at the end, only a component that was handled at the start goes back (a window
        // that began and ended while nothing ran never switched it)
        let started = edge == Edge::Start || !maintenances::claim_switch(tx.conn(), m, c, Edge::Start).await?;
        let current = status::component_by_id(tx.conn(), c).await?.map(|comp| comp.status);
        if started && current == Some(from) {
            status::set_status(tx.conn(), c, to, at).await?;
            status::record_change(&mut tx, None, &StatusPageChange::MaintenanceSwitched { maintenance: m, component: c, to }).await?;
            switched += 1;
        }
        tx.commit(&state.hub).await?;
    }
    if switched > 0 {
        state.status.invalidate();
    }
    Ok(switched)
}
