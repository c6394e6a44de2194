//! The war room's read model, shared by the server function and the page.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{EventKind, IncidentEvent, LiveEvent};
use super::ids::EventId;
use super::ids::RunbookId;
use super::incident::Incident;
use super::roles::{Assignment, IncidentRole};
use super::runbook::Runbook;
use super::user::UserSummary;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarRoom {
    pub incident: Incident,
    pub events: Vec<IncidentEvent>,
    /// Where in the log `events` ends; the live stream resumes after it.
    pub cursor: super::log::Cursor,
    pub roles: Vec<Assignment>,
    pub runbooks: Vec<Runbook>,
    pub people: Vec<UserSummary>,
    /// The status page's components (a public update may set their statuses).
    pub components: Vec<super::status_page::Component>,
    /// The alerts it was declared from and what changed recently on its services.
    pub context: super::alert_context::AlertContext,
    /// Its postmortem, once started.
    pub postmortem: Option<super::postmortem::record::PostmortemSummary>,
    /// A drill's scenario, injects and suggested IC (`None`: not a drill).
    pub drill: Option<super::drill::DrillRoom>,
    /// The server's clock when this was read, for "how long ago" without hydration mismatches.
    pub now: DateTime<Utc>,
}

impl WarRoom {
    /// The newest event this view has seen (an incident's event ids grow in its order).
    pub fn last_event_id(&self) -> EventId {
        self.events.last().map(|e| e.id).unwrap_or(EventId(0))
    }

    /// Applies a live event: appends it to the timeline, takes the incident as it stands
    /// after it, and follows role changes. An event already seen is ignored (returns false).
    pub fn apply(&mut self, live: LiveEvent) -> bool {
        if live.event.incident_id != self.incident.id || live.event.id <= self.last_event_id() {
            return false;
        }
        match &live.event.kind {
            EventKind::RoleAssigned { role, person, from } => {
                if let Some(prev) = from {
                    self.roles.retain(|a| !(a.role == *role && a.person.id == prev.id));
                }
                if *role != IncidentRole::Sme {
                    self.roles.retain(|a| a.role != *role);
                }
                self.roles.push(Assignment { role: *role, person: person.clone() });
                self.roles.sort_by(|a, b| a.role.cmp(&b.role).then_with(|| a.person.name.cmp(&b.person.name)));
            }
            EventKind::RoleReleased { role, person } => {
                self.roles.retain(|a| !(a.role == *role && a.person.id == person.id));
            }
            _ => {}
        }
        self.incident = live.incident;
        self.events.push(live.event);
        true
    }

    /// Who holds a role now.
    pub fn holders(&self, role: IncidentRole) -> Vec<&Assignment> {
        self.roles.iter().filter(|a| a.role == role).collect()
    }
}

/// A link shown in the war room's link list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// Links added on the timeline, and the links of recorded changes.
pub fn links(events: &[IncidentEvent]) -> Vec<Link> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::LinkAdded { label, url } => Some(Link { label: label.clone(), url: url.clone() }),
            EventKind::ChangeRecorded { change, description, link: Some(url) } => {
                Some(Link { label: format!("{}: {description}", change.label()), url: url.clone() })
            }
            _ => None,
        })
        .collect()
}

/// The latest public update, if the incident has been made public.
pub fn latest_public(events: &[IncidentEvent]) -> Option<(DateTime<Utc>, super::status_page::PublicUpdate)> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::PublicUpdatePosted { update } => Some((e.at, update.clone())),
        _ => None,
    })
}

/// Where the incident is on the public status page (the opaque id the server put in its
/// public updates), once it has been made public.
pub fn public_page_path(events: &[IncidentEvent]) -> Option<String> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::PublicUpdatePosted { update } if !update.public_id.is_empty() => Some(format!("/status/incidents/{}", update.public_id)),
        _ => None,
    })
}

