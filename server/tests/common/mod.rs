//! Boots the real router on a fresh database (SQLite or PostgreSQL) on a free port.
#![allow(dead_code)]

use std::net::SocketAddr;

use app::domain::user::{AccountRole, CurrentUser};
use app::server::db::Backend;
use app::server::repo::catalog;
use app::server::state::AppState;
use app::server::testing::{fresh_state, user, TEST_PASSWORD};
use tokio_util::sync::CancellationToken;

/// Held by a test while its server renders Leptos pages, so the SQLite and PostgreSQL
/// variants of such a test take turns. Run side by side in one process (two tokio runtimes,
/// each serving and rendering pages), about one run in twelve saw a page render of
/// `/incidents` never finish (503 after the request timeout), in `pages.rs` and once in
/// `cookies.rs`; one after the other, none did in 25 runs, nor did 80 runs of one variant
/// alone. A server has one runtime; this keeps the tests to that.
pub static RENDERING_PAGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub shutdown: CancellationToken,
    pub admin: CurrentUser,
    pub responder: CurrentUser,
    pub viewer: CurrentUser,
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with(backend, |_| {}).await
    }

    /// As [`TestApp::start`], with the state adjusted by `configure` first.
    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut AppState)) -> TestApp {
        // every HTTP client in the tests (reqwest with rustls) needs the TLS provider
        app::server::outbound::install_tls();
        let mut state = fresh_state(backend).await;
        configure(&mut state);
        let admin = user(&state.db, "Ada", AccountRole::Admin).await;
        let responder = user(&state.db, "Ben", AccountRole::Responder).await;
        let viewer = user(&state.db, "Vic", AccountRole::Viewer).await;
        {
            let mut conn = state.db.pool().acquire().await.unwrap();
            catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
        }
        let (state, addr, shutdown) = serve(state).await;
        TestApp { addr, state, shutdown, admin, responder, viewer }
    }

    /// Another replica of this app: its own process state (hub, live feed, caches) and
    /// router on another port, on the same database.
    pub async fn replica(&self) -> TestApp {
        use app::server::db::{Db, DbConfig};
        let db = Db::connect(&DbConfig::new(self.state.db.url())).await.unwrap();
        let state = AppState::new(self.state.leptos_options.clone(), db);
        app::server::feed::start(&state.db, &state.hub).await;
        let (state, addr, shutdown) = serve(state).await;
        TestApp { addr, state, shutdown, admin: self.admin.clone(), responder: self.responder.clone(), viewer: self.viewer.clone() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with its own cookie jar, signed in as `who` (or anonymous).
    pub async fn client(&self, who: Option<&CurrentUser>) -> reqwest::Client {
        let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
        if let Some(u) = who {
            let r = c.post(self.url("/api/login")).form(&[("email", u.email.as_str()), ("password", TEST_PASSWORD)]).send().await.unwrap();
            assert_eq!(r.status(), 200, "sign in as {}: {}", u.email, r.text().await.unwrap_or_default());
        }
        c
    }
}

/// Reads SSE frames as (id, data) until `n` have arrived or the time runs out.
/// Serves `state`'s router on a free port until the returned token is cancelled.
async fn serve(mut state: AppState) -> (AppState, SocketAddr, CancellationToken) {
    // open live streams re-check their session every second here (a minute in production)
    state.live_reauth = std::time::Duration::from_secs(1);
    let shutdown = CancellationToken::new();
    let router = server::router::build(state.clone(), false, shutdown.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = shutdown.clone();
    // headers must come within 2 s here (10 s in production)
    tokio::spawn(server::serve::run(listener, router, std::time::Duration::from_secs(2), async move { stop.cancelled().await }));
    (state, addr, shutdown)
}

pub async fn read_events(resp: reqwest::Response, n: usize, within: std::time::Duration) -> Vec<(app::domain::log::Cursor, app::domain::event::LiveEvent)> {
    read_events_as(resp, n, within).await
}

/// Like [`read_events`], for a stream whose events are `T`s.
#[allow(dead_code)]
pub async fn read_events_as<T: serde::de::DeserializeOwned>(
    resp: reqwest::Response,
    n: usize,
    within: std::time::Duration,
) -> Vec<(app::domain::log::Cursor, T)> {
    let mut out = vec![];
    let mut buf = String::new();
    use futures::StreamExt;
    let mut stream = resp.bytes_stream();
    let deadline = tokio::time::Instant::now() + within;
    while out.len() < n {
        let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(c))) => c,
            _ => break,
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut id = None;
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if let (Some(id), false) = (id, data.is_empty()) {
                out.push((id, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    out
}
