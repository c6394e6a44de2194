//! Webhook subscriptions to the status page. Anyone may subscribe an address (checked, and
//! rate-limited per client); the address is sent a confirmation request at once, and the
//! subscription receives updates only once its receiver has confirmed it (by echoing the
//! request's challenge, or through the confirmation page it links to). Each public update
//! queues one delivery per confirmed subscription in the update's own transaction, and
//! [`deliver_due`] sends them with retries and backoff, so a slow or dead receiver never
//! holds up an update.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::ids::EventId;
use crate::domain::log::StreamRef;
use crate::domain::public_incident::PublicIds;
use crate::domain::status_page::{PageSettings, PublicUpdate};
use crate::domain::webhook::{
    confirmation_text, echoes_challenge, parse_retry_after, parse_target, public_ip, room_for_one_more, shown_url, slack_text, verdict, Attempt, DeliveryState,
    Verdict, WebhookTarget, ANSWER_READ_MAX, CONFIRM_WITHIN, DELIVERY_TIMEOUT,
};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::server::public::feeds::incident_link;
use crate::server::repo::webhooks as repo;
use crate::server::state::AppState;
use crate::server::time::now;

/// Deliveries claimed per round; a pass goes round until nothing is due.
const BATCH: i64 = 500;
/// Deliveries in flight at once.
const IN_FLIGHT: usize = 100;
/// How long a claimed delivery is left to its sender before another pass may retry it
/// (a round ends within about `BATCH / IN_FLIGHT` delivery timeouts).
const LEASE: chrono::Duration = chrono::Duration::minutes(2);
/// A pass stops claiming new rounds after this long, so it never runs past a lease.
const PASS_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// A new subscription: its id, the secret that unsubscribes it, and whether its receiver
/// confirmed it already (by echoing the challenge).
#[derive(Debug, Clone)]
pub struct Subscribed {
    pub id: i64,
    pub token: String,
    pub confirmed: bool,
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn lookup(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    Ok(tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| format!("{host} could not be resolved in time."))?
        .map_err(|_| format!("{host} could not be resolved."))?
        .collect())
}

/// Refuses addresses that lead into a private network, unless they are allowed.
fn guard(host: &str, addrs: &[SocketAddr], allow_private: bool) -> Result<(), String> {
    if addrs.is_empty() {
        return Err(format!("{host} has no address."));
    }
    if !allow_private && addrs.iter().any(|a| !public_ip(a.ip())) {
        return Err("Webhooks cannot be sent to private, loopback or link-local network addresses.".into());
    }
    Ok(())
}

/// Checks where `target` leads (for a clear answer when subscribing; every connection is
/// checked again by [`GuardedResolver`]).
async fn resolve(target: &WebhookTarget, allow_private: bool) -> Result<(), String> {
    let addrs = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => lookup(&target.host, target.port).await?,
    };
    guard(&target.host, &addrs, allow_private)
}

/// Resolves host names for webhook connections and refuses any that leads into a private
/// network: the check is made on the very addresses connected to, at every connection, so
/// a name that changes where it points after subscribing gets nowhere.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs = lookup(&host, 0).await?;
            guard(&host, &addrs, allow_private)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The client every webhook request goes through: one connection pool, no redirects
/// followed, the guarded resolver.
fn client(state: &AppState) -> &reqwest::Client {
    state.webhooks.client.get_or_init(|| {
        install_tls();
        reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Klaxon-Webhook/1")
            .dns_resolver(Arc::new(GuardedResolver { allow_private: state.webhooks.allow_private }))
            .build()
            .expect("the webhook client's settings are valid")
    })
}

/// Why a request failed, for the delivery's record or the subscriber: the innermost cause
/// (the guarded resolver's refusal, say) rather than reqwest's outer wrapper.
fn failure(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("could not connect: {cause}")
}

/// Posts `body` to `url` (an address already parsed); an IP literal is checked here, as no
/// name is resolved for it.
async fn post(state: &AppState, target: &WebhookTarget, body: &serde_json::Value) -> Result<reqwest::Response, String> {
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        guard(&target.host, &[SocketAddr::new(ip, target.port)], state.webhooks.allow_private)?;
    }
    client(state).post(target.url.clone()).json(body).send().await.map_err(|e| failure(&e))
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
    repo::enqueue(conn, event, &body, at).await?;
    Ok(())
}

/// Sends the deliveries due at `at`, a round of [`BATCH`] at a time with [`IN_FLIGHT`] in
/// flight (a slow receiver holds up no other), going round until nothing is due or the
/// pass has run [`PASS_BUDGET`]; returns how many were delivered.
pub async fn deliver_due(state: &AppState, at: DateTime<Utc>) -> AppResult<usize> {
    let started = std::time::Instant::now();
    let mut delivered = 0;
    loop {
        let (claimed, done) = deliver_round(state, at.max(now())).await?;
        delivered += done;
        if claimed < BATCH as usize || started.elapsed() > PASS_BUDGET {
            return Ok(delivered);
        }
    }
}

