//! Alerts from monitoring: how bad, where they stand, and what happens to them (the events
//! of an alert's stream).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use super::events_v2::Action;
use super::events_v2::Link;
use super::ids::AlertId;
use super::roles::Person;

/// How bad an alert is. One spelling on the wire, in SQL and in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    Critical,
    Error,
    Warning,
    Info,
}

impl AlertSeverity {
    pub const ALL: [AlertSeverity; 4] = [AlertSeverity::Critical, AlertSeverity::Error, AlertSeverity::Warning, AlertSeverity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Critical => "critical",
            AlertSeverity::Error => "error",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<AlertSeverity> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Triggered,
    Acknowledged,
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Triggered => "triggered",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<AlertState> {
        [AlertState::Triggered, AlertState::Acknowledged, AlertState::Resolved].into_iter().find(|x| x.as_str() == s)
    }

    /// What `action` makes of an alert in this state, or `None` when it changes nothing (an
    /// acknowledgement of an acknowledged alert; anything after the resolve).
    pub fn after(self, action: Action) -> Option<AlertState> {
        match (self, action) {
            (AlertState::Triggered, Action::Acknowledge) => Some(AlertState::Acknowledged),
            (AlertState::Triggered | AlertState::Acknowledged, Action::Resolve) => Some(AlertState::Resolved),
            _ => None,
        }
    }
}

/// What the responder made of an alert once they had looked at it: did it call for action,
/// or was it noise? (Alert accuracy is computed from this.) One spelling everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Actionable,
    Noise,
}

impl Verdict {
    pub const ALL: [Verdict; 2] = [Verdict::Actionable, Verdict::Noise];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Actionable => "actionable",
            Verdict::Noise => "noise",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Actionable => "Actionable",
            Verdict::Noise => "Noise",
        }
    }
}

/// Which API an integration key is for. One spelling in SQL and on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    EventsV2,
    Alertmanager,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::EventsV2 => "events_v2",
            KeyKind::Alertmanager => "alertmanager",
        }
    }

    pub fn parse(s: &str) -> Option<KeyKind> {
        [KeyKind::EventsV2, KeyKind::Alertmanager].into_iter().find(|k| k.as_str() == s)
    }
}

/// An alert as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    pub id: AlertId,
    pub service_id: super::ids::ServiceId,
    pub service: String,
    pub service_slug: String,
    pub summary: String,
    pub source: String,
    pub dedup_key: String,
    pub severity: AlertSeverity,
    pub state: AlertState,
    pub created_at: DateTime<Utc>,
    /// Actionable or noise, once someone said.
    pub verdict: Option<Verdict>,
}

/// An alert's log: when, and one line of what happened.
pub type AlertLog = Vec<(DateTime<Utc>, String)>;

/// One alert and its log, a line per event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub alert: AlertRow,
    pub log: AlertLog,
    /// Where the alerts' log stood when this was read (the page follows it live from there).
    pub cursor: crate::domain::log::Cursor,
}

/// An alert's event as live readers get it: which alert, and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertLive {
    pub alert: AlertId,
    pub change: AlertChange,
}

/// A page waiting for the reader: an alert they were paged for, not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPage {
    pub alert: AlertId,
    pub summary: String,
    pub severity: AlertSeverity,
}

/// The reader's waiting pages, and where the alerts' log stood when they were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyPages {
    pub pages: Vec<MyPage>,
    pub cursor: crate::domain::log::Cursor,
}

