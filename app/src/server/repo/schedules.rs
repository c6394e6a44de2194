//! On-call schedules and their overrides.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{OverrideId, ScheduleId, UserId};
use crate::domain::log::StreamRef;
use crate::domain::oncall::view::ScheduleChange;
use crate::domain::oncall::{Layer, Override};
use crate::domain::roles::Person;
use crate::server::db::Tx;
use crate::server::time::{from_ms, now, to_ms};

/// A schedule as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: ScheduleId,
    pub name: String,
    pub time_zone: String,
    pub description: String,
    pub layers: Vec<Layer>,
    pub source_yaml: String,
    pub version: i64,
}

fn stored(r: &AnyRow) -> Result<Stored, sqlx::Error> {
    let layers: String = r.try_get("layers")?;
    Ok(Stored {
        id: ScheduleId(r.try_get("id")?),
        name: r.try_get("name")?,
        time_zone: r.try_get("time_zone")?,
        description: r.try_get("description")?,
        layers: serde_json::from_str(&layers).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        source_yaml: r.try_get("source_yaml")?,
        version: r.try_get("version")?,
    })
}

const COLUMNS: &str = "id, name, time_zone, description, layers, source_yaml, version";

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Stored>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM schedules ORDER BY name"))).fetch_all(conn).await?;
    rows.iter().map(stored).collect()
}

pub async fn get(conn: &mut AnyConnection, id: ScheduleId) -> Result<Option<Stored>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM schedules WHERE id = $1"))).bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(stored).transpose()
}

pub async fn name_taken(conn: &mut AnyConnection, name: &str, other_than: Option<ScheduleId>) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT 1 FROM schedules WHERE name = $1 AND id <> $2")
        .bind(name.to_string())
        .bind(other_than.map_or(0, |i| i.0))
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// The new schedule's id.
pub async fn insert(conn: &mut AnyConnection, s: &Stored) -> Result<ScheduleId, sqlx::Error> {
    let layers = serde_json::to_string(&s.layers).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row = sqlx::query(
        "INSERT INTO schedules (name, time_zone, description, layers, source_yaml, version, updated_at_ms) VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
    )
    .bind(s.name.clone())
    .bind(s.time_zone.clone())
    .bind(s.description.clone())
    .bind(layers)
    .bind(s.source_yaml.clone())
    .bind(to_ms(now()))
    .fetch_one(conn)
    .await?;
    Ok(ScheduleId(row.try_get("id")?))
}

/// Replaces a schedule if it is still at `s.version`; its new version, or `None` when
/// someone saved it in between.
pub async fn update(conn: &mut AnyConnection, s: &Stored) -> Result<Option<i64>, sqlx::Error> {
    let layers = serde_json::to_string(&s.layers).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let r = sqlx::query(
        "UPDATE schedules SET name = $1, time_zone = $2, description = $3, layers = $4, source_yaml = $5, version = version + 1, updated_at_ms = $6 \
         WHERE id = $7 AND version = $8",
    )
    .bind(s.name.clone())
    .bind(s.time_zone.clone())
    .bind(s.description.clone())
    .bind(layers)
    .bind(s.source_yaml.clone())
    .bind(to_ms(now()))
    .bind(s.id.0)
    .bind(s.version)
    .execute(conn)
    .await?;
    Ok((r.rows_affected() == 1).then_some(s.version + 1))
}

/// The overrides of a schedule that reach into `[from, to)`, oldest first (a later one wins
/// where they overlap), with their ids.
pub async fn overrides(
    conn: &mut AnyConnection,
    schedule: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(OverrideId, Override)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, user_id, start_ms, end_ms FROM schedule_overrides WHERE schedule_id = $1 AND removed_at_ms IS NULL AND end_ms > $2 AND start_ms < $3 ORDER BY id",
    )
    .bind(schedule.0)
    .bind(to_ms(from))
    .bind(to_ms(to))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                OverrideId(r.try_get("id")?),
                Override { user: UserId(r.try_get("user_id")?), start: from_ms(r.try_get("start_ms")?), end: from_ms(r.try_get("end_ms")?) },
            ))
        })
        .collect()
}

pub async fn add_override(conn: &mut AnyConnection, schedule: ScheduleId, o: &Override, by: UserId) -> Result<OverrideId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO schedule_overrides (schedule_id, user_id, start_ms, end_ms, created_by, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(schedule.0)
    .bind(o.user.0)
    .bind(to_ms(o.start))
    .bind(to_ms(o.end))
    .bind(by.0)
    .bind(to_ms(now()))
    .fetch_one(conn)
    .await?;
    Ok(OverrideId(row.try_get("id")?))
}

/// Marks an override removed; the user it was for, or `None` when there is no such override
/// (or it was removed already).
pub async fn remove_override(conn: &mut AnyConnection, schedule: ScheduleId, id: OverrideId) -> Result<Option<UserId>, sqlx::Error> {
    let row = sqlx::query("UPDATE schedule_overrides SET removed_at_ms = $1 WHERE id = $2 AND schedule_id = $3 AND removed_at_ms IS NULL RETURNING user_id")
        .bind(to_ms(now()))
        .bind(id.0)
        .bind(schedule.0)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("user_id").map(UserId)).transpose()
}

/// Appends a change to the schedule's stream; `tx` must hold its lock.
pub async fn record(tx: &mut Tx, schedule: ScheduleId, actor: Option<&Person>, change: &ScheduleChange) -> Result<(), sqlx::Error> {
    crate::server::repo::log::append_change(tx, StreamRef::schedule(schedule), actor, change.name(), change).await?;
    Ok(())
}

/// Writes (or rewrites) the note for the handoff at `at`.
pub async fn write_note(conn: &mut AnyConnection, schedule: ScheduleId, at: DateTime<Utc>, author: UserId, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO handoff_notes (schedule_id, handoff_at_ms, author_id, body, written_at_ms) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (schedule_id, handoff_at_ms) DO UPDATE SET author_id = excluded.author_id, body = excluded.body, written_at_ms = excluded.written_at_ms",
    )
    .bind(schedule.0)
    .bind(to_ms(at))
    .bind(author.0)
    .bind(body.to_string())
    .bind(to_ms(now()))
    .execute(conn)
    .await?;
    Ok(())
}

/// The note for the handoff at `at`, with its author's name.
pub async fn note(conn: &mut AnyConnection, schedule: ScheduleId, at: DateTime<Utc>) -> Result<Option<crate::domain::oncall::view::HandoffNote>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT u.name, n.body, n.written_at_ms FROM handoff_notes n JOIN users u ON u.id = n.author_id WHERE n.schedule_id = $1 AND n.handoff_at_ms = $2",
    )
    .bind(schedule.0)
    .bind(to_ms(at))
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(crate::domain::oncall::view::HandoffNote {
            handoff_at: at,
            author: r.try_get("name")?,
            body: r.try_get("body")?,
            written_at: from_ms(r.try_get("written_at_ms")?),
        })
    })
    .transpose()
}
