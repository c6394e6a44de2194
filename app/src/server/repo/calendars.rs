//! Calendar feeds: which schedule or person a secret token shows.

use sqlx::{AnyConnection, Row};

use crate::domain::ids::{ScheduleId, UserId};
use crate::server::time::{now, to_ms};

/// What a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Schedule(ScheduleId),
    Person(UserId),
}

fn columns(feed: Feed) -> (Option<i64>, Option<i64>) {
    match feed {
        Feed::Schedule(s) => (Some(s.0), None),
        Feed::Person(u) => (None, Some(u.0)),
    }
}

/// The live token of a feed, if it has one.
pub async fn token(conn: &mut AnyConnection, feed: Feed) -> Result<Option<String>, sqlx::Error> {
    let (s, u) = columns(feed);
    let row = sqlx::query("SELECT token FROM calendar_feeds WHERE revoked_at_ms IS NULL AND (schedule_id = $1 OR user_id = $2) ORDER BY id DESC LIMIT 1")
        .bind(s)
        .bind(u)
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("token")).transpose()
}

pub async fn create(conn: &mut AnyConnection, feed: Feed, token: &str, by: UserId) -> Result<(), sqlx::Error> {
    let (s, u) = columns(feed);
    sqlx::query("INSERT INTO calendar_feeds (token, schedule_id, user_id, created_by, created_at_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(token.to_string())
        .bind(s)
        .bind(u)
        .bind(by.0)
        .bind(to_ms(now()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every live token of a feed.
pub async fn revoke(conn: &mut AnyConnection, feed: Feed) -> Result<(), sqlx::Error> {
    let (s, u) = columns(feed);
    sqlx::query("UPDATE calendar_feeds SET revoked_at_ms = $1 WHERE revoked_at_ms IS NULL AND (schedule_id = $2 OR user_id = $3)")
        .bind(to_ms(now()))
        .bind(s)
        .bind(u)
        .execute(conn)
        .await?;
    Ok(())
}

/// The feed a live token shows.
pub async fn by_token(conn: &mut AnyConnection, token: &str) -> Result<Option<Feed>, sqlx::Error> {
    let row = sqlx::query("SELECT schedule_id, user_id FROM calendar_feeds WHERE token = $1 AND revoked_at_ms IS NULL")
        .bind(token.to_string())
        .fetch_optional(conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(match (r.try_get::<Option<i64>, _>("schedule_id")?, r.try_get::<Option<i64>, _>("user_id")?) {
        (Some(s), _) => Some(Feed::Schedule(ScheduleId(s))),
        (None, Some(u)) => Some(Feed::Person(UserId(u))),
        (None, None) => None,
    })
}
