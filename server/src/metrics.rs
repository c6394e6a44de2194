//! `GET /metrics` in the Prometheus text format: request counts and latencies per route
//! (routes, not raw paths, so the label set stays small), live subscribers, how the live
//! feed came by the events it published, the public snapshot's version and staleness, and
//! whether the database answers. Serve it to your
//! monitoring only (the status host does not expose it).

use std::sync::OnceLock;
use std::time::Instant;

use app::server::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder (installed once; later calls share it).
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // another recorder may be installed already (tests): then this one only renders
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

thread_local! {
    /// This thread's handles, by (method, route, status): the hot path then costs a hash
    /// and two atomic updates, not a registry lookup with fresh label strings.
    static HANDLES: std::cell::RefCell<std::collections::HashMap<u64, (metrics::Counter, metrics::Histogram)>> = Default::default();
}

fn key(method: &str, route: &str, status: u16) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (method, route, status).hash(&mut h);
    h.finish()
}

/// Counts every request by method, route and status, and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().cloned();
    // a closed set, so odd methods cannot grow the label set
    let method: &'static str = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let response = next.run(request).await;
    let route = route.as_ref().map(|p| p.as_str()).unwrap_or("other");
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let (counter, histogram) = handles.entry(key(method, route, status)).or_insert_with(|| {
            (
                metrics::counter!("klaxon_http_requests_total", "method" => method, "route" => route.to_string(), "status" => status.to_string()),
                metrics::histogram!("klaxon_http_request_duration_seconds", "route" => route.to_string()),
            )
        });
        counter.increment(1);
        histogram.record(elapsed);
    });
    response
}

/// Whether `headers` carry the token (compared as digests, so the time taken says nothing).
fn authorised(token: &str, headers: &HeaderMap) -> bool {
    use sha2::{Digest, Sha256};
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}

/// The routes of `/metrics` on an address of its own (`KLAXON_METRICS_ADDR`).
pub fn own_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(render)).with_state(state)
}

pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.metrics.token {
        if !authorised(token, &headers) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "A bearer token is needed to read the metrics.").into_response();
        }
    }
    let handle = handle();
    metrics::gauge!("klaxon_live_subscribers").set(state.hub.total_subscribers() as f64);
    let fed = state.hub.feed_counts();
    // how the live feed came by the events it published: handed over by their commit
    // (SQLite) or read back from the log
    metrics::counter!("klaxon_live_feed_events_total", "source" => "commit").absolute(fed.from_commits);
    metrics::counter!("klaxon_live_feed_events_total", "source" => "log").absolute(fed.from_log);
    metrics::gauge!("klaxon_database_up").set(if state.db.ping().await { 1.0 } else { 0.0 });
    if let Ok(s) = state.status.get().await {
        metrics::gauge!("klaxon_status_snapshot_version").set(s.version as f64);
    }
    metrics::gauge!("klaxon_status_snapshot_stale").set(if state.status.stale() { 1.0 } else { 0.0 });
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
