//! Shift-swap offers on on-call schedules.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{OverrideId, ScheduleId, SwapId, UserId};
use crate::domain::oncall::swap::{SwapOffer, SwapState};
use crate::domain::roles::Person;
use crate::server::time::{from_ms, now, to_ms};

const SELECT: &str = "SELECT o.id, o.schedule_id, o.offered_by, a.name AS offered_by_name, o.start_ms, o.end_ms, o.note, o.state, \
     o.taken_by, b.name AS taken_by_name FROM swap_offers o JOIN users a ON a.id = o.offered_by LEFT JOIN users b ON b.id = o.taken_by";

fn offer(r: &AnyRow) -> Result<SwapOffer, sqlx::Error> {
    let state: String = r.try_get("state")?;
    let taken_by: Option<i64> = r.try_get("taken_by")?;
    Ok(SwapOffer {
        id: SwapId(r.try_get("id")?),
        schedule: ScheduleId(r.try_get("schedule_id")?),
        offered_by: Person { id: UserId(r.try_get("offered_by")?), name: r.try_get("offered_by_name")? },
        start: from_ms(r.try_get("start_ms")?),
        end: from_ms(r.try_get("end_ms")?),
        note: r.try_get("note")?,
        state: SwapState::parse(&state).ok_or_else(|| sqlx::Error::Decode(format!("unknown swap state {state:?}").into()))?,
        taken_by: match taken_by {
            Some(id) => Some(Person { id: UserId(id), name: r.try_get("taken_by_name")? }),
            None => None,
        },
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    schedule: ScheduleId,
    by: UserId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    note: &str,
) -> Result<SwapId, sqlx::Error> {
    let row =
        sqlx::query("INSERT INTO swap_offers (schedule_id, offered_by, start_ms, end_ms, note, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(schedule.0)
            .bind(by.0)
            .bind(to_ms(start))
            .bind(to_ms(end))
            .bind(note.to_string())
            .bind(to_ms(now()))
            .fetch_one(conn)
            .await?;
    Ok(SwapId(row.try_get("id")?))
}

pub async fn get(conn: &mut AnyConnection, schedule: ScheduleId, id: SwapId) -> Result<Option<SwapOffer>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE o.id = $1 AND o.schedule_id = $2")))
        .bind(id.0)
        .bind(schedule.0)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(offer)
        .transpose()
}

/// A schedule's offers still open and not over, and those closed since `since`, soonest first.
pub async fn list(conn: &mut AnyConnection, schedule: ScheduleId, since: DateTime<Utc>) -> Result<Vec<SwapOffer>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE o.schedule_id = $1 AND ((o.state = 'open' AND o.end_ms > $2) OR o.closed_at_ms > $3) ORDER BY o.start_ms, o.id"
    )))
    .bind(schedule.0)
    .bind(to_ms(now()))
    .bind(to_ms(since))
    .fetch_all(conn)
    .await?;
    rows.iter().map(offer).collect()
}

/// Marks an open offer taken by `by` through `override_id`; false when it was not open.
pub async fn take(conn: &mut AnyConnection, id: SwapId, by: UserId, override_id: OverrideId) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE swap_offers SET state = 'taken', taken_by = $1, override_id = $2, closed_at_ms = $3 WHERE id = $4 AND state = 'open'")
        .bind(by.0)
        .bind(override_id.0)
        .bind(to_ms(now()))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Withdraws an open offer; false when it was not open.
pub async fn withdraw(conn: &mut AnyConnection, id: SwapId) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE swap_offers SET state = 'withdrawn', closed_at_ms = $1 WHERE id = $2 AND state = 'open'")
        .bind(to_ms(now()))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The overrides that came from taken swaps.
pub async fn override_ids(conn: &mut AnyConnection, schedule: ScheduleId) -> Result<Vec<OverrideId>, sqlx::Error> {
    let rows = sqlx::query("SELECT override_id FROM swap_offers WHERE schedule_id = $1 AND override_id IS NOT NULL").bind(schedule.0).fetch_all(conn).await?;
    rows.iter().map(|r| r.try_get("override_id").map(OverrideId)).collect()
}
