//! A schedule as a document (YAML on the way in), field for field what PagerDuty's
//! Terraform `pagerduty_schedule` says of a layer: `start`, `rotation_virtual_start`,
//! `rotation_turn_length_seconds`, `users`, `end` and `restriction`s of type
//! `daily_restriction` or `weekly_restriction`. A turn may also be given as `turn`
//! (`{unit: months, count: 1}`), which PagerDuty cannot say. Layers are listed bottom
//! first: a later layer wins wherever it has someone.
//!
//! Reading one checks everything and names the field at fault.

use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::{wall_clock, Layer, TurnLength, Window, EVERY_DAY};
use crate::domain::ids::UserId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDoc {
    pub name: String,
    /// An IANA zone name: turns, handoffs and restrictions are on its wall clock.
    pub time_zone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub layers: Vec<LayerDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerDoc {
    pub name: String,
    pub start: DateTime<FixedOffset>,
    pub rotation_virtual_start: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_turn_length_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<TurnLength>,
    /// The participants' email addresses, in turn order.
    pub users: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<FixedOffset>>,
    #[serde(default, alias = "restriction", skip_serializing_if = "Vec::is_empty")]
    pub restrictions: Vec<RestrictionDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RestrictionDoc {
    /// The same window every day.
    DailyRestriction { start_time_of_day: NaiveTime, duration_seconds: u32 },
    /// One window a week, from `start_day_of_week` (1 = Monday … 7 = Sunday).
    WeeklyRestriction { start_day_of_week: u8, start_time_of_day: NaiveTime, duration_seconds: u32 },
}

pub const NAME_MAX: usize = 100;
pub const LAYERS_MAX: usize = 10;
pub const PARTICIPANTS_MAX: usize = 100;
pub const RESTRICTIONS_MAX: usize = 50;

/// The layers the document describes, read on `tz`'s wall clock; `user_of` finds a
/// participant by email. Every error names the field.
pub fn layers<Z: TimeZone>(doc: &ScheduleDoc, tz: &Z, user_of: impl Fn(&str) -> Option<UserId>) -> Result<Vec<Layer>, String> {
    if doc.layers.is_empty() {
        return Err("layers: a schedule needs at least one layer.".into());
    }
    if doc.layers.len() > LAYERS_MAX {
        return Err(format!("layers: at most {LAYERS_MAX} layers."));
    }
    doc.layers.iter().enumerate().map(|(i, l)| layer(l, tz, &user_of).map_err(|e| format!("layers[{i}].{e}"))).collect()
}

fn layer<Z: TimeZone>(l: &LayerDoc, tz: &Z, user_of: &impl Fn(&str) -> Option<UserId>) -> Result<Layer, String> {
    let name = l.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(format!("name: a layer's name has 1 to {NAME_MAX} characters on one line."));
    }
    let turn = match (l.rotation_turn_length_seconds, l.turn) {
        (Some(s), None) => TurnLength::from_seconds(s).map_err(|e| format!("rotation_turn_length_seconds: {e}"))?,
        (None, Some(t)) => t.checked().map_err(|e| format!("turn: {e}"))?,
        (None, None) => return Err("rotation_turn_length_seconds: say how long a turn lasts (or give `turn`).".into()),
        (Some(_), Some(_)) => return Err("turn: give either rotation_turn_length_seconds or turn, not both.".into()),
    };
    if l.users.is_empty() {
        return Err("users: a layer needs at least one participant.".into());
    }
    if l.users.len() > PARTICIPANTS_MAX {
        return Err(format!("users: at most {PARTICIPANTS_MAX} participants."));
    }
    let participants = l
        .users
        .iter()
        .enumerate()
        .map(|(k, email)| user_of(email.trim()).ok_or_else(|| format!("users[{k}]: nobody in the organisation has the email {:?}.", email.trim())))
        .collect::<Result<Vec<_>, _>>()?;
    let start = l.start.with_timezone(&Utc);
    let end = l.end.map(|e| e.with_timezone(&Utc));
    if end.is_some_and(|e| e <= start) {
        return Err("end: a layer ends after it starts.".into());
    }
    if l.restrictions.len() > RESTRICTIONS_MAX {
        return Err(format!("restrictions: at most {RESTRICTIONS_MAX}."));
    }
    let mut restrictions = Vec::new();
    for (k, r) in l.restrictions.iter().enumerate() {
        restrictions.extend(windows(r).map_err(|e| format!("restrictions[{k}].{e}"))?);
    }
    Ok(Layer {
        name: name.to_string(),
        participants,
        rotation_start: wall_clock(tz, l.rotation_virtual_start.with_timezone(&Utc)),
        turn,
        start,
        end,
        restrictions,
    })
}

fn windows(r: &RestrictionDoc) -> Result<Vec<Window>, String> {
    let minutes = |seconds: u32, max: u32| {
        if seconds == 0 || !seconds.is_multiple_of(60) || seconds / 60 > max {
            Err(format!("duration_seconds: a restriction lasts whole minutes, from one minute to {} hours.", max / 60))
        } else {
            Ok(seconds / 60)
        }
    };
    Ok(match *r {
        RestrictionDoc::DailyRestriction { start_time_of_day, duration_seconds } => {
            Window::daily(&EVERY_DAY, start_time_of_day, minutes(duration_seconds, 24 * 60)?)
        }
        RestrictionDoc::WeeklyRestriction { start_day_of_week, start_time_of_day, duration_seconds } => {
            let day = match start_day_of_week {
                1..=7 => Weekday::try_from(start_day_of_week - 1).map_err(|_| "start_day_of_week: from 1 (Monday) to 7 (Sunday).".to_string())?,
                _ => return Err("start_day_of_week: from 1 (Monday) to 7 (Sunday).".into()),
            };
            vec![Window { day, start: start_time_of_day, minutes: minutes(duration_seconds, super::WEEK_MINUTES)? }]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Europe::Berlin;

    const SEED: &str = r#"{
        "name": "Platform primary", "time_zone": "Europe/Berlin",
        "layers": [{
            "name": "Weekly", "start": "2026-11-02T08:00:00Z", "rotation_virtual_start": "2026-11-02T09:00:00+01:00",
            "rotation_turn_length_seconds": 604800,
            "users": ["ada@example.com", "ben@example.com", "cleo@example.com", "dan@example.com", "eve@example.com"]
        }]
    }"#;

    fn people(email: &str) -> Option<UserId> {
        ["ada@example.com", "ben@example.com", "cleo@example.com", "dan@example.com", "eve@example.com"]
            .iter()
            .position(|e| *e == email)
            .map(|i| UserId(i as i64 + 1))
    }

    #[test]
    fn the_seed_layer_reads_one_to_one() {
        let doc: ScheduleDoc = serde_json::from_str(SEED).unwrap();
        let l = &layers(&doc, &Berlin, people).unwrap()[0];
        assert_eq!(l.turn, TurnLength::Weeks(1));
        assert_eq!(l.participants, (1..=5).map(UserId).collect::<Vec<_>>());
        assert_eq!(l.rotation_start, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(9, 0, 0).unwrap(), "Monday 09:00 on Berlin's clock");
        assert_eq!(l.start, Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap());
        assert!(l.restrictions.is_empty() && l.end.is_none());
    }

    #[test]
    fn restrictions_read_as_windows() {
        let mut doc: ScheduleDoc = serde_json::from_str(SEED).unwrap();
        doc.layers[0].restrictions = vec![
            RestrictionDoc::DailyRestriction { start_time_of_day: NaiveTime::from_hms_opt(9, 0, 0).unwrap(), duration_seconds: 8 * 3600 },
            RestrictionDoc::WeeklyRestriction { start_day_of_week: 7, start_time_of_day: NaiveTime::from_hms_opt(22, 0, 0).unwrap(), duration_seconds: 3600 },
        ];
        let l = &layers(&doc, &Berlin, people).unwrap()[0];
        assert_eq!(l.restrictions.len(), 8);
        assert_eq!(l.restrictions[7], Window { day: Weekday::Sun, start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(), minutes: 60 });
    }

    #[test]
    fn bad_input_names_the_field() {
        let doc: ScheduleDoc = serde_json::from_str(SEED).unwrap();
        let with = |f: &dyn Fn(&mut LayerDoc)| {
            let mut d = doc.clone();
            f(&mut d.layers[0]);
            layers(&d, &Berlin, people).unwrap_err()
        };
        assert!(with(&|l| l.rotation_turn_length_seconds = Some(0)).starts_with("layers[0].rotation_turn_length_seconds:"));
        assert!(with(&|l| l.users.push("zoe@example.com".into())).starts_with("layers[0].users[5]: nobody"));
        assert!(with(&|l| l.users.clear()).starts_with("layers[0].users:"));
        assert!(with(&|l| l.end = Some(l.start)).starts_with("layers[0].end:"));
        assert!(with(&|l| l.turn = Some(TurnLength::Months(1))).starts_with("layers[0].turn: give either"));
        let zero = RestrictionDoc::DailyRestriction { start_time_of_day: NaiveTime::MIN, duration_seconds: 0 };
        assert!(with(&|l| l.restrictions = vec![zero.clone()]).starts_with("layers[0].restrictions[0].duration_seconds:"));
        let sunday8 = RestrictionDoc::WeeklyRestriction { start_day_of_week: 8, start_time_of_day: NaiveTime::MIN, duration_seconds: 60 };
        assert!(with(&|l| l.restrictions = vec![sunday8.clone()]).starts_with("layers[0].restrictions[0].start_day_of_week:"));
        assert!(with(&|l| l.name = " ".into()).starts_with("layers[0].name:"));
        let empty = ScheduleDoc { layers: vec![], ..doc.clone() };
        assert!(layers(&empty, &Berlin, people).unwrap_err().starts_with("layers:"));
        assert!(serde_json::from_str::<ScheduleDoc>(&SEED.replace("\"users\"", "\"user\"")).is_err(), "unknown fields are refused");
    }
}
