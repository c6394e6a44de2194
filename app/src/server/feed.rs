//! The live feed: each replica follows the event log in its one order and hands every
//! event, once it is safe to read (see `domain::log`), to its hub. Local commits wake it
//! directly; on PostgreSQL every replica's commits wake every other replica's feed by
//! `NOTIFY klaxon_events`, and a feed that missed a notification (a dropped connection) or
//! waits on an older transaction still reads on its own shortly after. Whoever wrote an
//! event, every replica's subscribers get it in the same order, exactly once.
//!
//! On SQLite (one process writes at a time) each commit hands its events to the feed while
//! it still holds this process's writer lock, so they arrive in the log's order; the feed
//! publishes them without reading them back, as long as they continue the log from where it
//! is (ids are given in commit order, one after the other). Where they do not — another
//! process (or another state in this one) wrote in between — and once a second when
//! nothing happens, the feed reads the log, holding the writer lock so that every commit of
//! this process up to then has been handed over and nothing is published twice.
//!
//! The replay path of live streams (`since`) renders events the same way from the same log.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::AnyConnection;

use crate::domain::event::{LiveEvent, Topic};
use crate::domain::incident::Incident;
use crate::domain::log::{Cursor, Stream, StreamRef};
use crate::server::db::{Backend, Db, KEY_REVOKED, NOTIFY_CHANNEL};
use crate::server::hub::{Hub, LiveMessage};
use crate::server::repo::log::{self, Part, Row};
use crate::server::repo::{events, incidents};

/// Events read per batch.
pub const BATCH: i64 = 500;
/// How soon the feed reads again when nothing woke it.
const IDLE: Duration = Duration::from_secs(1);
/// How soon it reads again while committed events wait on an older transaction.
const HELD: Duration = Duration::from_millis(20);

/// Starts this replica's feed from the end of the log as it is now (so every event
/// committed after this returns reaches the hub); it runs until the hub closes.
pub async fn start(db: &Db, hub: &Hub) {
    let at = loop {
        match db.pool().acquire().await {
            Ok(mut conn) => match log::readable_end(&mut conn).await {
                Ok(c) => break c,
                Err(e) => tracing::warn!(error = %e, "live feed: cannot read the log; retrying"),
            },
            Err(e) => tracing::warn!(error = %e, "live feed: no database connection; retrying"),
        }
        tokio::select! { _ = hub.closed() => return, _ = tokio::time::sleep(IDLE) => {} }
    };
    tokio::spawn(run(db.clone(), hub.clone(), at));
}

async fn run(db: Db, hub: Hub, mut at: Cursor) {
    let mut listener: Option<PgListener> = None;
    // on SQLite: whether to read the log (at first, and whenever nothing woke the feed)
    let mut read = true;
    loop {
        if listener.is_none() && db.backend() == Backend::Postgres {
            listener = listen(&db).await;
        }
        let published = match db.backend() {
            Backend::Sqlite => publish_handed(&db, &hub, &mut at, read).await,
            Backend::Postgres => publish_since(&db, &hub, &mut at).await,
        };
        let failed = published.is_err();
        let pause = match published {
            Ok(true) => HELD,
            Ok(false) => IDLE,
            Err(e) => {
                tracing::warn!(error = %e, "live feed: cannot read the log; retrying");
                IDLE
            }
        };
        let (woken, heard) = tokio::select! {
            _ = hub.closed() => return,
            _ = hub.feed_woken() => (true, Ok(())),
            _ = tokio::time::sleep(pause) => (false, Ok(())),
            n = heard(&mut listener, &hub) => (true, n),
        };
        read = !woken || failed;
        if let Err(e) = heard {
            tracing::warn!(error = %e, "live feed: listener failed; reconnecting");
            listener = None;
        }
    }
}

/// The next notification (or a reconnection, after which the feed reads anyway); never,
/// without a listener. A revoked integration key is passed on to the hub, and so is a
/// reconnection (one may have been missed).
async fn heard(listener: &mut Option<PgListener>, hub: &Hub) -> Result<(), sqlx::Error> {
    match listener {
        Some(l) => match l.try_recv().await {
            Ok(Some(n)) => {
                if n.payload() == KEY_REVOKED {
                    hub.key_revoked();
                }
                Ok(())
            }
            Ok(None) => {
                hub.key_revoked();
                Ok(())
            }
            Err(e) => {
                hub.key_revoked();
                Err(e)
            }
        },
        None => std::future::pending().await,
    }
}

async fn listen(db: &Db) -> Option<PgListener> {
    let connect = async {
        let mut l = PgListener::connect(db.url()).await?;
        l.listen(NOTIFY_CHANNEL).await?;
        Ok::<_, sqlx::Error>(l)
    };
    match connect.await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "live feed: cannot listen for other replicas; reading every second instead");
            None
        }
    }
}

/// SQLite: publishes the events commits handed over, and reads the log where they do not
/// continue it or when `read` asks (see the module documentation). Never holds anything back.
async fn publish_handed(db: &Db, hub: &Hub, at: &mut Cursor, read: bool) -> Result<bool, sqlx::Error> {
    let gap = publish_continuing(db, hub, at, hub.take_handed()).await?;
    if !gap && !read {
        return Ok(false);
    }
    // with the writer lock held every commit of this process has been handed over: those
    // still waiting are published first, and the log then holds only others' events
    let _writer = db.hold_writer().await;
    publish_continuing(db, hub, at, hub.take_handed()).await?;
    publish_since(db, hub, at).await
}

