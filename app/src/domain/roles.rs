//! Incident roles and hand-overs.

use serde::{Deserialize, Serialize};

use super::ids::UserId;

/// A role on one incident. Every role but SME is held by one person at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentRole {
    Commander,
    Comms,
    Ops,
    Scribe,
    Sme,
}

impl IncidentRole {
    pub const ALL: [IncidentRole; 5] = [IncidentRole::Commander, IncidentRole::Comms, IncidentRole::Ops, IncidentRole::Scribe, IncidentRole::Sme];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentRole::Commander => "commander",
            IncidentRole::Comms => "comms",
            IncidentRole::Ops => "ops",
            IncidentRole::Scribe => "scribe",
            IncidentRole::Sme => "sme",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IncidentRole::Commander => "Incident Commander",
            IncidentRole::Comms => "Comms Lead",
            IncidentRole::Ops => "Ops Lead",
            IncidentRole::Scribe => "Scribe",
            IncidentRole::Sme => "Subject-matter expert",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether several people may hold it at once.
    pub fn is_shared(self) -> bool {
        self == IncidentRole::Sme
    }
}

/// A person as the timeline and role panel name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}

impl From<&super::user::CurrentUser> for Person {
    fn from(u: &super::user::CurrentUser) -> Person {
        Person { id: u.id, name: u.name.clone() }
    }
}

/// Who holds a role now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub role: IncidentRole,
    pub person: Person,
}

/// What assigning `person` to `role` does, given the current holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssignOutcome {
    /// Nobody held the role (or it is shared): the person is added.
    Assigned,
    /// Someone else held it: the role is handed over.
    HandedOver { from: Person },
    /// The person already holds it: nothing to do.
    AlreadyHeld,
}

pub fn plan_assignment(current: &[Assignment], role: IncidentRole, person: &Person) -> AssignOutcome {
    let holders: Vec<&Assignment> = current.iter().filter(|a| a.role == role).collect();
    if holders.iter().any(|a| a.person.id == person.id) {
        return AssignOutcome::AlreadyHeld;
    }
    if role.is_shared() {
        return AssignOutcome::Assigned;
    }
    match holders.first() {
        Some(a) => AssignOutcome::HandedOver { from: a.person.clone() },
        None => AssignOutcome::Assigned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64, name: &str) -> Person {
        Person { id: UserId(id), name: name.into() }
    }

    #[test]
    fn single_roles_hand_over() {
        let current = vec![Assignment { role: IncidentRole::Commander, person: p(1, "Ada") }];
        assert_eq!(plan_assignment(&current, IncidentRole::Commander, &p(2, "Bo")), AssignOutcome::HandedOver { from: p(1, "Ada") });
        assert_eq!(plan_assignment(&current, IncidentRole::Commander, &p(1, "Ada")), AssignOutcome::AlreadyHeld);
        assert_eq!(plan_assignment(&current, IncidentRole::Scribe, &p(1, "Ada")), AssignOutcome::Assigned);
    }

    #[test]
    fn smes_accumulate() {
        let current = vec![Assignment { role: IncidentRole::Sme, person: p(1, "Ada") }];
        assert_eq!(plan_assignment(&current, IncidentRole::Sme, &p(2, "Bo")), AssignOutcome::Assigned);
        assert_eq!(plan_assignment(&current, IncidentRole::Sme, &p(1, "Ada")), AssignOutcome::AlreadyHeld);
    }

    #[test]
    fn names_round_trip() {
        for r in IncidentRole::ALL {
            assert_eq!(IncidentRole::parse(r.as_str()), Some(r));
        }
    }
}
