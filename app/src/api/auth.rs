//! Sign in, sign out, who am I.

use leptos::prelude::*;

use crate::domain::user::CurrentUser;
use crate::error::AppError;

/// Signs in. A plain form post (no JavaScript) is redirected to `next` on success and back
/// to the sign-in page with an error flag on failure.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<CurrentUser, AppError> {
    use crate::api::ssr::{session, state};
    use crate::server::authz::USER_KEY;
    use crate::server::services::auth::sign_in;

    let state = state()?;
    let result = sign_in(&state, &email, &password).await;
    let target = safe_next(next.as_deref());
    match result {
        Ok(user) => {
            let session = session().await?;
            // a fresh id on sign-in, so a planted session id is worthless
            session.cycle_id().await.map_err(|_| AppError::internal())?;
            session.insert(USER_KEY, user.id.0).await.map_err(|_| AppError::internal())?;
            if accepts_html() {
                leptos_axum::redirect(&target);
            }
            Ok(user)
        }
        Err(e) => {
            if accepts_html() {
                let code = if e.kind == crate::error::ErrorKind::TooManyRequests { "locked" } else { "failed" };
                leptos_axum::redirect(&format!("/login?error={code}"));
            }
            Err(e)
        }
    }
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::api::ssr::session;
    let session = session().await?;
    session.flush().await.map_err(|_| AppError::internal())?;
    if accepts_html() {
        leptos_axum::redirect("/login");
    }
    Ok(())
}

/// The signed-in user, or `None`.
#[server(endpoint = "me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    use crate::api::ssr::caller;
    caller().await.map(|(_, user)| user)
}

/// Only same-site paths are followed after sign-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 500 => n.to_string(),
        _ => "/incidents".to_string(),
    }
}

#[cfg(feature = "ssr")]
fn accepts_html() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|p| p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html")))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_same_site_only() {
        assert_eq!(safe_next(Some("/incidents/3")), "/incidents/3");
        assert_eq!(safe_next(Some("//evil.example")), "/incidents");
        assert_eq!(safe_next(Some("https://evil.example")), "/incidents");
        assert_eq!(safe_next(None), "/incidents");
    }
}
