//! Services: what incidents affect and runbooks belong to.

use sqlx::{AnyConnection, Row};

use crate::domain::ids::ServiceId;
use crate::domain::incident::ServiceRef;

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<ServiceRef>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, slug, name FROM services ORDER BY name, id").fetch_all(conn).await?;
    rows.into_iter().map(|r| Ok(ServiceRef { id: ServiceId(r.try_get("id")?), slug: r.try_get("slug")?, name: r.try_get("name")? })).collect()
}

pub async fn by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Option<ServiceRef>, sqlx::Error> {
    let row = sqlx::query("SELECT id, slug, name FROM services WHERE slug = $1").bind(slug.to_string()).fetch_optional(conn).await?;
    row.map(|r| Ok(ServiceRef { id: ServiceId(r.try_get("id")?), slug: r.try_get("slug")?, name: r.try_get("name")? })).transpose()
}

/// Inserts a service, or renames it when the slug exists.
pub async fn upsert(conn: &mut AnyConnection, slug: &str, name: &str, description: &str) -> Result<ServiceId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO services (slug, name, description) VALUES ($1, $2, $3) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description RETURNING id",
    )
    .bind(slug.to_string())
    .bind(name.to_string())
    .bind(description.to_string())
    .fetch_one(conn)
    .await?;
    Ok(ServiceId(row.try_get("id")?))
}

/// Every service with its description.
pub async fn list_described(conn: &mut AnyConnection) -> Result<Vec<(ServiceRef, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, slug, name, description FROM services ORDER BY slug").fetch_all(conn).await?;
    rows.into_iter()
        .map(|r| Ok((ServiceRef { id: ServiceId(r.try_get("id")?), slug: r.try_get("slug")?, name: r.try_get("name")? }, r.try_get("description")?)))
        .collect()
}
