//! Declaring and working incidents. Every function here is one write transaction that
//! changes the incident and appends the events saying so.

use crate::domain::text::{checked, Lines};
use chrono::Duration;

use crate::domain::event::{EventKind, IncidentEvent, TriageRecord};
use crate::domain::ids::{EventId, IncidentId, RunbookId, ServiceId, UserId};
use crate::domain::incident::{check_transition, parse_link, slug, ChangeKind, DeclareInput, Incident, IncidentList, NoteKind, Severity, Status, Title};
use crate::domain::log::StreamRef;
use crate::domain::roles::{plan_assignment, AssignOutcome, IncidentRole, Person};
use crate::domain::timers::{notifications_due, Audience};
use crate::domain::triage::{evaluate, Triage, TREE};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::db::Tx;
use crate::server::repo::{catalog, events, incidents, runbooks, users};
use crate::server::state::AppState;
use crate::server::time::now;

pub const IMPACT_MAX: usize = 2000;
pub const NOTE_MAX: usize = 5000;
pub const REASON_MAX: usize = 500;

/// A multi-line text that must not be empty (see [`checked`]).
fn bounded(text: &str, what: &str, max: usize) -> AppResult<String> {
    checked(text, what, 1, max, Lines::Many).map_err(AppError::bad_request)
}

/// Appends an event to the incident's stream (live readers get it from the log once the
/// transaction commits).
pub(crate) async fn emit(tx: &mut Tx, incident: &Incident, actor: Option<&Person>, kind: EventKind) -> AppResult<IncidentEvent> {
    Ok(events::append(tx, incident.id, now(), actor, kind).await?)
}

/// Begins a write transaction on the incident's stream and reads the incident in it.
async fn open(state: &AppState, id: IncidentId) -> AppResult<(Tx, Incident)> {
    open_with(state, id, &[]).await
}

/// [`open`], also holding the locks of `more` streams.
async fn open_with(state: &AppState, id: IncidentId, more: &[StreamRef]) -> AppResult<(Tx, Incident)> {
    let mut streams = vec![StreamRef::incident(id)];
    streams.extend_from_slice(more);
    let mut tx = state.db.begin(&streams).await?;
    let incident = incidents::get(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no incident {id}.")))?;
    Ok((tx, incident))
}

/// Saves the (changed) incident, bumping its version, and appends the event saying what
/// `actor` did; the caller commits.
async fn record(tx: &mut Tx, incident: &Incident, actor: &CurrentUser, kind: EventKind) -> AppResult<(Incident, IncidentEvent)> {
    let saved = incidents::save(tx.conn(), incident)
        .await?
        .ok_or_else(|| AppError::conflict("Someone else changed this incident at the same moment; reload and try again."))?;
    let ev = emit(tx, &saved, Some(&Person::from(actor)), kind).await?;
    Ok((saved, ev))
}

/// Tells the audiences the incident now calls for and that were not told before (nobody, for
/// a drill: nobody outside it is told).
async fn notify(tx: &mut Tx, incident: &Incident) -> AppResult<()> {
    if incident.drill {
        return Ok(());
    }
    let already: Vec<Audience> = events::for_incident(tx.conn(), incident.id)
        .await?
        .0
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::Notified { audience } => Some(audience),
            _ => None,
        })
        .collect();
    for audience in notifications_due(incident.severity, incident.data_exposure, &already) {
        let notified = emit(tx, incident, None, EventKind::Notified { audience }).await?;
        crate::server::services::notifications::tell(tx, incident, audience, &notified).await?;
    }
    Ok(())
}

