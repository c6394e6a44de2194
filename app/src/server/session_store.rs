//! A tower-sessions store on Klaxon's own database (SQLite or PostgreSQL), so sessions
//! survive restarts and are shared by replicas.

use async_trait::async_trait;
use sqlx::Row;
use time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::server::authz::USER_KEY;
use crate::server::time::to_ms;

use crate::server::db::Db;

/// A session ends after this long unused…
pub const IDLE: Duration = Duration::days(7);
/// …and after this long in any case (the cookie lives as long).
pub const ABSOLUTE: Duration = Duration::days(30);
/// Use moves a session's idle expiry forward at most this often: an ordinary request
/// writes nothing, and a write that fails (a busy database) never fails the request.
pub const TOUCH_EVERY: Duration = Duration::minutes(5);

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    idle: Duration,
    absolute: Duration,
    touch_every: Duration,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db, idle: IDLE, absolute: ABSOLUTE, touch_every: TOUCH_EVERY }
    }

    /// As [`DbSessionStore::new`], with other lifetimes (tests).
    pub fn with_lifetimes(db: Db, idle: Duration, absolute: Duration, touch_every: Duration) -> Self {
        DbSessionStore { db, idle, absolute, touch_every }
    }

    /// Removes expired sessions; run now and then.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let now = to_ms(chrono::Utc::now());
        let r = sqlx::query("DELETE FROM sessions WHERE expiry_ms < $1").bind(now).execute(self.db.pool()).await?;
        Ok(r.rows_affected())
    }

    /// When a session begun at `created_ms` expires if used at `now_ms`.
    fn expiry(&self, created_ms: i64, now_ms: i64) -> i64 {
        (now_ms + ms(self.idle)).min(created_ms + ms(self.absolute))
    }
}

fn ms(d: Duration) -> i64 {
    d.whole_milliseconds() as i64
}

fn expiry_ms(record: &Record) -> i64 {
    (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// The signed-in user a record belongs to, if any.
fn owner(record: &Record) -> Option<i64> {
    record.data.get(USER_KEY).and_then(|v| v.as_i64())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let now = to_ms(chrono::Utc::now());
        loop {
            let data = serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let r = sqlx::query("INSERT INTO sessions (id, data, expiry_ms, user_id, created_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING")
                .bind(record.id.to_string())
                .bind(data)
                .bind(self.expiry(now, now).min(expiry_ms(record)))
                .bind(owner(record))
                .bind(now)
                .execute(self.db.pool())
                .await
                .map_err(backend)?;
            if r.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let now = to_ms(chrono::Utc::now());
        let data = serde_json::to_string(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // a session keeps the start it had (its absolute lifetime runs from there)
        sqlx::query(
            "INSERT INTO sessions (id, data, expiry_ms, user_id, created_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, user_id = excluded.user_id, \
             expiry_ms = CASE WHEN excluded.expiry_ms < sessions.created_ms + $6 THEN excluded.expiry_ms ELSE sessions.created_ms + $6 END",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(self.expiry(now, now).min(expiry_ms(record)))
        .bind(owner(record))
        .bind(now)
        .bind(ms(self.absolute))
        .execute(self.db.pool())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = to_ms(chrono::Utc::now());
        let row = sqlx::query("SELECT data, expiry_ms, created_ms FROM sessions WHERE id = $1 AND expiry_ms > $2 AND created_ms > $3")
            .bind(id.to_string())
            .bind(now)
            .bind(now - ms(self.absolute))
            .fetch_optional(self.db.pool())
            .await
            .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data").map_err(backend)?;
        let record: Record = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let (expiry, created): (i64, i64) = (row.try_get("expiry_ms").map_err(backend)?, row.try_get("created_ms").map_err(backend)?);
        // in use: move the idle expiry forward, at most every few minutes, best effort
        let next = self.expiry(created, now).min(expiry_ms(&record));
        // (or sooner, when it would otherwise run out before the next chance)
        let due = next - expiry >= ms(self.touch_every) || (next > expiry && expiry - now < ms(self.touch_every));
        if due {
            let touched = sqlx::query("UPDATE sessions SET expiry_ms = $1 WHERE id = $2 AND expiry_ms < $1")
                .bind(next)
                .bind(id.to_string())
                .execute(self.db.pool())
                .await;
            if let Err(e) = touched {
                tracing::debug!(error = %e, "cannot extend a session now; it is tried again on the next request");
            }
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id.to_string()).execute(self.db.pool()).await.map_err(backend)?;
        Ok(())
    }
}

/// Ends every session of `user` (a new password, a disabled account).
pub async fn end_sessions_of(conn: &mut sqlx::AnyConnection, user: crate::domain::ids::UserId) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(conn).await?.rows_affected())
}
