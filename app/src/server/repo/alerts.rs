//! Alerts, the events with no open alert to apply to, and change events.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::domain::alert::{AlertSeverity, AlertState, Verdict};
use crate::domain::alert_context::RecentChange;
use crate::domain::events_v2::Action;
use crate::domain::ids::{AlertId, IncidentId, IntegrationKeyId, ServiceId};
use crate::server::time::{from_ms, to_ms};

/// An alert as it arrives.
pub struct NewAlert<'a> {
    pub service: ServiceId,
    pub key: Option<IntegrationKeyId>,
    pub dedup_key: &'a str,
    pub severity: AlertSeverity,
    pub summary: &'a str,
    pub source: &'a str,
    /// The event's details, links and client, as JSON.
    pub details: &'a str,
    pub at: DateTime<Utc>,
}

/// Opens an alert, unless the service has one open with this dedup key already (then
/// `None`: the open one stands). Race-free: the database holds one open alert per key.
pub async fn insert_open(conn: &mut AnyConnection, a: &NewAlert<'_>) -> Result<Option<AlertId>, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO alerts (service_id, integration_key_id, dedup_key, state, severity, summary, source, details, created_at_ms) \
         VALUES ($1, $2, $3, 'triggered', $4, $5, $6, $7, $8) \
         ON CONFLICT (service_id, dedup_key) WHERE state <> 'resolved' DO NOTHING RETURNING id",
    )
    .bind(a.service.0)
    .bind(a.key.map(|k| k.0))
    .bind(a.dedup_key.to_string())
    .bind(a.severity.as_str())
    .bind(a.summary.to_string())
    .bind(a.source.to_string())
    .bind(a.details.to_string())
    .bind(to_ms(a.at))
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get("id").map(AlertId)).transpose()
}

/// The service's open alert with this dedup key, and its state.
pub async fn open_by_dedup(conn: &mut AnyConnection, service: ServiceId, dedup_key: &str) -> Result<Option<(AlertId, AlertState)>, sqlx::Error> {
    let row = sqlx::query("SELECT id, state FROM alerts WHERE service_id = $1 AND dedup_key = $2 AND state <> 'resolved'")
        .bind(service.0)
        .bind(dedup_key.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((AlertId(r.try_get("id")?), state(&r.try_get::<String, _>("state")?)?))).transpose()
}

/// The service's open alerts with any of these dedup keys, in one query.
pub async fn open_with_keys(conn: &mut AnyConnection, service: ServiceId, dedup_keys: &[&str]) -> Result<Vec<AlertId>, sqlx::Error> {
    if dedup_keys.is_empty() {
        return Ok(vec![]);
    }
    let params: Vec<String> = (2..dedup_keys.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT id FROM alerts WHERE service_id = $1 AND dedup_key IN ({}) AND state <> 'resolved'", params.join(", "));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(service.0);
    for k in dedup_keys {
        query = query.bind(k.to_string());
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(|r| r.try_get("id").map(AlertId)).collect()
}

fn severity(r: &sqlx::any::AnyRow) -> Result<AlertSeverity, sqlx::Error> {
    let s: String = r.try_get("severity")?;
    AlertSeverity::parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("unknown severity {s:?}").into()))
}

fn state(s: &str) -> Result<AlertState, sqlx::Error> {
    AlertState::parse(s).ok_or_else(|| sqlx::Error::Decode(format!("unknown alert state {s:?}").into()))
}

/// An alert's state now.
pub async fn state_of(conn: &mut AnyConnection, id: AlertId) -> Result<Option<AlertState>, sqlx::Error> {
    let row = sqlx::query("SELECT state FROM alerts WHERE id = $1").bind(id.0).fetch_optional(conn).await?;
    row.map(|r| state(&r.try_get::<String, _>("state")?)).transpose()
}

/// Moves an alert to `to`, stamping when.
pub async fn set_state(conn: &mut AnyConnection, id: AlertId, to: AlertState, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let column = match to {
        AlertState::Acknowledged => "acknowledged_at_ms",
        AlertState::Resolved => "resolved_at_ms",
        AlertState::Triggered => "created_at_ms",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE alerts SET state = $1, {column} = $2 WHERE id = $3")))
        .bind(to.as_str())
        .bind(to_ms(at))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many alerts a service has had with this dedup key, open or not, and how many of them
/// are open.
pub async fn count(conn: &mut AnyConnection, service: ServiceId, dedup_key: &str) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN state <> 'resolved' THEN 1 ELSE 0 END), 0) AS open FROM alerts WHERE service_id = $1 AND dedup_key = $2",
    )
    .bind(service.0)
    .bind(dedup_key.to_string())
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("n")?, row.try_get("open")?))
}

