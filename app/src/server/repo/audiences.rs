//! Who each notification audience is, and what users were told (their inbox).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{EventId, IncidentId, UserId};
use crate::domain::notify::{AudienceMember, InboxItem, Member};
use crate::domain::timers::Audience;
use crate::domain::webhook::shown_url;
use crate::server::time::{from_ms, to_ms};

/// A member as stored: the full address of a webhook (a secret) stays on the server.
pub struct Stored {
    pub member: AudienceMember,
    pub url: Option<String>,
}

/// Every member, or one audience's, by audience then name.
pub async fn members(conn: &mut AnyConnection, only: Option<Audience>) -> Result<Vec<Stored>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.id, m.audience, m.user_id, u.name, m.url FROM audience_members m LEFT JOIN users u ON u.id = m.user_id \
         WHERE $1 = '' OR m.audience = $1 ORDER BY m.audience, COALESCE(u.name, m.url)",
    )
    .bind(only.map_or("", Audience::as_str))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let audience: String = r.try_get("audience")?;
            let audience = Audience::parse(&audience).ok_or_else(|| sqlx::Error::Decode(format!("unknown audience {audience:?}").into()))?;
            let url: Option<String> = r.try_get("url")?;
            let member = match (r.try_get::<Option<i64>, _>("user_id")?, &url) {
                (Some(id), _) => Member::User { id: UserId(id), name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default() },
                (None, Some(u)) => Member::Webhook { shown_url: shown_url(u) },
                (None, None) => return Err(sqlx::Error::Decode("an audience member with neither user nor address".into())),
            };
            Ok(Stored { member: AudienceMember { id: r.try_get("id")?, audience, member }, url })
        })
        .collect()
}

/// Adds a member; false when it is in the audience already.
pub async fn add(conn: &mut AnyConnection, audience: Audience, user: Option<UserId>, url: Option<&str>) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query("SELECT 1 FROM audience_members WHERE audience = $1 AND (user_id = $2 OR url = $3)")
        .bind(audience.as_str())
        .bind(user.map(|u| u.0))
        .bind(url.map(str::to_string))
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Ok(false);
    }
    sqlx::query("INSERT INTO audience_members (audience, user_id, url) VALUES ($1, $2, $3)")
        .bind(audience.as_str())
        .bind(user.map(|u| u.0))
        .bind(url.map(str::to_string))
        .execute(conn)
        .await?;
    Ok(true)
}

/// Removes a member; false when there is none with this id.
pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM audience_members WHERE id = $1").bind(id).execute(conn).await?.rows_affected() > 0)
}

/// Puts a notification in a user's inbox: `text`, linking to `link` (and belonging to
/// `incident`, when it is about one).
pub async fn deliver_in_app(
    conn: &mut AnyConnection,
    user: UserId,
    event: EventId,
    incident: Option<IncidentId>,
    link: &str,
    text: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO user_notifications (user_id, event_id, incident_id, link, text, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(user.0)
        .bind(event.0)
        .bind(incident.map(|i| i.0))
        .bind(link.to_string())
        .bind(text.to_string())
        .bind(to_ms(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// A user's newest notifications first.
pub async fn inbox(conn: &mut AnyConnection, user: UserId, limit: i64) -> Result<Vec<InboxItem>, sqlx::Error> {
    let rows = sqlx::query("SELECT link, text, created_at_ms FROM user_notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(user.0)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(InboxItem { link: r.try_get("link")?, text: r.try_get("text")?, at: from_ms(r.try_get("created_at_ms")?) })).collect()
}