pub async fn declare(state: &AppState, actor: Option<&CurrentUser>, input: DeclareInput) -> AppResult<Incident> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let title = Title::parse(&input.title).map_err(AppError::bad_request)?;
    let impact = checked(&input.impact, "The impact", 0, IMPACT_MAX, Lines::Many).map_err(AppError::bad_request)?;
    let at = now();
    let from_alert = match input.alert {
        Some(id) => {
            let mut conn = state.db.pool().acquire().await?;
            Some(crate::server::repo::alerts::row(&mut conn, id).await?.ok_or_else(|| AppError::bad_request(format!("alert: there is no alert {id}.")))?)
        }
        None => None,
    };
    let from_near_miss = match input.near_miss {
        Some(id) => {
            let mut conn = state.db.pool().acquire().await?;
            let found = crate::server::repo::near_misses::get(&mut conn, id)
                .await?
                .ok_or_else(|| AppError::bad_request(format!("near_miss: there is no near-miss {id}.")))?;
            if let Some(incident) = found.incident {
                return Err(AppError::conflict(format!("near_miss: it was declared as incident {incident} already.")));
            }
            Some(found)
        }
        None => None,
    };
    // an incident from an alert was detected when the alert was raised
    let detected_at = input.detected_at.or(from_alert.as_ref().map(|a| a.created_at)).unwrap_or(at);
    if detected_at > at + Duration::minutes(5) {
        return Err(AppError::bad_request("The detection time cannot be in the future."));
    }
    if detected_at < at - Duration::days(30) {
        return Err(AppError::bad_request("The detection time cannot be more than 30 days ago."));
    }
    if input.answers.len() > TREE.len() {
        return Err(AppError::bad_request("There are more triage answers than questions."));
    }
    let (severity, triage) = match (evaluate(&input.answers), input.severity) {
        (Triage::Proposed(p), chosen) => {
            let chosen = chosen.unwrap_or(p.severity);
            let override_reason = match input.override_reason.as_deref().map(str::trim) {
                _ if chosen == p.severity => None,
                Some(r) if !r.is_empty() => Some(bounded(r, "The reason", REASON_MAX)?),
                _ => return Err(AppError::bad_request(format!("The triage proposed {}; say why you chose {chosen}.", p.severity))),
            };
            let answers = TREE.iter().map(|(q, _)| *q).zip(input.answers.iter().copied()).collect();
            (chosen, Some((TriageRecord { answers, proposed: p.severity, reason: p.reason, chosen, override_reason }, p.data_exposure)))
        }
        (Triage::Ask(_), Some(chosen)) => (chosen, None),
        (Triage::Ask(q), None) => return Err(AppError::bad_request(format!("Answer the triage (next: {}) or choose a severity.", q.text()))),
    };
    if input.drill && (input.alert.is_some() || input.near_miss.is_some()) {
        return Err(AppError::bad_request("drill: a drill is an exercise, not declared from a real alert or near-miss."));
    }
    let scenario = match input.scenario {
        Some(_) if !input.drill => return Err(AppError::bad_request("scenario: only a drill runs a scenario.")),
        Some(id) => {
            let mut conn = state.db.pool().acquire().await?;
            Some(
                crate::server::repo::drills::scenario_by_id(&mut conn, id)
                    .await?
                    .ok_or_else(|| AppError::bad_request(format!("scenario: there is no scenario {id}.")))?,
            )
        }
        None => None,
    };
    if input.services.len() > 50 {
        return Err(AppError::bad_request("An incident can affect at most 50 services."));
    }

    // a new stream: nobody else can write to it before this commits
    let alert_stream: Vec<StreamRef> = from_alert.iter().map(|a| StreamRef::alert(a.id)).collect();
    let mut tx = state.db.begin(&alert_stream).await?;
    if let Some(n) = &from_near_miss {
        // before anything is written: of two people declaring it at once, the second stops here
        if !crate::server::repo::near_misses::claim(tx.conn(), n.id).await? {
            return Err(AppError::conflict("near_miss: it was declared as an incident meanwhile."));
        }
    }
    let mut services = Vec::new();
    for s in &input.services {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        let found = catalog::by_slug(tx.conn(), s).await?.ok_or_else(|| AppError::bad_request(format!("Unknown service: {s:?}.")))?;
        if !services.contains(&found) {
            services.push(found);
        }
    }
    // an incident from an alert affects the alert's service
    if let Some(a) = &from_alert {
        if !services.iter().any(|s| s.id == a.service_id) {
            services.push(
                catalog::by_slug(tx.conn(), &a.service_slug).await?.ok_or_else(|| AppError::bad_request(format!("Unknown service: {:?}.", a.service_slug)))?,
            );
        }
    }
    let base = slug(title.as_str(), detected_at);
    let mut candidate = base.clone();
    let mut n = 1;
    while incidents::slug_taken(tx.conn(), &candidate).await? {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    let data_exposure = triage.as_ref().is_some_and(|(_, d)| *d);
    let draft = Incident {
        id: IncidentId(0),
        slug: candidate,
        title: title.as_str().to_string(),
        impact,
        severity,
        status: Status::Detected,
        detected_at,
        declared_at: at,
        mitigated_at: None,
        resolved_at: None,
        last_update_at: at,
        data_exposure,
        services: services.clone(),
        version: 1,
        drill: input.drill,
    };
    let incident = incidents::insert(tx.conn(), &draft, actor.id).await?;
    tx.lock_new(StreamRef::incident(incident.id)).await?;
    let me = Person::from(actor);
    emit(
        &mut tx,
        &incident,
        Some(&me),
        EventKind::Declared {
            title: incident.title.clone(),
            severity,
            services: services.iter().map(|s| s.id).collect(),
            triage: triage.map(|(t, _)| t),
            drill: input.drill,
        },
    )
    .await?;
    if data_exposure {
        emit(&mut tx, &incident, Some(&me), EventKind::DataExposureFlagged).await?;
    }
    if let Some(alert) = &from_alert {
        let link = EventKind::LinkAdded { label: format!("Alert: {}", alert.summary), url: crate::server::services::paging::link(alert.id) };
        emit(&mut tx, &incident, Some(&me), link).await?;
        let change = crate::domain::alert::AlertChange::IncidentDeclared { incident: incident.id, title: incident.title.clone() };
        crate::server::repo::log::append_change(&mut tx, StreamRef::alert(alert.id), Some(&me), change.name(), &change).await?;
        crate::server::repo::alerts::link_incident(tx.conn(), incident.id, alert.id).await?;
    }
    if let Some(n) = &from_near_miss {
        // once only, also when two people declare it at the same moment
        if !crate::server::repo::near_misses::declared_as(tx.conn(), n.id, incident.id).await? {
            return Err(AppError::conflict("near_miss: it was declared as an incident meanwhile."));
        }
        let link = EventKind::LinkAdded { label: format!("Near-miss: {}", n.title), url: format!("/near-misses#near-miss-{}", n.id) };
        emit(&mut tx, &incident, Some(&me), link).await?;
    }
    if incident.drill {
        crate::server::services::drills::start(&mut tx, &incident, scenario.as_ref()).await?;
    }
    notify(&mut tx, &incident).await?;
    tx.commit(&state.hub).await?;
    // notifications to addresses go out at once, not at the queue's next pass
    state.webhooks.wake.notify_one();
    Ok(incident)
}

