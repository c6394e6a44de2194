//! `GET /metrics` in the Prometheus text format: request counts and latencies per route
//! (routes, not raw paths, so the label set stays small), live subscribers, the public
//! snapshot's version and staleness, and whether the database answers. Serve it to your
//! monitoring only (the status host does not expose it).

use std::sync::OnceLock;
use std::time::Instant;

use app::server::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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

/// Counts every request by method, route and status, and times it.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "other".into());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("klaxon_http_requests_total", "method" => method, "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("klaxon_http_request_duration_seconds", "route" => route).record(started.elapsed().as_secs_f64());
    response
}

pub async fn render(State(state): State<AppState>) -> Response {
    let handle = handle();
    metrics::gauge!("klaxon_live_subscribers").set(state.hub.total_subscribers() as f64);
    metrics::gauge!("klaxon_database_up").set(if state.db.ping().await { 1.0 } else { 0.0 });
    if let Ok(s) = state.status.get().await {
        metrics::gauge!("klaxon_status_snapshot_version").set(s.version as f64);
    }
    metrics::gauge!("klaxon_status_snapshot_stale").set(if state.status.stale() { 1.0 } else { 0.0 });
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}
