//! How a person is paged beyond Klaxon: their notification rules (each person keeps their
//! own), the pages queued by those rules when a step pages them, how each went (on the
//! alert's log), and the single-use acknowledgement links the pages carry.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::alert::{AlertChange, AlertRow};
use crate::domain::contact::{ack_link_lifetime, email_page, parse_delay, parse_email, webhook_page, Channel, NotificationRule, MAX_RULES};
use crate::domain::events_v2::Action;
use crate::domain::ids::{AlertId, EventId};
use crate::domain::roles::Person;
use crate::domain::user::{CurrentUser, Permission};
use crate::domain::webhook::{parse_target, shown_url, Purpose};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::db::Tx;
use crate::server::repo::contact::{self as repo, AckLink};
use crate::server::repo::{deliveries, log, users};
use crate::server::state::AppState;
use crate::server::time::now;

/// The reader's rules, with webhook addresses shown as admins see them (their path is a
/// secret).
pub async fn my_rules(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<NotificationRule>> {
    let me = require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    let mut rules = repo::rules(&mut conn, me.id).await?;
    for r in &mut rules {
        if r.channel == Channel::Webhook {
            r.address = shown_url(&r.address);
        }
    }
    Ok(rules)
}

/// Adds a rule of the reader's own: a webhook address or an email address, and a delay.
pub async fn add_rule(state: &AppState, actor: Option<&CurrentUser>, channel: Channel, address: &str, delay: &str) -> AppResult<()> {
    let me = require(actor, Permission::ReadInternal)?;
    let delay = parse_delay(delay).map_err(AppError::bad_request)?;
    let address = match channel {
        Channel::Webhook => parse_target(address).map_err(|e| AppError::bad_request(format!("address: {e}")))?.url.to_string(),
        Channel::Email => {
            let a = parse_email(address).map_err(AppError::bad_request)?;
            if !crate::server::mail::deliverable(&a) {
                return Err(AppError::bad_request(format!("address: {a:?} is not an email address.")));
            }
            if state.pages_out.mailer.is_none() {
                return Err(AppError::bad_request("Email is not set up on this Klaxon (KLAXON_SMTP_URL): ask an admin, or use a webhook."));
            }
            a
        }
    };
    let mut tx = state.db.begin(&[]).await?;
    if repo::rules(tx.conn(), me.id).await?.len() >= MAX_RULES {
        return Err(AppError::bad_request(format!("You have {MAX_RULES} rules already; remove one first.")));
    }
    if !repo::add_rule(tx.conn(), me.id, channel, &address, delay, now()).await? {
        return Err(AppError::conflict("You have this rule already."));
    }
    tx.commit_quiet().await?;
    Ok(())
}

pub async fn remove_rule(state: &AppState, actor: Option<&CurrentUser>, id: i64) -> AppResult<()> {
    let me = require(actor, Permission::ReadInternal)?;
    let mut tx = state.db.begin(&[]).await?;
    if !repo::remove_rule(tx.conn(), me.id, id).await? {
        return Err(AppError::not_found("You have no such rule."));
    }
    tx.commit_quiet().await?;
    Ok(())
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Stands for the acknowledgement link in a queued page until it is sent: the link's secret
/// is made when the message goes out, so it never rests in the queue.
const ACK_URL: &str = "{ACK_URL}";

/// Queues `person`'s page for `alert` by each of their rules, in the transaction that paged
/// them (`event`, at `at`): each goes out when its delay has passed, unless the alert has
/// been acknowledged by then. Each message gets its own acknowledgement link when sent.
pub async fn queue_pages(
    state: &AppState,
    tx: &mut Tx,
    person: &Person,
    rules: &[NotificationRule],
    alert: &AlertRow,
    event: EventId,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let alert_url = format!("{}/alerts/{}", state.pages_out.base_url, alert.id);
    for rule in rules {
        let (url, mut body, how) = match rule.channel {
            Channel::Webhook => (rule.address.clone(), webhook_page(&alert.summary, alert.severity, &alert.service, &alert_url, ACK_URL), "webhook"),
            Channel::Email => {
                let (subject, text) = email_page(&alert.summary, alert.severity, &alert.service, &alert_url, ACK_URL);
                (format!("mailto:{}", rule.address), serde_json::json!({ "subject": subject, "text": text }), "email")
            }
        };
        // who the link acknowledges as (taken out before sending)
        body["klaxon_page_for"] = serde_json::json!(person.id.0);
        let recipient = format!("{} by {how}", person.name);
        deliveries::enqueue(tx.conn(), Purpose::Page, &url, &recipient, event, &body.to_string(), rule.due(at)).await?;
    }
    Ok(())
}

/// A queued page as it is sent: a new acknowledgement link (kept only as its hash) in place
/// of [`ACK_URL`]. `alert` is the page's alert.
pub async fn with_ack_link(state: &AppState, alert: AlertId, body: &str) -> Result<serde_json::Value, String> {
    let mut message: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("unreadable message: {e}"))?;
    let user = message.as_object_mut().and_then(|m| m.remove("klaxon_page_for")).and_then(|v| v.as_i64()).ok_or("a page without its person")?;
    let token = crate::server::services::webhooks::new_token();
    let at = now();
    let stored = async {
        let mut tx = state.db.begin(&[]).await?;
        repo::add_ack_link(tx.conn(), &hash(&token), alert, crate::domain::ids::UserId(user), at, at + ack_link_lifetime()).await?;
        tx.commit_quiet().await
    };
    stored.await.map_err(|e: sqlx::Error| format!("could not make its acknowledgement link: {e}"))?;
    let url = format!("{}/ack/{token}", state.pages_out.base_url);
    let text = message.to_string().replace(ACK_URL, &url);
    serde_json::from_str(&text).map_err(|e| format!("unreadable message: {e}"))
}

/// Sends one page by email (`to` is `mailto:…`; `message` has the subject and text).
pub async fn send_email(state: &AppState, to: &str, message: &serde_json::Value) -> Result<(), String> {
    let mailer = state.pages_out.mailer.as_ref().ok_or("email is not set up on this Klaxon (KLAXON_SMTP_URL)")?;
    let subject = message["subject"].as_str().unwrap_or("Page");
    let text = message["text"].as_str().unwrap_or_default();
    mailer.send(to.trim_start_matches("mailto:"), subject, text).await
}

/// Tells the alert's log how a page by a rule ended.
pub(crate) async fn record_outcome(tx: &mut Tx, d: &deliveries::Due, delivered: bool, error: &str) -> AppResult<()> {
    let change = if delivered {
        AlertChange::PageDelivered { to: d.recipient.clone() }
    } else {
        AlertChange::PageFailed { to: d.recipient.clone(), error: error.to_string() }
    };
    log::append_change(tx, d.stream, None, change.name(), &change).await?;
    Ok(())
}

/// What an acknowledgement link leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// It works: for this alert (summary) and person (name).
    Ready {
        alert: AlertId,
        summary: String,
        person: String,
    },
    Used,
    Expired,
    Unknown,
}

