//! Background jobs. Each claims its work in the database, so replicas can all run them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use app::error::AppResult;
use app::server::services::deliveries::deliver_due;
use app::server::services::maintenance::apply_maintenance_windows;
use app::server::services::paging::page_due;
use app::server::services::timers::fire_due;
use app::server::session_store::DbSessionStore;
use app::server::state::AppState;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Starts the periodic jobs, each in its own task so a slow one (webhooks waiting on their
/// receivers) never holds up another (war-room clocks): fires due war-room clocks, posts due
/// drill injects, sends
/// due webhooks and switches components for maintenance windows, every `interval` until
/// shutdown.
pub fn start(state: &AppState, interval: Duration, shutdown: &CancellationToken) {
    let s = state.clone();
    tokio::spawn(every("war-room clocks", interval, shutdown.clone(), move || {
        let s = s.clone();
        async move { fire_due(&s, chrono::Utc::now()).await }
    }));
    let s = state.clone();
    tokio::spawn(every("drill injects", interval, shutdown.clone(), move || {
        let s = s.clone();
        async move { app::server::services::drills::post_due_injects(&s, chrono::Utc::now()).await }
    }));
    let s = state.clone();
    let wake = state.webhooks.wake.clone();
    tokio::spawn(every_or_when("webhook deliveries", interval, Some(wake), shutdown.clone(), move || {
        let s = s.clone();
        async move { deliver_due(&s, chrono::Utc::now()).await }
    }));
    let s = state.clone();
    let wake = state.paging_wake.clone();
    tokio::spawn(every_or_when("paging", interval, Some(wake), shutdown.clone(), move || {
        let s = s.clone();
        async move { page_due(&s, chrono::Utc::now()).await }
    }));
    let s = state.clone();
    tokio::spawn(every("postmortem deadlines", interval, shutdown.clone(), move || {
        let s = s.clone();
        async move { app::server::services::postmortems::remind_overdue(&s, chrono::Utc::now()).await }
    }));
    let s = state.clone();
    tokio::spawn(every("maintenance windows", interval, shutdown.clone(), move || {
        let s = s.clone();
        async move { apply_maintenance_windows(&s, chrono::Utc::now()).await }
    }));
}

/// Runs `pass` every `interval` (a pass that overruns delays the next) until shutdown;
/// logs what each pass did.
async fn every<F, Fut>(job: &'static str, interval: Duration, shutdown: CancellationToken, pass: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AppResult<usize>>,
{
    every_or_when(job, interval, None, shutdown, pass).await
}

/// As [`every`], and also as soon as `wake` is rung (work queued on this replica).
async fn every_or_when<F, Fut>(job: &'static str, interval: Duration, wake: Option<Arc<Notify>>, shutdown: CancellationToken, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AppResult<usize>>,
{
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = woken(&wake) => {}
            _ = tick.tick() => {}
        }
        match pass().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(job, done = n, "background pass did work"),
            Err(e) => tracing::warn!(job, error = %e, "background pass failed"),
        }
    }
}

async fn woken(wake: &Option<Arc<Notify>>) {
    match wake {
        Some(w) => w.notified().await,
        None => std::future::pending().await,
    }
}

/// Deletes expired sessions hourly.
pub async fn session_cleanup(store: DbSessionStore, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                if let Err(e) = store.delete_expired().await {
                    tracing::warn!(error = %e, "session cleanup failed");
                }
            }
        }
    }
}
