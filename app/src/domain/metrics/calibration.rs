//! Severity calibration: how often each severity was declared, how often it was changed
//! afterwards (raised or lowered), and the SEV1s that look over-classified — nobody was paged
//! or told, or it was over within minutes. The seeds' "over-classifying severity"
//! anti-pattern, made visible.

use serde::{Deserialize, Serialize};

use super::facts::IncidentFacts;
use crate::domain::ids::IncidentId;
use crate::domain::incident::Severity;

/// A SEV1 resolved within this many minutes of its declaration is worth a second look.
pub const QUICK_SEV1_MINUTES: i64 = 15;

/// One severity: incidents declared at it, and of those how many were later raised (to a
/// more severe level) or lowered, and how many ended at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalibrationRow {
    pub severity: Severity,
    pub declared: usize,
    pub raised: usize,
    pub lowered: usize,
    pub ended: usize,
}

/// Why a SEV1 is worth a second look. One spelling on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Doubt {
    /// Nobody was paged for it or told of it.
    ReachedNobody,
    /// Resolved within [`QUICK_SEV1_MINUTES`] of its declaration.
    OverQuickly,
}

impl Doubt {
    pub fn as_str(self) -> &'static str {
        match self {
            Doubt::ReachedNobody => "reached_nobody",
            Doubt::OverQuickly => "over_quickly",
        }
    }

    pub fn label(self) -> String {
        match self {
            Doubt::ReachedNobody => "nobody was paged or told".into(),
            Doubt::OverQuickly => format!("resolved within {QUICK_SEV1_MINUTES} minutes"),
        }
    }
}

/// A SEV1 worth a second look, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doubtful {
    pub id: IncidentId,
    pub title: String,
    pub doubts: Vec<Doubt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calibration {
    /// Every severity, SEV1 first.
    pub rows: Vec<CalibrationRow>,
    pub doubtful_sev1s: Vec<Doubtful>,
}

/// The calibration of `incidents` (those of the period).
pub fn calibration(incidents: &[&IncidentFacts]) -> Calibration {
    let rows = Severity::ALL
        .into_iter()
        .map(|s| {
            let declared: Vec<&&IncidentFacts> = incidents.iter().filter(|i| i.declared_severity == s).collect();
            // SEV1 orders first: a change to a smaller one is a raise
            CalibrationRow {
                severity: s,
                declared: declared.len(),
                raised: declared.iter().filter(|i| i.severity_changes.iter().any(|(from, to)| to < from)).count(),
                lowered: declared.iter().filter(|i| i.severity_changes.iter().any(|(from, to)| to > from)).count(),
                ended: incidents.iter().filter(|i| i.severity == s).count(),
            }
        })
        .collect();
    let doubtful_sev1s = incidents
        .iter()
        .filter(|i| i.severity == Severity::Sev1)
        .filter_map(|i| {
            let mut doubts = vec![];
            if !i.reached_anyone {
                doubts.push(Doubt::ReachedNobody);
            }
            if i.to_resolve().is_some_and(|d| d.num_minutes() < QUICK_SEV1_MINUTES) {
                doubts.push(Doubt::OverQuickly);
            }
            (!doubts.is_empty()).then(|| Doubtful { id: i.id, title: i.title.clone(), doubts })
        })
        .collect();
    Calibration { rows, doubtful_sev1s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::fixtures::incident;
    use crate::domain::incident::Status;
    use crate::domain::metrics::facts::tests::{alert, ben, declared, ev, moved, paged};
    use crate::domain::metrics::facts::AlertTrace;
    use crate::domain::timers::Audience;

    fn raised(n: i64, at: i64, from: Severity, to: Severity) -> crate::domain::event::IncidentEvent {
        ev(n, at, EventKind::SeverityChanged { from, to, reason: "r".into() })
    }

    /// Hand-computed: 1 declared SEV3, raised to SEV1, paged through its alert, 40 minutes;
    /// 2 declared SEV1, nobody told, over in 5 minutes; 3 declared SEV1, lowered to SEV2;
    /// 4 declared SEV1, its stakeholders told, still open.
    #[test]
    fn severities_declared_and_changed_and_the_sev1s_worth_a_second_look() {
        let read = |n: i64, events: Vec<crate::domain::event::IncidentEvent>, alerts: Vec<AlertTrace>| {
            let i = incident(n, Severity::Sev1, Status::Resolved);
            let facts: Vec<_> = alerts.iter().map(AlertTrace::facts).collect();
            IncidentFacts::read(&i, &events, &facts)
        };
        let one = read(
            1,
            vec![declared(1, 0, Severity::Sev3), raised(1, 5, Severity::Sev3, Severity::Sev1), moved(1, 40, Status::Detected, Status::Resolved)],
            vec![alert(1, "checkout", "Errors", -2, vec![(-1, paged(vec![ben()]))])],
        );
        let two = read(2, vec![declared(2, 0, Severity::Sev1), moved(2, 5, Status::Detected, Status::Resolved)], vec![]);
        let three = read(3, vec![declared(3, 0, Severity::Sev1), raised(3, 2, Severity::Sev1, Severity::Sev2)], vec![]);
        let told = EventKind::NotificationDelivered { audience: Audience::Executives, recipient: "Ada".into() };
        let four = read(4, vec![declared(4, 0, Severity::Sev1), ev(4, 1, told)], vec![]);
        let c = calibration(&[&one, &two, &three, &four]);
        let row = |s: Severity| *c.rows.iter().find(|r| r.severity == s).unwrap();
        assert_eq!(row(Severity::Sev1), CalibrationRow { severity: Severity::Sev1, declared: 3, raised: 0, lowered: 1, ended: 3 });
        assert_eq!(row(Severity::Sev2), CalibrationRow { severity: Severity::Sev2, declared: 0, raised: 0, lowered: 0, ended: 1 });
        assert_eq!(row(Severity::Sev3), CalibrationRow { severity: Severity::Sev3, declared: 1, raised: 1, lowered: 0, ended: 0 });
        assert_eq!(c.doubtful_sev1s.len(), 1, "{:?}", c.doubtful_sev1s);
        assert_eq!(c.doubtful_sev1s[0].id, IncidentId(2));
        assert_eq!(c.doubtful_sev1s[0].doubts, [Doubt::ReachedNobody, Doubt::OverQuickly]);
        assert_eq!(Doubt::OverQuickly.label(), "resolved within 15 minutes");
    }
}
