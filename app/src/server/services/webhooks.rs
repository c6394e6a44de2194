//! Webhook subscriptions to the status page. Anyone may subscribe an address (checked, and
//! rate-limited per client); the address is sent a confirmation request at once, and the
//! subscription receives updates only once its receiver has confirmed it (by echoing the
//! request's challenge, or through the confirmation page it links to). Each public update
//! queues one delivery per confirmed subscription in the update's own transaction, and
//! [`deliver_due`] sends them with retries and backoff, so a slow or dead receiver never
//! holds up an update.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::ids::EventId;
use crate::domain::log::StreamRef;
use crate::domain::public_incident::PublicIds;
use crate::domain::status_page::{PageSettings, PublicUpdate};
use crate::domain::webhook::{
    confirmation_text, echoes_challenge, parse_target, room_for_one_more, slack_text, WebhookTarget, ANSWER_READ_MAX, CONFIRM_WITHIN,
};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::server::outbound::{failure, post, resolve};
use crate::server::public::feeds::incident_link;
use crate::server::repo::webhooks as repo;
use crate::server::state::AppState;
use crate::server::time::now;

/// A new subscription: its id, the secret that unsubscribes it, and whether its receiver
/// confirmed it already (by echoing the challenge).
#[derive(Debug, Clone)]
pub struct Subscribed {
    pub id: i64,
    pub token: String,
    pub confirmed: bool,
}

/// 32 random bytes as 64 hex digits: a secret for a URL.
pub(crate) fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Subscribes `raw_url`: checks it, sends it the confirmation request, and keeps the
/// subscription (confirmed already when the receiver echoed the challenge). Nothing is kept
/// when the receiver cannot be reached or refuses.
pub async fn subscribe(state: &AppState, raw_url: &str, client_addr: IpAddr) -> AppResult<Subscribed> {
    if let Err(wait) = state.webhooks.limit.allow(client_addr) {
        let secs = wait.as_secs().max(1);
        return Err(AppError::new(ErrorKind::TooManyRequests, "Too many subscription requests; please try again later.").retry_after(secs));
    }
    let target = parse_target(raw_url).map_err(AppError::bad_request)?;
    resolve(&target, state.webhooks.allow_private).await.map_err(AppError::bad_request)?;
    let url = target.url.to_string();
    {
        let mut conn = state.db.pool().acquire().await?;
        room(state, &mut conn, &url).await?;
    }
    let token = new_token();
    let challenge = new_token();
    let confirmed = ask_to_confirm(state, &target, &challenge).await?;
    let at = now();
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    repo::drop_unconfirmed(tx.conn(), at - CONFIRM_WITHIN).await?;
    room(state, tx.conn(), &url).await?;
    let id = repo::subscribe(tx.conn(), &url, &token, &challenge, confirmed.then_some(at), at).await?;
    tx.commit_quiet().await?;
    Ok(Subscribed { id, token, confirmed })
}

/// Refuses an address subscribed already, and a subscription beyond the caps.
async fn room(state: &AppState, conn: &mut sqlx::AnyConnection, url: &str) -> AppResult<()> {
    if repo::url_taken(&mut *conn, url).await? {
        return Err(AppError::conflict("This address is subscribed already."));
    }
    let (total, waiting) = repo::counts(conn, now()).await?;
    room_for_one_more(total, waiting, state.webhooks.max_subscriptions).map_err(|m| AppError::new(ErrorKind::Unavailable, m).retry_after(3600))
}