/// Keeps an acknowledgement or resolve that found no open alert.
pub async fn record_unmatched(conn: &mut AnyConnection, service: ServiceId, action: Action, dedup_key: &str, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let action = match action {
        Action::Acknowledge => "acknowledge",
        Action::Resolve => "resolve",
        Action::Trigger => return Ok(()),
    };
    sqlx::query("INSERT INTO unmatched_events (service_id, action, dedup_key, received_at_ms) VALUES ($1, $2, $3, $4)")
        .bind(service.0)
        .bind(action)
        .bind(dedup_key.to_string())
        .bind(to_ms(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The acknowledgements and resolves a service received for no open alert, newest first.
pub async fn unmatched(conn: &mut AnyConnection, service: ServiceId) -> Result<Vec<(String, String, DateTime<Utc>)>, sqlx::Error> {
    let rows = sqlx::query("SELECT action, dedup_key, received_at_ms FROM unmatched_events WHERE service_id = $1 ORDER BY id DESC LIMIT 100")
        .bind(service.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("action")?, r.try_get("dedup_key")?, from_ms(r.try_get("received_at_ms")?)))).collect()
}

/// A change on a service (a deploy, a flag flipped), as monitoring reported it.
pub struct Change<'a> {
    pub service: ServiceId,
    pub summary: &'a str,
    pub source: Option<&'a str>,
    pub at: DateTime<Utc>,
    pub details: &'a str,
}

pub async fn record_change(conn: &mut AnyConnection, c: &Change<'_>, received: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO change_events (service_id, summary, source, at_ms, details, received_at_ms) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(c.service.0)
        .bind(c.summary.to_string())
        .bind(c.source.map(str::to_string))
        .bind(to_ms(c.at))
        .bind(c.details.to_string())
        .bind(to_ms(received))
        .execute(conn)
        .await?;
    Ok(())
}

/// The changes of these services at or after `since`, newest first, at most 100 each.
pub async fn changes(conn: &mut AnyConnection, services: &[ServiceId], since: DateTime<Utc>) -> Result<Vec<RecentChange>, sqlx::Error> {
    let mut all = Vec::new();
    for service in services {
        let rows = sqlx::query(
            "SELECT s.name, c.summary, c.source, c.at_ms FROM change_events c JOIN services s ON s.id = c.service_id \
             WHERE c.service_id = $1 AND c.at_ms >= $2 ORDER BY c.at_ms DESC, c.id DESC LIMIT 100",
        )
        .bind(service.0)
        .bind(to_ms(since))
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            all.push(RecentChange {
                service: r.try_get("name")?,
                summary: r.try_get("summary")?,
                source: r.try_get("source")?,
                at: from_ms(r.try_get("at_ms")?),
                suspect: false,
            });
        }
    }
    Ok(all)
}

/// The alerts `user` was paged for that nobody has acknowledged yet, newest first.
pub async fn waiting_pages(conn: &mut AnyConnection, user: crate::domain::ids::UserId) -> Result<Vec<crate::domain::alert::MyPage>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT a.id, a.summary, a.severity FROM user_notifications n JOIN events e ON e.id = n.event_id \
         JOIN alerts a ON e.stream = 'alert' AND a.id = e.stream_id WHERE n.user_id = $1 AND a.state = 'triggered' ORDER BY a.id DESC LIMIT 20",
    )
    .bind(user.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(crate::domain::alert::MyPage { alert: AlertId(r.try_get("id")?), summary: r.try_get("summary")?, severity: severity(r)? })).collect()
}

use crate::domain::alert::AlertRow;

fn alert_row(r: &sqlx::any::AnyRow) -> Result<AlertRow, sqlx::Error> {
    Ok(AlertRow {
        id: AlertId(r.try_get("id")?),
        service_id: ServiceId(r.try_get("service_id")?),
        service: r.try_get("service_name")?,
        service_slug: r.try_get("service_slug")?,
        summary: r.try_get("summary")?,
        source: r.try_get("source")?,
        dedup_key: r.try_get("dedup_key")?,
        severity: severity(r)?,
        state: state(&r.try_get::<String, _>("state")?)?,
        created_at: from_ms(r.try_get("created_at_ms")?),
        verdict: match r.try_get::<Option<String>, _>("verdict")? {
            Some(v) => Some(Verdict::parse(&v).ok_or_else(|| sqlx::Error::Decode(format!("unknown verdict {v:?}").into()))?),
            None => None,
        },
    })
}

const ROW: &str = "SELECT a.id, a.service_id, a.verdict, s.name AS service_name, s.slug AS service_slug, a.summary, a.source, a.dedup_key, a.severity, a.state, a.created_at_ms FROM alerts a JOIN services s ON s.id = a.service_id";

/// The newest alerts, open ones first.
pub async fn list(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AlertRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{ROW} ORDER BY CASE WHEN a.state = 'resolved' THEN 1 ELSE 0 END, a.id DESC LIMIT $1")))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(alert_row).collect()
}

pub async fn row(conn: &mut AnyConnection, id: AlertId) -> Result<Option<AlertRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{ROW} WHERE a.id = $1"))).bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(alert_row).transpose()
}

/// Links an incident to an alert it was declared from.
pub async fn link_incident(conn: &mut AnyConnection, incident: IncidentId, alert: AlertId) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO incident_alerts (incident_id, alert_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(incident.0)
        .bind(alert.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// The alerts an incident was declared from, oldest first.
pub async fn for_incident(conn: &mut AnyConnection, incident: IncidentId) -> Result<Vec<AlertRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{ROW} JOIN incident_alerts l ON l.alert_id = a.id WHERE l.incident_id = $1 ORDER BY a.id")))
        .bind(incident.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(alert_row).collect()
}

/// Records whether an alert was actionable or noise.
pub async fn set_verdict(conn: &mut AnyConnection, id: AlertId, verdict: Verdict) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE alerts SET verdict = $1 WHERE id = $2").bind(verdict.as_str()).bind(id.0).execute(conn).await?;
    Ok(())
}
