//! Incidents: severity, the status life cycle and its legal transitions, titles and slugs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

use super::ids::{IncidentId, ServiceId};
use super::triage::Answer;

/// SEV1 is the worst. One spelling everywhere: `sev1` on the wire, in SQL, URLs and YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Sev1, Severity::Sev2, Severity::Sev3, Severity::Sev4];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Severity::Sev1 => "Critical: service down, security breach or data loss",
            Severity::Sev2 => "Major: core revenue feature broken or financial impact",
            Severity::Sev3 => "Minor: core feature broken for a few users",
            Severity::Sev4 => "Low: non-critical degradation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where an incident is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Detected,
    Investigating,
    Identified,
    Mitigating,
    Resolved,
    FollowUp,
}

impl Status {
    pub const ALL: [Status; 6] = [Status::Detected, Status::Investigating, Status::Identified, Status::Mitigating, Status::Resolved, Status::FollowUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Detected => "detected",
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Mitigating => "mitigating",
            Status::Resolved => "resolved",
            Status::FollowUp => "follow_up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Detected => "Detected",
            Status::Investigating => "Investigating",
            Status::Identified => "Identified",
            Status::Mitigating => "Mitigating",
            Status::Resolved => "Resolved",
            Status::FollowUp => "Follow-up",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }

    /// Still being worked: not resolved and not in follow-up.
    pub fn is_active(self) -> bool {
        !matches!(self, Status::Resolved | Status::FollowUp)
    }

    /// Whether the user impact has been mitigated (or the incident is over).
    pub fn is_mitigated(self) -> bool {
        matches!(self, Status::Mitigating | Status::Resolved | Status::FollowUp)
    }

    /// The legal moves out of this status, in display order.
    pub fn next(self) -> Vec<Status> {
        Status::ALL.into_iter().filter(|to| check_transition(self, *to).is_ok()).collect()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum TransitionError {
    #[error("the incident is already {0}")]
    Unchanged(Status),
    #[error("an incident cannot move back to Detected")]
    BackToDetected,
    #[error("an incident cannot move from {from} back to {to}; only Investigating can be re-entered")]
    Backwards { from: Status, to: Status },
    #[error("only a resolved incident can move to Follow-up (it is {0})")]
    FollowUpBeforeResolved(Status),
    #[error("a resolved incident can only move to Follow-up or be reopened as Investigating, not {0}")]
    AfterResolved(Status),
}

/// The transition table.
///
/// - Active stages move forward and may skip stages (Detected → … → Mitigating → Resolved).
/// - Identified and Mitigating may fall back to Investigating (the cause was wrong, the
///   mitigation did not hold).
/// - Resolved moves on to Follow-up; Resolved and Follow-up may be reopened as Investigating.
pub fn check_transition(from: Status, to: Status) -> Result<(), TransitionError> {
    use Status::*;
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    match (from, to) {
        (_, Detected) => Err(TransitionError::BackToDetected),
        (Resolved | FollowUp, Investigating) => Ok(()),
        (Resolved, FollowUp) => Ok(()),
        (Resolved | FollowUp, other) => Err(TransitionError::AfterResolved(other)),
        (from, FollowUp) => Err(TransitionError::FollowUpBeforeResolved(from)),
        (Identified | Mitigating, Investigating) => Ok(()),
        (from, to) if to > from => Ok(()),
        (from, to) => Err(TransitionError::Backwards { from, to }),
    }
}

/// A title, checked: 3 to 120 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Title(String);

pub const TITLE_MAX: usize = 120;

impl Title {
    pub fn parse(raw: &str) -> Result<Self, String> {
        crate::domain::text::checked(raw, "The title", 3, TITLE_MAX, crate::domain::text::Lines::One).map(Title)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `inc-20261122-checkout-errors`: the date of detection and up to six words of the title.
pub fn slug(title: &str, detected_at: DateTime<Utc>) -> String {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            current.push(c.to_ascii_lowercase());
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut tail = String::new();
    for w in words.iter().take(6) {
        if tail.len() + w.len() + 1 > 48 {
            break;
        }
        if !tail.is_empty() {
            tail.push('-');
        }
        tail.push_str(w);
    }
    if tail.is_empty() {
        tail.push_str("incident");
    }
    format!("inc-{}-{}", detected_at.format("%Y%m%d"), tail)
}

/// An incident as the list and the war room show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub slug: String,
    pub title: String,
    pub impact: String,
    pub severity: Severity,
    pub status: Status,
    pub detected_at: DateTime<Utc>,
    pub declared_at: DateTime<Utc>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the last stakeholder update was posted (declaration counts as the first).
    pub last_update_at: DateTime<Utc>,
    pub data_exposure: bool,
    pub services: Vec<ServiceRef>,
    /// Bumped on every change: a conditional update on it makes concurrent changes safe.
    pub version: i64,
    /// An exercise: marked everywhere, never public, nobody outside it told, in no metric.
    #[serde(default)]
    pub drill: bool,
}

/// A service as incidents refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRef {
    pub id: ServiceId,
    pub slug: String,
    pub name: String,
}

/// What kind of change may have caused an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Deploy,
    Config,
    FeatureFlag,
    Infrastructure,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 4] = [ChangeKind::Deploy, ChangeKind::Config, ChangeKind::FeatureFlag, ChangeKind::Infrastructure];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Deploy => "deploy",
            ChangeKind::Config => "config",
            ChangeKind::FeatureFlag => "feature_flag",
            ChangeKind::Infrastructure => "infrastructure",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Deploy => "Deploy",
            ChangeKind::Config => "Config change",
            ChangeKind::FeatureFlag => "Feature flag",
            ChangeKind::Infrastructure => "Infrastructure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Checks a link typed by a responder: http or https, at most 2,000 characters.
pub fn parse_link(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.len() > 2000 {
        return Err("The link must have at most 2000 characters.".into());
    }
    let rest = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://")).ok_or_else(|| "The link must start with http:// or https://.".to_string())?;
    if rest.is_empty() || rest.starts_with('/') || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The link is not a valid web address.".into());
    }
    Ok(t.to_string())
}

