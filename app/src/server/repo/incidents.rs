//! Incidents, their services and their role holders.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{IncidentId, ServiceId, UserId};
use crate::domain::incident::{Incident, ServiceRef, Severity, Status};
use crate::domain::roles::{Assignment, IncidentRole, Person};
use crate::domain::timers::TimerKind;
use crate::server::db::flag;
use crate::server::time::{from_ms, opt_from_ms, to_ms};

const COLUMNS: &str = "id, slug, title, impact, severity, status, detected_at_ms, declared_at_ms, \
    mitigated_at_ms, resolved_at_ms, last_update_at_ms, data_exposure, version, drill";

fn decode_err(what: &str, v: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {v:?}").into())
}

fn incident(row: &AnyRow) -> Result<Incident, sqlx::Error> {
    let sev: String = row.try_get("severity")?;
    let status: String = row.try_get("status")?;
    Ok(Incident {
        id: IncidentId(row.try_get("id")?),
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        impact: row.try_get("impact")?,
        severity: Severity::parse(&sev).ok_or_else(|| decode_err("severity", &sev))?,
        status: Status::parse(&status).ok_or_else(|| decode_err("status", &status))?,
        detected_at: from_ms(row.try_get("detected_at_ms")?),
        declared_at: from_ms(row.try_get("declared_at_ms")?),
        mitigated_at: opt_from_ms(row.try_get("mitigated_at_ms")?),
        resolved_at: opt_from_ms(row.try_get("resolved_at_ms")?),
        last_update_at: from_ms(row.try_get("last_update_at_ms")?),
        data_exposure: row.try_get::<i64, _>("data_exposure")? == 1,
        services: vec![],
        version: row.try_get("version")?,
        drill: row.try_get::<i64, _>("drill")? == 1,
    })
}

/// Fills in each incident's services with one query.
async fn attach_services(conn: &mut AnyConnection, incidents: &mut [Incident]) -> Result<(), sqlx::Error> {
    if incidents.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = incidents.iter().map(|i| i.id.0.to_string()).collect();
    // ids are integers we produced, so inlining them is safe
    let sql = format!(
        "SELECT x.incident_id, s.id, s.slug, s.name FROM incident_services x JOIN services s ON s.id = x.service_id \
         WHERE x.incident_id IN ({}) ORDER BY s.name",
        ids.join(",")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    let mut by_incident: HashMap<i64, Vec<ServiceRef>> = HashMap::new();
    for r in rows {
        by_incident.entry(r.try_get("incident_id")?).or_default().push(ServiceRef {
            id: ServiceId(r.try_get("id")?),
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
        });
    }
    for i in incidents.iter_mut() {
        i.services = by_incident.remove(&i.id.0).unwrap_or_default();
    }
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: IncidentId) -> Result<Option<Incident>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM incidents WHERE id = $1"))).bind(id.0).fetch_optional(&mut *conn).await?;
    let Some(row) = row else { return Ok(None) };
    let mut v = vec![incident(&row)?];
    attach_services(conn, &mut v).await?;
    Ok(v.pop())
}

/// All incidents, active first, newest first; at most `limit`.
pub async fn list(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Incident>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM incidents ORDER BY CASE WHEN status IN ('resolved', 'follow_up') THEN 1 ELSE 0 END, \
         declared_at_ms DESC, id DESC LIMIT $1"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&mut *conn).await?;
    let mut v = rows.iter().map(incident).collect::<Result<Vec<_>, _>>()?;
    attach_services(conn, &mut v).await?;
    Ok(v)
}

/// The incidents declared in `[from, to)`, oldest first (for the metrics).
pub async fn declared_between(conn: &mut AnyConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Incident>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM incidents WHERE declared_at_ms >= $1 AND declared_at_ms < $2 ORDER BY declared_at_ms, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to_ms(from)).bind(to_ms(to)).fetch_all(&mut *conn).await?;
    let mut v = rows.iter().map(incident).collect::<Result<Vec<_>, _>>()?;
    attach_services(conn, &mut v).await?;
    Ok(v)
}

/// Active incidents (for the timer job).
pub async fn active(conn: &mut AnyConnection) -> Result<Vec<Incident>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM incidents WHERE status NOT IN ('resolved', 'follow_up') ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
    let mut v = rows.iter().map(incident).collect::<Result<Vec<_>, _>>()?;
    attach_services(conn, &mut v).await?;
    Ok(v)
}

