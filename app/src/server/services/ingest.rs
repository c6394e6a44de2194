//! Alerts in: PagerDuty Events API v2 events, on a service's integration key. A trigger opens
//! an alert (or, while one is open with the same dedup key, is recorded on it); acknowledge
//! and resolve move it on. Each event is checked here, in its request, then applied with
//! whatever else has arrived in one transaction (`ingest_queue`, `ingest_apply`); every
//! change is an event on the alert's stream, written in the transaction that makes it.

use std::time::Duration;

use crate::domain::alert::KeyKind;
use crate::domain::events_v2::{self, Action, Event, Invalid};
use crate::error::AppError;
use crate::server::repo::{alerts, integrations};
use crate::server::services::ingest_apply::Job;
use crate::server::state::AppState;
use crate::server::time::now;

/// Why an event was not taken.
#[derive(Debug)]
pub enum Refused {
    /// 400: what was wrong with it.
    Invalid(Invalid),
    /// 429: this key sends too fast; try again after this long.
    TooFast(Duration),
    /// 5xx: Klaxon could not store it (nothing was).
    Failed(AppError),
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Refused::Failed(e.into())
    }
}

fn invalid(error: &str) -> Refused {
    Refused::Invalid(events_v2::invalid(vec![error.into()]))
}

/// A new dedup key for a trigger that came without one.
fn new_dedup_key() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key with this secret, if it is in force and for `kind`.
async fn active_key(state: &AppState, secret: &str, kind: KeyKind) -> Result<integrations::ActiveKey, Refused> {
    let key = state.keys.find(state, secret).await?;
    let key = key.filter(|k| k.kind == kind).ok_or_else(|| invalid("Invalid routing key"))?;
    state.events_limit.check(&key.id.0).map_err(Refused::TooFast)?;
    Ok(key)
}

/// Takes one event from a request body; the dedup key it applied to.
pub async fn enqueue(state: &AppState, body: &[u8]) -> Result<String, Refused> {
    let event = events_v2::parse(body).map_err(Refused::Invalid)?;
    let key = active_key(state, &event.routing_key, KeyKind::EventsV2).await?;
    let job = job(key, event)?;
    let dedup_key = job.dedup_key.clone();
    state.ingest.apply(state, vec![job]).await.pop().unwrap_or_else(|| Err(Refused::Failed(AppError::internal())))?;
    Ok(dedup_key)
}

/// Takes an Alertmanager notification sent with key `secret`: one event per alert in it;
/// how many.
pub async fn alertmanager(state: &AppState, secret: &str, body: &[u8]) -> Result<usize, Refused> {
    let key = active_key(state, secret, KeyKind::Alertmanager).await?;
    let events = crate::domain::alertmanager::parse(body).map_err(Refused::Invalid)?;
    let count = events.len();
    let jobs = events.into_iter().map(|e| job(key, e)).collect::<Result<Vec<_>, _>>()?;
    for result in state.ingest.apply(state, jobs).await {
        result?;
    }
    Ok(count)
}

/// An event ready to apply: a trigger has its payload and a dedup key (a new one when it came
/// without).
fn job(key: integrations::ActiveKey, event: Event) -> Result<Job, Refused> {
    let dedup_key = match event.action {
        Action::Trigger if event.payload.is_none() => return Err(invalid("'payload' is missing")),
        Action::Trigger => event.dedup_key.clone().unwrap_or_else(new_dedup_key),
        _ => event.dedup_key.clone().unwrap_or_default(),
    };
    Ok(Job { key, event, dedup_key })
}

/// Takes one change event from a request body: recorded on the key's service.
pub async fn change(state: &AppState, body: &[u8]) -> Result<(), Refused> {
    let event = events_v2::parse_change(body).map_err(Refused::Invalid)?;
    let key = active_key(state, &event.routing_key, KeyKind::EventsV2).await?;
    let details = serde_json::json!({ "custom_details": event.custom_details, "links": event.links }).to_string();
    let received = now();
    let change = alerts::Change {
        service: key.service,
        summary: &event.summary,
        source: event.source.as_deref(),
        at: event.timestamp.unwrap_or(received),
        details: &details,
    };
    let mut conn = state.db.pool().acquire().await?;
    alerts::record_change(&mut conn, &change, received).await?;
    Ok(())
}
