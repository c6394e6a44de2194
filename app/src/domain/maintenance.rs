//! Scheduled maintenance windows: their phase follows the clock.

use crate::domain::text::{checked, Lines};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ComponentId, MaintenanceId};
use super::public_incident::{COMPONENTS_MAX, PUBLIC_BODY_MAX, PUBLIC_TITLE_MAX};

/// Where a scheduled maintenance is, by the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenancePhase {
    Scheduled,
    InProgress,
    Verifying,
    Completed,
}

/// How long after its window a maintenance is being verified before it counts as done.
pub const VERIFY_FOR: Duration = Duration::minutes(15);

pub fn maintenance_phase(starts: DateTime<Utc>, ends: DateTime<Utc>, now: DateTime<Utc>) -> MaintenancePhase {
    if now < starts {
        MaintenancePhase::Scheduled
    } else if now < ends {
        MaintenancePhase::InProgress
    } else if now < ends + VERIFY_FOR {
        MaintenancePhase::Verifying
    } else {
        MaintenancePhase::Completed
    }
}

impl MaintenancePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenancePhase::Scheduled => "scheduled",
            MaintenancePhase::InProgress => "in_progress",
            MaintenancePhase::Verifying => "verifying",
            MaintenancePhase::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MaintenancePhase::Scheduled => "Scheduled",
            MaintenancePhase::InProgress => "In progress",
            MaintenancePhase::Verifying => "Verifying",
            MaintenancePhase::Completed => "Completed",
        }
    }
}

/// The two moments a window switches its components: into maintenance when it starts,
/// back to operational when it ends. Each happens once per component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Start,
    End,
}

impl Edge {
    pub fn as_str(self) -> &'static str {
        match self {
            Edge::Start => "start",
            Edge::End => "end",
        }
    }

    pub fn parse(s: &str) -> Option<Edge> {
        [Edge::Start, Edge::End].into_iter().find(|e| e.as_str() == s)
    }
}

/// A maintenance window as scheduled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    pub id: MaintenanceId,
    pub title: String,
    pub message: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub components: Vec<ComponentId>,
}

impl Maintenance {
    pub fn phase(&self, now: DateTime<Utc>) -> MaintenancePhase {
        maintenance_phase(self.starts_at, self.ends_at, now)
    }
}

/// What a responder fills in to schedule maintenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceInput {
    pub title: String,
    pub message: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub components: Vec<ComponentId>,
}

/// The longest window one maintenance may have.
pub const MAINTENANCE_MAX: Duration = Duration::days(7);

impl MaintenanceInput {
    /// Checks the text and the window (it must end in the future and last at most a week).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), String> {
        checked(&self.title, "The title", 1, PUBLIC_TITLE_MAX, Lines::One)?;
        checked(&self.message, "The message", 1, PUBLIC_BODY_MAX, Lines::Many)?;
        if self.components.len() > COMPONENTS_MAX {
            return Err(format!("A window may name at most {COMPONENTS_MAX} components (it names {}).", self.components.len()));
        }
        if self.ends_at <= self.starts_at {
            return Err("The window must end after it starts.".into());
        }
        if self.ends_at <= now {
            return Err("The window is already over.".into());
        }
        if self.ends_at - self.starts_at > MAINTENANCE_MAX {
            return Err("A maintenance window may last at most 7 days.".into());
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(c) = self.components.iter().find(|c| !seen.insert(**c)) {
            return Err(format!("Component {c} is listed twice."));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    #[test]
    fn maintenance_windows_are_checked() {
        let ok = MaintenanceInput { title: "DB upgrade".into(), message: "Short pauses.".into(), starts_at: at(22, 0), ends_at: at(23, 0), components: vec![] };
        assert!(ok.validate(at(12, 0)).is_ok());
        assert!(MaintenanceInput { ends_at: at(21, 0), ..ok.clone() }.validate(at(12, 0)).unwrap_err().contains("after it starts"));
        assert!(ok.validate(at(23, 30)).unwrap_err().contains("already over"));
        assert!(MaintenanceInput { ends_at: at(22, 0) + Duration::days(8), ..ok.clone() }.validate(at(12, 0)).unwrap_err().contains("7 days"));
        assert!(MaintenanceInput { title: " ".into(), ..ok.clone() }.validate(at(12, 0)).is_err());
        let twice = MaintenanceInput { components: vec![ComponentId(3), ComponentId(4), ComponentId(3)], ..ok };
        assert_eq!(twice.validate(at(12, 0)).unwrap_err(), "Component 3 is listed twice.");
        let many = MaintenanceInput { components: (0..=COMPONENTS_MAX as i64).map(ComponentId).collect(), ..twice.clone() };
        assert_eq!(many.validate(at(12, 0)).unwrap_err(), "A window may name at most 100 components (it names 101).");
    }

    #[test]
    fn maintenance_moves_on_by_the_clock() {
        let (s, e) = (at(2, 0), at(4, 0));
        assert_eq!(maintenance_phase(s, e, at(1, 0)), MaintenancePhase::Scheduled);
        assert_eq!(maintenance_phase(s, e, at(2, 0)), MaintenancePhase::InProgress);
        assert_eq!(maintenance_phase(s, e, at(4, 0)), MaintenancePhase::Verifying);
        assert_eq!(maintenance_phase(s, e, at(4, 15)), MaintenancePhase::Completed);
    }
}