pub async fn slug_taken(conn: &mut AnyConnection, slug: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT 1 AS one FROM incidents WHERE slug = $1").bind(slug.to_string()).fetch_optional(conn).await?.is_some())
}

/// Inserts a new incident and links its services; returns it as stored.
pub async fn insert(conn: &mut AnyConnection, i: &Incident, declared_by: UserId) -> Result<Incident, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO incidents (slug, title, impact, severity, status, detected_at_ms, declared_at_ms, \
         mitigated_at_ms, resolved_at_ms, last_update_at_ms, data_exposure, version, declared_by, drill) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13) RETURNING id",
    )
    .bind(i.slug.clone())
    .bind(i.title.clone())
    .bind(i.impact.clone())
    .bind(i.severity.as_str())
    .bind(i.status.as_str())
    .bind(to_ms(i.detected_at))
    .bind(to_ms(i.declared_at))
    .bind(i.mitigated_at.map(to_ms))
    .bind(i.resolved_at.map(to_ms))
    .bind(to_ms(i.last_update_at))
    .bind(flag(i.data_exposure))
    .bind(declared_by.0)
    .bind(flag(i.drill))
    .fetch_one(&mut *conn)
    .await?;
    let id = IncidentId(row.try_get("id")?);
    for s in &i.services {
        sqlx::query("INSERT INTO incident_services (incident_id, service_id) VALUES ($1, $2)").bind(id.0).bind(s.id.0).execute(&mut *conn).await?;
    }
    get(conn, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// Writes the mutable fields if nobody changed the incident since `i.version` was read;
/// returns the incident as stored, or `None` when the version moved on.
pub async fn save(conn: &mut AnyConnection, i: &Incident) -> Result<Option<Incident>, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE incidents SET title = $1, impact = $2, severity = $3, status = $4, mitigated_at_ms = $5, \
         resolved_at_ms = $6, last_update_at_ms = $7, data_exposure = $8, version = version + 1 \
         WHERE id = $9 AND version = $10",
    )
    .bind(i.title.clone())
    .bind(i.impact.clone())
    .bind(i.severity.as_str())
    .bind(i.status.as_str())
    .bind(i.mitigated_at.map(to_ms))
    .bind(i.resolved_at.map(to_ms))
    .bind(to_ms(i.last_update_at))
    .bind(flag(i.data_exposure))
    .bind(i.id.0)
    .bind(i.version)
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(None);
    }
    get(conn, i.id).await
}

pub async fn roles(conn: &mut AnyConnection, id: IncidentId) -> Result<Vec<Assignment>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.role, u.id, u.name FROM incident_roles r JOIN users u ON u.id = r.user_id \
         WHERE r.incident_id = $1 ORDER BY r.role, u.name",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(Assignment {
                role: IncidentRole::parse(&role).ok_or_else(|| decode_err("role", &role))?,
                person: Person { id: UserId(r.try_get("id")?), name: r.try_get("name")? },
            })
        })
        .collect()
}

pub async fn add_role(conn: &mut AnyConnection, id: IncidentId, role: IncidentRole, user: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO incident_roles (incident_id, role, user_id) VALUES ($1, $2, $3)")
        .bind(id.0)
        .bind(role.as_str())
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_role(conn: &mut AnyConnection, id: IncidentId, role: IncidentRole, user: UserId) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM incident_roles WHERE incident_id = $1 AND role = $2 AND user_id = $3")
        .bind(id.0)
        .bind(role.as_str())
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// Whether a timer firing was recorded already.
pub async fn timer_claimed(conn: &mut AnyConnection, id: IncidentId, kind: TimerKind, due_at_ms: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT 1 AS one FROM timer_firings WHERE incident_id = $1 AND kind = $2 AND due_at_ms = $3")
        .bind(id.0)
        .bind(kind.as_str())
        .bind(due_at_ms)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Records that a timer fired; false when it was recorded already (by this or another replica).
pub async fn claim_timer(conn: &mut AnyConnection, id: IncidentId, kind: TimerKind, due_at_ms: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("INSERT INTO timer_firings (incident_id, kind, due_at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(id.0)
        .bind(kind.as_str())
        .bind(due_at_ms)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}
