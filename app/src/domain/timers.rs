//! The war-room clocks: when the next stakeholder update is due, when an unmitigated incident
//! should pull in more responders, and who is told at once. Every rule lives in the tables
//! below; nothing else in Klaxon decides these times.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::incident::{Incident, Severity};

/// A clock that can run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// A stakeholder update is due.
    UpdateDue,
    /// Not mitigated in time: request more responders.
    MitigationOverdue,
}

impl TimerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::UpdateDue => "update_due",
            TimerKind::MitigationOverdue => "mitigation_overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimerKind::UpdateDue => "Next update due",
            TimerKind::MitigationOverdue => "Mitigation deadline",
        }
    }

    /// What the timeline says when the clock runs out.
    pub fn fired_text(self, minutes: i64) -> String {
        match self {
            TimerKind::UpdateDue => format!("Stakeholder update overdue: none posted for {minutes} minutes"),
            TimerKind::MitigationOverdue => {
                format!("{minutes} minutes without mitigation: request more responders")
            }
        }
    }
}

/// What a clock counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The last stakeholder update (declaration counts as the first).
    LastUpdate,
    /// Detection, until the incident is mitigated.
    DetectedUntilMitigated,
}

/// One row of the timer table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerRule {
    pub kind: TimerKind,
    pub severity: Severity,
    pub minutes: i64,
    pub anchor: Anchor,
}

/// The timer table.
pub const TIMER_RULES: [TimerRule; 4] = [
    TimerRule { kind: TimerKind::UpdateDue, severity: Severity::Sev1, minutes: 30, anchor: Anchor::LastUpdate },
    TimerRule { kind: TimerKind::UpdateDue, severity: Severity::Sev2, minutes: 60, anchor: Anchor::LastUpdate },
    TimerRule { kind: TimerKind::MitigationOverdue, severity: Severity::Sev1, minutes: 30, anchor: Anchor::DetectedUntilMitigated },
    TimerRule { kind: TimerKind::MitigationOverdue, severity: Severity::Sev2, minutes: 30, anchor: Anchor::DetectedUntilMitigated },
];

/// Who is told straight away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Executives,
    SecurityAndLegal,
}

impl Audience {
    pub const ALL: [Audience; 2] = [Audience::Executives, Audience::SecurityAndLegal];

    /// The one spelling, in SQL, JSON and forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Executives => "executives",
            Audience::SecurityAndLegal => "security_and_legal",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Who they are, as people say it.
    pub fn name(self) -> &'static str {
        match self {
            Audience::Executives => "Executives",
            Audience::SecurityAndLegal => "Security and Legal",
        }
    }

    /// What the timeline says when they are notified.
    pub fn label(self) -> &'static str {
        match self {
            Audience::Executives => "Executives notified",
            Audience::SecurityAndLegal => "Security and Legal notified",
        }
    }
}

/// Whether an audience is told, given the severity and whether data was exposed.
pub type NotifyWhen = fn(Severity, bool) -> bool;

/// The notification table: an audience and the condition that tells it.
pub const NOTIFY_RULES: [(Audience, NotifyWhen); 2] =
    [(Audience::Executives, |sev, _| sev == Severity::Sev1), (Audience::SecurityAndLegal, |_, data_exposure| data_exposure)];

/// The audiences to tell now, given who has been told already.
pub fn notifications_due(severity: Severity, data_exposure: bool, already: &[Audience]) -> Vec<Audience> {
    NOTIFY_RULES.iter().filter(|(a, cond)| cond(severity, data_exposure) && !already.contains(a)).map(|(a, _)| *a).collect()
}

/// A running clock, as the war room shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub kind: TimerKind,
    pub due_at: DateTime<Utc>,
    pub minutes: i64,
}

impl Timer {
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        now >= self.due_at
    }
}

