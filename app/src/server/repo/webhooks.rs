//! Webhook subscriptions and their deliveries.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::domain::webhook::{shown_url, CONFIRM_WITHIN};
use crate::domain::webhook_admin::WebhookSubscription;
use crate::server::time::{from_ms, to_ms as ms};

pub async fn url_taken(conn: &mut AnyConnection, url: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("SELECT 1 FROM webhook_subscriptions WHERE url = $1").bind(url.to_string()).fetch_optional(conn).await?.is_some())
}

/// A new subscription; `confirmed_at` is `None` until its receiver confirms it.
pub async fn subscribe(
    conn: &mut AnyConnection,
    url: &str,
    token: &str,
    confirm_token: &str,
    confirmed_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let row =
        sqlx::query("INSERT INTO webhook_subscriptions (url, token, confirm_token, confirmed_at_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(url.to_string())
            .bind(token.to_string())
            .bind(confirm_token.to_string())
            .bind(confirmed_at.map(ms))
            .bind(ms(at))
            .fetch_one(conn)
            .await?;
    row.try_get(0)
}

/// Drops the subscriptions still unconfirmed that were made before `before`; returns how many.
pub async fn drop_unconfirmed(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("DELETE FROM webhook_subscriptions WHERE confirmed_at_ms IS NULL AND created_at_ms < $1").bind(ms(before)).execute(conn).await?;
    Ok(r.rows_affected())
}

/// How many subscriptions count at `now`, and how many of them wait for confirmation (one
/// unconfirmed for longer than [`CONFIRM_WITHIN`] no longer counts).
pub async fn counts(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<(u64, u64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN confirmed_at_ms IS NULL THEN 1 ELSE 0 END), 0) FROM webhook_subscriptions \
         WHERE confirmed_at_ms IS NOT NULL OR created_at_ms >= $1",
    )
    .bind(ms(now - CONFIRM_WITHIN))
    .fetch_one(conn)
    .await?;
    let total: i64 = row.try_get(0)?;
    let waiting: i64 = row.try_get(1)?;
    Ok((total.max(0) as u64, waiting.max(0) as u64))
}

/// What confirming a subscription found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    Now,
    Already,
    NoSuchSubscription,
}

/// Confirms the subscription whose challenge is `confirm_token`.
pub async fn confirm(conn: &mut AnyConnection, confirm_token: &str, at: DateTime<Utc>) -> Result<Confirmed, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT confirmed_at_ms FROM webhook_subscriptions WHERE confirm_token = $1")
        .bind(confirm_token.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(Confirmed::NoSuchSubscription);
    };
    if row.try_get::<Option<i64>, _>(0)?.is_some() {
        return Ok(Confirmed::Already);
    }
    sqlx::query("UPDATE webhook_subscriptions SET confirmed_at_ms = $1 WHERE confirm_token = $2")
        .bind(ms(at))
        .bind(confirm_token.to_string())
        .execute(conn)
        .await?;
    Ok(Confirmed::Now)
}

/// Removes the subscription with this token (and its pending deliveries); false when none.
pub async fn unsubscribe(conn: &mut AnyConnection, token: &str) -> Result<bool, sqlx::Error> {
    let Some(row) = sqlx::query("SELECT id FROM webhook_subscriptions WHERE token = $1").bind(token.to_string()).fetch_optional(&mut *conn).await? else {
        return Ok(false);
    };
    let id: i64 = row.try_get(0)?;
    sqlx::query("DELETE FROM deliveries WHERE subscription_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1").bind(id).execute(conn).await?;
    Ok(true)
}

/// Every subscription with its delivery counts (for the admin screen), oldest first.
pub async fn subscriptions(conn: &mut AnyConnection) -> Result<Vec<WebhookSubscription>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT s.id, s.url, s.created_at_ms, CASE WHEN s.confirmed_at_ms IS NULL THEN 0 ELSE 1 END, \
           (SELECT COUNT(*) FROM deliveries d WHERE d.subscription_id = s.id AND d.state = 'delivered'), \
           (SELECT COUNT(*) FROM deliveries d WHERE d.subscription_id = s.id AND d.state = 'pending'), \
           (SELECT COUNT(*) FROM deliveries d WHERE d.subscription_id = s.id AND d.state = 'failed'), \
           COALESCE((SELECT d.last_error FROM deliveries d WHERE d.subscription_id = s.id AND d.last_error <> '' ORDER BY d.id DESC LIMIT 1), '') \
         FROM webhook_subscriptions s ORDER BY s.id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(WebhookSubscription {
                id: r.try_get(0)?,
                shown_url: shown_url(&r.try_get::<String, _>(1)?),
                created_at: from_ms(r.try_get(2)?),
                confirmed: r.try_get::<i64, _>(3)? != 0,
                delivered: r.try_get(4)?,
                waiting: r.try_get(5)?,
                failed: r.try_get(6)?,
                last_error: r.try_get(7)?,
            })
        })
        .collect()
}

/// Removes a subscription (and its deliveries) by id; false when there is none.
pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM deliveries WHERE subscription_id = $1").bind(id).execute(&mut *conn).await?;
    let r = sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1").bind(id).execute(conn).await?;
    Ok(r.rows_affected() > 0)
}

/// Gives a subscription's given-up deliveries a fresh set of attempts, the first due at
/// `at`; returns how many. None when there is no such subscription.
pub async fn retry_failed(conn: &mut AnyConnection, id: i64, at: DateTime<Utc>) -> Result<Option<u64>, sqlx::Error> {
    if sqlx::query("SELECT 1 FROM webhook_subscriptions WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?.is_none() {
        return Ok(None);
    }
    let r = sqlx::query("UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at_ms = $1 WHERE subscription_id = $2 AND state = 'failed'")
        .bind(ms(at))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(Some(r.rows_affected()))
}
