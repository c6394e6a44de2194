use super::*;
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use proptest::prelude::*;

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    local(y, m, d, h, min).and_utc()
}

fn users(n: i64) -> Vec<UserId> {
    (1..=n).map(UserId).collect()
}

fn weekly(tz: &Tz, participants: Vec<UserId>, rotation_start: NaiveDateTime) -> Layer {
    Layer {
        name: "Primary".into(),
        participants,
        rotation_start,
        turn: TurnLength::Weeks(1),
        start: instant(tz, rotation_start) - Duration::days(3650),
        end: None,
        restrictions: vec![],
    }
}

const ZONES: [Tz; 5] = [chrono_tz::America::New_York, chrono_tz::Europe::Berlin, chrono_tz::Australia::Sydney, chrono_tz::Asia::Tokyo, chrono_tz::UTC];

/// The seed's PagerDuty layer, one to one: start, rotation_virtual_start, a turn of
/// 604800 seconds, five users; a second schedule is the secondary.
#[test]
fn the_seed_terraform_layer_is_expressible() {
    let tz: Tz = chrono_tz::America::New_York;
    let turn = TurnLength::from_seconds(604_800).unwrap();
    assert_eq!(turn, TurnLength::Weeks(1));
    let primary = Layer {
        name: "Primary".into(),
        participants: users(5),
        // rotation_virtual_start = "2026-01-05T09:00:00-05:00"
        rotation_start: wall_clock(&tz, DateTime::parse_from_rfc3339("2026-01-05T09:00:00-05:00").unwrap().with_timezone(&Utc)),
        turn,
        start: DateTime::parse_from_rfc3339("2026-01-05T09:00:00-05:00").unwrap().with_timezone(&Utc),
        end: None,
        restrictions: vec![],
    };
    let secondary = Layer { participants: vec![UserId(3), UserId(4), UserId(5), UserId(1), UserId(2)], ..primary.clone() };
    let from = utc(2026, 1, 1, 0, 0);
    let to = utc(2026, 3, 1, 0, 0);
    let p = final_schedule(&tz, &[primary], &[], from, to);
    let s = final_schedule(&tz, &[secondary], &[], from, to);
    assert_eq!(p[0].start, utc(2026, 1, 5, 14, 0), "nobody before the layer starts");
    assert_eq!(p.iter().take(6).map(|s| s.user.0).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 1]);
    assert!(p.iter().all(|s| wall_clock(&tz, s.start).weekday() == Weekday::Mon || s.start == from));
    for t in [utc(2026, 1, 6, 0, 0), utc(2026, 2, 10, 12, 0)] {
        assert_ne!(on_call_at(&p, t), on_call_at(&s, t), "primary and secondary are never the same person");
    }
    assert_eq!(TurnLength::from_seconds(86_400), Ok(TurnLength::Days(1)));
    assert_eq!(TurnLength::from_seconds(43_200), Ok(TurnLength::Hours(12)));
    assert!(TurnLength::from_seconds(1_800).is_err());
    assert!(TurnLength::Hours(0).checked().is_err());
}

