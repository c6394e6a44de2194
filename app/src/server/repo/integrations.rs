//! Services' integration keys: the secrets monitoring sends events with.

use sqlx::{AnyConnection, Row};

use crate::domain::alert::KeyKind;
use crate::domain::ids::{IntegrationKeyId, ServiceId};
use crate::server::time::{now, to_ms};

/// A key that is in force: its id, service and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveKey {
    pub id: IntegrationKeyId,
    pub service: ServiceId,
    pub kind: KeyKind,
}

pub async fn create(conn: &mut AnyConnection, service: ServiceId, name: &str, kind: KeyKind, secret: &str) -> Result<IntegrationKeyId, sqlx::Error> {
    let row = sqlx::query("INSERT INTO integration_keys (service_id, name, kind, secret, created_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(service.0)
        .bind(name.to_string())
        .bind(kind.as_str())
        .bind(secret.to_string())
        .bind(to_ms(now()))
        .fetch_one(conn)
        .await?;
    Ok(IntegrationKeyId(row.try_get("id")?))
}

/// The key with this secret, unless it was revoked.
pub async fn find(conn: &mut AnyConnection, secret: &str) -> Result<Option<ActiveKey>, sqlx::Error> {
    let row = sqlx::query("SELECT id, service_id, kind FROM integration_keys WHERE secret = $1 AND revoked_at_ms IS NULL")
        .bind(secret.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        let kind: String = r.try_get("kind")?;
        Ok(ActiveKey {
            id: IntegrationKeyId(r.try_get("id")?),
            service: ServiceId(r.try_get("service_id")?),
            kind: KeyKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("unknown key kind {kind:?}").into()))?,
        })
    })
    .transpose()
}

/// Revokes a key; false when there is none in force with this id.
pub async fn revoke(conn: &mut AnyConnection, id: IntegrationKeyId) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE integration_keys SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL")
        .bind(to_ms(now()))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Every key of a service, newest first (without their secrets).
pub async fn of_service(conn: &mut AnyConnection, service: ServiceId) -> Result<Vec<crate::domain::service_admin::KeyRow>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, kind, created_at_ms, revoked_at_ms FROM integration_keys WHERE service_id = $1 ORDER BY id DESC")
        .bind(service.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(crate::domain::service_admin::KeyRow {
                id: IntegrationKeyId(r.try_get("id")?),
                name: r.try_get("name")?,
                kind: KeyKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("unknown key kind {kind:?}").into()))?,
                created_at: crate::server::time::from_ms(r.try_get("created_at_ms")?),
                revoked_at: r.try_get::<Option<i64>, _>("revoked_at_ms")?.map(crate::server::time::from_ms),
            })
        })
        .collect()
}
