//! Users.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::ids::UserId;
use crate::domain::user::{AccountRole, CurrentUser, UserSummary};
use crate::server::time::{now, to_ms};

pub struct StoredUser {
    pub user: CurrentUser,
    pub password_hash: String,
    pub active: bool,
}

fn role(row: &AnyRow) -> Result<AccountRole, sqlx::Error> {
    let r: String = row.try_get("role")?;
    AccountRole::parse(&r).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {r:?}").into()))
}

fn stored(row: AnyRow) -> Result<StoredUser, sqlx::Error> {
    Ok(StoredUser {
        user: CurrentUser { id: UserId(row.try_get("id")?), email: row.try_get("email")?, name: row.try_get("name")?, role: role(&row)? },
        password_hash: row.try_get("password_hash")?,
        active: row.try_get::<i64, _>("active")? == 1,
    })
}

const COLUMNS: &str = "id, email, name, role, password_hash, active";

pub async fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<StoredUser>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE email = $1")))
        .bind(email.trim().to_lowercase())
        .fetch_optional(conn)
        .await?
        .map(stored)
        .transpose()
}

pub async fn by_id(conn: &mut AnyConnection, id: UserId) -> Result<Option<StoredUser>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1"))).bind(id.0).fetch_optional(conn).await?.map(stored).transpose()
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<UserSummary>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, email, name, role FROM users WHERE active = 1 ORDER BY name, id").fetch_all(conn).await?;
    rows.into_iter()
        .map(|row| Ok(UserSummary { id: UserId(row.try_get("id")?), name: row.try_get("name")?, email: row.try_get("email")?, role: role(&row)? }))
        .collect()
}

/// Inserts a user, or updates name, role and password when the email exists.
pub async fn upsert(conn: &mut AnyConnection, email: &str, name: &str, role: AccountRole, password_hash: &str) -> Result<UserId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO users (email, name, role, password_hash, active, created_at_ms) VALUES ($1, $2, $3, $4, 1, $5) \
         ON CONFLICT (email) DO UPDATE SET name = excluded.name, role = excluded.role, \
         password_hash = excluded.password_hash, active = 1 RETURNING id",
    )
    .bind(email.trim().to_lowercase())
    .bind(name.trim().to_string())
    .bind(role.as_str())
    .bind(password_hash.to_string())
    .bind(to_ms(now()))
    .fetch_one(conn)
    .await?;
    Ok(UserId(row.try_get("id")?))
}

/// Switches an account on or off; `None` when no account has this email.
pub async fn set_active(conn: &mut AnyConnection, email: &str, active: bool) -> Result<Option<UserId>, sqlx::Error> {
    let row = sqlx::query("UPDATE users SET active = $1 WHERE email = $2 RETURNING id")
        .bind(i64::from(active))
        .bind(email.trim().to_lowercase())
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("id").map(UserId)).transpose()
}

/// Sets (or, with `None`, clears) a user's own time zone.
pub async fn set_time_zone(conn: &mut AnyConnection, id: UserId, zone: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2").bind(zone.map(str::to_string)).bind(id.0).execute(conn).await?;
    Ok(())
}

/// The time zones users set for themselves (those who did not are left out).
pub async fn time_zones(conn: &mut AnyConnection) -> Result<std::collections::HashMap<UserId, String>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, time_zone FROM users WHERE time_zone IS NOT NULL").fetch_all(conn).await?;
    rows.into_iter().map(|r| Ok((UserId(r.try_get("id")?), r.try_get("time_zone")?))).collect()
}

/// Creates an account with no password (it cannot sign in until one is set with
/// `klaxon user add`), or updates the name and role of the one with this email, leaving its
/// password alone.
pub async fn upsert_profile(conn: &mut AnyConnection, email: &str, name: &str, role: AccountRole) -> Result<UserId, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO users (email, name, role, password_hash, active, created_at_ms) VALUES ($1, $2, $3, '!', 1, $4) \
         ON CONFLICT (email) DO UPDATE SET name = excluded.name, role = excluded.role RETURNING id",
    )
    .bind(email.trim().to_lowercase())
    .bind(name.trim().to_string())
    .bind(role.as_str())
    .bind(to_ms(now()))
    .fetch_one(conn)
    .await?;
    Ok(UserId(row.try_get("id")?))
}
