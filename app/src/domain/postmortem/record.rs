//! A postmortem as Klaxon keeps it beside its document: its depth, status and deadline, and
//! its action items, tracked to done. Closed enums with one spelling on the wire, in SQL and
//! in URLs.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::template::Depth;
use crate::domain::ids::{ActionItemId, IncidentId, NearMissId, PostmortemId, UserId};
use crate::domain::incident::Severity;

/// Hours after resolution a postmortem is due (the seeds: within 48 hours).
pub const DUE_AFTER_HOURS: i64 = 48;

/// Longest action item title, in characters.
pub const TITLE_MAX: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostmortemStatus {
    Draft,
    InReview,
    Complete,
}

impl PostmortemStatus {
    pub const ALL: [PostmortemStatus; 3] = [PostmortemStatus::Draft, PostmortemStatus::InReview, PostmortemStatus::Complete];

    pub fn as_str(self) -> &'static str {
        match self {
            PostmortemStatus::Draft => "draft",
            PostmortemStatus::InReview => "in_review",
            PostmortemStatus::Complete => "complete",
        }
    }

    pub fn parse(s: &str) -> Option<PostmortemStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PostmortemStatus::Draft => "Draft",
            PostmortemStatus::InReview => "In review",
            PostmortemStatus::Complete => "Complete",
        }
    }
}

impl Depth {
    pub const ALL: [Depth; 2] = [Depth::Full, Depth::Lightweight];

    pub fn as_str(self) -> &'static str {
        match self {
            Depth::Full => "full",
            Depth::Lightweight => "lightweight",
        }
    }

    pub fn parse(s: &str) -> Option<Depth> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Depth::Full => "Postmortem",
            Depth::Lightweight => "Lightweight review",
        }
    }
}

/// What a resolved incident of this severity gets without anyone asking: SEV1 and SEV2 a
/// full postmortem due 48 hours after resolution, SEV3 a lightweight review (same deadline),
/// SEV4 nothing.
pub fn automatic(severity: Severity, resolved_at: DateTime<Utc>) -> Option<(Depth, DateTime<Utc>)> {
    Depth::for_severity(severity).map(|d| (d, resolved_at + Duration::hours(DUE_AFTER_HOURS)))
}

/// Whether a postmortem is late: past its deadline and not complete.
pub fn overdue(status: PostmortemStatus, due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    status != PostmortemStatus::Complete && due.is_some_and(|d| now > d)
}

/// Who may move a postmortem to `to` from `from`: anyone who works incidents between draft
/// and review and on to complete; reopening a complete one takes an admin or the IC.
pub fn may_change(from: PostmortemStatus, to: PostmortemStatus, admin_or_commander: bool) -> Result<(), &'static str> {
    match (from, to) {
        (a, b) if a == b => Err("The postmortem has that status already."),
        (PostmortemStatus::Complete, _) if !admin_or_commander => {
            Err("Only an admin or the Incident Commander (of a near-miss's review: whoever recorded it) can reopen a complete postmortem.")
        }
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P0 => "p0",
            Priority::P1 => "p1",
            Priority::P2 => "p2",
            Priority::P3 => "p3",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Open,
    InProgress,
    Done,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 3] = [ItemStatus::Open, ItemStatus::InProgress, ItemStatus::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<ItemStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Open => "Open",
            ItemStatus::InProgress => "In progress",
            ItemStatus::Done => "Done",
        }
    }

    /// What a button moves an item in this status to, and says: start it, finish it, or open
    /// it again.
    pub fn next(self) -> &'static [(ItemStatus, &'static str)] {
        match self {
            ItemStatus::Open => &[(ItemStatus::InProgress, "Start"), (ItemStatus::Done, "Mark done")],
            ItemStatus::InProgress => &[(ItemStatus::Done, "Mark done"), (ItemStatus::Open, "Stop")],
            ItemStatus::Done => &[(ItemStatus::Open, "Reopen")],
        }
    }
}

/// Where an action item is tracked elsewhere (an issue in another tracker): an http(s) address
/// of at most [`LINK_MAX`] characters, with no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLink(String);

pub const LINK_MAX: usize = 500;

