//! Reusable view pieces.

pub mod action_items;
pub mod badges;
pub mod bar_chart;
pub mod clock;
pub mod live_text;
pub mod nav;
pub mod pager;
pub mod public_updates;
pub mod theme;
pub mod time;
pub mod timeline;
