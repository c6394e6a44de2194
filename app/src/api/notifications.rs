//! Incident notifications: who each audience is (admins), and a user's inbox.

use leptos::prelude::*;

use crate::domain::notify::{Audiences, InboxItem};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn audience(raw: &str) -> Result<crate::domain::timers::Audience, AppError> {
    crate::domain::timers::Audience::parse(raw.trim())
        .ok_or_else(|| AppError::bad_request(format!("There is no audience {raw:?} (executives or security_and_legal).")))
}

#[server(endpoint = "audiences/list")]
pub async fn list_audiences() -> Result<Audiences, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::notifications::audiences(&state, user.as_ref()).await
}

#[server(endpoint = "audiences/add-user")]
pub async fn add_audience_user(audience: String, user_id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let member = crate::domain::notify::NewMember::User(crate::domain::ids::UserId(user_id));
    crate::server::services::notifications::add_member(&state, user.as_ref(), self::audience(&audience)?, member).await
}

#[server(endpoint = "audiences/add-webhook")]
pub async fn add_audience_webhook(audience: String, url: String) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let member = crate::domain::notify::NewMember::Webhook(url);
    crate::server::services::notifications::add_member(&state, user.as_ref(), self::audience(&audience)?, member).await
}

#[server(endpoint = "audiences/remove")]
pub async fn remove_audience_member(id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::notifications::remove_member(&state, user.as_ref(), id).await
}

#[server(endpoint = "inbox")]
pub async fn inbox() -> Result<Vec<InboxItem>, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::notifications::inbox(&state, user.as_ref()).await
}
