//! Near-misses: what almost happened and what caught it, recorded without declaring an
//! incident, listed for the monthly review, and declared as an incident when it turns out to
//! be one (the seeds: ignoring near-misses is an anti-pattern; they teach as much as
//! incidents, for less).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{IncidentId, NearMissId, PostmortemId};
use super::incident::{ServiceRef, Title};
use super::postmortem::record::PostmortemStatus;
use super::roles::Person;
use super::text::{checked, Lines};

/// The longest account of what happened, and of what caught it, in characters.
pub const TEXT_MAX: usize = 4000;

/// A near-miss as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMiss {
    pub id: NearMissId,
    pub title: String,
    pub what_happened: String,
    pub caught_by: String,
    pub service: Option<ServiceRef>,
    pub occurred_at: DateTime<Utc>,
    pub recorded_by: Person,
    pub recorded_at: DateTime<Utc>,
    /// The incident it was declared as, once it was.
    pub incident: Option<IncidentId>,
    /// A review written on its card (before reviews were documents of their own).
    #[serde(default)]
    pub review: Option<Review>,
    /// Its lightweight review as a postmortem document, once started, and how far it is.
    #[serde(default)]
    pub postmortem: Option<(PostmortemId, PostmortemStatus)>,
}

/// A review written on a near-miss's card (as reviews were kept before they became
/// postmortem documents; a review document started later begins from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Contributing factors: why it could almost happen.
    pub contributing: String,
    /// Where we got lucky: what would have made it an incident.
    pub lucky: String,
    /// What we change so that it cannot happen again, or is caught earlier.
    pub changes: String,
    pub by: Person,
    pub at: DateTime<Utc>,
}

/// What a responder writes down, checked: a title, what almost happened and what caught it
/// (both required: what caught it is the lesson), when (not in the future), and optionally
/// the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMissDraft {
    pub title: Title,
    pub what_happened: String,
    pub caught_by: String,
    pub occurred_at: DateTime<Utc>,
}

impl NearMissDraft {
    pub fn parse(title: &str, what_happened: &str, caught_by: &str, occurred_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<NearMissDraft, String> {
        let occurred_at = occurred_at.unwrap_or(now);
        if occurred_at > now + chrono::Duration::minutes(5) {
            return Err("occurred_at: a near-miss cannot have happened in the future.".into());
        }
        Ok(NearMissDraft {
            title: Title::parse(title)?,
            what_happened: checked(what_happened, "What almost happened", 3, TEXT_MAX, Lines::Many)?,
            caught_by: checked(caught_by, "What caught it", 3, TEXT_MAX, Lines::Many)?,
            occurred_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::t0;

    #[test]
    fn a_near_miss_needs_what_happened_and_what_caught_it() {
        let d = NearMissDraft::parse(" Expired certificate on the API ", "The cert had 2 days left.", "The weekly expiry check.", None, t0()).unwrap();
        assert_eq!((d.title.as_str(), d.occurred_at), ("Expired certificate on the API", t0()));
        let no_lesson = NearMissDraft::parse("Expired certificate", "The cert had 2 days left.", "  ", None, t0()).unwrap_err();
        assert!(no_lesson.starts_with("What caught it"), "{no_lesson}");
        assert!(NearMissDraft::parse("x", "The cert had 2 days left.", "A check.", None, t0()).unwrap_err().starts_with("The title"));
        assert!(NearMissDraft::parse("Expired cert", "", "A check.", None, t0()).unwrap_err().starts_with("What almost happened"));
        let later = t0() + chrono::Duration::hours(1);
        assert!(NearMissDraft::parse("Expired cert", "Two days left.", "A check.", Some(later), t0()).unwrap_err().starts_with("occurred_at:"));
        let long = "x".repeat(TEXT_MAX + 1);
        assert!(NearMissDraft::parse("Expired cert", &long, "A check.", None, t0()).is_err());
    }
}
