//! Who has a postmortem's editor open, and where their caret is (overwritten every few
//! seconds; not history).

use sqlx::{AnyConnection, Row};

use crate::domain::ids::{PostmortemId, UserId};
use crate::domain::postmortem::presence::Peer;

/// Notes that `client` (written by `user`) has the editor open, its caret at `caret`.
pub async fn put(conn: &mut AnyConnection, id: PostmortemId, client: u64, user: UserId, caret: &str, now_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO postmortem_presence (postmortem_id, client, user_id, caret, seen_at_ms) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (postmortem_id, client) DO UPDATE SET user_id = excluded.user_id, caret = excluded.caret, seen_at_ms = excluded.seen_at_ms",
    )
    .bind(id.0)
    .bind(client as i64)
    .bind(user.0)
    .bind(caret)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// The other editors seen since `since_ms`, by name.
pub async fn others(conn: &mut AnyConnection, id: PostmortemId, client: u64, since_ms: i64) -> Result<Vec<Peer>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.client, u.name, p.caret FROM postmortem_presence p JOIN users u ON u.id = p.user_id \
         WHERE p.postmortem_id = $1 AND p.client <> $2 AND p.seen_at_ms >= $3 ORDER BY u.name, p.client",
    )
    .bind(id.0)
    .bind(client as i64)
    .bind(since_ms)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(Peer { client: r.try_get::<i64, _>("client")? as u64, name: r.try_get("name")?, caret: r.try_get("caret")? })).collect()
}

/// Forgets editors not seen since `before_ms`.
pub async fn forget_before(conn: &mut AnyConnection, before_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM postmortem_presence WHERE seen_at_ms < $1").bind(before_ms).execute(conn).await?;
    Ok(())
}
