//! The public status page's rules: the page and its components, component statuses and their
//! rollup into the overall indicator, and uptime per day from a component's status history.
//! Public incidents and maintenance windows have modules of their own. Names and values
//! follow Atlassian Statuspage's public API v2, so existing clients read Klaxon unchanged.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ComponentId, GroupId, ServiceId};
pub use super::maintenance::{maintenance_phase, Maintenance, MaintenanceInput, MaintenancePhase, MAINTENANCE_MAX, VERIFY_FOR};
pub use super::public_incident::{
    public_incidents, Impact, PublicIncident, PublicStatus, PublicUpdate, PublicUpdateRecord, PublicUpdateView, PUBLIC_BODY_MAX, PUBLIC_TITLE_MAX,
};

/// The page's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSettings {
    pub name: String,
    pub public_url: String,
    pub logo_url: String,
    /// An IANA time zone (days on the uptime bars begin at midnight there).
    pub time_zone: String,
    pub support_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentGroup {
    pub id: GroupId,
    pub name: String,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub id: ComponentId,
    pub group_id: Option<GroupId>,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub status: ComponentStatus,
    /// The internal service this component shows, so a war room knows what it may touch.
    pub service_id: Option<ServiceId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an admin fills in for a component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentInput {
    pub name: String,
    pub description: String,
    /// A group name; created when new. Empty for none.
    pub group: String,
    pub position: i64,
    /// A service slug, or empty.
    pub service: String,
}

/// What the internal status-page screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusAdmin {
    pub settings: PageSettings,
    pub groups: Vec<ComponentGroup>,
    pub components: Vec<Component>,
    pub services: Vec<super::incident::ServiceRef>,
}

/// A component as the public page shows it, with its days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentView {
    pub component: Component,
    pub days: Vec<DayBar>,
    pub uptime: Option<f64>,
}

/// A group of components on the public page (`name` is `None` for ungrouped ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupView {
    pub name: Option<String>,
    pub components: Vec<ComponentView>,
}

impl PublicPage {
    /// Incidents not yet resolved, newest first.
    pub fn unresolved(&self) -> impl Iterator<Item = &PublicIncident> {
        self.incidents.iter().filter(|i| !i.status.is_resolved())
    }

    /// Maintenance windows in the given phases, soonest first.
    pub fn maintenances_in(&self, phases: &[MaintenancePhase]) -> Vec<&Maintenance> {
        let mut v: Vec<&Maintenance> = self.maintenances.iter().filter(|m| phases.contains(&m.phase(self.generated_at))).collect();
        v.sort_by_key(|m| m.starts_at);
        v
    }

    pub fn component_name(&self, id: ComponentId) -> Option<&str> {
        self.groups.iter().flat_map(|g| &g.components).find(|c| c.component.id == id).map(|c| c.component.name.as_str())
    }
}

/// Everything the public page shows, as of `generated_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicPage {
    pub settings: PageSettings,
    pub overall: Overall,
    pub groups: Vec<GroupView>,
    /// The most recent public incidents (up to 50), newest first, resolved ones included.
    pub incidents: Vec<PublicIncident>,
    /// Maintenance windows not yet completed, soonest first.
    pub maintenances: Vec<Maintenance>,
    /// When what it says last changed.
    pub generated_at: DateTime<Utc>,
    /// The database could not be read lately: this is the last good page.
    #[serde(default)]
    pub stale: bool,
}

/// Arranges components into their groups (by group position, then component position and
/// name); ungrouped components come first.
pub fn arrange(groups: &[ComponentGroup], mut components: Vec<ComponentView>) -> Vec<GroupView> {
    components.sort_by(|a, b| a.component.position.cmp(&b.component.position).then(a.component.name.cmp(&b.component.name)));
    let mut ordered: Vec<&ComponentGroup> = groups.iter().collect();
    ordered.sort_by(|a, b| a.position.cmp(&b.position).then(a.name.cmp(&b.name)));
    let mut out = vec![];
    let loose: Vec<ComponentView> = components.iter().filter(|c| c.component.group_id.is_none()).cloned().collect();
    if !loose.is_empty() {
        out.push(GroupView { name: None, components: loose });
    }
    for g in ordered {
        let members: Vec<ComponentView> = components.iter().filter(|c| c.component.group_id == Some(g.id)).cloned().collect();
        if !members.is_empty() {
            out.push(GroupView { name: Some(g.name.clone()), components: members });
        }
    }
    out
}

/// A component's state, worst last (`Ord` compares severity; maintenance is not an outage
/// and sorts between operational and degraded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        ComponentStatus::Operational,
        ComponentStatus::UnderMaintenance,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::PartialOutage,
        ComponentStatus::MajorOutage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::UnderMaintenance => "under_maintenance",
            ComponentStatus::DegradedPerformance => "degraded_performance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "Operational",
            ComponentStatus::UnderMaintenance => "Under maintenance",
            ComponentStatus::DegradedPerformance => "Degraded performance",
            ComponentStatus::PartialOutage => "Partial outage",
            ComponentStatus::MajorOutage => "Major outage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The share of the time in this state that counts as downtime (as Statuspage counts
    /// it: a major outage fully, a partial outage at 30%, anything else not at all).
    pub fn downtime_weight(self) -> f64 {
        match self {
            ComponentStatus::MajorOutage => 1.0,
            ComponentStatus::PartialOutage => 0.3,
            _ => 0.0,
        }
    }
}

