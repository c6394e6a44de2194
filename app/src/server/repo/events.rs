//! The incidents' streams of the event log.

use sqlx::AnyConnection;

use crate::domain::event::{EventKind, IncidentEvent};
use crate::domain::ids::IncidentId;
use crate::domain::log::{Cursor, Stream, StreamRef};
use crate::domain::roles::Person;
use crate::server::db::Tx;
use crate::server::repo::log::{self, Row};
use crate::server::time::from_ms;

/// An incident's event from its row of the log.
pub fn decode(row: &Row) -> Result<IncidentEvent, sqlx::Error> {
    let kind: EventKind = serde_json::from_str(&row.payload).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(IncidentEvent { id: row.id, incident_id: IncidentId(row.stream.id), at: row.at, actor: row.actor.clone(), kind })
}

/// Appends one event to the incident's stream; `tx` must hold its lock.
pub async fn append(
    tx: &mut Tx,
    incident: IncidentId,
    at: chrono::DateTime<chrono::Utc>,
    actor: Option<&Person>,
    kind: EventKind,
) -> Result<IncidentEvent, sqlx::Error> {
    let payload = serde_json::to_string(&kind).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row = log::append(tx, StreamRef::incident(incident), at, actor, kind.name(), payload).await?;
    Ok(IncidentEvent { id: row.id, incident_id: incident, at, actor: actor.cloned(), kind })
}

/// One incident's log, oldest first, and the position of its last event (where a live
/// reader of the incident resumes).
pub async fn for_incident(conn: &mut AnyConnection, incident: IncidentId) -> Result<(Vec<IncidentEvent>, Cursor), sqlx::Error> {
    let rows: Vec<Row> = log::of_stream(conn, StreamRef::incident(incident)).await?;
    let end = rows.last().map_or(Cursor::START, |r| r.cursor);
    Ok((rows.iter().map(decode).collect::<Result<_, _>>()?, end))
}

/// Every public update, oldest first, with its incident's id and time. Reads no other
/// kind of event, so nothing internal can reach the public page through it.
pub async fn public_updates(conn: &mut AnyConnection) -> Result<Vec<crate::domain::status_page::PublicUpdateRecord>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, stream_id, at_ms, payload FROM events WHERE stream = $1 AND kind = 'public_update_posted' ORDER BY id")
        .bind(Stream::Incident.as_str())
        .fetch_all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        use sqlx::Row as _;
        let payload: String = r.try_get("payload")?;
        if let EventKind::PublicUpdatePosted { update } = serde_json::from_str(&payload).map_err(|e| sqlx::Error::Decode(Box::new(e)))? {
            out.push((r.try_get("id")?, r.try_get("stream_id")?, from_ms(r.try_get("at_ms")?), update));
        }
    }
    Ok(out)
}
