//! What every handler and server function can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::server::db::Db;
use crate::server::hub::Hub;
use crate::server::login_limiter::LoginLimiter;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub hub: Hub,
    pub limiter: LoginLimiter,
    /// How often an open live stream checks that its session is still valid.
    pub live_reauth: std::time::Duration,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, db: Db) -> Self {
        // pay for the unknown-email hash now, not during someone's first sign-in
        let _ = crate::server::password::dummy_hash();
        AppState { leptos_options, db, hub: Hub::new(), limiter: LoginLimiter::default(), live_reauth: std::time::Duration::from_secs(60) }
    }
}