/// What a responder fills in to declare an incident.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeclareInput {
    pub title: String,
    pub impact: String,
    /// Service slugs.
    pub services: Vec<String>,
    /// Defaults to now.
    pub detected_at: Option<DateTime<Utc>>,
    /// Answers to the triage questions, in order.
    pub answers: Vec<Answer>,
    /// The severity chosen; defaults to the one the triage proposes.
    pub severity: Option<Severity>,
    /// Required when the chosen severity differs from the proposal.
    pub override_reason: Option<String>,
    /// The alert it is declared from: linked both ways, and detected when the alert was.
    #[serde(default)]
    pub alert: Option<crate::domain::ids::AlertId>,
    /// The near-miss it is declared from: it then names this incident (once only).
    #[serde(default)]
    pub near_miss: Option<crate::domain::ids::NearMissId>,
    /// Declared as a drill.
    #[serde(default)]
    pub drill: bool,
    /// The scenario a drill runs: its injects are posted to the timeline on schedule.
    #[serde(default)]
    pub scenario: Option<crate::domain::ids::ScenarioId>,
}

/// Whether a note is internal or a stakeholder update (which resets the update clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Note,
    Update,
}

/// The incident list page's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentList {
    pub incidents: Vec<Incident>,
    pub services: Vec<ServiceRef>,
    /// The incidents' postmortems (overdue ones are flagged on the list).
    pub postmortems: Vec<crate::domain::postmortem::record::PostmortemSummary>,
    /// The reader's open action items.
    pub my_items: Vec<crate::domain::postmortem::record::ActionItem>,
    /// Where in the log the list was read; live updates resume after it.
    pub cursor: super::log::Cursor,
    pub now: DateTime<Utc>,
}

/// The list's filters (all optional), as the query string carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFilter {
    pub severity: Option<Severity>,
    pub status: Option<Status>,
    pub service: Option<String>,
    pub active_only: bool,
}

impl ListFilter {
    pub fn matches(&self, i: &Incident) -> bool {
        self.severity.is_none_or(|s| s == i.severity)
            && self.status.is_none_or(|s| s == i.status)
            && self.service.as_ref().is_none_or(|slug| i.services.iter().any(|s| &s.slug == slug))
            && (!self.active_only || i.status.is_active())
    }
}

/// Puts a changed incident into a list (replacing the old copy, or adding a new one at the
/// top) and keeps active incidents first, newest first.
pub fn upsert_sorted(list: &mut Vec<Incident>, incident: Incident) {
    match list.iter_mut().find(|i| i.id == incident.id) {
        Some(slot) if slot.version <= incident.version => *slot = incident,
        Some(_) => {}
        None => list.push(incident),
    }
    list.sort_by(|a, b| b.status.is_active().cmp(&a.status.is_active()).then(b.declared_at.cmp(&a.declared_at)).then(b.id.cmp(&a.id)));
}

