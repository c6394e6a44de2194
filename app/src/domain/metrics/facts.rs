//! What one incident's log and one alert's log say about the response, read the same way
//! every time: when the problem started, when it was detected, paged, acknowledged,
//! mitigated and resolved, and what the responders made of each alert.
//!
//! The milestones, as the dashboard names them:
//! - **started**: the earliest of the linked alerts' first firing and the detection time the
//!   responder gave when declaring (which defaults to the moment of declaring).
//! - **detected**: when the incident was declared (its `declared` event).
//! - **paged / acknowledged**: the first page of a linked alert that reached somebody, and the
//!   first acknowledgement of a linked alert after it.
//! - **mitigated**: the first move to Mitigating (or straight to Resolved / Follow-up).
//! - **resolved**: the final resolution: a reopened incident counts from when it was resolved
//!   for good, and an incident reopened and still open is not resolved.
//!
//! An incident is counted under its severity at the end (a SEV3 raised to SEV1 is a SEV1);
//! its severity at declaration and every change are kept for the calibration report.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::alert::{AlertChange, Verdict};
use crate::domain::event::{EventKind, IncidentEvent};
use crate::domain::ids::{AlertId, IncidentId};
use crate::domain::incident::{Incident, Severity, Status};
use crate::domain::roles::IncidentRole;

/// An alert's log as the metrics read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertTrace {
    pub id: AlertId,
    /// The service it came in on, by name.
    pub service: String,
    /// What the alert is called: Alertmanager's `alertname`, else its summary. Alerts of one
    /// name are one rule a team may tune.
    pub name: String,
    pub raised_at: DateTime<Utc>,
    /// Its events in the order they happened.
    pub log: Vec<(DateTime<Utc>, AlertChange)>,
}

/// What an alert's log says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertFacts {
    pub id: AlertId,
    pub service: String,
    pub name: String,
    pub raised_at: DateTime<Utc>,
    /// The first page that reached somebody (a step that paged nobody is not a page).
    pub first_page: Option<DateTime<Utc>>,
    pub first_ack: Option<DateTime<Utc>>,
    /// What a responder last said of it.
    pub verdict: Option<Verdict>,
    /// The incidents declared from it.
    pub incidents: Vec<IncidentId>,
}

impl AlertTrace {
    pub fn facts(&self) -> AlertFacts {
        let mut f = AlertFacts {
            id: self.id,
            service: self.service.clone(),
            name: self.name.clone(),
            raised_at: self.raised_at,
            first_page: None,
            first_ack: None,
            verdict: None,
            incidents: vec![],
        };
        for (at, change) in &self.log {
            match change {
                AlertChange::Paged { paged, .. } if !paged.is_empty() => f.first_page = f.first_page.or(Some(*at)),
                AlertChange::Acknowledged { .. } => f.first_ack = f.first_ack.or(Some(*at)),
                AlertChange::Judged { verdict, .. } => f.verdict = Some(*verdict),
                AlertChange::IncidentDeclared { incident, .. } if !f.incidents.contains(incident) => f.incidents.push(*incident),
                _ => {}
            }
        }
        f
    }
}

/// What an incident's log (and its alerts' logs) says about the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFacts {
    pub id: IncidentId,
    pub title: String,
    /// Its severity at the end.
    pub severity: Severity,
    /// Its severity when declared.
    pub declared_severity: Severity,
    /// Every change of severity, in order: (from, to).
    pub severity_changes: Vec<(Severity, Severity)>,
    pub services: Vec<String>,
    pub started_at: DateTime<Utc>,
    pub detected_at: DateTime<Utc>,
    pub first_page: Option<DateTime<Utc>>,
    pub first_ack: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Whether anyone was paged for it or told of it (a linked alert's page, or a delivered
    /// notification).
    pub reached_anyone: bool,
    /// An exercise (in no metric; its times are compared with the real incidents').
    pub drill: bool,
    /// The first role handed to anyone (the team assembling), the first Incident Commander,
    /// and the first stakeholder or public update.
    pub first_role: Option<DateTime<Utc>>,
    pub first_commander: Option<DateTime<Utc>>,
    pub first_update: Option<DateTime<Utc>>,
}

/// The first mitigation, and the final resolution (`None` while it is open again).
pub fn milestones(events: &[IncidentEvent]) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let mut mitigated = None;
    let mut resolved = None;
    for e in events {
        if let EventKind::StatusChanged { to, .. } = &e.kind {
            if to.is_mitigated() && mitigated.is_none() {
                mitigated = Some(e.at);
            }
            match to {
                Status::Resolved => resolved = resolved.or(Some(e.at)),
                Status::FollowUp => {}
                _ => resolved = None,
            }
        }
    }
    (mitigated, resolved)
}