/// The page's overall indicator (Statuspage's `status.indicator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    None,
    Minor,
    Major,
    Critical,
    Maintenance,
}

impl Indicator {
    /// The spelling on the wire (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::None => "none",
            Indicator::Minor => "minor",
            Indicator::Major => "major",
            Indicator::Critical => "critical",
            Indicator::Maintenance => "maintenance",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overall {
    pub indicator: Indicator,
    pub description: String,
}

/// The overall status from the components' statuses: the worst one decides.
pub fn rollup(statuses: &[ComponentStatus]) -> Overall {
    let worst = statuses.iter().copied().max().unwrap_or(ComponentStatus::Operational);
    let (indicator, description) = match worst {
        ComponentStatus::Operational => (Indicator::None, "All Systems Operational"),
        ComponentStatus::UnderMaintenance => (Indicator::Maintenance, "Service Under Maintenance"),
        ComponentStatus::DegradedPerformance => (Indicator::Minor, "Partially Degraded Service"),
        ComponentStatus::PartialOutage => (Indicator::Major, "Partial System Outage"),
        ComponentStatus::MajorOutage => (Indicator::Critical, "Major System Outage"),
    };
    Overall { indicator, description: description.to_string() }
}

/// A component entered `status` at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub at: DateTime<Utc>,
    pub status: ComponentStatus,
}

/// One day of one component's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayBar {
    pub date: NaiveDate,
    /// The worst state the component was in that day.
    pub worst: ComponentStatus,
    pub major_outage_minutes: i64,
    pub partial_outage_minutes: i64,
    /// 0–100; `None` for days before the component existed or still to come.
    pub uptime: Option<f64>,
}

/// The component's days from `days` days ago up to today (the page's time zone decides
/// where days begin), from its status history (oldest first). Before the first change
/// the component did not exist; the last change lasts until `now`.
pub fn day_bars<Tz: TimeZone>(history: &[StatusChange], now: DateTime<Utc>, tz: &Tz, days: u32) -> Vec<DayBar> {
    let today = now.with_timezone(tz).date_naive();
    let mut bars = Vec::with_capacity(days as usize);
    for back in (0..days).rev() {
        let date = today - Duration::days(back as i64);
        let start = day_start(date, tz);
        let end = day_start(date + Duration::days(1), tz).min(now);
        bars.push(day(history, date, start, end));
    }
    bars
}

