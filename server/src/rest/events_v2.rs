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

/// The body, unless it is larger than an event may be.
async fn read(body: Body) -> Result<axum::body::Bytes, Response> {
    // one byte past the limit is enough to know it is too big
    to_bytes(body, BODY_MAX + 1).await.map_err(|_| invalid("Event object is invalid", vec![format!("The event is larger than {} KB", BODY_MAX / 1024)]))
}

pub async fn enqueue(State(state): State<AppState>, body: Body) -> Response {
    let bytes = match read(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    match ingest::enqueue(&state, &bytes).await {
        Ok(dedup_key) => (StatusCode::ACCEPTED, Json(json!({ "status": "success", "message": "Event processed", "dedup_key": dedup_key }))).into_response(),
        Err(refused) => refusal(refused),
    }
}

/// `POST /v2/change/enqueue`: a change event, recorded on the service (never paging).
pub async fn change(State(state): State<AppState>, body: Body) -> Response {
    let bytes = match read(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    match ingest::change(&state, &bytes).await {
        Ok(()) => (StatusCode::ACCEPTED, Json(json!({ "status": "success", "message": "Change event processed" }))).into_response(),
        Err(refused) => refusal(refused),
    }
}

fn refusal(refused: Refused) -> Response {
    match refused {
        Refused::Invalid(i) => invalid(&i.message, i.errors),
        Refused::TooFast(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
            Json(json!({ "status": "throttle event", "message": "Requests for this service are arriving too quickly. Please retry later." })),
        )
            .into_response(),
        Refused::Failed(e) => e.into_response(),
    }
}
