//! What the metrics read: the incidents declared in a window with their declaration, status,
//! severity, role, update and delivered-notification events; the alerts that fired in it or
//! were declared into those incidents, with their pages, acknowledgements, verdicts and
//! incidents; and those incidents' postmortems. Only the kinds of event the metrics use are
//! read, each stream's in one query.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::alert::AlertChange;
use crate::domain::event::IncidentEvent;
use crate::domain::ids::{AlertId, IncidentId};
use crate::domain::incident::Incident;
use crate::domain::log::Stream;
use crate::domain::metrics::facts::AlertTrace;
use crate::domain::metrics::logs::{Logs, PostmortemLog};
use crate::domain::postmortem::change::PostmortemChange;
use crate::domain::postmortem::record::{ItemStatus, PostmortemStatus};
use crate::server::repo::{events, incidents, log};
use crate::server::time::{from_ms, to_ms};

/// The incidents declared in the window (`$1`, `$2`).
const INCIDENTS: &str = "SELECT id FROM incidents WHERE declared_at_ms >= $1 AND declared_at_ms < $2";

/// The alerts that fired in the window, or were declared into an incident declared in it.
fn alerts_sql() -> String {
    format!(
        "SELECT a.id FROM alerts a WHERE (a.created_at_ms >= $1 AND a.created_at_ms < $2) \
         OR a.id IN (SELECT l.alert_id FROM incident_alerts l WHERE l.incident_id IN ({INCIDENTS}))"
    )
}

fn bad(what: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("{what}: {e}").into())
}

/// The rows `sql` selects, its `$1` and `$2` the window's bounds.
async fn in_window(conn: &mut AnyConnection, sql: String, (from, to): (i64, i64)) -> Result<Vec<AnyRow>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(conn).await
}

/// The events of `stream` of the given kinds, for the streams `ids_sql` selects.
async fn events_of(conn: &mut AnyConnection, stream: Stream, kinds: &[&str], ids_sql: &str, window: (i64, i64)) -> Result<Vec<log::Row>, sqlx::Error> {
    // the kinds are our own constants, so inlining them is safe
    let kinds: Vec<String> = kinds.iter().map(|k| format!("'{k}'")).collect();
    let sql = format!(
        "SELECT {} FROM events WHERE stream = '{}' AND kind IN ({}) AND stream_id IN ({ids_sql}) ORDER BY stream_id, seq",
        log::COLUMNS,
        stream.as_str(),
        kinds.join(", ")
    );
    in_window(conn, sql, window).await?.iter().map(log::decode).collect()
}

/// What an alert is called: Alertmanager's `alertname` label, else its summary.
pub fn alert_name(details: &str, summary: String) -> String {
    serde_json::from_str::<serde_json::Value>(details)
        .ok()
        .and_then(|d| d.pointer("/labels/alertname").and_then(|n| n.as_str()).map(str::to_string))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(summary)
}