/// Reads a link without spending it (what a link preview or a first click sees).
pub async fn ack_link(state: &AppState, token: &str) -> AppResult<LinkState> {
    let mut conn = state.db.pool().acquire().await?;
    Ok(match repo::ack_link(&mut conn, &hash(token), now()).await? {
        None => LinkState::Unknown,
        Some(AckLink::Used) => LinkState::Used,
        Some(AckLink::Expired) => LinkState::Expired,
        Some(AckLink::Valid { alert, user }) => {
            let summary = crate::server::repo::alerts::row(&mut conn, alert).await?.map(|a| a.summary).unwrap_or_default();
            let person = users::by_id(&mut conn, user).await?.map(|u| u.user.name).unwrap_or_default();
            LinkState::Ready { alert, summary, person }
        }
    })
}

/// Acknowledges a link's alert as the person it was sent to, then spends the link. A link
/// works once: afterwards it answers 410 Gone. A link that cannot acknowledge (its person
/// may no longer work incidents, or the database failed) is not spent.
pub async fn use_ack_link(state: &AppState, token: &str) -> AppResult<AlertId> {
    let h = hash(token);
    let (alert, user) = {
        let mut conn = state.db.pool().acquire().await?;
        match repo::ack_link(&mut conn, &h, now()).await? {
            None => return Err(AppError::not_found("There is no such acknowledgement link.")),
            Some(AckLink::Used) => return Err(AppError::gone("This link has been used already; it works once.")),
            Some(AckLink::Expired) => return Err(AppError::gone("This link has expired; open the alert in Klaxon instead.")),
            Some(AckLink::Valid { alert, user }) => (alert, user),
        }
    };
    let who = {
        let mut conn = state.db.pool().acquire().await?;
        match users::by_id(&mut conn, user).await? {
            Some(u) if u.active && u.user.can(Permission::WorkIncidents) => u.user,
            Some(u) if u.active => {
                return Err(AppError::forbidden(format!("{} may not acknowledge alerts (their role is {}).", u.user.name, u.user.role.as_str())))
            }
            _ => return Err(AppError::forbidden("The person this link was sent to can no longer sign in.")),
        }
    };
    match crate::server::services::alerts::answer(state, Some(&who), alert, Action::Acknowledge).await {
        // acknowledged now, or by someone else first: the page is answered all the same
        Ok(()) => {}
        Err(e) if e.status_code() == 409 => {}
        Err(e) => return Err(e),
    }
    let mut tx = state.db.begin(&[]).await?;
    repo::use_ack_link(tx.conn(), &h, now()).await?;
    tx.commit_quiet().await?;
    Ok(alert)
}