/// A weekly Monday 09:00 handoff in New York: 09:00 local on both sides of both changes; the
/// turns that span them are an hour shorter (March) and longer (November).
#[test]
fn handoffs_keep_their_local_time_across_daylight_saving() {
    let tz: Tz = chrono_tz::America::New_York;
    let layer = weekly(&tz, users(3), local(2026, 3, 2, 9, 0));
    let shifts = final_schedule(&tz, &[layer], &[], utc(2026, 3, 2, 14, 0), utc(2026, 11, 30, 14, 0));
    for s in &shifts {
        assert_eq!(wall_clock(&tz, s.start).time(), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    }
    let spanning_march = shifts.iter().find(|s| s.start == utc(2026, 3, 2, 14, 0)).unwrap();
    assert_eq!(spanning_march.length(), Duration::hours(7 * 24 - 1));
    let spanning_november = shifts.iter().find(|s| wall_clock(&tz, s.start).date() == NaiveDate::from_ymd_opt(2026, 10, 26).unwrap()).unwrap();
    assert_eq!(spanning_november.length(), Duration::hours(7 * 24 + 1));
}

#[test]
fn local_times_that_do_not_exist_or_happen_twice() {
    let tz: Tz = chrono_tz::America::New_York;
    // 02:30 on 8 March 2026 never happens: the clocks jump from 02:00 EST to 03:00 EDT (07:00 UTC)
    assert_eq!(instant(&tz, local(2026, 3, 8, 2, 30)), utc(2026, 3, 8, 7, 0));
    // 01:30 on 1 November 2026 happens twice: the first one (EDT) counts
    assert_eq!(instant(&tz, local(2026, 11, 1, 1, 30)), utc(2026, 11, 1, 5, 30));
    // an hourly rotation loses the hour that never was, and nobody's turn is empty
    let layer = Layer { turn: TurnLength::Hours(1), ..weekly(&tz, users(4), local(2026, 3, 7, 0, 0)) };
    let shifts = final_schedule(&tz, &[layer], &[], utc(2026, 3, 8, 4, 0), utc(2026, 3, 8, 10, 0));
    assert!(shifts.iter().all(|s| s.length() == Duration::hours(1)), "{shifts:?}");
    assert_eq!(shifts.len(), 6);
}

#[test]
fn monthly_turns_come_back_to_the_31st() {
    let tz: Tz = chrono_tz::Europe::Berlin;
    let layer = Layer { turn: TurnLength::Months(1), ..weekly(&tz, users(2), local(2026, 1, 31, 9, 0)) };
    let shifts = final_schedule(&tz, &[layer], &[], utc(2026, 1, 31, 12, 0), utc(2026, 5, 1, 0, 0));
    // the first shift is the turn under way at `from`; the handoffs follow it
    let starts: Vec<NaiveDate> = shifts.iter().skip(1).map(|s| wall_clock(&tz, s.start).date()).collect();
    assert_eq!(
        starts,
        [NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(), NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()]
    );
}

/// Follow the sun: three business-hours layers in one UTC schedule, each restricted to its
/// region's 09:00-17:00 (written in UTC here), and a weekly layer under them for the rest.
#[test]
fn follow_the_sun_and_a_layer_beneath() {
    let tz = chrono_tz::UTC;
    let region = |name: &str, who: Vec<UserId>, start_hour: u32| Layer {
        name: name.into(),
        restrictions: Window::daily(&WEEKDAYS, NaiveTime::from_hms_opt(start_hour, 0, 0).unwrap(), 8 * 60),
        turn: TurnLength::Days(1),
        ..weekly(&tz, who, local(2026, 1, 5, 0, 0))
    };
    let base = weekly(&tz, vec![UserId(99)], local(2026, 1, 5, 9, 0));
    let layers = [base, region("APAC", vec![UserId(30), UserId(31)], 0), region("EU", vec![UserId(20), UserId(21)], 8), region("US", vec![UserId(10)], 14)];
    let shifts = final_schedule(&tz, &layers, &[], utc(2026, 11, 30, 0, 0), utc(2026, 12, 1, 0, 0));
    let at = |h| on_call_at(&shifts, utc(2026, 11, 30, h, 30)).map(|u| u.0);
    assert!(matches!([at(1), at(9), at(15), at(22)], [Some(30 | 31), Some(20 | 21), Some(10), Some(99)]), "{:?}", [at(1), at(9), at(15), at(22)]);
    // the two-person regions take weekdays in turn
    let tuesday = final_schedule(&tz, &layers, &[], utc(2026, 12, 1, 0, 0), utc(2026, 12, 2, 0, 0));
    let next = |h| on_call_at(&tuesday, utc(2026, 12, 1, h, 30)).map(|u| u.0);
    assert_ne!(at(1), next(1));
    assert_ne!(at(9), next(9));
    // Saturday: only the layer beneath
    let weekend = final_schedule(&tz, &layers, &[], utc(2026, 12, 5, 0, 0), utc(2026, 12, 6, 0, 0));
    assert!(weekend.iter().all(|s| s.user == UserId(99)));
}

/// Seven people on a weekdays-only daily rotation: with PagerDuty's reading two of them
/// would always fall on the weekend; here every one of them gets weekdays.
#[test]
fn a_restricted_layer_skips_turns_without_active_time() {
    let tz: Tz = chrono_tz::Europe::Berlin;
    let layer = Layer {
        turn: TurnLength::Days(1),
        restrictions: Window::daily(&WEEKDAYS, NaiveTime::from_hms_opt(9, 0, 0).unwrap(), 8 * 60),
        ..weekly(&tz, users(7), local(2026, 11, 30, 9, 0))
    };
    let shifts = final_schedule(&tz, &[layer], &[], utc(2026, 11, 30, 0, 0), utc(2026, 12, 14, 0, 0));
    assert_eq!(shifts.iter().map(|s| s.user.0).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7, 1, 2, 3]);
    assert!(shifts.iter().all(|s| s.length() == Duration::hours(8)));
}

