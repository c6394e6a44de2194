//! The month's review in numbers: response times by severity and by service with the trend
//! against the period before, how often incidents happened, which alerts led somewhere and
//! which were noise, and whether postmortems and their action items were followed through.
//! Everything is computed from the facts the logs give (`facts`), never typed in.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calibration::{calibration, Calibration};
use super::drills::DrillTimes;
use super::facts::{AlertFacts, IncidentFacts};
use super::period::Period;
use super::stats::{Stat, Trend};
use crate::domain::alert::Verdict;
use crate::domain::ids::IncidentId;
use crate::domain::incident::Severity;
use crate::domain::postmortem::record::{ItemStatus, DUE_AFTER_HOURS};

/// What a row of the report groups by. One spelling on the wire and in the CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    All,
    Severity,
    Service,
    /// Alerts of one name (Alertmanager's `alertname`, else the summary).
    AlertName,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::All => "all",
            GroupBy::Severity => "severity",
            GroupBy::Service => "service",
            GroupBy::AlertName => "alert_name",
        }
    }
}

/// One response time in this period and the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub now: Option<Stat>,
    pub before: Option<Stat>,
    /// The median's move (for response times, down is better).
    pub trend: Trend,
}

impl Measure {
    fn of(now: &[Duration], before: &[Duration]) -> Measure {
        let (now, before) = (Stat::of(now), Stat::of(before));
        Measure { now, before, trend: Trend::between(before.map(|s| s.median_s), now.map(|s| s.median_s)) }
    }
}

/// How a group of incidents was responded to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRow {
    pub by: GroupBy,
    /// "All", "SEV2", or the service's name.
    pub name: String,
    /// Incidents detected in the period, and in the one before.
    pub incidents: usize,
    pub incidents_before: usize,
    /// MTTD: problem start to detection.
    pub detect: Measure,
    /// MTTA: first page to first acknowledgement.
    pub acknowledge: Measure,
    /// Detection to mitigation.
    pub mitigate: Measure,
    /// MTTR: detection to resolution.
    pub resolve: Measure,
}

/// Which alerts of a service, or of one name, led somewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    pub by: GroupBy,
    pub name: String,
    pub alerts: usize,
    /// Alerts an incident was declared from.
    pub led_to_incident: usize,
    /// Distinct incidents declared from them.
    pub incidents: usize,
    pub actionable: usize,
    pub noise: usize,
}

impl AlertRow {
    /// Actionable alerts as a share of those judged, in percent; `None` when none was judged.
    pub fn accuracy_percent(&self) -> Option<usize> {
        let judged = self.actionable + self.noise;
        (judged > 0).then(|| (self.actionable * 100 + judged / 2) / judged)
    }

    /// Alerts per incident declared from them, to one decimal ("3.5"); `None` without one.
    pub fn per_incident(&self) -> Option<String> {
        (self.incidents > 0).then(|| {
            let tenths = (self.led_to_incident * 10 + self.incidents / 2) / self.incidents;
            format!("{}.{}", tenths / 10, tenths % 10)
        })
    }
}

/// A postmortem as follow-through reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemFacts {
    pub incident: IncidentId,
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was last set Complete (and not reopened since).
    pub completed_at: Option<DateTime<Utc>>,
    /// Its action items: status and due day.
    pub items: Vec<(ItemStatus, Option<NaiveDate>)>,
}

/// Whether postmortems were written in time and their action items done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowThrough {
    pub postmortems: usize,
    pub completed: usize,
    /// Completed within 48 hours of the incident's resolution.
    pub completed_in_time: usize,
    pub items_open: usize,
    /// Not done, and past their due day.
    pub items_overdue: usize,
    pub items_done: usize,
}

/// Near-misses recorded (by when they happened) in the period and the one before, and how
/// many of the period's were declared as incidents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMisses {
    pub recorded: usize,
    pub declared: usize,
    pub recorded_before: usize,
}