impl ItemLink {
    /// Empty is no link.
    pub fn parse(s: &str) -> Result<Option<ItemLink>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or("link: an address starting with https:// or http://.")?;
        if rest.is_empty() || rest.starts_with('/') || s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == '"') {
            return Err("link: an address starting with https:// or http://, without spaces.".into());
        }
        if s.chars().count() > LINK_MAX {
            return Err(format!("link: at most {LINK_MAX} characters."));
        }
        Ok(Some(ItemLink(s.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a postmortem is of: an incident, or a near-miss (its lightweight review).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Incident(IncidentId),
    NearMiss(NearMissId),
}

impl Subject {
    pub fn incident(self) -> Option<IncidentId> {
        match self {
            Subject::Incident(id) => Some(id),
            Subject::NearMiss(_) => None,
        }
    }

    pub fn near_miss(self) -> Option<NearMissId> {
        match self {
            Subject::NearMiss(id) => Some(id),
            Subject::Incident(_) => None,
        }
    }
}

/// A postmortem as the incident list and the war room mention it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemSummary {
    pub id: PostmortemId,
    pub incident: IncidentId,
    pub status: PostmortemStatus,
    pub due: Option<DateTime<Utc>>,
    pub overdue: bool,
}

/// An action item's title: trimmed, one line, 1 to [`TITLE_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemTitle(String);

impl ItemTitle {
    pub fn parse(s: &str) -> Result<ItemTitle, String> {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.is_empty() {
            return Err("title: say what will be done.".into());
        }
        if t.chars().count() > TITLE_MAX {
            return Err(format!("title: at most {TITLE_MAX} characters."));
        }
        Ok(ItemTitle(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An action item as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: ActionItemId,
    pub postmortem: PostmortemId,
    pub subject: Subject,
    /// The title of the incident (or near-miss) the postmortem is of.
    pub subject_title: String,
    pub title: String,
    pub owner: Option<(UserId, String)>,
    pub priority: Priority,
    pub due_on: Option<NaiveDate>,
    pub status: ItemStatus,
    /// Where it is tracked elsewhere (http or https).
    pub link: Option<String>,
}

impl ActionItem {
    /// Not done past its due day (a day is over at its end, in UTC).
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status != ItemStatus::Done && self.due_on.is_some_and(|d| today > d)
    }
}

/// `/action-items`' filters (all optional), as the query string carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFilter {
    pub owner: Option<UserId>,
    pub status: Option<ItemStatus>,
    pub priority: Option<Priority>,
    pub overdue_only: bool,
}

impl ItemFilter {
    pub fn matches(&self, i: &ActionItem, today: NaiveDate) -> bool {
        self.owner.is_none_or(|o| i.owner.as_ref().is_some_and(|(id, _)| *id == o))
            && self.status.is_none_or(|s| i.status == s)
            && self.priority.is_none_or(|p| i.priority == p)
            && (!self.overdue_only || i.overdue(today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::t0;

    #[test]
    fn spellings_round_trip() {
        for s in PostmortemStatus::ALL {
            assert_eq!(PostmortemStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.as_str()));
        }
        for i in ItemStatus::ALL {
            assert_eq!(ItemStatus::parse(i.as_str()), Some(i));
        }
        for d in Depth::ALL {
            assert_eq!(Depth::parse(d.as_str()), Some(d));
        }
        assert_eq!(PostmortemStatus::parse("Draft"), None);
    }

    #[test]
    fn resolved_incidents_get_their_postmortem_by_severity() {
        assert_eq!(automatic(Severity::Sev1, t0()), Some((Depth::Full, t0() + Duration::hours(48))));
        assert_eq!(automatic(Severity::Sev2, t0()).map(|x| x.0), Some(Depth::Full));
        assert_eq!(automatic(Severity::Sev3, t0()).map(|x| x.0), Some(Depth::Lightweight));
        assert_eq!(automatic(Severity::Sev4, t0()), None);
    }

    #[test]
    fn overdue_means_past_the_deadline_and_not_complete() {
        let due = Some(t0());
        assert!(!overdue(PostmortemStatus::Draft, due, t0()));
        assert!(overdue(PostmortemStatus::Draft, due, t0() + Duration::seconds(1)));
        assert!(overdue(PostmortemStatus::InReview, due, t0() + Duration::days(3)));
        assert!(!overdue(PostmortemStatus::Complete, due, t0() + Duration::days(3)));
        assert!(!overdue(PostmortemStatus::Draft, None, t0() + Duration::days(30)));
    }

    #[test]
    fn only_an_admin_or_the_commander_reopens() {
        use PostmortemStatus::*;
        assert!(may_change(Draft, InReview, false).is_ok());
        assert!(may_change(InReview, Complete, false).is_ok());
        assert!(may_change(Complete, Draft, false).is_err());
        assert!(may_change(Complete, InReview, true).is_ok());
        assert!(may_change(Draft, Draft, true).is_err());
    }

    #[test]
    fn titles_are_one_trimmed_line() {
        assert_eq!(ItemTitle::parse("  Add a  canary\nstage ").unwrap().as_str(), "Add a canary stage");
        assert!(ItemTitle::parse(" \n ").unwrap_err().starts_with("title:"));
        assert!(ItemTitle::parse(&"x".repeat(TITLE_MAX + 1)).is_err());
        assert!(ItemTitle::parse(&"é".repeat(TITLE_MAX)).is_ok());
    }

    #[test]
    fn filters_combine() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let item = |owner: Option<i64>, priority, due: u32, status| ActionItem {
            id: ActionItemId(1),
            postmortem: PostmortemId(1),
            subject: Subject::Incident(IncidentId(1)),
            subject_title: "x".into(),
            title: "y".into(),
            owner: owner.map(|o| (UserId(o), "Ben".into())),
            priority,
            due_on: NaiveDate::from_ymd_opt(2026, 12, due),
            status,
            link: None,
        };
        let late_mine = item(Some(2), Priority::P1, 1, ItemStatus::Open);
        let later_nobodys = item(None, Priority::P3, 20, ItemStatus::Open);
        let done_mine = item(Some(2), Priority::P1, 1, ItemStatus::Done);
        let all = ItemFilter::default();
        assert!(all.matches(&late_mine, today) && all.matches(&later_nobodys, today) && all.matches(&done_mine, today));
        let mine = ItemFilter { owner: Some(UserId(2)), ..Default::default() };
        assert!(mine.matches(&late_mine, today) && !mine.matches(&later_nobodys, today));
        let overdue = ItemFilter { overdue_only: true, ..Default::default() };
        assert!(overdue.matches(&late_mine, today) && !overdue.matches(&later_nobodys, today) && !overdue.matches(&done_mine, today));
        let open_p3 = ItemFilter { status: Some(ItemStatus::Open), priority: Some(Priority::P3), ..Default::default() };
        assert!(open_p3.matches(&later_nobodys, today) && !open_p3.matches(&late_mine, today));
    }

    #[test]
    fn a_link_is_an_http_address() {
        assert_eq!(ItemLink::parse("  "), Ok(None));
        let l = ItemLink::parse(" https://tracker.example.com/browse/OPS-12 ").unwrap().unwrap();
        assert_eq!(l.as_str(), "https://tracker.example.com/browse/OPS-12");
        assert!(ItemLink::parse("http://t.example/1").unwrap().is_some());
        for bad in ["javascript:alert(1)", "ftp://x.example", "https://", "https:///x", "https://x.example/a b", "https://x.example/\"<b>", "tracker.example/1"]
        {
            assert!(ItemLink::parse(bad).is_err(), "{bad}");
        }
        assert!(ItemLink::parse(&format!("https://x.example/{}", "a".repeat(LINK_MAX))).is_err());
    }

    #[test]
    fn an_item_moves_on_by_its_buttons() {
        assert_eq!(ItemStatus::Open.next().iter().map(|(s, _)| *s).collect::<Vec<_>>(), [ItemStatus::InProgress, ItemStatus::Done]);
        assert_eq!(ItemStatus::Done.next(), &[(ItemStatus::Open, "Reopen")]);
        assert_eq!(ItemStatus::parse("in_progress"), Some(ItemStatus::InProgress));
        assert_eq!(serde_json::to_string(&ItemStatus::InProgress).unwrap(), "\"in_progress\"");
    }

    #[test]
    fn an_item_is_overdue_the_day_after_it_was_due() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let mut item = ActionItem {
            id: ActionItemId(1),
            postmortem: PostmortemId(1),
            subject: Subject::Incident(IncidentId(1)),
            subject_title: "x".into(),
            title: "y".into(),
            owner: None,
            priority: Priority::P2,
            due_on: Some(d),
            status: ItemStatus::Open,
            link: None,
        };
        assert!(!item.overdue(d));
        assert!(item.overdue(d.succ_opt().unwrap()));
        item.status = ItemStatus::InProgress;
        assert!(item.overdue(d.succ_opt().unwrap()), "started is not done");
        item.status = ItemStatus::Done;
        assert!(!item.overdue(d.succ_opt().unwrap()));
    }
}
