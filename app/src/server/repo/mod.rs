//! One repository per aggregate. Functions take a connection, so the same code runs inside
//! a write transaction or on a pooled connection for reads.

pub mod alerts;
pub mod audiences;
pub mod calendars;
pub mod catalog;
pub mod contact;
pub mod deliveries;
pub mod drills;
pub mod escalations;
pub mod events;
pub mod incidents;
pub mod integrations;
pub mod log;
pub mod maintenances;
pub mod metrics;
pub mod near_misses;
pub mod postmortems;
pub mod presence;
pub mod runbooks;
pub mod schedules;
pub mod status;
pub mod swaps;
pub mod users;
pub mod webhooks;
