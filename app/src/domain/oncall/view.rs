//! What `/oncall` shows, and the schedule stream's events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::grid::{Day, Span};
use super::swap::SwapOffer;
use super::Shift;
use crate::domain::ids::{OverrideId, ScheduleId, SwapId, UserId};
use crate::domain::log::Cursor;
use crate::domain::roles::Person;

/// A shift with its person's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftView {
    pub user: UserId,
    pub name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub is_override: bool,
}

/// A note the person on call left for whoever takes over at `handoff_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffNote {
    pub handoff_at: DateTime<Utc>,
    pub author: String,
    pub body: String,
    pub written_at: DateTime<Utc>,
}

/// One schedule: who is on call now and who is next, and the handoff notes around now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleNow {
    pub id: ScheduleId,
    pub name: String,
    pub time_zone: String,
    pub now: Option<ShiftView>,
    pub next: Option<ShiftView>,
    /// The note left at the start of the shift going on now.
    pub note_in: Option<HandoffNote>,
    /// The note for the next handoff (the end of the shift going on now).
    pub note_out: Option<HandoffNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub schedules: Vec<ScheduleNow>,
    /// The reader's own shifts going on now: the schedule's id and name, and the shift.
    pub mine: Vec<(ScheduleId, String, ShiftView)>,
    pub at: DateTime<Utc>,
    /// The reader's own time zone, if they set one (night hours are counted in it).
    pub my_zone: Option<String>,
    /// Where the schedules' stream stood when this was read (live updates go on from here).
    pub cursor: Cursor,
}

/// A schedule's calendar page: a week or a month of its final shifts on one zone's clock,
/// the people in it with their colours, and its swap offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleCalendar {
    pub id: ScheduleId,
    pub name: String,
    /// The schedule's own zone, and the zone the calendar is drawn in.
    pub time_zone: String,
    pub zone: String,
    pub span: Span,
    pub date: chrono::NaiveDate,
    pub prev: chrono::NaiveDate,
    pub next: chrono::NaiveDate,
    pub days: Vec<Day>,
    /// Everyone on the calendar or in the schedule's layers: id, name, colour.
    pub people: Vec<(UserId, String, u8)>,
    /// The overrides on the calendar, with their ids (a later one wins where they overlap).
    pub overrides: Vec<(OverrideId, super::Override)>,
    /// Open offers, and those taken or withdrawn in the last week.
    pub offers: Vec<SwapOffer>,
    /// Who may be put on call (admins choose anyone; responders themselves).
    pub users: Vec<(UserId, String)>,
    /// When it was read, and that instant on the calendar's wall clock.
    pub at: DateTime<Utc>,
    pub now_local: chrono::NaiveDateTime,
    pub cursor: Cursor,
}

/// The shift going on at `t` and the next one after it with someone else (or after a gap),
/// from a final schedule's shifts (in order, not overlapping).
pub fn now_and_next(shifts: &[Shift], t: DateTime<Utc>) -> (Option<Shift>, Option<Shift>) {
    let now = shifts.iter().find(|s| s.start <= t && t < s.end).copied();
    let mut after = now.map_or(t, |n| n.end);
    let mut next = None;
    for s in shifts.iter().filter(|s| s.start > t) {
        if s.start < after {
            continue;
        }
        // the same person's next turn, straight after this one, is the same stint
        if let Some(n) = now {
            if s.user == n.user && s.start == after {
                after = s.end;
                continue;
            }
        }
        next = Some(*s);
        break;
    }
    (now, next)
}

/// One person's load on a schedule, in minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Load {
    pub name: String,
    /// On call over the last 90 days (as it happened, overrides included) and the next 90.
    pub last_90_minutes: i64,
    pub next_90_minutes: i64,
    /// What the rotations alone planned for the last 90 days (without overrides and swaps).
    pub planned_last_90_minutes: i64,
    /// Of the next 90 days, on call between 22:00 and 07:00 on the person's own clock.
    pub night_next_90_minutes: i64,
    /// The zone those night hours are counted in: the person's own, or the schedule's when
    /// they have not set one.
    pub zone: String,
}

/// The admins' checks of one schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleChecks {
    pub id: ScheduleId,
    pub name: String,
    /// Stretches of the next 30 days with nobody on call.
    pub gaps: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Everyone with time on call, by name.
    pub load: Vec<Load>,
    /// Stretches longer than a week one person is on call without a break (next 90 days).
    pub long_stretches: Vec<(String, DateTime<Utc>, DateTime<Utc>)>,
}

/// What happened to a schedule: its events on the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScheduleChange {
    Saved { name: String, version: i64 },
    OverrideAdded { id: OverrideId, person: Person, start: DateTime<Utc>, end: DateTime<Utc> },
    OverrideRemoved { id: OverrideId },
    HandoffNoteWritten { handoff_at: DateTime<Utc>, body: String },
    SwapOffered { id: SwapId, start: DateTime<Utc>, end: DateTime<Utc> },
    SwapTaken { id: SwapId, offered_by: Person, taken_by: Person, override_id: OverrideId, start: DateTime<Utc>, end: DateTime<Utc> },
    SwapWithdrawn { id: SwapId },
}

impl ScheduleChange {
    pub fn name(&self) -> &'static str {
        match self {
            ScheduleChange::Saved { .. } => "schedule_saved",
            ScheduleChange::OverrideAdded { .. } => "override_added",
            ScheduleChange::OverrideRemoved { .. } => "override_removed",
            ScheduleChange::HandoffNoteWritten { .. } => "handoff_note_written",
            ScheduleChange::SwapOffered { .. } => "swap_offered",
            ScheduleChange::SwapTaken { .. } => "swap_taken",
            ScheduleChange::SwapWithdrawn { .. } => "swap_withdrawn",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oncall::Source;
    use chrono::{Duration, TimeZone};

    fn shift(h0: i64, h1: i64, user: i64) -> Shift {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        Shift { start: t0 + Duration::hours(h0), end: t0 + Duration::hours(h1), user: UserId(user), source: Source::Layer { layer: 0, turn: h0 } }
    }

    #[test]
    fn now_and_next_skip_the_same_persons_next_turn() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let shifts = [shift(0, 8, 1), shift(8, 16, 1), shift(16, 24, 2), shift(30, 40, 3)];
        let (now, next) = now_and_next(&shifts, t0 + Duration::hours(1));
        assert_eq!(now.unwrap().user, UserId(1));
        assert_eq!(next.unwrap().user, UserId(2), "Ada's second turn runs on from her first");
        let (now, next) = now_and_next(&shifts, t0 + Duration::hours(26));
        assert!(now.is_none(), "a gap");
        assert_eq!(next.unwrap().user, UserId(3));
        assert_eq!(now_and_next(&shifts, t0 + Duration::hours(41)), (None, None));
    }
}
