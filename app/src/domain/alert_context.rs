//! What the war room shows of where an incident came from: the alerts it was declared from,
//! each with its log; the affected services' recent changes ("what changed recently?" is the
//! first question a responder asks); and the alerts that arrived without context (their
//! service has no runbook, a known anti-pattern).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::alert::{AlertLog, AlertRow};
use super::ids::ServiceId;
use super::runbook::Runbook;

/// How far before detection changes are shown.
pub fn lookback() -> Duration {
    Duration::hours(24)
}

/// A change this close before detection is a likely suspect, and marked so.
pub fn suspect_window() -> Duration {
    Duration::hours(1)
}

/// At most this many changes from before detection are shown, newest first…
pub const CHANGES_SHOWN: usize = 20;
/// …and at most this many from after it (rollbacks, flag flips during the response).
pub const CHANGES_AFTER: usize = 10;

/// An alert the incident was declared from, with its log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedAlert {
    pub alert: AlertRow,
    pub log: AlertLog,
    /// Whether its service has a runbook.
    pub runbook: bool,
}

/// A change recorded on a service (a deploy, a flag flipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentChange {
    pub service: String,
    pub summary: String,
    pub source: Option<String>,
    pub at: DateTime<Utc>,
    /// Shortly before detection: a likely suspect.
    pub suspect: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertContext {
    pub alerts: Vec<LinkedAlert>,
    pub changes: Vec<RecentChange>,
}

impl AlertContext {
    /// Builds the context: each alert marked with whether its service has a runbook; the
    /// changes newest first, at most [`CHANGES_SHOWN`] from before `detected_at` and
    /// [`CHANGES_AFTER`] from after, those shortly before it marked as suspects.
    pub fn new(alerts: Vec<(AlertRow, AlertLog)>, runbooks: &[Runbook], changes: Vec<RecentChange>, detected_at: DateTime<Utc>) -> AlertContext {
        let alerts = alerts
            .into_iter()
            .map(|(alert, log)| {
                let runbook = runbooks.iter().any(|r| r.service_id == alert.service_id);
                LinkedAlert { alert, log, runbook }
            })
            .collect();
        // the newest before detection and the newest after, each list cut on its own, so a
        // busy incident's rollbacks never push the likely causes off the list
        let (mut before, mut after): (Vec<RecentChange>, Vec<RecentChange>) = changes.into_iter().partition(|c| c.at <= detected_at);
        before.sort_by_key(|c| std::cmp::Reverse(c.at));
        after.sort_by_key(|c| std::cmp::Reverse(c.at));
        before.truncate(CHANGES_SHOWN);
        after.truncate(CHANGES_AFTER);
        let mut changes = after;
        changes.extend(before);
        for c in &mut changes {
            c.suspect = c.at <= detected_at && detected_at - c.at <= suspect_window();
        }
        AlertContext { alerts, changes }
    }

    /// The services whose alerts arrived with no runbook to follow, each named once.
    pub fn without_runbook(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for a in self.alerts.iter().filter(|a| !a.runbook) {
            if !names.contains(&a.alert.service) {
                names.push(a.alert.service.clone());
            }
        }
        names
    }

    /// The services to read changes and runbooks of, beyond the incident's own.
    pub fn alert_services(alerts: &[AlertRow]) -> Vec<ServiceId> {
        let mut ids: Vec<ServiceId> = alerts.iter().map(|a| a.service_id).collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::{AlertSeverity, AlertState};
    use crate::domain::ids::{AlertId, RunbookId};

    fn alert(id: i64, service: i64, name: &str) -> AlertRow {
        AlertRow {
            id: AlertId(id),
            service_id: ServiceId(service),
            service: name.into(),
            service_slug: name.to_lowercase(),
            summary: format!("alert {id}"),
            source: "prometheus".into(),
            dedup_key: format!("k{id}"),
            severity: AlertSeverity::Critical,
            state: AlertState::Acknowledged,
            created_at: Utc::now(),
            verdict: None,
        }
    }

    fn change(minutes_before: i64, detected: DateTime<Utc>) -> RecentChange {
        RecentChange {
            service: "Checkout".into(),
            summary: format!("deploy {minutes_before}"),
            source: None,
            at: detected - Duration::minutes(minutes_before),
            suspect: false,
        }
    }

    #[test]
    fn alerts_without_a_runbook_are_named_once() {
        let runbook = Runbook { id: RunbookId(1), service_id: ServiceId(1), doc: crate::domain::fixtures::runbook_doc() };
        let c = AlertContext::new(
            vec![(alert(1, 1, "Checkout"), vec![]), (alert(2, 2, "Search"), vec![]), (alert(3, 2, "Search"), vec![])],
            &[runbook],
            vec![],
            Utc::now(),
        );
        assert_eq!(c.alerts.iter().map(|a| a.runbook).collect::<Vec<_>>(), [true, false, false]);
        assert_eq!(c.without_runbook(), ["Search"]);
        let none = AlertContext::new(vec![(alert(1, 1, "Checkout"), vec![])], &[], vec![], Utc::now());
        assert_eq!(none.without_runbook(), ["Checkout"]);
        assert!(AlertContext::default().without_runbook().is_empty(), "an incident from no alert has nothing to flag");
        assert_eq!(AlertContext::alert_services(&[alert(1, 2, "S"), alert(2, 1, "C"), alert(3, 2, "S")]), [ServiceId(1), ServiceId(2)]);
    }

    #[test]
    fn changes_come_newest_first_with_the_suspects_marked() {
        let detected = Utc::now();
        let mut all: Vec<RecentChange> = [300, 5, 61, 60, 0, -10].into_iter().map(|m| change(m, detected)).collect();
        all.extend((0..30).map(|i| change(600 + i, detected)));
        let mut busy = all.clone();
        busy.extend((11..=25).map(|i| change(-i, detected)));
        let c = AlertContext::new(vec![], &[], busy, detected);
        assert_eq!(c.changes.len(), CHANGES_SHOWN + CHANGES_AFTER, "16 after detection, cut to 10; 35 before, cut to 20");
        assert!(c.changes.iter().filter(|c| c.suspect).count() == 3, "the suspects survive a busy response");
        let c = AlertContext::new(vec![], &[], all, detected);
        let firsts: Vec<(&str, bool)> = c.changes.iter().take(6).map(|c| (c.summary.as_str(), c.suspect)).collect();
        assert_eq!(
            firsts,
            [("deploy -10", false), ("deploy 0", true), ("deploy 5", true), ("deploy 60", true), ("deploy 61", false), ("deploy 300", false)],
            "after detection is not a suspect; up to an hour before is"
        );
        assert!(c.changes.windows(2).all(|w| w[0].at >= w[1].at));
    }
}
