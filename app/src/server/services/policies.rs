//! Escalation policies: admins write them as YAML (schedules by name, people by email) and
//! say which policy pages for each service; a service in maintenance holds its pages.

use std::collections::HashMap;

use crate::domain::escalation::{PolicyDoc, STEPS_MAX};
use crate::domain::ids::{PolicyId, ScheduleId, UserId};
use crate::domain::text::{checked, Lines};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{catalog, escalations, schedules, users};
use crate::server::state::AppState;

/// The longest policy document accepted.
pub const YAML_MAX: usize = 16 * 1024;

/// Saves a policy from its YAML (replacing the one of that name); its id.
pub async fn save_yaml(state: &AppState, actor: Option<&CurrentUser>, yaml: &str) -> AppResult<PolicyId> {
    require(actor, Permission::Administer)?;
    if yaml.len() > YAML_MAX {
        return Err(AppError::bad_request(format!("A policy is at most {} KB of YAML.", YAML_MAX / 1024)));
    }
    let doc: PolicyDoc = serde_yaml_ng::from_str(yaml).map_err(|e| AppError::bad_request(format!("The YAML is not an escalation policy: {e}")))?;
    if doc.steps.len() > STEPS_MAX {
        return Err(AppError::bad_request(format!("steps: a policy has 1 to {STEPS_MAX} steps.")));
    }
    let name = checked(&doc.name, "name: the policy's name", 1, 100, Lines::One).map_err(AppError::bad_request)?;
    let mut conn = state.db.pool().acquire().await?;
    let by_name: HashMap<String, ScheduleId> = schedules::list(&mut conn).await?.into_iter().map(|s| (s.name, s.id)).collect();
    let by_email: HashMap<String, UserId> = users::list(&mut conn).await?.into_iter().map(|u| (u.email.to_lowercase(), u.id)).collect();
    let policy = doc.policy(|n| by_name.get(n).copied(), |e| by_email.get(&e.to_lowercase()).copied()).map_err(AppError::bad_request)?;
    Ok(escalations::save(&mut conn, &name, &policy).await?)
}

/// Makes `policy` (by name; none to stop paging) the one that pages for service `slug`.
pub async fn assign(state: &AppState, actor: Option<&CurrentUser>, slug: &str, policy: Option<&str>) -> AppResult<()> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    let service =
        catalog::by_slug(&mut conn, slug.trim()).await?.ok_or_else(|| AppError::bad_request(format!("service: there is no service {:?}.", slug.trim())))?;
    let id = match policy {
        None => None,
        Some(name) => Some(
            escalations::list(&mut conn)
                .await?
                .into_iter()
                .find(|(_, n, _)| n == name.trim())
                .map(|(id, _, _)| id)
                .ok_or_else(|| AppError::bad_request(format!("policy: there is no escalation policy named {:?}.", name.trim())))?,
        ),
    };
    escalations::assign(&mut conn, service.id, id).await?;
    Ok(())
}

/// Puts service `slug` in maintenance (its alerts page nobody) or takes it out.
pub async fn set_maintenance(state: &AppState, actor: Option<&CurrentUser>, slug: &str, on: bool) -> AppResult<()> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    let service =
        catalog::by_slug(&mut conn, slug.trim()).await?.ok_or_else(|| AppError::bad_request(format!("service: there is no service {:?}.", slug.trim())))?;
    escalations::set_maintenance(&mut conn, service.id, on).await?;
    Ok(())
}