/// The clocks running for an incident. Resolved incidents have none.
pub fn timers(incident: &Incident) -> Vec<Timer> {
    if !incident.status.is_active() {
        return vec![];
    }
    TIMER_RULES
        .iter()
        .filter(|r| r.severity == incident.severity)
        .filter_map(|r| {
            let from = match r.anchor {
                Anchor::LastUpdate => incident.last_update_at,
                Anchor::DetectedUntilMitigated if incident.status.is_mitigated() => return None,
                Anchor::DetectedUntilMitigated => incident.detected_at,
            };
            Some(Timer { kind: r.kind, due_at: from + Duration::minutes(r.minutes), minutes: r.minutes })
        })
        .collect()
}

/// The clocks that have run out at `now`. Each (kind, due_at) pair fires once: the store
/// records it with a unique key, so several replicas never fire the same clock twice.
pub fn expired(incident: &Incident, now: DateTime<Utc>) -> Vec<Timer> {
    timers(incident).into_iter().filter(|t| t.is_overdue(now)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::Status;

    fn incident(sev: Severity, status: Status) -> Incident {
        let mut i = crate::domain::fixtures::incident(1, sev, status);
        i.declared_at = i.detected_at + Duration::minutes(5);
        i.last_update_at = i.declared_at;
        i
    }

    #[test]
    fn update_cadence_by_severity() {
        let i = incident(Severity::Sev1, Status::Investigating);
        let t = timers(&i);
        let upd = t.iter().find(|t| t.kind == TimerKind::UpdateDue).unwrap();
        assert_eq!(upd.due_at, i.last_update_at + Duration::minutes(30));
        let i2 = incident(Severity::Sev2, Status::Investigating);
        let upd2 = timers(&i2).into_iter().find(|t| t.kind == TimerKind::UpdateDue).unwrap();
        assert_eq!(upd2.due_at, i2.last_update_at + Duration::minutes(60));
        assert!(timers(&incident(Severity::Sev3, Status::Investigating)).is_empty());
        assert!(timers(&incident(Severity::Sev4, Status::Investigating)).is_empty());
    }

    #[test]
    fn mitigation_clock_runs_from_detection_until_mitigated() {
        for sev in [Severity::Sev1, Severity::Sev2] {
            let i = incident(sev, Status::Identified);
            let m = timers(&i).into_iter().find(|t| t.kind == TimerKind::MitigationOverdue).unwrap();
            assert_eq!(m.due_at, i.detected_at + Duration::minutes(30));
            let mitigated = incident(sev, Status::Mitigating);
            assert!(timers(&mitigated).iter().all(|t| t.kind != TimerKind::MitigationOverdue));
        }
    }

    #[test]
    fn resolved_incidents_have_no_clocks() {
        assert!(timers(&incident(Severity::Sev1, Status::Resolved)).is_empty());
        assert!(timers(&incident(Severity::Sev1, Status::FollowUp)).is_empty());
    }

    #[test]
    fn expiry() {
        let i = incident(Severity::Sev1, Status::Investigating);
        assert!(expired(&i, i.detected_at + Duration::minutes(29)).is_empty());
        let at_30 = expired(&i, i.detected_at + Duration::minutes(30));
        assert_eq!(at_30.iter().map(|t| t.kind).collect::<Vec<_>>(), vec![TimerKind::MitigationOverdue]);
        let at_35 = expired(&i, i.detected_at + Duration::minutes(35));
        assert_eq!(at_35.len(), 2);
    }

    #[test]
    fn notifications() {
        use Audience::*;
        assert_eq!(notifications_due(Severity::Sev1, false, &[]), vec![Executives]);
        assert_eq!(notifications_due(Severity::Sev1, false, &[Executives]), vec![]);
        assert_eq!(notifications_due(Severity::Sev2, true, &[]), vec![SecurityAndLegal]);
        assert_eq!(notifications_due(Severity::Sev1, true, &[]), vec![Executives, SecurityAndLegal]);
        assert_eq!(notifications_due(Severity::Sev3, false, &[]), vec![]);
    }
}
