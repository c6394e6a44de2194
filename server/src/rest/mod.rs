//! Stable interfaces others already speak: the Statuspage v2 JSON and the feeds, served
//! from the public snapshot.

pub mod alertmanager;
pub mod calendar;
pub mod events_v2;
pub mod public;
pub mod subscriptions;
