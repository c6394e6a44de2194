//! Drills against the real thing: for each drill of the period, how long the team took to
//! assemble (the first role handed out), to name an Incident Commander and to post the first
//! update, beside the medians of the period's real incidents.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::facts::IncidentFacts;
use super::period::Period;
use super::stats::Stat;
use crate::domain::ids::IncidentId;

/// One drill's times, in seconds from its declaration (`None`: not reached).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillRow {
    pub id: IncidentId,
    pub title: String,
    pub declared_at: DateTime<Utc>,
    pub assemble_s: Option<i64>,
    pub commander_s: Option<i64>,
    pub first_update_s: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillTimes {
    /// The period's drills, oldest first.
    pub drills: Vec<DrillRow>,
    /// The same times over the period's real incidents.
    pub real_assemble: Option<Stat>,
    pub real_commander: Option<Stat>,
    pub real_first_update: Option<Stat>,
}

/// The drills of `period` among `incidents`, and the real incidents' times to compare.
pub fn drill_times(period: Period, incidents: &[IncidentFacts]) -> DrillTimes {
    let in_period: Vec<&IncidentFacts> = incidents.iter().filter(|i| period.contains(i.detected_at)).collect();
    let secs = |d: Option<chrono::Duration>| d.map(|d| d.num_seconds());
    let real = |f: fn(&IncidentFacts) -> Option<chrono::Duration>| Stat::of(&in_period.iter().filter(|i| !i.drill).filter_map(|i| f(i)).collect::<Vec<_>>());
    DrillTimes {
        drills: in_period
            .iter()
            .filter(|i| i.drill)
            .map(|i| DrillRow {
                id: i.id,
                title: i.title.clone(),
                declared_at: i.detected_at,
                assemble_s: secs(i.to_assemble()),
                commander_s: secs(i.to_commander()),
                first_update_s: secs(i.to_first_update()),
            })
            .collect(),
        real_assemble: real(IncidentFacts::to_assemble),
        real_commander: real(IncidentFacts::to_commander),
        real_first_update: real(IncidentFacts::to_first_update),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::fixtures::incident;
    use crate::domain::incident::{Severity, Status};
    use crate::domain::metrics::facts::tests::{at, ben, declared, ev};
    use crate::domain::roles::IncidentRole;

    /// Hand-computed: a real SEV2 whose IC came at +4 and first update at +10; a real SEV3
    /// with an IC at +2 and no update; a drill with a scribe at +1, the IC at +3 and a public
    /// update never, a stakeholder update at +6.
    #[test]
    fn a_drill_is_set_beside_the_real_incidents_of_the_period() {
        let role = |n: i64, m: i64, role: IncidentRole| ev(n, m, EventKind::RoleAssigned { role, person: ben(), from: None });
        let update = |n: i64, m: i64| ev(n, m, EventKind::UpdatePosted { body: "b".into() });
        let read = |n: i64, drill: bool, events: Vec<crate::domain::event::IncidentEvent>| {
            let mut i = incident(n, Severity::Sev2, Status::Investigating);
            i.drill = drill;
            IncidentFacts::read(&i, &events, &[])
        };
        let facts = [
            read(1, false, vec![declared(1, 0, Severity::Sev2), role(1, 4, IncidentRole::Commander), update(1, 10)]),
            read(2, false, vec![declared(2, 0, Severity::Sev3), role(2, 2, IncidentRole::Commander)]),
            read(3, true, vec![declared(3, 0, Severity::Sev1), role(3, 1, IncidentRole::Scribe), role(3, 3, IncidentRole::Commander), update(3, 6)]),
        ];
        let t = drill_times(Period { from: at(-60), to: at(60) }, &facts);
        assert_eq!(t.drills.len(), 1);
        let d = &t.drills[0];
        assert_eq!((d.id, d.assemble_s, d.commander_s, d.first_update_s), (IncidentId(3), Some(60), Some(180), Some(360)));
        // real: assembled and IC at +4 and +2 (the IC is the first role), one update at +10
        assert_eq!(t.real_commander.map(|s| (s.count, s.median_s)), Some((2, 120)));
        assert_eq!(t.real_assemble.map(|s| s.median_s), Some(120));
        assert_eq!(t.real_first_update.map(|s| (s.count, s.median_s)), Some((1, 600)));
        // another period: nothing
        assert_eq!(drill_times(Period { from: at(120), to: at(180) }, &facts), DrillTimes::default());
    }
}
