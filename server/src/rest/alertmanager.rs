//! `POST /alertmanager/{key}`: Prometheus Alertmanager's webhook (version 4). Point a
//! `webhook_configs` receiver at this address with a service's Alertmanager key; the key in
//! the address is the credential. Alertmanager resends on any 5xx, which is harmless here.

use app::server::services::ingest::{self, Refused};
use app::server::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// The largest notification read (Alertmanager groups many alerts into one).
const BODY_MAX: usize = 4 * 1024 * 1024;

pub async fn webhook(State(state): State<AppState>, Path(key): Path<String>, body: Body) -> Response {
    let Ok(bytes) = to_bytes(body, BODY_MAX).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({ "status": "invalid", "errors": [format!("The notification is larger than {} MB", BODY_MAX / 1024 / 1024)] })),
        )
            .into_response();
    };
    match ingest::alertmanager(&state, &key, &bytes).await {
        Ok(n) => (StatusCode::OK, Json(json!({ "status": "success", "alerts": n }))).into_response(),
        Err(Refused::Invalid(i)) => (StatusCode::BAD_REQUEST, Json(json!({ "status": "invalid", "message": i.message, "errors": i.errors }))).into_response(),
        Err(Refused::TooFast(wait)) => (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())]).into_response(),
        Err(Refused::Failed(e)) => e.into_response(),
    }
}