impl NearMisses {
    /// From each near-miss's time and whether it was declared as an incident.
    pub fn count(period: Period, near_misses: &[(DateTime<Utc>, bool)]) -> NearMisses {
        let previous = period.previous();
        let now: Vec<bool> = near_misses.iter().filter(|(at, _)| period.contains(*at)).map(|(_, d)| *d).collect();
        NearMisses {
            recorded: now.len(),
            declared: now.iter().filter(|d| **d).count(),
            recorded_before: near_misses.iter().filter(|(at, _)| previous.contains(*at)).count(),
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub period: Period,
    pub previous: Period,
    /// All incidents, then each severity (all four, empty ones too), then each service.
    pub response: Vec<ResponseRow>,
    /// By service, then by alert name (most alerts first).
    pub alerts: Vec<AlertRow>,
    pub follow_through: FollowThrough,
    pub calibration: Calibration,
    pub near_misses: NearMisses,
    /// The period's drills beside its real incidents.
    pub drills: DrillTimes,
}

fn response_row(by: GroupBy, name: String, now: &[&IncidentFacts], before: &[&IncidentFacts]) -> ResponseRow {
    let sample = |set: &[&IncidentFacts], f: fn(&IncidentFacts) -> Option<Duration>| set.iter().filter_map(|i| f(i)).collect::<Vec<_>>();
    let measure = |f: fn(&IncidentFacts) -> Option<Duration>| Measure::of(&sample(now, f), &sample(before, f));
    ResponseRow {
        by,
        name,
        incidents: now.len(),
        incidents_before: before.len(),
        detect: measure(|i| Some(i.to_detect())),
        acknowledge: measure(IncidentFacts::to_acknowledge),
        mitigate: measure(IncidentFacts::to_mitigate),
        resolve: measure(IncidentFacts::to_resolve),
    }
}

fn alert_row(by: GroupBy, name: String, alerts: &[&AlertFacts]) -> AlertRow {
    let mut incidents: Vec<IncidentId> = alerts.iter().flat_map(|a| a.incidents.iter().copied()).collect();
    incidents.sort_unstable();
    incidents.dedup();
    AlertRow {
        by,
        name,
        alerts: alerts.len(),
        led_to_incident: alerts.iter().filter(|a| !a.incidents.is_empty()).count(),
        incidents: incidents.len(),
        actionable: alerts.iter().filter(|a| a.verdict == Some(Verdict::Actionable)).count(),
        noise: alerts.iter().filter(|a| a.verdict == Some(Verdict::Noise)).count(),
    }
}

/// The incidents of `set` that `keep` keeps.
fn only<'a>(set: &[&'a IncidentFacts], keep: impl Fn(&IncidentFacts) -> bool) -> Vec<&'a IncidentFacts> {
    set.iter().copied().filter(|i| keep(i)).collect()
}

/// The names `key` gives, each once, sorted.
fn names<T>(items: &[&T], key: impl Fn(&T) -> Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = items.iter().flat_map(|i| key(i)).collect();
    names.sort();
    names.dedup();
    names
}