/// One round: claims up to [`BATCH`] due deliveries, sends them, and records every outcome
/// in one transaction. Returns (claimed, delivered).
async fn deliver_round(state: &AppState, at: DateTime<Utc>) -> AppResult<(usize, usize)> {
    use futures::stream::{self, StreamExt};
    {
        let mut conn = state.db.pool().acquire().await?;
        if !repo::any_due(&mut conn, at).await? {
            return Ok((0, 0));
        }
    }
    let lease_until = at + LEASE;
    let due = {
        let mut tx = state.db.begin(&[]).await?;
        let due = repo::claim_due(tx.conn(), at, lease_until, BATCH).await?;
        tx.commit_quiet().await?;
        due
    };
    let claimed = due.len();
    // where unsubscribe links point (relative when the page has no public address)
    let base = state.status.get().await.map(|s| s.page.settings.public_url.trim_end_matches('/').to_string()).unwrap_or_default();
    let outcomes: Vec<(repo::Due, Outcome)> = stream::iter(due)
        .map(|d| async {
            let o = attempt(state, &d, &base).await;
            (d, o)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut delivered = 0;
    let mut tx = state.db.begin(&[]).await?;
    for (d, outcome) in &outcomes {
        match outcome {
            Outcome::Unsubscribe => {
                repo::unsubscribe(tx.conn(), &d.token).await?;
            }
            Outcome::Record { state: now_state, next_attempt, error } => {
                if !repo::record_attempt(tx.conn(), d.id, lease_until, *now_state, *next_attempt, error).await? {
                    tracing::warn!(delivery = d.id, "webhook delivery outlived its lease; another pass has it now");
                } else if *now_state == DeliveryState::Delivered {
                    delivered += 1;
                }
            }
        }
    }
    tx.commit_quiet().await?;
    Ok((claimed, delivered))
}

/// What to record of one attempt.
enum Outcome {
    Record {
        state: DeliveryState,
        next_attempt: Option<DateTime<Utc>>,
        error: String,
    },
    /// The receiver answered 410 Gone: the subscription ends.
    Unsubscribe,
}

/// One attempt at a claimed delivery, and what to record of it.
async fn attempt(state: &AppState, d: &repo::Due, base: &str) -> Outcome {
    let (attempt, error) = match send(state, d, base).await {
        Ok(attempt) => attempt,
        Err(e) => (Attempt::NoAnswer, e),
    };
    let attempts = d.attempts + 1;
    match verdict(attempt, attempts) {
        Verdict::Delivered => Outcome::Record { state: DeliveryState::Delivered, next_attempt: None, error },
        Verdict::RetryAfter(pause) => {
            tracing::info!(delivery = d.id, attempts, error = %error, "webhook delivery failed; retrying in {}s", pause.as_secs());
            Outcome::Record { state: DeliveryState::Pending, next_attempt: Some(now() + chrono::Duration::from_std(pause).unwrap_or(LEASE)), error }
        }
        Verdict::GiveUp => {
            tracing::info!(delivery = d.id, attempts, error = %error, "webhook delivery failed; giving up");
            Outcome::Record { state: DeliveryState::Failed, next_attempt: None, error }
        }
        Verdict::Unsubscribe => {
            tracing::info!(delivery = d.id, url = %shown_url(&d.url), "webhook receiver answered 410 Gone; its subscription is removed");
            Outcome::Unsubscribe
        }
    }
}

/// Makes ring the process's TLS provider (HTTP clients need one). Called at start-up and
/// before each delivery; installing it again does nothing.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One attempt, to the address as it resolves now (checked again by the guarded
/// resolver); redirects are not followed. Returns the answer and, when it was a failure,
/// why (for the delivery's record).
async fn send(state: &AppState, d: &repo::Due, base: &str) -> Result<(Attempt, String), String> {
    let target = parse_target(&d.url)?;
    let mut body: serde_json::Value = serde_json::from_str(&d.body).map_err(|e| format!("unreadable message: {e}"))?;
    body["meta"] = json!({
        "unsubscribe_token": d.token,
        "unsubscribe": format!("{base}/status/unsubscribe?token={}", d.token),
    });
    let response = post(state, &target, &body).await?;
    let status = response.status();
    let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now()));
    let error = if status.is_success() { String::new() } else { format!("answered {status}") };
    Ok((Attempt::Answered { status: status.as_u16(), retry_after }, error))
}