#[test]
fn overrides_win_and_the_later_one_wins() {
    let tz = chrono_tz::UTC;
    let layer = weekly(&tz, users(2), local(2026, 11, 30, 9, 0));
    let overrides = [
        Override { start: utc(2026, 12, 1, 0, 0), end: utc(2026, 12, 2, 0, 0), user: UserId(50) },
        Override { start: utc(2026, 12, 1, 12, 0), end: utc(2026, 12, 1, 13, 0), user: UserId(51) },
    ];
    let shifts = final_schedule(&tz, &[layer], &overrides, utc(2026, 11, 30, 9, 0), utc(2026, 12, 3, 0, 0));
    let users: Vec<(i64, DateTime<Utc>)> = shifts.iter().map(|s| (s.user.0, s.start)).collect();
    assert_eq!(
        users,
        [(1, utc(2026, 11, 30, 9, 0)), (50, utc(2026, 12, 1, 0, 0)), (51, utc(2026, 12, 1, 12, 0)), (50, utc(2026, 12, 1, 13, 0)), (1, utc(2026, 12, 2, 0, 0))]
    );
}

#[test]
fn checks_find_gaps_load_nights_and_long_stretches() {
    use super::checks::*;
    let tz = chrono_tz::UTC;
    let shift = |user, a: DateTime<Utc>, b: DateTime<Utc>| Shift { start: a, end: b, user: UserId(user), source: Source::Override { index: 0 } };
    let shifts = [
        shift(1, utc(2026, 12, 1, 0, 0), utc(2026, 12, 1, 12, 0)),
        shift(2, utc(2026, 12, 1, 14, 0), utc(2026, 12, 2, 0, 0)),
        shift(2, utc(2026, 12, 2, 0, 0), utc(2026, 12, 9, 12, 0)),
    ];
    assert_eq!(
        gaps(&shifts, utc(2026, 11, 30, 0, 0), utc(2026, 12, 10, 0, 0)),
        [
            (utc(2026, 11, 30, 0, 0), utc(2026, 12, 1, 0, 0)),
            (utc(2026, 12, 1, 12, 0), utc(2026, 12, 1, 14, 0)),
            (utc(2026, 12, 9, 12, 0), utc(2026, 12, 10, 0, 0))
        ]
    );
    assert!(gaps(&shifts[..1], utc(2026, 12, 1, 1, 0), utc(2026, 12, 1, 2, 0)).is_empty());
    let time = time_per_person(&shifts);
    assert_eq!((time[&UserId(1)], time[&UserId(2)]), (Duration::hours(12), Duration::hours(10 + 7 * 24 + 12)));
    // nights 22:00-07:00: user 1 in Tokyo (UTC+9) sleeps through 13:00-22:00 UTC; user 2 in UTC
    let zone = |u: UserId| if u == UserId(1) { chrono_tz::Asia::Tokyo } else { tz };
    let nights = night_time_per_person(&shifts, zone, NaiveTime::from_hms_opt(22, 0, 0).unwrap(), NaiveTime::from_hms_opt(7, 0, 0).unwrap());
    // user 1, 00:00-12:00 UTC = 09:00-21:00 Tokyo: no night; user 2, eight whole nights
    assert_eq!(nights[&UserId(1)], Duration::zero());
    assert_eq!(nights[&UserId(2)], Duration::hours(8 * 9));
    assert_eq!(long_stretches(&shifts), [(UserId(2), utc(2026, 12, 1, 14, 0), utc(2026, 12, 9, 12, 0))]);
}

