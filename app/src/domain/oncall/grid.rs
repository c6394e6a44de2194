//! A final schedule laid out as a calendar on a reader's wall clock: a week or a month of
//! days, each with the stretches of it someone is on call. Days are the reader's days (a
//! day when the clocks change lasts 23 or 25 hours, and a stretch's place in it is its share
//! of the real time), so one schedule reads right in any zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::{instant, wall_clock, Shift};
use crate::domain::ids::UserId;

/// How much a calendar shows. One spelling in URLs (`?view=week`) and on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    #[default]
    Week,
    Month,
}

impl Span {
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Week => "week",
            Span::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Result<Span, String> {
        match s {
            "week" => Ok(Span::Week),
            "month" => Ok(Span::Month),
            other => Err(format!("view: {other:?} is not a calendar view (week or month).")),
        }
    }

    /// The days shown for the one holding `date`: its week (Monday first), or the whole
    /// weeks its month touches. Returns the first day and the number of days.
    pub fn days(self, date: NaiveDate) -> (NaiveDate, i64) {
        let monday = |d: NaiveDate| d - Duration::days(d.weekday().num_days_from_monday() as i64);
        match self {
            Span::Week => (monday(date), 7),
            Span::Month => {
                let first = date.with_day(1).unwrap_or(date);
                let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
                let last = next - Duration::days(1);
                let start = monday(first);
                let end = monday(last) + Duration::days(7);
                (start, (end - start).num_days())
            }
        }
    }

    /// The date of the week or month before and after the one holding `date`.
    pub fn step(self, date: NaiveDate, forward: bool) -> NaiveDate {
        let step = |d: NaiveDate| match self {
            Span::Week if forward => d + Duration::days(7),
            Span::Week => d - Duration::days(7),
            Span::Month => {
                let first = d.with_day(1).unwrap_or(d);
                if forward {
                    first.checked_add_months(chrono::Months::new(1)).unwrap_or(first)
                } else {
                    first.checked_sub_months(chrono::Months::new(1)).unwrap_or(first)
                }
            }
        };
        step(date)
    }

    /// Whether `day` belongs to the period holding `date` (a month view also shows the ends
    /// of the weeks around it, greyed).
    pub fn holds(self, date: NaiveDate, day: NaiveDate) -> bool {
        match self {
            Span::Week => true,
            Span::Month => day.year() == date.year() && day.month() == date.month(),
        }
    }
}

/// What put someone on call for a stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Their turn in a rotation layer.
    Rotation,
    /// An override.
    Override,
    /// An override made by taking a swap.
    Swap,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Rotation => "rotation",
            Mark::Override => "override",
            Mark::Swap => "swap",
        }
    }
}

/// The part of one shift that falls in one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub user: UserId,
    /// Where the piece starts and ends (inside its day).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The whole shift, and its ends on the calendar's wall clock (for the override form).
    pub shift_start: DateTime<Utc>,
    pub shift_end: DateTime<Utc>,
    pub local_start: NaiveDateTime,
    pub local_end: NaiveDateTime,
    pub mark: Mark,
    /// The person's colour, an index into the page's palette.
    pub colour: u8,
}

/// One day of the calendar: from its midnight to the next, on the calendar's wall clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// False for the days a month view shows from the months around it.
    pub in_period: bool,
    pub bars: Vec<Bar>,
}

impl Day {
    /// Where `t` falls in the day, from 0 (its midnight) to 100 (the next), in percent of the
    /// day's real length.
    pub fn percent(&self, t: DateTime<Utc>) -> f64 {
        let length = (self.end - self.start).num_seconds().max(1) as f64;
        ((t - self.start).num_seconds() as f64 / length * 100.0).clamp(0.0, 100.0)
    }
}

/// The instants a calendar of `span` around `date` covers on `tz`'s wall clock.
pub fn range<Z: TimeZone>(tz: &Z, span: Span, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let (first, n) = span.days(date);
    (instant(tz, first.and_time(chrono::NaiveTime::MIN)), instant(tz, (first + Duration::days(n)).and_time(chrono::NaiveTime::MIN)))
}

