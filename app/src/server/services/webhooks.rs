//! Webhook subscriptions to the status page. Anyone may subscribe an address (checked, and
//! rate-limited per client); each public update queues one delivery per subscription in the
//! update's own transaction, and [`deliver_due`] sends them with retries and backoff, so a
//! slow or dead receiver never holds up an update.

use crate::domain::public_incident::{public_incident_id, public_update_id};
use std::net::{IpAddr, SocketAddr};

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::ids::{EventId, IncidentId};
use crate::domain::status_page::{PageSettings, PublicUpdate};
use crate::domain::webhook::{
    parse_retry_after, parse_target, public_ip, shown_url, slack_text, verdict, Attempt, DeliveryState, Verdict, WebhookTarget, DELIVERY_TIMEOUT,
};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::server::public::feeds::incident_link;
use crate::server::repo::webhooks as repo;
use crate::server::state::AppState;
use crate::server::time::now;

/// Deliveries sent per pass.
const BATCH: i64 = 20;
/// How long a claimed delivery is left to its sender before another pass may retry it.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// A new subscription: its id and the secret that unsubscribes it.
#[derive(Debug, Clone)]
pub struct Subscribed {
    pub id: i64,
    pub token: String,
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where `target` leads, if every address it resolves to may be called.
async fn resolve(target: &WebhookTarget, allow_private: bool) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::lookup_host((target.host.as_str(), target.port)))
            .await
            .map_err(|_| format!("{} could not be resolved in time.", target.host))?
            .map_err(|_| format!("{} could not be resolved.", target.host))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("{} has no address.", target.host));
    }
    if !allow_private && addrs.iter().any(|a| !public_ip(a.ip())) {
        return Err("Webhooks cannot be sent to private, loopback or link-local network addresses.".into());
    }
    Ok(addrs)
}

pub async fn subscribe(state: &AppState, raw_url: &str, client: IpAddr) -> AppResult<Subscribed> {
    if let Err(wait) = state.webhooks.limit.allow(client) {
        let secs = wait.as_secs().max(1);
        return Err(AppError::new(ErrorKind::TooManyRequests, "Too many subscription requests; please try again later.").retry_after(secs));
    }
    let target = parse_target(raw_url).map_err(AppError::bad_request)?;
    resolve(&target, state.webhooks.allow_private).await.map_err(AppError::bad_request)?;
    let url = target.url.to_string();
    let token = new_token();
    let mut tx = state.db.begin().await?;
    if repo::url_taken(tx.conn(), &url).await? {
        return Err(AppError::conflict("This address is subscribed already."));
    }
    let id = repo::subscribe(tx.conn(), &url, &token, now()).await?;
    tx.commit_quiet().await?;
    Ok(Subscribed { id, token })
}

pub async fn unsubscribe(state: &AppState, token: &str) -> AppResult<()> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::bad_request("That is not an unsubscribe token."));
    }
    let mut tx = state.db.begin().await?;
    if !repo::unsubscribe(tx.conn(), token).await? {
        return Err(AppError::not_found("No subscription has this token (it may have been removed already)."));
    }
    tx.commit_quiet().await?;
    Ok(())
}

