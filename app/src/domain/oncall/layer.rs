//! One layer's shifts: whose turn it is when, cut to the layer's life and restrictions.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone, Utc};

use super::{instant, wall_clock, Layer, Shift, Source, Window, WEEK_MINUTES};

/// The shifts `layer` (at `index` in its schedule) gives within `[from, to)`, in order,
/// each cut to `[from, to)`.
pub fn layer_shifts<Z: TimeZone>(tz: &Z, layer: &Layer, index: usize, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
    let from = from.max(layer.start);
    let to = layer.end.map_or(to, |end| to.min(end));
    if layer.participants.is_empty() || from >= to {
        return vec![];
    }
    let Some(turns) = Turns::new(layer) else { return vec![] };
    let mut out = vec![];
    let mut k = layer.turn.turn_at(layer.rotation_start, wall_clock(tz, from));
    loop {
        let (a, b) = (layer.turn.start_of(layer.rotation_start, k), layer.turn.start_of(layer.rotation_start, k + 1));
        if instant(tz, a) >= to {
            break;
        }
        if let Some(who) = turns.participant(k) {
            let user = layer.participants[who];
            let pieces = if layer.restrictions.is_empty() { vec![(a, b)] } else { active(&layer.restrictions, a, b) };
            for (pa, pb) in pieces {
                let (start, end) = (instant(tz, pa).max(from), instant(tz, pb).min(to));
                if start < end {
                    out.push(Shift { start, end, user, source: Source::Layer { layer: index, turn: k } });
                }
            }
        }
        k += 1;
    }
    out
}

/// Who has which turn. Without restrictions, or with turns of a week or more (which always
/// hold some active time), turn `k` is participant `k mod n`. With shorter restricted turns,
/// turns with no active time are skipped: the participants take the turns that have some in
/// order. Those repeat every `period` turns (the turns and the week line up again), so the
/// count of active turns before any turn is a multiple of a period plus a prefix.
struct Turns {
    participants: i64,
    /// With skipping: the turns in a period, and how many active turns precede each.
    skipping: Option<(i64, Vec<i64>)>,
}

impl Turns {
    fn new(layer: &Layer) -> Option<Turns> {
        let participants = layer.participants.len() as i64;
        let minutes = layer.turn.fixed_minutes().filter(|&m| !layer.restrictions.is_empty() && m < WEEK_MINUTES as i64);
        let Some(minutes) = minutes else { return Some(Turns { participants, skipping: None }) };
        let period = WEEK_MINUTES as i64 / gcd(minutes, WEEK_MINUTES as i64);
        let mut before = Vec::with_capacity(period as usize + 1);
        before.push(0);
        for k in 0..period {
            let (a, b) = (layer.turn.start_of(layer.rotation_start, k), layer.turn.start_of(layer.rotation_start, k + 1));
            let active = !active(&layer.restrictions, a, b).is_empty();
            before.push(before[k as usize] + i64::from(active));
        }
        if before[period as usize] == 0 {
            return None; // never active
        }
        Some(Turns { participants, skipping: Some((period, before)) })
    }

    /// The index of the participant whose turn `k` is; `None` when the turn is skipped.
    fn participant(&self, k: i64) -> Option<usize> {
        let n = match &self.skipping {
            None => k,
            Some((period, before)) => {
                let (cycles, at) = (k.div_euclid(*period), k.rem_euclid(*period) as usize);
                if before[at + 1] == before[at] {
                    return None;
                }
                cycles * before[*period as usize] + before[at]
            }
        };
        Some(n.rem_euclid(self.participants) as usize)
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The parts of the wall-clock span `[a, b)` inside the windows, in order and merged.
fn active(windows: &[Window], a: NaiveDateTime, b: NaiveDateTime) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    // windows last at most a week, so the one that reaches `a` started at most a week before
    let first_monday = (a - Duration::days(7)).date() - Duration::days((a - Duration::days(7)).weekday().num_days_from_monday() as i64);
    let mut pieces: Vec<(NaiveDateTime, NaiveDateTime)> = vec![];
    let mut monday = first_monday;
    while monday.and_hms_opt(0, 0, 0).expect("midnight exists") < b {
        for w in windows {
            let ws = (monday + Duration::days(w.day.num_days_from_monday() as i64)).and_time(w.start);
            let we = ws + Duration::minutes(w.minutes as i64);
            let (s, e) = (ws.max(a), we.min(b));
            if s < e {
                pieces.push((s, e));
            }
        }
        monday += Duration::days(7);
    }
    pieces.sort();
    let mut merged: Vec<(NaiveDateTime, NaiveDateTime)> = vec![];
    for (s, e) in pieces {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}
