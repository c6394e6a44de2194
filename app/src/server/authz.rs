//! Who is asking, and may they. Every service calls [`require`] before it touches data.

use tower_sessions::Session;

use crate::domain::ids::UserId;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::db::Db;
use crate::server::repo::users;

/// The session key holding the signed-in user's id.
pub const USER_KEY: &str = "user_id";

/// Refuses unless the user is signed in and has the permission.
pub fn require(user: Option<&CurrentUser>, permission: Permission) -> AppResult<&CurrentUser> {
    let user = user.ok_or_else(AppError::unauthorized)?;
    if user.can(permission) {
        Ok(user)
    } else {
        Err(AppError::forbidden(match permission {
            Permission::ReadInternal => "You may not read this.",
            Permission::WorkIncidents => "Viewers cannot change incidents; ask an admin for the responder role.",
            Permission::Administer => "Only admins can do this.",
        }))
    }
}

/// The signed-in user of a session, if the session is live and the account still active.
pub async fn current_user(db: &Db, session: &Session) -> AppResult<Option<CurrentUser>> {
    let id: Option<i64> = session.get(USER_KEY).await.map_err(|e| {
        tracing::warn!(error = %e, "cannot read the session");
        AppError::internal()
    })?;
    let Some(id) = id else { return Ok(None) };
    let mut conn = db.pool().acquire().await?;
    Ok(users::by_id(&mut conn, UserId(id)).await?.filter(|u| u.active).map(|u| u.user))
}

/// Whether a session is still live and its user still active (open live streams ask this
/// now and then, so signing out or deactivating an account also ends its streams).
pub async fn session_live(db: &Db, session_id: &str, user: UserId) -> AppResult<bool> {
    let now = crate::server::time::to_ms(chrono::Utc::now());
    let row = sqlx::query("SELECT 1 AS one FROM sessions s, users u WHERE s.id = $1 AND s.expiry_ms > $2 AND u.id = $3 AND u.active = 1")
        .bind(session_id.to_string())
        .bind(now)
        .bind(user.0)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}
