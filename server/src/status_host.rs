//! `KLAXON_STATUS_HOST`: requests for that host name reach the public status page and
//! nothing else, so customers never see the internal app. Its root leads to the page, the
//! Statuspage-style feed addresses (`/history.rss`, `/history.atom`, routes of their own)
//! work, and everything internal answers 404. (This runs after routing, so it redirects
//! rather than rewrites.)

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// The host name (without port) the status page is served on, lower case.
#[derive(Clone, Debug)]
pub struct StatusHost(pub String);

/// Paths the status host serves as they are.
fn public(path: &str) -> bool {
    const EXACT: [&str; 7] = ["/status", "/live/status", "/api/status/page", "/api/status/history", "/api/status/incident", "/history.rss", "/history.atom"];
    const PREFIXES: [&str; 4] = ["/status/", "/api/v2/", "/pkg/", "/favicon"];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p)) || path == "/healthz" || path == "/readyz"
}

/// What the status host does with `path`.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Pass,
    To(&'static str),
    NotHere,
}

pub fn route(path: &str) -> Route {
    match path {
        "/" | "" => Route::To("/status"),
        "/history" => Route::To("/status/history"),
        p if public(p) => Route::Pass,
        _ => Route::NotHere,
    }
}

fn host_of(request: &Request) -> Option<String> {
    let raw = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| request.uri().host())?;
    // strip a port, keeping IPv6 literals whole
    let name = match raw.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':') => name,
        _ => raw,
    };
    Some(name.trim_end_matches('.').to_ascii_lowercase())
}

pub async fn serve(State(host): State<StatusHost>, request: Request, next: Next) -> Response {
    if host_of(&request).as_deref() != Some(host.0.as_str()) {
        return next.run(request).await;
    }
    match route(request.uri().path()) {
        Route::Pass => next.run(request).await,
        Route::To(page) => Redirect::temporary(page).into_response(),
        Route::NotHere => (StatusCode::NOT_FOUND, "Not found. The status page is at /status.").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_host_serves_public_paths_only() {
        assert_eq!(route("/"), Route::To("/status"));
        assert_eq!(route("/history"), Route::To("/status/history"));
        for pass in [
            "/history.rss",
            "/status",
            "/status/history",
            "/status/history/2026-10",
            "/status/incidents/p3",
            "/api/v2/summary.json",
            "/pkg/klaxon.css",
            "/live/status",
            "/api/status/page",
        ] {
            assert_eq!(route(pass), Route::Pass, "{pass}");
        }
        for internal in ["/incidents", "/login", "/api/login", "/status-page", "/live/incidents", "/api/status/admin", "/api/status/settings", "/runbooks"] {
            assert_eq!(route(internal), Route::NotHere, "{internal}");
        }
    }
}
