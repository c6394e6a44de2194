//! What the war room page reads: the incident, its log, roles, runbooks and the people
//! who can be assigned.

use crate::domain::event::EventKind;
use crate::domain::ids::IncidentId;
use crate::domain::user::{CurrentUser, Permission};
use crate::domain::war_room::WarRoom;
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{events, incidents, runbooks, users};
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
    let runbooks = runbooks::for_services(&mut tx, &service_ids(&incident)).await?;
    let people = users::list(&mut tx).await?;
    let components = crate::server::repo::status::components(&mut tx).await?;
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
    Ok(WarRoom { incident, events, cursor, roles, runbooks, people, components, now: now() })
}
