//! Marks cookies `Secure` when the request came over https: directly (an `https` URI) or
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
        .map(|v| {
            v.split([';', ','])
                .any(|part| part.trim().eq_ignore_ascii_case("proto=https") || part.trim().eq_ignore_ascii_case("proto=\"https\""))
        })
        .unwrap_or(false);
    forwarded_proto || forwarded
}

pub async fn mark(req: Request, next: Next) -> Response {
    let https = came_over_https(req.headers(), req.uri().scheme_str());
    let mut res = next.run(req).await;
    if https {
        let cookies: Vec<HeaderValue> = res.headers_mut().get_all(header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            res.headers_mut().remove(header::SET_COOKIE);
            for c in cookies {
                let text = c.to_str().unwrap_or_default();
                let secured = if text.to_ascii_lowercase().split(';').any(|p| p.trim() == "secure") {
                    c
                } else {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c)
                };
                res.headers_mut().append(header::SET_COOKIE, secured);
            }
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::came_over_https;
    use axum::http::HeaderMap;

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
