//! The live hub: one `tokio::sync::broadcast` channel per topic, fed by this replica's live
//! feed (`server::feed`) with every event of the log, in the log's order, once committed.
//!
//! A message is serialised once and shared by every subscriber. Channels are bounded: a
//! subscriber that falls behind gets `Lagged` and resynchronises from the database (see the
//! SSE endpoint); it never holds up anybody else or grows memory.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use tokio::sync::{broadcast, Notify};

use crate::domain::event::Topic;
use crate::domain::log::Cursor;
use crate::server::repo::log::Row;

/// How many commits' events wait for the feed before they are dropped (the feed then reads
/// them from the log: it publishes handed events only where they continue what it has).
const HANDED_MAX: usize = 4096;

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
    /// On SQLite: each commit's events, handed over in commit order (see `server::feed`).
    handed: Arc<Mutex<VecDeque<Vec<Row>>>>,
    /// Events the feed published as handed over by their commit, and as read from the log.
    from_commits: Arc<AtomicU64>,
    from_log: Arc<AtomicU64>,
    /// How many integration-key revocations this replica has heard of (`server::key_cache`).
    key_revocations: Arc<AtomicU64>,
}

/// How the feed came by the events it published (`/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedCounts {
    pub from_commits: u64,
    pub from_log: u64,
}

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<LiveMessage>> {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        if self.closed.load(Ordering::SeqCst) {
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

    /// Hands the feed the events of a commit (made while this process's SQLite writer
    /// lock is still held, so commits arrive in the order they were made), and wakes it.
    pub fn hand(&self, rows: Vec<Row>) {
        let mut handed = self.handed.lock().unwrap_or_else(|e| e.into_inner());
        if handed.len() >= HANDED_MAX {
            // no feed takes them (or it is far behind): it reads the log instead
            handed.clear();
        }
        handed.push_back(rows);
        drop(handed);
        self.wake_feed();
    }

    /// The commits handed over since last time, oldest first.
    pub fn take_handed(&self) -> Vec<Vec<Row>> {
        self.handed.lock().unwrap_or_else(|e| e.into_inner()).drain(..).collect()
    }

    /// Counts events the feed published, by how it came by them.
    pub fn count_published(&self, from_commits: usize, from_log: usize) {
        self.from_commits.fetch_add(from_commits as u64, Ordering::Relaxed);
        self.from_log.fetch_add(from_log as u64, Ordering::Relaxed);
    }

    pub fn feed_counts(&self) -> FeedCounts {
        FeedCounts { from_commits: self.from_commits.load(Ordering::Relaxed), from_log: self.from_log.load(Ordering::Relaxed) }
    }

    /// Says that an integration key was (or may have been) revoked: cached keys are asked
    /// for again.
    pub fn key_revoked(&self) {
        self.key_revocations.fetch_add(1, Ordering::SeqCst);
    }

    pub fn key_revocations(&self) -> u64 {
        self.key_revocations.load(Ordering::SeqCst)
    }

    /// Resolves when the feed has been woken (at once if it was woken since last time).
    pub async fn feed_woken(&self) {
        self.feed.notified().await
    }

    /// Ends every subscription (at shutdown): their receivers see the channel closed.
    pub fn close(&self) {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        self.closed.store(true, Ordering::SeqCst);
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
