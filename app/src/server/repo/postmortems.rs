//! Postmortems (their status, deadline and stored document) and their action items.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{ActionItemId, IncidentId, NearMissId, PostmortemId, UserId};
use crate::domain::postmortem::record::{self, ActionItem, ItemStatus, PostmortemStatus, PostmortemSummary, Priority, Subject};
use crate::domain::postmortem::template::Depth;
use crate::server::time::{from_ms, to_ms};

/// A postmortem's row, without its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostmortemRow {
    pub id: PostmortemId,
    pub subject: Subject,
    pub depth: Depth,
    pub status: PostmortemStatus,
    pub due: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
}

fn decode<T>(what: &str, s: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parse(s).ok_or_else(|| sqlx::Error::Decode(format!("unknown {what} {s:?}").into()))
}

/// What a row is of (exactly one of its two columns is set).
fn subject(r: &AnyRow) -> Result<Subject, sqlx::Error> {
    match (r.try_get::<Option<i64>, _>("incident_id")?, r.try_get::<Option<i64>, _>("near_miss_id")?) {
        (Some(i), None) => Ok(Subject::Incident(IncidentId(i))),
        (None, Some(n)) => Ok(Subject::NearMiss(NearMissId(n))),
        _ => Err(sqlx::Error::Decode("a postmortem of both an incident and a near-miss, or of neither".into())),
    }
}

fn postmortem(r: &AnyRow) -> Result<PostmortemRow, sqlx::Error> {
    Ok(PostmortemRow {
        id: PostmortemId(r.try_get("id")?),
        subject: subject(r)?,
        depth: decode("depth", &r.try_get::<String, _>("depth")?, Depth::parse)?,
        status: decode("postmortem status", &r.try_get::<String, _>("status")?, PostmortemStatus::parse)?,
        due: r.try_get::<Option<i64>, _>("due_at_ms")?.map(from_ms),
        created: from_ms(r.try_get("created_at_ms")?),
    })
}

const SELECT: &str = "SELECT id, incident_id, near_miss_id, depth, status, due_at_ms, created_at_ms FROM postmortems";

/// Creates the postmortem of `subject` with its first document state, unless it has one
/// (then `None`).
pub async fn insert(
    conn: &mut AnyConnection,
    subject: Subject,
    depth: Depth,
    due: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    snapshot: &[u8],
) -> Result<Option<PostmortemId>, sqlx::Error> {
    let conflict = match subject {
        Subject::Incident(_) => "incident_id",
        Subject::NearMiss(_) => "near_miss_id",
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO postmortems (incident_id, near_miss_id, depth, due_at_ms, created_at_ms, snapshot) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT ({conflict}) DO NOTHING RETURNING id"
    )))
    .bind(subject.incident().map(|i| i.0))
    .bind(subject.near_miss().map(|n| n.0))
    .bind(depth.as_str())
    .bind(due.map(to_ms))
    .bind(to_ms(at))
    .bind(snapshot.to_vec())
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get("id").map(PostmortemId)).transpose()
}

pub async fn get(conn: &mut AnyConnection, id: PostmortemId) -> Result<Option<PostmortemRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"))).bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(postmortem).transpose()
}

pub async fn of_incident(conn: &mut AnyConnection, incident: IncidentId) -> Result<Option<PostmortemRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE incident_id = $1"))).bind(incident.0).fetch_optional(conn).await?;
    row.as_ref().map(postmortem).transpose()
}

/// The postmortem of an incident, or a near-miss's review, if it has one.
pub async fn of_subject(conn: &mut AnyConnection, subject: Subject) -> Result<Option<PostmortemRow>, sqlx::Error> {
    match subject {
        Subject::Incident(id) => of_incident(conn, id).await,
        Subject::NearMiss(id) => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE near_miss_id = $1"))).bind(id.0).fetch_optional(conn).await?;
            row.as_ref().map(postmortem).transpose()
        }
    }
}

/// Every postmortem, newest first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<PostmortemRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY id DESC"))).fetch_all(conn).await?;
    rows.iter().map(postmortem).collect()
}

impl PostmortemRow {
    /// As the incident list and the war room mention it (an incident's only).
    pub fn summary(&self, now: DateTime<Utc>) -> Option<PostmortemSummary> {
        let incident = self.subject.incident()?;
        Some(PostmortemSummary { id: self.id, incident, status: self.status, due: self.due, overdue: record::overdue(self.status, self.due, now) })
    }
}

/// The stored document state and the last edit event folded into it.
pub async fn snapshot(conn: &mut AnyConnection, id: PostmortemId) -> Result<Option<(Vec<u8>, i64)>, sqlx::Error> {
    let row = sqlx::query("SELECT snapshot, snapshot_through FROM postmortems WHERE id = $1").bind(id.0).fetch_optional(conn).await?;
    row.map(|r| Ok((r.try_get("snapshot")?, r.try_get("snapshot_through")?))).transpose()
}

/// Replaces the stored document state with one that includes every edit up to event `through`.
pub async fn set_snapshot(conn: &mut AnyConnection, id: PostmortemId, state: &[u8], through: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE postmortems SET snapshot = $1, snapshot_through = $2 WHERE id = $3")
        .bind(state.to_vec())
        .bind(through)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Postmortems past their deadline, not complete, whose IC has not been reminded.
pub async fn overdue_unreminded(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Vec<PostmortemRow>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE status <> 'complete' AND overdue_reminded = 0 AND due_at_ms IS NOT NULL AND due_at_ms < $1 ORDER BY id LIMIT 100"
    )))
    .bind(to_ms(now))
    .fetch_all(conn)
    .await?;
    rows.iter().map(postmortem).collect()
}

