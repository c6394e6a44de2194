//! What admins see of services on `/services`: the policy each pages through, whether it is
//! in maintenance, its integration keys (never their secrets after they are issued), and the
//! escalation policies there are.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alert::KeyKind;
use super::escalation::{Policy, Target};
use super::ids::IntegrationKeyId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: IntegrationKeyId,
    pub name: String,
    pub kind: KeyKind,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRow {
    pub slug: String,
    pub name: String,
    pub policy: Option<String>,
    pub maintenance: bool,
    pub keys: Vec<KeyRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub name: String,
    /// One line per step: "after 5 min: Payments primary".
    pub steps: Vec<String>,
    pub repeat: u32,
    /// Steps that would page nobody in the next 30 days: the step's index, how many such
    /// stretches, and the first.
    pub gaps: Vec<(usize, usize, DateTime<Utc>, DateTime<Utc>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesAdmin {
    pub services: Vec<ServiceRow>,
    pub policies: Vec<PolicyRow>,
}

/// A policy's steps as lines, `name_of` naming each target.
pub fn describe(policy: &Policy, name_of: impl Fn(Target) -> String) -> Vec<String> {
    let mut at = 0;
    policy
        .steps
        .iter()
        .map(|s| {
            let who: Vec<String> = s.targets.iter().map(|t| name_of(*t)).collect();
            let line = if at == 0 { format!("at once: {}", who.join(", ")) } else { format!("after {at} min: {}", who.join(", ")) };
            at += s.delay_minutes;
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::escalation::Step;
    use crate::domain::ids::{ScheduleId, UserId};

    #[test]
    fn a_policy_reads_as_when_who_is_paged() {
        let p = Policy {
            steps: vec![
                Step { delay_minutes: 5, targets: vec![Target::Schedule(ScheduleId(1))] },
                Step { delay_minutes: 10, targets: vec![Target::Schedule(ScheduleId(2)), Target::User(UserId(3))] },
            ],
            repeat: 1,
        };
        let name = |t: Target| match t {
            Target::Schedule(s) => format!("schedule {s}"),
            Target::User(u) => format!("user {u}"),
        };
        assert_eq!(describe(&p, name), ["at once: schedule 1", "after 5 min: schedule 2, user 3"]);
    }
}
