//! `/pkg/{*file}`: the browser's files from memory (the app's under `app/<build>/`). A content-hashed name is kept by
//! browsers and proxies for a year (`immutable`); a plain name is revalidated with its
//! entity tag. Brotli or gzip as the client takes them, each made once at build time.

use app::server::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::cached::{accepts, etag_matches};

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "public, no-cache";

pub async fn serve(State(state): State<AppState>, Path(file): Path<String>, request: HeaderMap) -> Response {
    let Some(found) = state.assets.find(&file) else {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "No such file.").into_response();
    };
    let a = found.asset;
    let b = Response::builder()
        .header(header::ETAG, &a.etag)
        .header(header::CACHE_CONTROL, if found.immutable { IMMUTABLE } else { REVALIDATE })
        .header(header::VARY, "Accept-Encoding");
    if request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| etag_matches(v, &a.etag)) {
        return b.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
    }
    let b = b.status(StatusCode::OK).header(header::CONTENT_TYPE, a.content_type);
    let (b, body) = if !a.brotli.is_empty() && accepts(&request, "br") {
        (b.header(header::CONTENT_ENCODING, "br"), a.brotli.clone())
    } else if accepts(&request, "gzip") {
        (b.header(header::CONTENT_ENCODING, "gzip"), a.gzip.clone())
    } else {
        (b, a.identity.clone())
    };
    b.body(Body::from(body)).unwrap_or_default()
}