/// Moves the status; `expected` is the status the responder saw, so that of two people
/// moving the same incident at once exactly one wins.
pub async fn change_status(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, expected: Status, to: Status) -> AppResult<Incident> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let (mut tx, mut incident) = open(state, id).await?;
    if incident.status != expected {
        return Err(AppError::conflict(format!(
            "The status was changed to {} meanwhile; nothing was changed. Look at the timeline and try again.",
            incident.status
        )));
    }
    check_transition(incident.status, to).map_err(|e| AppError::conflict(capitalise(&e.to_string())))?;
    let from = incident.status;
    let at = now();
    incident.status = to;
    match to {
        Status::Investigating | Status::Identified => {
            incident.mitigated_at = None;
            incident.resolved_at = None;
        }
        Status::Mitigating => incident.mitigated_at = incident.mitigated_at.or(Some(at)),
        Status::Resolved => {
            incident.mitigated_at = incident.mitigated_at.or(Some(at));
            incident.resolved_at = Some(at);
        }
        Status::FollowUp | Status::Detected => {}
    }
    let (saved, _) = record(&mut tx, &incident, actor, EventKind::StatusChanged { from, to }).await?;
    if to == Status::Resolved {
        // SEV1-3 get their postmortem (or review) now, pre-filled from the log as it stands
        crate::server::services::postmortems::on_resolved(&mut tx, &saved, at).await?;
    }
    if saved.drill && from.is_active() != to.is_active() {
        // a drill that ends gets no more injects; reopened, the rest follow (those due at once)
        crate::server::services::drills::follow_status(&mut tx, &saved).await?;
    }
    tx.commit(&state.hub).await?;
    Ok(saved)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}

pub async fn change_severity(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, to: Severity, reason: &str) -> AppResult<Incident> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let reason = bounded(reason, "The reason for the change", REASON_MAX)?;
    let (mut tx, mut incident) = open(state, id).await?;
    if incident.severity == to {
        return Err(AppError::conflict(format!("The incident is already {to}.")));
    }
    let from = incident.severity;
    incident.severity = to;
    let (saved, _) = record(&mut tx, &incident, actor, EventKind::SeverityChanged { from, to, reason }).await?;
    notify(&mut tx, &saved).await?;
    tx.commit(&state.hub).await?;
    state.webhooks.wake.notify_one();
    Ok(saved)
}

