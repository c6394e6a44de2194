//! Webhook subscriptions, for anyone reading the status page: `POST /status/subscriptions`
//! (form field or JSON `url`), which sends the address a confirmation request at once;
//! `POST /status/subscriptions/confirm` (`token`: the request's challenge), with
//! `GET /status/subscriptions/confirm?token=…` showing a button; and
//! `POST /status/unsubscribe` (`token`, which every delivery carries), with
//! `GET /status/unsubscribe?token=…` showing a button (a link alone never changes anything:
//! mail scanners and chat unfurlers follow links). Browsers get a short page, JSON clients
//! JSON.

use std::net::SocketAddr;

use super::escape;
use app::error::AppError;
use app::server::services::webhooks;
use app::server::state::AppState;
use axum::extract::{ConnectInfo, FromRequest, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
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

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    super::html_page(status, title, body, ("/status", "Back to the status page"))
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
    let url = form.url.trim();
    match webhooks::subscribe(&state, url, client).await {
        // 201 when the receiver confirmed at once, 202 while it has yet to
        Ok(s) if json => {
            let status = if s.confirmed { StatusCode::CREATED } else { StatusCode::ACCEPTED };
            (status, Json(serde_json::json!({ "id": s.id, "url": url, "confirmed": s.confirmed, "unsubscribe_token": s.token }))).into_response()
        }
        Ok(s) => {
            let (status, title, what) = if s.confirmed {
                (StatusCode::CREATED, "Subscribed", format!("Every public update will be posted to <code>{}</code>.", escape(url)))
            } else {
                (
                    StatusCode::ACCEPTED,
                    "Confirm your subscription",
                    format!(
                        "A confirmation request was posted to <code>{}</code>. Open its link (or answer it with its challenge) \
                         within 24 hours; updates are sent only once the subscription is confirmed.",
                        escape(url)
                    ),
                )
            };
            page(
                status,
                title,
                &format!(
                    "<p role=\"status\">{what}</p><p>Each delivery carries this token; keep it to unsubscribe: <code data-testid=\"token\">{}</code></p>",
                    s.token
                ),
            )
        }
        Err(e) => failure(e, json),
    }
}

/// Confirms a subscription (the button of the confirmation page).
pub async fn confirm(State(state): State<AppState>, request: Request) -> Response {
    let (form, json) = match token_input(request).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    match webhooks::confirm(&state, &form.token).await {
        Ok(c) if json => Json(serde_json::json!({ "confirmed": true, "already": c == webhooks::Confirmed::Already })).into_response(),
        Ok(_) => page(StatusCode::OK, "Subscription confirmed", "<p role=\"status\">This webhook will receive every public update.</p>"),
        Err(e) => failure(e, json),
    }
}

/// The page a confirmation request links to.
pub async fn confirm_page(Query(q): Query<TokenInput>) -> Response {
    page(
        StatusCode::OK,
        "Confirm your subscription",
        &format!(
            "<form method=\"post\" action=\"/status/subscriptions/confirm\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
             <button type=\"submit\">Send this status page's updates to the webhook</button></form>",
            escape(&q.token)
        ),
    )
}

/// The token a confirmation or unsubscribe request carries, and whether it came as JSON.
async fn token_input(request: Request) -> Result<(TokenInput, bool), Response> {
    let json = wants_json(&request);
    Ok((input(request, json).await?, json))
}

pub async fn unsubscribe(State(state): State<AppState>, request: Request) -> Response {
    let (form, json) = match token_input(request).await {
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
