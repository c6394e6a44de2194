//! The stretch of time a report covers, and the one before it that it is compared with.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest period a report covers, in days.
pub const MAX_DAYS: i64 = 3 * 366;

/// What a report covers when nothing else is asked for: the month's review.
pub const DEFAULT_DAYS: i64 = 30;

/// A half-open stretch of time `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    /// The `days` days up to `now`.
    pub fn last_days(now: DateTime<Utc>, days: i64) -> Result<Period, String> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(format!("days: a report covers 1 to {MAX_DAYS} days, not {days}"));
        }
        Ok(Period { from: now - Duration::days(days), to: now })
    }

    /// From the start of day `from` to the end of day `to` (UTC), both given as `YYYY-MM-DD`.
    pub fn between(from: &str, to: &str) -> Result<Period, String> {
        let day = |name: &str, s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| format!("{name}: {s:?} is not a date (YYYY-MM-DD)"));
        let (f, t) = (day("from", from)?, day("to", to)?);
        if t < f {
            return Err(format!("to: {t} is before from ({f})"));
        }
        let days = (t - f).num_days() + 1;
        if days > MAX_DAYS {
            return Err(format!("to: a report covers at most {MAX_DAYS} days, not {days}"));
        }
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        Ok(Period { from: start(f), to: start(t) + Duration::days(1) })
    }

    /// The period a page's or an export's query asks for: `from` and `to` (days, both), or
    /// `days` up to `now`, or else the last 30 days. Empty values count as missing.
    pub fn from_query(days: Option<&str>, from: Option<&str>, to: Option<&str>, now: DateTime<Utc>) -> Result<Period, String> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        match (given(days), given(from), given(to)) {
            (_, Some(f), Some(t)) => Period::between(f, t),
            (_, Some(_), None) => Err("to: give the last day too (from and to go together)".into()),
            (_, None, Some(_)) => Err("from: give the first day too (from and to go together)".into()),
            (Some(d), None, None) => Period::last_days(now, d.parse().map_err(|_| format!("days: {d:?} is not a number of days"))?),
            (None, None, None) => Period::last_days(now, DEFAULT_DAYS),
        }
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Period {
        Period { from: self.from - (self.to - self.from), to: self.from }
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_period_is_given_by_days_or_by_dates_and_bad_ones_are_refused_with_a_reason() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let p = Period::last_days(now, 30).unwrap();
        assert_eq!((p.from, p.to, p.days()), (Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(), now, 30));
        assert_eq!(p.previous(), Period { from: Utc.with_ymd_and_hms(2026, 10, 2, 12, 0, 0).unwrap(), to: p.from });
        assert!(p.contains(p.from) && !p.contains(p.to));

        let p = Period::between("2026-11-01", "2026-11-30").unwrap();
        assert_eq!(p.from, Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
        assert_eq!(p.to, Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap());
        assert_eq!(Period::between("2026-11-05", "2026-11-05").unwrap().days(), 1);

        assert!(Period::last_days(now, 0).unwrap_err().starts_with("days:"));
        assert!(Period::last_days(now, MAX_DAYS + 1).is_err());
        assert!(Period::between("2026-13-01", "2026-11-30").unwrap_err().starts_with("from:"));
        assert!(Period::between("2026-11-30", "2026-11-01").unwrap_err().contains("before"));
        assert!(Period::between("2020-01-01", "2026-01-01").unwrap_err().contains("at most"));

        // from a query: dates win over days; one date alone, or days that are not, is refused
        assert_eq!(Period::from_query(None, None, None, now).unwrap().days(), DEFAULT_DAYS);
        assert_eq!(Period::from_query(Some(""), Some(" "), None, now).unwrap().days(), DEFAULT_DAYS);
        assert_eq!(Period::from_query(Some("90"), None, None, now).unwrap().days(), 90);
        assert_eq!(Period::from_query(Some("90"), Some("2026-11-01"), Some("2026-11-07"), now).unwrap().days(), 7);
        assert!(Period::from_query(None, Some("2026-11-01"), None, now).unwrap_err().starts_with("to:"));
        assert!(Period::from_query(None, None, Some("2026-11-01"), now).unwrap_err().starts_with("from:"));
        assert!(Period::from_query(Some("a week"), None, None, now).unwrap_err().starts_with("days:"));
    }
}