fn arb_turn() -> impl Strategy<Value = TurnLength> {
    prop_oneof![
        (1u32..=48).prop_map(TurnLength::Hours),
        (1u32..=14).prop_map(TurnLength::Days),
        (1u32..=3).prop_map(TurnLength::Weeks),
        (1u32..=3).prop_map(TurnLength::Months)
    ]
}

fn arb_local() -> impl Strategy<Value = NaiveDateTime> {
    // 2024-2028, on the minute (spring and autumn changes included)
    (0i64..(5 * 365 * 24 * 60)).prop_map(|m| local(2024, 1, 1, 0, 0) + Duration::minutes(m))
}

fn arb_windows() -> impl Strategy<Value = Vec<Window>> {
    prop::collection::vec(
        (0u32..7, 0u32..24, 0u32..4, 1u32..=(36 * 60)).prop_map(|(d, h, q, minutes)| Window {
            day: Weekday::try_from(d as u8).unwrap(),
            start: NaiveTime::from_hms_opt(h, q * 15, 0).unwrap(),
            minutes,
        }),
        0..4,
    )
}

fn arb_layer() -> impl Strategy<Value = Layer> {
    (1i64..8, arb_local(), arb_turn(), arb_windows(), 0i64..400, prop::option::of(1i64..400)).prop_map(
        |(n, rotation_start, turn, restrictions, start_days, life)| {
            let start = local(2025, 1, 1, 0, 0).and_utc() + Duration::days(start_days) - Duration::days(200);
            Layer { name: "L".into(), participants: users(n), rotation_start, turn, start, end: life.map(|d| start + Duration::days(d)), restrictions }
        },
    )
}

