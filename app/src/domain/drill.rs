//! Drills run from a scenario. A scenario is a small YAML file —
//!
//! ```yaml
//! title: Database failure
//! severity: sev1
//! services: [checkout, api, auth]
//! summary: What the drill starts from.
//! injects:
//!   - "T+2m: error rate on checkout 40%"
//!   - "T+5m: the payments team says their deploy finished"
//! ```
//!
//! — whose injects the server posts to the drill's timeline on schedule, each once. Also: the
//! Incident Commander a drill suggests (someone who has never been one), and the
//! retrospective kept with a drill.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{EventKind, IncidentEvent};
use super::ids::{ScenarioId, UserId};
use super::incident::{Severity, Title};
use super::roles::Person;
use super::text::{checked, Lines};

/// The most injects a scenario may script.
pub const INJECTS_MAX: usize = 100;
/// The latest an inject may come, in seconds from the start (a day).
pub const LATEST_S: u32 = 24 * 3600;
/// The longest inject or retrospective answer, in characters.
pub const TEXT_MAX: usize = 4000;
/// The longest summary (it becomes the drill's impact), in characters.
pub const SUMMARY_MAX: usize = 2000;

/// A scenario as written in YAML (checked by [`Scenario::from_doc`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDoc {
    pub title: String,
    /// `sev1` to `sev4`.
    pub severity: String,
    /// Slugs of the services the drill affects.
    #[serde(default)]
    pub services: Vec<String>,
    /// What the drill starts from (the incident's impact).
    #[serde(default)]
    pub summary: Option<String>,
    /// `"T+2m: what happens"`, in time order.
    pub injects: Vec<String>,
}

/// One timed inject: at `at_s` seconds after the drill starts, `text` is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inject {
    pub at_s: u32,
    pub text: String,
}

/// A scenario, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub title: String,
    pub severity: Severity,
    pub services: Vec<String>,
    pub summary: String,
    /// In time order.
    pub injects: Vec<Inject>,
}

/// A stored scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioRecord {
    pub id: ScenarioId,
    pub scenario: Scenario,
}

impl Scenario {
    /// Checks what YAML cannot: a title, a severity, injects in time order within a day.
    pub fn from_doc(doc: ScenarioDoc) -> Result<Scenario, String> {
        let title = Title::parse(&doc.title).map_err(|e| format!("title: {e}"))?;
        let severity = Severity::parse(doc.severity.trim()).ok_or_else(|| format!("severity must be sev1 to sev4, not {:?}", doc.severity))?;
        if doc.services.len() > 20 {
            return Err("services: a scenario may name at most 20 services".into());
        }
        let summary = match doc.summary.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(s) => checked(s, "summary", 1, SUMMARY_MAX, Lines::Many)?,
        };
        if doc.injects.is_empty() {
            return Err("injects: a scenario needs at least one inject, such as \"T+2m: error rate on checkout 40%\"".into());
        }
        if doc.injects.len() > INJECTS_MAX {
            return Err(format!("injects: a scenario may have at most {INJECTS_MAX} injects"));
        }
        let mut injects: Vec<Inject> = Vec::with_capacity(doc.injects.len());
        for (i, line) in doc.injects.iter().enumerate() {
            let inject = parse_inject(line).map_err(|e| format!("injects[{i}]: {e}"))?;
            if let Some(before) = injects.last() {
                if inject.at_s < before.at_s {
                    return Err(format!("injects[{i}]: {} comes after {} in the list; list the injects in time order", label(inject.at_s), label(before.at_s)));
                }
            }
            injects.push(inject);
        }
        let services = doc.services.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        Ok(Scenario { title: title.as_str().to_string(), severity, services, summary, injects })
    }

    /// How long the script runs, in seconds.
    pub fn length_s(&self) -> u32 {
        self.injects.last().map_or(0, |i| i.at_s)
    }
}

/// `"T+2m: error rate on checkout 40%"`.
pub fn parse_inject(line: &str) -> Result<Inject, String> {
    let (at, text) =
        line.split_once(':').ok_or_else(|| format!("{line:?} must start with its time and a colon, such as \"T+2m: error rate on checkout 40%\""))?;
    let at_s = parse_offset(at)?;
    let text = checked(text, "the inject's text", 1, TEXT_MAX, Lines::Many)?;
    Ok(Inject { at_s, text })
}