pub async fn assign_role(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, role: IncidentRole, user: UserId) -> AppResult<Incident> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let (mut tx, incident) = open(state, id).await?;
    let target = users::by_id(tx.conn(), user).await?.filter(|u| u.active).ok_or_else(|| AppError::bad_request(format!("There is no user {user}.")))?;
    let target = Person { id: target.user.id, name: target.user.name };
    let current = incidents::roles(tx.conn(), id).await?;
    let from = match plan_assignment(&current, role, &target) {
        AssignOutcome::AlreadyHeld => return Err(AppError::conflict(format!("{} is already {}.", target.name, role.label()))),
        AssignOutcome::HandedOver { from } => {
            incidents::remove_role(tx.conn(), id, role, from.id).await?;
            Some(from)
        }
        AssignOutcome::Assigned => None,
    };
    incidents::add_role(tx.conn(), id, role, target.id).await?;
    let (saved, _) = record(&mut tx, &incident, actor, EventKind::RoleAssigned { role, person: target, from }).await?;
    tx.commit(&state.hub).await?;
    Ok(saved)
}

pub async fn release_role(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, role: IncidentRole, user: UserId) -> AppResult<Incident> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let (mut tx, incident) = open(state, id).await?;
    let holder = incidents::roles(tx.conn(), id)
        .await?
        .into_iter()
        .find(|a| a.role == role && a.person.id == user)
        .ok_or_else(|| AppError::conflict(format!("User {user} is not {} of this incident.", role.label())))?;
    incidents::remove_role(tx.conn(), id, role, user).await?;
    let (saved, _) = record(&mut tx, &incident, actor, EventKind::RoleReleased { role, person: holder.person }).await?;
    tx.commit(&state.hub).await?;
    Ok(saved)
}

pub async fn add_note(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, kind: NoteKind, body: &str) -> AppResult<IncidentEvent> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let body = bounded(body, "The note", NOTE_MAX)?;
    let (mut tx, mut incident) = open(state, id).await?;
    if kind == NoteKind::Update {
        incident.last_update_at = now();
    }
    let event = match kind {
        NoteKind::Note => EventKind::NoteAdded { body },
        NoteKind::Update => EventKind::UpdatePosted { body },
    };
    let (_, ev) = record(&mut tx, &incident, actor, event).await?;
    tx.commit(&state.hub).await?;
    Ok(ev)
}

pub async fn record_change(
    state: &AppState,
    actor: Option<&CurrentUser>,
    id: IncidentId,
    change: ChangeKind,
    description: &str,
    link: &str,
) -> AppResult<IncidentEvent> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let description = bounded(description, "The description of the change", REASON_MAX)?;
    let link = if link.trim().is_empty() { None } else { Some(parse_link(link).map_err(AppError::bad_request)?) };
    let (mut tx, incident) = open(state, id).await?;
    let (_, ev) = record(&mut tx, &incident, actor, EventKind::ChangeRecorded { change, description, link }).await?;
    tx.commit(&state.hub).await?;
    Ok(ev)
}

/// Marks a note of the incident as key (it goes on the postmortem's timeline).
pub async fn mark_key_note(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, note: EventId) -> AppResult<IncidentEvent> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let (mut tx, incident) = open(state, id).await?;
    let (log, _) = events::for_incident(tx.conn(), id).await?;
    let body = match log.iter().find(|e| e.id == note).map(|e| &e.kind) {
        Some(EventKind::NoteAdded { body }) => body.clone(),
        Some(_) => return Err(AppError::bad_request("note: only a note can be marked as key.")),
        None => return Err(AppError::not_found(format!("This incident has no note {note}."))),
    };
    if log.iter().any(|e| matches!(&e.kind, EventKind::NoteMarkedKey { note: n, .. } if *n == note)) {
        return Err(AppError::conflict("That note is marked as key already."));
    }
    let (_, ev) = record(&mut tx, &incident, actor, EventKind::NoteMarkedKey { note, body }).await?;
    tx.commit(&state.hub).await?;
    Ok(ev)
}

pub async fn add_link(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, label: &str, url: &str) -> AppResult<IncidentEvent> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let label = bounded(label, "The link label", 100)?;
    let url = parse_link(url).map_err(AppError::bad_request)?;
    let (mut tx, incident) = open(state, id).await?;
    let (_, ev) = record(&mut tx, &incident, actor, EventKind::LinkAdded { label, url }).await?;
    tx.commit(&state.hub).await?;
    Ok(ev)
}

pub async fn flag_data_exposure(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId) -> AppResult<Incident> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let (mut tx, mut incident) = open(state, id).await?;
    if incident.data_exposure {
        return Err(AppError::conflict("Data exposure is already flagged on this incident."));
    }
    incident.data_exposure = true;
    let (saved, _) = record(&mut tx, &incident, actor, EventKind::DataExposureFlagged).await?;
    notify(&mut tx, &saved).await?;
    tx.commit(&state.hub).await?;
    state.webhooks.wake.notify_one();
    Ok(saved)
}

