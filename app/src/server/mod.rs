//! Server-only code: the database, repositories, services, sessions and the live hub.

pub mod assets;
pub mod authz;
pub mod chunk_map;
pub mod client_addr;
pub mod db;
pub mod demo;
pub mod feed;
pub mod hub;
pub mod key_cache;
pub mod live_slots;
pub mod login_limiter;
pub mod mail;
pub mod markdown;
pub mod outbound;
pub mod password;
pub mod public;
pub mod rate_limit;
pub mod repo;
pub mod services;
pub mod session_store;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
