//! `GET /oncall/calendar/{token}.ics`: an on-call calendar feed (iCalendar), for calendar
//! programs: no sign-in, the secret token is the credential. `ETag` / `304`.

use app::server::public::etag;
use app::server::services::calendar;
use app::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::cached::etag_matches;

pub async fn feed(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let body = match calendar::render(&state, token).await {
        Ok(Some(body)) => body,
        Ok(None) => return (StatusCode::NOT_FOUND, "There is no calendar at this address (it may have been revoked).").into_response(),
        Err(e) => return e.into_response(),
    };
    let tag = etag(body.as_bytes());
    let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| etag_matches(v, &tag));
    let cache = [(header::ETAG, tag), (header::CACHE_CONTROL, "private, max-age=300".to_string())];
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response()
}
