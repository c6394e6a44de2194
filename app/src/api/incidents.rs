//! The incident list, declaring, and everything the war room does.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::domain::event::IncidentEvent;
use crate::domain::ids::{IncidentId, RunbookId, UserId};
use crate::domain::incident::{ChangeKind, DeclareInput, Incident, IncidentList, NoteKind, ServiceRef, Severity, Status};
use crate::domain::roles::IncidentRole;
use crate::domain::war_room::WarRoom;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::api::ssr::caller;
#[cfg(feature = "ssr")]
use crate::server::services::{incidents as svc, war_room};

#[server(endpoint = "incidents/list")]
pub async fn list_incidents() -> Result<IncidentList, AppError> {
    let (state, user) = caller().await?;
    svc::list(&state, user.as_ref()).await
}

#[server(endpoint = "services")]
pub async fn list_services() -> Result<Vec<ServiceRef>, AppError> {
    let (state, user) = caller().await?;
    svc::services(&state, user.as_ref()).await
}

#[server(endpoint = "incidents/declare", input = Json)]
pub async fn declare_incident(input: DeclareInput) -> Result<Incident, AppError> {
    let (state, user) = caller().await?;
    svc::declare(&state, user.as_ref(), input).await
}

#[server(endpoint = "incidents/war-room")]
pub async fn get_war_room(id: IncidentId) -> Result<WarRoom, AppError> {
    let (state, user) = caller().await?;
    war_room::load(&state, user.as_ref(), id).await
}

#[server(endpoint = "incidents/status")]
pub async fn change_status(id: IncidentId, expected: Status, to: Status) -> Result<Incident, AppError> {
    let (state, user) = caller().await?;
    svc::change_status(&state, user.as_ref(), id, expected, to).await
}

#[server(endpoint = "incidents/severity")]
pub async fn change_severity(id: IncidentId, to: Severity, reason: String) -> Result<Incident, AppError> {
    let (state, user) = caller().await?;
    svc::change_severity(&state, user.as_ref(), id, to, &reason).await
}

#[server(endpoint = "incidents/assign")]
pub async fn assign_role(id: IncidentId, role: IncidentRole, user_id: UserId) -> Result<Incident, AppError> {
    let (state, user) = caller().await?;
    svc::assign_role(&state, user.as_ref(), id, role, user_id).await
}

#[server(endpoint = "incidents/release")]
pub async fn release_role(id: IncidentId, role: IncidentRole, user_id: UserId) -> Result<Incident, AppError> {
    let (state, user) = caller().await?;
    svc::release_role(&state, user.as_ref(), id, role, user_id).await
}

#[server(endpoint = "incidents/note")]
pub async fn add_note(id: IncidentId, kind: NoteKind, body: String) -> Result<IncidentEvent, AppError> {
    let (state, user) = caller().await?;
    svc::add_note(&state, user.as_ref(), id, kind, &body).await
}

/// Marks note `note` (an event id of the incident's log) as key.
#[server(endpoint = "incidents/note-key")]
pub async fn mark_key_note(incident: i64, note: i64) -> Result<IncidentEvent, AppError> {
    let (state, user) = caller().await?;
    svc::mark_key_note(&state, user.as_ref(), IncidentId(incident), crate::domain::ids::EventId(note)).await
}

#[server(endpoint = "incidents/change")]
pub async fn record_change(id: IncidentId, change: ChangeKind, description: String, link: String) -> Result<IncidentEvent, AppError> {
    let (state, user) = caller().await?;
    svc::record_change(&state, user.as_ref(), id, change, &description, &link).await
}

#[server(endpoint = "incidents/link")]
pub async fn add_link(id: IncidentId, label: String, url: String) -> Result<IncidentEvent, AppError> {
    let (state, user) = caller().await?;
    svc::add_link(&state, user.as_ref(), id, &label, &url).await
}

#[server(endpoint = "incidents/data-exposure")]
pub async fn flag_data_exposure(id: IncidentId) -> Result<Incident, AppError> {
    let (state, user) = caller().await?;
    svc::flag_data_exposure(&state, user.as_ref(), id).await
}

#[server(endpoint = "incidents/runbook-step")]
pub async fn tick_runbook_step(id: IncidentId, runbook: RunbookId, step: String) -> Result<IncidentEvent, AppError> {
    let (state, user) = caller().await?;
    svc::tick_runbook_step(&state, user.as_ref(), id, runbook, &step).await
}

#[server(endpoint = "incidents/public-update", input = Json)]
pub async fn post_public_update(id: IncidentId, update: crate::domain::status_page::PublicUpdate) -> Result<IncidentEvent, AppError> {
    let (state, user) = caller().await?;
    svc::post_public_update(&state, user.as_ref(), id, update).await
}
