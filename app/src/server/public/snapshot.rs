//! Public page snapshots. One builder task per process rebuilds the snapshot when told that
//! something changed ([`StatusSnapshots::invalidate`], called after every commit that
//! touches what the public sees), when another replica posted a public update (seen on the
//! hub), and every `refresh` anyway (maintenance windows open and close, days roll over,
//! other replicas change components). Only one rebuild runs at a time; many changes while
//! it runs cost one more rebuild, not many.
//!
//! A reader asks for the snapshot with [`StatusSnapshots::get`]: if a change it may have
//! made or seen is not in the snapshot yet, it waits (briefly) for the rebuild, so a
//! responder who posts an update then reloads the page sees it. When the database is
//! down, readers get the last good snapshot at once, marked stale.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::{watch, Notify};

use super::{feeds, v2, Doc, Rendered};
use crate::domain::event::Topic;
use crate::domain::log::{Cursor, Seen};
use crate::domain::status_page::{PublicIncident, PublicPage};
use crate::error::{AppError, AppResult};
use crate::server::db::Db;
use crate::server::hub::Hub;

/// How long a reader waits for a rebuild before it takes the snapshot it has.
const WAIT_FOR_REBUILD: Duration = Duration::from_secs(3);
/// Pause before retrying a failed rebuild.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Everything public, as of `page.generated_at` (the time its content last changed).
#[derive(Debug)]
pub struct Snapshot {
    /// Grows whenever the content changes.
    pub version: u64,
    /// Grows whenever what customers are told changes (statuses, incidents, maintenance,
    /// settings), not when only today's uptime figure moves: live readers are sent these.
    pub live_version: u64,
    /// The invalidations this snapshot includes.
    generation: u64,
    /// The events of the log it was built with.
    seen: Seen,
    pub page: PublicPage,
    /// Every public incident, newest first (the page carries only the recent ones).
    pub incidents: Vec<PublicIncident>,
    docs: Vec<Rendered>,
    /// The change as one server-sent event (`data:` the Statuspage `status.json`).
    pub live_frame: Bytes,
}

impl Snapshot {
    pub fn doc(&self, doc: Doc) -> &Rendered {
        &self.docs[Doc::ALL.iter().position(|d| *d == doc).unwrap_or(0)]
    }

    pub fn changed_at(&self) -> DateTime<Utc> {
        self.page.generated_at
    }

    pub fn incident(&self, id: &str) -> Option<&PublicIncident> {
        self.incidents.iter().find(|i| i.id == id)
    }
}

fn render(page: &PublicPage, incidents: &[PublicIncident]) -> Vec<Rendered> {
    Doc::ALL
        .iter()
        .map(|&d| {
            let body = match d {
                Doc::Rss => feeds::rss(&page.settings, incidents, page.generated_at),
                Doc::Atom => feeds::atom(&page.settings, incidents, page.generated_at),
                _ => serde_json::to_string(&v2::document(page, d)).unwrap_or_default(),
            };
            Rendered::new(body, d.content_type())
        })
        .collect()
}

/// The live event for a change: the Statuspage `status.json` (the page and its overall
/// status), a signal to re-read what changed. Nothing else: no internal ids, no more than
/// the public documents say.
fn live_frame(version: u64, status_json: &[u8]) -> Bytes {
    let json = String::from_utf8_lossy(status_json);
    Bytes::from(format!("id: {version}\nevent: status\ndata: {json}\n\n"))
}

struct Inner {
    db: Db,
    hub: Hub,
    refresh: Duration,
    /// Invalidations so far.
    wanted: AtomicU64,
    kick: Notify,
    current: watch::Sender<Option<Arc<Snapshot>>>,
    /// The last rebuild failed (the database is unreachable).
    failing: AtomicBool,
    started: AtomicBool,
}

/// The public snapshots of this process. Cheap to clone.
#[derive(Clone)]
pub struct StatusSnapshots(Arc<Inner>);

impl StatusSnapshots {
    pub fn new(db: Db, hub: Hub, refresh: Duration) -> Self {
        StatusSnapshots(Arc::new(Inner {
            db,
            hub,
            refresh,
            wanted: AtomicU64::new(1),
            kick: Notify::new(),
            current: watch::channel(None).0,
            failing: AtomicBool::new(false),
            started: AtomicBool::new(false),
        }))
    }

    /// Something public changed: the next reader gets a snapshot that includes it.
    pub fn invalidate(&self) {
        self.0.wanted.fetch_add(1, Ordering::SeqCst);
        self.0.kick.notify_one();
        self.start();
    }

    /// Whether the snapshot being served is older than the database (it could not be read).
    pub fn stale(&self) -> bool {
        self.0.failing.load(Ordering::SeqCst)
    }

    /// Follows the snapshots as they are replaced (for live streams).
    pub fn watch(&self) -> watch::Receiver<Option<Arc<Snapshot>>> {
        self.start();
        self.0.current.subscribe()
    }

