//! Escalation policies, and the plan of who is paged when for an alert.
//!
//! A policy is PagerDuty's: ordered steps ("rules"), each with targets and a delay, and a
//! number of times the whole list repeats. Step 0 pages at once; step `i` pages when step
//! `i - 1`'s delay has passed without an acknowledgement; after the last step's delay the
//! list starts again, `repeat` more times. A schedule target pages whoever is on call on it
//! at that moment; a step where no target has anyone is kept in the plan, marked skipped, so
//! it is never silently "paged nobody".

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ScheduleId, UserId};
use super::oncall::checks::gaps;
use super::oncall::Shift;

/// Who a step pages. One spelling on the wire and in YAML (`{schedule: 3}`, `{user: 7}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Whoever is on call on the schedule when the step fires.
    Schedule(ScheduleId),
    /// This person, always.
    User(UserId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// How long the step waits for an acknowledgement before the next one pages.
    pub delay_minutes: u32,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub steps: Vec<Step>,
    /// How many more times the whole list runs after the first (PagerDuty's `num_loops`).
    pub repeat: u32,
}

pub const STEPS_MAX: usize = 20;
pub const TARGETS_MAX: usize = 10;
pub const DELAY_MAX: u32 = 24 * 60;
pub const REPEAT_MAX: u32 = 9;

impl Policy {
    /// The policy if it can run, or a message naming the field at fault.
    pub fn checked(self) -> Result<Policy, String> {
        if self.steps.is_empty() || self.steps.len() > STEPS_MAX {
            return Err(format!("steps: a policy has 1 to {STEPS_MAX} steps."));
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.delay_minutes == 0 || s.delay_minutes > DELAY_MAX {
                return Err(format!("steps[{i}].delay_minutes: from 1 to {DELAY_MAX} minutes."));
            }
            if s.targets.is_empty() || s.targets.len() > TARGETS_MAX {
                return Err(format!("steps[{i}].targets: a step pages 1 to {TARGETS_MAX} targets."));
            }
        }
        if self.repeat > REPEAT_MAX {
            return Err(format!("repeat: at most {REPEAT_MAX}."));
        }
        Ok(self)
    }

    /// One pass through every step, in minutes.
    pub fn cycle_minutes(&self) -> i64 {
        self.steps.iter().map(|s| s.delay_minutes as i64).sum()
    }

    /// When step `step` of round `round` fires, for an alert raised at `raised`.
    pub fn fires_at(&self, raised: DateTime<Utc>, round: u32, step: usize) -> DateTime<Utc> {
        let before: i64 = self.steps.iter().take(step).map(|s| s.delay_minutes as i64).sum();
        raised + Duration::minutes(round as i64 * self.cycle_minutes() + before)
    }

    /// The step after (`round`, `step`), if the policy has one.
    pub fn next(&self, round: u32, step: usize) -> Option<(u32, usize)> {
        if step + 1 < self.steps.len() {
            Some((round, step + 1))
        } else if round < self.repeat {
            Some((round + 1, 0))
        } else {
            None
        }
    }
}

/// A policy as written (YAML or JSON): schedules by name, people by email.
///
/// ```yaml
/// name: Payments
/// repeat: 1
/// steps:
///   - delay_minutes: 5
///     targets: [{schedule: Payments primary}]
///   - delay_minutes: 10
///     targets: [{schedule: Payments secondary}]
///   - delay_minutes: 15
///     targets: [{user: manager@example.com}]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    pub name: String,
    #[serde(default)]
    pub repeat: u32,
    pub steps: Vec<StepDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    pub delay_minutes: u32,
    pub targets: Vec<TargetDoc>,
}

/// One target: `{schedule: <name>}` or `{user: <email>}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

impl PolicyDoc {
    /// The document of a stored policy, schedules by name and people by email (what
    /// [`PolicyDoc::policy`] reads back); a target that no longer resolves is written as
    /// its id, so reading it back fails and says so.
    pub fn of(name: &str, p: &Policy, schedule_name: impl Fn(ScheduleId) -> Option<String>, email: impl Fn(UserId) -> Option<String>) -> PolicyDoc {
        let steps = p
            .steps
            .iter()
            .map(|s| StepDoc {
                delay_minutes: s.delay_minutes,
                targets: s
                    .targets
                    .iter()
                    .map(|t| match t {
                        Target::Schedule(id) => TargetDoc { schedule: Some(schedule_name(*id).unwrap_or_else(|| format!("schedule {id}"))), user: None },
                        Target::User(id) => TargetDoc { schedule: None, user: Some(email(*id).unwrap_or_else(|| format!("user {id}"))) },
                    })
                    .collect(),
            })
            .collect();
        PolicyDoc { name: name.to_string(), repeat: p.repeat, steps }
    }

