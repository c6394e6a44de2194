//! What the war room page reads: the incident, its log, roles, runbooks and the people
//! who can be assigned.

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
    let mut conn = state.db.pool().acquire().await?;
    let incident = incidents::get(&mut conn, id).await?.ok_or_else(|| AppError::not_found(format!("There is no incident {id}.")))?;
    let events = events::for_incident(&mut conn, id).await?;
    let roles = incidents::roles(&mut conn, id).await?;
    let runbooks = runbooks::for_services(&mut conn, &service_ids(&incident)).await?;
    let people = users::list(&mut conn).await?;
    Ok(WarRoom { incident, events, roles, runbooks, people, now: now() })
}
