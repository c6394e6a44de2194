//! Klaxon: incident response in one place. This crate is shared by the server (feature
//! `ssr`) and the browser (feature `hydrate`).
#![recursion_limit = "512"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod live;
pub mod pages;
pub mod resource;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{shell, App};
