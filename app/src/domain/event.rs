//! The incident event log: every change to an incident is one event. The war-room timeline,
//! live updates and (later) the postmortem and metrics all read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{EventId, IncidentId, RunbookId, ServiceId};
use super::incident::{ChangeKind, Incident, Severity, Status};
use super::roles::{IncidentRole, Person};
use super::status_page::PublicUpdate;
use super::timers::{Audience, TimerKind};
use super::triage::{Answer, Question};

/// The triage as recorded at declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageRecord {
    pub answers: Vec<(Question, Answer)>,
    pub proposed: Severity,
    pub reason: String,
    pub chosen: Severity,
    /// Why the responder chose another level than the one proposed.
    pub override_reason: Option<String>,
}

/// What happened. Serialised with a `type` tag; the tag is also stored in its own column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Declared {
        title: String,
        severity: Severity,
        services: Vec<ServiceId>,
        triage: Option<TriageRecord>,
        /// Declared as a drill (an exercise).
        #[serde(default)]
        drill: bool,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
        reason: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    RoleAssigned {
        role: IncidentRole,
        person: Person,
        /// Set when the role was handed over from someone.
        from: Option<Person>,
    },
    RoleReleased {
        role: IncidentRole,
        person: Person,
    },
    NoteAdded {
        body: String,
    },
    /// A note marked as key: it goes on the postmortem's timeline.
    NoteMarkedKey {
        note: EventId,
        body: String,
    },
    /// A stakeholder update: resets the update cadence clock.
    UpdatePosted {
        body: String,
    },
    /// An update on the public status page (also resets the update clock). The only kind of
    /// event the public ever sees.
    PublicUpdatePosted {
        update: PublicUpdate,
    },
    ChangeRecorded {
        change: ChangeKind,
        description: String,
        link: Option<String>,
    },
    LinkAdded {
        label: String,
        url: String,
    },
    DataExposureFlagged,
    Notified {
        audience: Audience,
    },
    /// A member of a notified audience was told (in Klaxon, or by a delivery its address
    /// accepted).
    NotificationDelivered {
        audience: Audience,
        recipient: String,
    },
    /// A delivery to a member's address was given up.
    NotificationFailed {
        audience: Audience,
        recipient: String,
        error: String,
    },
    /// An audience was due to be told but has nobody in it.
    AudienceEmpty {
        audience: Audience,
    },
    TimerFired {
        timer: TimerKind,
        due_at: DateTime<Utc>,
        text: String,
    },
    RunbookStepDone {
        runbook: RunbookId,
        step: String,
        title: String,
    },
    /// A drill's scripted inject, posted by Klaxon on schedule (`index` in its scenario).
    DrillInject {
        index: u32,
        at_s: u32,
        text: String,
    },
    /// A drill's retrospective, written or rewritten.
    DrillRetro {
        went_well: String,
        to_improve: String,
    },
}

impl EventKind {
    /// The tag stored in the `kind` column.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Declared { .. } => "declared",
            EventKind::SeverityChanged { .. } => "severity_changed",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::RoleAssigned { .. } => "role_assigned",
            EventKind::RoleReleased { .. } => "role_released",
            EventKind::NoteAdded { .. } => "note_added",
            EventKind::NoteMarkedKey { .. } => "note_marked_key",
            EventKind::UpdatePosted { .. } => "update_posted",
            EventKind::PublicUpdatePosted { .. } => "public_update_posted",
            EventKind::ChangeRecorded { .. } => "change_recorded",
            EventKind::LinkAdded { .. } => "link_added",
            EventKind::DataExposureFlagged => "data_exposure_flagged",
            EventKind::Notified { .. } => "notified",
            EventKind::NotificationDelivered { .. } => "notification_delivered",
            EventKind::NotificationFailed { .. } => "notification_failed",
            EventKind::AudienceEmpty { .. } => "audience_empty",
            EventKind::TimerFired { .. } => "timer_fired",
            EventKind::RunbookStepDone { .. } => "runbook_step_done",
            EventKind::DrillInject { .. } => "drill_inject",
            EventKind::DrillRetro { .. } => "drill_retro",
        }
    }

    /// One line for the timeline.
    pub fn summary(&self) -> String {
        match self {
            EventKind::Declared { title, severity, triage, drill, .. } => {
                let what = if *drill { "DRILL: declared" } else { "Declared" };
                match triage {
                    Some(t) if t.override_reason.is_some() => format!(
                        "{what} \"{title}\" as {severity} (triage proposed {}: {}; chosen because: {})",
                        t.proposed,
                        t.reason,
                        t.override_reason.as_deref().unwrap_or_default()
                    ),
                    Some(t) => format!("{what} \"{title}\" as {severity}: {}", t.reason),
                    None => format!("{what} \"{title}\" as {severity}"),
                }
            }
            EventKind::SeverityChanged { from, to, reason } => format!("Severity {from} → {to}: {reason}"),
            EventKind::StatusChanged { from, to } => format!("Status {from} → {to}"),
            EventKind::RoleAssigned { role, person, from: Some(prev) } => {
                format!("{} handed over from {} to {}", role.label(), prev.name, person.name)
            }
            EventKind::RoleAssigned { role, person, from: None } => {
                format!("{} is now {}", person.name, role.label())
            }
            EventKind::RoleReleased { role, person } => format!("{} is no longer {}", person.name, role.label()),
            EventKind::NoteAdded { body } => body.clone(),
            EventKind::NoteMarkedKey { body, .. } => format!("Marked as key: {body}"),
            EventKind::UpdatePosted { body } => format!("Update: {body}"),
            EventKind::PublicUpdatePosted { update } => format!("Public update ({}): {}", update.status.label(), update.body),
            EventKind::ChangeRecorded { change, description, .. } => {
                format!("Possible cause recorded ({}): {description}", change.label())
            }
            EventKind::LinkAdded { label, .. } => format!("Link added: {label}"),
            EventKind::DataExposureFlagged => "Data exposure flagged".into(),
            EventKind::Notified { audience } => audience.label().into(),
            EventKind::NotificationDelivered { audience, recipient } => format!("{}: told {recipient}", audience.name()),
            EventKind::NotificationFailed { audience, recipient, error } => format!("{}: could not tell {recipient} ({error})", audience.name()),
            EventKind::AudienceEmpty { audience } => format!("{}: nobody is set up to be told (an admin adds people under Audiences)", audience.name()),
            EventKind::TimerFired { text, .. } => text.clone(),
            EventKind::RunbookStepDone { title, .. } => format!("Runbook step done: {title}"),
            EventKind::DrillInject { at_s, text, .. } => format!("DRILL inject {}: {text}", super::drill::label(*at_s)),
            EventKind::DrillRetro { went_well, to_improve } => format!("Drill retrospective — what worked: {went_well} — to improve: {to_improve}"),
        }
    }

    /// Whether the timeline should draw attention to it.
    pub fn is_alert(&self) -> bool {
        matches!(
            self,
            EventKind::TimerFired { .. }
                | EventKind::DrillInject { .. }
                | EventKind::Notified { .. }
                | EventKind::DataExposureFlagged
                | EventKind::NotificationFailed { .. }
                | EventKind::AudienceEmpty { .. }
        )
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentEvent {
    pub id: EventId,
    pub incident_id: IncidentId,
    pub at: DateTime<Utc>,
    /// Who did it; `None` for Klaxon itself (timers).
    pub actor: Option<Person>,
    pub kind: EventKind,
}

/// What a live subscriber receives: the event and the incident as it stands after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub event: IncidentEvent,
    pub incident: Incident,
}