/// The runbook steps already ticked on this incident.
pub fn ticked(events: &[IncidentEvent]) -> Vec<(RunbookId, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RunbookStepDone { runbook, step, .. } => Some((*runbook, step.clone())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{IncidentId, UserId};
    use crate::domain::incident::{Severity, Status};
    use crate::domain::roles::Person;

    fn incident(status: Status, version: i64) -> Incident {
        let mut i = crate::domain::fixtures::incident(7, Severity::Sev2, status);
        i.version = version;
        i
    }

    fn live(id: i64, kind: EventKind, status: Status) -> LiveEvent {
        let i = incident(status, id);
        LiveEvent { event: IncidentEvent { id: EventId(id), incident_id: i.id, at: i.declared_at, actor: None, kind }, incident: i }
    }

    fn room() -> WarRoom {
        WarRoom {
            incident: incident(Status::Detected, 1),
            events: vec![],
            cursor: Default::default(),
            roles: vec![],
            runbooks: vec![],
            people: vec![],
            components: vec![],
            context: Default::default(),
            postmortem: None,
            drill: None,
            now: Utc::now(),
        }
    }

    #[test]
    fn applies_each_event_once_in_order() {
        let mut w = room();
        let moved = EventKind::StatusChanged { from: Status::Detected, to: Status::Investigating };
        assert!(w.apply(live(5, moved.clone(), Status::Investigating)));
        assert_eq!(w.incident.status, Status::Investigating);
        assert!(!w.apply(live(5, moved.clone(), Status::Investigating)), "duplicate ignored");
        assert!(!w.apply(live(4, moved, Status::Investigating)), "older ignored");
        assert_eq!(w.events.len(), 1);
        assert_eq!(w.last_event_id(), EventId(5));
    }

    #[test]
    fn follows_hand_overs() {
        let mut w = room();
        let ada = Person { id: UserId(1), name: "Ada".into() };
        let bo = Person { id: UserId(2), name: "Bo".into() };
        w.apply(live(1, EventKind::RoleAssigned { role: IncidentRole::Commander, person: ada.clone(), from: None }, Status::Detected));
        w.apply(live(2, EventKind::RoleAssigned { role: IncidentRole::Commander, person: bo.clone(), from: Some(ada.clone()) }, Status::Detected));
        assert_eq!(w.holders(IncidentRole::Commander).iter().map(|a| a.person.name.as_str()).collect::<Vec<_>>(), ["Bo"]);
        w.apply(live(3, EventKind::RoleAssigned { role: IncidentRole::Sme, person: ada.clone(), from: None }, Status::Detected));
        w.apply(live(4, EventKind::RoleAssigned { role: IncidentRole::Sme, person: bo.clone(), from: None }, Status::Detected));
        assert_eq!(w.holders(IncidentRole::Sme).len(), 2);
        w.apply(live(5, EventKind::RoleReleased { role: IncidentRole::Sme, person: ada }, Status::Detected));
        assert_eq!(w.holders(IncidentRole::Sme).len(), 1);
    }

    #[test]
    fn ignores_other_incidents() {
        let mut w = room();
        let mut ev = live(9, EventKind::DataExposureFlagged, Status::Detected);
        ev.event.incident_id = IncidentId(8);
        assert!(!w.apply(ev));
    }

    #[test]
    fn the_public_page_path_uses_the_first_public_update() {
        use crate::domain::status_page::{Impact, PublicStatus, PublicUpdate};
        let update = |status, public_id: &str| EventKind::PublicUpdatePosted {
            update: PublicUpdate {
                title: "T".into(),
                status,
                body: "B".into(),
                impact: Impact::Minor,
                components: vec![],
                previous: vec![],
                public_id: public_id.into(),
            },
        };
        let note = EventKind::NoteAdded { body: "n".into() };
        let events: Vec<IncidentEvent> = vec![live(3, note.clone(), Status::Detected).event];
        assert_eq!(public_page_path(&events), None);
        let events: Vec<IncidentEvent> = [
            live(3, note, Status::Detected),
            live(8, update(PublicStatus::Investigating, "k3xq7bn2mfa4"), Status::Detected),
            live(12, update(PublicStatus::Resolved, "k3xq7bn2mfa4"), Status::Detected),
        ]
        .into_iter()
        .map(|l| l.event)
        .collect();
        assert_eq!(public_page_path(&events).as_deref(), Some("/status/incidents/k3xq7bn2mfa4"));
    }
}
