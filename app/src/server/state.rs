//! What every handler and server function can reach.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::server::assets::Assets;
use crate::server::client_addr::TrustedProxies;
use crate::server::db::Db;
use crate::server::hub::Hub;
use crate::server::live_slots::{LiveSlots, Slot};
use crate::server::login_limiter::LoginLimiter;
use crate::server::public::StatusSnapshots;
use crate::server::rate_limit::RateLimit;

/// Cheap to clone (one `Arc`): axum clones the state for every extraction, so a request
/// pays one reference count, not one per field. Fields read through `Deref`; set-up code
/// assigns them through `DerefMut` before the state is shared.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Clone)]
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub hub: Hub,
    pub limiter: LoginLimiter,
    /// How often an open live stream checks that its session is still valid.
    pub live_reauth: std::time::Duration,
    /// How often an idle live stream is sent a keep-alive comment.
    pub live_ping: std::time::Duration,
    /// The public status page, served from memory.
    pub status: StatusSnapshots,
    pub webhooks: Webhooks,
    /// Caps on open live streams.
    pub live_slots: LiveSlots,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// The proxies whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// The browser's files, under content-hashed names.
    pub assets: Arc<Assets>,
    /// How fast each integration key may send events (per key: one noisy source does not
    /// slow the others).
    pub events_limit: crate::server::rate_limit::KeyedLimit<i64>,
    /// Integration keys in force, kept in memory.
    pub keys: crate::server::key_cache::KeyCache,
    /// Monitoring's events waiting to be applied, many to a transaction.
    pub ingest: crate::server::services::ingest_queue::IngestQueue,
    /// Rung when an alert starts escalating here, so its first page goes out at once.
    pub paging_wake: Arc<tokio::sync::Notify>,
    /// How pages reach people outside Klaxon.
    pub pages_out: PagesOut,
}

/// How pages reach people outside Klaxon: the address links in them start with, and the
/// mail server, if one is set up.
#[derive(Clone)]
pub struct PagesOut {
    /// `KLAXON_BASE_URL`: where people reach this Klaxon (links in pages start with it).
    pub base_url: String,
    /// `KLAXON_SMTP_URL` and `KLAXON_SMTP_FROM`; without them email rules cannot be sent.
    pub mailer: Option<Arc<crate::server::mail::Mailer>>,
}

impl Default for PagesOut {
    fn default() -> Self {
        PagesOut { base_url: "http://127.0.0.1:3000".into(), mailer: None }
    }
}

/// Who may read `/metrics`: with a token, only requests that carry it
/// (`Authorization: Bearer …`); with an address of its own, nobody on the main address.
#[derive(Clone, Default)]
pub struct MetricsAccess {
    pub token: Option<String>,
    pub own_address: bool,
}

/// Webhook subscription settings, and what delivering them shares.
#[derive(Clone)]
pub struct Webhooks {
    /// `KLAXON_WEBHOOK_ALLOW_PRIVATE=1`: let subscriptions call private, loopback and
    /// link-local addresses (for receivers inside your own network; off by default).
    pub allow_private: bool,
    /// `KLAXON_WEBHOOK_MAX`: subscriptions kept at most, confirmed or waiting.
    pub max_subscriptions: u64,
    /// Subscription requests per client address and overall.
    pub limit: RateLimit,
    /// The HTTP client every delivery goes through (one connection pool), made on first use
    /// so it sees the final `allow_private`.
    pub client: Arc<std::sync::OnceLock<reqwest::Client>>,
    /// Rung when deliveries are queued, so they go out at once rather than at the next pass.
    pub wake: Arc<tokio::sync::Notify>,
}

impl Default for Webhooks {
    fn default() -> Self {
        Webhooks {
            allow_private: false,
            max_subscriptions: crate::domain::webhook::MAX_SUBSCRIPTIONS,
            limit: RateLimit::new(5, 100, std::time::Duration::from_secs(600)),
            client: Arc::default(),
            wake: Arc::default(),
        }
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl DerefMut for AppState {
    /// Set-up only: changes this state (a state already shared is copied first).
    fn deref_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
}

/// What Leptos's handlers take from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Events one integration key may send at once; after that, 4,000 a second.
pub const EVENTS_BURST: u32 = 10_000;

impl AppState {
    /// A slot for a live stream from the client of a request (`peer`, and the forwarding
    /// headers of a trusted proxy), or the answer that refuses it.
    pub fn live_slot(&self, peer: std::net::SocketAddr, headers: &http::HeaderMap) -> Result<Slot, crate::error::AppError> {
        let client = self.trusted_proxies.client(peer, headers);
        self.live_slots.take(client).ok_or_else(|| crate::error::AppError::unavailable("Too many live streams are open; trying again shortly.").retry_after(5))
    }

    pub fn new(leptos_options: LeptosOptions, db: Db) -> Self {
        // pay for the unknown-email hash now, not during someone's first sign-in
        let _ = crate::server::password::dummy_hash();
        let hub = Hub::new();
        let status = StatusSnapshots::new(db.clone(), hub.clone(), std::time::Duration::from_secs(10));
        let pkg = std::path::Path::new(leptos_options.site_root.as_ref()).join(leptos_options.site_pkg_dir.as_ref());
        let assets = Arc::new(Assets::load(&pkg));
        AppState(Arc::new(Shared {
            leptos_options,
            db,
            hub,
            limiter: LoginLimiter::default(),
            live_reauth: std::time::Duration::from_secs(60),
            live_ping: std::time::Duration::from_secs(15),
            status,
            webhooks: Webhooks::default(),
            assets,
            trusted_proxies: TrustedProxies::default(),
            metrics: MetricsAccess::default(),
            live_slots: LiveSlots::default(),
            paging_wake: Arc::new(tokio::sync::Notify::new()),
            ingest: Default::default(),
            keys: Default::default(),
            pages_out: PagesOut::default(),
            events_limit: crate::server::rate_limit::KeyedLimit::new(crate::server::rate_limit::quota(EVENTS_BURST, std::time::Duration::from_micros(250))),
        }))
    }

    /// How often the public snapshot is rebuilt even when nothing here changed it.
    pub fn with_status_refresh(mut self, every: std::time::Duration) -> Self {
        self.status = StatusSnapshots::new(self.db.clone(), self.hub.clone(), every);
        self
    }
}
