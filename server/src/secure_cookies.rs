//! Every cookie gets `HttpOnly` and `SameSite=Lax`; `Secure` when the request came over https: directly (an `https` URI) or
//! through a proxy that terminated TLS (`X-Forwarded-Proto: https`, `Forwarded: proto=https`).
//! `KLAXON_SECURE_COOKIES=1` marks them always. A client that forges the header only makes
//! its own cookie unusable over plain http.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub fn came_over_https(req_headers: &HeaderMap, scheme: Option<&str>) -> bool {
    if scheme == Some("https") {
        return true;
    }
    let forwarded_proto = req_headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').next().unwrap_or("").trim().eq_ignore_ascii_case("https"))
        .unwrap_or(false);
    let forwarded = req_headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split([';', ',']).any(|part| part.trim().eq_ignore_ascii_case("proto=https") || part.trim().eq_ignore_ascii_case("proto=\"https\"")))
        .unwrap_or(false);
    forwarded_proto || forwarded
}

/// Gives every `Set-Cookie` the same flags: `HttpOnly` and `SameSite=Lax` always (the
/// session layer leaves them off the cookie that clears a session), `Secure` over https.
pub async fn mark(req: Request, next: Next) -> Response {
    let https = came_over_https(req.headers(), req.uri().scheme_str());
    let mut res = next.run(req).await;
    let cookies: Vec<HeaderValue> = res.headers_mut().get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return res;
    }
    res.headers_mut().remove(header::SET_COOKIE);
    for c in cookies {
        let flagged = c.to_str().ok().map(|text| with_flags(text, https)).and_then(|t| HeaderValue::from_str(&t).ok()).unwrap_or(c);
        res.headers_mut().append(header::SET_COOKIE, flagged);
    }
    res
}

/// `cookie` with the flags it lacks.
fn with_flags(cookie: &str, https: bool) -> String {
    let has = |flag: &str| cookie.split(';').skip(1).any(|p| p.trim().split('=').next().unwrap_or("").eq_ignore_ascii_case(flag));
    let mut out = cookie.to_string();
    if !has("httponly") {
        out.push_str("; HttpOnly");
    }
    if !has("samesite") {
        out.push_str("; SameSite=Lax");
    }
    if https && !has("secure") {
        out.push_str("; Secure");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{came_over_https, with_flags};
    use axum::http::HeaderMap;

    #[test]
    fn cookies_get_the_flags_they_lack() {
        assert_eq!(with_flags("klaxon_session=; Path=/; Max-Age=0", true), "klaxon_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
        assert_eq!(with_flags("a=b; HttpOnly; SameSite=Strict; Secure", true), "a=b; HttpOnly; SameSite=Strict; Secure");
        assert_eq!(with_flags("a=b; httponly", false), "a=b; httponly; SameSite=Lax");
        // a value that merely contains a flag's name is not the flag
        assert_eq!(with_flags("secure=1", true), "secure=1; HttpOnly; SameSite=Lax; Secure");
    }

    #[test]
    fn detects_https() {
        let mut h = HeaderMap::new();
        assert!(!came_over_https(&h, None));
        assert!(came_over_https(&h, Some("https")));
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(came_over_https(&h, None));
        let mut h = HeaderMap::new();
        h.insert("forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43".parse().unwrap());
        assert!(came_over_https(&h, None));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", "http".parse().unwrap());
        assert!(!came_over_https(&h, None));
    }
}
