//! Bar charts of the report, as simple as they can be: a row per group with this period's
//! value beside the previous one's, bars scaled to the largest value shown.

use serde::{Deserialize, Serialize};

/// One row of a bar chart: what it is, and the value in each period (`None`: no data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarRow {
    pub label: String,
    pub now: Option<i64>,
    pub before: Option<i64>,
}

/// A bar's length out of `full` for `value`, the largest value shown being `max`: at least 1
/// for any value above zero (a small value is still seen), 0 for none.
pub fn length(value: i64, max: i64, full: u32) -> u32 {
    if value <= 0 || max <= 0 {
        return 0;
    }
    let l = (i128::from(value.min(max)) * i128::from(full) / i128::from(max)) as u32;
    l.max(1)
}

/// The largest value in the rows (either period).
pub fn largest(rows: &[BarRow]) -> i64 {
    rows.iter().flat_map(|r| [r.now, r.before]).flatten().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bars_are_scaled_to_the_largest_value() {
        let rows = vec![BarRow { label: "SEV1".into(), now: Some(600), before: Some(1200) }, BarRow { label: "SEV2".into(), now: None, before: Some(300) }];
        assert_eq!(largest(&rows), 1200);
        assert_eq!(length(1200, 1200, 200), 200);
        assert_eq!(length(600, 1200, 200), 100);
        assert_eq!(length(1, 1_000_000, 200), 1, "a small value still shows");
        assert_eq!(length(0, 1200, 200), 0);
        assert_eq!(largest(&[]), 0);
    }

    proptest! {
        #[test]
        fn a_bar_never_outgrows_the_chart_and_longer_means_larger(a in 0i64..1_000_000, b in 0i64..1_000_000, full in 1u32..1000) {
            let max = a.max(b).max(1);
            let (la, lb) = (length(a, max, full), length(b, max, full));
            prop_assert!(la <= full && lb <= full);
            if a <= b { prop_assert!(la <= lb) } else { prop_assert!(la >= lb) }
        }
    }
}
