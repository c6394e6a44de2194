//! Who else is editing a postmortem, and where: each open editor tells the server its caret
//! every [`EVERY_MS`]; an editor not heard from for [`GONE_AFTER_MS`] is no longer shown.

use serde::{Deserialize, Serialize};

/// How often an open editor says where its caret is, in milliseconds.
pub const EVERY_MS: u32 = 1_500;

/// An editor not heard from for this long has left, in milliseconds.
pub const GONE_AFTER_MS: i64 = 8_000;

/// Longest caret an editor may send (a sticky position is a few dozen bytes).
pub const CARET_MAX: usize = 512;

/// Another person's open editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Their editor's document client id.
    pub client: u64,
    pub name: String,
    /// Where their caret is: a position that follows the text (yrs sticky index, base64), or
    /// empty when they have not placed it.
    pub caret: String,
}
