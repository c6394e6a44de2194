//! Runbooks.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::{RunbookId, ServiceId};
use crate::domain::runbook::{Runbook, RunbookDoc};
use crate::server::time::{now, to_ms};

fn runbook(row: &AnyRow) -> Result<Runbook, sqlx::Error> {
    let doc: String = row.try_get("doc")?;
    Ok(Runbook {
        id: RunbookId(row.try_get("id")?),
        service_id: ServiceId(row.try_get("service_id")?),
        doc: serde_json::from_str::<RunbookDoc>(&doc).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    })
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Runbook>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, service_id, doc FROM runbooks ORDER BY title, id").fetch_all(conn).await?;
    rows.iter().map(runbook).collect()
}

pub async fn for_services(conn: &mut AnyConnection, services: &[ServiceId]) -> Result<Vec<Runbook>, sqlx::Error> {
    if services.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<String> = services.iter().map(|s| s.0.to_string()).collect();
    let sql = format!("SELECT id, service_id, doc FROM runbooks WHERE service_id IN ({}) ORDER BY title, id", ids.join(","));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(runbook).collect()
}

pub async fn get(conn: &mut AnyConnection, id: RunbookId) -> Result<Option<Runbook>, sqlx::Error> {
    let row = sqlx::query("SELECT id, service_id, doc FROM runbooks WHERE id = $1").bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(runbook).transpose()
}

pub async fn source_yaml(conn: &mut AnyConnection, id: RunbookId) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT source_yaml FROM runbooks WHERE id = $1").bind(id.0).fetch_optional(conn).await?;
    row.map(|r| r.try_get("source_yaml")).transpose()
}

/// Creates a runbook, or replaces the one with `id`.
pub async fn save(conn: &mut AnyConnection, id: Option<RunbookId>, service: ServiceId, doc: &RunbookDoc, yaml: &str) -> Result<RunbookId, sqlx::Error> {
    let json = serde_json::to_string(doc).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row = match id {
        Some(id) => sqlx::query(
            "UPDATE runbooks SET service_id = $1, title = $2, doc = $3, source_yaml = $4, updated_at_ms = $5 \
             WHERE id = $6 RETURNING id",
        )
        .bind(service.0)
        .bind(doc.metadata.title.clone())
        .bind(json)
        .bind(yaml.to_string())
        .bind(to_ms(now()))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?,
        None => {
            sqlx::query("INSERT INTO runbooks (service_id, title, doc, source_yaml, updated_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(service.0)
                .bind(doc.metadata.title.clone())
                .bind(json)
                .bind(yaml.to_string())
                .bind(to_ms(now()))
                .fetch_one(conn)
                .await?
        }
    };
    Ok(RunbookId(row.try_get("id")?))
}