/// A live topic. Parsed from the `/live/{topic}` path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Topic {
    /// The incident list.
    Incidents,
    /// One incident's war room.
    Incident(IncidentId),
    /// What the public status page shows changed (inside the server only: the public live
    /// stream sends the page itself).
    StatusPage,
    /// Every on-call schedule's changes (`/oncall` and the schedules' calendars).
    Schedules,
    /// Every alert's events (the pager on every page, the alerts' pages).
    Alerts,
    /// One postmortem's page: its status, action items and edits.
    Postmortem(crate::domain::ids::PostmortemId),
}

impl Topic {
    pub fn parse(s: &str) -> Option<Topic> {
        match s {
            "incidents" => return Some(Topic::Incidents),
            "schedules" => return Some(Topic::Schedules),
            "alerts" => return Some(Topic::Alerts),
            _ => {}
        }
        let (kind, id) = s.split_once(':')?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || id.len() > 18 {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        match kind {
            "incident" => Some(Topic::Incident(IncidentId(id))),
            "postmortem" => Some(Topic::Postmortem(crate::domain::ids::PostmortemId(id))),
            _ => None,
        }
    }

    pub fn path(&self) -> String {
        match self {
            Topic::Incidents => "incidents".into(),
            Topic::Incident(id) => format!("incident:{id}"),
            Topic::StatusPage => "status_page".into(),
            Topic::Schedules => "schedules".into(),
            Topic::Alerts => "alerts".into(),
            Topic::Postmortem(id) => format!("postmortem:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip() {
        for t in [Topic::Incidents, Topic::Incident(IncidentId(42)), Topic::Schedules, Topic::Alerts, Topic::Postmortem(crate::domain::ids::PostmortemId(7))] {
            assert_eq!(Topic::parse(&t.path()), Some(t));
        }
        assert_eq!(Topic::parse("incident:"), None);
        assert_eq!(Topic::parse("incident:-1"), None);
        assert_eq!(Topic::parse("incident:1x"), None);
        assert_eq!(Topic::parse("status"), None);
        assert_eq!(Topic::parse("alert:1"), None);
    }

    #[test]
    fn kinds_serialise_with_their_tag() {
        let k = EventKind::StatusChanged { from: Status::Investigating, to: Status::Identified };
        let v = serde_json::to_value(&k).unwrap();
        assert_eq!(v["type"], k.name());
        let back: EventKind = serde_json::from_value(v).unwrap();
        assert_eq!(back, k);
        assert_eq!(EventKind::DataExposureFlagged.name(), "data_exposure_flagged");
    }

    #[test]
    fn summaries() {
        let p = |n: &str| Person { id: crate::domain::ids::UserId(1), name: n.into() };
        let k = EventKind::RoleAssigned { role: IncidentRole::Commander, person: p("Bo"), from: Some(p("Ada")) };
        assert_eq!(k.summary(), "Incident Commander handed over from Ada to Bo");
        let k = EventKind::SeverityChanged { from: Severity::Sev3, to: Severity::Sev1, reason: "spreading".into() };
        assert_eq!(k.summary(), "Severity SEV3 → SEV1: spreading");
    }
}
