//! The public status page as snapshots: built from the database once per change, then served
//! from memory to every reader (HTML, Statuspage JSON, feeds, live stream), so a flood of
//! readers costs the database nothing and a database outage shows the last good page.

pub mod feeds;
pub mod snapshot;
pub mod v2;

use std::hash::{Hash, Hasher};
use std::io::Write;

use axum::body::Bytes;

pub use snapshot::{Snapshot, StatusSnapshots};

/// Whether `path` is one of the public HTML pages.
pub fn is_public_page(path: &str) -> bool {
    let one_segment = |rest: &str| !rest.is_empty() && !rest.contains('/');
    path == "/status"
        || path == "/status/history"
        || path.strip_prefix("/status/history/").is_some_and(one_segment)
        || path.strip_prefix("/status/incidents/").is_some_and(one_segment)
}

/// The snapshot a public page is being rendered from, passed with the render's request by
/// the HTML cache, which keeps the page under that snapshot's version.
#[derive(Clone)]
pub struct RenderFrom(pub std::sync::Arc<Snapshot>);

/// The snapshot a public page shows: the one the HTML cache is rendering it from, so the
/// page kept under a version is that version (a newer snapshot may have come meanwhile);
/// otherwise the current one.
pub async fn page_snapshot(state: &crate::server::state::AppState) -> crate::error::AppResult<std::sync::Arc<Snapshot>> {
    let pinned = leptos::prelude::use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<RenderFrom>().map(|r| r.0.clone()));
    match pinned {
        Some(s) => Ok(s),
        None => state.status.get().await,
    }
}

/// The documents a snapshot carries ready to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doc {
    Status,
    Components,
    Summary,
    Incidents,
    Unresolved,
    Maintenances,
    Upcoming,
    Active,
    Rss,
    Atom,
}

impl Doc {
    pub const ALL: [Doc; 10] =
        [Doc::Status, Doc::Components, Doc::Summary, Doc::Incidents, Doc::Unresolved, Doc::Maintenances, Doc::Upcoming, Doc::Active, Doc::Rss, Doc::Atom];

    /// Where it is served.
    pub fn path(self) -> &'static str {
        match self {
            Doc::Status => "/api/v2/status.json",
            Doc::Components => "/api/v2/components.json",
            Doc::Summary => "/api/v2/summary.json",
            Doc::Incidents => "/api/v2/incidents.json",
            Doc::Unresolved => "/api/v2/incidents/unresolved.json",
            Doc::Maintenances => "/api/v2/scheduled-maintenances.json",
            Doc::Upcoming => "/api/v2/scheduled-maintenances/upcoming.json",
            Doc::Active => "/api/v2/scheduled-maintenances/active.json",
            Doc::Rss => "/status/history.rss",
            Doc::Atom => "/status/history.atom",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Doc::Rss => "application/rss+xml; charset=utf-8",
            Doc::Atom => "application/atom+xml; charset=utf-8",
            _ => "application/json",
        }
    }

    /// Statuspage's own feed addresses, served too (a status host serves them at its root).
    pub const ALIASES: [(&'static str, Doc); 2] = [("/history.rss", Doc::Rss), ("/history.atom", Doc::Atom)];

    pub fn from_path(path: &str) -> Option<Doc> {
        Doc::ALL.into_iter().find(|d| d.path() == path).or_else(|| Doc::ALIASES.iter().find(|(p, _)| *p == path).map(|(_, d)| *d))
    }
}

/// A response body ready to send: as is and gzipped, with its entity tag.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Bytes,
    pub gzip: Bytes,
    /// A strong tag over the bytes (the same content gives the same tag on every replica).
    pub etag: String,
    pub content_type: String,
}

impl Rendered {
    pub fn new(body: impl Into<Bytes>, content_type: impl Into<String>) -> Rendered {
        let body = body.into();
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::default());
        let gzip = match gz.write_all(&body).and_then(|_| gz.finish()) {
            Ok(g) => Bytes::from(g),
            Err(_) => Bytes::new(),
        };
        Rendered { etag: etag(&body), body, gzip, content_type: content_type.into() }
    }
}

/// A strong entity tag for `bytes`.
pub fn etag(bytes: &[u8]) -> String {
    // SipHash with fixed keys: stable for a given build, which is all a cache needs
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("\"{:016x}{:08x}\"", h.finish(), bytes.len())
}

#[cfg(test)]
mod tests {
    use super::is_public_page;

    #[test]
    fn the_public_pages_are_the_status_page_its_months_and_its_incidents() {
        for page in ["/status", "/status/history", "/status/history/2026-10", "/status/incidents/p12"] {
            assert!(is_public_page(page), "{page}");
        }
        for other in ["/status/", "/status/history/", "/status/history/2026-10/x", "/status/history.rss", "/status/incidents/", "/incidents/3", "/status-page"]
        {
            assert!(!is_public_page(other), "{other}");
        }
    }
}
