//! The readiness check: Klaxon's own configuration audited against the seeds' incident
//! readiness checklist and anti-patterns — every service has an escalation policy and a
//! runbook, every alert seen lately maps to a runbook, rotations big enough with shifts of a
//! week at most, policies that escalate past the first responder, nobody-on-call gaps, stale
//! runbooks, postmortems not written, action items left overdue, no drill in a quarter. Each check passes or fails,
//! names what fails, and says where it is fixed. A pure function of the facts the store
//! hands over.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::oncall::TurnLength;

/// A rotation needs at least this many people (the seeds: fewer burns people out).
pub const ROTATION_MIN_PEOPLE: usize = 5;
/// A runbook not reviewed for this many days (a quarter) is stale.
pub const RUNBOOK_REVIEW_DAYS: i64 = 92;
/// Problems named per check; the rest are counted.
pub const PROBLEMS_SHOWN: usize = 10;

/// The checks, in the order the page lists them. One spelling on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKey {
    ServicesHavePolicies,
    ServicesHaveRunbooks,
    AlertsHaveRunbooks,
    RotationsBigEnough,
    ShiftsAtMostAWeek,
    PoliciesEscalate,
    NoCoverageGaps,
    RunbooksReviewed,
    PostmortemsDone,
    ActionItemsOnTime,
    DrillLastQuarter,
}

impl CheckKey {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKey::ServicesHavePolicies => "services_have_policies",
            CheckKey::ServicesHaveRunbooks => "services_have_runbooks",
            CheckKey::AlertsHaveRunbooks => "alerts_have_runbooks",
            CheckKey::RotationsBigEnough => "rotations_big_enough",
            CheckKey::ShiftsAtMostAWeek => "shifts_at_most_a_week",
            CheckKey::PoliciesEscalate => "policies_escalate",
            CheckKey::NoCoverageGaps => "no_coverage_gaps",
            CheckKey::RunbooksReviewed => "runbooks_reviewed",
            CheckKey::PostmortemsDone => "postmortems_done",
            CheckKey::ActionItemsOnTime => "action_items_on_time",
            CheckKey::DrillLastQuarter => "drill_last_quarter",
        }
    }

    /// What the check asks, as the checklist says it.
    pub fn title(self) -> String {
        match self {
            CheckKey::ServicesHavePolicies => "Every service has an escalation policy".into(),
            CheckKey::ServicesHaveRunbooks => "Every service has a runbook".into(),
            CheckKey::AlertsHaveRunbooks => "Every alert seen in the last 30 days maps to a runbook".into(),
            CheckKey::RotationsBigEnough => format!("Rotations have at least {ROTATION_MIN_PEOPLE} people"),
            CheckKey::ShiftsAtMostAWeek => "Shifts last a week at most".into(),
            CheckKey::PoliciesEscalate => "Every policy has a primary and a secondary step".into(),
            CheckKey::NoCoverageGaps => "Somebody is on call at all times in the next 30 days".into(),
            CheckKey::RunbooksReviewed => "Runbooks have an owner and were reviewed in the last quarter".into(),
            CheckKey::PostmortemsDone => "Every SEV1 and SEV2 of the last quarter has its postmortem done".into(),
            CheckKey::ActionItemsOnTime => "No action item is overdue".into(),
            CheckKey::DrillLastQuarter => "The team ran a drill in the last quarter".into(),
        }
    }

    /// Where it is fixed.
    pub fn fix_at(self) -> &'static str {
        match self {
            CheckKey::ServicesHavePolicies | CheckKey::PoliciesEscalate => "/services",
            CheckKey::ServicesHaveRunbooks | CheckKey::AlertsHaveRunbooks | CheckKey::RunbooksReviewed => "/runbooks",
            CheckKey::RotationsBigEnough | CheckKey::ShiftsAtMostAWeek | CheckKey::NoCoverageGaps => "/oncall",
            CheckKey::PostmortemsDone => "/incidents",
            CheckKey::ActionItemsOnTime => "/action-items?overdue=1",
            CheckKey::DrillLastQuarter => "/drills",
        }
    }
}

/// One check's outcome: what fails, named (at most [`PROBLEMS_SHOWN`]), and how many in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub key: CheckKey,
    pub passed: bool,
    pub problems: Vec<String>,
    pub problem_count: usize,
}

impl Check {
    fn of(key: CheckKey, mut problems: Vec<String>) -> Check {
        let problem_count = problems.len();
        problems.truncate(PROBLEMS_SHOWN);
        Check { key, passed: problem_count == 0, problems, problem_count }
    }
}

