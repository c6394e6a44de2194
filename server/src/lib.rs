#![recursion_limit = "512"]
//! The Klaxon server: configuration, router, live streams and background jobs. The binary in
//! `main.rs` is a thin command line around [`run`]; tests build the same router.

pub mod assets;
pub mod cached;
pub mod config;
pub mod csrf;
pub mod export;
pub mod jobs;
pub mod metrics;
pub mod rest;
pub mod router;
pub mod secure_cookies;
pub mod serve;
pub mod sse;
pub mod status_host;
pub mod status_html;
pub mod status_live;

pub use config::Config;
