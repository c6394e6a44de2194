//! The outbound delivery queue: everything Klaxon sends (status-page webhook updates,
//! incident notifications) waits here as a pending delivery, written in the transaction of
//! the change it is about, until a pass sends it (see `services::deliveries`).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::domain::ids::EventId;
use crate::domain::log::{Stream, StreamRef};
use crate::domain::webhook::{DeliveryState, Purpose};
use crate::server::time::{from_ms, to_ms as ms};

/// One pending delivery of a public update for every confirmed subscription.
pub async fn enqueue_for_subscribers(conn: &mut AnyConnection, event: EventId, body: &str, at: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO deliveries (purpose, subscription_id, event_id, body, next_attempt_at_ms) \
         SELECT 'status_update', id, $1, $2, $3 FROM webhook_subscriptions WHERE confirmed_at_ms IS NOT NULL",
    )
    .bind(event.0)
    .bind(body.to_string())
    .bind(ms(at))
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Whether any delivery is due at `now` (a read, so idle passes take no write lock).
pub async fn any_due(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT 1 FROM deliveries WHERE state = 'pending' AND next_attempt_at_ms <= $1 LIMIT 1").bind(ms(now)).fetch_optional(conn).await?;
    Ok(row.is_some())
}

/// One pending delivery to `url` (not to a subscription), about `event`.
pub async fn enqueue(
    conn: &mut AnyConnection,
    purpose: Purpose,
    url: &str,
    recipient: &str,
    event: EventId,
    body: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO deliveries (purpose, url, recipient, event_id, body, next_attempt_at_ms) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(purpose.as_str())
        .bind(url.to_string())
        .bind(recipient.to_string())
        .bind(event.0)
        .bind(body.to_string())
        .bind(ms(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// A claimed delivery, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub purpose: Purpose,
    pub url: String,
    /// The subscription's unsubscribe token (status updates only).
    pub token: Option<String>,
    pub recipient: String,
    pub body: String,
    pub attempts: u32,
    /// The stream of the event it is about.
    pub stream: StreamRef,
}

/// Claims up to `limit` deliveries due at `now` until `lease_until` (call inside a write
/// transaction, so no other replica claims the same ones).
pub async fn claim_due(conn: &mut AnyConnection, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    // two replicas claiming at once take different deliveries (SQLite has one writer anyway)
    let skip_taken = if conn.backend_name() == "PostgreSQL" { " FOR UPDATE OF d SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT d.id, d.purpose, COALESCE(d.url, s.url) AS url, s.token, d.recipient, d.body, d.attempts, e.stream, e.stream_id \
         FROM deliveries d LEFT JOIN webhook_subscriptions s ON s.id = d.subscription_id JOIN events e ON e.id = d.event_id \
         WHERE d.state = 'pending' AND d.next_attempt_at_ms <= $1 ORDER BY d.next_attempt_at_ms, d.id LIMIT $2{skip_taken}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ms(now)).bind(limit).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let attempts: i64 = r.try_get("attempts")?;
        let purpose: String = r.try_get("purpose")?;
        let stream: String = r.try_get("stream")?;
        out.push(Due {
            id: r.try_get("id")?,
            purpose: Purpose::parse(&purpose).ok_or_else(|| sqlx::Error::Decode(format!("unknown delivery purpose {purpose:?}").into()))?,
            url: r.try_get("url")?,
            token: r.try_get("token")?,
            recipient: r.try_get("recipient")?,
            body: r.try_get("body")?,
            attempts: attempts.max(0) as u32,
            stream: StreamRef {
                stream: Stream::parse(&stream).ok_or_else(|| sqlx::Error::Decode(format!("unknown stream {stream:?}").into()))?,
                id: r.try_get("stream_id")?,
            },
        });
    }
    if !out.is_empty() {
        // one statement for the whole batch (the only text added is the placeholders)
        let marks: Vec<String> = (0..out.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!("UPDATE deliveries SET next_attempt_at_ms = $1 WHERE id IN ({})", marks.join(", "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ms(lease_until));
        for d in &out {
            q = q.bind(d.id);
        }
        q.execute(conn).await?;
    }
    Ok(out)
}

/// Records an attempt and where it leaves the delivery (`next_attempt` when pending), if
/// the claim that made it still holds (`lease_until`); false when another pass has
/// reclaimed the delivery since.
pub async fn record_attempt(
    conn: &mut AnyConnection,
    id: i64,
    lease_until: DateTime<Utc>,
    state: DeliveryState,
    next_attempt: Option<DateTime<Utc>>,
    error: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE deliveries SET state = $1, attempts = attempts + 1, next_attempt_at_ms = $2, last_error = $3 \
         WHERE id = $4 AND state = 'pending' AND next_attempt_at_ms = $5",
    )
    .bind(state.as_str())
    .bind(next_attempt.map(ms).unwrap_or(0))
    .bind(error.chars().take(500).collect::<String>())
    .bind(id)
    .bind(ms(lease_until))
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// One delivery, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: DateTime<Utc>,
}

/// Every delivery, oldest first.
pub async fn deliveries(conn: &mut AnyConnection) -> Result<Vec<Delivery>, sqlx::Error> {
    let rows = sqlx::query("SELECT state, attempts, last_error, next_attempt_at_ms FROM deliveries ORDER BY id").fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get(0)?;
            Ok(Delivery {
                state: DeliveryState::parse(&state).ok_or_else(|| sqlx::Error::Decode(format!("unknown delivery state {state:?}").into()))?,
                attempts: r.try_get(1)?,
                last_error: r.try_get(2)?,
                next_attempt_at: from_ms(r.try_get(3)?),
            })
        })
        .collect()
}

/// Cancels an alert's pages still waiting to go out (it was acknowledged or resolved).
pub async fn cancel_pages(conn: &mut AnyConnection, alert: crate::domain::ids::AlertId) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE deliveries SET state = 'cancelled' WHERE purpose = 'page' AND state = 'pending' \
         AND event_id IN (SELECT id FROM events WHERE stream = 'alert' AND stream_id = $1)",
    )
    .bind(alert.0)
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}
