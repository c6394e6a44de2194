//! Newtype ids, so an incident id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse::<i64>().map($name)
            }
        }
    };
}

id_type!(
    /// An incident.
    IncidentId
);
id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// An incident's postmortem (or lightweight review).
    PostmortemId
);
id_type!(
    /// One action item of a postmortem.
    ActionItemId
);
id_type!(
    /// A service that incidents affect.
    ServiceId
);
id_type!(
    /// A runbook.
    RunbookId
);
id_type!(
    /// One entry of an incident's event log; increases monotonically across all incidents.
    EventId
);
id_type!(
    /// A component on the public status page.
    ComponentId
);
id_type!(
    /// A group of components on the public status page.
    GroupId
);
id_type!(
    /// A scheduled maintenance window.
    MaintenanceId
);
id_type!(
    /// An on-call schedule.
    ScheduleId
);
id_type!(
    /// An override on an on-call schedule.
    OverrideId
);
id_type!(
    /// A shift-swap offer on an on-call schedule.
    SwapId
);
id_type!(
    /// An alert from monitoring.
    AlertId
);
id_type!(
    /// An escalation policy.
    PolicyId
);
id_type!(
    /// A service's integration key (the secret itself is not its id).
    IntegrationKeyId
);
id_type!(
    /// A near-miss: what almost happened, recorded without declaring an incident.
    NearMissId
);
id_type!(
    /// A drill scenario: a script of timed injects a drill is run from.
    ScenarioId
);