    /// The snapshot that includes every change made before this call, if it can be built
    /// in time; otherwise the last good one. An error only when there has never been one.
    pub async fn get(&self) -> AppResult<Arc<Snapshot>> {
        self.start();
        let want = self.0.wanted.load(Ordering::SeqCst);
        let mut rx = self.0.current.subscribe();
        let fresh = |s: &Option<Arc<Snapshot>>| s.as_ref().is_some_and(|s| s.generation >= want);
        // one borrow at a time: a second read lock taken while a writer waits would deadlock
        let (is_fresh, have_one) = {
            let current = rx.borrow();
            (fresh(&current), current.is_some())
        };
        if !(is_fresh || self.stale() && have_one) {
            let failing = &self.0.failing;
            let _ = tokio::time::timeout(WAIT_FOR_REBUILD, rx.wait_for(|s| fresh(s) || failing.load(Ordering::SeqCst))).await;
        }
        let current = rx.borrow().clone();
        current.ok_or_else(|| AppError::unavailable("The status page is not available yet; please try again shortly."))
    }

    fn start(&self) {
        if self.0.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let inner = self.0.clone();
        tokio::spawn(run(inner));
    }
}

async fn run(inner: Arc<Inner>) {
    let mut events = inner.hub.subscribe(Topic::StatusPage);
    loop {
        let generation = inner.wanted.load(Ordering::SeqCst);
        let ok = rebuild(&inner, generation).await;
        let pause = if ok { inner.refresh } else { RETRY_AFTER };
        let sleep = tokio::time::sleep(pause);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = inner.kick.notified() => break,
                _ = &mut sleep => break,
                m = events.recv() => match m {
                    // a change the snapshot already has (this replica's: it invalidated at
                    // once) needs no rebuild, which would only move today's uptime figure
                    Ok(m) if shown(&inner, m.cursor) => {}
                    // what the public page shows changed, on another replica
                    Ok(_) => {
                        inner.wanted.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        inner.wanted.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    // the hub closed (shutting down): keep serving, stop listening
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => events = tokio::sync::broadcast::channel(1).1,
                },
            }
        }
    }
}

/// Whether the current snapshot was built with the event at `at`.
fn shown(inner: &Inner, at: Cursor) -> bool {
    inner.current.borrow().as_ref().is_some_and(|s| s.seen.includes(at))
}

/// Whether `page` says what `prev` says (the time aside; a maintenance window that moved on
/// to its next phase is a change).
fn same_content(prev: &Snapshot, page: &PublicPage, incidents: &[PublicIncident]) -> bool {
    let phases = |p: &PublicPage, at| p.maintenances.iter().map(|m| m.phase(at)).collect::<Vec<_>>();
    PublicPage { generated_at: prev.page.generated_at, ..page.clone() } == prev.page
        && incidents == prev.incidents.as_slice()
        && phases(page, page.generated_at) == phases(&prev.page, prev.page.generated_at)
}

/// Builds a snapshot for invalidation `generation`; false when the database failed.
async fn rebuild(inner: &Inner, generation: u64) -> bool {
    let at = crate::server::time::now();
    let (page, incidents, seen) = match crate::server::services::status_public::public_data(&inner.db, at).await {
        Ok(data) => data,
        Err(e) => {
            if !inner.failing.swap(true, Ordering::SeqCst) {
                tracing::warn!(error = %e, "status page: cannot rebuild; serving the last good snapshot");
            }
            // wake waiting readers so they take the last good snapshot now
            inner.current.send_modify(|_| {});
            return false;
        }
    };
    if inner.failing.swap(false, Ordering::SeqCst) {
        tracing::info!("status page: rebuilt again");
    }
    let previous = inner.current.borrow().clone();
    let next = match previous {
        Some(prev) if same_content(&prev, &page, &incidents) => {
            // nothing changed: same content, same version, same time
            Snapshot {
                version: prev.version,
                live_version: prev.live_version,
                generation,
                seen,
                page: prev.page.clone(),
                incidents: prev.incidents.clone(),
                docs: prev.docs.clone(),
                live_frame: prev.live_frame.clone(),
            }
        }
        prev => {
            let docs = render(&page, &incidents);
            let told_changed = prev.as_ref().is_none_or(|p| {
                let json = |s: &[Rendered]| s.iter().map(|r| r.etag.clone()).collect::<Vec<_>>();
                json(&p.docs) != json(&docs)
            });
            let version = prev.as_ref().map_or(1, |p| p.version + 1);
            let live_version = prev.as_ref().map_or(1, |p| p.live_version + u64::from(told_changed));
            let status_json = docs[Doc::ALL.iter().position(|d| *d == Doc::Status).unwrap_or(0)].body.clone();
            Snapshot { version, live_version, generation, seen, live_frame: live_frame(live_version, &status_json), page, incidents, docs }
        }
    };
    inner.current.send_replace(Some(Arc::new(next)));
    true
}