pub async fn tick_runbook_step(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, runbook: RunbookId, step: &str) -> AppResult<IncidentEvent> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let (mut tx, incident) = open(state, id).await?;
    let rb = runbooks::get(tx.conn(), runbook).await?.ok_or_else(|| AppError::bad_request(format!("There is no runbook {runbook}.")))?;
    if !incident.services.iter().any(|s| s.id == rb.service_id) {
        return Err(AppError::bad_request("That runbook is not for a service this incident affects."));
    }
    let step_ref = rb.doc.step(step).ok_or_else(|| AppError::bad_request(format!("The runbook has no step {step:?}.")))?;
    let done = events::for_incident(tx.conn(), id)
        .await?
        .0
        .into_iter()
        .any(|e| matches!(&e.kind, EventKind::RunbookStepDone { runbook: r, step: s, .. } if *r == runbook && s == step));
    if done {
        return Err(AppError::conflict(format!("\"{}\" is already ticked.", step_ref.title)));
    }
    let event = EventKind::RunbookStepDone { runbook, step: step_ref.key, title: step_ref.title };
    let (_, ev) = record(&mut tx, &incident, actor, event).await?;
    tx.commit(&state.hub).await?;
    Ok(ev)
}

/// Posts an update to the public status page: sets the statuses of the components it names,
/// resets the update clock and logs the update, all in one transaction.
pub async fn post_public_update(
    state: &AppState,
    actor: Option<&CurrentUser>,
    id: IncidentId,
    mut update: crate::domain::status_page::PublicUpdate,
) -> AppResult<IncidentEvent> {
    let actor = require(actor, Permission::WorkIncidents)?;
    update.validate().map_err(AppError::bad_request)?;
    update.title = update.title.trim().to_string();
    update.body = update.body.trim().to_string();
    // the components it sets belong to the status page
    let (mut tx, mut incident) = open_with(state, id, &[StreamRef::STATUS_PAGE]).await?;
    if incident.drill {
        return Err(AppError::conflict("This is a drill: it never reaches the public status page."));
    }
    let at = now();
    update.previous.clear();
    let known = crate::server::repo::status::statuses(tx.conn(), update.components.iter().map(|(c, _)| *c)).await?;
    for (component, to) in &update.components {
        let Some(before) = known.get(component) else {
            return Err(AppError::bad_request(format!("There is no component {component}.")));
        };
        update.previous.push((*component, *before));
        crate::server::repo::status::set_status(tx.conn(), *component, *to, at).await?;
    }
    incident.last_update_at = at;
    let ids = crate::server::repo::status::public_ids(tx.conn()).await?;
    update.public_id = ids.incident(id.0);
    let (_, ev) = record(&mut tx, &incident, actor, EventKind::PublicUpdatePosted { update: update.clone() }).await?;
    crate::server::services::webhooks::enqueue(tx.conn(), &ids, ev.id, &update, at).await?;
    tx.commit(&state.hub).await?;
    state.status.invalidate();
    state.webhooks.wake.notify_one();
    Ok(ev)
}

/// Services an incident may name, for the declare form.
pub async fn services(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<crate::domain::incident::ServiceRef>> {
    require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(catalog::list(&mut conn).await?)
}

/// The incident list, with the services to filter by and the newest event id.
pub async fn list(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<IncidentList> {
    let me = require(actor, Permission::ReadInternal)?;
    // one snapshot: live updates resume at `cursor`; events the list already shows may come
    // again after it (each carries its incident as it stands, so applying one twice is harmless)
    let mut tx = state.db.begin_read().await?;
    let cursor = crate::server::repo::log::readable_end(&mut tx).await?;
    let incidents = incidents::list(&mut tx, 500).await?;
    let services = catalog::list(&mut tx).await?;
    let at = now();
    let postmortems = crate::server::repo::postmortems::list(&mut tx).await?.iter().filter_map(|p| p.summary(at)).collect();
    let my_items = crate::server::repo::postmortems::open_items_of(&mut tx, me.id).await?;
    tx.commit().await?;
    Ok(IncidentList { incidents, services, postmortems, my_items, cursor, now: at })
}

pub fn service_ids(i: &Incident) -> Vec<ServiceId> {
    i.services.iter().map(|s| s.id).collect()
}
