//! What a new postmortem starts with, read from the incident's log (and the alerts it came
//! from): the header facts, response times, and the timeline of what mattered — status,
//! severity and role changes, stakeholder and public updates, changes recorded, and alerts
//! fired and acknowledged. A pure function of the events, so the same incident always
//! pre-fills the same way.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::event::{EventKind, IncidentEvent};
use crate::domain::ids::ComponentId;
use crate::domain::incident::{Incident, Severity};
use crate::domain::metrics::facts::milestones;
use crate::domain::roles::IncidentRole;

/// An alert the incident came from, as the pre-fill needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFacts {
    pub summary: String,
    pub raised_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

/// One line of the timeline (times in UTC, as the template asks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub at: DateTime<Utc>,
    pub what: String,
}

/// Detection to each milestone; `None` when it has not happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTimes {
    /// The first alert (or, without one, the detection) to detection.
    pub to_detect: Option<Duration>,
    /// Detection to the first acknowledgement of a page, or to the first Incident Commander.
    pub to_acknowledge: Option<Duration>,
    pub to_mitigate: Option<Duration>,
    pub to_resolve: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    pub title: String,
    pub severity: Severity,
    /// The Incident Commander when it ended (or the last one).
    pub commander: Option<String>,
    pub detected_at: DateTime<Utc>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub times: ResponseTimes,
    pub services: Vec<String>,
    /// Public components named by public updates.
    pub components: Vec<String>,
    pub timeline: Vec<Moment>,
}

/// Whether an event belongs on the postmortem's timeline, and how it reads there.
fn moment(e: &IncidentEvent) -> Option<String> {
    let by = e.actor.as_ref().map(|p| format!(" ({})", p.name)).unwrap_or_default();
    match &e.kind {
        EventKind::Declared { .. }
        | EventKind::SeverityChanged { .. }
        | EventKind::StatusChanged { .. }
        | EventKind::RoleAssigned { .. }
        | EventKind::UpdatePosted { .. }
        | EventKind::ChangeRecorded { .. }
        | EventKind::DataExposureFlagged => Some(format!("{}{by}", e.kind.summary())),
        EventKind::PublicUpdatePosted { update } => Some(format!("Public update \"{}\" ({}){by}", update.title, update.status.as_str())),
        _ => None,
    }
}

