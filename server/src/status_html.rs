//! The public pages' HTML (`/status`, `/status/history[/{month}]`, `/status/incidents/{id}`),
//! rendered once per snapshot and then served from memory with entity tags and gzip. A
//! render is anonymous (the request's cookies are not passed on: the page is the same for
//! everyone) and reads only the snapshot, so it works while the database is down. A page
//! renders once at a time (readers who miss wait for it and share its result); different
//! pages render side by side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use app::domain::status_history::Month;
use app::server::public::{is_public_page, RenderFrom, Rendered};
use app::server::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Pages kept at most (old versions are dropped first, then history months).
const MAX_ENTRIES: usize = 500;
/// The largest page kept.
const MAX_BODY: usize = 8 << 20;

struct Entry {
    version: u64,
    stale: bool,
    page: Rendered,
}

#[derive(Clone, Default)]
pub struct HtmlCache {
    entries: Arc<Mutex<HashMap<String, Arc<Entry>>>>,
    /// One render at a time per page (readers of a page that is being rendered wait for
    /// it); different pages render side by side.
    renders: Arc<Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>>,
}

impl HtmlCache {
    /// The lock that one page's renders take.
    fn render_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lock) = renders.get(key).and_then(Weak::upgrade) {
            return lock;
        }
        // forget the pages nobody is rendering
        renders.retain(|_, w| w.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        renders.insert(key.to_string(), Arc::downgrade(&lock));
        lock
    }

    fn lookup(&self, key: &str, version: u64, stale: bool) -> Option<Arc<Entry>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|e| e.version == version && e.stale == stale).cloned()
    }

    fn store(&self, key: String, entry: Entry) -> Arc<Entry> {
        let entry = Arc::new(entry);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, e| e.version == entry.version);
        if entries.len() >= MAX_ENTRIES {
            // history months go first: the page and the incidents are what an outage brings
            entries.retain(|k, _| !k.starts_with("/status/history/"));
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, entry.clone());
        entry
    }
}

/// What a public page is kept under: its path, and for the history its month (nothing else
/// in a query string changes a page, so random ones cannot crowd the cache out). `None` for
/// a history month that is not one: that answer (a 400) is not kept.
fn cache_key(uri: &Uri) -> Option<String> {
    let path = uri.path();
    let month = match path.strip_prefix("/status/history/") {
        Some(m) => Some(m),
        None if path == "/status/history" => uri.query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("month="))).filter(|m| !m.trim().is_empty()),
        None => None,
    };
    match month {
        None => Some(path.to_string()),
        Some(m) => Month::parse(m).ok().map(Month::path),
    }
}

pub async fn serve(State((state, cache)): State<(AppState, HtmlCache)>, request: Request, next: Next) -> Response {
    if !(request.method() == Method::GET || request.method() == Method::HEAD) || !is_public_page(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(key) = cache_key(request.uri()) else {
        return next.run(request).await;
    };
    let Ok(snapshot) = state.status.get().await else {
        return next.run(request).await;
    };
    let (version, stale) = (snapshot.version, state.status.stale());
    let headers = request.headers().clone();
    let hit = match cache.lookup(&key, version, stale) {
        Some(e) => Some(e),
        None => {
            let lock = cache.render_lock(&key);
            let _one = lock.lock().await;
            match cache.lookup(&key, version, stale) {
                Some(e) => Some(e),
                None => {
                    // render anonymously: no cookies, no conditional or compression headers
                    let mut anon = Request::builder().method(Method::GET).uri(request.uri().clone());
                    for name in [header::HOST, header::ACCEPT, header::USER_AGENT] {
                        if let Some(v) = headers.get(&name) {
                            anon = anon.header(name, v);
                        }
                    }
                    let mut anon = anon.body(Body::empty()).unwrap_or_default();
                    // the page shows exactly the snapshot it is kept under
                    anon.extensions_mut().insert(RenderFrom(snapshot.clone()));
                    let response = next.run(anon).await;
                    if response.status() != StatusCode::OK {
                        return response;
                    }
                    let content_type =
                        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("text/html; charset=utf-8").to_string();
                    match axum::body::to_bytes(response.into_body(), MAX_BODY).await {
                        Ok(body) => Some(cache.store(key, Entry { version, stale, page: Rendered::new(body, content_type) })),
                        Err(_) => None,
                    }
                }
            }
        }
    };
    match hit {
        Some(e) => {
            let mut r = crate::cached::respond(&headers, StatusCode::OK, &e.page, snapshot.changed_at(), false);
            if request.method() == Method::HEAD {
                *r.body_mut() = Body::empty();
            }
            r
        }
        None => (StatusCode::INTERNAL_SERVER_ERROR, "The page could not be rendered.").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::cache_key;

    #[test]
    fn pages_are_kept_by_path_and_month_only() {
        let key = |uri: &str| cache_key(&uri.parse().unwrap());
        assert_eq!(key("/status").as_deref(), Some("/status"));
        assert_eq!(key("/status?utm_source=x&r=81726").as_deref(), Some("/status"));
        assert_eq!(key("/status/incidents/p3?x=1").as_deref(), Some("/status/incidents/p3"));
        assert_eq!(key("/status/history").as_deref(), Some("/status/history"));
        assert_eq!(key("/status/history?month=").as_deref(), Some("/status/history"));
        assert_eq!(key("/status/history?x=1&month=2026-10").as_deref(), Some("/status/history/2026-10"));
        assert_eq!(key("/status/history/2026-10").as_deref(), Some("/status/history/2026-10"));
        assert_eq!(key("/status/history?month=2026-13"), None);
        assert_eq!(key("/status/history/latest"), None);
    }
}
