//! Stable JSON interfaces others already speak.

pub mod statuspage;
