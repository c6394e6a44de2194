//! Cross-site request forgery guard. Session cookies are SameSite=Lax; on top of that every
//! state-changing request that a browser sends from another origin is refused: its `Origin`
//! (or, failing that, `Referer`) must name the host it was sent to. Requests without either
//! header do not come from a browser form or script on another site.

use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    // HTTP/1.1 names the host in `Host`; HTTP/2 in the request's authority
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .map(|h| h.to_ascii_lowercase());
    let source = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)).map(|v| v.to_str().unwrap_or("null").to_string());
    match (source, host) {
        (None, _) => next.run(req).await,
        (Some(src), Some(host)) if origin_host(&src).as_deref() == Some(host.as_str()) => next.run(req).await,
        _ => (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/json")], r#"{"kind":"Forbidden","message":"Cross-site request refused."}"#)
            .into_response(),
    }
}

/// `https://Host:8080/path` → `host:8080`.
fn origin_host(origin: &str) -> Option<String> {
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::origin_host;

    #[test]
    fn origins() {
        assert_eq!(origin_host("http://127.0.0.1:3000").as_deref(), Some("127.0.0.1:3000"));
        assert_eq!(origin_host("https://Klaxon.example.com/incidents?x").as_deref(), Some("klaxon.example.com"));
        assert_eq!(origin_host("null"), None);
        assert_eq!(origin_host("http://"), None);
    }
}