/// The pre-fill of `incident` from its log, the alerts it came from, and the public
/// components' names.
pub fn prefill(incident: &Incident, events: &[IncidentEvent], alerts: &[AlertFacts], component_name: &dyn Fn(ComponentId) -> Option<String>) -> Prefill {
    let detected = incident.detected_at;
    let (mitigated_at, resolved_at) = milestones(events);
    let first_alert = alerts.iter().map(|a| a.raised_at).min();
    let first_ack = alerts.iter().filter_map(|a| a.acknowledged_at).min();
    let first_ic = events.iter().find(|e| matches!(&e.kind, EventKind::RoleAssigned { role: IncidentRole::Commander, .. })).map(|e| e.at);
    let since = |t: Option<DateTime<Utc>>| t.map(|t| (t - detected).max(Duration::zero()));
    let times = ResponseTimes {
        to_detect: first_alert.map(|a| (detected - a).max(Duration::zero())),
        to_acknowledge: since(first_ack.or(first_ic)),
        to_mitigate: since(mitigated_at),
        to_resolve: since(resolved_at),
    };
    // the last person handed the role (a release at the end does not unmake them IC)
    let commander = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::RoleAssigned { role: IncidentRole::Commander, person, .. } => Some(person.name.clone()),
        _ => None,
    });
    let mut components: Vec<String> = vec![];
    let mut timeline: Vec<Moment> = events.iter().filter_map(|e| moment(e).map(|what| Moment { at: e.at, what })).collect();
    for e in events {
        if let EventKind::PublicUpdatePosted { update } = &e.kind {
            for c in update.components.iter().filter_map(|(c, _)| component_name(*c)) {
                if !components.contains(&c) {
                    components.push(c);
                }
            }
        }
    }
    // key notes, when they were written and by whom
    for e in events {
        if let EventKind::NoteMarkedKey { note, body } = &e.kind {
            if let Some(n) = events.iter().find(|n| n.id == *note) {
                let by = n.actor.as_ref().map(|p| format!(" ({})", p.name)).unwrap_or_default();
                timeline.push(Moment { at: n.at, what: format!("Key note: {body}{by}") });
            }
        }
    }
    for a in alerts {
        timeline.push(Moment { at: a.raised_at, what: format!("Alert fired: {}", a.summary) });
        if let Some(at) = a.acknowledged_at {
            let by = a.acknowledged_by.as_ref().map(|b| format!(" ({b})")).unwrap_or_default();
            timeline.push(Moment { at, what: format!("Alert acknowledged: {}{by}", a.summary) });
        }
    }
    // in time order; at the same instant, in the order they happened
    timeline.sort_by_key(|m| m.at);
    Prefill {
        title: incident.title.clone(),
        severity: incident.severity,
        commander,
        detected_at: detected,
        mitigated_at,
        resolved_at,
        times,
        services: incident.services.iter().map(|s| s.name.clone()).collect(),
        components,
        timeline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{incident, t0};
    use crate::domain::ids::{EventId, UserId};
    use crate::domain::incident::Status;
    use crate::domain::public_incident::{Impact, PublicStatus, PublicUpdate};
    use crate::domain::roles::Person;
    use crate::domain::status_page::ComponentStatus;

    fn at(minutes: i64) -> DateTime<Utc> {
        t0() + Duration::minutes(minutes)
    }

    fn person(name: &str) -> Person {
        Person { id: UserId(1), name: name.into() }
    }

    fn ev(n: i64, minutes: i64, kind: EventKind) -> IncidentEvent {
        IncidentEvent { id: EventId(n), incident_id: crate::domain::ids::IncidentId(1), at: at(minutes), actor: Some(person("Ben")), kind }
    }

    fn moved(from: Status, to: Status) -> EventKind {
        EventKind::StatusChanged { from, to }
    }

    /// A SEV2 declared at t0 from an alert raised 4 minutes before; Ben takes IC at +2;
    /// mitigated at +20, resolved at +40, reopened at +50 and resolved for good at +70.
    fn story() -> (Incident, Vec<IncidentEvent>, Vec<AlertFacts>) {
        let i = incident(1, Severity::Sev2, Status::Resolved);
        let update = PublicUpdate {
            title: "Checkout errors".into(),
            status: PublicStatus::Investigating,
            body: "We are looking into it.".into(),
            impact: Impact::Major,
            components: vec![(ComponentId(7), ComponentStatus::PartialOutage)],
            previous: vec![],
            public_id: String::new(),
        };
        let events = vec![
            ev(1, 0, EventKind::Declared { title: i.title.clone(), severity: Severity::Sev3, services: vec![], triage: None, drill: false }),
            ev(2, 2, EventKind::RoleAssigned { role: IncidentRole::Commander, person: person("Ben"), from: None }),
            ev(3, 3, moved(Status::Detected, Status::Investigating)),
            ev(4, 4, EventKind::NoteAdded { body: "looking at the logs".into() }),
            ev(5, 5, EventKind::SeverityChanged { from: Severity::Sev3, to: Severity::Sev2, reason: "more customers".into() }),
            ev(6, 6, EventKind::PublicUpdatePosted { update }),
            ev(7, 20, moved(Status::Investigating, Status::Mitigating)),
            ev(8, 40, moved(Status::Mitigating, Status::Resolved)),
            ev(9, 50, moved(Status::Resolved, Status::Investigating)),
            ev(10, 70, moved(Status::Investigating, Status::Resolved)),
        ];
        let alerts = vec![AlertFacts { summary: "Checkout 5xx".into(), raised_at: at(-4), acknowledged_at: Some(at(1)), acknowledged_by: Some("Ben".into()) }];
        (i, events, alerts)
    }

    #[test]
    fn times_count_from_detection_to_the_final_resolution() {
        let (i, events, alerts) = story();
        let p = prefill(&i, &events, &alerts, &|c| (c == ComponentId(7)).then(|| "Checkout".to_string()));
        assert_eq!(p.times.to_detect, Some(Duration::minutes(4)), "alert raised 4 minutes before detection");
        assert_eq!(p.times.to_acknowledge, Some(Duration::minutes(1)));
        assert_eq!(p.times.to_mitigate, Some(Duration::minutes(20)));
        assert_eq!(p.times.to_resolve, Some(Duration::minutes(70)), "a reopened incident counts from its final resolution");
        assert_eq!((p.mitigated_at, p.resolved_at), (Some(at(20)), Some(at(70))));
        assert_eq!(p.commander.as_deref(), Some("Ben"));
        assert_eq!(p.components, ["Checkout"]);
        assert_eq!(p.severity, Severity::Sev2);
    }

    #[test]
    fn the_timeline_keeps_what_matters_in_time_order() {
        let (i, events, alerts) = story();
        let p = prefill(&i, &events, &alerts, &|_| None);
        let whats: Vec<&str> = p.timeline.iter().map(|m| m.what.as_str()).collect();
        assert!(whats[0].starts_with("Alert fired: Checkout 5xx"), "{whats:?}");
        assert!(whats[1].starts_with("Declared"), "{whats:?}");
        assert_eq!(whats[2], "Alert acknowledged: Checkout 5xx (Ben)");
        assert!(!whats.iter().any(|w| w.contains("looking at the logs")), "ordinary notes stay out");
        assert!(whats.iter().any(|w| w.starts_with("Public update \"Checkout errors\" (investigating)")), "{whats:?}");
        assert_eq!(p.timeline.len(), 11);
        assert!(p.timeline.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn a_note_marked_key_is_on_the_timeline_when_it_was_written() {
        let (i, mut events, alerts) = story();
        events.push(ev(11, 71, EventKind::NoteMarkedKey { note: EventId(4), body: "looking at the logs".into() }));
        let p = prefill(&i, &events, &alerts, &|_| None);
        let key: Vec<_> = p.timeline.iter().filter(|m| m.what.starts_with("Key note")).collect();
        assert_eq!(key.len(), 1);
        assert_eq!((key[0].at, key[0].what.as_str()), (at(4), "Key note: looking at the logs (Ben)"));
        assert!(p.timeline.windows(2).all(|w| w[0].at <= w[1].at));
        // a marking of a note that is not in the log adds nothing
        events.push(ev(12, 72, EventKind::NoteMarkedKey { note: EventId(99), body: "elsewhere".into() }));
        assert_eq!(prefill(&i, &events, &alerts, &|_| None).timeline.len(), p.timeline.len());
    }

    #[test]
    fn without_an_alert_acknowledgement_is_the_first_commander() {
        let (i, events, _) = story();
        let p = prefill(&i, &events, &[], &|_| None);
        assert_eq!(p.times.to_detect, None);
        assert_eq!(p.times.to_acknowledge, Some(Duration::minutes(2)));
        // still open: nothing resolved
        let open: Vec<IncidentEvent> = events.into_iter().take(7).collect();
        let p = prefill(&i, &open, &[], &|_| None);
        assert_eq!((p.times.to_mitigate, p.times.to_resolve), (Some(Duration::minutes(20)), None));
    }
}
