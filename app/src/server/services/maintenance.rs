//! Scheduled maintenance windows: responders schedule them; a background job switches their
//! components into maintenance when they start and back when they end.

use chrono::{DateTime, Utc};

use crate::domain::status_page::{ComponentStatus, Maintenance, MaintenanceInput};
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
    let mut tx = state.db.begin().await?;
    for c in &input.components {
        if status::component_by_id(tx.conn(), *c).await?.is_none() {
            return Err(AppError::bad_request(format!("There is no component {c}.")));
        }
    }
    let id = crate::server::repo::maintenances::insert(tx.conn(), &input, actor.id, now()).await?;
    let m = crate::server::repo::maintenances::get(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    tx.commit_quiet().await?;
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
    use crate::domain::status_page::MaintenancePhase;
    use crate::server::repo::maintenances;
    let windows = {
        let mut conn = state.db.pool().acquire().await?;
        maintenances::recent(&mut conn, 100).await?
    };
    let mut switched = 0;
    for m in windows {
        let (edge, from, to) = match m.phase(at) {
            MaintenancePhase::Scheduled => continue,
            MaintenancePhase::InProgress => (Edge::Start, ComponentStatus::Operational, ComponentStatus::UnderMaintenance),
            MaintenancePhase::Verifying | MaintenancePhase::Completed => (Edge::End, ComponentStatus::UnderMaintenance, ComponentStatus::Operational),
        };
        for c in &m.components {
            {
                // most windows were switched long ago: look before taking the write lock
                let mut conn = state.db.pool().acquire().await?;
                if maintenances::switch_claimed(&mut conn, m.id, *c, edge).await? {
                    continue;
                }
            }
            let mut tx = state.db.begin().await?;
            if !maintenances::claim_switch(tx.conn(), m.id, *c, edge).await? {
                continue; // done meanwhile, on another replica
            }
            // at the end, only a component that was handled at the start goes back (a window
            // that began and ended while nothing ran never switched it)
            let started = edge == Edge::Start || !maintenances::claim_switch(tx.conn(), m.id, *c, Edge::Start).await?;
            let current = status::component_by_id(tx.conn(), *c).await?.map(|comp| comp.status);
            if started && current == Some(from) {
                status::set_status(tx.conn(), *c, to, at).await?;
                switched += 1;
            }
            tx.commit_quiet().await?;
        }
    }
    if switched > 0 {
        state.status.invalidate();
    }
    Ok(switched)
}
