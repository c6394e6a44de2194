//! The public incident history, one calendar month per page (months of the page's time
//! zone), with links to the nearest older and newer months that have something to show.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::public_incident::PublicIncident;
use super::status_page::{Component, PageSettings};

/// A month, as `YYYY-MM` in addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }

    /// Reads `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, String> {
        let bad = || format!("{:?} is not a month; use YYYY-MM, such as 2026-03.", s.chars().take(20).collect::<String>());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (year, month) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        NaiveDate::from_ymd_opt(year, month, 1).map(Month::of).ok_or_else(bad)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn next(self) -> Month {
        Month::of(self.first_day().checked_add_months(Months::new(1)).unwrap_or_default())
    }

    /// The month's page: `/status/history/2026-11`.
    pub fn path(self) -> String {
        format!("/status/history/{self}")
    }

    /// "November 2026"
    pub fn label(self) -> String {
        self.first_day().format("%B %Y").to_string()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One month of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub settings: PageSettings,
    pub month: Month,
    /// The month's incidents (by when they began), newest first.
    pub incidents: Vec<PublicIncident>,
    /// The nearest earlier month with incidents.
    pub older: Option<Month>,
    /// The nearest later month with incidents, or the current month.
    pub newer: Option<Month>,
}

/// The history page for `month`; `local` gives the page's calendar date of an instant, and
/// `today` is its current date. `all` is newest first.
pub fn history(settings: PageSettings, all: &[PublicIncident], month: Month, today: NaiveDate, local: impl Fn(DateTime<Utc>) -> NaiveDate) -> HistoryPage {
    let month_of = |i: &PublicIncident| Month::of(local(i.created_at));
    let incidents = all.iter().filter(|i| month_of(i) == month).cloned().collect();
    let older = all.iter().map(month_of).filter(|m| *m < month).max();
    let current = Month::of(today);
    let newer = all.iter().map(month_of).filter(|m| *m > month && *m <= current).min().or((month < current).then_some(current));
    HistoryPage { settings, month, incidents, older, newer }
}

/// One incident's own page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentPage {
    pub settings: PageSettings,
    pub incident: PublicIncident,
    /// The components its updates touched, as they are now.
    pub components: Vec<Component>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::public_incident::{Impact, PublicStatus};

    fn incident(id: &str, at: &str) -> PublicIncident {
        let t = DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&Utc);
        PublicIncident {
            id: id.into(),
            monitoring_at: None,
            components: vec![],
            title: id.into(),
            status: PublicStatus::Resolved,
            impact: Impact::Minor,
            created_at: t,
            updated_at: t,
            resolved_at: Some(t),
            updates: vec![],
        }
    }

    fn settings() -> PageSettings {
        PageSettings { name: "S".into(), public_url: String::new(), logo_url: String::new(), time_zone: "UTC".into(), support_url: String::new() }
    }

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(m("2026-03"), Month { year: 2026, month: 3 });
        assert_eq!(m("2026-03").to_string(), "2026-03");
        assert_eq!(m("2026-12").next(), m("2027-01"));
        assert_eq!(m("2026-11").label(), "November 2026");
        assert_eq!(m("2026-03").path(), "/status/history/2026-03");
        for bad in ["", "2026", "2026-13", "2026-00", "26-03", "2026-3", "2026-03-01", "abcd-ef", "+026-03"] {
            assert!(Month::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_month_holds_its_incidents_and_links_to_months_with_more() {
        // newest first, as the snapshot keeps them
        let all = vec![
            incident("nov", "2026-11-02T10:00:00Z"),
            incident("aug-late", "2026-08-31T23:30:00Z"),
            incident("aug", "2026-08-05T10:00:00Z"),
            incident("may", "2026-05-01T00:30:00Z"),
        ];
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let utc = |t: DateTime<Utc>| t.date_naive();
        let page = history(settings(), &all, m("2026-08"), today, utc);
        assert_eq!(page.incidents.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["aug-late", "aug"]);
        assert_eq!(page.older, Some(m("2026-05")), "empty months are skipped");
        assert_eq!(page.newer, Some(m("2026-11")));
        // the current month: nothing newer
        let now = history(settings(), &all, m("2026-11"), today, utc);
        assert_eq!(now.newer, None);
        assert_eq!(now.older, Some(m("2026-08")));
        // the oldest: nothing older
        assert_eq!(history(settings(), &all, m("2026-05"), today, utc).older, None);
        // an empty month in between still links both ways
        let july = history(settings(), &all, m("2026-07"), today, utc);
        assert!(july.incidents.is_empty());
        assert_eq!((july.older, july.newer), (Some(m("2026-05")), Some(m("2026-08"))));
        // months are the page's: an hour east of UTC, late 31 August is September
        let east = |t: DateTime<Utc>| (t + chrono::Duration::hours(1)).date_naive();
        let sept = history(settings(), &all, m("2026-09"), today, east);
        assert_eq!(sept.incidents.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["aug-late"]);
    }
}