/// Sends the confirmation request; true when the receiver echoed the challenge. A receiver
/// that cannot be reached or does not answer 2xx is an error: nothing is subscribed.
async fn ask_to_confirm(state: &AppState, target: &WebhookTarget, challenge: &str) -> AppResult<bool> {
    let settings = state.status.get().await.map(|s| s.page.settings.clone()).unwrap_or_default();
    let base = settings.public_url.trim_end_matches('/');
    let confirm = format!("{base}/status/subscriptions/confirm?token={challenge}");
    let body = json!({
        "type": "subscription_confirmation",
        "text": confirmation_text(&settings.name, if base.is_empty() { "" } else { &confirm }),
        "challenge": challenge,
        "confirm_url": confirm,
        "page": page_json(&settings),
    });
    let unreachable = |why: String| AppError::bad_request(format!("Your webhook could not be reached ({why}); nothing was subscribed."));
    let mut response = post(state, target, &body).await.map_err(unreachable)?;
    let status = response.status();
    if !status.is_success() {
        return Err(AppError::bad_request(format!("Your webhook answered {status} to the confirmation request; nothing was subscribed.")));
    }
    let mut answer = Vec::new();
    while answer.len() < ANSWER_READ_MAX {
        match response.chunk().await {
            Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(unreachable(failure(&e))),
        }
    }
    answer.truncate(ANSWER_READ_MAX);
    Ok(echoes_challenge(&answer, challenge))
}

/// What confirming found: confirmed now, or already.
pub use repo::Confirmed;

/// Confirms a subscription by its challenge (the confirmation page's button).
pub async fn confirm(state: &AppState, challenge: &str) -> AppResult<Confirmed> {
    let challenge = challenge.trim();
    if !is_token(challenge) {
        return Err(AppError::bad_request("That is not a confirmation token."));
    }
    let at = now();
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    repo::drop_unconfirmed(tx.conn(), at - CONFIRM_WITHIN).await?;
    let outcome = repo::confirm(tx.conn(), challenge, at).await?;
    tx.commit_quiet().await?;
    if outcome == Confirmed::NoSuchSubscription {
        return Err(AppError::not_found("No subscription waits for this confirmation (unconfirmed subscriptions are dropped after 24 hours)."));
    }
    Ok(outcome)
}

pub async fn unsubscribe(state: &AppState, token: &str) -> AppResult<()> {
    let token = token.trim();
    if !is_token(token) {
        return Err(AppError::bad_request("That is not an unsubscribe token."));
    }
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    if !repo::unsubscribe(tx.conn(), token).await? {
        return Err(AppError::not_found("No subscription has this token (it may have been removed already)."));
    }
    tx.commit_quiet().await?;
    Ok(())
}

/// The message for a public update (the same for every subscriber; the unsubscribe
/// details are added per delivery). `public_id` is the public incident's opaque id,
/// `update_id` the update's.
pub fn message(settings: &PageSettings, public_id: &str, update_id: &str, u: &PublicUpdate, at: DateTime<Utc>) -> serde_json::Value {
    let link = if settings.public_url.is_empty() { String::new() } else { incident_link(settings, public_id) };
    json!({
        "text": slack_text(&settings.name, &u.title, u.status.label(), &u.body, &link),
        "page": page_json(settings),
        "incident": { "id": public_id, "name": u.title, "status": u.status.as_str(), "impact": u.impact.as_str(), "shortlink": link },
        "incident_update": { "id": update_id, "status": u.status.as_str(), "body": u.body, "created_at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) },
    })
}

/// The page every webhook message names.
fn page_json(settings: &PageSettings) -> serde_json::Value {
    json!({ "id": crate::server::public::v2::PAGE_ID, "name": settings.name, "url": settings.public_url })
}

/// Queues the deliveries of a public update (inside the update's transaction; `ids` as the
/// update was given its public incident's id).
pub async fn enqueue(conn: &mut sqlx::AnyConnection, ids: &PublicIds, event: EventId, u: &PublicUpdate, at: DateTime<Utc>) -> AppResult<()> {
    let settings = crate::server::repo::status::settings(&mut *conn).await?;
    let body = message(&settings, &u.public_id, &ids.update(event.0), u, at).to_string();
    crate::server::repo::deliveries::enqueue_for_subscribers(conn, event, &body, at).await?;
    Ok(())
}