/// The report for `period`: incidents by when they were detected, alerts by when they fired,
/// postmortems by their incident; `today` decides what is overdue.
pub fn report(period: Period, incidents: &[IncidentFacts], alerts: &[AlertFacts], postmortems: &[PostmortemFacts], today: NaiveDate) -> Report {
    let previous = period.previous();
    let now: Vec<&IncidentFacts> = incidents.iter().filter(|i| period.contains(i.detected_at)).collect();
    let before: Vec<&IncidentFacts> = incidents.iter().filter(|i| previous.contains(i.detected_at)).collect();

    let mut response = vec![response_row(GroupBy::All, "All".into(), &now, &before)];
    for s in Severity::ALL {
        let keep = |i: &IncidentFacts| i.severity == s;
        response.push(response_row(GroupBy::Severity, s.label().into(), &only(&now, keep), &only(&before, keep)));
    }
    let both: Vec<&IncidentFacts> = now.iter().chain(before.iter()).copied().collect();
    for service in names(&both, |i| i.services.clone()) {
        let keep = |i: &IncidentFacts| i.services.contains(&service);
        response.push(response_row(GroupBy::Service, service.clone(), &only(&now, keep), &only(&before, keep)));
    }

    let fired: Vec<&AlertFacts> = alerts.iter().filter(|a| period.contains(a.raised_at)).collect();
    let mut by_service: Vec<AlertRow> = names(&fired, |a| vec![a.service.clone()])
        .into_iter()
        .map(|s| {
            let of: Vec<&AlertFacts> = fired.iter().copied().filter(|a| a.service == s).collect();
            alert_row(GroupBy::Service, s, &of)
        })
        .collect();
    let mut by_name: Vec<AlertRow> = names(&fired, |a| vec![a.name.clone()])
        .into_iter()
        .map(|n| {
            let of: Vec<&AlertFacts> = fired.iter().copied().filter(|a| a.name == n).collect();
            alert_row(GroupBy::AlertName, n, &of)
        })
        .collect();
    // the noisiest first; ties by name (the sort is stable over sorted names)
    by_service.sort_by_key(|r| std::cmp::Reverse(r.alerts));
    by_name.sort_by_key(|r| std::cmp::Reverse(r.alerts));

    let in_period: Vec<IncidentId> = now.iter().map(|i| i.id).collect();
    let mut follow = FollowThrough::default();
    for p in postmortems.iter().filter(|p| in_period.contains(&p.incident)) {
        follow.postmortems += 1;
        if let Some(done) = p.completed_at {
            follow.completed += 1;
            if p.resolved_at.is_some_and(|r| done <= r + Duration::hours(DUE_AFTER_HOURS)) {
                follow.completed_in_time += 1;
            }
        }
        for (status, due) in &p.items {
            match status {
                ItemStatus::Done => follow.items_done += 1,
                _ => {
                    follow.items_open += 1;
                    if due.is_some_and(|d| d < today) {
                        follow.items_overdue += 1;
                    }
                }
            }
        }
    }

    Report {
        period,
        previous,
        response,
        alerts: by_service.into_iter().chain(by_name).collect(),
        follow_through: follow,
        calibration: calibration(&now),
        near_misses: NearMisses::default(),
        drills: DrillTimes::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::fixtures::incident;
    use crate::domain::ids::ServiceId;
    use crate::domain::incident::{ServiceRef, Status};
    use crate::domain::metrics::facts::tests::{acked, alert, at, ben, declared, ev, into_incident, judged, moved, paged};
    use crate::domain::metrics::facts::AlertTrace;

    fn on(services: &[&str]) -> Vec<ServiceRef> {
        services.iter().enumerate().map(|(n, s)| ServiceRef { id: ServiceId(n as i64), slug: s.to_string(), name: s.to_string() }).collect()
    }

    /// Incident `id` of `severity` on `services`, declared at `start` (minutes), resolved
    /// `resolve` minutes later; paged and acknowledged `ack` minutes after the page when given.
    fn story(id: i64, severity: Severity, services: &[&str], start: i64, resolve: i64, ack: Option<i64>) -> (IncidentFacts, Vec<AlertTrace>) {
        let mut i = incident(id, severity, Status::Resolved);
        i.services = on(services);
        i.detected_at = at(start);
        let events = vec![declared(id, start, severity), moved(id, start + resolve, Status::Detected, Status::Resolved)];
        let alerts: Vec<AlertTrace> = ack
            .map(|ack| {
                alert(id, services[0], "Errors", start - 2, vec![(start - 2, paged(vec![ben()])), (start - 2 + ack, acked()), (start, into_incident(id))])
            })
            .into_iter()
            .collect();
        let facts: Vec<_> = alerts.iter().map(AlertTrace::facts).collect();
        (IncidentFacts::read(&i, &events, &facts), alerts)
    }

    fn period() -> Period {
        Period { from: at(0), to: at(0) + Duration::days(30) }
    }

    fn row<'a>(r: &'a Report, by: GroupBy, name: &str) -> &'a ResponseRow {
        r.response.iter().find(|x| x.by == by && x.name == name).unwrap_or_else(|| panic!("no row {by:?} {name}"))
    }

    /// Hand-computed: three SEV2s this period resolved in 30, 60 and 90 minutes (one on
    /// checkout and api), a SEV1 in 10; the period before, one SEV2 in 120 minutes.
    #[test]
    fn response_times_by_severity_and_service_against_the_period_before() {
        let day = 24 * 60;
        let stories = [
            story(1, Severity::Sev2, &["checkout"], day, 30, Some(4)),
            story(2, Severity::Sev2, &["checkout", "api"], 2 * day, 60, Some(2)),
            story(3, Severity::Sev2, &["api"], 3 * day, 90, None),
            story(4, Severity::Sev1, &["checkout"], 4 * day, 10, Some(1)),
            story(5, Severity::Sev2, &["checkout"], -3 * day, 120, None),
            // detected after the period: in neither
            story(6, Severity::Sev1, &["checkout"], 31 * day, 5, None),
        ];
        let incidents: Vec<IncidentFacts> = stories.iter().map(|(i, _)| i.clone()).collect();
        let r = report(period(), &incidents, &[], &[], at(0).date_naive());

        let all = row(&r, GroupBy::All, "All");
        assert_eq!((all.incidents, all.incidents_before), (4, 1));
        let resolve = all.resolve.now.unwrap();
        assert_eq!((resolve.count, resolve.mean_s, resolve.median_s, resolve.p90_s), (4, 2850, 1800, 5400));
        assert_eq!(all.resolve.before.unwrap().median_s, 7200);
        assert_eq!(all.resolve.trend, Trend::Down);
        // acknowledged 4, 2 and 1 minutes after the page; the one without an alert has none
        let ack = all.acknowledge.now.unwrap();
        assert_eq!((ack.count, ack.median_s, ack.p90_s), (3, 120, 240));
        assert_eq!(all.acknowledge.trend, Trend::Unknown, "nothing to compare with");
        // detection: the alert fired 2 minutes before the declaration, or none
        assert_eq!(all.detect.now.unwrap().p90_s, 120);

        let sev2 = row(&r, GroupBy::Severity, "SEV2");
        assert_eq!((sev2.incidents, sev2.resolve.now.unwrap().median_s), (3, 3600));
        let sev3 = row(&r, GroupBy::Severity, "SEV3");
        assert_eq!((sev3.incidents, sev3.resolve.now), (0, None), "an empty severity is listed, with no figures");
        let checkout = row(&r, GroupBy::Service, "checkout");
        assert_eq!((checkout.incidents, checkout.incidents_before), (3, 1));
        let api = row(&r, GroupBy::Service, "api");
        assert_eq!((api.incidents, api.resolve.now.unwrap().mean_s), (2, 4500));
        let order: Vec<&str> = r.response.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(order, ["All", "SEV1", "SEV2", "SEV3", "SEV4", "api", "checkout"]);
    }

    /// Five alerts on checkout this period: two of "Errors" led to one incident (actionable),
    /// one "Errors" marked noise, two "Disk" never judged; one api alert was before the period.
    #[test]
    fn alert_accuracy_by_service_and_by_alert_name() {
        let traces = [
            alert(1, "checkout", "Errors", 10, vec![(11, judged(Verdict::Actionable)), (12, into_incident(1))]),
            alert(2, "checkout", "Errors", 10, vec![(12, into_incident(1)), (13, judged(Verdict::Actionable))]),
            alert(3, "checkout", "Errors", 20, vec![(21, judged(Verdict::Noise))]),
            alert(4, "checkout", "Disk", 30, vec![]),
            alert(5, "checkout", "Disk", 40, vec![]),
            alert(6, "api", "Errors", -10, vec![(-9, judged(Verdict::Noise))]),
        ];
        let facts: Vec<AlertFacts> = traces.iter().map(AlertTrace::facts).collect();
        let r = report(period(), &[], &facts, &[], at(0).date_naive());
        let find = |by, name: &str| r.alerts.iter().find(|a| a.by == by && a.name == name).cloned();
        let checkout = find(GroupBy::Service, "checkout").unwrap();
        assert_eq!((checkout.alerts, checkout.led_to_incident, checkout.incidents, checkout.actionable, checkout.noise), (5, 2, 1, 2, 1));
        assert_eq!(checkout.accuracy_percent(), Some(67));
        assert_eq!(checkout.per_incident().as_deref(), Some("2.0"));
        assert_eq!(find(GroupBy::Service, "api"), None, "fired before the period");
        let errors = find(GroupBy::AlertName, "Errors").unwrap();
        assert_eq!((errors.alerts, errors.noise), (3, 1));
        let disk = find(GroupBy::AlertName, "Disk").unwrap();
        assert_eq!((disk.accuracy_percent(), disk.per_incident()), (None, None));
        let names: Vec<&str> = r.alerts.iter().filter(|a| a.by == GroupBy::AlertName).map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Errors", "Disk"], "the noisiest first");
    }

    #[test]
    fn follow_through_counts_postmortems_in_time_and_items_by_state() {
        let (a, _) = story(1, Severity::Sev1, &["checkout"], 60, 30, None);
        let (b, _) = story(2, Severity::Sev2, &["checkout"], 120, 30, None);
        let (c, _) = story(3, Severity::Sev2, &["checkout"], -60, 30, None);
        let today = (at(0) + Duration::days(10)).date_naive();
        let day = |n: i64| Some((at(0) + Duration::days(n)).date_naive());
        let pms = [
            // completed a day after resolving: in time
            PostmortemFacts {
                incident: IncidentId(1),
                resolved_at: a.resolved_at,
                completed_at: a.resolved_at.map(|r| r + Duration::days(1)),
                items: vec![(ItemStatus::Done, day(2)), (ItemStatus::Open, day(5)), (ItemStatus::InProgress, day(20))],
            },
            // completed three days after: late
            PostmortemFacts {
                incident: IncidentId(2),
                resolved_at: b.resolved_at,
                completed_at: b.resolved_at.map(|r| r + Duration::days(3)),
                items: vec![(ItemStatus::Open, None)],
            },
            // of an incident before the period: not counted
            PostmortemFacts { incident: IncidentId(3), resolved_at: c.resolved_at, completed_at: None, items: vec![(ItemStatus::Open, day(1))] },
        ];
        let r = report(period(), &[a, b, c], &[], &pms, today);
        assert_eq!(r.follow_through, FollowThrough { postmortems: 2, completed: 2, completed_in_time: 1, items_open: 3, items_overdue: 1, items_done: 1 });
    }

    #[test]
    fn near_misses_are_counted_by_when_they_happened() {
        let list = [(at(10), true), (at(20), false), (at(-10), false), (at(-60 * 24 * 40), true)];
        assert_eq!(NearMisses::count(period(), &list), NearMisses { recorded: 2, declared: 1, recorded_before: 1 });
    }

    #[test]
    fn a_severity_raised_mid_incident_counts_under_the_severity_it_ended_at() {
        let mut i = incident(9, Severity::Sev1, Status::Resolved);
        i.detected_at = at(5);
        let events = vec![
            declared(9, 5, Severity::Sev3),
            ev(9, 6, EventKind::SeverityChanged { from: Severity::Sev3, to: Severity::Sev1, reason: "worse".into() }),
            moved(9, 25, Status::Detected, Status::Resolved),
        ];
        let f = IncidentFacts::read(&i, &events, &[]);
        let r = report(period(), &[f], &[], &[], at(0).date_naive());
        assert_eq!(row(&r, GroupBy::Severity, "SEV1").incidents, 1);
        assert_eq!(row(&r, GroupBy::Severity, "SEV3").incidents, 0);
        assert_eq!(row(&r, GroupBy::Severity, "SEV1").resolve.now.unwrap().median_s, 20 * 60);
    }
}
