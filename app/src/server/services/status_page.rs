//! The status page: admins define it and its components; responders set component
//! statuses; anyone reads the public snapshot.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::domain::ids::{ComponentId, ServiceId};
use crate::domain::incident::parse_link;
use crate::domain::status_page::{
    arrange, day_bars, overall_uptime, rollup, Component, ComponentInput, ComponentStatus, ComponentView, PageSettings, PublicPage,
    public_incidents, Maintenance, MaintenanceInput, PublicIncident, StatusAdmin,
};
use crate::domain::status_history::{history, HistoryPage, IncidentPage, Month};
use crate::server::db::Db;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{catalog, status};
use crate::server::state::AppState;
use crate::server::time::now;

/// Days of history on the public page.
pub const DAYS: u32 = 90;

fn text(value: &str, what: &str, min: usize, max: usize) -> AppResult<String> {
    let t = value.trim();
    let n = t.chars().count();
    if n < min || n > max || t.chars().any(|c| c.is_control()) {
        return Err(AppError::bad_request(format!("{what} must have {min} to {max} characters.")));
    }
    Ok(t.to_string())
}

fn optional_link(value: &str, what: &str) -> AppResult<String> {
    if value.trim().is_empty() {
        return Ok(String::new());
    }
    parse_link(value).map_err(|e| AppError::bad_request(format!("{what}: {e}")))
}

pub async fn save_settings(state: &AppState, actor: Option<&CurrentUser>, input: PageSettings) -> AppResult<PageSettings> {
    require(actor, Permission::Administer)?;
    let settings = PageSettings {
        name: text(&input.name, "The page name", 1, 100)?,
        public_url: optional_link(&input.public_url, "The public address")?,
        logo_url: optional_link(&input.logo_url, "The logo address")?,
        time_zone: chrono_tz::Tz::from_str(input.time_zone.trim())
            .map(|tz| tz.name().to_string())
            .map_err(|_| AppError::bad_request(format!("{:?} is not a time zone (use an IANA name such as Europe/Berlin).", input.time_zone)))?,
        support_url: optional_link(&input.support_url, "The support address")?,
    };
    let mut conn = state.db.pool().acquire().await?;
    status::save_settings(&mut conn, &settings).await?;
    state.status.invalidate();
    Ok(settings)
}

async fn resolve(conn: &mut sqlx::AnyConnection, input: &ComponentInput) -> AppResult<(Option<crate::domain::ids::GroupId>, Option<ServiceId>)> {
    let group = match input.group.trim() {
        "" => None,
        g => Some(status::group_named(conn, &text(g, "The group name", 1, 100)?).await?),
    };
    let service = match input.service.trim() {
        "" => None,
        slug => Some(catalog::by_slug(conn, slug).await?.ok_or_else(|| AppError::bad_request(format!("Unknown service: {slug:?}.")))?.id),
    };
    Ok((group, service))
}

pub async fn create_component(state: &AppState, actor: Option<&CurrentUser>, input: ComponentInput) -> AppResult<Component> {
    require(actor, Permission::Administer)?;
    let name = text(&input.name, "The component name", 1, 100)?;
    let description = text(&input.description, "The description", 0, 500)?;
    let mut tx = state.db.begin().await?;
    if status::name_taken(tx.conn(), &name, None).await? {
        return Err(AppError::conflict(format!("There is a component named {name:?} already.")));
    }
    let (group, service) = resolve(tx.conn(), &input).await?;
    let new = status::NewComponent { name: &name, description: &description, group, position: input.position, service, status: ComponentStatus::Operational, at: now() };
    let id = status::insert(tx.conn(), &new).await?;
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    tx.commit_quiet().await?;
    state.status.invalidate();
    Ok(c)
}

pub async fn update_component(state: &AppState, actor: Option<&CurrentUser>, id: ComponentId, input: ComponentInput) -> AppResult<Component> {
    require(actor, Permission::Administer)?;
    let name = text(&input.name, "The component name", 1, 100)?;
    let description = text(&input.description, "The description", 0, 500)?;
    let mut tx = state.db.begin().await?;
    if status::name_taken(tx.conn(), &name, Some(id)).await? {
        return Err(AppError::conflict(format!("There is a component named {name:?} already.")));
    }
    let (group, service) = resolve(tx.conn(), &input).await?;
    if !status::update(tx.conn(), id, &name, &description, group, input.position, service, now()).await? {
        return Err(AppError::not_found(format!("There is no component {id}.")));
    }
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    tx.commit_quiet().await?;
    state.status.invalidate();
    Ok(c)
}

/// Sets a component's status (responders do this while working an incident).
pub async fn set_component_status(state: &AppState, actor: Option<&CurrentUser>, id: ComponentId, to: ComponentStatus) -> AppResult<Component> {
    require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin().await?;
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no component {id}.")))?;
    if c.status != to {
        status::set_status(tx.conn(), id, to, now()).await?;
    }
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    tx.commit_quiet().await?;
    state.status.invalidate();
    Ok(c)
}

