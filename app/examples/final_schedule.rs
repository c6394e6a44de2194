//! Benchmark of the on-call calculator (run by `bench/oncall-schedule`): the final
//! schedule of 20 schedules × 3 layers × 10 people over a year, and the 90-day fairness
//! report (hours and night hours per person, gaps, long stretches) over all of them.
//! Prints the median of several runs in milliseconds.

use std::time::Instant;

use app::domain::ids::UserId;
use app::domain::oncall::checks::{gaps, long_stretches, night_time_per_person, time_per_person};
use app::domain::oncall::{final_schedule, Layer, Override, Shift, TurnLength, Window, WEEKDAYS};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

const SCHEDULES: usize = 20;
const PEOPLE: i64 = 10;
const RUNS: usize = 7;

fn schedule(k: usize) -> (Tz, Vec<Layer>, Vec<Override>) {
    let tz = [chrono_tz::America::New_York, chrono_tz::Europe::Berlin, chrono_tz::Asia::Tokyo][k % 3];
    let people = |offset: i64| (0..PEOPLE).map(|p| UserId(k as i64 * 100 + (p + offset) % PEOPLE + 1)).collect::<Vec<_>>();
    let monday = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap().and_hms_opt(9, 0, 0).unwrap();
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let layers = vec![
        // the seeds' weekly rotation, Monday 09:00 to Monday 09:00
        Layer { name: "Weekly".into(), participants: people(0), rotation_start: monday, turn: TurnLength::Weeks(1), start, end: None, restrictions: vec![] },
        // business hours, a daily turn, weekdays only
        Layer {
            name: "Business hours".into(),
            participants: people(3),
            rotation_start: monday,
            turn: TurnLength::Days(1),
            start,
            end: None,
            restrictions: Window::daily(&WEEKDAYS, NaiveTime::from_hms_opt(9, 0, 0).unwrap(), 8 * 60),
        },
        // weekend nights, a 12-hour turn
        Layer {
            name: "Weekend nights".into(),
            participants: people(6),
            rotation_start: monday,
            turn: TurnLength::Hours(12),
            start,
            end: None,
            restrictions: Window::daily(&[Weekday::Sat, Weekday::Sun], NaiveTime::from_hms_opt(20, 0, 0).unwrap(), 12 * 60),
        },
    ];
    // an override a week
    let overrides = (0..52)
        .map(|w| {
            let s = start + Duration::days(7 * w + 2) + Duration::hours(13);
            Override { start: s, end: s + Duration::hours(5), user: UserId(k as i64 * 100 + (w % PEOPLE) + 1) }
        })
        .collect();
    (tz, layers, overrides)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let all: Vec<_> = (0..SCHEDULES).map(schedule).collect();
    let (from, to) = (Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    let mut year = vec![];
    let mut shifts_total = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let finals: Vec<Vec<Shift>> = all.iter().map(|(tz, l, o)| final_schedule(tz, l, o, from, to)).collect();
        year.push(t.elapsed().as_secs_f64() * 1000.0);
        shifts_total = finals.iter().map(Vec::len).sum();
    }
    let (q_from, q_to) = (Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(2026, 12, 30, 0, 0, 0).unwrap());
    let mut fairness = vec![];
    let mut people_counted = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let mut hours = std::collections::BTreeMap::new();
        for (tz, l, o) in &all {
            let shifts = final_schedule(tz, l, o, q_from, q_to);
            hours.extend(time_per_person(&shifts));
            let nights = night_time_per_person(&shifts, |_| *tz, NaiveTime::from_hms_opt(22, 0, 0).unwrap(), NaiveTime::from_hms_opt(7, 0, 0).unwrap());
            std::hint::black_box((nights, gaps(&shifts, q_from, q_to), long_stretches(&shifts)));
        }
        fairness.push(t.elapsed().as_secs_f64() * 1000.0);
        people_counted = hours.len();
    }
    println!("final schedule, {SCHEDULES} schedules x 3 layers x {PEOPLE} people, one year: {:.1} ms ({shifts_total} shifts; median of {RUNS})", median(year));
    println!(
        "90-day fairness report (hours, night hours, gaps, long stretches) over all of them: {:.1} ms ({people_counted} people; median of {RUNS})",
        median(fairness)
    );
}
