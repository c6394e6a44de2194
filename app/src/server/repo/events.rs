//! The incident event log.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::event::{EventKind, IncidentEvent};
use crate::domain::ids::{EventId, IncidentId, UserId};
use crate::domain::roles::Person;
use crate::server::time::{from_ms, to_ms};

fn event(row: &AnyRow) -> Result<IncidentEvent, sqlx::Error> {
    let payload: String = row.try_get("payload")?;
    let kind: EventKind = serde_json::from_str(&payload).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let actor_id: Option<i64> = row.try_get("actor_id")?;
    let actor_name: Option<String> = row.try_get("actor_name")?;
    Ok(IncidentEvent {
        id: EventId(row.try_get("id")?),
        incident_id: IncidentId(row.try_get("incident_id")?),
        at: from_ms(row.try_get("at_ms")?),
        actor: actor_id.map(|id| Person { id: UserId(id), name: actor_name.unwrap_or_default() }),
        kind,
    })
}

/// Appends one event; call inside the write transaction that makes the change.
pub async fn append(
    conn: &mut AnyConnection,
    incident: IncidentId,
    at: chrono::DateTime<chrono::Utc>,
    actor: Option<&Person>,
    kind: EventKind,
) -> Result<IncidentEvent, sqlx::Error> {
    let payload = serde_json::to_string(&kind).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row = sqlx::query(
        "INSERT INTO incident_events (incident_id, at_ms, actor_id, actor_name, kind, payload) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(incident.0)
    .bind(to_ms(at))
    .bind(actor.map(|a| a.id.0))
    .bind(actor.map(|a| a.name.clone()))
    .bind(kind.name())
    .bind(payload)
    .fetch_one(conn)
    .await?;
    Ok(IncidentEvent { id: EventId(row.try_get("id")?), incident_id: incident, at, actor: actor.cloned(), kind })
}

/// The ids of the newest event of all incidents and of this one (0 when none); read
/// inside the write transaction, just before appending, they are the new event's
/// predecessors on the `incidents` and `incident:{id}` topics.
pub async fn predecessors(conn: &mut AnyConnection, incident: IncidentId) -> Result<(EventId, EventId), sqlx::Error> {
    let all = last_id(&mut *conn, None).await?;
    let mine = last_id(conn, Some(incident)).await?;
    Ok((all, mine))
}

/// The newest event of `incident` before event `before`.
pub async fn previous_in_incident(conn: &mut AnyConnection, incident: IncidentId, before: EventId) -> Result<EventId, sqlx::Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM incident_events WHERE incident_id = $1 AND id < $2")
        .bind(incident.0)
        .bind(before.0)
        .fetch_one(conn)
        .await?;
    Ok(EventId(row.try_get("m")?))
}

const COLUMNS: &str = "id, incident_id, at_ms, actor_id, actor_name, kind, payload";

/// One incident's log, oldest first.
pub async fn for_incident(conn: &mut AnyConnection, incident: IncidentId) -> Result<Vec<IncidentEvent>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM incident_events WHERE incident_id = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(incident.0).fetch_all(conn).await?;
    rows.iter().map(event).collect()
}

/// Events after `after`, oldest first, at most `limit`; of one incident or of all.
pub async fn since(conn: &mut AnyConnection, incident: Option<IncidentId>, after: EventId, limit: i64) -> Result<Vec<IncidentEvent>, sqlx::Error> {
    let rows = match incident {
        Some(id) => {
            let sql = format!("SELECT {COLUMNS} FROM incident_events WHERE incident_id = $1 AND id > $2 ORDER BY id LIMIT $3");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).bind(after.0).bind(limit).fetch_all(conn).await?
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM incident_events WHERE id > $1 ORDER BY id LIMIT $2");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after.0).bind(limit).fetch_all(conn).await?
        }
    };
    rows.iter().map(event).collect()
}

/// The newest event id of one incident or of all (0 when there is none).
pub async fn last_id(conn: &mut AnyConnection, incident: Option<IncidentId>) -> Result<EventId, sqlx::Error> {
    let row = match incident {
        Some(id) => sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM incident_events WHERE incident_id = $1").bind(id.0).fetch_one(conn).await?,
        None => sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM incident_events").fetch_one(conn).await?,
    };
    Ok(EventId(row.try_get("m")?))
}

/// Every public update, oldest first, with its incident's id and time. Reads no other
/// kind of event, so nothing internal can reach the public page through it.
pub async fn public_updates(conn: &mut AnyConnection) -> Result<Vec<crate::domain::status_page::PublicUpdateRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.id, e.incident_id, e.at_ms, e.payload FROM incident_events e \
         WHERE e.kind = 'public_update_posted' ORDER BY e.id",
    )
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let payload: String = r.try_get("payload")?;
        if let EventKind::PublicUpdatePosted { update } = serde_json::from_str(&payload).map_err(|e| sqlx::Error::Decode(Box::new(e)))? {
            out.push((r.try_get("id")?, r.try_get("incident_id")?, from_ms(r.try_get("at_ms")?), update));
        }
    }
    Ok(out)
}
