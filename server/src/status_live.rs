//! `GET /live/status`: the public page, live. Anyone may listen. Each message is the whole
//! public page (the same redacted view the page is rendered from), sent when what it tells
//! customers changes; a new or reconnecting listener is sent the current page first, so
//! nothing needs replaying.

use std::convert::Infallible;
use std::time::Duration;

use app::server::hub::Hub;
use app::server::public::Snapshot;
use app::server::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

struct Listener {
    rx: watch::Receiver<Option<Arc<Snapshot>>>,
    sent: u64,
    hub: Hub,
    ping: Duration,
}

pub async fn live(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap) -> Response {
    let slot = match state.live_slot(peer, &headers) {
        Ok(slot) => slot,
        Err(e) => return e.into_response(),
    };
    let listener = Listener { rx: state.status.watch(), sent: 0, hub: state.hub.clone(), ping: state.live_ping };
    let hello = stream::once(async { Ok::<_, Infallible>(Bytes::from_static(b"retry: 3000\n: live\n\n")) });
    let updates = stream::unfold(listener, |mut l| async move {
        loop {
            let next = l.rx.borrow_and_update().as_ref().filter(|s| s.live_version > l.sent).map(|s| (s.live_version, s.live_frame.clone()));
            if let Some((version, frame)) = next {
                l.sent = version;
                return Some((Ok(frame), l));
            }
            tokio::select! {
                changed = l.rx.changed() => if changed.is_err() { return None },
                _ = tokio::time::sleep(l.ping) => return Some((Ok(Bytes::from_static(crate::sse::PING)), l)),
                _ = l.hub.closed() => return None,
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header("x-accel-buffering", "no")
        // the stream holds its slot until it ends
        .body(Body::from_stream(hello.chain(updates).map(move |frame| {
            let _held = &slot;
            frame
        })))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
