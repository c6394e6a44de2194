//! The session cookie behind an https proxy: every `Set-Cookie` of every route family
//! carries the same flags, and an ordinary signed-in request writes no session at all.

mod common;

use app::on_both_backends;
use app::server::db::Backend;
use app::server::testing::TEST_PASSWORD;
use common::TestApp;
use reqwest::redirect::Policy;

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

fn assert_flags(cookie: &str, what: &str) {
    let parts: Vec<String> = cookie.split(';').map(|p| p.trim().to_ascii_lowercase()).collect();
    for flag in ["secure", "httponly", "samesite=lax"] {
        assert!(parts.iter().any(|p| p == flag), "{what}: {cookie} lacks {flag}");
    }
}

async fn cookies_keep_their_flags_on_every_route(b: Backend) {
    let _one = common::RENDERING_PAGES.lock().await;
    let app = TestApp::start(b).await;
    // cookies are handled by hand: a client's jar would not send a Secure cookie over http
    let c = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let https = |r: reqwest::RequestBuilder| r.header("x-forwarded-proto", "https");

    let r = https(c.post(app.url("/api/login"))).form(&[("email", app.responder.email.as_str()), ("password", TEST_PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookies = set_cookies(&r);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert_flags(&cookies[0], "sign-in");
    let session = cookies[0].split(';').next().unwrap().to_string();
    assert!(session.starts_with("klaxon_session="));

    // every family of routes, signed in: the session is read, never written again
    let families: [(&str, &str); 8] = [
        ("GET", "/incidents"),
        ("POST", "/api/incidents/list"),
        ("GET", "/live/incidents"),
        ("GET", "/status"),
        ("GET", "/api/v2/summary.json"),
        ("GET", "/status/history.rss"),
        ("GET", "/pkg/klaxon.css"),
        ("GET", "/healthz"),
    ];
    for (method, path) in families {
        let req = match method {
            "POST" => c.post(app.url(path)),
            _ => c.get(app.url(path)),
        };
        let r = https(req).header("cookie", &session).send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{method} {path}: {}", r.status());
        let cookies = set_cookies(&r);
        assert!(cookies.is_empty(), "{method} {path} re-set the session: {cookies:?}");
    }
    // the sign-in is still good
    let r = https(c.post(app.url("/api/incidents/list"))).header("cookie", &session).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // signing out clears the cookie, with the same flags
    let r = https(c.post(app.url("/api/logout"))).header("cookie", &session).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookies = set_cookies(&r);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert_flags(&cookies[0], "sign-out");
    let r = https(c.post(app.url("/api/incidents/list"))).header("cookie", &session).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

on_both_backends!(cookies_keep_their_flags_on_every_route);
