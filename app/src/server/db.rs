//! The database: SQLite (embedded default) or PostgreSQL, through sqlx's `Any` driver with
//! `$1`-style queries that both accept.
//!
//! A *write transaction* ([`Db::begin`]) names the event streams it appends to and holds
//! their locks from its first statement to its end, so each stream's events are committed
//! one writer at a time, in order; writers of other streams go on beside it. On PostgreSQL
//! the locks are transaction-scoped advisory locks shared by every replica, and the
//! transaction is numbered right after they are granted (see `domain::log` for why the
//! order of those numbers is what live readers follow). SQLite has one writer at a time
//! anyway (`BEGIN IMMEDIATE`, behind this process's writer lock).
//!
//! Nothing is published from here: after a commit that appended events the local live feed
//! is woken (and, on PostgreSQL, every other replica's by NOTIFY); it reads the new events
//! from the log in order and hands them to the hub. On SQLite the commit hands its events
//! to the feed itself, while it still holds the writer lock (see `server::feed`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::domain::log::StreamRef;
use crate::server::hub::Hub;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The PostgreSQL channel on which replicas announce new events.
pub const NOTIFY_CHANNEL: &str = "klaxon_events";
/// Sent on [`NOTIFY_CHANNEL`] when an integration key is revoked (other messages name the
/// replica that wrote events).
pub const KEY_REVOKED: &str = "key_revoked";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DbConfig {
    pub url: String,
    pub max_connections: u32,
    pub busy_timeout: Duration,
}

impl DbConfig {
    pub fn new(url: impl Into<String>) -> Self {
        DbConfig { url: url.into(), max_connections: 16, busy_timeout: Duration::from_secs(5) }
    }
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: this process's writers queue here rather than on the database's lock.
    writer: Arc<Mutex<()>>,
    url: Arc<str>,
    /// This replica, named in its notifications (for whoever reads the server's log).
    replica: u64,
}

impl Db {
    /// Connects, creating the SQLite file (and its folder) when missing.
    pub async fn connect(config: &DbConfig) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let url = config.url.trim();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(format!("DATABASE_URL must start with sqlite: or postgres://, not {url:?}").into()));
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let busy_ms = config.busy_timeout.as_millis() as u64;
        let pool = AnyPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // sqlx leaves the journal mode alone: WAL lets readers run beside the writer.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        let q = format!("PRAGMA busy_timeout = {busy_ms}");
                        conn.execute(sqlx::AssertSqlSafe(q)).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db { pool, backend, writer: Arc::new(Mutex::new(())), url: url.into(), replica: rand::random() })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&self.pool).await,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn replica(&self) -> u64 {
        self.replica
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Begins a write transaction holding the locks of `streams` (see the module
    /// documentation): the events it appends go to those streams only. A transaction that
    /// appends no events passes none.
    pub async fn begin(&self, streams: &[StreamRef]) -> Result<Tx, sqlx::Error> {
        let mut locked = streams.to_vec();
        // one order for every writer, so two that lock the same streams cannot deadlock
        locked.sort();
        locked.dedup();
        let (tx, guard) = match self.backend {
            // take SQLite's write lock up front: reads in the transaction then see every
            // commit, also another process's, and the lock is never upgraded mid-way
            Backend::Sqlite => {
                let guard = self.writer.clone().lock_owned().await;
                (self.pool.begin_with("BEGIN IMMEDIATE").await?, Some(guard))
            }
            Backend::Postgres => {
                // READ COMMITTED whatever the server's default: each statement after the
                // locks must see everything committed before they were granted
                let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await?;
                for s in &locked {
                    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(s.lock_key()).execute(&mut *tx).await?;
                }
                if !locked.is_empty() {
                    // numbered now, after the locks: a stream's writers are numbered in the
                    // order they commit
                    sqlx::query("SELECT pg_current_xact_id()::text").execute(&mut *tx).await?;
                }
                (tx, None)
            }
        };
        Ok(Tx { tx, _guard: guard, locked, appended: false, rows: vec![], notify: (self.backend == Backend::Postgres).then_some(self.replica) })
    }

    /// On SQLite, waits for this process's writer lock: while it is held no commit of this
    /// process is under way. None on PostgreSQL.
    pub async fn hold_writer(&self) -> Option<OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    /// Begins a read-only transaction whose reads all see one snapshot (SQLite's deferred
    /// transaction in WAL mode; REPEATABLE READ on PostgreSQL), so that, say, an incident and
    /// its log are read as of the same moment.
    pub async fn begin_read(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin().await,
            Backend::Postgres => self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Turns `sqlite://data/klaxon.db` into a URL that creates the file, and makes its folder.
fn sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let path_part = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = match path_part.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_part, None),
    };
    if path.is_empty() || path == ":memory:" {
        return Err(sqlx::Error::Configuration("Klaxon needs an SQLite file, not an in-memory database".into()));
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| sqlx::Error::Configuration(format!("cannot create the folder {}: {e}", parent.display()).into()))?;
        }
    }
    Ok(match query {
        Some(q) if q.contains("mode=") => format!("sqlite://{path}?{q}"),
        Some(q) => format!("sqlite://{path}?{q}&mode=rwc"),
        None => format!("sqlite://{path}?mode=rwc"),
    })
}