fn day_start<Tz: TimeZone>(date: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    // a day that begins in a DST gap begins at the earliest valid instant
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

fn day(history: &[StatusChange], date: NaiveDate, start: DateTime<Utc>, end: DateTime<Utc>) -> DayBar {
    let mut bar = DayBar { date, worst: ComponentStatus::Operational, major_outage_minutes: 0, partial_outage_minutes: 0, uptime: None };
    if end <= start || history.first().is_none_or(|first| first.at >= end) {
        return bar;
    }
    // the state at the start of the day, then each change within it
    let mut observed = Duration::zero();
    let mut down = 0.0;
    for (i, change) in history.iter().enumerate() {
        let from = change.at.max(start);
        let to = history.get(i + 1).map(|n| n.at).unwrap_or(end).min(end);
        if to <= from {
            continue;
        }
        let span = to - from;
        observed += span;
        bar.worst = bar.worst.max(change.status);
        down += span.num_milliseconds() as f64 * change.status.downtime_weight();
        match change.status {
            ComponentStatus::MajorOutage => bar.major_outage_minutes += span.num_minutes(),
            ComponentStatus::PartialOutage => bar.partial_outage_minutes += span.num_minutes(),
            _ => {}
        }
    }
    if observed > Duration::zero() {
        let total = observed.num_milliseconds() as f64;
        // to the hundredth of a percent shown: today's figure then changes when the page
        // would show a change, not at every rebuild (each would be a new page version)
        let percent = ((total - down) / total * 100.0).clamp(0.0, 100.0);
        bar.uptime = Some((percent * 100.0).round() / 100.0);
    }
    bar
}

/// Uptime over a run of days: the mean of the days with data.
pub fn overall_uptime(bars: &[DayBar]) -> Option<f64> {
    let known: Vec<f64> = bars.iter().filter_map(|b| b.uptime).collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::ComponentStatus::*;
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    #[test]
    fn rollup_takes_the_worst() {
        assert_eq!(rollup(&[]).description, "All Systems Operational");
        assert_eq!(rollup(&[Operational, Operational]).indicator, Indicator::None);
        assert_eq!(rollup(&[Operational, UnderMaintenance]).description, "Service Under Maintenance");
        assert_eq!(rollup(&[UnderMaintenance, DegradedPerformance]).indicator, Indicator::Minor);
        assert_eq!(rollup(&[Operational, PartialOutage, DegradedPerformance]).description, "Partial System Outage");
        assert_eq!(rollup(&[MajorOutage, PartialOutage]), Overall { indicator: Indicator::Critical, description: "Major System Outage".into() });
    }

    #[test]
    fn rollup_is_order_independent_and_monotone() {
        // every pair: the rollup of the pair equals the rollup of its worst member
        for a in ComponentStatus::ALL {
            for b in ComponentStatus::ALL {
                assert_eq!(rollup(&[a, b]), rollup(&[b, a]));
                assert_eq!(rollup(&[a, b]), rollup(&[a.max(b)]));
            }
        }
    }

    #[test]
    fn a_day_with_a_two_hour_major_outage() {
        let history = [
            StatusChange { at: at(0, 0) - Duration::days(2), status: Operational },
            StatusChange { at: at(10, 0), status: MajorOutage },
            StatusChange { at: at(12, 0), status: Operational },
        ];
        let now = at(23, 59) + Duration::minutes(1); // the 20th is complete; the 21st begins
        let bars = day_bars(&history, now, &Utc, 5); // the 17th to the 21st
        let day = bars.iter().find(|b| b.date == at(0, 0).date_naive()).unwrap();
        assert_eq!(day.worst, MajorOutage);
        assert_eq!(day.major_outage_minutes, 120);
        assert_eq!(day.uptime, Some(91.67), "22 of 24 hours, to a hundredth of a percent");
        // the days before were fully up; the component did not exist before its first change
        assert_eq!(bars[1].uptime, Some(100.0), "the 18th");
        assert_eq!(bars[0].uptime, None, "the 17th");
        assert_eq!(bars[4].uptime, None, "the 21st has not begun to pass");
    }

    #[test]
    fn todays_uptime_holds_still_between_rebuilds() {
        // a minute down this morning: the figure does not move with every passing second
        let history = [
            StatusChange { at: at(0, 0), status: Operational },
            StatusChange { at: at(10, 0), status: MajorOutage },
            StatusChange { at: at(10, 1), status: Operational },
        ];
        let now = at(20, 0);
        let bars = day_bars(&history, now, &Utc, 1);
        assert_eq!(bars[0].uptime, Some(99.92));
        assert_eq!(day_bars(&history, now + Duration::seconds(10), &Utc, 1), bars);
    }

    #[test]
    fn partial_outages_count_at_thirty_percent() {
        let history = [StatusChange { at: at(0, 0), status: PartialOutage }];
        let bars = day_bars(&history, at(10, 0), &Utc, 1);
        assert_eq!(bars[0].worst, PartialOutage);
        assert_eq!(bars[0].partial_outage_minutes, 600);
        assert!((bars[0].uptime.unwrap() - 70.0).abs() < 1e-9);
    }

    #[test]
    fn maintenance_and_degradation_are_not_downtime() {
        let history = [StatusChange { at: at(0, 0), status: UnderMaintenance }, StatusChange { at: at(6, 0), status: DegradedPerformance }];
        let bars = day_bars(&history, at(12, 0), &Utc, 1);
        assert_eq!(bars[0].uptime, Some(100.0));
        assert_eq!(bars[0].worst, DegradedPerformance);
    }

    #[test]
    fn days_follow_the_page_time_zone() {
        // 23:30 UTC on the 19th is already the 20th in UTC+1
        let plus_one = chrono::FixedOffset::east_opt(3600).unwrap();
        let history = [
            StatusChange { at: at(0, 0) - Duration::days(2), status: Operational },
            StatusChange { at: at(0, 0) - Duration::minutes(30), status: MajorOutage },
            StatusChange { at: at(0, 0), status: Operational },
        ];
        let now = at(12, 0);
        let utc_bars = day_bars(&history, now, &Utc, 2);
        let local_bars = day_bars(&history, now, &plus_one, 2);
        assert_eq!(utc_bars[0].worst, MajorOutage, "UTC: on the 19th");
        assert_eq!(utc_bars[1].worst, Operational);
        assert_eq!(local_bars[1].worst, MajorOutage, "UTC+1: on the 20th");
        assert_eq!(local_bars[1].major_outage_minutes, 30);
    }

    #[test]
    fn bars_cover_exactly_the_days_asked() {
        let history = [StatusChange { at: at(0, 0) - Duration::days(200), status: Operational }];
        let bars = day_bars(&history, at(8, 0), &Utc, 90);
        assert_eq!(bars.len(), 90);
        assert_eq!(bars.last().unwrap().date, at(0, 0).date_naive());
        assert_eq!(bars[0].date, at(0, 0).date_naive() - Duration::days(89));
        assert_eq!(overall_uptime(&bars), Some(100.0));
    }

    #[test]
    fn names() {
        for s in ComponentStatus::ALL {
            assert_eq!(ComponentStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