/// Notes that the IC was reminded; false when someone had noted it already.
pub async fn mark_reminded(conn: &mut AnyConnection, id: PostmortemId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE postmortems SET overdue_reminded = 1 WHERE id = $1 AND overdue_reminded = 0").bind(id.0).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_status(conn: &mut AnyConnection, id: PostmortemId, status: PostmortemStatus) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE postmortems SET status = $1 WHERE id = $2").bind(status.as_str()).bind(id.0).execute(conn).await?;
    Ok(())
}

const ITEMS: &str = "SELECT a.id, a.postmortem_id, p.incident_id, p.near_miss_id, COALESCE(i.title, n.title) AS subject_title, a.title, a.owner_id, \
     u.name AS owner_name, a.priority, a.due_on, a.status, a.link FROM action_items a JOIN postmortems p ON p.id = a.postmortem_id \
     LEFT JOIN incidents i ON i.id = p.incident_id LEFT JOIN near_misses n ON n.id = p.near_miss_id LEFT JOIN users u ON u.id = a.owner_id";

fn item(r: &AnyRow) -> Result<ActionItem, sqlx::Error> {
    let owner: Option<i64> = r.try_get("owner_id")?;
    let due: Option<String> = r.try_get("due_on")?;
    Ok(ActionItem {
        id: ActionItemId(r.try_get("id")?),
        postmortem: PostmortemId(r.try_get("postmortem_id")?),
        subject: subject(r)?,
        subject_title: r.try_get("subject_title")?,
        title: r.try_get("title")?,
        owner: match owner {
            Some(id) => Some((UserId(id), r.try_get("owner_name")?)),
            None => None,
        },
        priority: decode("priority", &r.try_get::<String, _>("priority")?, Priority::parse)?,
        due_on: due.map(|d| decode("due day", &d, |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())).transpose()?,
        status: decode("action item status", &r.try_get::<String, _>("status")?, ItemStatus::parse)?,
        link: r.try_get("link")?,
    })
}

/// A new action item.
pub struct NewItem<'a> {
    pub title: &'a str,
    pub owner: Option<UserId>,
    pub priority: Priority,
    pub due_on: Option<NaiveDate>,
    pub link: Option<&'a str>,
}

pub async fn add_item(conn: &mut AnyConnection, postmortem: PostmortemId, new: &NewItem<'_>, at: DateTime<Utc>) -> Result<ActionItemId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO action_items (postmortem_id, title, owner_id, priority, due_on, created_at_ms, link) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(postmortem.0)
    .bind(new.title.to_string())
    .bind(new.owner.map(|u| u.0))
    .bind(new.priority.as_str())
    .bind(new.due_on.map(|d| d.to_string()))
    .bind(to_ms(at))
    .bind(new.link.map(str::to_string))
    .fetch_one(conn)
    .await?;
    Ok(ActionItemId(row.try_get("id")?))
}

pub async fn item_by_id(conn: &mut AnyConnection, id: ActionItemId) -> Result<Option<ActionItem>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{ITEMS} WHERE a.id = $1"))).bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(item).transpose()
}

/// Changes what an action item says (not its status).
pub async fn edit_item(conn: &mut AnyConnection, id: ActionItemId, new: &NewItem<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE action_items SET title = $1, owner_id = $2, priority = $3, due_on = $4, link = $5 WHERE id = $6")
        .bind(new.title.to_string())
        .bind(new.owner.map(|u| u.0))
        .bind(new.priority.as_str())
        .bind(new.due_on.map(|d| d.to_string()))
        .bind(new.link.map(str::to_string))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_item_status(conn: &mut AnyConnection, id: ActionItemId, status: ItemStatus, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let done = (status == ItemStatus::Done).then(|| to_ms(at));
    sqlx::query("UPDATE action_items SET status = $1, done_at_ms = $2 WHERE id = $3").bind(status.as_str()).bind(done).bind(id.0).execute(conn).await?;
    Ok(())
}

/// One postmortem's action items, in the order they were added.
pub async fn items_of(conn: &mut AnyConnection, postmortem: PostmortemId) -> Result<Vec<ActionItem>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{ITEMS} WHERE a.postmortem_id = $1 ORDER BY a.id"))).bind(postmortem.0).fetch_all(conn).await?;
    rows.iter().map(item).collect()
}

/// `owner`'s action items not done yet, by priority and due day.
pub async fn open_items_of(conn: &mut AnyConnection, owner: UserId) -> Result<Vec<ActionItem>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ITEMS} WHERE a.owner_id = $1 AND a.status <> 'done' ORDER BY a.priority, CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, a.id"
    )))
    .bind(owner.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(item).collect()
}

/// Every action item: those not done first, then by priority and due day.
pub async fn all_items(conn: &mut AnyConnection) -> Result<Vec<ActionItem>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ITEMS} ORDER BY CASE a.status WHEN 'done' THEN 1 ELSE 0 END, a.priority, CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, a.id"
    )))
    .fetch_all(conn)
    .await?;
    rows.iter().map(item).collect()
}
