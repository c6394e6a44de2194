//! Background jobs. Each claims its work in the database, so replicas can all run them.

use std::time::Duration;

use app::server::services::status_page::apply_maintenance_windows;
use app::server::services::timers::fire_due;
use app::server::services::webhooks::deliver_due;
use app::server::session_store::DbSessionStore;
use app::server::state::AppState;
use tokio_util::sync::CancellationToken;

/// Fires due war-room clocks, sends due webhooks and switches components for maintenance
/// windows, every
/// `interval` until shutdown.
pub async fn timers(state: AppState, interval: Duration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {
                match fire_due(&state, chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(fired = n, "war-room clocks fired"),
                    Err(e) => tracing::warn!(error = %e, "timer pass failed"),
                }
                match deliver_due(&state, chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(delivered = n, "webhooks delivered"),
                    Err(e) => tracing::warn!(error = %e, "webhook pass failed"),
                }
                match apply_maintenance_windows(&state, chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(switched = n, "maintenance windows switched components"),
                    Err(e) => tracing::warn!(error = %e, "maintenance pass failed"),
                }
            }
        }
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
