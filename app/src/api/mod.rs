//! Server functions: find the caller, call a service, map the error to a status code.

pub mod alerts;
pub mod auth;
pub mod contact;
pub mod drills;
pub mod incidents;
pub mod insights;
pub mod near_misses;
pub mod notifications;
pub mod oncall;
pub mod postmortems;
pub mod readiness;
pub mod runbooks;
pub mod services;
pub mod status;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    use crate::domain::user::CurrentUser;
    use crate::error::{AppError, AppResult};
    use crate::server::authz::current_user;
    use crate::server::state::AppState;

    pub fn state() -> AppResult<AppState> {
        use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::internal()
        })
    }

    pub async fn session() -> AppResult<Session> {
        leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "no session layer");
            AppError::internal()
        })
    }

    /// The application state and the signed-in user (if any).
    pub async fn caller() -> AppResult<(AppState, Option<CurrentUser>)> {
        let state = state()?;
        let session = session().await?;
        let user = current_user(&state.db, &session).await?;
        Ok((state, user))
    }
}
