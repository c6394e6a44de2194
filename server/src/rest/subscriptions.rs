//! Webhook subscriptions, for anyone reading the status page: `POST /status/subscriptions`
//! (form field or JSON `url`) and `POST /status/unsubscribe` (`token`, which every delivery
//! carries), with `GET /status/unsubscribe?token=…` showing a confirmation button (a link
//! alone never unsubscribes: mail scanners follow links). Browsers get a short page, JSON
//! clients JSON.

use std::net::SocketAddr;

use app::error::AppError;
use app::server::services::webhooks;
use app::server::state::AppState;
use axum::extract::{ConnectInfo, FromRequest, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct SubscribeInput {
    url: String,
}

#[derive(Debug, Deserialize)]
pub struct TokenInput {
    token: String,
}

fn wants_json(request: &Request) -> bool {
    request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"))
}

async fn input<T: serde::de::DeserializeOwned + Send + 'static>(request: Request, json: bool) -> Result<T, Response> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "kind": "BadRequest", "message": m }))).into_response();
    if json {
        Json::<T>::from_request(request, &()).await.map(|Json(t)| t).map_err(|e| bad(e.body_text()))
    } else {
        Form::<T>::from_request(request, &()).await.map(|Form(t)| t).map_err(|e| bad(e.body_text()))
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/klaxon.css\"></head><body><main class=\"status-page\">\
         <h1>{title}</h1>{body}<p><a href=\"/status\">Back to the status page</a></p></main></body></html>",
        title = escape(title)
    );
    (status, Html(html)).into_response()
}

fn failure(e: AppError, json: bool) -> Response {
    if json {
        return e.into_response();
    }
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    page(status, "That did not work", &format!("<p role=\"alert\">{}</p>", escape(&e.message)))
}

pub async fn subscribe(State(state): State<AppState>, ConnectInfo(client): ConnectInfo<SocketAddr>, request: Request) -> Response {
    let headers = request.headers().clone();
    let json = wants_json(&request);
    let form: SubscribeInput = match input(request, json).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let client = state.trusted_proxies.client(client, &headers);
    match webhooks::subscribe(&state, &form.url, client).await {
        Ok(s) if json => (StatusCode::CREATED, Json(serde_json::json!({ "id": s.id, "url": form.url.trim(), "unsubscribe_token": s.token }))).into_response(),
        Ok(s) => page(
            StatusCode::CREATED,
            "Subscribed",
            &format!(
                "<p role=\"status\">Every public update will be posted to <code>{}</code>.</p>\
                 <p>Each delivery carries this token; keep it to unsubscribe: <code data-testid=\"token\">{}</code></p>",
                escape(form.url.trim()),
                s.token
            ),
        ),
        Err(e) => failure(e, json),
    }
}

pub async fn unsubscribe(State(state): State<AppState>, request: Request) -> Response {
    let json = wants_json(&request);
    let form: TokenInput = match input(request, json).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match webhooks::unsubscribe(&state, &form.token).await {
        Ok(()) if json => Json(serde_json::json!({ "unsubscribed": true })).into_response(),
        Ok(()) => page(StatusCode::OK, "Unsubscribed", "<p role=\"status\">This webhook will receive no more updates.</p>"),
        Err(e) => failure(e, json),
    }
}

/// The confirmation page a delivery's unsubscribe link opens.
pub async fn confirm_unsubscribe(Query(q): Query<TokenInput>) -> Response {
    page(
        StatusCode::OK,
        "Unsubscribe",
        &format!(
            "<form method=\"post\" action=\"/status/unsubscribe\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
             <button type=\"submit\">Stop sending updates to this webhook</button></form>",
            escape(&q.token)
        ),
    )
}
