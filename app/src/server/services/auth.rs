//! Signing in and managing accounts.

use std::net::IpAddr;

use crate::domain::ids::UserId;
use crate::domain::user::{AccountRole, CurrentUser};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::server::password;
use crate::server::repo::users;
use crate::server::session_store::end_sessions_of;
use crate::server::state::AppState;

/// The one message for a wrong password and an unknown email alike.
pub const BAD_CREDENTIALS: &str = "Wrong email or password.";

/// Signs in from `client` (the caller's address, for the attempt limiter).
pub async fn sign_in(state: &AppState, email: &str, pass: &str, client: IpAddr) -> AppResult<CurrentUser> {
    let email = email.trim();
    if email.is_empty() || pass.is_empty() {
        return Err(AppError::bad_request("Enter your email and password."));
    }
    if email.len() > 320 || pass.len() > password::MAX_LEN * 4 {
        return Err(AppError::new(ErrorKind::Unauthorized, BAD_CREDENTIALS));
    }
    if let Err(wait) = state.limiter.admit(email, client).await {
        let secs = wait.as_secs().max(1);
        return Err(AppError::new(ErrorKind::TooManyRequests, format!("Too many sign-in attempts. Try again in {secs} seconds.")).retry_after(secs));
    }
    let stored = {
        let mut conn = state.db.pool().acquire().await?;
        users::by_email(&mut conn, email).await?
    };
    let hash = stored.as_ref().map(|s| s.password_hash.clone()).unwrap_or_else(|| password::dummy_hash().to_string());
    let ok = password::verify_bounded(pass.to_string(), hash).await.map_err(|_| busy())?;
    match stored {
        Some(s) if ok && s.active => Ok(s.user),
        _ => {
            state.limiter.failed(email, client);
            Err(AppError::new(ErrorKind::Unauthorized, BAD_CREDENTIALS))
        }
    }
}

/// Every password worker is taken and the queue is full.
fn busy() -> AppError {
    AppError::unavailable("Too many sign-ins at once. Try again in a few seconds.").retry_after(2)
}

/// Checks an email address well enough to catch typos.
pub fn parse_email(raw: &str) -> AppResult<String> {
    let e = raw.trim().to_lowercase();
    let valid = e.len() <= 320
        && e.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(e)
    } else {
        Err(AppError::bad_request(format!("{raw:?} is not an email address.")))
    }
}

/// Creates (or updates) an account. Used by the CLI and the demo loader.
pub async fn add_user(state_db: &crate::server::db::Db, email: &str, name: &str, role: AccountRole, pass: &str) -> AppResult<UserId> {
    let email = parse_email(email)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::bad_request("The name must have 1 to 100 characters."));
    }
    password::check_strength(pass).map_err(AppError::bad_request)?;
    let hash = password::hash_bounded(pass.to_string()).await.map_err(|e| {
        tracing::error!(error = %e, "cannot hash a password");
        AppError::internal()
    })?;
    // a new password ends every session that signed in with the old one
    let mut tx = state_db.begin(&[]).await?;
    let id = users::upsert(tx.conn(), &email, name, role, &hash).await?;
    end_sessions_of(tx.conn(), id).await?;
    tx.commit_quiet().await?;
    Ok(id)
}

/// Disables an account: it can no longer sign in, and its sessions (and so its open live
/// streams, which re-check theirs) end at once.
pub async fn disable_user(state_db: &crate::server::db::Db, email: &str) -> AppResult<UserId> {
    let email = parse_email(email)?;
    let mut tx = state_db.begin(&[]).await?;
    let Some(id) = users::set_active(tx.conn(), &email, false).await? else {
        return Err(AppError::not_found(format!("There is no account for {email}.")));
    };
    end_sessions_of(tx.conn(), id).await?;
    tx.commit_quiet().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(parse_email(" Ada@Example.com ").unwrap(), "ada@example.com");
        assert!(parse_email("ada").is_err());
        assert!(parse_email("@x.io").is_err());
        assert!(parse_email("a@b").is_err());
        assert!(parse_email("a b@x.io").is_err());
    }
}