/// The calendar of `span` around `date` on `tz`'s wall clock, from `shifts` (a final
/// schedule over at least [`range`], in order). `mark` says what put each shift there and
/// `colour` gives each person theirs.
pub fn layout<Z: TimeZone>(tz: &Z, span: Span, date: NaiveDate, shifts: &[Shift], mark: impl Fn(&Shift) -> Mark, colour: impl Fn(UserId) -> u8) -> Vec<Day> {
    let (first, n) = span.days(date);
    (0..n)
        .map(|i| {
            let day = first + Duration::days(i);
            let start = instant(tz, day.and_time(chrono::NaiveTime::MIN));
            let end = instant(tz, (day + Duration::days(1)).and_time(chrono::NaiveTime::MIN));
            let bars = shifts
                .iter()
                .filter(|s| s.start < end && start < s.end)
                .map(|s| Bar {
                    user: s.user,
                    from: s.start.max(start),
                    to: s.end.min(end),
                    shift_start: s.start,
                    shift_end: s.end,
                    local_start: wall_clock(tz, s.start),
                    local_end: wall_clock(tz, s.end),
                    mark: mark(s),
                    colour: colour(s.user),
                })
                .collect();
            Day { date: day, start, end, in_period: span.holds(date, day), bars }
        })
        .collect()
}

/// How many colours the calendar's palette has.
pub const PALETTE: u8 = 8;

