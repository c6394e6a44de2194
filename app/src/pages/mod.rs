//! One route per file (the war room, being large, is a folder).

pub mod action_items;
pub mod alerts;
pub mod audiences;
pub mod declare;
pub mod drills;
pub mod gate;
pub mod inbox;
pub mod incidents;
pub mod insights;
pub mod login;
pub mod near_misses;
pub mod oncall;
pub mod paging_rules;
pub mod postmortem;
pub mod readiness;
pub mod runbooks;
pub mod schedule;
pub mod services;
pub mod status;
pub mod status_admin;
pub mod status_history;
pub mod status_incident;
pub mod status_webhooks;
pub mod war_room;
