//! The final schedule: the layers stacked (a higher layer wins wherever it has someone) and
//! the overrides on top (the later one wins where they overlap).

use chrono::{DateTime, TimeZone, Utc};

use super::{layer_shifts, Layer, Override, Shift, Source};
use crate::domain::ids::UserId;

/// Who is on call within `[from, to)`: shifts in order, never overlapping, never empty;
/// where nobody is, there is no shift. A stretch one source covers without a break is one
/// shift (one turn of a layer, or one override).
pub fn final_schedule<Z: TimeZone>(tz: &Z, layers: &[Layer], overrides: &[Override], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
    if from >= to {
        return vec![];
    }
    // every candidate, by precedence: layers bottom to top, then overrides in order
    let mut stacks: Vec<Vec<Shift>> = layers.iter().enumerate().map(|(i, l)| layer_shifts(tz, l, i, from, to)).collect();
    stacks.extend(overrides.iter().enumerate().map(|(index, o)| {
        let (start, end) = (o.start.max(from), o.end.min(to));
        if start < end {
            vec![Shift { start, end, user: o.user, source: Source::Override { index } }]
        } else {
            vec![]
        }
    }));
    let mut cuts: Vec<DateTime<Utc>> = stacks.iter().flatten().flat_map(|s| [s.start, s.end]).collect();
    cuts.sort();
    cuts.dedup();
    let mut out: Vec<Shift> = vec![];
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        // the highest stack with a shift over [a, b) (each stack is in order, without overlaps)
        let winner = stacks.iter().rev().find_map(|stack| {
            let i = stack.partition_point(|s| s.end <= a);
            stack.get(i).filter(|s| s.start <= a && b <= s.end)
        });
        let Some(w) = winner else { continue };
        match out.last_mut() {
            Some(last) if last.end == a && last.user == w.user && last.source == w.source => last.end = b,
            _ => out.push(Shift { start: a, end: b, user: w.user, source: w.source }),
        }
    }
    out
}

/// Who is on call at `t` in `shifts` (a final schedule, in order).
pub fn on_call_at(shifts: &[Shift], t: DateTime<Utc>) -> Option<UserId> {
    let i = shifts.partition_point(|s| s.end <= t);
    shifts.get(i).filter(|s| s.start <= t).map(|s| s.user)
}
