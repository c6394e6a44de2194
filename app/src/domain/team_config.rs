//! Klaxon's on-call configuration as one document (`klaxon config export` / `apply`):
//! people (no passwords), schedules, escalation policies, services with their integration
//! keys (by name; a secret is never written out) and who each notification audience is.
//!
//! Applying is planned first: [`plan`] compares what Klaxon has with what the document says,
//! item by item, and says what would be created or changed. It never deletes: what is only
//! in Klaxon is listed and kept. Planning what is already there changes nothing, so applying
//! twice is the same as once.

use serde::{Deserialize, Serialize};

use super::alert::KeyKind;
use super::escalation::PolicyDoc;
use super::oncall::doc::ScheduleDoc;
use super::timers::Audience;
use super::user::AccountRole;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    #[serde(default)]
    pub users: Vec<UserDoc>,
    #[serde(default)]
    pub schedules: Vec<ScheduleDoc>,
    #[serde(default)]
    pub policies: Vec<PolicyDoc>,
    #[serde(default)]
    pub services: Vec<ServiceDoc>,
    #[serde(default)]
    pub audiences: AudiencesDoc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDoc {
    pub email: String,
    pub name: String,
    pub role: AccountRole,
    /// An IANA zone name (night hours are counted on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDoc {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The policy it pages through, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_policy: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub maintenance: bool,
    /// Its keys by name (a new one's secret is shown once, when it is issued).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub integration_keys: Vec<KeyDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyDoc {
    pub name: String,
    pub kind: KeyKind,
}

/// Who each audience is: people by email, and webhook addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudiencesDoc {
    #[serde(default)]
    pub executives: Vec<String>,
    #[serde(default)]
    pub security_and_legal: Vec<String>,
}

impl AudiencesDoc {
    pub fn of(&self, a: Audience) -> &[String] {
        match a {
            Audience::Executives => &self.executives,
            Audience::SecurityAndLegal => &self.security_and_legal,
        }
    }

    pub fn of_mut(&mut self, a: Audience) -> &mut Vec<String> {
        match a {
            Audience::Executives => &mut self.executives,
            Audience::SecurityAndLegal => &mut self.security_and_legal,
        }
    }
}

/// What applying does to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// In Klaxon, not in the document: kept as it is.
    Kept,
}

impl Action {
    pub fn mark(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::Unchanged => '=',
            Action::Kept => '.',
        }
    }
}

/// The things a document holds, in the order they are applied (each may name the ones
/// before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    User,
    Schedule,
    Policy,
    Service,
    Key,
    AudienceMember,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Schedule => "schedule",
            Kind::Policy => "policy",
            Kind::Service => "service",
            Kind::Key => "integration key",
            Kind::AudienceMember => "audience member",
        }
    }
}

/// One line of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub action: Action,
    pub kind: Kind,
    /// Which one: an email, a name, `checkout`, `checkout/Prometheus`, `executives: …`.
    pub key: String,
    /// For an update, the fields that differ.
    pub fields: Vec<&'static str>,
}

impl Change {
    /// `~ schedule "Payments primary" (layers)`.
    pub fn line(&self) -> String {
        let fields = if self.fields.is_empty() { String::new() } else { format!(" ({})", self.fields.join(", ")) };
        let kept = if self.action == Action::Kept { " — only in Klaxon, kept" } else { "" };
        format!("{} {} {:?}{fields}{kept}", self.action.mark(), self.kind.label(), self.key)
    }
}

