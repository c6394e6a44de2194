//! Live events across replicas (PostgreSQL). Every write transaction sends
//! `NOTIFY klaxon_events, '<replica>:<last event id>'`, which PostgreSQL delivers at commit,
//! in commit order. Each replica listens and publishes the other replicas' events into its
//! own hub, read from the database with their predecessors, so its subscribers see every
//! event. Notifications lost while the listener reconnects are caught up afterwards, and
//! any gap a subscriber still meets is healed from the database by the subscriber itself.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::domain::event::LiveEvent;
use crate::domain::ids::{EventId, IncidentId};
use crate::domain::incident::Incident;
use crate::server::db::{Db, NOTIFY_CHANNEL};
use crate::server::hub::{Hub, Publication};
use crate::server::repo::{events, incidents};

/// Runs until `shutdown` resolves.
pub async fn run(db: Db, hub: Hub, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut seen = loop {
        match newest(&db).await {
            Ok(id) => break id,
            Err(e) => {
                tracing::warn!(error = %e, "bridge: cannot read the newest event; retrying");
                tokio::select! { _ = &mut shutdown => return, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
            }
        }
    };
    loop {
        let mut listener = match connect(&db).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "bridge: cannot listen; retrying");
                tokio::select! { _ = &mut shutdown => return, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
                continue;
            }
        };
        // anything committed while we were not listening
        let mut behind = !catch_up(&db, &hub, &mut seen).await;
        loop {
            let next = tokio::select! {
                _ = &mut shutdown => return,
                n = listener.try_recv() => Some(n),
                // a failed catch-up is retried until it succeeds
                _ = tokio::time::sleep(Duration::from_secs(1)), if behind => None,
            };
            let Some(next) = next else {
                behind = !catch_up(&db, &hub, &mut seen).await;
                continue;
            };
            match next {
                Ok(Some(n)) => match parse(n.payload()) {
                    // our own event, all earlier ones seen: nothing to publish
                    Some((replica, id)) if replica == db.replica() && !behind => seen = seen.max(id),
                    Some(_) => behind = !catch_up(&db, &hub, &mut seen).await,
                    None => tracing::warn!(payload = n.payload(), "bridge: unreadable notification"),
                },
                Ok(None) => {
                    // the connection dropped and has been re-established: catch up
                    behind = !catch_up(&db, &hub, &mut seen).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "bridge: listener failed; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn connect(db: &Db) -> Result<PgListener, sqlx::Error> {
    let mut l = PgListener::connect(db.url()).await?;
    l.listen(NOTIFY_CHANNEL).await?;
    Ok(l)
}

fn parse(payload: &str) -> Option<(u64, EventId)> {
    let (replica, id) = payload.split_once(':')?;
    Some((replica.parse().ok()?, EventId(id.parse().ok()?)))
}

async fn newest(db: &Db) -> Result<EventId, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    events::last_id(&mut conn, None).await
}

/// Publishes every event after `seen`, advancing it; false when the database failed (the
/// caller retries). Events this replica published itself go out again and are ignored by
/// subscribers that already have them.
pub async fn catch_up(db: &Db, hub: &Hub, seen: &mut EventId) -> bool {
    match publish_since(db, hub, seen).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "bridge: catch-up failed; retrying");
            false
        }
    }
}

async fn publish_since(db: &Db, hub: &Hub, seen: &mut EventId) -> Result<(), sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    loop {
        let batch = events::since(&mut conn, None, *seen, 500).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let mut snapshots: HashMap<IncidentId, Incident> = HashMap::new();
        for event in batch {
            if !snapshots.contains_key(&event.incident_id) {
                if let Some(i) = incidents::get(&mut conn, event.incident_id).await? {
                    snapshots.insert(i.id, i);
                }
            }
            let prev_incident = events::previous_in_incident(&mut conn, event.incident_id, event.id).await?;
            let (prev_all, id) = (*seen, event.id);
            if let Some(incident) = snapshots.get(&event.incident_id).cloned() {
                hub.publish(&Publication { event: LiveEvent { event, incident }, prev_all, prev_incident });
            }
            *seen = id;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads() {
        assert_eq!(super::parse("42:17"), Some((42, crate::domain::ids::EventId(17))));
        assert_eq!(super::parse("x:17"), None);
        assert_eq!(super::parse("17"), None);
    }
}
