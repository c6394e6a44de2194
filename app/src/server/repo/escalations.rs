//! Escalation policies, and each escalating alert's next step (the durable timer).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::domain::escalation::Policy;
use crate::domain::ids::{AlertId, PolicyId, ServiceId};
use crate::server::time::{from_ms, now, to_ms};

fn decode(raw: &str) -> Result<Policy, sqlx::Error> {
    serde_json::from_str(raw).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Saves a policy under its name (replacing the one of that name); its id.
pub async fn save(conn: &mut AnyConnection, name: &str, policy: &Policy) -> Result<PolicyId, sqlx::Error> {
    let json = serde_json::to_string(policy).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row = sqlx::query(
        "INSERT INTO escalation_policies (name, policy, updated_at_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET policy = excluded.policy, version = escalation_policies.version + 1, updated_at_ms = excluded.updated_at_ms RETURNING id",
    )
    .bind(name.to_string())
    .bind(json)
    .bind(to_ms(now()))
    .fetch_one(conn)
    .await?;
    Ok(PolicyId(row.try_get("id")?))
}

pub async fn get(conn: &mut AnyConnection, id: PolicyId) -> Result<Option<(String, Policy)>, sqlx::Error> {
    let row = sqlx::query("SELECT name, policy FROM escalation_policies WHERE id = $1").bind(id.0).fetch_optional(conn).await?;
    row.map(|r| Ok((r.try_get("name")?, decode(&r.try_get::<String, _>("policy")?)?))).transpose()
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<(PolicyId, String, Policy)>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, policy FROM escalation_policies ORDER BY name").fetch_all(conn).await?;
    rows.iter().map(|r| Ok((PolicyId(r.try_get("id")?), r.try_get("name")?, decode(&r.try_get::<String, _>("policy")?)?))).collect()
}

/// Which policy pages for a service, and whether the service is in maintenance.
pub async fn of_service(conn: &mut AnyConnection, service: ServiceId) -> Result<(Option<PolicyId>, bool), sqlx::Error> {
    let row = sqlx::query("SELECT escalation_policy_id, maintenance FROM services WHERE id = $1").bind(service.0).fetch_one(conn).await?;
    Ok((row.try_get::<Option<i64>, _>("escalation_policy_id")?.map(PolicyId), row.try_get::<i64, _>("maintenance")? == 1))
}

pub async fn assign(conn: &mut AnyConnection, service: ServiceId, policy: Option<PolicyId>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE services SET escalation_policy_id = $1 WHERE id = $2").bind(policy.map(|p| p.0)).bind(service.0).execute(conn).await?;
    Ok(())
}

pub async fn set_maintenance(conn: &mut AnyConnection, service: ServiceId, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE services SET maintenance = $1 WHERE id = $2").bind(on as i64).bind(service.0).execute(conn).await?;
    Ok(())
}

/// An alert's next step: policy, round, step, when the alert was raised, when the step is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    pub alert: AlertId,
    pub policy: PolicyId,
    pub round: u32,
    pub step: usize,
    pub raised: DateTime<Utc>,
    pub due: DateTime<Utc>,
}

fn next(r: &sqlx::any::AnyRow) -> Result<Next, sqlx::Error> {
    Ok(Next {
        alert: AlertId(r.try_get("alert_id")?),
        policy: PolicyId(r.try_get("policy_id")?),
        round: r.try_get::<i64, _>("round")? as u32,
        step: r.try_get::<i64, _>("step")? as usize,
        raised: from_ms(r.try_get("raised_at_ms")?),
        due: from_ms(r.try_get("due_at_ms")?),
    })
}

/// Starts an alert's escalation at its first step, due at once.
pub async fn start(conn: &mut AnyConnection, alert: AlertId, policy: PolicyId, raised: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO alert_escalations (alert_id, policy_id, round, step, raised_at_ms, due_at_ms) VALUES ($1, $2, 0, 0, $3, $3)")
        .bind(alert.0)
        .bind(policy.0)
        .bind(to_ms(raised))
        .execute(conn)
        .await?;
    Ok(())
}

/// The steps due by `at`, soonest first.
pub async fn due(conn: &mut AnyConnection, at: DateTime<Utc>, limit: i64) -> Result<Vec<Next>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT alert_id, policy_id, round, step, raised_at_ms, due_at_ms FROM alert_escalations WHERE due_at_ms <= $1 ORDER BY due_at_ms LIMIT $2",
    )
    .bind(to_ms(at))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(next).collect()
}

pub async fn of_alert(conn: &mut AnyConnection, alert: AlertId) -> Result<Option<Next>, sqlx::Error> {
    let row = sqlx::query("SELECT alert_id, policy_id, round, step, raised_at_ms, due_at_ms FROM alert_escalations WHERE alert_id = $1")
        .bind(alert.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(next).transpose()
}

/// Moves an alert on to (`round`, `step`) due at `due`.
pub async fn advance(conn: &mut AnyConnection, alert: AlertId, round: u32, step: usize, due: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE alert_escalations SET round = $1, step = $2, due_at_ms = $3 WHERE alert_id = $4")
        .bind(round as i64)
        .bind(step as i64)
        .bind(to_ms(due))
        .bind(alert.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stops an alert's escalation (acknowledged, resolved, or out of steps).
pub async fn stop(conn: &mut AnyConnection, alert: AlertId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM alert_escalations WHERE alert_id = $1").bind(alert.0).execute(conn).await?;
    Ok(())
}
