//! Editing a postmortem's text, a CRDT document (yrs): its stored state plus the edits since,
//! each a `postmortem_edited` event on the postmortem's stream (so edits are ordered, reach
//! every replica's live readers, and replay from a cursor). Browsers send their updates here,
//! checked as untrusted input (size, decoding off the async runtime with panics caught, only
//! their own client id, only on what the server has); a browser that missed edits catches up
//! from its state vector; a plain form saves the whole text as the change from the version
//! it started from.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::domain::ids::{PostmortemId, UserId};
use crate::domain::log::{Cursor, StreamRef};
use crate::domain::postmortem::blameless::HintKey;
use crate::domain::postmortem::change::PostmortemChange;
use crate::domain::postmortem::doc::{self, Refusal};
use crate::domain::roles::Person;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::log;
use crate::server::repo::postmortems as repo;
use crate::server::state::AppState;

use super::postmortems::{refuse_if_complete, row};

/// Largest update a browser may send, in bytes.
pub const UPDATE_MAX: usize = 256 * 1024;

/// Edits kept after the stored state before the older ones are folded into it.
pub const FOLD_AT: usize = 150;

/// Edits left after the stored state when folding: a text saved from a version that recent
/// still merges (an older one is refused, with the writer's text given back).
pub const KEEP_UNFOLDED: usize = 50;

/// Folds the oldest edits into the stored state once there are [`FOLD_AT`] (counting the
/// one just appended, which `h` does not hold), in the transaction that appended it.
async fn fold_if_due(tx: &mut crate::server::db::Tx, id: PostmortemId, h: &History) -> AppResult<()> {
    if h.edits.len() + 1 < FOLD_AT {
        return Ok(());
    }
    let fold = h.edits.len() + 1 - KEEP_UNFOLDED;
    let (_, through, _) = &h.edits[fold - 1];
    let d = h.document_through(id, h.edits[fold - 1].0)?;
    repo::set_snapshot(tx.conn(), id, &doc::state(&d), *through).await?;
    Ok(())
}

/// A postmortem's stored document state and what its log holds beyond it: the people who
/// changed it (in the order they first did), its document updates since the stored state (by
/// position in the stream), where the log ends and its last position.
pub(crate) struct History {
    /// The stored document state.
    stored: Vec<u8>,
    pub authors: Vec<String>,
    /// The blameless-language hints dismissed, in the order they were.
    pub dismissed: Vec<HintKey>,
    /// The edits after the stored state: stream position, event id, update.
    pub edits: Vec<(i64, i64, Vec<u8>)>,
    pub cursor: Cursor,
    pub seq: i64,
    /// The stream position the stored state includes everything up to.
    folded: i64,
    /// Who writes as each client id (the first person who did).
    owners: HashMap<u64, UserId>,
}

/// The postmortem's stored state and its log (one read of each).
pub(crate) async fn history(conn: &mut sqlx::AnyConnection, id: PostmortemId) -> AppResult<History> {
    let (stored, through) = repo::snapshot(conn, id).await?.ok_or_else(|| AppError::not_found(format!("There is no postmortem {id}.")))?;
    let mut h = History { stored, authors: vec![], dismissed: vec![], edits: vec![], cursor: Cursor::START, seq: 0, folded: 0, owners: HashMap::new() };
    for r in log::of_stream(conn, StreamRef::postmortem(id)).await? {
        h.cursor = r.cursor;
        h.seq = r.seq;
        if r.id.0 <= through {
            h.folded = r.seq;
        }
        if r.kind == "postmortem_hint_dismissed" {
            // a reader's choice, not a change of the document: its author stays off the list
            if let Ok(PostmortemChange::HintDismissed { hint }) = serde_json::from_str::<PostmortemChange>(&r.payload) {
                if !h.dismissed.contains(&hint) {
                    h.dismissed.push(hint);
                }
            }
            continue;
        }
        if let Some(p) = &r.actor {
            if !h.authors.contains(&p.name) {
                h.authors.push(p.name.clone());
            }
        }
        if r.kind == "postmortem_edited" {
            let Ok(PostmortemChange::Edited { update, client }) = serde_json::from_str::<PostmortemChange>(&r.payload) else { continue };
            if let Some(p) = &r.actor {
                h.owners.entry(client).or_insert(p.id);
            }
            if r.id.0 > through {
                let bytes = BASE64.decode(update).map_err(|_| AppError::internal())?;
                h.edits.push((r.seq, r.id.0, bytes));
            }
        }
    }
    Ok(h)
}

impl History {
    /// The document: the stored state with the edits up to stream position `upto`.
    pub(crate) fn document_through(&self, id: PostmortemId, upto: i64) -> AppResult<yrs::Doc> {
        doc::load(&self.stored, self.edits.iter().filter(|(seq, ..)| *seq <= upto).map(|(.., u)| u.as_slice())).map_err(|e| {
            tracing::error!(postmortem = %id, error = %e.0, "a stored postmortem does not load");
            AppError::internal()
        })
    }

    /// The document as it stands.
    pub(crate) fn document(&self, id: PostmortemId) -> AppResult<yrs::Doc> {
        self.document_through(id, i64::MAX)
    }
}

/// Longest text a postmortem may have, in characters.
pub const TEXT_MAX: usize = 200_000;