/// `T+90s`, `T+2m`, `T+1h30m`, `T+0`: seconds from the start of the drill, at most a day.
pub fn parse_offset(raw: &str) -> Result<u32, String> {
    let bad = || format!("{:?} is not a time such as T+2m, T+90s or T+1h30m", raw.trim());
    let rest = raw.trim().strip_prefix("T+").or_else(|| raw.trim().strip_prefix("t+")).ok_or_else(bad)?;
    if rest == "0" {
        return Ok(0);
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_unit = u64::MAX;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        // each unit once, largest first: 1h30m, not 30m1h
        if digits.is_empty() || digits.len() > 6 || unit >= last_unit {
            return Err(bad());
        }
        total += digits.parse::<u64>().map_err(|_| bad())? * unit;
        digits.clear();
        last_unit = unit;
    }
    if !digits.is_empty() || last_unit == u64::MAX {
        return Err(bad());
    }
    if total > u64::from(LATEST_S) {
        return Err(format!("{:?} is more than a day into the drill", raw.trim()));
    }
    Ok(total as u32)
}

/// `T+1h30m`, `T+2m`, `T+45s`, `T+0` (what [`parse_offset`] reads back).
pub fn label(at_s: u32) -> String {
    if at_s == 0 {
        return "T+0".into();
    }
    let (h, m, s) = (at_s / 3600, at_s % 3600 / 60, at_s % 60);
    let mut out = String::from("T+");
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

/// The injects' times, in seconds from the start (what falls due when, without the words).
pub fn offsets(injects: &[Inject]) -> Vec<u32> {
    injects.iter().map(|i| i.at_s).collect()
}

/// How many of the injects (offsets in time order) are due at `at` for a drill started at
/// `started`.
pub fn due_count(offsets: &[u32], started: DateTime<Utc>, at: DateTime<Utc>) -> usize {
    offsets.iter().take_while(|o| started + chrono::Duration::seconds(i64::from(**o)) <= at).count()
}

/// When the next inject is due, once `posted` have been.
pub fn next_due(offsets: &[u32], started: DateTime<Utc>, posted: usize) -> Option<DateTime<Utc>> {
    offsets.get(posted).map(|o| started + chrono::Duration::seconds(i64::from(*o)))
}

/// How many injects the timeline holds.
pub fn posted(events: &[IncidentEvent]) -> usize {
    events.iter().filter(|e| matches!(e.kind, EventKind::DrillInject { .. })).count()
}

/// The IC a drill suggests, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcSuggestion {
    pub person: Person,
    /// How often they have been IC (0: never).
    pub turns: u32,
    pub last: Option<DateTime<Utc>>,
}

impl IcSuggestion {
    pub fn reason(&self) -> String {
        match self.turns {
            0 => "has never been Incident Commander".into(),
            1 => "has been Incident Commander once, the longest ago of everyone".into(),
            n => format!("has been Incident Commander {n} times, the last the longest ago of everyone"),
        }
    }
}

/// Roles rotate in drills: the suggestion is someone among `candidates` who has never been
/// IC (by name, first), else the one whose last turn (`turns`: who was made IC, when) is the
/// longest ago.
pub fn suggest_ic(candidates: &[Person], turns: &[(UserId, DateTime<Utc>)]) -> Option<IcSuggestion> {
    let mut best: Option<IcSuggestion> = None;
    for p in candidates {
        let mine = turns.iter().filter(|(u, _)| *u == p.id);
        let s = IcSuggestion { person: p.clone(), turns: mine.clone().count() as u32, last: mine.map(|(_, at)| *at).max() };
        let better = match &best {
            None => true,
            // never (None) sorts before any time
            Some(b) => (s.last, s.turns, &s.person.name, s.person.id) < (b.last, b.turns, &b.person.name, b.person.id),
        };
        if better {
            best = Some(s);
        }
    }
    best
}

/// What worked and what to improve, kept with the drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retro {
    pub went_well: String,
    pub to_improve: String,
}

impl Retro {
    pub fn parse(went_well: &str, to_improve: &str) -> Result<Retro, String> {
        Ok(Retro {
            went_well: checked(went_well, "What worked", 3, TEXT_MAX, Lines::Many)?,
            to_improve: checked(to_improve, "What to improve", 3, TEXT_MAX, Lines::Many)?,
        })
    }
}

/// The latest retrospective on the timeline, with who wrote it and when.
pub fn latest_retro(events: &[IncidentEvent]) -> Option<(Retro, Option<Person>, DateTime<Utc>)> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::DrillRetro { went_well, to_improve } => {
            Some((Retro { went_well: went_well.clone(), to_improve: to_improve.clone() }, e.actor.clone(), e.at))
        }
        _ => None,
    })
}