/// A write transaction (see [`Db::begin`]).
pub struct Tx {
    tx: Transaction<'static, Any>,
    _guard: Option<OwnedMutexGuard<()>>,
    locked: Vec<StreamRef>,
    appended: bool,
    /// On SQLite: the events appended, handed to the live feed once committed.
    rows: Vec<crate::server::repo::log::Row>,
    /// On PostgreSQL: this replica's id, sent to the other replicas when events were added.
    notify: Option<u64>,
}

impl Tx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The connection to append an event to `stream` on; an error when the transaction
    /// does not hold that stream's lock (its events could be committed out of order).
    pub fn appending(&mut self, stream: StreamRef) -> Result<&mut AnyConnection, sqlx::Error> {
        if !self.locked.contains(&stream) {
            return Err(sqlx::Error::Protocol(format!("an event for {stream:?} in a transaction that did not lock it")));
        }
        self.appended = true;
        Ok(&mut self.tx)
    }

    /// Keeps an appended event for the live feed (on SQLite; on PostgreSQL every replica's
    /// feed reads it from the log).
    pub fn appended(&mut self, row: &crate::server::repo::log::Row) {
        if self.notify.is_none() {
            self.rows.push(row.clone());
        }
    }

    /// Whether this transaction holds `stream`'s lock (may append to it).
    pub fn holds(&self, stream: StreamRef) -> bool {
        self.locked.contains(&stream)
    }

    /// Takes the lock of a stream this transaction has just created (a new incident's), so
    /// that it may append to it. Nobody else can write to the stream before this commits.
    pub async fn lock_new(&mut self, stream: StreamRef) -> Result<(), sqlx::Error> {
        if self.notify.is_some() {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(stream.lock_key()).execute(&mut *self.tx).await?;
        }
        self.locked.push(stream);
        Ok(())
    }

    /// Commits; when events were appended, wakes the live feed of this replica (on SQLite
    /// handing it the events, before the writer lock is let go) and (on PostgreSQL, by
    /// NOTIFY, delivered at commit) the others'.
    pub async fn commit(self, hub: &Hub) -> Result<(), sqlx::Error> {
        let Tx { mut tx, _guard, appended, notify, rows, .. } = self;
        if let (true, Some(replica)) = (appended, notify) {
            sqlx::query("SELECT pg_notify($1, $2)").bind(NOTIFY_CHANNEL).bind(replica.to_string()).execute(&mut *tx).await?;
        }
        // Commit in a task of its own: if the request that made the change is dropped (its
        // client went away) mid-commit, the feed is still woken.
        let hub = hub.clone();
        let finish = tokio::spawn(async move {
            tx.commit().await?;
            if !rows.is_empty() {
                hub.hand(rows);
            } else if appended {
                hub.wake_feed();
            }
            drop(_guard);
            Ok::<_, sqlx::Error>(())
        });
        finish.await.map_err(|e| sqlx::Error::Protocol(format!("commit task failed: {e}")))?
    }

    /// Commits a transaction that appended no events.
    pub async fn commit_quiet(self) -> Result<(), sqlx::Error> {
        debug_assert!(!self.appended, "events appended: commit with the hub so they go out live");
        self.tx.commit().await
    }
}

pub use sqlx::Error as DbError;

/// Booleans are stored as 0/1 integers in both databases.
pub fn flag(b: bool) -> i64 {
    b as i64
}
