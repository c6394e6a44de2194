//! Sessions on both databases: idle and absolute lifetimes, an idle expiry moved forward at
//! most every few minutes (an ordinary request writes nothing), and a new password or a
//! disabled account ending every session of that user.
#![cfg(feature = "testing")]

use std::net::{IpAddr, Ipv4Addr};

use app::domain::user::AccountRole;
use app::error::ErrorKind;
use app::on_both_backends;
use app::server::authz::USER_KEY;
use app::server::db::{Backend, Db};
use app::server::services::auth;
use app::server::session_store::{DbSessionStore, ABSOLUTE, IDLE, TOUCH_EVERY};
use app::server::state::AppState;
use app::server::testing::{fresh_state, user, TEST_PASSWORD};
use sqlx::Row;
use tower_sessions::session::{Id, Record};
use tower_sessions::SessionStore;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn ms(d: time::Duration) -> i64 {
    d.whole_milliseconds() as i64
}

/// A stored session of `user_id`.
async fn session_of(store: &DbSessionStore, user_id: i64) -> Id {
    let mut record = Record {
        id: Id::default(),
        data: [(USER_KEY.to_string(), serde_json::json!(user_id))].into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + ABSOLUTE,
    };
    store.create(&mut record).await.unwrap();
    record.id
}

async fn times(db: &Db, id: Id) -> (i64, i64) {
    let row = sqlx::query("SELECT expiry_ms, created_ms FROM sessions WHERE id = $1").bind(id.to_string()).fetch_one(db.pool()).await.unwrap();
    (row.try_get("expiry_ms").unwrap(), row.try_get("created_ms").unwrap())
}

async fn set(db: &Db, id: Id, column: &str, value: i64) {
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE sessions SET {column} = $1 WHERE id = $2")))
        .bind(value)
        .bind(id.to_string())
        .execute(db.pool())
        .await
        .unwrap();
}

async fn idle_expiry_moves_at_most_every_few_minutes(b: Backend) {
    let state = fresh_state(b).await;
    let store = DbSessionStore::new(state.db.clone());
    let id = session_of(&store, 1).await;
    let (expiry, created) = times(&state.db, id).await;
    assert!((expiry - (created + ms(IDLE))).abs() < 1000, "a new session ends after the idle time");

    // used again at once: nothing is written
    assert!(store.load(&id).await.unwrap().is_some());
    assert_eq!(times(&state.db, id).await.0, expiry);

    // last moved longer ago than the touch interval: moved to a full idle period from now
    let earlier = expiry - ms(TOUCH_EVERY) - 1000;
    set(&state.db, id, "expiry_ms", earlier).await;
    assert!(store.load(&id).await.unwrap().is_some());
    let moved = times(&state.db, id).await.0;
    assert!(moved > earlier + ms(TOUCH_EVERY) && (moved - (now_ms() + ms(IDLE))).abs() < 5000, "moved to {moved}");

    // never past the absolute lifetime
    let started = now_ms() - ms(ABSOLUTE) + 60_000;
    set(&state.db, id, "created_ms", started).await;
    set(&state.db, id, "expiry_ms", now_ms() + 1000).await;
    assert!(store.load(&id).await.unwrap().is_some());
    assert_eq!(times(&state.db, id).await.0, started + ms(ABSOLUTE));
    // and a save (a signed-in change) keeps the session's start
    let record = store.load(&id).await.unwrap().unwrap();
    store.save(&record).await.unwrap();
    assert_eq!(times(&state.db, id).await, (started + ms(ABSOLUTE), started));
}

async fn idle_and_absolute_lifetimes_end_sessions(b: Backend) {
    let state = fresh_state(b).await;
    let store = DbSessionStore::new(state.db.clone());
    let idle = session_of(&store, 1).await;
    set(&state.db, idle, "expiry_ms", now_ms() - 1).await;
    assert!(store.load(&idle).await.unwrap().is_none(), "idle too long");

    let old = session_of(&store, 1).await;
    set(&state.db, old, "created_ms", now_ms() - ms(ABSOLUTE) - 1).await;
    assert!(store.load(&old).await.unwrap().is_none(), "past the absolute lifetime, however recently used");
}

async fn sign_in(state: &AppState, email: &str, password: &str) -> Result<(), ErrorKind> {
    auth::sign_in(state, email, password, IpAddr::V4(Ipv4Addr::LOCALHOST)).await.map(|_| ()).map_err(|e| e.kind)
}

async fn a_new_password_or_a_disabled_account_ends_every_session(b: Backend) {
    let state = fresh_state(b).await;
    let store = DbSessionStore::new(state.db.clone());
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let (ada1, ada2, ben1) = (session_of(&store, ada.id.0).await, session_of(&store, ada.id.0).await, session_of(&store, ben.id.0).await);

    // a new password for Ada: both her sessions end, Ben's does not
    auth::add_user(&state.db, &ada.email, "Ada", AccountRole::Admin, "a brand new passphrase").await.unwrap();
    assert!(store.load(&ada1).await.unwrap().is_none());
    assert!(store.load(&ada2).await.unwrap().is_none());
    assert!(store.load(&ben1).await.unwrap().is_some());
    assert_eq!(sign_in(&state, &ada.email, TEST_PASSWORD).await, Err(ErrorKind::Unauthorized));
    assert_eq!(sign_in(&state, &ada.email, "a brand new passphrase").await, Ok(()));

    // Ben disabled: his session ends and he cannot sign in again
    auth::disable_user(&state.db, &ben.email).await.unwrap();
    assert!(store.load(&ben1).await.unwrap().is_none());
    assert_eq!(sign_in(&state, &ben.email, TEST_PASSWORD).await, Err(ErrorKind::Unauthorized));
    let unknown = auth::disable_user(&state.db, "nobody@example.com").await.unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::NotFound);
}

on_both_backends!(
    idle_expiry_moves_at_most_every_few_minutes,
    idle_and_absolute_lifetimes_end_sessions,
    a_new_password_or_a_disabled_account_ends_every_session
);