impl IncidentFacts {
    /// `incident` as it stands, its log in order, and the alerts declared into it.
    pub fn read(incident: &Incident, events: &[IncidentEvent], alerts: &[AlertFacts]) -> IncidentFacts {
        let declared = events.iter().find_map(|e| match &e.kind {
            EventKind::Declared { severity, .. } => Some((e.at, *severity)),
            _ => None,
        });
        let (detected_at, declared_severity) = declared.unwrap_or((incident.declared_at, incident.severity));
        let severity_changes: Vec<(Severity, Severity)> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::SeverityChanged { from, to, .. } => Some((*from, *to)),
                _ => None,
            })
            .collect();
        let severity = severity_changes.last().map_or(declared_severity, |(_, to)| *to);
        let first_alert = alerts.iter().map(|a| a.raised_at).min();
        let started_at = first_alert.map_or(incident.detected_at, |a| a.min(incident.detected_at)).min(detected_at);
        let first_page = alerts.iter().filter_map(|a| a.first_page).min();
        // an acknowledgement counts once somebody was paged; before that it answers no page
        let first_ack = first_page.and_then(|p| alerts.iter().filter_map(|a| a.first_ack).filter(|a| *a >= p).min());
        let (mitigated_at, resolved_at) = milestones(events);
        let told = events.iter().any(|e| matches!(e.kind, EventKind::NotificationDelivered { .. }));
        let first = |keep: fn(&EventKind) -> bool| events.iter().find(|e| keep(&e.kind)).map(|e| e.at);
        IncidentFacts {
            id: incident.id,
            title: incident.title.clone(),
            severity,
            declared_severity,
            severity_changes,
            services: incident.services.iter().map(|s| s.name.clone()).collect(),
            started_at,
            detected_at,
            first_page,
            first_ack,
            mitigated_at,
            resolved_at,
            reached_anyone: told || first_page.is_some(),
            drill: incident.drill,
            first_role: first(|k| matches!(k, EventKind::RoleAssigned { .. })),
            first_commander: first(|k| matches!(k, EventKind::RoleAssigned { role: IncidentRole::Commander, .. })),
            first_update: first(|k| matches!(k, EventKind::UpdatePosted { .. } | EventKind::PublicUpdatePosted { .. })),
        }
    }

    /// Problem start to detection.
    pub fn to_detect(&self) -> Duration {
        self.detected_at - self.started_at
    }

    /// First page to first acknowledgement; `None` without both (no alert, nobody paged).
    pub fn to_acknowledge(&self) -> Option<Duration> {
        Some(self.first_ack? - self.first_page?)
    }

    /// Detection to the first mitigation.
    pub fn to_mitigate(&self) -> Option<Duration> {
        self.since_detected(self.mitigated_at)
    }

    /// Detection to `t`, never below zero.
    fn since_detected(&self, t: Option<DateTime<Utc>>) -> Option<Duration> {
        t.map(|t| (t - self.detected_at).max(Duration::zero()))
    }

    /// Detection to the first role handed out: the team assembling.
    pub fn to_assemble(&self) -> Option<Duration> {
        self.since_detected(self.first_role)
    }

    /// Detection to the first Incident Commander.
    pub fn to_commander(&self) -> Option<Duration> {
        self.since_detected(self.first_commander)
    }

    /// Detection to the first stakeholder or public update.
    pub fn to_first_update(&self) -> Option<Duration> {
        self.since_detected(self.first_update)
    }

    /// Detection to the final resolution.
    pub fn to_resolve(&self) -> Option<Duration> {
        self.since_detected(self.resolved_at)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::fixtures::{incident, t0};
    use crate::domain::ids::{EventId, UserId};
    use crate::domain::roles::Person;

    pub fn at(minutes: i64) -> DateTime<Utc> {
        t0() + Duration::minutes(minutes)
    }

    pub fn ben() -> Person {
        Person { id: UserId(1), name: "Ben".into() }
    }

    pub fn ev(incident: i64, minutes: i64, kind: EventKind) -> IncidentEvent {
        IncidentEvent { id: EventId(minutes), incident_id: IncidentId(incident), at: at(minutes), actor: Some(ben()), kind }
    }

    pub fn declared(incident: i64, minutes: i64, severity: Severity) -> IncidentEvent {
        ev(incident, minutes, EventKind::Declared { title: "x".into(), severity, services: vec![], triage: None, drill: false })
    }

    pub fn moved(incident: i64, minutes: i64, from: Status, to: Status) -> IncidentEvent {
        ev(incident, minutes, EventKind::StatusChanged { from, to })
    }

    /// An alert on `service` named `name`, raised at `minutes`, with its log.
    pub fn alert(id: i64, service: &str, name: &str, minutes: i64, log: Vec<(i64, AlertChange)>) -> AlertTrace {
        AlertTrace {
            id: AlertId(id),
            service: service.into(),
            name: name.into(),
            raised_at: at(minutes),
            log: log.into_iter().map(|(m, c)| (at(m), c)).collect(),
        }
    }

    pub fn paged(who: Vec<Person>) -> AlertChange {
        AlertChange::Paged { round: 0, step: 0, paged: who, nobody: vec![], summary: "s".into(), severity: crate::domain::alert::AlertSeverity::Critical }
    }

    pub fn acked() -> AlertChange {
        AlertChange::Acknowledged { by: Some(ben()) }
    }

    pub fn into_incident(id: i64) -> AlertChange {
        AlertChange::IncidentDeclared { incident: IncidentId(id), title: "x".into() }
    }

    pub fn judged(verdict: Verdict) -> AlertChange {
        AlertChange::Judged { verdict, by: ben() }
    }

    #[test]
    fn an_alert_log_reads_as_first_page_first_ack_verdict_and_incidents() {
        let a = alert(
            1,
            "checkout",
            "CheckoutErrors",
            -10,
            vec![
                (-10, paged(vec![])), // nobody on call: not a page
                (-5, paged(vec![ben()])),
                (-3, acked()),
                (-2, acked()),
                (-1, judged(Verdict::Noise)),
                (0, into_incident(7)),
                (1, judged(Verdict::Actionable)),
            ],
        )
        .facts();
        assert_eq!(a.first_page, Some(at(-5)));
        assert_eq!(a.first_ack, Some(at(-3)));
        assert_eq!(a.verdict, Some(Verdict::Actionable), "the last word counts");
        assert_eq!(a.incidents, vec![IncidentId(7)]);
    }

    /// Hand-computed: an alert fires at -12, pages Ben at -10, he acknowledges at -7 and
    /// declares a SEV3 at 0 (detected, by his account, at -8); raised to SEV1 at +5; mitigated
    /// at +20, resolved at +40, reopened at +50, resolved for good at +70.
    #[test]
    fn a_reopened_incident_raised_mid_way_is_measured_from_its_final_resolution() {
        let mut i = incident(1, Severity::Sev1, Status::Resolved);
        i.detected_at = at(-8);
        let events = vec![
            declared(1, 0, Severity::Sev3),
            ev(1, 5, EventKind::SeverityChanged { from: Severity::Sev3, to: Severity::Sev1, reason: "worse".into() }),
            moved(1, 6, Status::Detected, Status::Investigating),
            moved(1, 20, Status::Investigating, Status::Mitigating),
            moved(1, 40, Status::Mitigating, Status::Resolved),
            moved(1, 50, Status::Resolved, Status::Investigating),
            moved(1, 60, Status::Investigating, Status::Mitigating),
            moved(1, 70, Status::Mitigating, Status::Resolved),
            moved(1, 80, Status::Resolved, Status::FollowUp),
        ];
        let a = alert(1, "checkout", "CheckoutErrors", -12, vec![(-10, paged(vec![ben()])), (-7, acked()), (0, into_incident(1))]).facts();
        let f = IncidentFacts::read(&i, &events, &[a]);
        assert_eq!((f.declared_severity, f.severity), (Severity::Sev3, Severity::Sev1));
        assert_eq!(f.severity_changes, vec![(Severity::Sev3, Severity::Sev1)]);
        assert_eq!(f.started_at, at(-12), "the alert fired before the responder's detection time");
        assert_eq!(f.detected_at, at(0));
        assert_eq!(f.to_detect(), Duration::minutes(12));
        assert_eq!(f.to_acknowledge(), Some(Duration::minutes(3)));
        assert_eq!(f.to_mitigate(), Some(Duration::minutes(20)), "the first mitigation");
        assert_eq!(f.to_resolve(), Some(Duration::minutes(70)), "the final resolution");
    }

    #[test]
    fn an_incident_with_no_alert_has_no_acknowledgement_time_and_an_open_one_no_resolution() {
        let mut i = incident(2, Severity::Sev2, Status::Investigating);
        i.detected_at = at(-30);
        let events = vec![
            declared(2, 0, Severity::Sev2),
            moved(2, 3, Status::Detected, Status::Investigating),
            moved(2, 9, Status::Investigating, Status::Resolved),
            moved(2, 12, Status::Resolved, Status::Investigating),
        ];
        let f = IncidentFacts::read(&i, &events, &[]);
        assert_eq!(f.to_detect(), Duration::minutes(30), "from the detection time the responder gave");
        assert_eq!(f.to_acknowledge(), None);
        assert_eq!(f.to_mitigate(), Some(Duration::minutes(9)));
        assert_eq!(f.to_resolve(), None, "reopened and still open");
        assert_eq!(f.severity, Severity::Sev2);
    }

    #[test]
    fn an_acknowledgement_before_anyone_was_paged_is_not_a_response_to_a_page() {
        let i = incident(3, Severity::Sev2, Status::Detected);
        let a = alert(1, "api", "Latency", -5, vec![(-4, acked()), (-1, paged(vec![ben()]))]).facts();
        let f = IncidentFacts::read(&i, &[declared(3, 0, Severity::Sev2)], &[a]);
        assert_eq!(f.first_page, Some(at(-1)));
        assert_eq!(f.to_acknowledge(), None);
    }
}
