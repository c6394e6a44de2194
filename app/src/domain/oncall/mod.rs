//! Who is on call: schedules made of rotation layers and overrides, and the final schedule
//! they give. Pure: the time zone is a parameter (the server passes the schedule's IANA
//! zone), so none of this needs a clock or a database.
//!
//! How local time is read, written down once: a rotation counts its turns on the
//! schedule's wall clock (a weekly Monday 09:00 handoff stays Monday 09:00 local across
//! daylight-saving changes, so the turn that spans a change is an hour shorter or longer).
//! A local time that happens twice (clocks going back) means its first occurrence; a local
//! time that never happens (clocks going forward) means the moment the clocks jump, the
//! first instant after the gap. Both rules keep the wall clock's order, so no shift ever
//! has a negative length; a turn that falls wholly inside a gap has none and is left out.

pub mod calendar;
pub mod checks;
pub mod doc;
pub mod grid;
mod layer;
mod merge;
pub mod swap;
pub mod view;

pub use layer::layer_shifts;
pub use merge::{final_schedule, on_call_at};

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::ids::UserId;

/// How long one turn of a rotation lasts, on the schedule's wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "unit", content = "count", rename_all = "snake_case")]
pub enum TurnLength {
    Hours(u32),
    Days(u32),
    Weeks(u32),
    Months(u32),
}

/// The longest turn accepted, in each unit (a year).
const MAX_HOURS: u32 = 24 * 366;

impl TurnLength {
    /// Checks the count: at least one, at most about a year.
    pub fn checked(self) -> Result<TurnLength, String> {
        let (count, max, unit) = match self {
            TurnLength::Hours(n) => (n, MAX_HOURS, "hours"),
            TurnLength::Days(n) => (n, 366, "days"),
            TurnLength::Weeks(n) => (n, 52, "weeks"),
            TurnLength::Months(n) => (n, 12, "months"),
        };
        if count == 0 || count > max {
            return Err(format!("A turn lasts from 1 to {max} {unit}."));
        }
        Ok(self)
    }

    /// PagerDuty's `rotation_turn_length_seconds`, read as the largest whole unit.
    pub fn from_seconds(seconds: u64) -> Result<TurnLength, String> {
        let hours = seconds / 3600;
        if seconds == 0 || !seconds.is_multiple_of(3600) || hours > MAX_HOURS as u64 {
            return Err(format!("A turn of {seconds} seconds is not a whole number of hours between 1 and {MAX_HOURS}."));
        }
        let hours = hours as u32;
        Ok(if hours.is_multiple_of(24 * 7) {
            TurnLength::Weeks(hours / (24 * 7))
        } else if hours.is_multiple_of(24) {
            TurnLength::Days(hours / 24)
        } else {
            TurnLength::Hours(hours)
        })
    }

    /// The length in minutes, for the units of fixed length on the wall clock.
    fn fixed_minutes(self) -> Option<i64> {
        match self {
            TurnLength::Hours(n) => Some(n as i64 * 60),
            TurnLength::Days(n) => Some(n as i64 * 24 * 60),
            TurnLength::Weeks(n) => Some(n as i64 * 7 * 24 * 60),
            TurnLength::Months(_) => None,
        }
    }

    /// Where turn `k` starts, counted from `anchor` (turn 0) on the wall clock. Months are
    /// counted from the anchor each time, so a turn that starts on the 31st starts on the
    /// last day of shorter months and comes back to the 31st after them.
    fn start_of(self, anchor: NaiveDateTime, k: i64) -> NaiveDateTime {
        match (self, self.fixed_minutes()) {
            (_, Some(minutes)) => anchor + Duration::minutes(minutes * k),
            (TurnLength::Months(n), None) => {
                let months = n as i64 * k;
                let shifted = if months >= 0 {
                    anchor.checked_add_months(chrono::Months::new(months.min(u32::MAX as i64) as u32))
                } else {
                    anchor.checked_sub_months(chrono::Months::new((-months).min(u32::MAX as i64) as u32))
                };
                shifted.unwrap_or(if months >= 0 { NaiveDateTime::MAX } else { NaiveDateTime::MIN })
            }
            _ => unreachable!("only months have no fixed length"),
        }
    }