/// What the war room of a drill shows beside the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillRoom {
    /// The scenario it runs, if any.
    pub scenario: Option<String>,
    /// The injects' times (their words arrive on the timeline, not before).
    pub offsets: Vec<u32>,
    pub started: DateTime<Utc>,
    /// Who could take the IC role this time.
    pub suggested_ic: Option<IcSuggestion>,
}

/// A scenario as listed for running it: everything but the injects' words, which the
/// participants meet on the timeline, not before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioSummary {
    pub id: ScenarioId,
    pub title: String,
    pub severity: Severity,
    pub services: Vec<String>,
    pub summary: String,
    pub injects: usize,
    pub length_s: u32,
}

impl ScenarioSummary {
    pub fn of(r: &ScenarioRecord) -> ScenarioSummary {
        let s = &r.scenario;
        ScenarioSummary {
            id: r.id,
            title: s.title.clone(),
            severity: s.severity,
            services: s.services.clone(),
            summary: s.summary.clone(),
            injects: s.injects.len(),
            length_s: s.length_s(),
        }
    }
}

/// A drill in the list of drills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillSummary {
    pub incident: super::incident::Incident,
    pub scenario: Option<String>,
    pub retro: Option<Retro>,
}

/// The drills page: scenarios to run, the IC to suggest, the drills run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillsPage {
    pub scenarios: Vec<ScenarioSummary>,
    pub suggested_ic: Option<IcSuggestion>,
    pub drills: Vec<DrillSummary>,
    /// The scenarios' YAML as imported, injects and all, for an admin to edit (empty for
    /// others).
    pub sources: Vec<(ScenarioId, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::t0;
    use proptest::prelude::*;

    fn doc(injects: &[&str]) -> ScenarioDoc {
        ScenarioDoc {
            title: "Database failure".into(),
            severity: "sev1".into(),
            services: vec!["checkout".into(), " api ".into()],
            summary: None,
            injects: injects.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn injects_are_read_from_their_time_and_words() {
        let s = Scenario::from_doc(doc(&["T+0: Alert fires", "T+2m: error rate on checkout 40%", "T+1h30m: all clear: back to normal"])).unwrap();
        assert_eq!(s.services, ["checkout", "api"]);
        assert_eq!(s.severity, Severity::Sev1);
        assert_eq!(s.injects.iter().map(|i| i.at_s).collect::<Vec<_>>(), [0, 120, 5400]);
        assert_eq!(s.injects[2].text, "all clear: back to normal");
        assert_eq!(s.length_s(), 5400);
        assert_eq!(parse_offset("T+90s"), Ok(90));
        assert_eq!(parse_offset(" t+1h "), Ok(3600));
        assert_eq!(parse_offset("T+2m30s"), Ok(150));
    }

    #[test]
    fn a_bad_scenario_says_what_is_wrong() {
        let e = |injects: &[&str]| Scenario::from_doc(doc(injects)).unwrap_err();
        assert!(e(&[]).starts_with("injects: a scenario needs at least one"), "{}", e(&[]));
        assert!(e(&["2 minutes in, errors"]).starts_with("injects[0]: \"2 minutes in"), "{}", e(&["2 minutes in, errors"]));
        assert!(e(&["T+5m: a", "T+2m: b"]).contains("injects[1]: T+2m comes after T+5m"), "{}", e(&["T+5m: a", "T+2m: b"]));
        assert!(e(&["T+25h: a"]).contains("more than a day"));
        assert!(e(&["T+2m:   "]).starts_with("injects[0]: the inject's text"));
        for bad in ["T+", "T+2", "T+m", "T+30m1h", "T+2x", "2m", "T+1h1h", "T+-1m"] {
            assert!(parse_offset(bad).is_err(), "{bad}");
        }
        let mut d = doc(&["T+1m: a"]);
        d.severity = "critical".into();
        assert_eq!(Scenario::from_doc(d).unwrap_err(), "severity must be sev1 to sev4, not \"critical\"");
        let mut d = doc(&["T+1m: a"]);
        d.summary = Some("x".repeat(SUMMARY_MAX + 1));
        assert!(Scenario::from_doc(d).unwrap_err().starts_with("summary"));
        let mut d = doc(&["T+1m: a"]);
        d.title = " ".into();
        assert!(Scenario::from_doc(d).unwrap_err().starts_with("title: "));
    }

    #[test]
    fn injects_fall_due_on_schedule() {
        let offsets = [0, 120, 120, 300];
        let s = |n: i64| t0() + chrono::Duration::seconds(n);
        assert_eq!(due_count(&offsets, t0(), s(-1)), 0);
        assert_eq!(due_count(&offsets, t0(), s(0)), 1);
        assert_eq!(due_count(&offsets, t0(), s(119)), 1);
        assert_eq!(due_count(&offsets, t0(), s(120)), 3);
        assert_eq!(due_count(&offsets, t0(), s(3600)), 4);
        assert_eq!(next_due(&offsets, t0(), 1), Some(s(120)));
        assert_eq!(next_due(&offsets, t0(), 4), None);
    }

    fn person(id: i64, name: &str) -> Person {
        Person { id: UserId(id), name: name.into() }
    }

    #[test]
    fn the_suggested_ic_has_never_been_one_or_was_one_the_longest_ago() {
        let (ana, ben, cleo) = (person(1, "Ana"), person(2, "Ben"), person(3, "Cleo"));
        let h = |n: i64| t0() + chrono::Duration::hours(n);
        let everyone = [ana.clone(), ben.clone(), cleo.clone()];
        let s = suggest_ic(&everyone, &[(UserId(1), h(1)), (UserId(3), h(2))]).unwrap();
        assert_eq!((s.person.name.as_str(), s.turns, s.last), ("Ben", 0, None));
        assert_eq!(s.reason(), "has never been Incident Commander");
        // all have been: the one whose last turn is the oldest
        let s = suggest_ic(&everyone, &[(UserId(1), h(1)), (UserId(1), h(5)), (UserId(2), h(3)), (UserId(3), h(4))]).unwrap();
        assert_eq!((s.person.name.as_str(), s.turns, s.last), ("Ben", 1, Some(h(3))));
        // two who never were: by name
        assert_eq!(suggest_ic(&[cleo, ben, ana], &[]).unwrap().person.name, "Ana");
        assert_eq!(suggest_ic(&[], &[]), None);
    }

    #[test]
    fn a_retrospective_needs_both_answers() {
        assert!(Retro::parse("Paged fast", "  ").unwrap_err().starts_with("What to improve"));
        assert!(Retro::parse("", "Runbook was stale").unwrap_err().starts_with("What worked"));
        assert_eq!(Retro::parse(" Paged fast ", "Runbook was stale").unwrap().went_well, "Paged fast");
    }

    proptest! {
        #[test]
        fn a_label_reads_back_as_its_time(at in 0u32..=LATEST_S) {
            prop_assert_eq!(parse_offset(&label(at)), Ok(at));
        }

        /// Posting what is due and then waiting for the next due time never skips or repeats
        /// an inject: over any sequence of passes, each is posted exactly once, in order, and
        /// never before its time.
        #[test]
        fn passes_post_each_inject_once_and_never_early(
            mut offsets in proptest::collection::vec(0u32..600, 1..20),
            passes in proptest::collection::vec(0i64..700, 1..40),
        ) {
            offsets.sort_unstable();
            let mut passes = passes;
            passes.sort_unstable();
            let mut posted = 0usize;
            let mut times = Vec::new();
            for p in passes {
                let at = t0() + chrono::Duration::seconds(p);
                let due = due_count(&offsets, t0(), at);
                prop_assert!(due >= posted);
                for (i, o) in offsets.iter().enumerate().take(due).skip(posted) {
                    prop_assert!(t0() + chrono::Duration::seconds(i64::from(*o)) <= at);
                    times.push(i);
                }
                posted = due;
                if let Some(next) = next_due(&offsets, t0(), posted) {
                    prop_assert!(next > at);
                }
            }
            prop_assert_eq!(times, (0..posted).collect::<Vec<_>>());
        }

        /// Nobody suggested was IC more recently than someone passed over, and someone who
        /// never was is always preferred.
        #[test]
        fn the_suggestion_is_the_longest_without_a_turn(turns in proptest::collection::vec((1i64..6, 0i64..100), 0..20)) {
            let people: Vec<Person> = (1..6).map(|i| person(i, &format!("P{i}"))).collect();
            let turns: Vec<(UserId, DateTime<Utc>)> = turns.into_iter().map(|(u, h)| (UserId(u), t0() + chrono::Duration::hours(h))).collect();
            let s = suggest_ic(&people, &turns).unwrap();
            let last = |u: UserId| turns.iter().filter(|(v, _)| *v == u).map(|(_, at)| *at).max();
            for p in &people {
                match (last(s.person.id), last(p.id)) {
                    (Some(_), None) => prop_assert!(false, "{} never was IC but {} was suggested", p.name, s.person.name),
                    (Some(mine), Some(theirs)) => prop_assert!(mine <= theirs),
                    _ => {}
                }
            }
        }
    }
}
