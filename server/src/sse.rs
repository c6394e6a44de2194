//! `GET /live/{topic}`: server-sent events. Each event's `id:` is its position in the log
//! (`domain::log::Cursor`). A client that reconnects with `Last-Event-ID` (or first connects
//! with `?after=`, the position its page was rendered at) is first sent exactly the events
//! it missed, read from the database, then the live ones. A subscriber that falls behind the hub's bounded buffer is resynced
//! the same way; the stream ends when the server shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use app::domain::event::Topic;
use app::domain::ids::UserId;
use app::domain::log::Cursor;
use app::domain::user::Permission;
use app::error::AppError;
use app::server::authz::{current_user, require, session_live};
use app::server::db::{Db, DbError};
use app::server::feed;
use app::server::hub::LiveMessage;
use app::server::repo::{incidents, log};
use app::server::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;
use tower_sessions::Session;

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    after: Option<String>,
}

const DB_DOWN: &str = "The database did not answer.";

pub async fn live(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    Path(topic): Path<String>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
) -> Response {
    open(state, peer, session, topic, query, headers).await.unwrap_or_else(IntoResponse::into_response)
}

async fn open(state: AppState, peer: SocketAddr, session: Session, topic: String, query: LiveQuery, headers: HeaderMap) -> Result<Response, AppError> {
    let user = current_user(&state.db, &session).await?;
    let user = require(user.as_ref(), Permission::ReadInternal)?.id;
    let session_id = session.id().map(|id| id.to_string()).ok_or_else(AppError::unauthorized)?;
    let topic = Topic::parse(&topic).filter(|t| feed::part(*t).is_some()).ok_or_else(|| AppError::not_found(format!("There is no live topic {topic:?}.")))?;
    if let Topic::Incident(id) = topic {
        let mut conn = state.db.pool().acquire().await.map_err(|_| AppError::unavailable(DB_DOWN))?;
        if incidents::get(&mut conn, id).await.map_err(|_| AppError::unavailable(DB_DOWN))?.is_none() {
            return Err(AppError::not_found(format!("There is no incident {id}.")));
        }
    }
    let resume = match headers.get("last-event-id").map(|v| v.to_str().unwrap_or("\u{fffd}")).or(query.after.as_deref()) {
        Some(raw) => Some(raw.parse::<Cursor>().map_err(AppError::bad_request)?),
        None => None,
    };
    let slot = state.live_slot(peer, &headers)?;
    // Subscribe before reading the backlog, so nothing falls between the two.
    let rx = state.hub.subscribe(topic);
    let down = |_| AppError::unavailable(DB_DOWN);
    let (start, hello) = match resume {
        // a position this database never gave (it was restored from a backup, or replaced):
        // the client's view belongs to another history, so it is told to reload, and the
        // stream goes on from now rather than waiting, silent, for the log to catch up
        Some(at) if !known(&state.db, at).await.map_err(down)? => {
            let now = readable_end(&state.db).await.map_err(down)?;
            (now, Bytes::from(format!("retry: 2000\n: live\nevent: resync\ndata: {now}\n\n")))
        }
        Some(at) => (at, Bytes::from_static(HELLO)),
        // a new subscriber wants what happens from now on
        None => (readable_end(&state.db).await.map_err(down)?, Bytes::from_static(HELLO)),
    };
    let hello = stream::once(async { Ok::<_, Infallible>(hello) });
    let watch = Watch { state: state.clone(), session_id, user };
    // the stream holds its slot until it ends
    let events = subscription(state.db.clone(), topic, rx, start, state.live_ping, Some(watch)).map(move |m| {
        let _held = &slot;
        Ok::<_, Infallible>(m.frame.clone())
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .body(Body::from_stream(hello.chain(events)))
        .map_err(|_| AppError::new(app::error::ErrorKind::Internal, "Cannot start the stream."))
}

/// The first frame of every stream: how soon to reconnect, and a comment.
const HELLO: &[u8] = b"retry: 2000\n: live\n\n";

/// A comment line that keeps idle connections (and the proxies between) open.
pub const PING: &[u8] = b": ping\n\n";

/// Whose stream it is: checked again every `state.live_reauth`, so signing out or
/// deactivating an account ends its streams.
pub struct Watch {
    pub state: AppState,
    pub session_id: String,
    pub user: UserId,
}

struct Sub {
    db: Db,
    topic: Topic,
    rx: Receiver<Arc<LiveMessage>>,
    queue: VecDeque<Arc<LiveMessage>>,
    last: Cursor,
    resync: bool,
    /// One timer for the stream's whole life: pings, and the session check.
    tick: Pin<Box<tokio::time::Sleep>>,
    ping_every: Duration,
    ping_at: tokio::time::Instant,
    /// When the session is next checked (streams with a `watch` only).
    recheck_at: Option<tokio::time::Instant>,
    watch: Option<Watch>,
}

/// Where a new reader of the log starts (see `log::readable_end`).
pub async fn readable_end(db: &Db) -> Result<Cursor, DbError> {
    let mut conn = db.pool().acquire().await?;
    log::readable_end(&mut conn).await
}

async fn known(db: &Db, at: Cursor) -> Result<bool, DbError> {
    let mut conn = db.pool().acquire().await?;
    log::known(&mut conn, at).await
}

/// The events of a topic after `after` (read from the database), then live ones, each once
/// and in order. `rx` must have been subscribed before `after` was read.
///
/// Idle subscribers are sent a ping comment every `ping`. The stream ends when the hub closes
/// (shutdown) or, with a `watch`, when the session ends.
///
/// Per event this does one broadcast receive and nothing else: no per-frame timers or
/// cancellation futures, which at 10,000 subscribers would be 10,000 lock round trips.
pub fn subscription(
    db: Db,
    topic: Topic,
    rx: Receiver<Arc<LiveMessage>>,
    after: Cursor,
    ping: Duration,
    watch: Option<Watch>,
) -> impl Stream<Item = Arc<LiveMessage>> {
    let now = tokio::time::Instant::now();
    let recheck_at = watch.as_ref().map(|w| now + w.state.live_reauth);
    let sub = Sub {
        db,
        topic,
        rx,
        queue: VecDeque::new(),
        last: after,
        resync: true,
        tick: Box::pin(tokio::time::sleep_until(next_tick(now + ping, recheck_at))),
        ping_every: ping,
        ping_at: now + ping,
        recheck_at,
        watch,
    };
    stream::unfold(sub, |mut s| async move {
        loop {
            if let Some(item) = s.queue.pop_front() {
                return Some((item, s));
            }
            if s.resync {
                // boxed: the steady state (waiting on the hub) stays small per subscriber
                let (batch, more) = match Box::pin(feed::since(&s.db, s.topic, s.last)).await {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::warn!(error = %e, "live replay failed; closing the stream so the client reconnects");
                        return None;
                    }
                };
                s.resync = more;
                for m in batch {
                    if m.cursor > s.last {
                        s.last = m.cursor;
                        s.queue.push_back(m);
                    }
                }
                continue;
            }
            let received = tokio::select! {
                biased;
                r = s.rx.recv() => r,
                _ = s.tick.as_mut() => {
                    let now = tokio::time::Instant::now();
                    if let (Some(w), Some(at)) = (&s.watch, s.recheck_at) {
                        if now >= at {
                            s.recheck_at = Some(now + w.state.live_reauth);
                            // a database that does not answer keeps the stream; it asks again later
                            if let Ok(false) = Box::pin(session_live(&w.state.db, &w.session_id, w.user)).await {
                                return None;
                            }
                        }
                    }
                    let ping_due = now >= s.ping_at;
                    if ping_due {
                        s.ping_at = now + s.ping_every;
                    }
                    s.tick.as_mut().reset(next_tick(s.ping_at, s.recheck_at));
                    if !ping_due {
                        continue;
                    }
                    let ping = Arc::new(LiveMessage { cursor: s.last, json: "".into(), frame: Bytes::from_static(PING) });
                    return Some((ping, s));
                }
            };
            match received {
                // the hub sends the log in order: anything not yet seen comes next
                Ok(msg) if msg.cursor <= s.last => {}
                Ok(msg) => {
                    s.last = msg.cursor;
                    return Some((msg, s));
                }
                // fell behind the hub's buffer: the database has it all
                Err(RecvError::Lagged(_)) => s.resync = true,
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

/// The stream's timer wakes it for whichever comes first: a ping or a session check.
fn next_tick(ping_at: tokio::time::Instant, recheck_at: Option<tokio::time::Instant>) -> tokio::time::Instant {
    recheck_at.map_or(ping_at, |r| r.min(ping_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::event::LiveEvent;
    use app::domain::incident::{DeclareInput, NoteKind};
    use app::domain::user::AccountRole;
    use app::server::hub::CHANNEL_CAPACITY;
    use app::server::services::incidents as svc;
    use app::server::testing::{fresh_state, user};

    /// A subscriber that reads nothing while more events than the hub keeps go by is
    /// resynchronised from the database: it still gets every event once, in order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lagging_subscriber_is_resynced_from_the_database() {
        let state = fresh_state(app::server::db::Backend::Sqlite).await;
        let u = user(&state.db, "Ada", AccountRole::Admin).await;
        let input = DeclareInput { title: "Lag".into(), severity: Some(app::domain::incident::Severity::Sev3), ..Default::default() };
        let i = svc::declare(&state, Some(&u), input).await.unwrap();
        let topic = Topic::Incident(i.id);
        let rx = state.hub.subscribe(topic);
        let stream = subscription(state.db.clone(), topic, rx, readable_end(&state.db).await.unwrap(), state.live_ping, None);
        let n = CHANNEL_CAPACITY + 100;
        for k in 0..n {
            svc::add_note(&state, Some(&u), i.id, NoteKind::Note, &format!("n{k}")).await.unwrap();
        }
        let got: Vec<Arc<LiveMessage>> = stream.take(n).collect().await;
        let bodies: Vec<String> = got.iter().map(|m| serde_json::from_str::<LiveEvent>(&m.json).unwrap().event.kind.summary()).collect();
        let expected: Vec<String> = (0..n).map(|k| format!("n{k}")).collect();
        assert_eq!(bodies, expected);
        assert!(got.windows(2).all(|w| w[0].cursor < w[1].cursor));
        assert!(std::str::from_utf8(&got[0].frame).unwrap().starts_with(&format!("id: {}\ndata: {{", got[0].cursor)));
    }

    /// An event written by another process (which wakes only its own feed) reaches this
    /// replica's subscribers too, in the log's order.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_event_written_elsewhere_is_not_skipped() {
        use app::domain::event::EventKind;
        use app::server::repo::events as repo;
        let state = fresh_state(app::server::db::Backend::Sqlite).await;
        let u = user(&state.db, "Ada", AccountRole::Admin).await;
        let input = DeclareInput { title: "Gap".into(), severity: Some(app::domain::incident::Severity::Sev3), ..Default::default() };
        let i = svc::declare(&state, Some(&u), input).await.unwrap();
        for topic in [Topic::Incident(i.id), Topic::Incidents] {
            let rx = state.hub.subscribe(topic);
            let mut stream = Box::pin(subscription(state.db.clone(), topic, rx, readable_end(&state.db).await.unwrap(), state.live_ping, None));
            // "another replica" appends an event straight to the log
            let mut tx = state.db.begin(&[app::domain::log::StreamRef::incident(i.id)]).await.unwrap();
            repo::append(&mut tx, i.id, chrono::Utc::now(), None, EventKind::NoteAdded { body: format!("elsewhere {topic:?}") }).await.unwrap();
            tx.commit(&app::server::hub::Hub::new()).await.unwrap();
            svc::add_note(&state, Some(&u), i.id, NoteKind::Note, &format!("here {topic:?}")).await.unwrap();
            let got: Vec<String> = (&mut stream).take(2).map(|m| serde_json::from_str::<LiveEvent>(&m.json).unwrap().event.kind.summary()).collect().await;
            assert_eq!(got, [format!("elsewhere {topic:?}"), format!("here {topic:?}")]);
        }
    }
}