/// Each person's colour: people in the order given (a schedule's participants, layer by
/// layer, then anyone else), each the next colour of the palette.
pub fn colours(people: impl IntoIterator<Item = UserId>) -> Vec<(UserId, u8)> {
    let mut out: Vec<(UserId, u8)> = vec![];
    for u in people {
        if !out.iter().any(|(v, _)| *v == u) {
            let c = (out.len() % PALETTE as usize) as u8;
            out.push((u, c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oncall::Source;
    use chrono::NaiveTime;
    use chrono_tz::Tz;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_show_whole_weeks() {
        // Wednesday 2 December 2026
        assert_eq!(Span::Week.days(d(2026, 12, 2)), (d(2026, 11, 30), 7));
        // December 2026: Tuesday 1st to Thursday 31st, shown Monday 30 Nov to Sunday 3 Jan
        assert_eq!(Span::Month.days(d(2026, 12, 17)), (d(2026, 11, 30), 35));
        // February 2027 starts on a Monday and ends on a Sunday: exactly four weeks
        assert_eq!(Span::Month.days(d(2027, 2, 10)), (d(2027, 2, 1), 28));
        assert_eq!(Span::Month.step(d(2026, 1, 31), true), d(2026, 2, 1));
        assert_eq!(Span::Week.step(d(2026, 12, 2), false), d(2026, 11, 25));
        assert!(!Span::Month.holds(d(2026, 12, 17), d(2026, 11, 30)));
        assert_eq!(Span::parse("month"), Ok(Span::Month));
        assert!(Span::parse("year").unwrap_err().starts_with("view:"));
    }

    #[test]
    fn a_day_when_the_clocks_change_is_as_long_as_it_really_is() {
        let tz: Tz = chrono_tz::Europe::Berlin;
        // Sunday 29 March 2026: clocks go forward, the day lasts 23 hours
        let days = layout(&tz, Span::Week, d(2026, 3, 29), &[], |_| Mark::Rotation, |_| 0);
        let sunday = days.iter().find(|x| x.date == d(2026, 3, 29)).unwrap();
        assert_eq!(sunday.end - sunday.start, Duration::hours(23));
        // 09:00 local is 8 of its 23 real hours in
        let nine = instant(&tz, d(2026, 3, 29).and_hms_opt(9, 0, 0).unwrap());
        assert!((sunday.percent(nine) - 8.0 / 23.0 * 100.0).abs() < 1e-9);
    }

    #[test]
    fn a_weekly_shift_is_cut_at_each_midnight_of_the_readers_zone() {
        let berlin: Tz = chrono_tz::Europe::Berlin;
        let tokyo: Tz = chrono_tz::Asia::Tokyo;
        // Monday 7 December 2026, 09:00 in Berlin (08:00 UTC), for a week
        let start = instant(&berlin, d(2026, 12, 7).and_hms_opt(9, 0, 0).unwrap());
        let s = Shift { start, end: start + Duration::days(7), user: UserId(1), source: Source::Layer { layer: 0, turn: 0 } };
        let days = layout(&berlin, Span::Week, d(2026, 12, 7), &[s], |_| Mark::Rotation, |_| 3);
        assert_eq!(days.iter().map(|d| d.bars.len()).sum::<usize>(), 7, "Monday from 09:00, then six whole days");
        assert_eq!(days[0].bars[0].from, start);
        assert_eq!(days[0].bars[0].local_start.time(), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
        assert_eq!(days[0].bars[0].colour, 3);
        // in Tokyo the same shift starts at 17:00 on Monday
        let days = layout(&tokyo, Span::Week, d(2026, 12, 7), &[s], |_| Mark::Rotation, |_| 0);
        assert_eq!(wall_clock(&tokyo, days[0].bars[0].from).time(), NaiveTime::from_hms_opt(17, 0, 0).unwrap());
    }

    #[test]
    fn people_keep_their_colour_in_the_order_first_seen() {
        let c = colours([UserId(5), UserId(2), UserId(5), UserId(9)]);
        assert_eq!(c, vec![(UserId(5), 0), (UserId(2), 1), (UserId(9), 2)]);
        let many = colours((1..=10).map(UserId));
        assert_eq!(many[8], (UserId(9), 0), "the palette repeats after {PALETTE}");
    }

    const ZONES: [Tz; 4] = [chrono_tz::America::New_York, chrono_tz::Europe::Berlin, chrono_tz::Australia::Lord_Howe, chrono_tz::Asia::Tokyo];

    proptest! {
        /// The days of a calendar follow each other without a gap, and their pieces put
        /// together are exactly the shifts within the calendar's range, whatever the zone.
        #[test]
        fn pieces_put_together_are_the_shifts(z in 0usize..ZONES.len(), month in any::<bool>(), day0 in 0i64..400, cuts in prop::collection::vec(1i64..(50 * 60), 1..30)) {
            let tz = ZONES[z];
            let span = if month { Span::Month } else { Span::Week };
            let date = d(2026, 1, 1) + Duration::days(day0);
            let (from, to) = range(&tz, span, date);
            let mut t = from - Duration::hours(30);
            let mut shifts = vec![];
            for (i, m) in cuts.iter().enumerate() {
                let end = t + Duration::minutes(*m);
                if i % 3 != 2 {
                    shifts.push(Shift { start: t, end, user: UserId(i as i64 % 4), source: Source::Layer { layer: 0, turn: i as i64 } });
                }
                t = end;
            }
            let days = layout(&tz, span, date, &shifts, |_| Mark::Rotation, |_| 0);
            prop_assert_eq!(days.first().map(|d| d.start), Some(from));
            prop_assert_eq!(days.last().map(|d| d.end), Some(to));
            for pair in days.windows(2) {
                prop_assert_eq!(pair[0].end, pair[1].start);
            }
            for s in &shifts {
                let pieces: Vec<&Bar> = days.iter().flat_map(|d| &d.bars).filter(|b| b.shift_start == s.start).collect();
                let (a, b) = (s.start.max(from), s.end.min(to));
                if a < b {
                    prop_assert_eq!(pieces.first().map(|p| p.from), Some(a));
                    prop_assert_eq!(pieces.last().map(|p| p.to), Some(b));
                    for pair in pieces.windows(2) {
                        prop_assert_eq!(pair[0].to, pair[1].from);
                    }
                } else {
                    prop_assert!(pieces.is_empty());
                }
            }
            for day in &days {
                for b in &day.bars {
                    prop_assert!(day.start <= b.from && b.from < b.to && b.to <= day.end);
                    prop_assert!(day.percent(b.from) <= day.percent(b.to));
                }
            }
        }
    }
}
