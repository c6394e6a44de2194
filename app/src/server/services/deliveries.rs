//! Sends the outbound queue (`repo::deliveries`): status-page webhook updates, incident
//! notifications and pages (by webhook or email) alike, through the one guarded client, with retries, backoff and
//! `Retry-After` honoured, each delivery claimed under a lease so that two replicas never
//! send the same one at once. How a notification ended is told on its incident's timeline.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::log::StreamRef;
use crate::domain::webhook::{parse_retry_after, parse_target, shown_url, verdict, Attempt, DeliveryState, Purpose, Verdict};
use crate::error::AppResult;
use crate::server::outbound;
use crate::server::repo::deliveries::{self as queue, Due};
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
        if !queue::any_due(&mut conn, at).await? {
            return Ok((0, 0));
        }
    }
    let lease_until = at + LEASE;
    let due = {
        let mut tx = state.db.begin(&[]).await?;
        let due = queue::claim_due(tx.conn(), at, lease_until, BATCH).await?;
        tx.commit_quiet().await?;
        due
    };
    let claimed = due.len();
    // where unsubscribe links point (relative when the page has no public address)
    let base = state.status.get().await.map(|s| s.page.settings.public_url.trim_end_matches('/').to_string()).unwrap_or_default();
    let outcomes: Vec<(Due, Outcome)> = stream::iter(due)
        .map(|d| async {
            let o = attempt(state, &d, &base).await;
            (d, o)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut delivered = 0;
    // the streams whose timelines are told how a delivery ended
    let mut told: Vec<StreamRef> = outcomes.iter().filter(|(d, o)| d.purpose != Purpose::StatusUpdate && o.is_final()).map(|(d, _)| d.stream).collect();
    told.sort();
    told.dedup();
    let mut tx = state.db.begin(&told).await?;
    for (d, outcome) in &outcomes {
        match outcome {
            Outcome::Unsubscribe => {
                if let Some(token) = &d.token {
                    crate::server::repo::webhooks::unsubscribe(tx.conn(), token).await?;
                }
            }
            Outcome::Record { state: now_state, next_attempt, error } => {
                if !queue::record_attempt(tx.conn(), d.id, lease_until, *now_state, *next_attempt, error).await? {
                    tracing::warn!(delivery = d.id, "delivery outlived its lease; another pass has it now");
                    continue;
                }
                if *now_state == DeliveryState::Delivered {
                    delivered += 1;
                }
                if outcome.is_final() {
                    let ok = *now_state == DeliveryState::Delivered;
                    match d.purpose {
                        Purpose::Notification => crate::server::services::notifications::record_outcome(&mut tx, d, ok, error).await?,
                        Purpose::Page => crate::server::services::contact::record_outcome(&mut tx, d, ok, error).await?,
                        Purpose::StatusUpdate => {}
                    }
                }
            }
        }
    }
    if told.is_empty() {
        tx.commit_quiet().await?;
    } else {
        tx.commit(&state.hub).await?;
    }
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

impl Outcome {
    /// Whether the delivery is over (delivered, or given up).
    fn is_final(&self) -> bool {
        matches!(self, Outcome::Record { state: DeliveryState::Delivered | DeliveryState::Failed, .. })
    }
}

/// One attempt at a claimed delivery, and what to record of it.
async fn attempt(state: &AppState, d: &Due, base: &str) -> Outcome {
    let (attempt, error) = match send(state, d, base).await {
        Ok(attempt) => attempt,
        Err(e) => (Attempt::NoAnswer, e),
    };
    let attempts = d.attempts + 1;
    match verdict(attempt, attempts) {
        Verdict::Delivered => Outcome::Record { state: DeliveryState::Delivered, next_attempt: None, error },
        Verdict::RetryAfter(pause) => {
            tracing::info!(delivery = d.id, attempts, error = %error, "delivery failed; retrying in {}s", pause.as_secs());
            Outcome::Record { state: DeliveryState::Pending, next_attempt: Some(now() + chrono::Duration::from_std(pause).unwrap_or(LEASE)), error }
        }
        Verdict::GiveUp => {
            tracing::info!(delivery = d.id, attempts, error = %error, "delivery failed; giving up");
            Outcome::Record { state: DeliveryState::Failed, next_attempt: None, error }
        }
        Verdict::Unsubscribe if d.purpose == Purpose::StatusUpdate => {
            tracing::info!(delivery = d.id, url = %shown_url(&d.url), "webhook receiver answered 410 Gone; its subscription is removed");
            Outcome::Unsubscribe
        }
        // an audience's address that is gone: the notification failed (an admin removes it)
        Verdict::Unsubscribe => Outcome::Record { state: DeliveryState::Failed, next_attempt: None, error },
    }
}

/// One attempt, to the address as it resolves now (checked again by the guarded
/// resolver); redirects are not followed. Returns the answer and, when it was a failure,
/// why (for the delivery's record).
async fn send(state: &AppState, d: &Due, base: &str) -> Result<(Attempt, String), String> {
    let mut body: serde_json::Value = match d.purpose {
        // a page gets its acknowledgement link now (the page's event is on its alert's stream)
        Purpose::Page => crate::server::services::contact::with_ack_link(state, crate::domain::ids::AlertId(d.stream.id), &d.body).await?,
        _ => serde_json::from_str(&d.body).map_err(|e| format!("unreadable message: {e}"))?,
    };
    if d.url.starts_with("mailto:") {
        crate::server::services::contact::send_email(state, &d.url, &body).await?;
        return Ok((Attempt::Answered { status: 200, retry_after: None }, String::new()));
    }
    let target = parse_target(&d.url)?;
    if let Some(token) = &d.token {
        body["meta"] = json!({
            "unsubscribe_token": token,
            "unsubscribe": format!("{base}/status/unsubscribe?token={token}"),
        });
    }
    let response = outbound::post(state, &target, &body).await?;
    let status = response.status();
    let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now()));
    let error = if status.is_success() { String::new() } else { format!("answered {status}") };
    Ok((Attempt::Answered { status: status.as_u16(), retry_after }, error))
}
