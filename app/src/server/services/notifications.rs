//! Telling the audiences an incident calls for (executives for a SEV1, Security and Legal
//! when data may be exposed): users in Klaxon at once, webhook addresses through the
//! delivery queue; the incident's timeline says who was told, and who could not be.
//! Admins say who each audience is.

use crate::domain::event::{EventKind, IncidentEvent};
use crate::domain::ids::IncidentId;
use crate::domain::incident::Incident;
use crate::domain::notify::{audience_of, notification_text, webhook_message, AudienceMember, Audiences, InboxItem, Member, NewMember};
use crate::domain::timers::Audience;
use crate::domain::user::{CurrentUser, Permission};
use crate::domain::webhook::{parse_target, Purpose};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::db::Tx;
use crate::server::repo::{audiences, deliveries, events, users};
use crate::server::state::AppState;
use crate::server::time::now;

/// Tells `audience` of `incident`, inside the transaction that notified it (`notified` is
/// that event): each user gets it in their inbox now, each address is queued a message.
pub(crate) async fn tell(tx: &mut Tx, incident: &Incident, audience: Audience, notified: &IncidentEvent) -> AppResult<()> {
    let members = audiences::members(tx.conn(), Some(audience)).await?;
    if members.is_empty() {
        events::append(tx, incident.id, now(), None, EventKind::AudienceEmpty { audience }).await?;
        return Ok(());
    }
    let text = notification_text(audience, incident);
    let message = webhook_message(audience, incident).to_string();
    for m in members {
        match (&m.member.member, &m.url) {
            (Member::User { id, name }, _) => {
                audiences::deliver_in_app(tx.conn(), *id, notified.id, Some(incident.id), &format!("/incidents/{}", incident.id), &text, now()).await?;
                let told = EventKind::NotificationDelivered { audience, recipient: name.clone() };
                events::append(tx, incident.id, now(), None, told).await?;
            }
            (Member::Webhook { shown_url }, Some(url)) => {
                deliveries::enqueue(tx.conn(), Purpose::Notification, url, shown_url, notified.id, &message, now()).await?;
            }
            (Member::Webhook { .. }, None) => {}
        }
    }
    Ok(())
}

/// Tells a notification's incident how its delivery ended (inside the transaction that
/// records it, which holds the incident's stream).
pub(crate) async fn record_outcome(tx: &mut Tx, d: &deliveries::Due, delivered: bool, error: &str) -> AppResult<()> {
    let message: serde_json::Value = serde_json::from_str(&d.body).unwrap_or_default();
    let Some(audience) = audience_of(&message) else {
        tracing::warn!(delivery = d.id, "a notification without its audience");
        return Ok(());
    };
    let recipient = d.recipient.clone();
    let kind = if delivered {
        EventKind::NotificationDelivered { audience, recipient }
    } else {
        EventKind::NotificationFailed { audience, recipient, error: error.to_string() }
    };
    events::append(tx, IncidentId(d.stream.id), now(), None, kind).await?;
    Ok(())
}

/// The audiences screen (admins).
pub async fn audiences(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Audiences> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    let members: Vec<AudienceMember> = audiences::members(&mut conn, None).await?.into_iter().map(|s| s.member).collect();
    let people = users::list(&mut conn).await?;
    Ok(Audiences { members, people })
}

/// Adds a user or a webhook address to an audience (admins). An address is checked as a
/// status-page webhook's is, and is sent nothing until an incident calls for it.
pub async fn add_member(state: &AppState, actor: Option<&CurrentUser>, audience: Audience, member: NewMember) -> AppResult<()> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    let added = match member {
        NewMember::User(id) => {
            if !users::list(&mut conn).await?.iter().any(|u| u.id == id) {
                return Err(AppError::bad_request(format!("There is no user {id}.")));
            }
            audiences::add(&mut conn, audience, Some(id), None).await?
        }
        NewMember::Webhook(raw) => {
            let target = parse_target(&raw).map_err(AppError::bad_request)?;
            crate::server::outbound::resolve(&target, state.webhooks.allow_private).await.map_err(AppError::bad_request)?;
            audiences::add(&mut conn, audience, None, Some(target.url.as_str())).await?
        }
    };
    if !added {
        return Err(AppError::conflict(format!("That member is in {} already.", audience.name())));
    }
    Ok(())
}

pub async fn remove_member(state: &AppState, actor: Option<&CurrentUser>, id: i64) -> AppResult<()> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    if !audiences::remove(&mut conn, id).await? {
        return Err(AppError::not_found(format!("There is no audience member {id}.")));
    }
    Ok(())
}

/// What Klaxon told the signed-in user, newest first.
pub async fn inbox(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<InboxItem>> {
    let user = require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(audiences::inbox(&mut conn, user.id, 100).await?)
}
