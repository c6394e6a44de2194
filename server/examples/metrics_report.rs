//! The response metrics over a big history (run by `bench/metrics`): a fresh SQLite database
//! gets `INCIDENTS` incidents spread over two years, `EVENTS_PER` events each (declaration,
//! status moves, a severity change for some, notes), and one paged, acknowledged alert for
//! every other incident; then the report over the last 365 days (which reads both years:
//! the period and the one before) is computed a few times, printing how long the read and
//! the sums took.

use std::time::Instant;

use app::domain::alert::{AlertChange, AlertSeverity};
use app::domain::event::EventKind;
use app::domain::ids::IncidentId;
use app::domain::incident::{Severity, Status};
use app::domain::metrics::period::Period;
use app::domain::roles::Person;
use app::server::db::{Db, DbConfig};
use app::server::repo::metrics;
use chrono::{Duration, Utc};

const ROWS_PER_INSERT: usize = 200;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Inserts `rows` (each a parenthesised tuple of SQL literals) into `table (columns)`, a few
/// hundred a statement.
async fn insert(conn: &mut sqlx::AnyConnection, table: &str, columns: &str, rows: &[String]) {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!("INSERT INTO {table} ({columns}) VALUES {}", chunk.join(","));
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await.expect("insert");
    }
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[tokio::main]
async fn main() {
    let incidents = env("INCIDENTS", 10_000);
    let per = env("EVENTS_PER", 20).max(5);
    let dir = std::env::temp_dir().join(format!("klaxon-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(&DbConfig::new(format!("sqlite://{}/bench.db", dir.display()))).await.expect("database");
    db.migrate().await.expect("migrations");
    let mut conn = db.pool().acquire().await.unwrap();
    let now = Utc::now();
    let ms = |t: chrono::DateTime<Utc>| t.timestamp_millis();

    let started = Instant::now();
    sqlx::query("INSERT INTO users (id, email, name, role, password_hash, created_at_ms) VALUES (1, 'ben@example.com', 'Ben', 'responder', 'x', 0)")
        .execute(&mut *conn)
        .await
        .expect("user");
    sqlx::query("INSERT INTO services (id, slug, name, description) VALUES (1, 'checkout', 'Checkout', ''), (2, 'search', 'Search', '')")
        .execute(&mut *conn)
        .await
        .expect("services");
    sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
    let ben = Person { id: app::domain::ids::UserId(1), name: "Ben".into() };
    let (mut rows, mut services, mut events, mut alerts, mut links) = (vec![], vec![], vec![], vec![], vec![]);
    let mut event = |stream: &str, id: i64, seq: usize, at: chrono::DateTime<Utc>, kind: &str, payload: String| {
        events.push(format!("({}, {id}, {seq}, {}, 1, 'Ben', {}, {})", quoted(stream), ms(at), quoted(kind), quoted(&payload)));
    };
    for n in 0..incidents {
        let id = n as i64 + 1;
        // spread over two years, a severity by turns, resolved after 10 to 250 minutes
        let declared = now - Duration::minutes((n as i64 * 2 * 365 * 24 * 60) / incidents as i64) - Duration::minutes(1);
        let severity = Severity::ALL[n % 4];
        let resolve = Duration::minutes(10 + (n as i64 * 37) % 240);
        let resolved = declared + resolve;
        rows.push(format!(
            "({id}, 'inc-{id}', 'Incident {id}', '', '{}', 'resolved', {}, {}, {}, {}, {}, 0, 1)",
            severity.as_str(),
            ms(declared - Duration::minutes(3)),
            ms(declared),
            ms(declared + resolve / 2),
            ms(resolved),
            ms(declared)
        ));
        services.push(format!("({id}, {})", 1 + n % 2));
        let kind = |k: &EventKind| (k.name(), serde_json::to_string(k).unwrap());
        let mut log = vec![(declared, kind(&EventKind::Declared { title: format!("Incident {id}"), severity, services: vec![], triage: None, drill: false }))];
        let moves = [(Status::Detected, Status::Investigating), (Status::Investigating, Status::Mitigating), (Status::Mitigating, Status::Resolved)];
        for (k, (from, to)) in moves.into_iter().enumerate() {
            let at = declared + resolve * (k as i32 + 1) / 3;
            log.push((at, kind(&EventKind::StatusChanged { from, to })));
        }
        if n % 5 == 0 {
            log.push((declared + Duration::minutes(1), kind(&EventKind::SeverityChanged { from: severity, to: Severity::Sev1, reason: "worse".into() })));
        }
        while log.len() < per {
            let at = declared + resolve * log.len() as i32 / per as i32;
            log.push((at, kind(&EventKind::NoteAdded { body: format!("Note {} on incident {id}", log.len()) })));
        }
        log.sort_by_key(|(at, _)| *at);
        for (seq, (at, (k, payload))) in log.into_iter().enumerate() {
            event("incident", id, seq + 1, at, k, payload);
        }
        if n % 2 == 0 {
            let alert = id;
            let raised = declared - Duration::minutes(5);
            alerts.push(format!(
                "({alert}, 1, 'k{alert}', 'resolved', 'critical', 'Checkout errors', 'prometheus', '{{}}', {}, {}, {})",
                ms(raised),
                ms(raised + Duration::minutes(2)),
                ms(resolved)
            ));
            links.push(format!("({id}, {alert})"));
            let paged = AlertChange::Paged {
                round: 0,
                step: 0,
                paged: vec![ben.clone()],
                nobody: vec![],
                summary: "Checkout errors".into(),
                severity: AlertSeverity::Critical,
            };
            let changes = [
                (raised, paged),
                (raised + Duration::minutes(2), AlertChange::Acknowledged { by: Some(ben.clone()) }),
                (declared, AlertChange::IncidentDeclared { incident: IncidentId(id), title: format!("Incident {id}") }),
            ];
            for (seq, (at, c)) in changes.into_iter().enumerate() {
                event("alert", alert, seq + 1, at, c.name(), serde_json::to_string(&c).unwrap());
            }
        }
    }
    let cols =
        "id, slug, title, impact, severity, status, detected_at_ms, declared_at_ms, mitigated_at_ms, resolved_at_ms, last_update_at_ms, data_exposure, version";
    insert(&mut conn, "incidents", cols, &rows).await;
    insert(&mut conn, "incident_services", "incident_id, service_id", &services).await;
    insert(
        &mut conn,
        "alerts",
        "id, service_id, dedup_key, state, severity, summary, source, details, created_at_ms, acknowledged_at_ms, resolved_at_ms",
        &alerts,
    )
    .await;
    insert(&mut conn, "incident_alerts", "incident_id, alert_id", &links).await;
    let stored = events.len();
    insert(&mut conn, "events", "stream, stream_id, seq, at_ms, actor_id, actor_name, kind, payload", &events).await;
    sqlx::query("COMMIT").execute(&mut *conn).await.unwrap();
    sqlx::query("ANALYZE").execute(&mut *conn).await.unwrap();
    println!("seeded {incidents} incidents, {} alerts, {stored} events in {:.1} s", alerts.len(), started.elapsed().as_secs_f64());

    let period = Period::last_days(now, 365).unwrap();
    for run in 1..=3 {
        let t = Instant::now();
        let mut tx = db.pool().begin().await.unwrap();
        let logs = metrics::logs(&mut tx, period.previous().from, period.to).await.expect("read");
        tx.rollback().await.unwrap();
        let read = t.elapsed();
        let report = logs.report(period, now.date_naive());
        let total = t.elapsed();
        let all = &report.response[0];
        let events_read: usize = logs.incidents.iter().map(|(_, e)| e.len()).sum::<usize>() + logs.alerts.iter().map(|a| a.log.len()).sum::<usize>();
        println!(
            "run {run}: {} incidents ({} + {} before), {} alerts, {events_read} events of the kinds used read in {:.0} ms, summed in {:.0} ms: {:.0} ms in all (MTTR median {} s)",
            logs.incidents.len(),
            all.incidents,
            all.incidents_before,
            logs.alerts.len(),
            read.as_secs_f64() * 1000.0,
            (total - read).as_secs_f64() * 1000.0,
            total.as_secs_f64() * 1000.0,
            all.resolve.now.map_or(0, |s| s.median_s)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
