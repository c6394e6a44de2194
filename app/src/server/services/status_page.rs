//! Defining the status page: admins set it up and its components; responders set
//! component statuses. (What the public reads is in `status_public`; maintenance windows
//! in `maintenance`.)

use crate::domain::log::StreamRef;
use crate::domain::text::{checked, Lines};
use std::str::FromStr;

use crate::domain::ids::{ComponentId, ServiceId};
use crate::domain::incident::parse_link;
use crate::domain::roles::Person;
use crate::domain::status_page::{Component, ComponentInput, ComponentStatus, PageSettings, StatusAdmin};
use crate::domain::status_page_log::StatusPageChange;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{catalog, status};
use crate::server::state::AppState;
use crate::server::time::now;

fn text(value: &str, what: &str, min: usize, max: usize) -> AppResult<String> {
    checked(value, what, min, max, Lines::One).map_err(AppError::bad_request)
}

fn optional_link(value: &str, what: &str) -> AppResult<String> {
    if value.trim().is_empty() {
        return Ok(String::new());
    }
    parse_link(value).map_err(|e| AppError::bad_request(format!("{what}: {e}")))
}

pub async fn save_settings(state: &AppState, actor: Option<&CurrentUser>, input: PageSettings) -> AppResult<PageSettings> {
    let actor = require(actor, Permission::Administer)?;
    let settings = PageSettings {
        name: text(&input.name, "The page name", 1, 100)?,
        public_url: optional_link(&input.public_url, "The public address")?,
        logo_url: optional_link(&input.logo_url, "The logo address")?,
        time_zone: chrono_tz::Tz::from_str(input.time_zone.trim())
            .map(|tz| tz.name().to_string())
            .map_err(|_| AppError::bad_request(format!("{:?} is not a time zone (use an IANA name such as Europe/Berlin).", input.time_zone)))?,
        support_url: optional_link(&input.support_url, "The support address")?,
    };
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    status::save_settings(tx.conn(), &settings).await?;
    status::record_change(&mut tx, Some(&Person::from(actor)), &StatusPageChange::SettingsSaved { name: settings.name.clone() }).await?;
    tx.commit(&state.hub).await?;
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
    let actor = require(actor, Permission::Administer)?;
    let name = text(&input.name, "The component name", 1, 100)?;
    let description = text(&input.description, "The description", 0, 500)?;
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    if status::name_taken(tx.conn(), &name, None).await? {
        return Err(AppError::conflict(format!("There is a component named {name:?} already.")));
    }
    let (group, service) = resolve(tx.conn(), &input).await?;
    let new = status::NewComponent {
        name: &name,
        description: &description,
        group,
        position: input.position,
        service,
        status: ComponentStatus::Operational,
        at: now(),
    };
    let id = status::insert(tx.conn(), &new).await?;
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    status::record_change(&mut tx, Some(&Person::from(actor)), &StatusPageChange::ComponentAdded { component: c.id, name: c.name.clone() }).await?;
    tx.commit(&state.hub).await?;
    state.status.invalidate();
    Ok(c)
}

pub async fn update_component(state: &AppState, actor: Option<&CurrentUser>, id: ComponentId, input: ComponentInput) -> AppResult<Component> {
    let actor = require(actor, Permission::Administer)?;
    let name = text(&input.name, "The component name", 1, 100)?;
    let description = text(&input.description, "The description", 0, 500)?;
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    if status::name_taken(tx.conn(), &name, Some(id)).await? {
        return Err(AppError::conflict(format!("There is a component named {name:?} already.")));
    }
    let (group, service) = resolve(tx.conn(), &input).await?;
    let edit = status::ComponentEdit { name: &name, description: &description, group, position: input.position, service, at: now() };
    if !status::update(tx.conn(), id, &edit).await? {
        return Err(AppError::not_found(format!("There is no component {id}.")));
    }
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    status::record_change(&mut tx, Some(&Person::from(actor)), &StatusPageChange::ComponentEdited { component: c.id, name: c.name.clone() }).await?;
    tx.commit(&state.hub).await?;
    state.status.invalidate();
    Ok(c)
}

/// Sets a component's status (responders do this while working an incident).
pub async fn set_component_status(state: &AppState, actor: Option<&CurrentUser>, id: ComponentId, to: ComponentStatus) -> AppResult<Component> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::STATUS_PAGE]).await?;
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no component {id}.")))?;
    if c.status == to {
        return Ok(c);
    }
    status::set_status(tx.conn(), id, to, now()).await?;
    let change = StatusPageChange::ComponentStatusChanged { component: id, name: c.name.clone(), from: c.status, to };
    status::record_change(&mut tx, Some(&Person::from(actor)), &change).await?;
    let c = status::component_by_id(tx.conn(), id).await?.ok_or_else(AppError::internal)?;
    tx.commit(&state.hub).await?;
    state.status.invalidate();
    Ok(c)
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