/// Publishes handed events for as long as they continue the log from `at` (the next id;
/// those already published are passed over); true when one does not.
async fn publish_continuing(db: &Db, hub: &Hub, at: &mut Cursor, handed: Vec<Vec<Row>>) -> Result<bool, sqlx::Error> {
    let mut next = *at;
    let mut rows = Vec::new();
    let mut gap = false;
    for row in handed.into_iter().flatten() {
        if row.cursor <= next {
            continue;
        }
        if row.cursor != (Cursor { tx: 0, id: next.id + 1 }) || next.tx != 0 {
            gap = true;
            break;
        }
        next = row.cursor;
        rows.push(row);
    }
    if rows.is_empty() {
        return Ok(gap);
    }
    let messages = if rows.iter().any(|r| r.stream.stream == Stream::Incident) {
        let mut conn = db.pool().acquire().await?;
        render(&mut conn, rows).await?
    } else {
        rows.into_iter().map(|row| message(&row, None).map(|m| (row, m))).collect::<Result<Vec<_>, _>>()?
    };
    hub.count_published(messages.len(), 0);
    for (row, message) in messages {
        hub.publish(&topics(&row), message);
    }
    *at = next;
    Ok(gap)
}

/// Publishes every readable event after `at`, advancing it; true when committed events
/// still wait on an older transaction.
async fn publish_since(db: &Db, hub: &Hub, at: &mut Cursor) -> Result<bool, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    loop {
        let (rows, held) = log::since(&mut conn, Part::Everything, *at, BATCH).await?;
        let (full, end) = (rows.len() as i64 == BATCH, rows.last().map(|r| r.cursor));
        let messages = render(&mut conn, rows).await?;
        hub.count_published(0, messages.len());
        for (row, message) in messages {
            hub.publish(&topics(&row), message);
        }
        if let Some(end) = end {
            *at = end;
        }
        if !full {
            return Ok(held);
        }
    }
}

/// The topics an event goes to.
pub fn topics(row: &Row) -> Vec<Topic> {
    match row.stream.stream {
        Stream::Incident => {
            let mut t = vec![Topic::Incident(crate::domain::ids::IncidentId(row.stream.id)), Topic::Incidents];
            if row.kind == "public_update_posted" {
                t.push(Topic::StatusPage);
            }
            t
        }
        Stream::StatusPage => vec![Topic::StatusPage],
        Stream::Schedule => vec![Topic::Schedules],
        Stream::Alert => vec![Topic::Alerts],
        Stream::Postmortem => vec![Topic::Postmortem(crate::domain::ids::PostmortemId(row.stream.id))],
    }
}

/// The part of the log a topic reads, when it can be replayed.
pub fn part(topic: Topic) -> Option<Part> {
    match topic {
        Topic::Incidents => Some(Part::Kind(Stream::Incident)),
        Topic::Incident(id) => Some(Part::One(StreamRef::incident(id))),
        // the public page is re-sent whole, never replayed
        Topic::StatusPage => None,
        Topic::Schedules => Some(Part::Kind(Stream::Schedule)),
        Topic::Alerts => Some(Part::Kind(Stream::Alert)),
        Topic::Postmortem(id) => Some(Part::One(StreamRef::postmortem(id))),
    }
}

/// The messages of a topic after `after` (what a live reader missed), at most a batch,
/// and whether there may be more.
pub async fn since(db: &Db, topic: Topic, after: Cursor) -> Result<(Vec<Arc<LiveMessage>>, bool), sqlx::Error> {
    let Some(part) = part(topic) else { return Ok((vec![], false)) };
    let mut conn = db.pool().acquire().await?;
    let (rows, _) = log::since(&mut conn, part, after, BATCH).await?;
    let full = rows.len() as i64 == BATCH;
    Ok((render(&mut conn, rows).await?.into_iter().map(|(_, m)| m).collect(), full))
}

/// Each event as its live readers get it: an incident's event with the incident as it
/// stands now; other streams' events as stored.
async fn render(conn: &mut AnyConnection, rows: Vec<Row>) -> Result<Vec<(Row, Arc<LiveMessage>)>, sqlx::Error> {
    let mut snapshots: HashMap<i64, Option<Incident>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let incident = match row.stream.stream {
            Stream::Incident => {
                let incident = match snapshots.get(&row.stream.id) {
                    Some(i) => i.clone(),
                    None => {
                        let i = incidents::get(&mut *conn, crate::domain::ids::IncidentId(row.stream.id)).await?;
                        snapshots.insert(row.stream.id, i.clone());
                        i
                    }
                };
                let Some(incident) = incident else { continue };
                Some(incident)
            }
            _ => None,
        };
        let message = message(&row, incident)?;
        out.push((row, message));
    }
    Ok(out)
}

/// One event as its live readers get it; an incident's comes with the incident (`incident`).
fn message(row: &Row, incident: Option<Incident>) -> Result<Arc<LiveMessage>, sqlx::Error> {
    let json: Arc<str> = match (row.stream.stream, incident) {
        (Stream::Incident, Some(incident)) => {
            let event = events::decode(row)?;
            serde_json::to_string(&LiveEvent { event, incident }).map_err(|e| sqlx::Error::Encode(Box::new(e)))?.into()
        }
        (Stream::Incident, None) => return Err(sqlx::Error::Protocol("an incident's event rendered without its incident".into())),
        // which alert, with what happened to it (domain::alert::AlertLive)
        (Stream::Alert, _) => format!("{{\"alert\":{},\"change\":{}}}", row.stream.id, row.payload).into(),
        _ => row.payload.as_str().into(),
    };
    Ok(Arc::new(LiveMessage::new(row.cursor, json)))
}