fn norm(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Pairs items of `current` and `desired` by `key`, in the document's order, then what is
/// only in Klaxon; `diff` names the fields that differ.
fn compare<T>(kind: Kind, current: &[T], desired: &[T], key: impl Fn(&T) -> String, diff: impl Fn(&T, &T) -> Vec<&'static str>, out: &mut Vec<Change>) {
    for d in desired {
        let k = key(d);
        let (action, fields) = match current.iter().find(|c| key(c) == k) {
            None => (Action::Create, vec![]),
            Some(c) => match diff(c, d) {
                f if f.is_empty() => (Action::Unchanged, f),
                f => (Action::Update, f),
            },
        };
        out.push(Change { action, kind, key: k, fields });
    }
    for c in current {
        let k = key(c);
        if !desired.iter().any(|d| key(d) == k) {
            out.push(Change { action: Action::Kept, kind, key: k, fields: vec![] });
        }
    }
}

/// The names of the fields whose values are not the same.
fn differ(pairs: &[(&'static str, bool)]) -> Vec<&'static str> {
    pairs.iter().filter(|(_, same)| !same).map(|(f, _)| *f).collect()
}

/// What applying `desired` over `current` does, item by item.
pub fn plan(current: &TeamConfig, desired: &TeamConfig) -> Vec<Change> {
    let mut out = Vec::new();
    compare(
        Kind::User,
        &current.users,
        &desired.users,
        |u| norm(&u.email),
        |c, d| differ(&[("name", c.name.trim() == d.name.trim()), ("role", c.role == d.role), ("time_zone", c.time_zone == d.time_zone)]),
        &mut out,
    );
    compare(
        Kind::Schedule,
        &current.schedules,
        &desired.schedules,
        |s| s.name.trim().to_string(),
        |c, d| differ(&[("time_zone", c.time_zone == d.time_zone), ("description", c.description == d.description), ("layers", c.layers == d.layers)]),
        &mut out,
    );
    compare(
        Kind::Policy,
        &current.policies,
        &desired.policies,
        |p| p.name.trim().to_string(),
        |c, d| differ(&[("repeat", c.repeat == d.repeat), ("steps", c.steps == d.steps)]),
        &mut out,
    );
    compare(
        Kind::Service,
        &current.services,
        &desired.services,
        |s| s.slug.trim().to_string(),
        |c, d| {
            differ(&[
                ("name", c.name.trim() == d.name.trim()),
                ("description", c.description == d.description),
                ("escalation_policy", c.escalation_policy == d.escalation_policy),
                ("maintenance", c.maintenance == d.maintenance),
            ])
        },
        &mut out,
    );
    let keys = |cfg: &TeamConfig| -> Vec<(String, KeyDoc)> {
        cfg.services.iter().flat_map(|s| s.integration_keys.iter().map(move |k| (s.slug.trim().to_string(), k.clone()))).collect()
    };
    compare(Kind::Key, &keys(current), &keys(desired), |(s, k)| format!("{s}/{}", k.name.trim()), |c, d| differ(&[("kind", c.1.kind == d.1.kind)]), &mut out);
    let members = |cfg: &TeamConfig| -> Vec<String> {
        Audience::ALL.into_iter().flat_map(|a| cfg.audiences.of(a).iter().map(move |m| format!("{}: {}", a.as_str(), member_key(m)))).collect()
    };
    compare(Kind::AudienceMember, &members(current), &members(desired), |m| m.clone(), |_, _| vec![], &mut out);
    out
}

/// An audience member as compared: an email in lower case, an address as written.
fn member_key(m: &str) -> String {
    let m = m.trim();
    if m.contains('@') && !m.contains("://") {
        norm(m)
    } else {
        m.to_string()
    }
}

/// Whether an audience member is a person (an email) rather than a webhook address.
pub fn is_person(member: &str) -> bool {
    let m = member.trim();
    m.contains('@') && !m.contains("://")
}

/// Whether applying would change anything.
pub fn changes_anything(plan: &[Change]) -> bool {
    plan.iter().any(|c| matches!(c.action, Action::Create | Action::Update))
}

/// The line (1-based) where item `index` of the top-level list `section` starts in `yaml`
/// (block style, as export writes and people write): errors name it.
pub fn item_line(yaml: &str, section: &str, index: usize) -> Option<usize> {
    let mut in_section = false;
    let mut indent: Option<usize> = None;
    let mut seen = 0;
    for (n, line) in yaml.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let depth = line.len() - trimmed.len();
        if depth == 0 && !trimmed.starts_with('-') {
            in_section = trimmed.split(':').next().map(str::trim) == Some(section);
            indent = None;
            continue;
        }
        if !in_section || !trimmed.starts_with('-') {
            continue;
        }
        let item_indent = *indent.get_or_insert(depth);
        if depth == item_indent {
            if seen == index {
                return Some(n + 1);
            }
            seen += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::escalation::{StepDoc, TargetDoc};
    use proptest::prelude::*;

    fn user(email: &str, role: AccountRole) -> UserDoc {
        UserDoc { email: email.into(), name: email.split('@').next().unwrap().to_lowercase(), role, time_zone: None }
    }

    fn policy(name: &str, delay: u32) -> PolicyDoc {
        PolicyDoc {
            name: name.into(),
            repeat: 1,
            steps: vec![StepDoc { delay_minutes: delay, targets: vec![TargetDoc { schedule: Some("Primary".into()), user: None }] }],
        }
    }

    fn service(slug: &str, policy: Option<&str>, keys: &[&str]) -> ServiceDoc {
        ServiceDoc {
            slug: slug.into(),
            name: slug.to_uppercase(),
            description: String::new(),
            escalation_policy: policy.map(str::to_string),
            maintenance: false,
            integration_keys: keys.iter().map(|k| KeyDoc { name: (*k).into(), kind: KeyKind::EventsV2 }).collect(),
        }
    }

    #[test]
    fn a_plan_says_what_changes_and_keeps_the_rest() {
        let current = TeamConfig {
            users: vec![user("ada@example.com", AccountRole::Admin), user("old@example.com", AccountRole::Viewer)],
            policies: vec![policy("Payments", 5)],
            services: vec![service("checkout", None, &["Prometheus"])],
            audiences: AudiencesDoc { executives: vec!["ada@example.com".into()], ..Default::default() },
            ..Default::default()
        };
        let desired = TeamConfig {
            users: vec![user("ADA@example.com", AccountRole::Admin), user("ben@example.com", AccountRole::Responder)],
            policies: vec![policy("Payments", 10)],
            services: vec![service("checkout", Some("Payments"), &["Prometheus", "Grafana"])],
            audiences: AudiencesDoc { executives: vec!["Ada@Example.com".into(), "https://hooks.example.com/x".into()], ..Default::default() },
            ..Default::default()
        };
        let lines: Vec<String> = plan(&current, &desired).iter().map(Change::line).collect();
        assert_eq!(
            lines,
            [
                "= user \"ada@example.com\"",
                "+ user \"ben@example.com\"",
                ". user \"old@example.com\" — only in Klaxon, kept",
                "~ policy \"Payments\" (steps)",
                "~ service \"checkout\" (escalation_policy)",
                "= integration key \"checkout/Prometheus\"",
                "+ integration key \"checkout/Grafana\"",
                "= audience member \"executives: ada@example.com\"",
                "+ audience member \"executives: https://hooks.example.com/x\"",
            ]
        );
        assert!(changes_anything(&plan(&current, &desired)));
    }

    #[test]
    fn items_are_found_by_line() {
        let yaml =
            "# team\nusers:\n  - email: a@x.com\n    name: A\n  - email: b@x.com\n    name: B\nschedules:\n- name: S\n  layers:\n    - name: L\n- name: T\n";
        assert_eq!(item_line(yaml, "users", 0), Some(3));
        assert_eq!(item_line(yaml, "users", 1), Some(5));
        assert_eq!(item_line(yaml, "schedules", 1), Some(11), "nested lists are not items");
        assert_eq!(item_line(yaml, "users", 2), None);
        assert_eq!(item_line(yaml, "policies", 0), None);
    }

    proptest! {
        /// A document planned over itself changes nothing, whatever it holds; planned over
        /// nothing, it creates every item once.
        #[test]
        fn planning_is_idempotent(emails in proptest::collection::btree_set("[a-z]{1,8}", 0..6), delays in proptest::collection::vec(0u32..60, 0..4)) {
            let cfg = TeamConfig {
                users: emails.iter().map(|e| user(&format!("{e}@example.com"), AccountRole::Responder)).collect(),
                policies: delays.iter().enumerate().map(|(i, d)| policy(&format!("P{i}"), *d)).collect(),
                services: delays.iter().enumerate().map(|(i, _)| service(&format!("s{i}"), Some(&format!("P{i}")), &["k"])).collect(),
                ..Default::default()
            };
            let same = plan(&cfg, &cfg);
            prop_assert!(!changes_anything(&same));
            prop_assert!(same.iter().all(|c| c.action == Action::Unchanged));
            let fresh = plan(&TeamConfig::default(), &cfg);
            prop_assert!(fresh.iter().all(|c| c.action == Action::Create));
            prop_assert_eq!(fresh.len(), emails.len() + 3 * delays.len());
        }
    }
}
