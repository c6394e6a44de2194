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
    let client = match (leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await, use_context::<http::request::Parts>()) {
        (Ok(peer), Some(parts)) => state.trusted_proxies.client(peer.0, &parts.headers),
        (Ok(peer), None) => peer.0.ip(),
        _ => std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    };
    let result = sign_in(&state, &email, &password, client).await;
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
                use crate::domain::user::SignInProblem;
                let problem = if e.kind == crate::error::ErrorKind::TooManyRequests { SignInProblem::Locked } else { SignInProblem::Refused };
                leptos_axum::redirect(&format!("/login?error={}", problem.as_str()));
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

/// Only a path on this site is followed after sign-in: `/` then visible ASCII, never a
/// second `/` or `\\` right after it (browsers read `//host`, `/\\host` and `/\t/host` as
/// another site) and no control or non-ASCII characters at all.
pub fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        let b = n.as_bytes();
        n.len() < 500 && b.first() == Some(&b'/') && !matches!(b.get(1), Some(b'/') | Some(b'\\')) && b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\')
    };
    match next {
        Some(n) if ok(n) => n.to_string(),
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
        assert_eq!(safe_next(Some("/incidents?status=resolved&x=%2F")), "/incidents?status=resolved&x=%2F");
        for bad in ["//evil.example", "/\\evil.example", "/\t/evil.example", "/ /evil.example", "https://evil.example", "/é", "/a\nb", "", "incidents"] {
            assert_eq!(safe_next(Some(bad)), "/incidents", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/incidents");
    }
}
