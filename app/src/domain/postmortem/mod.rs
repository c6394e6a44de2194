//! Postmortems: what a new one starts with (pre-filled from the incident's log and its
//! alerts), the seeds' blameless template, and the hints that point at blame-oriented
//! language as people write.

pub mod blameless;
pub mod change;
pub mod doc;
pub mod export;
pub mod item_merge;
pub mod prefill;
pub mod presence;
pub mod record;
pub mod replica;
pub mod template;
pub mod view;
pub mod wire;
