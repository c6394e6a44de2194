//! The status page: settings, groups, components and their status history.

use crate::domain::status_page_log::StatusPageChange;
use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{ComponentId, GroupId, ServiceId};
use crate::domain::status_page::{Component, ComponentGroup, ComponentStatus, PageSettings, StatusChange};
use crate::server::time::{from_ms, to_ms};

pub async fn settings(conn: &mut AnyConnection) -> Result<PageSettings, sqlx::Error> {
    let r = sqlx::query("SELECT name, public_url, logo_url, time_zone, support_url FROM status_page WHERE id = 1").fetch_one(conn).await?;
    Ok(PageSettings {
        name: r.try_get("name")?,
        public_url: r.try_get("public_url")?,
        logo_url: r.try_get("logo_url")?,
        time_zone: r.try_get("time_zone")?,
        support_url: r.try_get("support_url")?,
    })
}

/// The keyed maker of public ids, under this installation's secret (made by a migration).
pub async fn public_ids(conn: &mut AnyConnection) -> Result<crate::domain::public_incident::PublicIds, sqlx::Error> {
    let r = sqlx::query("SELECT value FROM install_secrets WHERE name = 'public_ids'").fetch_one(conn).await?;
    Ok(crate::domain::public_incident::PublicIds::new(r.try_get::<String, _>(0)?.as_bytes()))
}

pub async fn save_settings(conn: &mut AnyConnection, s: &PageSettings) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE status_page SET name = $1, public_url = $2, logo_url = $3, time_zone = $4, support_url = $5 WHERE id = 1")
        .bind(s.name.clone())
        .bind(s.public_url.clone())
        .bind(s.logo_url.clone())
        .bind(s.time_zone.clone())
        .bind(s.support_url.clone())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn groups(conn: &mut AnyConnection) -> Result<Vec<ComponentGroup>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, position FROM component_groups ORDER BY position, name").fetch_all(conn).await?;
    rows.iter().map(|r| Ok(ComponentGroup { id: GroupId(r.try_get("id")?), name: r.try_get("name")?, position: r.try_get("position")? })).collect()
}

/// The group with this name, created (at the end) when there is none.
pub async fn group_named(conn: &mut AnyConnection, name: &str) -> Result<GroupId, sqlx::Error> {
    if let Some(r) = sqlx::query("SELECT id FROM component_groups WHERE name = $1").bind(name.to_string()).fetch_optional(&mut *conn).await? {
        return Ok(GroupId(r.try_get("id")?));
    }
    let r =
        sqlx::query("INSERT INTO component_groups (name, position) VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM component_groups)) RETURNING id")
            .bind(name.to_string())
            .fetch_one(conn)
            .await?;
    Ok(GroupId(r.try_get("id")?))
}

fn component(r: &AnyRow) -> Result<Component, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Component {
        id: ComponentId(r.try_get("id")?),
        group_id: r.try_get::<Option<i64>, _>("group_id")?.map(GroupId),
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        position: r.try_get("position")?,
        status: ComponentStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("unknown component status {status:?}").into()))?,
        service_id: r.try_get::<Option<i64>, _>("service_id")?.map(ServiceId),
        created_at: from_ms(r.try_get("created_at_ms")?),
        updated_at: from_ms(r.try_get("updated_at_ms")?),
    })
}

const COLUMNS: &str = "id, group_id, name, description, position, status, service_id, created_at_ms, updated_at_ms";

pub async fn components(conn: &mut AnyConnection) -> Result<Vec<Component>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM components ORDER BY position, name"))).fetch_all(conn).await?;
    rows.iter().map(component).collect()
}

pub async fn component_by_id(conn: &mut AnyConnection, id: ComponentId) -> Result<Option<Component>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM components WHERE id = $1"))).bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(component).transpose()
}

/// The current status of each of `ids` that exists, in one query.
pub async fn statuses(conn: &mut AnyConnection, ids: impl IntoIterator<Item = ComponentId>) -> Result<HashMap<ComponentId, ComponentStatus>, sqlx::Error> {
    let ids: Vec<i64> = ids.into_iter().map(|c| c.0).collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    // the ids are integers, so the list is safe to inline (the Any driver binds no arrays)
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT id, status FROM components WHERE id IN ({list})"))).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let s: String = r.try_get("status")?;
            let status = ComponentStatus::parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("unknown component status {s:?}").into()))?;
            Ok((ComponentId(r.try_get("id")?), status))
        })
        .collect()
}