/// Saves the text as someone wrote it, starting from the version at stream position `base`:
/// only what they changed is applied, so what others wrote meanwhile stays (the document is a
/// CRDT; the change is merged like any other edit).
pub async fn save_text(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId, base: i64, text: &str) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    if text.chars().count() > TEXT_MAX {
        return Err(AppError::bad_request(format!("text: at most {TEXT_MAX} characters.")));
    }
    // what a browser's form sends has CRLF line ends
    let text = text.replace("\r\n", "\n");
    let mut tx = state.db.begin(&[StreamRef::postmortem(id)]).await?;
    let pm = row(tx.conn(), id).await?;
    refuse_if_complete(&pm)?;
    let h = history(tx.conn(), id).await?;
    if base < 0 || base > h.seq {
        return Err(AppError::bad_request("base: not a version of this postmortem; reload it."));
    }
    if base < h.folded {
        return Err(AppError::conflict("Many edits were made since you opened this postmortem: copy your text, reload, and make your change again."));
    }
    let before = h.document_through(id, base)?;
    let (_, removed, inserted) = doc::diff(&doc::text(&before), &text);
    if removed == 0 && inserted.is_empty() {
        return Ok(());
    }
    // an id nobody else writes as: browsers and saves each take a random one
    let client = rand::random_range(2..(1u64 << 53));
    let update = doc::update_to(&before, &text, client);
    let change = PostmortemChange::Edited { client, update: BASE64.encode(&update) };
    log::append_change(&mut tx, StreamRef::postmortem(id), Some(&Person::from(actor)), change.name(), &change).await?;
    fold_if_due(&mut tx, id, &h).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Applies an update a browser sent as `client`; the stream position the document is at
/// afterwards. A resend of what the server has changes nothing.
pub async fn apply_update(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId, client: u64, update: Vec<u8>) -> AppResult<i64> {
    let actor = require(actor, Permission::WorkIncidents)?;
    if update.len() > UPDATE_MAX {
        return Err(AppError::bad_request(format!("update: at most {} KB.", UPDATE_MAX / 1024)));
    }
    if !(2..1 << 53).contains(&client) {
        return Err(AppError::bad_request("client: a number from 2 to 2^53 - 1."));
    }
    let mut tx = state.db.begin(&[StreamRef::postmortem(id)]).await?;
    let pm = row(tx.conn(), id).await?;
    refuse_if_complete(&pm)?;
    let h = history(tx.conn(), id).await?;
    if h.owners.get(&client).is_some_and(|owner| *owner != actor.id) {
        return Err(AppError::forbidden("client: that client id is someone else's; take a new one."));
    }
    let stored = h.stored.clone();
    let edits: Vec<Vec<u8>> = h.edits.iter().map(|(.., u)| u.clone()).collect();
    let encoded = BASE64.encode(&update);
    // decoding is CPU work on untrusted bytes: off the async runtime, a panic caught
    let checked = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(move || {
            let d = doc::load(&stored, edits.iter().map(Vec::as_slice)).map_err(|e| Refusal::Malformed(e.0))?;
            doc::integrate_checked(&d, client, &update)
        })
    })
    .await
    .map_err(|_| AppError::internal())?;
    let changed = match checked {
        Err(_) => {
            tracing::warn!(postmortem = %id, client, "an update made the document code panic; refused");
            return Err(AppError::bad_request("update: it cannot be applied to this document."));
        }
        Ok(Err(Refusal::Malformed(why))) => return Err(AppError::bad_request(format!("update: not a document update ({why})."))),
        Ok(Err(Refusal::ForeignClient(other))) => return Err(AppError::forbidden(format!("update: it writes as client {other}, not {client}."))),
        Ok(Err(Refusal::NotReady)) => {
            return Err(AppError::conflict("update: it builds on edits the server does not have; catch up from your state vector and send it again."))
        }
        Ok(Ok(changed)) => changed,
    };
    if !changed {
        return Ok(h.seq);
    }
    let change = PostmortemChange::Edited { client, update: encoded };
    let row = log::append_change(&mut tx, StreamRef::postmortem(id), Some(&Person::from(actor)), change.name(), &change).await?;
    fold_if_due(&mut tx, id, &h).await?;
    tx.commit(&state.hub).await?;
    Ok(row.seq)
}

/// The text as it stands.
pub async fn text(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId) -> AppResult<String> {
    require(actor, Permission::ReadInternal)?;
    let h = read_history(state, id).await?;
    Ok(doc::text(&h.document(id)?))
}

/// The history as it stands, read in one transaction of its own.
async fn read_history(state: &AppState, id: PostmortemId) -> AppResult<History> {
    let mut tx = state.db.begin_read().await?;
    let h = history(&mut tx, id).await?;
    tx.commit().await?;
    Ok(h)
}

/// What a browser whose replica is at `state_vector` (v1) lacks, as one update, with the
/// stream position and live cursor it brings it to.
pub async fn catch_up(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId, state_vector: &[u8]) -> AppResult<(Vec<u8>, i64, Cursor)> {
    require(actor, Permission::ReadInternal)?;
    if state_vector.len() > UPDATE_MAX {
        return Err(AppError::bad_request("state_vector: too long."));
    }
    let h = read_history(state, id).await?;
    let d = h.document(id)?;
    let diff = doc::missing(&d, state_vector).map_err(|_| AppError::bad_request("state_vector: not a state vector."))?;
    Ok((diff, h.seq, h.cursor))
}
