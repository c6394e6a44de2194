//! Public incidents: the updates a responder posts to the status page, and the incidents
//! customers see, built from those updates alone.

use crate::domain::text::{checked, Lines};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::ComponentId;
use super::status_page::ComponentStatus;

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
    /// The public incident's id, where customers read it (filled in by the server, so the war
    /// room can link to the page without knowing how ids are made).
    #[serde(default)]
    pub public_id: String,
}

pub const PUBLIC_TITLE_MAX: usize = 120;
pub const PUBLIC_BODY_MAX: usize = 5000;
/// The most components one update or maintenance window may name.
pub const COMPONENTS_MAX: usize = 100;

impl PublicUpdate {
    /// Checks lengths and characters, and that no component is named twice.
    pub fn validate(&self) -> Result<(), String> {
        checked(&self.title, "The public title", 1, PUBLIC_TITLE_MAX, Lines::One)?;
        checked(&self.body, "The update", 1, PUBLIC_BODY_MAX, Lines::Many)?;
        if self.components.len() > COMPONENTS_MAX {
            return Err(format!("An update may name at most {COMPONENTS_MAX} components (it names {}).", self.components.len()));
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

/// Makes the ids customers know public incidents and updates by: a keyed hash (HMAC-SHA-256
/// under this installation's secret) of the internal id, written as 12 letters and digits
/// like Statuspage's. Stable (the same incident always has the same id) and opaque: without
/// the key an id says nothing of the internal id, nor of how much happened internally, and
/// the next one cannot be guessed. Built here only: the page, its JSON, the feeds, the
/// webhooks and the war room's link all use it.
#[derive(Clone)]
pub struct PublicIds {
    key: Vec<u8>,
}

impl std::fmt::Debug for PublicIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicIds(…)")
    }
}

impl PublicIds {
    pub fn new(key: &[u8]) -> Self {
        PublicIds { key: key.to_vec() }
    }

    /// A public incident's id, from its internal incident's id.
    pub fn incident(&self, incident: i64) -> String {
        self.id(b"incident", incident)
    }

    /// A public update's id, from its event's id.
    pub fn update(&self, event: i64) -> String {
        self.id(b"update", event)
    }

    fn id(&self, kind: &[u8], n: i64) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(kind);
        mac.update(b":");
        mac.update(&n.to_be_bytes());
        let tag = mac.finalize().into_bytes();
        // 60 bits, five at a time, in lowercase base32 (RFC 4648's alphabet)
        const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
        let bits = u64::from_be_bytes(tag[..8].try_into().expect("eight bytes"));
        (0..12).map(|i| ALPHABET[((bits >> (59 - 5 * i)) & 31) as usize] as char).collect()
    }
}

/// A public incident as customers see it: its updates, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicIncident {
    /// Opaque and stable ([`PublicIds::incident`]). Never the internal slug, which carries
    /// words of the internal title.
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
    /// Opaque and stable ([`PublicIds::update`]).
    pub id: String,
    /// The update's event id: orders updates, never shown (nor sent anywhere).
    #[serde(skip)]
    pub seq: i64,
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
pub fn public_incidents(ids: &PublicIds, updates: &[PublicUpdateRecord]) -> Vec<PublicIncident> {
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
        let view = PublicUpdateView { id: ids.update(*event_id), seq: *event_id, status: u.status, body: u.body.clone(), at: *at, affected };
        let i = match index.get(incident) {
            Some(pos) => &mut out[*pos],
            None => {
                index.insert(*incident, out.len());
                out.push(PublicIncident {
                    id: ids.incident(*incident),
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
    out.sort_by_key(|i| std::cmp::Reverse(i.updated_at));
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
    use super::*;
    use crate::domain::status_page::ComponentStatus::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    fn update(status: PublicStatus, body: &str) -> PublicUpdate {
        PublicUpdate {
            title: "Checkout problems".into(),
            status,
            body: body.into(),
            impact: Impact::Major,
            components: vec![],
            previous: vec![],
            public_id: String::new(),
        }
    }

    #[test]
    fn public_ids_are_opaque_stable_and_keyed() {
        let ids = PublicIds::new(b"one installation");
        let other = PublicIds::new(b"another installation");
        let a = ids.incident(1);
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)), "{a}");
        assert_eq!(a, ids.incident(1), "stable");
        assert_ne!(a, ids.update(1), "incidents and updates never share an id");
        assert_ne!(a, other.incident(1), "another key, other ids");
        assert!(!a.contains('1'));
        // no two of many ids collide, and none gives its number away
        let many: std::collections::HashSet<String> = (0..10_000).map(|n| ids.incident(n)).collect();
        assert_eq!(many.len(), 10_000);
        assert!(!ids.incident(123456).contains("123456"));
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
        let ids = PublicIds::new(b"test key");
        let incidents = public_incidents(&ids, &u);
        assert_eq!(incidents.iter().map(|i| i.id.clone()).collect::<Vec<_>>(), [ids.incident(70), ids.incident(71)]);
        let a = &incidents[0];
        assert_eq!(a.status, PublicStatus::Resolved);
        assert_eq!(a.resolved_at, Some(at(11, 0)));
        assert_eq!(a.created_at, at(9, 0));
        assert_eq!(a.updates.iter().map(|v| v.body.as_str()).collect::<Vec<_>>(), ["all good", "fixed", "looking"]);
        assert_eq!(a.updates.iter().map(|v| v.seq).collect::<Vec<_>>(), [4, 3, 1]);
        assert_eq!(a.updates.iter().map(|v| v.id.clone()).collect::<Vec<_>>(), [ids.update(4), ids.update(3), ids.update(1)]);
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
        let twice = PublicUpdate { components: vec![(ComponentId(1), MajorOutage), (ComponentId(1), Operational)], ..update(PublicStatus::Investigating, "x") };
        assert!(twice.validate().unwrap_err().contains("twice"));
        let many = |n: i64| PublicUpdate { components: (0..n).map(|i| (ComponentId(i), Operational)).collect(), ..update(PublicStatus::Investigating, "x") };
        assert!(many(COMPONENTS_MAX as i64).validate().is_ok());
        assert_eq!(many(COMPONENTS_MAX as i64 + 1).validate().unwrap_err(), "An update may name at most 100 components (it names 101).");
    }

    #[test]
    fn names_and_templates() {
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
