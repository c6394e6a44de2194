//! The public status page's rules: component statuses and their rollup into the overall
//! indicator, uptime per day from a component's status history, maintenance phases by the
//! clock, and the public update templates. Names and values follow Atlassian Statuspage's
//! public API v2, so existing clients read Klaxon unchanged.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ComponentId, GroupId, MaintenanceId, ServiceId};

/// The page's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub generated_at: DateTime<Utc>,
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
        bar.uptime = Some(((total - down) / total * 100.0).clamp(0.0, 100.0));
    }
    bar
}

/// Uptime over a run of days: the mean of the days with data.
pub fn overall_uptime(bars: &[DayBar]) -> Option<f64> {
    let known: Vec<f64> = bars.iter().filter_map(|b| b.uptime).collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

/// Where a scheduled maintenance is, by the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenancePhase {
    Scheduled,
    InProgress,
    Verifying,
    Completed,
}

/// How long after its window a maintenance is being verified before it counts as done.
pub const VERIFY_FOR: Duration = Duration::minutes(15);

pub fn maintenance_phase(starts: DateTime<Utc>, ends: DateTime<Utc>, now: DateTime<Utc>) -> MaintenancePhase {
    if now < starts {
        MaintenancePhase::Scheduled
    } else if now < ends {
        MaintenancePhase::InProgress
    } else if now < ends + VERIFY_FOR {
        MaintenancePhase::Verifying
    } else {
        MaintenancePhase::Completed
    }
}

impl MaintenancePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenancePhase::Scheduled => "scheduled",
            MaintenancePhase::InProgress => "in_progress",
            MaintenancePhase::Verifying => "verifying",
            MaintenancePhase::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MaintenancePhase::Scheduled => "Scheduled",
            MaintenancePhase::InProgress => "In progress",
            MaintenancePhase::Verifying => "Verifying",
            MaintenancePhase::Completed => "Completed",
        }
    }
}

/// A maintenance window as scheduled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    pub id: MaintenanceId,
    pub title: String,
    pub message: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub components: Vec<ComponentId>,
}

impl Maintenance {
    pub fn phase(&self, now: DateTime<Utc>) -> MaintenancePhase {
        maintenance_phase(self.starts_at, self.ends_at, now)
    }
}

/// What a responder fills in to schedule maintenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceInput {
    pub title: String,
    pub message: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub components: Vec<ComponentId>,
}

/// The longest window one maintenance may have.
pub const MAINTENANCE_MAX: Duration = Duration::days(7);

impl MaintenanceInput {
    /// Checks the text and the window (it must end in the future and last at most a week).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), String> {
        let t = self.title.trim().chars().count();
        if t == 0 || t > PUBLIC_TITLE_MAX {
            return Err(format!("The title must have 1 to {PUBLIC_TITLE_MAX} characters."));
        }
        let m = self.message.trim().chars().count();
        if m == 0 || m > PUBLIC_BODY_MAX {
            return Err(format!("The message must have 1 to {PUBLIC_BODY_MAX} characters."));
        }
        if self.ends_at <= self.starts_at {
            return Err("The window must end after it starts.".into());
        }
        if self.ends_at <= now {
            return Err("The window is already over.".into());
        }
        if self.ends_at - self.starts_at > MAINTENANCE_MAX {
            return Err("A maintenance window may last at most 7 days.".into());
        }
        Ok(())
    }
}

/// A public incident's status (Statuspage's incident `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Postmortem,
}

impl PublicStatus {
    pub const ALL: [PublicStatus; 5] =
        [PublicStatus::Investigating, PublicStatus::Identified, PublicStatus::Monitoring, PublicStatus::Resolved, PublicStatus::Postmortem];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicStatus::Investigating => "investigating",
            PublicStatus::Identified => "identified",
            PublicStatus::Monitoring => "monitoring",
            PublicStatus::Resolved => "resolved",
            PublicStatus::Postmortem => "postmortem",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PublicStatus::Investigating => "Investigating",
            PublicStatus::Identified => "Identified",
            PublicStatus::Monitoring => "Monitoring",
            PublicStatus::Resolved => "Resolved",
            PublicStatus::Postmortem => "Postmortem",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_resolved(self) -> bool {
        matches!(self, PublicStatus::Resolved | PublicStatus::Postmortem)
    }

    /// The text a responder starts from (edited before sending).
    pub fn template(self, component_names: &[String]) -> String {
        let what = if component_names.is_empty() { "some of our services".to_string() } else { component_names.join(", ") };
        match self {
            PublicStatus::Investigating => {
                format!("We are investigating reports of problems with {what}. We will post an update within 30 minutes.")
            }
            PublicStatus::Identified => {
                format!("We have identified the cause of the problems with {what} and are working on a fix.")
            }
            PublicStatus::Monitoring => format!("A fix has been applied to {what}. We are monitoring the results."),
            PublicStatus::Resolved => format!("This incident has been resolved. {what} are operating normally."),
            PublicStatus::Postmortem => "We have published a postmortem for this incident.".to_string(),
        }
    }
}

