//! Checks on a final schedule that an admin reviews: where nobody is on call, how the load
//! falls on each person (all hours, and night hours in each person's own zone), and shifts
//! longer than anyone should carry.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use super::{instant, wall_clock, Shift};
use crate::domain::ids::UserId;

/// Shifts longer than this are flagged (the seeds warn against on-call weeks that run on).
pub const LONGEST_SHIFT: Duration = Duration::days(7);

/// The stretches of `[from, to)` nobody covers, in order.
pub fn gaps(shifts: &[Shift], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = vec![];
    let mut covered_until = from;
    for s in shifts.iter().filter(|s| s.end > from && s.start < to) {
        if s.start > covered_until {
            out.push((covered_until, s.start));
        }
        covered_until = covered_until.max(s.end);
    }
    if covered_until < to {
        out.push((covered_until, to));
    }
    out
}

/// Time on call per person.
pub fn time_per_person(shifts: &[Shift]) -> BTreeMap<UserId, Duration> {
    let mut out = BTreeMap::new();
    for s in shifts {
        *out.entry(s.user).or_insert(Duration::zero()) += s.length();
    }
    out
}

/// Time on call at night per person, night being `night_start`..`night_end` on that person's
/// own wall clock (`zone_of`), across midnight when it ends before it starts.
pub fn night_time_per_person<Z: TimeZone>(
    shifts: &[Shift],
    zone_of: impl Fn(UserId) -> Z,
    night_start: NaiveTime,
    night_end: NaiveTime,
) -> BTreeMap<UserId, Duration> {
    let mut out = BTreeMap::new();
    for s in shifts {
        let tz = zone_of(s.user);
        let total = out.entry(s.user).or_insert(Duration::zero());
        // each night that may touch the shift: from the evening before its first day
        let mut day = wall_clock(&tz, s.start).date() - Duration::days(1);
        let last = wall_clock(&tz, s.end).date();
        while day <= last {
            let ends_on = if night_start < night_end { day } else { day + Duration::days(1) };
            let (a, b) = (instant(&tz, day.and_time(night_start)).max(s.start), instant(&tz, ends_on.and_time(night_end)).min(s.end));
            if a < b {
                *total += b - a;
            }
            day += Duration::days(1);
        }
    }
    out
}

/// Shifts longer than [`LONGEST_SHIFT`], counting back-to-back shifts of the same person as
/// one: (person, start, end).
pub fn long_stretches(shifts: &[Shift]) -> Vec<(UserId, DateTime<Utc>, DateTime<Utc>)> {
    let mut stretches: Vec<(UserId, DateTime<Utc>, DateTime<Utc>)> = vec![];
    for s in shifts {
        match stretches.last_mut() {
            Some(last) if last.0 == s.user && last.2 == s.start => last.2 = s.end,
            _ => stretches.push((s.user, s.start, s.end)),
        }
    }
    stretches.into_iter().filter(|(_, a, b)| *b - *a > LONGEST_SHIFT).collect()
}
