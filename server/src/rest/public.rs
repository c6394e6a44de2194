//! The Statuspage v2 documents and the RSS/Atom feeds, straight from the snapshot.

use app::server::public::Doc;
use app::server::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::cached::respond;

/// `GET` any of [`Doc::ALL`]'s paths.
pub async fn doc(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let Some(doc) = Doc::from_path(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.status.get().await {
        Ok(s) => respond(&headers, StatusCode::OK, s.doc(doc), s.changed_at(), true),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.message).into_response(),
    }
}
