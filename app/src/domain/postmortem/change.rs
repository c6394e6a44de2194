//! What happens to a postmortem: its events on the log (the postmortem's own stream).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::blameless::HintKey;
use super::record::{ItemStatus, PostmortemStatus, Priority};
use crate::domain::ids::{ActionItemId, IncidentId, NearMissId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PostmortemChange {
    /// Started by someone, or on resolution (no actor on the event).
    Started {
        /// What it is of: an incident, or a near-miss (older events name an incident only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incident: Option<IncidentId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        near_miss: Option<NearMissId>,
        lightweight: bool,
        due: Option<DateTime<Utc>>,
    },
    StatusChanged {
        from: PostmortemStatus,
        to: PostmortemStatus,
    },
    ItemAdded {
        item: ActionItemId,
        title: String,
        owner: Option<String>,
        priority: Priority,
        due_on: Option<NaiveDate>,
    },
    ItemChanged {
        item: ActionItemId,
        title: String,
        status: ItemStatus,
    },
    /// Its owner, priority, due day, title or link changed.
    ItemEdited {
        item: ActionItemId,
        title: String,
        owner: Option<String>,
        priority: Priority,
        due_on: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<String>,
    },
    /// Its deadline passed before it was complete (the IC is reminded, once).
    Overdue {
        due: DateTime<Utc>,
    },
    /// The text changed: a document update (yrs v1, base64) written as `client`.
    Edited {
        client: u64,
        update: String,
    },
    /// A blameless-language hint was dismissed: nobody is shown it again in this postmortem.
    HintDismissed {
        hint: HintKey,
    },
}

impl PostmortemChange {
    pub fn name(&self) -> &'static str {
        match self {
            PostmortemChange::Started { .. } => "postmortem_started",
            PostmortemChange::StatusChanged { .. } => "postmortem_status_changed",
            PostmortemChange::ItemAdded { .. } => "action_item_added",
            PostmortemChange::ItemChanged { .. } => "action_item_changed",
            PostmortemChange::ItemEdited { .. } => "action_item_edited",
            PostmortemChange::Edited { .. } => "postmortem_edited",
            PostmortemChange::Overdue { .. } => "postmortem_overdue",
            PostmortemChange::HintDismissed { .. } => "postmortem_hint_dismissed",
        }
    }

    pub fn text(&self) -> String {
        match self {
            PostmortemChange::Started { lightweight: false, .. } => "Postmortem started".into(),
            PostmortemChange::Started { lightweight: true, .. } => "Lightweight review started".into(),
            PostmortemChange::StatusChanged { to, .. } => format!("Status set to {}", to.label()),
            PostmortemChange::ItemAdded { title, owner: Some(o), .. } => format!("Action item added: {title} (owner {o})"),
            PostmortemChange::ItemAdded { title, .. } => format!("Action item added: {title}"),
            PostmortemChange::ItemChanged { title, status, .. } => format!("Action item marked {}: {title}", status.label().to_lowercase()),
            PostmortemChange::ItemEdited { title, owner, priority, due_on, .. } => format!(
                "Action item changed: {title} ({}, {}{})",
                owner.as_deref().map_or_else(|| "no owner".to_string(), |o| format!("owner {o}")),
                priority.label(),
                due_on.map_or_else(String::new, |d| format!(", due {d}"))
            ),
            PostmortemChange::Edited { .. } => "Text edited".into(),
            PostmortemChange::Overdue { .. } => "Overdue: the deadline passed".into(),
            PostmortemChange::HintDismissed { hint } => format!("Hint dismissed: \u{201c}{}\u{201d} ({})", hint.words(), hint.rule().label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_reads_as_a_line() {
        let c = PostmortemChange::ItemChanged { item: ActionItemId(3), title: "Add a canary".into(), status: ItemStatus::Done };
        assert_eq!(c.text(), "Action item marked done: Add a canary");
        assert_eq!(c.name(), "action_item_changed");
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"type\":\"item_changed\"") && json.contains("\"status\":\"done\""), "{json}");
        assert_eq!(serde_json::from_str::<PostmortemChange>(&json).unwrap(), c);
        let d = PostmortemChange::HintDismissed { hint: HintKey::parse("hindsight:should have").unwrap() };
        assert_eq!(d.text(), "Hint dismissed: \u{201c}should have\u{201d} (hindsight)");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#"{"type":"hint_dismissed","hint":"hindsight:should have"}"#);
        assert_eq!(serde_json::from_str::<PostmortemChange>(&json).unwrap(), d);
        assert!(serde_json::from_str::<PostmortemChange>(r#"{"type":"hint_dismissed","hint":"nope"}"#).is_err());
    }
}