    /// The policy it describes, `schedule_of` and `user_of` finding schedules by name and
    /// people by email; every error names its field.
    pub fn policy(&self, schedule_of: impl Fn(&str) -> Option<ScheduleId>, user_of: impl Fn(&str) -> Option<UserId>) -> Result<Policy, String> {
        let mut steps = vec![];
        for (i, s) in self.steps.iter().enumerate() {
            let mut targets = vec![];
            for (j, t) in s.targets.iter().enumerate() {
                targets.push(match (&t.schedule, &t.user) {
                    (Some(name), None) => Target::Schedule(
                        schedule_of(name.trim()).ok_or_else(|| format!("steps[{i}].targets[{j}].schedule: there is no schedule named {:?}.", name.trim()))?,
                    ),
                    (None, Some(email)) => Target::User(
                        user_of(email.trim())
                            .ok_or_else(|| format!("steps[{i}].targets[{j}].user: nobody in the organisation has the email {:?}.", email.trim()))?,
                    ),
                    _ => return Err(format!("steps[{i}].targets[{j}]: give either a schedule or a user.")),
                });
            }
            steps.push(Step { delay_minutes: s.delay_minutes, targets });
        }
        Policy { steps, repeat: self.repeat }.checked()
    }
}

/// One step as it will fire: when, and who each target means then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStep {
    pub at: DateTime<Utc>,
    pub round: u32,
    pub step: usize,
    /// Each target and the person it pages then (`None`: nobody on call on that schedule).
    pub targets: Vec<(Target, Option<UserId>)>,
}

impl PlannedStep {
    /// The people paged, each once, in target order.
    pub fn users(&self) -> Vec<UserId> {
        paged_users(&self.targets)
    }

    /// Nobody to page: the step is skipped, and says so.
    pub fn skipped(&self) -> bool {
        self.targets.iter().all(|(_, u)| u.is_none())
    }
}