fn arb_override() -> impl Strategy<Value = Override> {
    (0i64..(120 * 24), 1i64..(72 * 60), 100i64..103).prop_map(|(h, minutes, user)| {
        let start = utc(2025, 1, 1, 0, 0) + Duration::hours(h);
        Override { start, end: start + Duration::minutes(minutes), user: UserId(user) }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Day-based turns hand off at the rotation's local time of day, whatever the zone and
    /// its changes (unless the clocks jumped over that time that day).
    #[test]
    fn handoffs_stay_at_their_local_time(z in 0usize..ZONES.len(), start in arb_local(), n in 1i64..8, days in prop_oneof![Just(1u32), Just(7), Just(14)]) {
        let tz = ZONES[z];
        let layer = Layer { turn: TurnLength::Days(days), ..weekly(&tz, users(n), start) };
        let from = instant(&tz, start);
        let shifts = layer_shifts(&tz, &layer, 0, from, from + Duration::days(400));
        for s in &shifts {
            let local_start = wall_clock(&tz, s.start);
            prop_assert!(local_start.time() == start.time() || tz.from_local_datetime(&local_start.date().and_time(start.time())).earliest().is_none(),
                "{} starts at {local_start}", s.start);
        }
    }

    /// The final schedule is shifts in order, never empty, never overlapping (one person per
    /// instant), each inside the asked-for range; and it does not depend on the range asked.
    #[test]
    fn final_shifts_are_ordered_and_do_not_depend_on_the_range(
        z in 0usize..ZONES.len(), layers in prop::collection::vec(arb_layer(), 1..4), overrides in prop::collection::vec(arb_override(), 0..4),
        from_h in 0i64..(120 * 24), span_h in 1i64..(60 * 24), probe in 0.0f64..1.0,
    ) {
        let tz = ZONES[z];
        let from = utc(2025, 1, 1, 0, 0) + Duration::hours(from_h);
        let to = from + Duration::hours(span_h);
        let shifts = final_schedule(&tz, &layers, &overrides, from, to);
        for s in &shifts {
            prop_assert!(s.start < s.end, "an empty or backwards shift: {s:?}");
            prop_assert!(from <= s.start && s.end <= to);
        }
        for pair in shifts.windows(2) {
            prop_assert!(pair[0].end <= pair[1].start, "overlapping shifts: {pair:?}");
        }
        let t = from + Duration::seconds(((to - from).num_seconds() as f64 * probe) as i64);
        let around = final_schedule(&tz, &layers, &overrides, t - Duration::hours(1), t + Duration::hours(1));
        prop_assert_eq!(on_call_at(&shifts, t), on_call_at(&around, t));
    }

    /// Layers without restrictions and without an end leave no gap after they start.
    #[test]
    fn covering_layers_leave_no_gap(z in 0usize..ZONES.len(), layer in arb_layer(), from_h in 0i64..(120 * 24), span_h in 1i64..(60 * 24)) {
        let tz = ZONES[z];
        let layer = Layer { restrictions: vec![], end: None, ..layer };
        let from = layer.start + Duration::hours(from_h);
        let to = from + Duration::hours(span_h);
        let shifts = final_schedule(&tz, &[layer], &[], from, to);
        prop_assert_eq!(shifts.first().map(|s| s.start), Some(from));
        prop_assert_eq!(shifts.last().map(|s| s.end), Some(to));
        for pair in shifts.windows(2) {
            prop_assert_eq!(pair[0].end, pair[1].start);
        }
    }

    /// An override replaces exactly what it covers: inside it, its user; outside, the same
    /// as without it.
    #[test]
    fn an_override_replaces_exactly_what_it_covers(z in 0usize..ZONES.len(), layers in prop::collection::vec(arb_layer(), 1..3), o in arb_override(), probes in prop::collection::vec(0i64..(124 * 24 * 60), 20)) {
        let tz = ZONES[z];
        let (from, to) = (utc(2025, 1, 1, 0, 0), utc(2025, 5, 5, 0, 0));
        let without = final_schedule(&tz, &layers, &[], from, to);
        let with = final_schedule(&tz, &layers, &[o], from, to);
        for m in probes {
            let t = from + Duration::minutes(m);
            let expected = if o.start <= t && t < o.end { Some(o.user) } else { on_call_at(&without, t) };
            prop_assert_eq!(on_call_at(&with, t), expected, "at {}", t);
        }
    }

    /// However a layer is restricted, if it is ever active, every participant is on call at
    /// some point: nobody's turn always falls where the layer is off.
    #[test]
    fn nobody_loses_their_turn_forever(layer in arb_layer()) {
        let tz = chrono_tz::UTC;
        let layer = Layer { end: None, ..layer };
        let from = layer.start.max(instant(&tz, layer.rotation_start));
        // every participant's turn comes within this many turns of a period
        let horizon = match layer.turn {
            TurnLength::Months(n) => Duration::days(31 * n as i64 * 8),
            t => Duration::minutes(t.fixed_minutes().unwrap() * 168 * 8),
        };
        let shifts = layer_shifts(&tz, &layer, 0, from, from + horizon);
        if !shifts.is_empty() {
            for u in &layer.participants {
                prop_assert!(shifts.iter().any(|s| s.user == *u), "{u:?} is never on call");
            }
        }
    }
}
