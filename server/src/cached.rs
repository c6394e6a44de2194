//! Answers for bodies kept in memory: entity tags and `304 Not Modified`, `Last-Modified`,
//! gzip when the client takes it, and cache headers that let browsers and CDNs keep serving
//! a copy for a while when Klaxon is unreachable.

use app::server::public::Rendered;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};

/// Short, so readers see changes quickly; stale copies may serve while revalidating, and
/// for a day when the origin fails.
pub const CACHE_CONTROL: &str = "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400";

/// An HTTP date (RFC 9110 IMF-fixdate).
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%a, %d %b %Y %H:%M:%S GMT").ok().map(|t| t.and_utc())
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as for GET).
pub fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| bare(t) == bare(etag))
}

/// Whether the client takes gzip (`Accept-Encoding`, with q-values).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    accepts(headers, "gzip")
}

/// Whether the client takes the content coding `wanted` (`Accept-Encoding`, with q-values).
pub fn accepts(headers: &HeaderMap, wanted: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts.find_map(|p| p.trim().strip_prefix("q=").map(|q| q.trim().parse::<f32>().unwrap_or(0.0))).unwrap_or(1.0);
        (name.eq_ignore_ascii_case(wanted) || name == "*") && q > 0.0
    })
}

/// Whether the client's copy is current.
pub fn not_modified(headers: &HeaderMap, etag: &str, last_modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
        return inm.to_str().is_ok_and(|v| etag_matches(v, etag));
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .is_some_and(|since| last_modified.timestamp() <= since.timestamp())
}

/// The response for `r`, as `status`, given the request's headers.
pub fn respond(request: &HeaderMap, status: StatusCode, r: &Rendered, last_modified: DateTime<Utc>, cors: bool) -> Response {
    let mut b = Response::builder()
        .header(header::ETAG, &r.etag)
        .header(header::LAST_MODIFIED, http_date(last_modified))
        .header(header::CACHE_CONTROL, CACHE_CONTROL)
        .header(header::VARY, "Accept-Encoding");
    if cors {
        // public data, read by anyone, also from other origins
        b = b.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }
    if status == StatusCode::OK && not_modified(request, &r.etag, last_modified) {
        return b.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
    }
    b = b.status(status).header(header::CONTENT_TYPE, HeaderValue::from_str(&r.content_type).unwrap_or(HeaderValue::from_static("text/plain")));
    let body = if accepts_gzip(request) && !r.gzip.is_empty() {
        b = b.header(header::CONTENT_ENCODING, "gzip");
        r.gzip.clone()
    } else {
        r.body.clone()
    };
    b.body(Body::from(body)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_lists_weak_tags_and_star() {
        assert!(etag_matches("\"a\"", "\"a\""));
        assert!(etag_matches("\"x\", W/\"a\"", "\"a\""));
        assert!(etag_matches("*", "\"a\""));
        assert!(!etag_matches("\"b\"", "\"a\""));
        assert!(!etag_matches("", "\"a\""));
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, gzip;q=0.5")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
        assert!(accepts(&h("gzip, deflate, br"), "br"));
        assert!(!accepts(&h("gzip, br;q=0"), "br"));
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let t = DateTime::parse_from_rfc3339("2026-11-22T10:00:00.500Z").unwrap().with_timezone(&Utc);
        let mut m = HeaderMap::new();
        m.insert(header::IF_MODIFIED_SINCE, HeaderValue::from_str(&http_date(t)).unwrap());
        assert!(not_modified(&m, "\"a\"", t));
        assert!(!not_modified(&m, "\"a\"", t + chrono::Duration::seconds(1)));
        // an entity tag, when sent, decides
        m.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"b\""));
        assert!(!not_modified(&m, "\"a\"", t));
    }
}
