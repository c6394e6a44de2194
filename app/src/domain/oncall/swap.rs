//! Shift swaps: a responder offers a window of their own shift, someone else takes it, and
//! it becomes an override for the taker over exactly that window.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Shift;
use crate::domain::ids::{ScheduleId, SwapId, UserId};
use crate::domain::roles::Person;

/// Whether `user` is on call over all of `[start, end)` in `shifts` (a final schedule, in
/// order, over at least that window).
pub fn holds_window(shifts: &[Shift], user: UserId, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    if start >= end {
        return false;
    }
    let mut covered = start;
    for s in shifts.iter().filter(|s| s.end > start && s.start < end) {
        if s.start > covered || s.user != user {
            return false;
        }
        covered = covered.max(s.end);
    }
    covered >= end
}

/// Where an offer stands. One spelling on the wire and in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SwapState {
    Open,
    Taken,
    Withdrawn,
}

impl SwapState {
    pub fn as_str(self) -> &'static str {
        match self {
            SwapState::Open => "open",
            SwapState::Taken => "taken",
            SwapState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<SwapState> {
        [SwapState::Open, SwapState::Taken, SwapState::Withdrawn].into_iter().find(|x| x.as_str() == s)
    }
}

/// A window of someone's shift offered to the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapOffer {
    pub id: SwapId,
    pub schedule: ScheduleId,
    pub offered_by: Person,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub note: String,
    pub state: SwapState,
    pub taken_by: Option<Person>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oncall::{on_call_at, Source};
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap()
    }

    fn shift(h0: i64, h1: i64, user: i64) -> Shift {
        Shift { start: t0() + Duration::hours(h0), end: t0() + Duration::hours(h1), user: UserId(user), source: Source::Layer { layer: 0, turn: h0 } }
    }

    #[test]
    fn a_window_is_yours_only_if_you_are_on_call_all_through_it() {
        let h = |n: i64| t0() + Duration::hours(n);
        let shifts = [shift(0, 24, 1), shift(24, 48, 1), shift(48, 72, 2), shift(80, 90, 1)];
        assert!(holds_window(&shifts, UserId(1), h(2), h(30)), "across two turns of the same person");
        assert!(!holds_window(&shifts, UserId(1), h(40), h(50)), "runs into someone else's turn");
        assert!(!holds_window(&shifts, UserId(2), h(70), h(75)), "runs into a gap");
        assert!(!holds_window(&shifts, UserId(1), h(79), h(81)), "starts in a gap");
        assert!(!holds_window(&shifts, UserId(1), h(85), h(95)), "ends past the last shift");
        assert!(!holds_window(&shifts, UserId(1), h(5), h(5)), "an empty window");
        assert_eq!(SwapState::parse("taken"), Some(SwapState::Taken));
        assert_eq!(SwapState::parse("gone"), None);
    }

    proptest! {
        /// `holds_window` says yes exactly when the person is on call at the window's start
        /// and at every change of shift inside it.
        #[test]
        fn holds_window_agrees_with_who_is_on_call(cuts in prop::collection::vec((1i64..48, 0i64..3, any::<bool>()), 1..20), a in 0i64..(20 * 48), len in 1i64..200, user in 0i64..3) {
            let mut shifts = vec![];
            let mut h = 0;
            for (n, u, gap) in cuts {
                if !gap {
                    shifts.push(shift(h, h + n, u));
                }
                h += n;
            }
            let (start, end) = (t0() + Duration::hours(a), t0() + Duration::hours(a + len));
            let mut points = vec![start];
            points.extend(shifts.iter().flat_map(|s| [s.start, s.end]).filter(|t| start < *t && *t < end));
            let expected = points.iter().all(|t| on_call_at(&shifts, *t) == Some(UserId(user)));
            prop_assert_eq!(holds_window(&shifts, UserId(user), start, end), expected);
        }
    }
}
