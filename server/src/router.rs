//! The router: health, live streams, the Leptos app and its server functions, with the
//! session, CSRF, compression and tracing layers.

use app::server::public::Doc;
use app::server::session_store::{self, DbSessionStore};
use app::server::state::AppState;
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{middleware, Router};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio_util::sync::CancellationToken;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::status_html::{self, HtmlCache};
use crate::{assets, csrf, rest, secure_cookies, sse, status_host, status_live};

/// How long an ordinary (not streaming) request may take.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub fn build(state: AppState, secure_cookies: bool, shutdown: CancellationToken) -> Router {
    build_with(state, secure_cookies, None, shutdown)
}

/// As [`build`]; with `status_host`, requests for that host name see only the public
/// status page (see [`status_host`]).
pub fn build_with(state: AppState, secure_cookies: bool, status_host: Option<String>, shutdown: CancellationToken) -> Router {
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("klaxon_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure_cookies)
        // the cookie lives as long as a session can; the store ends an idle one sooner and
        // moves the idle expiry itself (see session_store), so a request writes nothing
        .with_expiry(Expiry::OnInactivity(session_store::ABSOLUTE));
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    // Live streams carry only the session: the tracing and compression layers would wrap
    // every frame of every stream (and an event stream is never compressed anyway).
    let live = Router::new().route("/live/{topic}", get(sse::live)).layer(sessions.clone());
    // The public documents skip the session, CSRF and compression layers: they are the same
    // for everyone, served from memory, and compressed once per snapshot.
    let mut public = Router::new().route("/live/status", get(status_live::live)).route("/pkg/{*file}", get(assets::serve));
    // monitoring's events: the integration key is the credential (no session, no CSRF token)
    let events = Router::new()
        .route("/v2/enqueue", post(rest::events_v2::enqueue))
        .route("/v2/change/enqueue", post(rest::events_v2::change))
        .route("/alertmanager/{key}", post(rest::alertmanager::webhook))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT));
    crate::metrics::handle();
    for path in Doc::ALL.iter().map(|d| d.path()).chain(Doc::ALIASES.iter().map(|(p, _)| *p)) {
        public = public.route(path, get(rest::public::doc));
    }
    // shutting down ends every live stream
    let hub = state.hub.clone();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        hub.close();
    });
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/oncall/calendar/{file}", get(rest::calendar::feed))
        .route("/ack/{token}", get(rest::ack::show).post(rest::ack::acknowledge))
        .route("/status/subscriptions", post(rest::subscriptions::subscribe))
        .route("/status/subscriptions/confirm", get(rest::subscriptions::confirm_page).post(rest::subscriptions::confirm))
        .route("/status/unsubscribe", get(rest::subscriptions::confirm_unsubscribe).post(rest::subscriptions::unsubscribe))
        .route("/readyz", get(readyz))
        .route("/insights.csv", get(rest::insights::csv))
        .route("/insights.json", get(rest::insights::json))
        .merge(if state.metrics.own_address { Router::new() } else { Router::new().route("/metrics", get(crate::metrics::render)) })
        .leptos_routes_with_context(&state, routes, move || provide_context(context_state.clone()), move || shell(shell_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(csrf::guard))
        .layer(middleware::from_fn_with_state(state.clone(), rest::postmortem_md::serve))
        .layer(sessions)
        .layer(CompressionLayer::new())
        // ordinary requests end in time (live streams are outside this)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(TraceLayer::new_for_http())
        .merge(live)
        .merge(public)
        .merge(events)
        // every Set-Cookie of every route family carries the same flags
        .layer(middleware::from_fn(secure_cookies::mark))
        .layer(middleware::from_fn_with_state((state.clone(), HtmlCache::default()), status_html::serve))
        // outermost, so pages served from the cache are counted too
        .layer(middleware::from_fn(crate::metrics::track));
    let router = match status_host.map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase()).filter(|h| !h.is_empty()) {
        Some(host) => router.layer(middleware::from_fn_with_state(status_host::StatusHost(host), status_host::serve)),
        None => router,
    };
    router.with_state(state)
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
