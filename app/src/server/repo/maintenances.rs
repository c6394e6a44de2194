//! Scheduled maintenance windows.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{ComponentId, MaintenanceId, UserId};
use crate::domain::maintenance::Edge;
use crate::domain::status_page::{Maintenance, MaintenanceInput};
use crate::server::time::{from_ms, to_ms};

/// The columns every read of a window takes.
macro_rules! select_maintenances {
    () => {
        "SELECT id, title, message, starts_at_ms, ends_at_ms, created_at_ms FROM maintenances"
    };
}

pub async fn insert(conn: &mut AnyConnection, m: &MaintenanceInput, by: UserId, at: chrono::DateTime<chrono::Utc>) -> Result<MaintenanceId, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO maintenances (title, message, starts_at_ms, ends_at_ms, created_at_ms, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(m.title.trim().to_string())
    .bind(m.message.trim().to_string())
    .bind(to_ms(m.starts_at))
    .bind(to_ms(m.ends_at))
    .bind(to_ms(at))
    .bind(by.0)
    .fetch_one(&mut *conn)
    .await?;
    let id = MaintenanceId(r.try_get("id")?);
    for c in &m.components {
        sqlx::query("INSERT INTO maintenance_components (maintenance_id, component_id) VALUES ($1, $2)").bind(id.0).bind(c.0).execute(&mut *conn).await?;
    }
    Ok(id)
}

/// The most recent windows (by start, newest first), at most `limit`, with their components.
pub async fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Maintenance>, sqlx::Error> {
    let rows = sqlx::query(concat!(select_maintenances!(), " ORDER BY starts_at_ms DESC, id DESC LIMIT $1")).bind(limit).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(read(conn, &r).await?);
    }
    Ok(out)
}

/// One window, if it exists.
pub async fn get(conn: &mut AnyConnection, id: MaintenanceId) -> Result<Option<Maintenance>, sqlx::Error> {
    match sqlx::query(concat!(select_maintenances!(), " WHERE id = $1")).bind(id.0).fetch_optional(&mut *conn).await? {
        Some(r) => Ok(Some(read(conn, &r).await?)),
        None => Ok(None),
    }
}

/// A window from its row, with its components.
async fn read(conn: &mut AnyConnection, r: &AnyRow) -> Result<Maintenance, sqlx::Error> {
    let id = MaintenanceId(r.try_get("id")?);
    let components = sqlx::query("SELECT component_id FROM maintenance_components WHERE maintenance_id = $1 ORDER BY component_id")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|c| c.try_get("component_id").map(ComponentId))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Maintenance {
        id,
        title: r.try_get("title")?,
        message: r.try_get("message")?,
        starts_at: from_ms(r.try_get("starts_at_ms")?),
        ends_at: from_ms(r.try_get("ends_at_ms")?),
        created_at: from_ms(r.try_get("created_at_ms")?),
        components,
    })
}

/// Whether a switch was claimed already (a read: passes with nothing to do take no write lock).
/// Every switch that is due at `now` and not claimed yet: the start of each window under
/// way, the end of each window that is over, for each of its components (oldest first).
pub async fn due_switches(conn: &mut AnyConnection, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<(MaintenanceId, ComponentId, Edge)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT mc.maintenance_id, mc.component_id, CASE WHEN m.ends_at_ms <= $1 THEN $2 ELSE $3 END AS edge \
         FROM maintenances m JOIN maintenance_components mc ON mc.maintenance_id = m.id \
         WHERE m.starts_at_ms <= $1 AND NOT EXISTS (SELECT 1 FROM maintenance_switches s \
           WHERE s.maintenance_id = mc.maintenance_id AND s.component_id = mc.component_id \
           AND s.edge = CASE WHEN m.ends_at_ms <= $1 THEN $2 ELSE $3 END) \
         ORDER BY m.starts_at_ms, mc.maintenance_id, mc.component_id",
    )
    .bind(to_ms(now))
    .bind(Edge::End.as_str())
    .bind(Edge::Start.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let edge: String = r.try_get("edge")?;
            let edge = Edge::parse(&edge).ok_or_else(|| sqlx::Error::Decode(format!("unknown switch edge {edge:?}").into()))?;
            Ok((MaintenanceId(r.try_get("maintenance_id")?), ComponentId(r.try_get("component_id")?), edge))
        })
        .collect()
}

/// Claims one switch of one component by one window; false when it was claimed already.
pub async fn claim_switch(conn: &mut AnyConnection, m: MaintenanceId, c: ComponentId, edge: Edge) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("INSERT INTO maintenance_switches (maintenance_id, component_id, edge) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(m.0)
        .bind(c.0)
        .bind(edge.as_str())
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}
