//! On-call shifts as calendar events: what an iCalendar feed holds, one event per final
//! shift, with an id that stays the same as long as the shift does (so a calendar program
//! updates rather than duplicates it).

use chrono::{DateTime, Utc};

use super::Shift;
use crate::domain::ids::{ScheduleId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    pub uid: String,
    pub summary: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The events of `shifts` (a schedule's final shifts, or a person's on it).
pub fn events(schedule: ScheduleId, schedule_name: &str, shifts: &[Shift], name_of: impl Fn(UserId) -> String) -> Vec<CalendarEvent> {
    shifts
        .iter()
        .map(|s| CalendarEvent {
            uid: format!("shift-{}-{}-{}@klaxon", schedule.0, s.user.0, s.start.timestamp()),
            summary: format!("On call: {schedule_name} ({})", name_of(s.user)),
            start: s.start,
            end: s.end,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oncall::Source;
    use chrono::{Duration, TimeZone};

    #[test]
    fn one_event_per_shift_with_a_stable_id() {
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
        let shift = |h: i64, u: i64| Shift {
            start: t + Duration::hours(h),
            end: t + Duration::hours(h + 168),
            user: UserId(u),
            source: Source::Layer { layer: 0, turn: h },
        };
        let shifts = [shift(0, 1), shift(168, 2)];
        let name = |u: UserId| format!("P{}", u.0);
        let a = events(ScheduleId(3), "Primary", &shifts, name);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].summary, "On call: Primary (P1)");
        assert_eq!((a[1].start, a[1].end), (shifts[1].start, shifts[1].end));
        assert_ne!(a[0].uid, a[1].uid);
        // read again (later, or from a window that starts elsewhere): the same ids
        assert_eq!(events(ScheduleId(3), "Primary", &shifts[1..], name)[0].uid, a[1].uid);
    }
}
