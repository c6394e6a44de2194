//! The live hub: one `tokio::sync::broadcast` channel per topic, fed after commit.
//!
//! A message is serialised once and shared by every subscriber. Channels are bounded: a
//! subscriber that falls behind gets `Lagged` and resynchronises from the database (see the
//! SSE endpoint); it never holds up anybody else or grows memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::broadcast;

use crate::domain::event::{LiveEvent, Topic};
use crate::domain::ids::EventId;

/// How many messages a topic keeps for slow readers before they must resync.
pub const CHANNEL_CAPACITY: usize = 256;

/// An event ready to send on one topic: its id, the id of the event before it on the same
/// topic, and its JSON (shared by all topics and subscribers). A subscriber whose last
/// event is not `prev` has missed something (written by another replica, say) and reads
/// the gap from the database.
#[derive(Debug)]
pub struct LiveMessage {
    pub id: EventId,
    pub prev: EventId,
    pub json: Arc<str>,
    /// The whole SSE frame (`id: …\ndata: …\n\n`), built once and shared by every
    /// subscriber.
    pub frame: Bytes,
}

impl LiveMessage {
    pub fn new(id: EventId, prev: EventId, json: Arc<str>) -> LiveMessage {
        // JSON never holds a raw newline, so it is one `data:` line
        let frame = Bytes::from(format!("id: {id}\ndata: {json}\n\n"));
        LiveMessage { id, prev, json, frame }
    }
}

/// An event with its predecessors on the two topics it goes to.
#[derive(Debug, Clone)]
pub struct Publication {
    pub event: LiveEvent,
    /// The newest event of any incident before this one.
    pub prev_all: EventId,
    /// The newest event of this incident before this one.
    pub prev_incident: EventId,
}

#[derive(Clone, Default)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<Topic, broadcast::Sender<Arc<LiveMessage>>>>>,
    closed: Arc<std::sync::atomic::AtomicBool>,
    /// Flips to true when the hub closes (for streams that are not fed by topics).
    shut: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<LiveMessage>> {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        if self.closed.load(std::sync::atomic::Ordering::SeqCst) {
            // shutting down: a receiver whose sender is already gone ends at once
            return broadcast::channel(1).1;
        }
        topics.entry(topic).or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0).subscribe()
    }

    /// Sends the event to its incident's topic and to the incident list.
    pub fn publish(&self, p: &Publication) {
        let json: Arc<str> = match serde_json::to_string(&p.event) {
            Ok(j) => j.into(),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise a live event");
                return;
            }
        };
        let id = p.event.event.id;
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        for (topic, prev) in [(Topic::Incident(p.event.event.incident_id), p.prev_incident), (Topic::Incidents, p.prev_all)] {
            if let Some(tx) = topics.get(&topic) {
                if tx.send(Arc::new(LiveMessage::new(id, prev, json.clone()))).is_err() {
                    // nobody listens any more
                    topics.remove(&topic);
                }
            }
        }
    }

    /// Ends every subscription (at shutdown): their receivers see the channel closed.
    pub fn close(&self) {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        topics.clear();
        self.shut.send_replace(true);
    }

    /// Resolves once the hub has closed (the server is shutting down).
    pub async fn closed(&self) {
        let mut rx = self.shut.subscribe();
        let _ = rx.wait_for(|shut| *shut).await;
    }

    /// How many live subscribers there are on all topics (a stream on an incident counts
    /// once; the incident list's subscribers too).
    pub fn total_subscribers(&self) -> usize {
        let topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        topics.values().map(|t| t.receiver_count()).sum()
    }
}
