//! A person's own notification rules: how they are paged beyond Klaxon.

use leptos::prelude::*;

use crate::domain::contact::NotificationRule;
use crate::error::AppError;

/// The reader's rules, and whether email can be sent from this Klaxon.
#[server(endpoint = "contact/rules")]
pub async fn my_rules() -> Result<(Vec<NotificationRule>, bool), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let rules = crate::server::services::contact::my_rules(&state, user.as_ref()).await?;
    Ok((rules, state.pages_out.mailer.is_some()))
}

/// `channel`: webhook or email; `delay`: whole minutes.
#[server(endpoint = "contact/add")]
pub async fn add_rule(channel: String, address: String, delay: String) -> Result<(), AppError> {
    use crate::domain::contact::Channel;
    let (state, user) = crate::api::ssr::caller().await?;
    let channel = Channel::parse(channel.trim()).ok_or_else(|| AppError::bad_request(format!("channel: {:?} is not webhook or email.", channel.trim())))?;
    crate::server::services::contact::add_rule(&state, user.as_ref(), channel, &address, &delay).await
}

#[server(endpoint = "contact/remove")]
pub async fn remove_rule(id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::contact::remove_rule(&state, user.as_ref(), id).await
}