/// What happened to an alert: its events on the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlertChange {
    Triggered {
        id: AlertId,
        summary: String,
        source: String,
        severity: AlertSeverity,
        dedup_key: String,
        links: Vec<Link>,
    },
    /// The same problem reported again while the alert is open.
    Repeated {
        summary: String,
        at: Option<DateTime<Utc>>,
    },
    /// A step of the escalation policy fired: who was paged, and the targets with nobody on
    /// call (a step with no one to page at all is skipped, and says so).
    Paged {
        round: u32,
        step: usize,
        paged: Vec<Person>,
        nobody: Vec<String>,
        /// What the page says, so a pager can show it at once.
        summary: String,
        severity: AlertSeverity,
    },
    /// Someone declared an incident for it.
    IncidentDeclared {
        incident: crate::domain::ids::IncidentId,
        title: String,
    },
    Acknowledged {
        by: Option<Person>,
    },
    Resolved {
        by: Option<Person>,
    },
    /// A page by someone's notification rule went out (`to`: "Ben Okafor by email").
    PageDelivered {
        to: String,
    },
    /// A page by someone's notification rule could not be delivered.
    PageFailed {
        to: String,
        error: String,
    },
    /// A responder said whether it called for action.
    Judged {
        verdict: Verdict,
        by: Person,
    },
}

impl AlertChange {
    /// One line for the alert's log.
    pub fn text(&self) -> String {
        match self {
            AlertChange::Triggered { summary, severity, source, .. } => format!("Triggered ({}) by {source}: {summary}", severity.as_str()),
            AlertChange::Repeated { .. } => "Triggered again while open".into(),
            AlertChange::Paged { round, step, paged, nobody, .. } => {
                let when = if *round > 0 { format!("step {} (round {})", step + 1, round + 1) } else { format!("step {}", step + 1) };
                let names: Vec<&str> = paged.iter().map(|p| p.name.as_str()).collect();
                match (names.is_empty(), nobody.is_empty()) {
                    (true, _) => format!("Escalation {when} skipped: nobody on call on {}", nobody.join(", ")),
                    (false, true) => format!("Escalation {when}: paged {}", names.join(", ")),
                    (false, false) => format!("Escalation {when}: paged {}; nobody on call on {}", names.join(", "), nobody.join(", ")),
                }
            }
            AlertChange::IncidentDeclared { incident, title } => format!("Incident {incident} declared: {title}"),
            AlertChange::Acknowledged { by: Some(p) } => format!("Acknowledged by {}", p.name),
            AlertChange::Acknowledged { by: None } => "Acknowledged by the monitoring tool".into(),
            AlertChange::Resolved { by: Some(p) } => format!("Resolved by {}", p.name),
            AlertChange::Resolved { by: None } => "Resolved by the monitoring tool".into(),
            AlertChange::PageDelivered { to } => format!("Page sent to {to}"),
            AlertChange::PageFailed { to, error } => format!("Page to {to} could not be delivered ({error})"),
            AlertChange::Judged { verdict: Verdict::Actionable, by } => format!("Marked actionable by {}", by.name),
            AlertChange::Judged { verdict: Verdict::Noise, by } => format!("Marked as noise by {}", by.name),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            AlertChange::Triggered { .. } => "alert_triggered",
            AlertChange::Repeated { .. } => "alert_repeated",
            AlertChange::Paged { .. } => "alert_paged",
            AlertChange::IncidentDeclared { .. } => "alert_incident_declared",
            AlertChange::Acknowledged { .. } => "alert_acknowledged",
            AlertChange::Resolved { .. } => "alert_resolved",
            AlertChange::PageDelivered { .. } => "alert_page_delivered",
            AlertChange::PageFailed { .. } => "alert_page_failed",
            AlertChange::Judged { .. } => "alert_judged",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_move_forward_only() {
        use AlertState::*;
        assert_eq!(Triggered.after(Action::Acknowledge), Some(Acknowledged));
        assert_eq!(Acknowledged.after(Action::Acknowledge), None);
        assert_eq!(Acknowledged.after(Action::Resolve), Some(Resolved));
        assert_eq!(Resolved.after(Action::Resolve), None);
        assert_eq!(Resolved.after(Action::Acknowledge), None);
        assert_eq!(AlertSeverity::parse("warning"), Some(AlertSeverity::Warning));
        assert_eq!(AlertState::parse("resolved"), Some(Resolved));
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("Noise"), None);
    }
}
