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
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, db: Db) -> Self {
        AppState { leptos_options, db, hub: Hub::new(), limiter: LoginLimiter::default() }
    }
}