/// The incidents declared in the window, each with its log.
async fn incidents_in(conn: &mut AnyConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<(Incident, Vec<IncidentEvent>)>, sqlx::Error> {
    let list = incidents::declared_between(&mut *conn, from, to).await?;
    let mut by_incident: HashMap<i64, Vec<IncidentEvent>> = HashMap::new();
    for r in events_of(
        conn,
        Stream::Incident,
        &["declared", "severity_changed", "status_changed", "notification_delivered", "role_assigned", "update_posted", "public_update_posted"],
        INCIDENTS,
        (to_ms(from), to_ms(to)),
    )
    .await?
    {
        by_incident.entry(r.stream.id).or_default().push(events::decode(&r)?);
    }
    Ok(list
        .into_iter()
        .map(|i| {
            let events = by_incident.remove(&i.id.0).unwrap_or_default();
            (i, events)
        })
        .collect())
}

/// The alerts of the window, each with its log, and which incident each was declared into.
async fn alerts_in(conn: &mut AnyConnection, window: (i64, i64)) -> Result<(Vec<AlertTrace>, Vec<(IncidentId, AlertId)>), sqlx::Error> {
    let sql = format!("SELECT incident_id, alert_id FROM incident_alerts WHERE incident_id IN ({INCIDENTS}) ORDER BY incident_id, alert_id");
    let links = in_window(&mut *conn, sql, window)
        .await?
        .iter()
        .map(|r| Ok((IncidentId(r.try_get("incident_id")?), AlertId(r.try_get("alert_id")?))))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let ids = alerts_sql();
    let mut logs: HashMap<i64, Vec<(DateTime<Utc>, AlertChange)>> = HashMap::new();
    for r in events_of(&mut *conn, Stream::Alert, &["alert_paged", "alert_acknowledged", "alert_judged", "alert_incident_declared"], &ids, window).await? {
        let change: AlertChange = serde_json::from_str(&r.payload).map_err(|e| bad("alert event", e))?;
        logs.entry(r.stream.id).or_default().push((r.at, change));
    }
    let sql = format!(
        "SELECT a.id, s.name AS service, a.summary, a.details, a.created_at_ms FROM alerts a JOIN services s ON s.id = a.service_id \
         WHERE a.id IN ({ids}) ORDER BY a.id"
    );
    let mut alerts = vec![];
    for r in in_window(conn, sql, window).await? {
        let id: i64 = r.try_get("id")?;
        let details: String = r.try_get("details")?;
        alerts.push(AlertTrace {
            id: AlertId(id),
            service: r.try_get("service")?,
            name: alert_name(&details, r.try_get("summary")?),
            raised_at: from_ms(r.try_get("created_at_ms")?),
            log: logs.remove(&id).unwrap_or_default(),
        });
    }
    Ok((alerts, links))
}

/// The postmortems of the window's incidents: when each was completed, and its items.
async fn postmortems_in(conn: &mut AnyConnection, window: (i64, i64)) -> Result<Vec<PostmortemLog>, sqlx::Error> {
    let ids = format!("SELECT id FROM postmortems WHERE incident_id IN ({INCIDENTS})");
    let mut completed: HashMap<i64, Option<DateTime<Utc>>> = HashMap::new();
    for r in events_of(&mut *conn, Stream::Postmortem, &["postmortem_status_changed"], &ids, window).await? {
        if let PostmortemChange::StatusChanged { to, .. } = serde_json::from_str::<PostmortemChange>(&r.payload).map_err(|e| bad("postmortem event", e))? {
            // the last move decides: set Complete, or reopened since
            completed.insert(r.stream.id, (to == PostmortemStatus::Complete).then_some(r.at));
        }
    }
    let mut items: HashMap<i64, Vec<(ItemStatus, Option<NaiveDate>)>> = HashMap::new();
    let sql = format!("SELECT postmortem_id, status, due_on FROM action_items WHERE postmortem_id IN ({ids}) ORDER BY id");
    for r in in_window(&mut *conn, sql, window).await? {
        let status: String = r.try_get("status")?;
        let due: Option<String> = r.try_get("due_on")?;
        let due = due.map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| bad("due day", e))).transpose()?;
        items.entry(r.try_get("postmortem_id")?).or_default().push((ItemStatus::parse(&status).ok_or_else(|| bad("action item status", &status))?, due));
    }
    let mut postmortems = vec![];
    for r in in_window(conn, format!("SELECT id, incident_id FROM postmortems WHERE id IN ({ids}) ORDER BY id"), window).await? {
        let id: i64 = r.try_get("id")?;
        postmortems.push(PostmortemLog {
            incident: IncidentId(r.try_get("incident_id")?),
            completed_at: completed.remove(&id).flatten(),
            items: items.remove(&id).unwrap_or_default(),
        });
    }
    Ok(postmortems)
}

/// (service, alert name) of every alert raised since `since`, each once, sorted.
pub async fn alert_names_since(conn: &mut AnyConnection, since: DateTime<Utc>) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = "SELECT s.name AS service, a.summary, a.details FROM alerts a JOIN services s ON s.id = a.service_id WHERE a.created_at_ms >= $1 AND a.created_at_ms < $2";
    let mut names = vec![];
    for r in in_window(conn, sql.into(), (to_ms(since), i64::MAX)).await? {
        let details: String = r.try_get("details")?;
        names.push((r.try_get("service")?, alert_name(&details, r.try_get("summary")?)));
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Everything a report over `[from, to)` reads.
pub async fn logs(conn: &mut AnyConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Logs, sqlx::Error> {
    let window = (to_ms(from), to_ms(to));
    let incidents = incidents_in(&mut *conn, from, to).await?;
    let (alerts, links) = alerts_in(&mut *conn, window).await?;
    let postmortems = postmortems_in(&mut *conn, window).await?;
    let mut near_misses = vec![];
    for r in in_window(conn, "SELECT occurred_at_ms, incident_id FROM near_misses WHERE occurred_at_ms >= $1 AND occurred_at_ms < $2".into(), window).await? {
        let incident: Option<i64> = r.try_get("incident_id")?;
        near_misses.push((from_ms(r.try_get("occurred_at_ms")?), incident.is_some()));
    }
    Ok(Logs { incidents, alerts, links, postmortems, near_misses })
}

#[cfg(test)]
mod tests {
    use super::alert_name;

    #[test]
    fn an_alert_is_named_by_its_alertname_label_or_else_its_summary() {
        assert_eq!(alert_name(r#"{"labels":{"alertname":"CheckoutErrors","severity":"critical"}}"#, "5xx on checkout".into()), "CheckoutErrors");
        assert_eq!(alert_name(r#"{"custom":{"x":1}}"#, "5xx on checkout".into()), "5xx on checkout");
        assert_eq!(alert_name("not json", "5xx on checkout".into()), "5xx on checkout");
        assert_eq!(alert_name(r#"{"labels":{"alertname":" "}}"#, "s".into()), "s");
    }
}
