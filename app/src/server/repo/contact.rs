//! People's notification rules, and the single-use acknowledgement links pages carry.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::domain::contact::{Channel, NotificationRule};
use crate::domain::ids::{AlertId, UserId};
use crate::server::time::to_ms;

fn rule(r: &sqlx::any::AnyRow) -> Result<NotificationRule, sqlx::Error> {
    let channel: String = r.try_get("channel")?;
    let delay: i64 = r.try_get("delay_minutes")?;
    Ok(NotificationRule {
        id: r.try_get("id")?,
        channel: Channel::parse(&channel).ok_or_else(|| sqlx::Error::Decode(format!("unknown channel {channel:?}").into()))?,
        address: r.try_get("address")?,
        delay_minutes: delay.clamp(0, i64::from(u32::MAX)) as u32,
    })
}

/// A person's rules, soonest first.
pub async fn rules(conn: &mut AnyConnection, user: UserId) -> Result<Vec<NotificationRule>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, channel, address, delay_minutes FROM notification_rules WHERE user_id = $1 ORDER BY delay_minutes, id")
        .bind(user.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(rule).collect()
}

/// Adds a rule; false when the person has this very rule already.
pub async fn add_rule(
    conn: &mut AnyConnection,
    user: UserId,
    channel: Channel,
    address: &str,
    delay_minutes: u32,
    at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO notification_rules (user_id, channel, address, delay_minutes, created_at_ms) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, channel, address, delay_minutes) DO NOTHING",
    )
    .bind(user.0)
    .bind(channel.as_str())
    .bind(address.to_string())
    .bind(i64::from(delay_minutes))
    .bind(to_ms(at))
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Removes one of the person's rules; false when they have no such rule.
pub async fn remove_rule(conn: &mut AnyConnection, user: UserId, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM notification_rules WHERE id = $1 AND user_id = $2").bind(id).bind(user.0).execute(conn).await?;
    Ok(r.rows_affected() == 1)
}

/// Keeps an acknowledgement link (its secret's hash).
pub async fn add_ack_link(
    conn: &mut AnyConnection,
    token_hash: &str,
    alert: AlertId,
    user: UserId,
    at: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ack_links (token_hash, alert_id, user_id, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash.to_string())
        .bind(alert.0)
        .bind(user.0)
        .bind(to_ms(at))
        .bind(to_ms(expires))
        .execute(conn)
        .await?;
    Ok(())
}

/// What a link is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckLink {
    /// Unused and unexpired: for this alert and person.
    Valid {
        alert: AlertId,
        user: UserId,
    },
    Used,
    Expired,
}

/// Looks a link up by its secret's hash; `None` when there is no such link.
pub async fn ack_link(conn: &mut AnyConnection, token_hash: &str, now: DateTime<Utc>) -> Result<Option<AckLink>, sqlx::Error> {
    let row = sqlx::query("SELECT alert_id, user_id, expires_at_ms, used_at_ms FROM ack_links WHERE token_hash = $1")
        .bind(token_hash.to_string())
        .fetch_optional(conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let used: Option<i64> = r.try_get("used_at_ms")?;
    let expires: i64 = r.try_get("expires_at_ms")?;
    Ok(Some(match used {
        Some(_) => AckLink::Used,
        None if expires <= to_ms(now) => AckLink::Expired,
        None => AckLink::Valid { alert: AlertId(r.try_get("alert_id")?), user: UserId(r.try_get("user_id")?) },
    }))
}

/// Spends a link: true for exactly one caller, however many use it at once.
pub async fn use_ack_link(conn: &mut AnyConnection, token_hash: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE ack_links SET used_at_ms = $1 WHERE token_hash = $2 AND used_at_ms IS NULL AND expires_at_ms > $1")
        .bind(to_ms(now))
        .bind(token_hash.to_string())
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}