pub async fn name_taken(conn: &mut AnyConnection, name: &str, except: Option<ComponentId>) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT id FROM components WHERE name = $1").bind(name.to_string()).fetch_optional(conn).await?;
    Ok(match row {
        Some(r) => Some(ComponentId(r.try_get("id")?)) != except,
        None => false,
    })
}

pub struct NewComponent<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub group: Option<GroupId>,
    pub position: i64,
    pub service: Option<ServiceId>,
    pub status: ComponentStatus,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Creates a component and the first entry of its history.
pub async fn insert(conn: &mut AnyConnection, c: &NewComponent<'_>) -> Result<ComponentId, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO components (group_id, name, description, position, status, service_id, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(c.group.map(|g| g.0))
    .bind(c.name.to_string())
    .bind(c.description.to_string())
    .bind(c.position)
    .bind(c.status.as_str())
    .bind(c.service.map(|s| s.0))
    .bind(to_ms(c.at))
    .fetch_one(&mut *conn)
    .await?;
    let id = ComponentId(r.try_get("id")?);
    record(conn, id, c.status, c.at).await?;
    Ok(id)
}

/// What editing a component changes (its status has its own path).
pub struct ComponentEdit<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub group: Option<GroupId>,
    pub position: i64,
    pub service: Option<ServiceId>,
    pub at: chrono::DateTime<chrono::Utc>,
}

pub async fn update(conn: &mut AnyConnection, id: ComponentId, c: &ComponentEdit<'_>) -> Result<bool, sqlx::Error> {
    let ComponentEdit { name, description, group, position, service, at } = *c;
    let r = sqlx::query("UPDATE components SET name = $1, description = $2, group_id = $3, position = $4, service_id = $5, updated_at_ms = $6 WHERE id = $7")
        .bind(name.to_string())
        .bind(description.to_string())
        .bind(group.map(|g| g.0))
        .bind(position)
        .bind(service.map(|s| s.0))
        .bind(to_ms(at))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

async fn record(conn: &mut AnyConnection, id: ComponentId, status: ComponentStatus, at: chrono::DateTime<chrono::Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO component_status_history (component_id, at_ms, status) VALUES ($1, $2, $3)")
        .bind(id.0)
        .bind(to_ms(at))
        .bind(status.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the status; returns false (and records nothing) when it is already that.
pub async fn set_status(conn: &mut AnyConnection, id: ComponentId, status: ComponentStatus, at: chrono::DateTime<chrono::Utc>) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE components SET status = $1, updated_at_ms = $2 WHERE id = $3 AND status <> $1")
        .bind(status.as_str())
        .bind(to_ms(at))
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    record(conn, id, status, at).await?;
    Ok(true)
}

/// Writes a history entry as it was (for importing or the demo's past).
pub async fn record_past(conn: &mut AnyConnection, id: ComponentId, status: ComponentStatus, at: chrono::DateTime<chrono::Utc>) -> Result<(), sqlx::Error> {
    record(conn, id, status, at).await
}

/// Every component's history since `since`, oldest first, each beginning with the state it
/// was in at `since` (if it existed then).
pub async fn history_since(conn: &mut AnyConnection, since: chrono::DateTime<chrono::Utc>) -> Result<HashMap<ComponentId, Vec<StatusChange>>, sqlx::Error> {
    let since_ms = to_ms(since);
    let rows = sqlx::query(
        "SELECT h.component_id, h.at_ms, h.status FROM component_status_history h \
         WHERE h.at_ms >= $1 OR (h.component_id, h.at_ms) IN \
           (SELECT component_id, MAX(at_ms) FROM component_status_history WHERE at_ms < $1 GROUP BY component_id) \
         ORDER BY h.component_id, h.at_ms, h.id",
    )
    .bind(since_ms)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<ComponentId, Vec<StatusChange>> = HashMap::new();
    for r in rows {
        let status: String = r.try_get("status")?;
        let status = ComponentStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("unknown component status {status:?}").into()))?;
        let at = from_ms(r.try_get::<i64, _>("at_ms")?.max(since_ms));
        out.entry(ComponentId(r.try_get("component_id")?)).or_default().push(StatusChange { at, status });
    }
    Ok(out)
}

/// Appends a change to the status page's stream; `tx` must hold its lock.
pub async fn record_change(tx: &mut crate::server::db::Tx, actor: Option<&crate::domain::roles::Person>, change: &StatusPageChange) -> Result<(), sqlx::Error> {
    crate::server::repo::log::append_change(tx, crate::domain::log::StreamRef::STATUS_PAGE, actor, change.name(), change).await?;
    Ok(())
}