/// An update posted to the public page from the war room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicUpdate {
    /// The incident's public name (the internal title may say more than customers should read).
    pub title: String,
    pub status: PublicStatus,
    pub body: String,
    pub impact: Impact,
    /// The components it touches, and the status each was set to.
    pub components: Vec<(ComponentId, ComponentStatus)>,
    /// What those components' statuses were just before (filled in by the server).
    #[serde(default)]
    pub previous: Vec<(ComponentId, ComponentStatus)>,
}

pub const PUBLIC_TITLE_MAX: usize = 120;
pub const PUBLIC_BODY_MAX: usize = 5000;

impl PublicUpdate {
    /// Checks lengths and characters, and that no component is named twice.
    pub fn validate(&self) -> Result<(), String> {
        let title = self.title.trim().chars().count();
        if title == 0 || title > PUBLIC_TITLE_MAX {
            return Err(format!("The public title must have 1 to {PUBLIC_TITLE_MAX} characters."));
        }
        let body = self.body.trim().chars().count();
        if body == 0 || body > PUBLIC_BODY_MAX {
            return Err(format!("The update must have 1 to {PUBLIC_BODY_MAX} characters."));
        }
        let mut ids: Vec<ComponentId> = self.components.iter().map(|(id, _)| *id).collect();
        ids.sort();
        ids.dedup();
        if ids.len() != self.components.len() {
            return Err("A component is named twice.".into());
        }
        Ok(())
    }
}

/// A public incident as customers see it: its updates, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicIncident {
    /// Opaque and stable: `p` and the id of its first public update. Never the internal slug,
    /// which carries words of the internal title.
    pub id: String,
    /// When the first Monitoring update was posted, if one was.
    pub monitoring_at: Option<DateTime<Utc>>,
    /// Every component any update touched.
    pub components: Vec<ComponentId>,
    pub title: String,
    pub status: PublicStatus,
    pub impact: Impact,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub updates: Vec<PublicUpdateView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicUpdateView {
    /// The event id of the update (stable).
    pub id: i64,
    pub status: PublicStatus,
    pub body: String,
    pub at: DateTime<Utc>,
    /// (component, status before, status after)
    pub affected: Vec<(ComponentId, ComponentStatus, ComponentStatus)>,
}

/// One public update as read from the log: (event id, internal incident id, when, update).
/// The internal id only groups updates; it is never shown.
pub type PublicUpdateRecord = (i64, i64, DateTime<Utc>, PublicUpdate);

/// Builds the public incidents from the public updates alone (oldest first): the latest
/// update gives the title, status and impact. Newest incident first.
pub fn public_incidents(updates: &[PublicUpdateRecord]) -> Vec<PublicIncident> {
    let mut out: Vec<PublicIncident> = vec![];
    let mut index: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (event_id, incident, at, u) in updates {
        let affected = u
            .components
            .iter()
            .map(|(id, to)| {
                let from = u.previous.iter().find(|(p, _)| p == id).map(|(_, s)| *s).unwrap_or(ComponentStatus::Operational);
                (*id, from, *to)
            })
            .collect();
        let view = PublicUpdateView { id: *event_id, status: u.status, body: u.body.clone(), at: *at, affected };
        let i = match index.get(incident) {
            Some(pos) => &mut out[*pos],
            None => {
                index.insert(*incident, out.len());
                out.push(PublicIncident {
                    id: format!("p{event_id}"),
                    monitoring_at: None,
                    components: vec![],
                    title: u.title.clone(),
                    status: u.status,
                    impact: u.impact,
                    created_at: *at,
                    updated_at: *at,
                    resolved_at: None,
                    updates: vec![],
                });
                out.last_mut().expect("just pushed")
            }
        };
        i.title = u.title.clone();
        i.status = u.status;
        i.impact = u.impact;
        i.updated_at = *at;
        i.resolved_at = if u.status.is_resolved() { i.resolved_at.or(Some(*at)) } else { None };
        if u.status == PublicStatus::Monitoring && i.monitoring_at.is_none() {
            i.monitoring_at = Some(*at);
        }
        for (c, _) in &u.components {
            if !i.components.contains(c) {
                i.components.push(*c);
            }
        }
        i.updates.insert(0, view);
    }
    out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
    out
}

/// A public incident's impact (Statuspage's incident `impact`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

