//! Services as admins set them up for alerts: policies, keys, maintenance.

use leptos::prelude::*;

use crate::domain::service_admin::ServicesAdmin;
use crate::error::AppError;

#[server(endpoint = "services/admin")]
pub async fn services_overview() -> Result<ServicesAdmin, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::policies::overview(&state, user.as_ref()).await
}

/// Issues a key (`kind`: events_v2 or alertmanager); returns its secret, shown this once.
#[server(endpoint = "services/key")]
pub async fn create_key(service: String, name: String, kind: String) -> Result<String, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let kind =
        crate::domain::alert::KeyKind::parse(kind.trim()).ok_or_else(|| AppError::bad_request(format!("kind: {kind:?} is not events_v2 or alertmanager.")))?;
    let (_, secret) = crate::server::services::integrations::create(&state, user.as_ref(), &service, &name, kind).await?;
    Ok(secret)
}

#[server(endpoint = "services/key-revoke")]
pub async fn revoke_key(id: i64) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::integrations::revoke(&state, user.as_ref(), crate::domain::ids::IntegrationKeyId(id)).await
}

#[server(endpoint = "services/policy")]
pub async fn save_policy(yaml: String) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::policies::save_yaml(&state, user.as_ref(), &yaml).await.map(|_| ())
}

/// `policy` empty: the service pages nobody.
#[server(endpoint = "services/assign")]
pub async fn assign_policy(service: String, policy: String) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let policy = Some(policy.trim()).filter(|p| !p.is_empty());
    crate::server::services::policies::assign(&state, user.as_ref(), &service, policy).await
}

#[server(endpoint = "services/maintenance")]
pub async fn set_service_maintenance(service: String, on: bool) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::policies::set_maintenance(&state, user.as_ref(), &service, on).await
}
