//! The live hub: one `tokio::sync::broadcast` channel per topic, fed by this replica's live
//! feed (`server::feed`) with every event of the log, in the log's order, once committed.
//!
//! A message is serialised once and shared by every subscriber. Channels are bounded: a
//! subscriber that falls behind gets `Lagged` and resynchronises from the database (see the
//! SSE endpoint); it never holds up anybody else or grows memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::{broadcast, Notify};

use crate::domain::event::Topic;
use crate::domain::log::Cursor;

/// How many messages a topic keeps for slow readers before they must resync.
pub const CHANNEL_CAPACITY: usize = 256;

/// An event ready to send: its position in the log and its JSON.
#[derive(Debug)]
pub struct LiveMessage {
    pub cursor: Cursor,
    pub json: Arc<str>,
    /// The whole SSE frame (`id: …\ndata: …\n\n`), built once and shared by every
    /// subscriber.
    pub frame: Bytes,
}

impl LiveMessage {
    pub fn new(cursor: Cursor, json: Arc<str>) -> LiveMessage {
        // JSON never holds a raw newline, so it is one `data:` line
        let frame = Bytes::from(format!("id: {cursor}\ndata: {json}\n\n"));
        LiveMessage { cursor, json, frame }
    }
}

#[derive(Clone, Default)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<Topic, broadcast::Sender<Arc<LiveMessage>>>>>,
    closed: Arc<std::sync::atomic::AtomicBool>,
    /// Flips to true when the hub closes (for streams that are not fed by topics).
    shut: Arc<tokio::sync::watch::Sender<bool>>,
    /// Rung after a commit that appended events: the feed reads them at once.
    feed: Arc<Notify>,
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

    /// Sends a message to the subscribers of `topics`.
    pub fn publish(&self, topics: &[Topic], message: Arc<LiveMessage>) {
        let mut channels = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        for topic in topics {
            if let Some(tx) = channels.get(topic) {
                if tx.send(message.clone()).is_err() {
                    // nobody listens any more
                    channels.remove(topic);
                }
            }
        }
    }

    /// Tells the feed that events were committed.
    pub fn wake_feed(&self) {
        self.feed.notify_one();
    }

    /// Resolves when the feed has been woken (at once if it was woken since last time).
    pub async fn feed_woken(&self) {
        self.feed.notified().await
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