#[cfg(test)]
mod tests {
    #[test]
    fn severities_and_statuses_have_one_spelling_on_the_wire_and_in_sql() {
        for s in Severity::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "{s:?}");
            assert_eq!(serde_json::from_value::<Severity>(s.as_str().into()).unwrap(), s);
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        for s in Status::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "{s:?}");
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert!(serde_json::from_str::<Severity>("\"Sev1\"").is_err(), "the old spelling is gone");
    }

    use super::*;
    use chrono::TimeZone;
    use Status::*;

    /// Every pair of statuses, with whether the move is legal.
    #[test]
    fn full_transition_table() {
        let legal: &[(Status, Status)] = &[
            (Detected, Investigating),
            (Detected, Identified),
            (Detected, Mitigating),
            (Detected, Resolved),
            (Investigating, Identified),
            (Investigating, Mitigating),
            (Investigating, Resolved),
            (Identified, Investigating),
            (Identified, Mitigating),
            (Identified, Resolved),
            (Mitigating, Investigating),
            (Mitigating, Resolved),
            (Resolved, Investigating),
            (Resolved, FollowUp),
            (FollowUp, Investigating),
        ];
        let mut n_legal = 0;
        for from in Status::ALL {
            for to in Status::ALL {
                let ok = check_transition(from, to).is_ok();
                assert_eq!(ok, legal.contains(&(from, to)), "{from:?} -> {to:?}");
                n_legal += ok as usize;
            }
        }
        assert_eq!(n_legal, legal.len());
    }

    #[test]
    fn refusals_explain_themselves() {
        assert_eq!(check_transition(Resolved, Resolved), Err(TransitionError::Unchanged(Resolved)));
        assert_eq!(
            check_transition(Mitigating, Identified).unwrap_err().to_string(),
            "an incident cannot move from Mitigating back to Identified; only Investigating can be re-entered"
        );
        assert_eq!(check_transition(Investigating, FollowUp), Err(TransitionError::FollowUpBeforeResolved(Investigating)));
        assert_eq!(check_transition(FollowUp, Resolved), Err(TransitionError::AfterResolved(Resolved)));
        assert_eq!(check_transition(Resolved, Detected), Err(TransitionError::BackToDetected));
    }

    #[test]
    fn next_lists_the_legal_moves() {
        assert_eq!(Resolved.next(), vec![Investigating, FollowUp]);
        assert_eq!(Mitigating.next(), vec![Investigating, Resolved]);
        assert_eq!(Detected.next(), vec![Investigating, Identified, Mitigating, Resolved]);
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("SEV2"), Some(Severity::Sev2));
        assert!(Severity::Sev1 < Severity::Sev4);
    }

    #[test]
    fn titles_are_checked() {
        assert!(Title::parse("  ").is_err());
        assert!(Title::parse("ab").is_err());
        assert_eq!(Title::parse("  Checkout errors ").unwrap().as_str(), "Checkout errors");
        assert!(Title::parse(&"x".repeat(TITLE_MAX)).is_ok());
        assert!(Title::parse(&"x".repeat(TITLE_MAX + 1)).unwrap_err().contains("at most 120"));
        assert!(Title::parse("bad\u{0}title").is_err());
    }

    #[test]
    fn slugs() {
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap();
        assert_eq!(slug("Checkout errors", t), "inc-20261122-checkout-errors");
        assert_eq!(slug("  API: 5xx on /v1/pay!! ", t), "inc-20261122-api-5xx-on-v1-pay");
        assert_eq!(slug("!!!", t), "inc-20261122-incident");
        assert_eq!(slug("Ünïcode only", t), "inc-20261122-n-code-only");
        let long = slug("one two three four five six seven eight", t);
        assert_eq!(long, "inc-20261122-one-two-three-four-five-six");
    }

    fn sample(id: i64, status: Status, minutes: i64) -> Incident {
        let mut i = crate::domain::fixtures::incident(id, Severity::Sev2, status);
        i.declared_at += chrono::Duration::minutes(minutes);
        i.services = vec![ServiceRef { id: ServiceId(1), slug: "api".into(), name: "API".into() }];
        i
    }

    #[test]
    fn list_ordering_and_filters() {
        let mut list = vec![];
        upsert_sorted(&mut list, sample(1, Resolved, 0));
        upsert_sorted(&mut list, sample(2, Investigating, 5));
        upsert_sorted(&mut list, sample(3, Investigating, 10));
        assert_eq!(list.iter().map(|i| i.id.0).collect::<Vec<_>>(), [3, 2, 1]);
        let mut newer = sample(3, Resolved, 10);
        newer.version = 2;
        upsert_sorted(&mut list, newer);
        assert_eq!(list.iter().map(|i| i.id.0).collect::<Vec<_>>(), [2, 3, 1]);
        let stale = sample(3, Investigating, 10);
        upsert_sorted(&mut list, stale);
        assert_eq!(list[1].status, Resolved, "an older version never replaces a newer one");

        let f = ListFilter { active_only: true, ..Default::default() };
        assert_eq!(list.iter().filter(|i| f.matches(i)).count(), 1);
        let f = ListFilter { service: Some("web".into()), ..Default::default() };
        assert_eq!(list.iter().filter(|i| f.matches(i)).count(), 0);
        let f = ListFilter { status: Some(Resolved), severity: Some(Severity::Sev2), ..Default::default() };
        assert_eq!(list.iter().filter(|i| f.matches(i)).count(), 2);
    }

    #[test]
    fn links() {
        assert!(parse_link("https://ci.example.com/deploy/42").is_ok());
        assert!(parse_link("javascript:alert(1)").is_err());
        assert!(parse_link("https://").is_err());
        assert!(parse_link("https://a b").is_err());
    }
}
