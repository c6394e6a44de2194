//! Near-misses as stored.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{IncidentId, NearMissId, PostmortemId, ServiceId, UserId};
use crate::domain::incident::ServiceRef;
use crate::domain::near_miss::{NearMiss, NearMissDraft, Review};
use crate::domain::postmortem::record::PostmortemStatus;
use crate::domain::roles::Person;
use crate::server::time::{from_ms, to_ms};

const SELECT: &str = "SELECT n.id, n.title, n.what_happened, n.caught_by, n.occurred_at_ms, n.recorded_at_ms, n.incident_id, \
     n.service_id, s.slug AS service_slug, s.name AS service_name, n.recorded_by, u.name AS recorded_by_name, \
     n.review_contributing, n.review_lucky, n.review_changes, n.reviewed_by, n.reviewed_at_ms, r.name AS reviewed_by_name, \
     p.id AS postmortem_id, p.status AS postmortem_status \
     FROM near_misses n JOIN users u ON u.id = n.recorded_by LEFT JOIN services s ON s.id = n.service_id \
     LEFT JOIN users r ON r.id = n.reviewed_by LEFT JOIN postmortems p ON p.near_miss_id = n.id";

fn near_miss(r: &AnyRow) -> Result<NearMiss, sqlx::Error> {
    let service: Option<i64> = r.try_get("service_id")?;
    let incident: Option<i64> = r.try_get("incident_id")?;
    Ok(NearMiss {
        id: NearMissId(r.try_get("id")?),
        title: r.try_get("title")?,
        what_happened: r.try_get("what_happened")?,
        caught_by: r.try_get("caught_by")?,
        service: match service {
            Some(id) => Some(ServiceRef { id: ServiceId(id), slug: r.try_get("service_slug")?, name: r.try_get("service_name")? }),
            None => None,
        },
        occurred_at: from_ms(r.try_get("occurred_at_ms")?),
        recorded_by: Person { id: UserId(r.try_get("recorded_by")?), name: r.try_get("recorded_by_name")? },
        recorded_at: from_ms(r.try_get("recorded_at_ms")?),
        incident: incident.map(IncidentId),
        review: review(r)?,
        postmortem: match r.try_get::<Option<i64>, _>("postmortem_id")? {
            Some(id) => {
                let status: String = r.try_get("postmortem_status")?;
                let status = PostmortemStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("unknown postmortem status {status:?}").into()))?;
                Some((PostmortemId(id), status))
            }
            None => None,
        },
    })
}

fn review(r: &AnyRow) -> Result<Option<Review>, sqlx::Error> {
    let (Some(by), Some(at)) = (r.try_get::<Option<i64>, _>("reviewed_by")?, r.try_get::<Option<i64>, _>("reviewed_at_ms")?) else { return Ok(None) };
    Ok(Some(Review {
        contributing: r.try_get::<Option<String>, _>("review_contributing")?.unwrap_or_default(),
        lucky: r.try_get::<Option<String>, _>("review_lucky")?.unwrap_or_default(),
        changes: r.try_get::<Option<String>, _>("review_changes")?.unwrap_or_default(),
        by: Person { id: UserId(by), name: r.try_get::<Option<String>, _>("reviewed_by_name")?.unwrap_or_default() },
        at: from_ms(at),
    }))
}

pub async fn insert(conn: &mut AnyConnection, d: &NearMissDraft, service: Option<ServiceId>, by: UserId, at: DateTime<Utc>) -> Result<NearMissId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO near_misses (title, what_happened, caught_by, service_id, occurred_at_ms, recorded_by, recorded_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(d.title.as_str().to_string())
    .bind(d.what_happened.clone())
    .bind(d.caught_by.clone())
    .bind(service.map(|s| s.0))
    .bind(to_ms(d.occurred_at))
    .bind(by.0)
    .bind(to_ms(at))
    .fetch_one(conn)
    .await?;
    Ok(NearMissId(row.try_get("id")?))
}

pub async fn get(conn: &mut AnyConnection, id: NearMissId) -> Result<Option<NearMiss>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE n.id = $1"))).bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(near_miss).transpose()
}

/// The near-misses that happened in `[from, to)`, newest first, at most `limit`.
pub async fn between(conn: &mut AnyConnection, from: DateTime<Utc>, to: DateTime<Utc>, limit: i64) -> Result<Vec<NearMiss>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE n.occurred_at_ms >= $1 AND n.occurred_at_ms < $2 ORDER BY n.occurred_at_ms DESC, n.id DESC LIMIT $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to_ms(from)).bind(to_ms(to)).bind(limit).fetch_all(conn).await?;
    rows.iter().map(near_miss).collect()
}

/// Holds near-miss `id` for the transaction declaring it, when no incident was declared from
/// it yet (`false` otherwise): on PostgreSQL a second declaring transaction waits here, then
/// finds it declared; SQLite runs one writer at a time.
pub async fn claim(conn: &mut AnyConnection, id: NearMissId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE near_misses SET incident_id = NULL WHERE id = $1 AND incident_id IS NULL").bind(id.0).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Records that `incident` was declared from the near-miss; `false` when one was already
/// (or there is no such near-miss).
pub async fn declared_as(conn: &mut AnyConnection, id: NearMissId, incident: IncidentId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE near_misses SET incident_id = $1 WHERE id = $2 AND incident_id IS NULL").bind(incident.0).bind(id.0).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
