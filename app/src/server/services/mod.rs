//! Use cases. Each checks permission first, runs in one write transaction that appends the
//! incident events it causes, and publishes them after commit.

pub mod alerts;
pub mod auth;
pub mod calendar;
pub mod contact;
pub mod deliveries;
pub mod drills;
pub mod incidents;
pub mod ingest;
pub mod ingest_apply;
pub mod ingest_queue;
pub mod integrations;
pub mod maintenance;
pub mod metrics;
pub mod near_misses;
pub mod notifications;
pub mod oncall;
pub mod paging;
pub mod policies;
pub mod postmortem_edits;
pub mod postmortem_presence;
pub mod postmortems;
pub mod readiness;
pub mod runbooks;
pub mod schedule_calendar;
pub mod status_page;
pub mod status_public;
pub mod swaps;
pub mod team_config;
pub mod timers;
pub mod war_room;
pub mod webhook_admin;
pub mod webhooks;
