//! A sample of durations summed up as a team reads it: how many, mean, median and 90th
//! percentile, and how a period compares with the one before.

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// A summary of durations, in whole seconds. Percentiles are by nearest rank (the value
/// below which that share of the sample lies), so every figure is one that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    pub count: usize,
    pub mean_s: i64,
    pub median_s: i64,
    pub p90_s: i64,
}

impl Stat {
    /// `None` for an empty sample: "no data" is not zero.
    pub fn of(sample: &[Duration]) -> Option<Stat> {
        if sample.is_empty() {
            return None;
        }
        let mut s: Vec<i64> = sample.iter().map(|d| d.num_seconds()).collect();
        s.sort_unstable();
        let sum: i128 = s.iter().map(|v| i128::from(*v)).sum();
        let n = s.len();
        Some(Stat { count: n, mean_s: (sum / n as i128) as i64, median_s: nearest_rank(&s, 50), p90_s: nearest_rank(&s, 90) })
    }
}

/// The value at percentile `p` of a sorted, non-empty sample: the smallest value with at
/// least `p`% of the sample at or below it.
fn nearest_rank(sorted: &[i64], p: usize) -> i64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// How a figure moved from the previous period to this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Down,
    Same,
    /// One of the two periods has no data.
    Unknown,
}

impl Trend {
    pub fn between(previous: Option<i64>, now: Option<i64>) -> Trend {
        match (previous, now) {
            (Some(p), Some(n)) if n > p => Trend::Up,
            (Some(p), Some(n)) if n < p => Trend::Down,
            (Some(_), Some(_)) => Trend::Same,
            _ => Trend::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::Same => "same",
            Trend::Unknown => "unknown",
        }
    }

    /// An arrow and words, never colour alone.
    pub fn label(self) -> &'static str {
        match self {
            Trend::Up => "↑ up",
            Trend::Down => "↓ down",
            Trend::Same => "→ same",
            Trend::Unknown => "no earlier data",
        }
    }
}

/// A duration in the words a dashboard uses: "45s", "12m", "3h 05m", "2d 4h".
pub fn human(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mins(v: &[i64]) -> Vec<Duration> {
        v.iter().map(|m| Duration::minutes(*m)).collect()
    }

    #[test]
    fn a_sample_is_summed_up_by_hand() {
        assert_eq!(Stat::of(&[]), None);
        // 10 incidents resolved in 1..=10 minutes: mean 5.5 min, median the 5th, p90 the 9th
        let s = Stat::of(&mins(&[7, 1, 10, 3, 2, 9, 4, 6, 8, 5])).unwrap();
        assert_eq!(s, Stat { count: 10, mean_s: 330, median_s: 300, p90_s: 540 });
        // one incident: every figure is it
        assert_eq!(Stat::of(&mins(&[42])).unwrap(), Stat { count: 1, mean_s: 2520, median_s: 2520, p90_s: 2520 });
        // a long tail moves the mean and the p90, not the median
        let s = Stat::of(&mins(&[5, 5, 5, 5, 600])).unwrap();
        assert_eq!((s.mean_s, s.median_s, s.p90_s), (124 * 60, 300, 36_000));
    }

    #[test]
    fn trends_read_both_ways_and_say_when_there_is_nothing_to_compare() {
        assert_eq!(Trend::between(Some(60), Some(30)), Trend::Down);
        assert_eq!(Trend::between(Some(30), Some(60)), Trend::Up);
        assert_eq!(Trend::between(Some(30), Some(30)), Trend::Same);
        assert_eq!(Trend::between(None, Some(30)), Trend::Unknown);
        assert_eq!(Trend::between(Some(30), None), Trend::Unknown);
    }

    #[test]
    fn durations_read_as_a_dashboard_writes_them() {
        assert_eq!(human(45), "45s");
        assert_eq!(human(12 * 60 + 5), "12m");
        assert_eq!(human(3 * 3600 + 5 * 60), "3h 05m");
        assert_eq!(human(2 * 86_400 + 4 * 3600 + 59), "2d 4h");
        assert_eq!(human(-5), "0s");
    }

    proptest! {
        /// The figures lie within the sample, in order, and do not depend on its order.
        #[test]
        fn figures_lie_within_the_sample(mut v in proptest::collection::vec(0i64..100_000, 1..60)) {
            let s = Stat::of(&v.iter().map(|x| Duration::seconds(*x)).collect::<Vec<_>>()).unwrap();
            let (lo, hi) = (*v.iter().min().unwrap(), *v.iter().max().unwrap());
            prop_assert!(lo <= s.median_s && s.median_s <= s.p90_s && s.p90_s <= hi);
            prop_assert!(lo <= s.mean_s && s.mean_s <= hi);
            prop_assert!(v.contains(&s.median_s) && v.contains(&s.p90_s));
            // at least 90% of the sample is at or below the p90, and less than that below it
            let at_or_below = v.iter().filter(|x| **x <= s.p90_s).count();
            let below = v.iter().filter(|x| **x < s.p90_s).count();
            prop_assert!(at_or_below * 10 >= v.len() * 9);
            prop_assert!(below * 10 < v.len() * 9);
            v.reverse();
            let again = Stat::of(&v.iter().map(|x| Duration::seconds(*x)).collect::<Vec<_>>()).unwrap();
            prop_assert_eq!(s, again);
        }
    }
}