impl Impact {
    pub const ALL: [Impact; 4] = [Impact::None, Impact::Minor, Impact::Major, Impact::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Minor => "minor",
            Impact::Major => "major",
            Impact::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
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
        let expected = (24.0 - 2.0) / 24.0 * 100.0;
        assert!((day.uptime.unwrap() - expected).abs() < 1e-9, "{:?}", day.uptime);
        // the days before were fully up; the component did not exist before its first change
        assert_eq!(bars[1].uptime, Some(100.0), "the 18th");
        assert_eq!(bars[0].uptime, None, "the 17th");
        assert_eq!(bars[4].uptime, None, "the 21st has not begun to pass");
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
        let history = [
            StatusChange { at: at(0, 0), status: UnderMaintenance },
            StatusChange { at: at(6, 0), status: DegradedPerformance },
        ];
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
    fn maintenance_windows_are_checked() {
        let ok = MaintenanceInput { title: "DB upgrade".into(), message: "Short pauses.".into(), starts_at: at(22, 0), ends_at: at(23, 0), components: vec![] };
        assert!(ok.validate(at(12, 0)).is_ok());
        assert!(MaintenanceInput { ends_at: at(21, 0), ..ok.clone() }.validate(at(12, 0)).unwrap_err().contains("after it starts"));
        assert!(ok.validate(at(23, 30)).unwrap_err().contains("already over"));
        assert!(MaintenanceInput { ends_at: at(22, 0) + Duration::days(8), ..ok.clone() }.validate(at(12, 0)).unwrap_err().contains("7 days"));
        assert!(MaintenanceInput { title: " ".into(), ..ok }.validate(at(12, 0)).is_err());
    }

    #[test]
    fn maintenance_moves_on_by_the_clock() {
        let (s, e) = (at(2, 0), at(4, 0));
        assert_eq!(maintenance_phase(s, e, at(1, 0)), MaintenancePhase::Scheduled);
        assert_eq!(maintenance_phase(s, e, at(2, 0)), MaintenancePhase::InProgress);
        assert_eq!(maintenance_phase(s, e, at(4, 0)), MaintenancePhase::Verifying);
        assert_eq!(maintenance_phase(s, e, at(4, 15)), MaintenancePhase::Completed);
    }

    fn update(status: PublicStatus, body: &str) -> PublicUpdate {
        PublicUpdate { title: "Checkout problems".into(), status, body: body.into(), impact: Impact::Major, components: vec![], previous: vec![] }
    }

    #[test]
    fn public_incidents_come_from_public_updates() {
        let hit = PublicUpdate {
            components: vec![(ComponentId(3), MajorOutage)],
            previous: vec![(ComponentId(3), DegradedPerformance)],
            ..update(PublicStatus::Investigating, "looking")
        };
        let u = vec![
            (1, 70, at(9, 0), hit),
            (2, 71, at(9, 30), update(PublicStatus::Investigating, "other")),
            (3, 70, at(10, 0), PublicUpdate { title: "Checkout errors".into(), ..update(PublicStatus::Monitoring, "fixed") }),
            (4, 70, at(11, 0), update(PublicStatus::Resolved, "all good")),
        ];
        let incidents = public_incidents(&u);
        assert_eq!(incidents.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["p1", "p2"], "opaque ids, never internal ones");
        let a = &incidents[0];
        assert_eq!(a.status, PublicStatus::Resolved);
        assert_eq!(a.resolved_at, Some(at(11, 0)));
        assert_eq!(a.created_at, at(9, 0));
        assert_eq!(a.updates.iter().map(|v| v.body.as_str()).collect::<Vec<_>>(), ["all good", "fixed", "looking"]);
        assert_eq!(a.updates.iter().map(|v| v.id).collect::<Vec<_>>(), [4, 3, 1]);
        assert_eq!(a.updates[2].affected, vec![(ComponentId(3), DegradedPerformance, MajorOutage)]);
        assert_eq!(a.monitoring_at, Some(at(10, 0)));
        assert_eq!(a.components, vec![ComponentId(3)]);
        assert_eq!(incidents[1].resolved_at, None);
    }

    #[test]
    fn public_updates_are_checked() {
        assert!(update(PublicStatus::Investigating, "x").validate().is_ok());
        assert!(update(PublicStatus::Investigating, " ").validate().is_err());
        assert!(PublicUpdate { title: "".into(), ..update(PublicStatus::Investigating, "x") }.validate().is_err());
        let twice = PublicUpdate {
            components: vec![(ComponentId(1), MajorOutage), (ComponentId(1), Operational)],
            ..update(PublicStatus::Investigating, "x")
        };
        assert!(twice.validate().unwrap_err().contains("twice"));
    }

    #[test]
    fn names_and_templates() {
        for s in ComponentStatus::ALL {
            assert_eq!(ComponentStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in PublicStatus::ALL {
            assert_eq!(PublicStatus::parse(s.as_str()), Some(s));
        }
        for i in Impact::ALL {
            assert_eq!(Impact::parse(i.as_str()), Some(i));
        }
        let t = PublicStatus::Investigating.template(&["Checkout".into()]);
        assert!(t.starts_with("We are investigating") && t.contains("Checkout") && t.contains("30 minutes"));
        assert!(PublicStatus::Resolved.is_resolved() && !PublicStatus::Monitoring.is_resolved());
    }
}
