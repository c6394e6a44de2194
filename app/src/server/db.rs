//! The database: SQLite (embedded default) or PostgreSQL, through sqlx's `Any` driver with
//! `$1`-style queries that both accept.
//!
//! Every transaction that appends incident events is a *write transaction* ([`Db::begin`]):
//! it holds this process's writer lock, and the database's (SQLite's write lock through
//! `BEGIN IMMEDIATE`; on PostgreSQL a transaction-scoped advisory lock shared by all
//! replicas), from its first statement until its events have been published. Event ids are therefore committed, and published, in increasing order, which
//! is what lets a live subscriber resume with `Last-Event-ID` and miss nothing.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::server::hub::{Hub, Publication};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The advisory lock key that serialises event-appending transactions across replicas.
const EVENT_LOCK_KEY: i64 = 0x6b6c_6178_6f6e; // "klaxon"

/// The PostgreSQL channel on which replicas announce new events.
pub const NOTIFY_CHANNEL: &str = "klaxon_events";

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
    writer: Arc<Mutex<()>>,
    url: Arc<str>,
    /// Tells this process's notifications from other replicas' (see `bridge`).
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

    /// Begins a write transaction (see the module documentation).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let guard = self.writer.clone().lock_owned().await;
        let tx = match self.backend {
            // take SQLite's write lock up front: reads in the transaction then see every
            // commit, also another process's, and the lock is never upgraded mid-way
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                // READ COMMITTED whatever the server's default: each statement after the
                // lock must see everything committed before the lock was granted
                let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENT_LOCK_KEY).execute(&mut *tx).await?;
                tx
            }
        };
        Ok(Tx { tx, guard, pending: Vec::new(), notify: (self.backend == Backend::Postgres).then_some(self.replica) })
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

/// A write transaction. Events appended in it are published to live subscribers after
/// commit, while the writer lock is still held, so they go out in id order.
pub struct Tx {
    tx: Transaction<'static, Any>,
    guard: OwnedMutexGuard<()>,
    pending: Vec<Publication>,
    /// On PostgreSQL: this replica's id, sent with each event id to the other replicas.
    notify: Option<u64>,
}

impl Tx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Queues a live event for publication after a successful commit.
    pub fn publish_after_commit(&mut self, publication: Publication) {
        self.pending.push(publication);
    }

    /// Commits, then publishes the queued events; on error nothing is published. On
    /// PostgreSQL the other replicas are told too (NOTIFY is delivered at commit).
    pub async fn commit(self, hub: &Hub) -> Result<(), sqlx::Error> {
        let Tx { mut tx, guard, pending, notify } = self;
        if let (Some(replica), Some(last)) = (notify, pending.last()) {
            let payload = format!("{replica}:{}", last.event.event.id);
            sqlx::query("SELECT pg_notify($1, $2)").bind(NOTIFY_CHANNEL).bind(payload).execute(&mut *tx).await?;
        }
        // Commit and publish in a task of their own: if the request that made the change
        // is dropped (its client went away) mid-commit, the change is still published.
        let hub = hub.clone();
        let finish = tokio::spawn(async move {
            tx.commit().await?;
            for publication in &pending {
                hub.publish(publication);
            }
            drop(guard);
            Ok::<_, sqlx::Error>(())
        });
        finish.await.map_err(|e| sqlx::Error::Protocol(format!("commit task failed: {e}")))?
    }

    /// Commits without publishing or notifying (for transactions that append no events).
    pub async fn commit_quiet(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

pub use sqlx::Error as DbError;

/// Booleans are stored as 0/1 integers in both databases.
pub fn flag(b: bool) -> i64 {
    b as i64
}
