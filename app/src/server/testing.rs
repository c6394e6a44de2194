//! Support for tests that need a real database: a fresh SQLite file or a fresh PostgreSQL
//! database per test, migrated, with accounts made cheaply.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use leptos::prelude::LeptosOptions;
use sqlx::Connection;

use crate::domain::user::{AccountRole, CurrentUser};
use crate::server::db::{Backend, Db, DbConfig};
use crate::server::password;
use crate::server::repo::users;
use crate::server::state::AppState;

/// Where the PostgreSQL tests connect to create their databases.
pub fn postgres_admin_url() -> String {
    std::env::var("KLAXON_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Prefix of every database the tests create (`scripts/test` drops leftovers).
pub const TEST_DB_PREFIX: &str = "klaxon_test_";

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst), nanos)
}

/// A database URL for a new, empty database of the backend.
pub async fn fresh_url(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("klaxon-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("sqlite://{}/{}.db", dir.display(), unique())
        }
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let admin = postgres_admin_url();
            let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap_or_else(|e| panic!("PostgreSQL must answer at {admin} for the store tests: {e}"));
            let name = format!("{TEST_DB_PREFIX}{}", unique());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create database");
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
            format!("{base}/{name}")
        }
    }
}

/// A migrated, empty database of the backend.
pub async fn fresh_db(backend: Backend) -> Db {
    let db = Db::connect(&DbConfig::new(fresh_url(backend).await)).await.expect("connect");
    db.migrate().await.expect("migrate");
    db
}

/// Application state on a fresh database, its live feed running.
pub async fn fresh_state(backend: Backend) -> AppState {
    let state = AppState::new(LeptosOptions::builder().output_name("klaxon").build(), fresh_db(backend).await);
    crate::server::feed::start(&state.db, &state.hub).await;
    state
}

/// The password every test account has.
pub const TEST_PASSWORD: &str = "correct horse battery";

fn test_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash(TEST_PASSWORD).expect("hash"))
}

/// Adds an account (hashing the shared test password only once per process).
pub async fn user(db: &Db, name: &str, role: AccountRole) -> CurrentUser {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    let mut conn = db.pool().acquire().await.expect("conn");
    let id = users::upsert(&mut conn, &email, name, role, test_hash()).await.expect("user");
    CurrentUser { id, email, name: name.into(), role }
}

/// Runs each named async test function (taking a [`Backend`]) on SQLite and on PostgreSQL:
/// `on_both_backends!(test_a, test_b);` makes `sqlite::test_a`, `postgres::test_a`, …
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::server::db::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::server::db::Backend::Postgres).await })*
        }
    };
}

/// The events of `part` after `after`, once nothing still running holds any of them back
/// (on PostgreSQL the tests of other databases on the same server may, for a moment).
pub async fn settled_log(db: &Db, part: crate::server::repo::log::Part, after: crate::domain::log::Cursor) -> Vec<crate::server::repo::log::Row> {
    let mut conn = db.pool().acquire().await.expect("connection");
    for _ in 0..500 {
        let (rows, held) = crate::server::repo::log::since(&mut conn, part, after, 10_000).await.expect("read the log");
        if !held {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the log stayed held back for 5 s");
}
