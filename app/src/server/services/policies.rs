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

/// Every service with its policy, maintenance switch and keys, and every policy.
pub async fn overview(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<crate::domain::service_admin::ServicesAdmin> {
    use crate::domain::escalation::Target;
    use crate::domain::service_admin::{describe, PolicyRow, ServiceRow, ServicesAdmin};
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    let policies = escalations::list(&mut conn).await?;
    let all_schedules = schedules::list(&mut conn).await?;
    let schedule_names: HashMap<ScheduleId, String> = all_schedules.iter().map(|s| (s.id, s.name.clone())).collect();
    let user_names: HashMap<UserId, String> = users::list(&mut conn).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let name_of = |t: Target| match t {
        Target::Schedule(s) => schedule_names.get(&s).cloned().unwrap_or_else(|| format!("schedule {s}")),
        Target::User(u) => user_names.get(&u).cloned().unwrap_or_else(|| format!("user {u}")),
    };
    let mut services = vec![];
    for s in catalog::list(&mut conn).await? {
        let (policy, maintenance) = escalations::of_service(&mut conn, s.id).await?;
        let policy = policy.and_then(|id| policies.iter().find(|(p, _, _)| *p == id).map(|(_, n, _)| n.clone()));
        let keys = crate::server::repo::integrations::of_service(&mut conn, s.id).await?;
        services.push(ServiceRow { slug: s.slug, name: s.name, policy, maintenance, keys });
    }
    // every schedule's final shifts over the next 30 days, for the steps' coverage
    let at = crate::server::time::now();
    let until = at + chrono::Duration::days(30);
    let mut shifts: HashMap<ScheduleId, Vec<crate::domain::oncall::Shift>> = HashMap::new();
    for s in &all_schedules {
        let found = crate::server::services::oncall::final_shifts(&mut conn, s, at, until).await?;
        shifts.insert(s.id, found);
    }
    let none: Vec<crate::domain::oncall::Shift> = vec![];
    let policies = policies
        .iter()
        .map(|(_, name, p)| {
            let gaps = p
                .steps
                .iter()
                .enumerate()
                .filter_map(|(i, step)| {
                    let g = crate::domain::escalation::step_gaps(step, |s| shifts.get(&s).map_or(none.as_slice(), Vec::as_slice), at, until);
                    g.first().map(|(a, b)| (i, g.len(), *a, *b))
                })
                .collect();
            PolicyRow { name: name.clone(), steps: describe(p, name_of), repeat: p.repeat, gaps }
        })
        .collect();
    Ok(ServicesAdmin { services, policies })
}
