//! What the war room page reads: the incident, its log, roles, runbooks and the people
//! who can be assigned.

use crate::domain::alert_context::{lookback, AlertContext};
use crate::domain::event::EventKind;
use crate::domain::ids::IncidentId;
use crate::domain::log::StreamRef;
use crate::domain::user::{CurrentUser, Permission};
use crate::domain::war_room::WarRoom;
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{alerts, events, incidents, log, runbooks, users};
use crate::server::services::alerts::alert_line;
use crate::server::services::incidents::service_ids;
use crate::server::state::AppState;
use crate::server::time::now;

pub async fn load(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId) -> AppResult<WarRoom> {
    require(actor, Permission::ReadInternal)?;
    // one snapshot: the live stream resumes after the last event read, so the incident and
    // its roles must be exactly as of that event
    let mut tx = state.db.begin_read().await?;
    let incident = incidents::get(&mut tx, id).await?.ok_or_else(|| AppError::not_found(format!("There is no incident {id}.")))?;
    let (mut events, cursor) = events::for_incident(&mut tx, id).await?;
    let roles = incidents::roles(&mut tx, id).await?;
    let linked = alerts::for_incident(&mut tx, id).await?;
    let mut services = service_ids(&incident);
    services.extend(AlertContext::alert_services(&linked));
    services.sort();
    services.dedup();
    let runbooks = runbooks::for_services(&mut tx, &services).await?;
    let mut with_logs = Vec::with_capacity(linked.len());
    for a in linked {
        let log = log::of_stream(&mut tx, StreamRef::alert(a.id)).await?.into_iter().map(|r| (r.at, alert_line(&r.kind, &r.payload))).collect();
        with_logs.push((a, log));
    }
    let changes = alerts::changes(&mut tx, &services, incident.detected_at - lookback()).await?;
    let context = AlertContext::new(with_logs, &runbooks, changes, incident.detected_at);
    let people = users::list(&mut tx).await?;
    let components = crate::server::repo::status::components(&mut tx).await?;
    let postmortem = crate::server::repo::postmortems::of_incident(&mut tx, id).await?.and_then(|p| p.summary(now()));
    let drill = crate::server::services::drills::room(&mut tx, &incident).await?;
    // public updates posted before they carried their public incident's id
    if events.iter().any(|e| matches!(&e.kind, EventKind::PublicUpdatePosted { update } if update.public_id.is_empty())) {
        let public_id = crate::server::repo::status::public_ids(&mut tx).await?.incident(id.0);
        for e in &mut events {
            if let EventKind::PublicUpdatePosted { update } = &mut e.kind {
                update.public_id.clone_from(&public_id);
            }
        }
    }
    tx.commit().await?;
    Ok(WarRoom { incident, events, cursor, roles, runbooks, people, components, context, postmortem, drill, now: now() })
}
