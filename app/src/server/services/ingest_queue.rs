//! The queue in front of [`ingest_apply::batch`]: requests put their events in it and wait;
//! one task at a time takes whatever has gathered (at most [`BATCH_MAX`] events) and applies
//! it in one transaction. Nobody waits on purpose: a lone event is applied at once, and a
//! batch is whatever arrived while the one before it was being committed.
//!
//! The task is started by the request that finds the queue idle and stops when the queue is
//! empty, so there is nothing to start at boot; a request that goes away still has its event
//! applied (the task does not belong to any request).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use crate::error::AppError;
use crate::server::state::AppState;

use super::ingest::Refused;
use super::ingest_apply::{self, Job};

/// Events applied in one transaction at most (bounds how long the war room's writers wait).
pub const BATCH_MAX: usize = 48;

struct Waiting {
    job: Job,
    reply: oneshot::Sender<Result<(), Refused>>,
}

#[derive(Default)]
struct Inner {
    waiting: VecDeque<Waiting>,
    /// Whether a task is applying events now.
    draining: bool,
}

/// Events waiting to be applied (cheap to clone: one `Arc`).
#[derive(Clone, Default)]
pub struct IngestQueue(Arc<Mutex<Inner>>);

impl IngestQueue {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        // nothing is held across a panic: the queue is always whole
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies `jobs`, in order (with whatever else is waiting), and gives each one's result.
    pub async fn apply(&self, state: &AppState, jobs: Vec<Job>) -> Vec<Result<(), Refused>> {
        let mut replies = Vec::with_capacity(jobs.len());
        let start = {
            let mut inner = self.inner();
            for job in jobs {
                let (reply, answer) = oneshot::channel();
                inner.waiting.push_back(Waiting { job, reply });
                replies.push(answer);
            }
            !std::mem::replace(&mut inner.draining, true)
        };
        if start {
            tokio::spawn(drain(self.clone(), state.clone()));
        }
        let mut results = Vec::with_capacity(replies.len());
        for answer in replies {
            // a dropped reply: its batch panicked, and nothing of it was stored
            results.push(answer.await.unwrap_or_else(|_| Err(Refused::Failed(AppError::internal()))));
        }
        results
    }
}

async fn drain(queue: IngestQueue, state: AppState) {
    loop {
        let taken: Vec<Waiting> = {
            let mut inner = queue.inner();
            if inner.waiting.is_empty() {
                inner.draining = false;
                return;
            }
            let n = inner.waiting.len().min(BATCH_MAX);
            inner.waiting.drain(..n).collect()
        };
        let (jobs, replies): (Vec<Job>, Vec<_>) = taken.into_iter().map(|w| (w.job, w.reply)).unzip();
        let batch_state = state.clone();
        // a task of its own: a panic fails this batch's requests, not the queue
        let applied = tokio::spawn(async move { ingest_apply::batch(&batch_state, &jobs).await }).await;
        match applied {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    // the request may have gone away; its event stands
                    let _ = reply.send(result);
                }
            }
            Err(e) => tracing::error!(error = %e, "applying a batch of events failed"),
        }
    }
}
