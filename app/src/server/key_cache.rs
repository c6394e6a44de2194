//! Integration keys in force, kept in memory: monitoring sends every event with one, and
//! finding it in the database was a query (and a trip to a database thread) per request.
//!
//! Only keys in force are kept (a secret nobody issued is looked up every time, so guessing
//! fills nothing). A key leaves the cache when it is revoked: at once on the replica that
//! revoked it, on the others when they hear of it (`server::feed`, by NOTIFY on PostgreSQL),
//! and everywhere at the latest [`KEPT`] after it was looked up — so a revocation this
//! replica did not hear of (another process on the same SQLite file, a notification lost
//! with its connection) holds within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::server::repo::integrations::{self, ActiveKey};
use crate::server::state::AppState;

/// How long a key found in force is trusted without asking the database again.
pub const KEPT: Duration = Duration::from_secs(5);

/// At most this many keys are kept (a team has tens); past it the cache starts again.
const MAX: usize = 10_000;

#[derive(Clone, Default)]
pub struct KeyCache {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    keys: HashMap<String, (ActiveKey, Instant)>,
    /// The revocations heard of (`Hub::key_revocations`) when the cache was last emptied.
    revocations: u64,
}

impl KeyCache {
    /// The key with this secret if it is in force: from memory when it was found less than
    /// [`KEPT`] ago and no revocation was heard of since, else from the database.
    pub async fn find(&self, state: &AppState, secret: &str) -> Result<Option<ActiveKey>, sqlx::Error> {
        let revocations = state.hub.key_revocations();
        let now = Instant::now();
        {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if inner.revocations != revocations {
                inner.keys.clear();
                inner.revocations = revocations;
            }
            if let Some((key, at)) = inner.keys.get(secret) {
                if now.duration_since(*at) < KEPT {
                    return Ok(Some(*key));
                }
            }
        }
        let key = {
            let mut conn = state.db.pool().acquire().await?;
            integrations::find(&mut conn, secret).await?
        };
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // a revocation heard of while the database was asked may be of this very key
        if inner.revocations == revocations && state.hub.key_revocations() == revocations {
            match key {
                Some(k) => {
                    if inner.keys.len() >= MAX {
                        inner.keys.clear();
                    }
                    inner.keys.insert(secret.to_string(), (k, now));
                }
                None => {
                    inner.keys.remove(secret);
                }
            }
        }
        Ok(key)
    }
}
