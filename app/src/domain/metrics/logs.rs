//! The logs a report is read from, as the store hands them over: incidents with their
//! events, the alerts with theirs, which alert was declared into which incident, and the
//! incidents' postmortems. `Logs::report` turns them into the report.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::drills::drill_times;
use super::facts::{AlertFacts, AlertTrace, IncidentFacts};
use super::period::Period;
use super::report::{report, NearMisses, PostmortemFacts, Report};
use crate::domain::event::IncidentEvent;
use crate::domain::ids::{AlertId, IncidentId};
use crate::domain::incident::Incident;
use crate::domain::postmortem::record::ItemStatus;

/// A postmortem as the store keeps it: when it was last set Complete (if it is), and its
/// action items' status and due day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemLog {
    pub incident: IncidentId,
    pub completed_at: Option<DateTime<Utc>>,
    pub items: Vec<(ItemStatus, Option<NaiveDate>)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Logs {
    /// Each incident with its log, in order.
    pub incidents: Vec<(Incident, Vec<IncidentEvent>)>,
    pub alerts: Vec<AlertTrace>,
    /// Which alert an incident was declared from (or linked to).
    pub links: Vec<(IncidentId, AlertId)>,
    pub postmortems: Vec<PostmortemLog>,
    /// Each near-miss's time, and whether it was declared as an incident.
    pub near_misses: Vec<(DateTime<Utc>, bool)>,
}

impl Logs {
    /// The report for `period`; `today` decides which action items are overdue.
    pub fn report(&self, period: Period, today: NaiveDate) -> Report {
        let alerts: Vec<AlertFacts> = self.alerts.iter().map(AlertTrace::facts).collect();
        let by_id: HashMap<AlertId, &AlertFacts> = alerts.iter().map(|a| (a.id, a)).collect();
        let mut linked: HashMap<IncidentId, Vec<AlertFacts>> = HashMap::new();
        for (incident, alert) in &self.links {
            if let Some(a) = by_id.get(alert) {
                linked.entry(*incident).or_default().push((*a).clone());
            }
        }
        let all: Vec<IncidentFacts> =
            self.incidents.iter().map(|(i, events)| IncidentFacts::read(i, events, linked.get(&i.id).map_or(&[], Vec::as_slice))).collect();
        // drills are exercises: in no metric, only set beside the real incidents
        let incidents: Vec<IncidentFacts> = all.iter().filter(|i| !i.drill).cloned().collect();
        let resolved: HashMap<IncidentId, Option<DateTime<Utc>>> = incidents.iter().map(|i| (i.id, i.resolved_at)).collect();
        let postmortems: Vec<PostmortemFacts> = self
            .postmortems
            .iter()
            .map(|p| PostmortemFacts {
                incident: p.incident,
                resolved_at: resolved.get(&p.incident).copied().flatten(),
                completed_at: p.completed_at,
                items: p.items.clone(),
            })
            .collect();
        let mut r = report(period, &incidents, &alerts, &postmortems, today);
        r.near_misses = NearMisses::count(period, &self.near_misses);
        r.drills = drill_times(period, &all);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::incident;
    use crate::domain::incident::{Severity, Status};
    use crate::domain::metrics::facts::tests::{acked, alert, at, ben, declared, into_incident, moved, paged};
    use crate::domain::metrics::report::GroupBy;
    use chrono::Duration;

    /// An alert declared into an incident gives it its acknowledgement time; the
    /// postmortem's timeliness is measured from the incident's resolution in the log.
    #[test]
    fn the_logs_are_joined_by_their_links() {
        let i = incident(1, Severity::Sev2, Status::Resolved);
        let events = vec![declared(1, 0, Severity::Sev2), moved(1, 30, Status::Detected, Status::Resolved)];
        let logs = Logs {
            incidents: vec![(i, events)],
            alerts: vec![
                alert(1, "checkout", "Errors", -5, vec![(-4, paged(vec![ben()])), (-1, acked()), (0, into_incident(1))]),
                alert(2, "checkout", "Errors", 10, vec![(11, paged(vec![ben()]))]),
            ],
            links: vec![(IncidentId(1), AlertId(1))],
            postmortems: vec![PostmortemLog { incident: IncidentId(1), completed_at: Some(at(30) + Duration::hours(47)), items: vec![] }],
            near_misses: vec![(at(5), false)],
        };
        let r = logs.report(Period { from: at(-60), to: at(60) }, at(0).date_naive());
        let all = r.response.iter().find(|x| x.by == GroupBy::All).unwrap();
        assert_eq!(all.acknowledge.now.unwrap().median_s, 180);
        assert_eq!(all.detect.now.unwrap().median_s, 300);
        assert_eq!((r.follow_through.completed, r.follow_through.completed_in_time), (1, 1));
        let checkout = r.alerts.iter().find(|a| a.by == GroupBy::Service).unwrap();
        assert_eq!((checkout.alerts, checkout.led_to_incident), (2, 1));
        assert_eq!(r.near_misses.recorded, 1);
    }
}