/// A service: whether it has a policy, and how many runbooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceFacts {
    pub name: String,
    pub has_policy: bool,
    pub runbooks: usize,
}

/// A layer of a schedule that is in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationFacts {
    pub schedule: String,
    pub layer: String,
    pub people: usize,
    pub turn: TurnLength,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookFacts {
    pub title: String,
    pub owner: Option<String>,
    pub last_reviewed: Option<NaiveDate>,
    pub alert_names: Vec<String>,
}

/// Everything the checks read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub services: Vec<ServiceFacts>,
    /// (service, alert name) of every alert seen in the last 30 days, each once.
    pub alerts_seen: Vec<(String, String)>,
    pub rotations: Vec<RotationFacts>,
    /// Each policy's name and number of steps.
    pub policies: Vec<(String, usize)>,
    /// Each schedule with a stretch of the next 30 days nobody covers, and the first one's
    /// start as the reader reads it ("from 2026-12-03 09:00 UTC").
    pub gaps: Vec<(String, String)>,
    pub runbooks: Vec<RunbookFacts>,
    /// SEV1 and SEV2 incidents of the last quarter whose postmortem is missing or overdue.
    pub postmortems_missing: Vec<String>,
    /// Overdue action items, by title.
    pub overdue_items: Vec<String>,
    /// Drills declared in the last quarter.
    pub drills_last_quarter: usize,
    pub today: NaiveDate,
}

/// Whether a turn runs longer than a week.
pub fn longer_than_a_week(t: TurnLength) -> bool {
    match t {
        TurnLength::Hours(h) => h > 7 * 24,
        TurnLength::Days(d) => d > 7,
        TurnLength::Weeks(w) => w > 1,
        TurnLength::Months(_) => true,
    }
}