    /// The turn that contains `t`: the `k` with `start_of(k) <= t < start_of(k + 1)`.
    fn turn_at(self, anchor: NaiveDateTime, t: NaiveDateTime) -> i64 {
        let mut k = match self.fixed_minutes() {
            Some(minutes) => (t - anchor).num_minutes().div_euclid(minutes),
            None => {
                let months = |d: NaiveDateTime| {
                    use chrono::Datelike;
                    d.year() as i64 * 12 + d.month0() as i64
                };
                let TurnLength::Months(n) = self else { unreachable!("only months have no fixed length") };
                (months(t) - months(anchor)).div_euclid(n as i64)
            }
        };
        while self.start_of(anchor, k) > t {
            k -= 1;
        }
        while self.start_of(anchor, k + 1) <= t {
            k += 1;
        }
        k
    }
}

/// A window of the week when a restricted layer is active, on the schedule's wall clock:
/// from `start` on `day`, for `minutes` (it may run past midnight, up to a whole week).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub day: Weekday,
    pub start: NaiveTime,
    pub minutes: u32,
}

pub const WEEK_MINUTES: u32 = 7 * 24 * 60;

impl Window {
    pub fn checked(self) -> Result<Window, String> {
        if self.minutes == 0 || self.minutes > WEEK_MINUTES {
            return Err("A restriction lasts from one minute to a whole week.".into());
        }
        Ok(self)
    }

    /// The same window on each of `days` (a daily restriction: every day, or weekdays).
    pub fn daily(days: &[Weekday], start: NaiveTime, minutes: u32) -> Vec<Window> {
        days.iter().map(|&day| Window { day, start, minutes }).collect()
    }
}

pub const WEEKDAYS: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
pub const EVERY_DAY: [Weekday; 7] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// One rotation layer (PagerDuty's schedule layer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    /// Who takes turns, in order.
    pub participants: Vec<UserId>,
    /// Where turn 0, the first participant's, starts on the wall clock (PagerDuty's
    /// `rotation_virtual_start`, read in the schedule's zone); its time of day is the
    /// handoff time. It may lie before or after `start`.
    pub rotation_start: NaiveDateTime,
    pub turn: TurnLength,
    /// When the layer takes effect (PagerDuty's `start`), and stops, if it does.
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// When the layer is active; empty means always. A turn with no active time at all
    /// (a Saturday in a weekdays-only daily rotation) is skipped rather than given to
    /// someone, so nobody's turn always falls where the layer is off.
    pub restrictions: Vec<Window>,
}

/// Someone on call instead of whoever the layers say, for a while. Among overlapping
/// overrides the later one in the list wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub user: UserId,
}

/// Where a shift comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Turn `turn` of layer `layer` (its index in the schedule, bottom first).
    Layer { layer: usize, turn: i64 },
    /// The override at this index.
    Override { index: usize },
}

/// Someone on call from `start` to `end` (never empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub user: UserId,
    pub source: Source,
}

impl Shift {
    pub fn length(&self) -> Duration {
        self.end - self.start
    }
}

/// The instant a wall-clock time in `tz` means, by the rules in this module's comment.
pub fn instant<Z: TimeZone>(tz: &Z, local: NaiveDateTime) -> DateTime<Utc> {
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return t.with_timezone(&Utc);
    }
    // a gap: the first wall-clock minute after it (real gaps are whole minutes, at most a day)
    let mut probe = local.with_second(0).unwrap_or(local).with_nanosecond(0).unwrap_or(local);
    for _ in 0..=(2 * 24 * 60) {
        probe += Duration::minutes(1);
        if let Some(t) = tz.from_local_datetime(&probe).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    // not a real zone's gap: read the time as UTC rather than fail
    local.and_utc()
}

/// The wall-clock time in `tz` at `t`.
pub fn wall_clock<Z: TimeZone>(tz: &Z, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(tz).naive_local()
}

#[cfg(test)]
mod tests;
