//! Fires the war-room clocks that have run out: one `TimerFired` event per clock, claimed
//! in the database so that several replicas never fire the same one twice.

use crate::domain::event::EventKind;
use crate::domain::timers::expired;
use crate::error::AppResult;
use crate::server::repo::incidents;
use crate::server::services::incidents::emit;
use crate::server::state::AppState;
use crate::server::time::to_ms;

/// One pass over the active incidents; returns how many clocks fired.
pub async fn fire_due(state: &AppState, at: chrono::DateTime<chrono::Utc>) -> AppResult<usize> {
    let active = {
        let mut conn = state.db.pool().acquire().await?;
        incidents::active(&mut conn).await?
    };
    let mut fired = 0;
    for candidate in active {
        for timer in expired(&candidate, at) {
            // most expired clocks fired long ago: look before taking the write lock
            {
                let mut conn = state.db.pool().acquire().await?;
                if incidents::timer_claimed(&mut conn, candidate.id, timer.kind, to_ms(timer.due_at)).await? {
                    continue;
                }
            }
            let mut tx = state.db.begin(&[crate::domain::log::StreamRef::incident(candidate.id)]).await?;
            // re-read inside the lock: the incident may have moved on
            let Some(incident) = incidents::get(tx.conn(), candidate.id).await? else { continue };
            if !expired(&incident, at).contains(&timer) {
                continue;
            }
            if !incidents::claim_timer(tx.conn(), incident.id, timer.kind, to_ms(timer.due_at)).await? {
                continue;
            }
            let kind = EventKind::TimerFired { timer: timer.kind, due_at: timer.due_at, text: timer.kind.fired_text(timer.minutes) };
            emit(&mut tx, &incident, None, kind).await?;
            tx.commit(&state.hub).await?;
            fired += 1;
        }
    }
    Ok(fired)
}