/// Every check, in order.
pub fn check(f: &Facts) -> Vec<Check> {
    let stale_after = f.today - Duration::days(RUNBOOK_REVIEW_DAYS);
    let covered = |name: &str| f.runbooks.iter().any(|r| r.alert_names.iter().any(|a| a.eq_ignore_ascii_case(name)));
    vec![
        Check::of(CheckKey::ServicesHavePolicies, f.services.iter().filter(|s| !s.has_policy).map(|s| s.name.clone()).collect()),
        Check::of(CheckKey::ServicesHaveRunbooks, f.services.iter().filter(|s| s.runbooks == 0).map(|s| s.name.clone()).collect()),
        Check::of(CheckKey::AlertsHaveRunbooks, f.alerts_seen.iter().filter(|(_, n)| !covered(n)).map(|(s, n)| format!("{n} ({s})")).collect()),
        Check::of(
            CheckKey::RotationsBigEnough,
            f.rotations.iter().filter(|r| r.people < ROTATION_MIN_PEOPLE).map(|r| format!("{} / {}: {} people", r.schedule, r.layer, r.people)).collect(),
        ),
        Check::of(
            CheckKey::ShiftsAtMostAWeek,
            f.rotations.iter().filter(|r| longer_than_a_week(r.turn)).map(|r| format!("{} / {}", r.schedule, r.layer)).collect(),
        ),
        Check::of(CheckKey::PoliciesEscalate, f.policies.iter().filter(|(_, steps)| *steps < 2).map(|(p, _)| format!("{p}: one step")).collect()),
        Check::of(CheckKey::NoCoverageGaps, f.gaps.iter().map(|(s, from)| format!("{s}: nobody on call {from}")).collect()),
        Check::of(
            CheckKey::RunbooksReviewed,
            f.runbooks
                .iter()
                .filter_map(|r| match (&r.owner, r.last_reviewed) {
                    (None, _) => Some(format!("{}: no owner", r.title)),
                    (_, None) => Some(format!("{}: never reviewed", r.title)),
                    (_, Some(d)) if d < stale_after => Some(format!("{}: last reviewed {d}", r.title)),
                    _ => None,
                })
                .collect(),
        ),
        Check::of(CheckKey::PostmortemsDone, f.postmortems_missing.clone()),
        Check::of(CheckKey::ActionItemsOnTime, f.overdue_items.clone()),
        Check::of(
            CheckKey::DrillLastQuarter,
            if f.drills_last_quarter == 0 { vec![format!("no drill in the last {RUNBOOK_REVIEW_DAYS} days")] } else { vec![] },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready() -> Facts {
        Facts {
            services: vec![ServiceFacts { name: "Checkout".into(), has_policy: true, runbooks: 1 }],
            alerts_seen: vec![("Checkout".into(), "CheckoutErrors".into())],
            rotations: vec![RotationFacts { schedule: "Primary".into(), layer: "Weekly".into(), people: 5, turn: TurnLength::Weeks(1) }],
            policies: vec![("Payments".into(), 2)],
            gaps: vec![],
            runbooks: vec![RunbookFacts {
                title: "Checkout errors".into(),
                owner: Some("payments".into()),
                last_reviewed: NaiveDate::from_ymd_opt(2026, 10, 1),
                alert_names: vec!["checkouterrors".into()],
            }],
            postmortems_missing: vec![],
            overdue_items: vec![],
            drills_last_quarter: 1,
            today: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }
    }

    #[test]
    fn a_ready_team_passes_every_check() {
        let checks = check(&ready());
        assert_eq!(checks.len(), 11);
        assert!(checks.iter().all(|c| c.passed && c.problems.is_empty()), "{checks:?}");
    }

    #[test]
    fn each_check_names_what_fails() {
        let mut f = ready();
        f.services.push(ServiceFacts { name: "Search".into(), has_policy: false, runbooks: 0 });
        f.alerts_seen.push(("Search".into(), "SlowSuggestions".into()));
        f.rotations.push(RotationFacts { schedule: "Secondary".into(), layer: "Monthly".into(), people: 2, turn: TurnLength::Months(1) });
        f.policies.push(("Search".into(), 1));
        f.gaps.push(("Secondary".into(), "from 2026-12-03 09:00 UTC".into()));
        f.runbooks[0].last_reviewed = NaiveDate::from_ymd_opt(2026, 8, 1);
        f.runbooks.push(RunbookFacts { title: "Search".into(), owner: None, last_reviewed: None, alert_names: vec![] });
        f.postmortems_missing.push("Checkout down (SEV1)".into());
        f.overdue_items = (0..12).map(|n| format!("Item {n}")).collect();
        f.drills_last_quarter = 0;
        let checks = check(&f);
        let failing = |k: CheckKey| checks.iter().find(|c| c.key == k).map(|c| c.problems.clone()).unwrap();
        assert_eq!(failing(CheckKey::ServicesHavePolicies), ["Search"]);
        assert_eq!(failing(CheckKey::ServicesHaveRunbooks), ["Search"]);
        assert_eq!(failing(CheckKey::AlertsHaveRunbooks), ["SlowSuggestions (Search)"], "matched by name in any case");
        assert_eq!(failing(CheckKey::RotationsBigEnough), ["Secondary / Monthly: 2 people"]);
        assert_eq!(failing(CheckKey::ShiftsAtMostAWeek), ["Secondary / Monthly"]);
        assert_eq!(failing(CheckKey::PoliciesEscalate), ["Search: one step"]);
        assert_eq!(failing(CheckKey::NoCoverageGaps), ["Secondary: nobody on call from 2026-12-03 09:00 UTC"]);
        assert_eq!(failing(CheckKey::RunbooksReviewed), ["Checkout errors: last reviewed 2026-08-01", "Search: no owner"]);
        assert_eq!(failing(CheckKey::PostmortemsDone), ["Checkout down (SEV1)"]);
        assert_eq!(failing(CheckKey::DrillLastQuarter), ["no drill in the last 92 days"]);
        let items = checks.iter().find(|c| c.key == CheckKey::ActionItemsOnTime).unwrap();
        assert_eq!((items.passed, items.problems.len(), items.problem_count), (false, PROBLEMS_SHOWN, 12));
        assert!(checks.iter().all(|c| !c.passed));
    }

    #[test]
    fn a_turn_longer_than_a_week_is_flagged_in_any_unit() {
        assert!(!longer_than_a_week(TurnLength::Hours(168)));
        assert!(longer_than_a_week(TurnLength::Hours(169)));
        assert!(!longer_than_a_week(TurnLength::Days(7)));
        assert!(longer_than_a_week(TurnLength::Days(8)));
        assert!(!longer_than_a_week(TurnLength::Weeks(1)));
        assert!(longer_than_a_week(TurnLength::Weeks(2)));
        assert!(longer_than_a_week(TurnLength::Months(1)));
        for k in check(&ready()).iter().map(|c| c.key) {
            assert!(k.fix_at().starts_with('/'), "{}", k.as_str());
        }
    }
}
