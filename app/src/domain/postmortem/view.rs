//! What a postmortem's page shows.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::blameless::HintKey;
use super::record::{ActionItem, PostmortemStatus, Subject};
use super::template::Depth;
use crate::domain::ids::PostmortemId;
use crate::domain::incident::Severity;
use crate::domain::roles::Person;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemView {
    pub id: PostmortemId,
    /// What it is of, and that incident's (or near-miss's) title.
    pub subject: Subject,
    pub subject_title: String,
    /// Where it is read: the incident's war room, or the near-miss on the list of its day.
    pub subject_href: String,
    /// The incident's severity (a near-miss has none).
    pub severity: Option<Severity>,
    pub depth: Depth,
    pub status: PostmortemStatus,
    pub due: Option<DateTime<Utc>>,
    pub overdue: bool,
    /// The text as it stands (Markdown).
    pub body: String,
    pub authors: Vec<String>,
    pub items: Vec<ActionItem>,
    /// Who may own an action item.
    pub people: Vec<Person>,
    /// Today in UTC, for overdue action items.
    pub today: NaiveDate,
    /// Where the postmortem's log ends; the live stream resumes after it.
    pub cursor: crate::domain::log::Cursor,
    /// The position in its stream of the last event the text includes: a save of the text
    /// names it, so that the edits made since are kept.
    pub seq: i64,
    /// The blameless-language hints dismissed in it: nobody is shown them.
    pub dismissed: Vec<HintKey>,
}
