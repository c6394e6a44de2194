//! Pure types and rules. No I/O: everything here compiles to wasm and is unit tested.

pub mod alert;
pub mod alert_context;
pub mod alertmanager;
pub mod contact;
pub mod drill;
pub mod escalation;
pub mod event;
pub mod events_v2;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod ids;
pub mod incident;
pub mod log;
pub mod maintenance;
pub mod metrics;
pub mod near_miss;
pub mod notify;
pub mod oncall;
pub mod postmortem;
pub mod public_incident;
pub mod readiness;
pub mod roles;
pub mod runbook;
pub mod service_admin;
pub mod status_history;
pub mod status_page;
pub mod status_page_log;
pub mod team_config;
pub mod text;
pub mod timers;
pub mod triage;
pub mod user;
pub mod war_room;
/// Server-only: it needs a URL parser the browser bundle should not carry.
#[cfg(feature = "ssr")]
pub mod webhook;
pub mod webhook_admin;
