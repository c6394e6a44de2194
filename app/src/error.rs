//! The one error type server functions return: a kind that maps to an HTTP status and a
//! message meant for the person who caused it.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// 400: the input is wrong.
    BadRequest,
    /// 401: not signed in, or the session ended.
    Unauthorized,
    /// 403: signed in, but not allowed.
    Forbidden,
    /// 404
    NotFound,
    /// 409: someone else changed it first, or the move is not legal now.
    Conflict,
    /// 410: it was there, and is no more (a single-use link already used).
    Gone,
    /// 429
    TooManyRequests,
    /// 500: our fault; the message says nothing internal.
    Internal,
    /// 503: a dependency (the database) is down; try again shortly.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    /// Sent as `Retry-After` (429 and 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError { kind, message: message.into(), retry_after_secs: None }
    }
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, m)
    }
    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Unauthorized, "Please sign in.")
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, m)
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, m)
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, m)
    }
    pub fn gone(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Gone, m)
    }
    pub fn internal() -> Self {
        Self::new(ErrorKind::Internal, "Something went wrong on our side; it has been logged.")
    }

    pub fn unavailable(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, m)
    }

    /// How many seconds the client should wait before trying again (`Retry-After`).
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn status_code(&self) -> u16 {
        match self.kind {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Gone => 410,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => AppError::bad_request(format!("The request could not be read: {m}")),
            other => AppError::new(ErrorKind::Internal, other.to_string()),
        }
    }

    /// The error's body; on the server it also gives the failed server function's response
    /// the status of the error's kind (Leptos answers 500 otherwise).
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        self.set_response_status();
        <JsonEncoding as leptos::server_fn::Encodes<Self>>::encode(self).unwrap_or_default()
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Sets the status through Leptos's response options. A form posted without JavaScript
    /// keeps the redirect back to its page that Leptos gives it.
    fn set_response_status(&self) {
        use leptos::prelude::use_context;
        let plain_form = use_context::<http::request::Parts>().is_some_and(|p| {
            let html = p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
            html && p.headers.contains_key(http::header::REFERER)
        });
        if plain_form {
            return;
        }
        if let (Some(res), Ok(code)) = (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(self.status_code())) {
            res.set_status(code);
            if let Some(secs) = self.retry_after_secs {
                res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => AppError::not_found("Not found."),
            // only while shutting down: nothing is wrong
            sqlx::Error::PoolClosed => {
                tracing::debug!("database pool closed");
                AppError::unavailable("Klaxon is shutting down; try again in a moment.")
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => {
                tracing::warn!(error = %e, "the database did not answer");
                AppError::unavailable("The database did not answer; try again in a moment.")
            }
            _ => {
                tracing::error!(error = %e, "database error");
                AppError::internal()
            }
        }
    }
}

/// The JSON body every Klaxon endpoint answers an error with (`{"kind", "message"}`), under
/// the error's status.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status_code()).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after_secs;
        let mut response = (status, axum::Json(self)).into_response();
        if let Some(secs) = retry {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn database_errors_map_to_what_the_caller_can_do() {
        assert_eq!(AppError::from(sqlx::Error::RowNotFound).status_code(), 404);
        // shutting down or a database that does not answer: try again, not a bug
        assert_eq!(AppError::from(sqlx::Error::PoolClosed).status_code(), 503);
        assert_eq!(AppError::from(sqlx::Error::PoolTimedOut).status_code(), 503);
        let io = sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused"));
        assert_eq!(AppError::from(io).status_code(), 503);
        let other = AppError::from(sqlx::Error::Protocol("garbled".into()));
        assert_eq!(other.status_code(), 500);
        assert!(!other.message.contains("garbled"), "internals are logged, not shown");
    }
}