/// Schedules a maintenance window (responders and admins).
pub async fn schedule_maintenance(state: &AppState, actor: Option<&CurrentUser>, input: MaintenanceInput) -> AppResult<Maintenance> {
    let actor = require(actor, Permission::WorkIncidents)?;
    input.validate(now()).map_err(AppError::bad_request)?;
    let mut tx = state.db.begin().await?;
    for c in &input.components {
        if status::component_by_id(tx.conn(), *c).await?.is_none() {
            return Err(AppError::bad_request(format!("There is no component {c}.")));
        }
    }
    let id = crate::server::repo::maintenances::insert(tx.conn(), &input, actor.id, now()).await?;
    let m = crate::server::repo::maintenances::get(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    tx.commit_quiet().await?;
    state.status.invalidate();
    Ok(m)
}

/// Puts the components of windows that have started under maintenance, and returns those of
/// windows that have ended to operational; each switch happens once (claimed in the
/// database). A component that is not operational when its window starts (it is in an
/// incident) keeps its status; so does one a responder changed during the window.
/// Returns how many components were switched.
pub async fn apply_maintenance_windows(state: &AppState, at: DateTime<Utc>) -> AppResult<usize> {
    use crate::domain::maintenance::Edge;
    use crate::domain::status_page::MaintenancePhase;
    use crate::server::repo::maintenances;
    let windows = {
        let mut conn = state.db.pool().acquire().await?;
        maintenances::recent(&mut conn, 100).await?
    };
    let mut switched = 0;
    for m in windows {
        let (edge, from, to) = match m.phase(at) {
            MaintenancePhase::Scheduled => continue,
            MaintenancePhase::InProgress => (Edge::Start, ComponentStatus::Operational, ComponentStatus::UnderMaintenance),
            MaintenancePhase::Verifying | MaintenancePhase::Completed => (Edge::End, ComponentStatus::UnderMaintenance, ComponentStatus::Operational),
        };
        for c in &m.components {
            {
                // most windows were switched long ago: look before taking the write lock
                let mut conn = state.db.pool().acquire().await?;
                if maintenances::switch_claimed(&mut conn, m.id, *c, edge).await? {
                    continue;
                }
            }
            let mut tx = state.db.begin().await?;
            if !maintenances::claim_switch(tx.conn(), m.id, *c, edge).await? {
                continue; // done meanwhile, on another replica
            }
            // at the end, only a component that was handled at the start goes back (a window
            // that began and ended while nothing ran never switched it)
            let started = edge == Edge::Start || !maintenances::claim_switch(tx.conn(), m.id, *c, Edge::Start).await?;
            let current = status::component_by_id(tx.conn(), *c).await?.map(|comp| comp.status);
            if started && current == Some(from) {
                status::set_status(tx.conn(), *c, to, at).await?;
                switched += 1;
            }
            tx.commit_quiet().await?;
        }
    }
    if switched > 0 {
        state.status.invalidate();
    }
    Ok(switched)
}

/// The internal screen: settings, groups, components and the services they may show.
pub async fn admin_view(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<StatusAdmin> {
    require(actor, Permission::ReadInternal)?;
    let mut tx = state.db.begin_read().await?;
    let view = StatusAdmin {
        settings: status::settings(&mut tx).await?,
        groups: status::groups(&mut tx).await?,
        components: status::components(&mut tx).await?,
        services: catalog::list(&mut tx).await?,
    };
    tx.commit().await?;
    Ok(view)
}

/// What the public page shows at `at`, and every public incident (newest first). Needs no
/// sign-in and reads nothing internal: incidents are built from their public updates alone.
/// Readers get it from the snapshots ([`crate::server::public::StatusSnapshots`]), not here.
pub async fn public_data(db: &Db, at: DateTime<Utc>) -> AppResult<(PublicPage, Vec<PublicIncident>)> {
    let mut tx = db.begin_read().await?;
    let settings = status::settings(&mut tx).await?;
    let groups = status::groups(&mut tx).await?;
    let components = status::components(&mut tx).await?;
    let history = status::history_since(&mut tx, at - Duration::days(DAYS as i64 + 1)).await?;
    let updates = crate::server::repo::events::public_updates(&mut tx).await?;
    let maintenances = crate::server::repo::maintenances::recent(&mut tx, 50).await?;
    tx.commit().await?;
    let all = public_incidents(&updates);
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
    Ok((PublicPage { settings, overall, groups: arrange(&groups, views), incidents, maintenances, generated_at: at, stale: false }, all))
}

/// The public page's calendar date of `t`.
fn page_date(settings: &PageSettings, t: DateTime<Utc>) -> chrono::NaiveDate {
    let tz = chrono_tz::Tz::from_str(&settings.time_zone).unwrap_or(chrono_tz::UTC);
    t.with_timezone(&tz).date_naive()
}

/// One month of public incident history (`YYYY-MM`; the current month when empty), from
/// the snapshot.
pub async fn history_page(state: &AppState, month: Option<&str>) -> AppResult<HistoryPage> {
    let snapshot = state.status.get().await?;
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
    let snapshot = state.status.get().await?;
    let incident = snapshot.incident(id).cloned().ok_or_else(|| AppError::not_found("There is no such incident on this page."))?;
    let components = snapshot
        .page
        .groups
        .iter()
        .flat_map(|g| g.components.iter().map(|v| &v.component))
        .filter(|c| incident.components.contains(&c.id))
        .cloned()
        .collect();
    Ok(IncidentPage { settings: snapshot.page.settings.clone(), incident, components })
}
