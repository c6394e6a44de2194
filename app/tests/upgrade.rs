//! Upgrading a database that an earlier Klaxon wrote keeps everything it holds.

use app::domain::event::EventKind;
use app::domain::incident::NoteKind;
use app::domain::log::{Cursor, StreamRef};
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::{Backend, Db, DbConfig};
use app::server::repo::events;
use app::server::repo::log::{self, Part};
use app::server::services::incidents as svc;
use app::server::state::AppState;
use app::server::testing::{fresh_url, user};
use leptos::prelude::LeptosOptions;

/// The first migration of the general event log; the database is first built with the ones
/// before it.
const GENERAL_LOG: &str = "20261201000001";

async fn migrate_before(db: &Db, backend: Backend) {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    });
    let to = std::env::temp_dir().join(format!("klaxon-old-migrations-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name.as_str() < GENERAL_LOG {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
    sqlx::migrate::Migrator::new(to.as_path()).await.unwrap().run(db.pool()).await.unwrap();
    std::fs::remove_dir_all(&to).unwrap();
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(db.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn the_incident_log_moves_into_the_general_log(b: Backend) {
    let db = Db::connect(&DbConfig::new(fresh_url(b).await)).await.unwrap();
    migrate_before(&db, b).await;
    exec(&db, "INSERT INTO users (email, name, role, password_hash, created_at_ms) VALUES ('ada@example.com', 'Ada', 'admin', 'x', 0)").await;
    for (slug, title) in [("one", "One"), ("two", "Two")] {
        exec(
            &db,
            &format!(
                "INSERT INTO incidents (slug, title, severity, status, detected_at_ms, declared_at_ms, last_update_at_ms) \
                 VALUES ('{slug}', '{title}', 'sev2', 'investigating', 0, 0, 0)"
            ),
        )
        .await;
    }
    // the two incidents' events interleaved, as they were written
    for (incident, body) in [(1, "one a"), (2, "two a"), (1, "one b"), (2, "two b"), (1, "one c")] {
        exec(
            &db,
            &format!("INSERT INTO incident_events (incident_id, at_ms, actor_id, actor_name, kind, payload) VALUES ({incident}, 5, 1, 'Ada', 'note_added', '{{\"type\":\"note_added\",\"body\":\"{body}\"}}')"),
        )
        .await;
    }
    exec(&db, "INSERT INTO webhook_subscriptions (url, token, created_at_ms, confirmed_at_ms) VALUES ('https://hooks.example.com/x', 'tok', 0, 0)").await;
    exec(&db, "INSERT INTO webhook_deliveries (subscription_id, event_id, body, next_attempt_at_ms) VALUES (1, 3, '{}', 0)").await;

    db.migrate().await.unwrap();

    let mut conn = db.pool().acquire().await.unwrap();
    let (rows, _) = log::since(&mut conn, Part::Everything, Cursor::START, 100).await.unwrap();
    let seen: Vec<(i64, i64, i64)> = rows.iter().map(|r| (r.id.0, r.stream.id, r.seq)).collect();
    assert_eq!(seen, [(1, 1, 1), (2, 2, 1), (3, 1, 2), (4, 2, 2), (5, 1, 3)], "ids kept, each incident numbered in order");
    let (one, _) = events::for_incident(&mut conn, app::domain::ids::IncidentId(1)).await.unwrap();
    let bodies: Vec<String> = one.iter().map(|e| e.kind.summary()).collect();
    assert_eq!(bodies, ["one a", "one b", "one c"]);
    assert_eq!(one[0].actor.as_ref().map(|a| a.name.as_str()), Some("Ada"));
    use sqlx::Row;
    let delivery = sqlx::query("SELECT event_id, purpose, subscription_id FROM deliveries").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(delivery.get::<i64, _>("event_id"), 3, "deliveries still name their update");
    assert_eq!(delivery.get::<String, _>("purpose"), "status_update");
    assert_eq!(delivery.get::<i64, _>("subscription_id"), 1);
    drop(conn);

    // new events continue both the ids and the incident's numbering
    let state = AppState::new(LeptosOptions::builder().output_name("klaxon").build(), db);
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    svc::add_note(&state, Some(&ben), app::domain::ids::IncidentId(1), NoteKind::Note, "after the upgrade").await.unwrap();
    let rows = app::server::testing::settled_log(&state.db, Part::One(StreamRef::incident(app::domain::ids::IncidentId(1))), Cursor::START).await;
    let last = rows.last().unwrap();
    assert!(last.id.0 > 5 && last.seq == 4, "{last:?}");
    assert!(matches!(events::decode(last).unwrap().kind, EventKind::NoteAdded { ref body } if body == "after the upgrade"));
}

on_both_backends!(the_incident_log_moves_into_the_general_log);
