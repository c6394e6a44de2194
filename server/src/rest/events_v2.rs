//! `POST /v2/enqueue`: PagerDuty's Events API v2, answered as PagerDuty answers, so a client
//! written for PagerDuty works unchanged. The routing key is the only credential: no
//! session, no CSRF token.

use app::domain::events_v2::BODY_MAX;
use app::server::services::ingest::{self, Refused};
use app::server::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

fn invalid(message: &str, errors: Vec<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "status": "invalid event", "message": message, "errors": errors }))).into_response()
}

pub async fn enqueue(State(state): State<AppState>, body: Body) -> Response {
    // one byte past the limit is enough to know it is too big
    let Ok(bytes) = to_bytes(body, BODY_MAX + 1).await else {
        return invalid("Event object is invalid", vec![format!("The event is larger than {} KB", BODY_MAX / 1024)]);
    };
    match ingest::enqueue(&state, &bytes).await {
        Ok(dedup_key) => (StatusCode::ACCEPTED, Json(json!({ "status": "success", "message": "Event processed", "dedup_key": dedup_key }))).into_response(),
        Err(Refused::Invalid(i)) => invalid(&i.message, i.errors),
        Err(Refused::TooFast(wait)) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
            Json(json!({ "status": "throttle event", "message": "Requests for this service are arriving too quickly. Please retry later." })),
        )
            .into_response(),
        Err(Refused::Failed(e)) => e.into_response(),
    }
}