/// The message for a public update (the same for every subscriber; the unsubscribe
/// details are added per delivery). `public_id` is the public incident's opaque id.
pub fn message(settings: &PageSettings, public_id: &str, event: EventId, u: &PublicUpdate, at: DateTime<Utc>) -> serde_json::Value {
    let link = if settings.public_url.is_empty() { String::new() } else { incident_link(settings, public_id) };
    json!({
        "text": slack_text(&settings.name, &u.title, u.status.label(), &u.body, &link),
        "page": { "id": crate::server::public::v2::PAGE_ID, "name": settings.name, "url": settings.public_url },
        "incident": { "id": public_id, "name": u.title, "status": u.status.as_str(), "impact": u.impact.as_str(), "shortlink": link },
        "incident_update": { "id": public_update_id(event.0), "status": u.status.as_str(), "body": u.body, "created_at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) },
    })
}

/// Queues the deliveries of a public update (inside the update's transaction).
pub async fn enqueue(conn: &mut sqlx::AnyConnection, incident: IncidentId, event: EventId, u: &PublicUpdate, at: DateTime<Utc>) -> AppResult<()> {
    use sqlx::Row;
    let first: i64 = sqlx::query("SELECT MIN(id) FROM incident_events WHERE incident_id = $1 AND kind = 'public_update_posted'")
        .bind(incident.0)
        .fetch_one(&mut *conn)
        .await?
        .try_get::<Option<i64>, _>(0)?
        .unwrap_or(event.0);
    let settings = crate::server::repo::status::settings(&mut *conn).await?;
    let body = message(&settings, &public_incident_id(first), event, u, at).to_string();
    repo::enqueue(conn, event, &body, at).await?;
    Ok(())
}

/// Sends the deliveries due at `at`, all of a batch at once (a slow receiver holds up no
/// other, and the batch ends well inside its lease); returns how many were delivered.
pub async fn deliver_due(state: &AppState, at: DateTime<Utc>) -> AppResult<usize> {
    use futures::stream::{self, StreamExt};
    {
        let mut conn = state.db.pool().acquire().await?;
        if !repo::any_due(&mut conn, at).await? {
            return Ok(0);
        }
    }
    let lease_until = at + LEASE;
    let due = {
        let mut tx = state.db.begin().await?;
        let due = repo::claim_due(tx.conn(), at, lease_until, BATCH).await?;
        tx.commit_quiet().await?;
        due
    };
    // where unsubscribe links point (relative when the page has no public address)
    let base = state.status.get().await.map(|s| s.page.settings.public_url.trim_end_matches('/').to_string()).unwrap_or_default();
    let outcomes: Vec<AppResult<bool>> = stream::iter(due).map(|d| attempt(state, d, &base, lease_until)).buffer_unordered(BATCH as usize).collect().await;
    let mut delivered = 0;
    for outcome in outcomes {
        delivered += usize::from(outcome?);
    }
    Ok(delivered)
}

/// One attempt at a claimed delivery, and its record (unless the lease ran out and another
/// pass has it now); true when it was delivered.
async fn attempt(state: &AppState, d: repo::Due, base: &str, lease_until: DateTime<Utc>) -> AppResult<bool> {
    let (attempt, error) = match send(state, &d, base).await {
        Ok(attempt) => attempt,
        Err(e) => (Attempt::NoAnswer, e),
    };
    let attempts = d.attempts + 1;
    // where the delivery stands now, and when to try again
    let (now_state, next_attempt) = match verdict(attempt, attempts) {
        Verdict::Delivered => (DeliveryState::Delivered, None),
        Verdict::RetryAfter(pause) => {
            tracing::info!(delivery = d.id, attempts, error = %error, "webhook delivery failed; retrying in {}s", pause.as_secs());
            (DeliveryState::Pending, Some(now() + chrono::Duration::from_std(pause).unwrap_or(LEASE)))
        }
        Verdict::GiveUp => {
            tracing::info!(delivery = d.id, attempts, error = %error, "webhook delivery failed; giving up");
            (DeliveryState::Failed, None)
        }
        Verdict::Unsubscribe => {
            tracing::info!(delivery = d.id, url = %shown_url(&d.url), "webhook receiver answered 410 Gone; its subscription is removed");
            let mut tx = state.db.begin().await?;
            repo::unsubscribe(tx.conn(), &d.token).await?;
            tx.commit_quiet().await?;
            return Ok(false);
        }
    };
    // a write like any other (on SQLite, in turn with the others)
    let mut tx = state.db.begin().await?;
    let recorded = repo::record_attempt(tx.conn(), d.id, lease_until, now_state, next_attempt, &error).await?;
    tx.commit_quiet().await?;
    if !recorded {
        tracing::warn!(delivery = d.id, "webhook delivery outlived its lease; another pass has it now");
    }
    Ok(now_state == DeliveryState::Delivered)
}

/// Makes ring the process's TLS provider (HTTP clients need one). Called at start-up and
/// before each delivery; installing it again does nothing.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One attempt. The address is checked again (DNS may have changed since subscribing) and
/// the connection goes to the very address checked; redirects are not followed. Returns
/// the answer and, when it was a failure, why (for the delivery's record).
async fn send(state: &AppState, d: &repo::Due, base: &str) -> Result<(Attempt, String), String> {
    install_tls();
    let target = parse_target(&d.url)?;
    let addrs = resolve(&target, state.webhooks.allow_private).await?;
    let mut body: serde_json::Value = serde_json::from_str(&d.body).map_err(|e| format!("unreadable message: {e}"))?;
    body["meta"] = json!({
        "unsubscribe_token": d.token,
        "unsubscribe": format!("{base}/status/unsubscribe?token={}", d.token),
    });
    let mut client = reqwest::Client::builder().timeout(DELIVERY_TIMEOUT).redirect(reqwest::redirect::Policy::none()).user_agent("Klaxon-Webhook/1");
    if target.host.parse::<IpAddr>().is_err() {
        client = client.resolve_to_addrs(&target.host, &addrs);
    }
    let client = client.build().map_err(|e| format!("cannot send: {e}"))?;
    let response = client.post(target.url.clone()).json(&body).send().await.map_err(|e| {
        if e.is_timeout() {
            "timed out".to_string()
        } else {
            format!("could not connect: {}", e.without_url())
        }
    })?;
    let status = response.status();
    let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now()));
    let error = if status.is_success() { String::new() } else { format!("answered {status}") };
    Ok((Attempt::Answered { status: status.as_u16(), retry_after }, error))
}