/// The people resolved targets page, each once, in target order.
pub fn paged_users(targets: &[(Target, Option<UserId>)]) -> Vec<UserId> {
    let mut out: Vec<UserId> = vec![];
    for u in targets.iter().filter_map(|(_, u)| *u) {
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// Who is paged for one step fired at `at`.
pub fn resolve(step: &Step, at: DateTime<Utc>, on_call: &impl Fn(ScheduleId, DateTime<Utc>) -> Option<UserId>) -> Vec<(Target, Option<UserId>)> {
    step.targets
        .iter()
        .map(|t| {
            let user = match *t {
                Target::User(u) => Some(u),
                Target::Schedule(s) => on_call(s, at),
            };
            (*t, user)
        })
        .collect()
}

/// Every step the policy fires for an alert raised at `raised` that nobody acknowledges:
/// in order, `on_call` saying who is on call on a schedule at an instant.
pub fn plan(policy: &Policy, raised: DateTime<Utc>, on_call: impl Fn(ScheduleId, DateTime<Utc>) -> Option<UserId>) -> Vec<PlannedStep> {
    let mut out = vec![];
    let mut at = Some((0u32, 0usize));
    while let Some((round, step)) = at {
        let when = policy.fires_at(raised, round, step);
        out.push(PlannedStep { at: when, round, step, targets: resolve(&policy.steps[step], when, &on_call) });
        at = policy.next(round, step);
    }
    out
}

/// The stretches of `[from, to)` when `step` would page nobody: none of its schedules has
/// anyone on call (a step with a user target always has someone). `shifts_of` gives a
/// schedule's final shifts over the range.
pub fn step_gaps<'a>(
    step: &Step,
    shifts_of: impl Fn(ScheduleId) -> &'a [Shift],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    if step.targets.iter().any(|t| matches!(t, Target::User(_))) {
        return vec![];
    }
    let mut all: Vec<Shift> = step
        .targets
        .iter()
        .filter_map(|t| match t {
            Target::Schedule(s) => Some(shifts_of(*s)),
            Target::User(_) => None,
        })
        .flat_map(|s| s.iter().copied())
        .collect();
    all.sort_by_key(|s| s.start);
    gaps(&all, from, to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oncall::{on_call_at, Source};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap()
    }

    /// The seeds' Terraform: the primary schedule, after 5 minutes the secondary, after 10
    /// more the engineering manager; the whole list twice.
    fn seed() -> Policy {
        Policy {
            steps: vec![
                Step { delay_minutes: 5, targets: vec![Target::Schedule(ScheduleId(1))] },
                Step { delay_minutes: 10, targets: vec![Target::Schedule(ScheduleId(2))] },
                Step { delay_minutes: 15, targets: vec![Target::User(UserId(9))] },
            ],
            repeat: 1,
        }
    }

    #[test]
    fn a_stored_policy_reads_back_from_its_document() {
        let names = |id: ScheduleId| Some(format!("S{}", id.0));
        let emails = |id: UserId| Some(format!("u{}@example.com", id.0));
        let doc = PolicyDoc::of("Payments", &seed(), names, emails);
        assert_eq!(doc.steps[2].targets[0].user.as_deref(), Some("u9@example.com"));
        let back = doc
            .policy(|n| n.strip_prefix('S').and_then(|n| n.parse().ok()).map(ScheduleId), |e| e.strip_prefix('u')?.split('@').next()?.parse().ok().map(UserId));
        assert_eq!(back, Ok(seed()));
        let lost = PolicyDoc::of("Payments", &seed(), |_| None, emails);
        assert!(lost.policy(|_| None, |_| None).unwrap_err().contains("there is no schedule named \"schedule 1\""));
    }

    #[test]
    fn the_seed_policy_pages_primary_secondary_then_the_manager_twice() {
        let on_call = |s: ScheduleId, _| Some(UserId(s.0 * 10));
        let p = plan(&seed(), t0(), on_call);
        let at: Vec<i64> = p.iter().map(|s| (s.at - t0()).num_minutes()).collect();
        assert_eq!(at, [0, 5, 15, 30, 35, 45]);
        let who: Vec<Vec<UserId>> = p.iter().map(PlannedStep::users).collect();
        assert_eq!(who[..3], [vec![UserId(10)], vec![UserId(20)], vec![UserId(9)]]);
        assert_eq!(p[3].round, 1);
        assert!(p.iter().all(|s| !s.skipped()));
    }

    #[test]
    fn a_step_with_nobody_on_call_is_skipped_visibly() {
        let nobody_on_secondary = |s: ScheduleId, _| (s.0 == 1).then_some(UserId(10));
        let p = plan(&seed(), t0(), nobody_on_secondary);
        assert!(p[1].skipped());
        assert_eq!(p[1].targets, vec![(Target::Schedule(ScheduleId(2)), None)]);
        assert!(!p[0].skipped() && !p[2].skipped());
    }

    #[test]
    fn bad_policies_name_the_field() {
        let bad = |f: fn(&mut Policy)| {
            let mut p = seed();
            f(&mut p);
            p.checked().unwrap_err()
        };
        assert!(bad(|p| p.steps.clear()).starts_with("steps:"));
        assert!(bad(|p| p.steps[1].delay_minutes = 0).starts_with("steps[1].delay_minutes:"));
        assert!(bad(|p| p.steps[2].targets.clear()).starts_with("steps[2].targets:"));
        assert!(bad(|p| p.repeat = 10).starts_with("repeat:"));
        assert!(seed().checked().is_ok());
        let json = serde_json::to_string(&Target::Schedule(ScheduleId(3))).unwrap();
        assert_eq!(json, r#"{"schedule":3}"#);
    }

    #[test]
    fn a_policy_document_names_what_it_cannot_find() {
        let yaml = "name: Payments\nrepeat: 1\nsteps:\n  - delay_minutes: 5\n    targets: [{schedule: Payments primary}]\n  - delay_minutes: 15\n    targets: [{user: manager@example.com}]\n";
        let doc: PolicyDoc = serde_yaml_ng::from_str(yaml).unwrap();
        let schedules = |n: &str| (n == "Payments primary").then_some(ScheduleId(1));
        let users = |e: &str| (e == "manager@example.com").then_some(UserId(9));
        let p = doc.policy(schedules, users).unwrap();
        assert_eq!(p.steps[0].targets, [Target::Schedule(ScheduleId(1))]);
        assert_eq!((p.steps[1].targets.clone(), p.repeat), (vec![Target::User(UserId(9))], 1));
        let typo: PolicyDoc = serde_yaml_ng::from_str(&yaml.replace("Payments primary", "Payments primry")).unwrap();
        assert_eq!(typo.policy(schedules, users).unwrap_err(), "steps[0].targets[0].schedule: there is no schedule named \"Payments primry\".");
        let zero: PolicyDoc = serde_yaml_ng::from_str(&yaml.replace("delay_minutes: 15", "delay_minutes: 0")).unwrap();
        assert!(zero.policy(schedules, users).unwrap_err().starts_with("steps[1].delay_minutes:"));
        let both: PolicyDoc =
            serde_yaml_ng::from_str(&yaml.replace("{user: manager@example.com}", "{user: manager@example.com, schedule: Payments primary}")).unwrap();
        assert_eq!(both.policy(schedules, users).unwrap_err(), "steps[1].targets[0]: give either a schedule or a user.");
    }

    #[test]
    fn step_gaps_are_where_no_schedule_of_the_step_has_anyone() {
        let h = |n: i64| t0() + Duration::hours(n);
        let shift = |a: i64, b: i64| Shift { start: h(a), end: h(b), user: UserId(1), source: Source::Layer { layer: 0, turn: a } };
        let (days, nights) = (vec![shift(0, 8), shift(24, 32)], vec![shift(6, 20)]);
        let of = |s: ScheduleId| -> &[Shift] {
            if s.0 == 1 {
                &days
            } else {
                &nights
            }
        };
        let both = Step { delay_minutes: 5, targets: vec![Target::Schedule(ScheduleId(1)), Target::Schedule(ScheduleId(2))] };
        assert_eq!(step_gaps(&both, of, h(0), h(48)), vec![(h(20), h(24)), (h(32), h(48))]);
        let with_user = Step { targets: vec![Target::Schedule(ScheduleId(1)), Target::User(UserId(4))], ..both };
        assert!(step_gaps(&with_user, of, h(0), h(48)).is_empty());
    }

    fn arb_policy() -> impl Strategy<Value = Policy> {
        let target = prop_oneof![(1i64..4).prop_map(|s| Target::Schedule(ScheduleId(s))), (50i64..53).prop_map(|u| Target::User(UserId(u)))];
        let step = (1u32..120, prop::collection::vec(target, 1..4)).prop_map(|(delay_minutes, targets)| Step { delay_minutes, targets });
        (prop::collection::vec(step, 1..6), 0u32..4).prop_map(|(steps, repeat)| Policy { steps, repeat })
    }

    proptest! {
        /// The plan fires every step of every round once, in order, each after the one
        /// before by that one's delay; each schedule target pages whoever is on call on it
        /// at that moment; a step is skipped exactly when it has nobody.
        #[test]
        fn the_plan_follows_the_policy_and_the_schedules(policy in arb_policy(), raised_m in 0i64..100_000, turns in prop::collection::vec(1i64..600, 1..40)) {
            let raised = t0() + Duration::minutes(raised_m);
            // schedule 1 and 2 rotate through users 1..=3 in turns of the given minutes, with
            // a gap every third turn; schedule 3 has nobody
            let mut shifts = vec![];
            let mut t = raised - Duration::minutes(60);
            for (i, m) in turns.iter().enumerate() {
                let end = t + Duration::minutes(*m);
                if i % 3 != 2 {
                    shifts.push(Shift { start: t, end, user: UserId(1 + i as i64 % 3), source: Source::Layer { layer: 0, turn: i as i64 } });
                }
                t = end;
            }
            let on_call = |s: ScheduleId, at: DateTime<Utc>| if s.0 == 3 { None } else { on_call_at(&shifts, at) };
            let p = plan(&policy, raised, on_call);
            prop_assert_eq!(p.len(), policy.steps.len() * (policy.repeat as usize + 1));
            prop_assert_eq!(p[0].at, raised);
            for pair in p.windows(2) {
                let delay = policy.steps[pair[0].step].delay_minutes as i64;
                prop_assert_eq!(pair[1].at - pair[0].at, Duration::minutes(delay));
            }
            for s in &p {
                for (target, user) in &s.targets {
                    let expected = match target {
                        Target::User(u) => Some(*u),
                        Target::Schedule(id) => on_call(*id, s.at),
                    };
                    prop_assert_eq!(*user, expected);
                }
                prop_assert_eq!(s.skipped(), s.users().is_empty());
                prop_assert_eq!(s.at, policy.fires_at(raised, s.round, s.step));
            }
        }
    }
}
