//! What the public reads: the status page's data (built into snapshots), its history by
//! month, and each public incident's page. Needs no sign-in and reads nothing internal.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::domain::log::Seen;
use crate::domain::status_history::{history, HistoryPage, IncidentPage, Month};
use crate::domain::status_page::{arrange, day_bars, overall_uptime, public_incidents, rollup, ComponentView, PageSettings, PublicIncident, PublicPage};
use crate::error::{AppError, AppResult};
use crate::server::db::Db;
use crate::server::repo::status;
use crate::server::state::AppState;
use crate::server::time::now;

/// Days of history on the public page.
pub const DAYS: u32 = 90;

/// What the public page shows at `at`, every public incident (newest first), and which
/// events of the log it was read with. Needs no sign-in and reads
/// nothing internal: incidents are built from their public updates alone. Readers get it
/// from the snapshots ([`crate::server::public::StatusSnapshots`]), not here.
pub async fn public_data(db: &Db, at: DateTime<Utc>) -> AppResult<(PublicPage, Vec<PublicIncident>, Seen)> {
    let mut tx = db.begin_read().await?;
    let seen = crate::server::repo::log::seen(&mut tx).await?;
    let settings = status::settings(&mut tx).await?;
    let ids = status::public_ids(&mut tx).await?;
    let groups = status::groups(&mut tx).await?;
    let components = status::components(&mut tx).await?;
    let history = status::history_since(&mut tx, at - Duration::days(DAYS as i64 + 1)).await?;
    let updates = crate::server::repo::events::public_updates(&mut tx).await?;
    let maintenances = crate::server::repo::maintenances::recent(&mut tx, 50).await?;
    tx.commit().await?;
    let all = public_incidents(&ids, &updates);
    let incidents = all.iter().take(50).cloned().collect();
    let tz = chrono_tz::Tz::from_str(&settings.time_zone).unwrap_or(chrono_tz::UTC);
    let views: Vec<ComponentView> = components
        .into_iter()
        .map(|component| {
            let days = day_bars(history.get(&component.id).map(Vec::as_slice).unwrap_or(&[]), at, &tz, DAYS);
            let uptime = overall_uptime(&days);
            ComponentView { component, days, uptime }
        })
        .collect();
    let overall = rollup(&views.iter().map(|v| v.component.status).collect::<Vec<_>>());
    Ok((PublicPage { settings, overall, groups: arrange(&groups, views), incidents, maintenances, generated_at: at, stale: false }, all, seen))
}

/// The public page's calendar date of `t`.
fn page_date(settings: &PageSettings, t: DateTime<Utc>) -> chrono::NaiveDate {
    let tz = chrono_tz::Tz::from_str(&settings.time_zone).unwrap_or(chrono_tz::UTC);
    t.with_timezone(&tz).date_naive()
}

/// One month of public incident history (`YYYY-MM`; the current month when empty), from
/// the snapshot.
pub async fn history_page(state: &AppState, month: Option<&str>) -> AppResult<HistoryPage> {
    let snapshot = crate::server::public::page_snapshot(state).await?;
    let settings = &snapshot.page.settings;
    let today = page_date(settings, now());
    let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Month::parse(m).map_err(AppError::bad_request)?,
        None => Month::of(today),
    };
    Ok(history(settings.clone(), &snapshot.incidents, month, today, |t| page_date(settings, t)))
}

/// A public incident's own page, from the snapshot.
pub async fn incident_page(state: &AppState, id: &str) -> AppResult<IncidentPage> {
    let snapshot = crate::server::public::page_snapshot(state).await?;
    let incident = snapshot.incident(id).cloned().ok_or_else(|| AppError::not_found("There is no such incident on this page."))?;
    let components =
        snapshot.page.groups.iter().flat_map(|g| g.components.iter().map(|v| &v.component)).filter(|c| incident.components.contains(&c.id)).cloned().collect();
    Ok(IncidentPage { settings: snapshot.page.settings.clone(), incident, components })
}
