//! Alerts in: PagerDuty Events API v2 events, on a service's integration key. A trigger opens
//! an alert (or, while one is open with the same dedup key, is recorded on it); acknowledge
//! and resolve move it on. Every change is an event on the alert's stream, written in the
//! transaction that makes it.

use std::time::Duration;

use crate::domain::alert::{AlertChange, AlertState, KeyKind};
use crate::domain::events_v2::{self, Action, Event, Invalid};
use crate::domain::ids::AlertId;
use crate::domain::log::StreamRef;
use crate::error::AppError;
use crate::server::repo::alerts::{self, NewAlert};
use crate::server::repo::{escalations, integrations, log};
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
    let key = {
        let mut conn = state.db.pool().acquire().await?;
        integrations::find(&mut conn, secret).await?
    };
    let key = key.filter(|k| k.kind == kind).ok_or_else(|| invalid("Invalid routing key"))?;
    state.events_limit.check(&key.id.0).map_err(Refused::TooFast)?;
    Ok(key)
}

/// Takes one event from a request body; the dedup key it applied to.
pub async fn enqueue(state: &AppState, body: &[u8]) -> Result<String, Refused> {
    let event = events_v2::parse(body).map_err(Refused::Invalid)?;
    let key = active_key(state, &event.routing_key, KeyKind::EventsV2).await?;
    take(state, key, &event).await
}

/// Takes an Alertmanager notification sent with key `secret`: one event per alert in it;
/// how many.
pub async fn alertmanager(state: &AppState, secret: &str, body: &[u8]) -> Result<usize, Refused> {
    let key = active_key(state, secret, KeyKind::Alertmanager).await?;
    let events = crate::domain::alertmanager::parse(body).map_err(Refused::Invalid)?;
    for e in &events {
        take(state, key, e).await?;
    }
    Ok(events.len())
}

async fn take(state: &AppState, key: integrations::ActiveKey, event: &Event) -> Result<String, Refused> {
    match event.action {
        Action::Trigger => trigger(state, key, event).await,
        action => {
            let dedup_key = event.dedup_key.clone().unwrap_or_default();
            apply(state, key.service, action, &dedup_key).await?;
            Ok(dedup_key)
        }
    }
}

async fn trigger(state: &AppState, key: integrations::ActiveKey, event: &Event) -> Result<String, Refused> {
    let Some(p) = &event.payload else { return Err(invalid("'payload' is missing")) };
    let dedup_key = event.dedup_key.clone().unwrap_or_else(new_dedup_key);
    let details = serde_json::json!({
        "custom_details": p.custom_details, "component": p.component, "group": p.group, "class": p.class,
        "timestamp": p.timestamp, "links": event.links, "client": event.client, "client_url": event.client_url,
    })
    .to_string();
    let new = NewAlert {
        service: key.service,
        key: Some(key.id),
        dedup_key: &dedup_key,
        severity: p.severity,
        summary: &p.summary,
        source: &p.source,
        details: &details,
        at: now(),
    };
    // an open alert with this key takes the trigger; one resolved meanwhile lets a new one open
    for _ in 0..3 {
        let mut tx = state.db.begin(&[]).await?;
        if let Some(id) = alerts::insert_open(tx.conn(), &new).await? {
            // a new stream: nobody else can write to it before this commits
            tx.lock_new(StreamRef::alert(id)).await?;
            let change = AlertChange::Triggered {
                id,
                summary: p.summary.clone(),
                source: p.source.clone(),
                severity: p.severity,
                dedup_key: dedup_key.clone(),
                links: event.links.clone(),
            };
            log::append_change(&mut tx, StreamRef::alert(id), None, change.name(), &change).await?;
            // the service's policy pages from now (a service in maintenance holds its pages)
            let (policy, maintenance) = escalations::of_service(tx.conn(), key.service).await?;
            let paging = policy.filter(|_| !maintenance);
            if let Some(policy) = paging {
                escalations::start(tx.conn(), id, policy, new.at).await?;
            }
            tx.commit(&state.hub).await?;
            if paging.is_some() {
                state.paging_wake.notify_one();
            }
            return Ok(dedup_key);
        }
        drop(tx);
        let open = {
            let mut conn = state.db.pool().acquire().await?;
            alerts::open_by_dedup(&mut conn, key.service, &dedup_key).await?
        };
        if let Some((id, _)) = open {
            if repeat(state, id, &p.summary, p.timestamp).await? {
                return Ok(dedup_key);
            }
        }
    }
    Err(Refused::Failed(AppError::unavailable("The alert changed too often to record this trigger; send it again.")))
}

/// Records a repeated trigger on an open alert; false when it was resolved meanwhile.
async fn repeat(state: &AppState, id: AlertId, summary: &str, at: Option<chrono::DateTime<chrono::Utc>>) -> Result<bool, Refused> {
    let mut tx = state.db.begin(&[StreamRef::alert(id)]).await?;
    if matches!(alerts::state_of(tx.conn(), id).await?, None | Some(AlertState::Resolved)) {
        return Ok(false);
    }
    let change = AlertChange::Repeated { summary: summary.to_string(), at };
    log::append_change(&mut tx, StreamRef::alert(id), None, change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(true)
}

/// An acknowledgement or resolve by monitoring: applied to the open alert with this dedup
/// key, or, when there is none, kept as received.
async fn apply(state: &AppState, service: crate::domain::ids::ServiceId, action: Action, dedup_key: &str) -> Result<(), Refused> {
    let open = {
        let mut conn = state.db.pool().acquire().await?;
        alerts::open_by_dedup(&mut conn, service, dedup_key).await?
    };
    let Some((id, _)) = open else {
        let mut conn = state.db.pool().acquire().await?;
        alerts::record_unmatched(&mut conn, service, action, dedup_key, now()).await?;
        return Ok(());
    };
    let mut tx = state.db.begin(&[StreamRef::alert(id)]).await?;
    let Some(to) = alerts::state_of(tx.conn(), id).await?.and_then(|s| s.after(action)) else {
        // acknowledged already, or resolved meanwhile: nothing changes
        return Ok(());
    };
    crate::server::services::alerts::settle(tx.conn(), id, to).await?;
    let change = match to {
        AlertState::Resolved => AlertChange::Resolved { by: None },
        _ => AlertChange::Acknowledged { by: None },
    };
    log::append_change(&mut tx, StreamRef::alert(id), None, change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(())
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
