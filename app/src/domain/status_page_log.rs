//! The status page's stream of the event log: what admins and responders changed on it,
//! and what the maintenance job switched. Every replica's public snapshot follows this
//! stream (with incidents' public updates), so a change shows everywhere at once.

use serde::{Deserialize, Serialize};

use super::ids::{ComponentId, MaintenanceId};
use super::status_page::ComponentStatus;

/// What changed. Serialised with a `type` tag; the tag is also stored in its own column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StatusPageChange {
    SettingsSaved {
        name: String,
    },
    ComponentAdded {
        component: ComponentId,
        name: String,
    },
    ComponentEdited {
        component: ComponentId,
        name: String,
    },
    ComponentStatusChanged {
        component: ComponentId,
        name: String,
        from: ComponentStatus,
        to: ComponentStatus,
    },
    MaintenanceScheduled {
        maintenance: MaintenanceId,
        title: String,
    },
    /// The maintenance job moved a component into or out of a window.
    MaintenanceSwitched {
        maintenance: MaintenanceId,
        component: ComponentId,
        to: ComponentStatus,
    },
}

impl StatusPageChange {
    /// The tag, as stored in the log's `kind` column.
    pub fn name(&self) -> &'static str {
        match self {
            StatusPageChange::SettingsSaved { .. } => "settings_saved",
            StatusPageChange::ComponentAdded { .. } => "component_added",
            StatusPageChange::ComponentEdited { .. } => "component_edited",
            StatusPageChange::ComponentStatusChanged { .. } => "component_status_changed",
            StatusPageChange::MaintenanceScheduled { .. } => "maintenance_scheduled",
            StatusPageChange::MaintenanceSwitched { .. } => "maintenance_switched",
        }
    }

    pub fn summary(&self) -> String {
        match self {
            StatusPageChange::SettingsSaved { name } => format!("Page settings saved ({name})"),
            StatusPageChange::ComponentAdded { name, .. } => format!("Component added: {name}"),
            StatusPageChange::ComponentEdited { name, .. } => format!("Component edited: {name}"),
            StatusPageChange::ComponentStatusChanged { name, from, to, .. } => format!("{name}: {} → {}", from.label(), to.label()),
            StatusPageChange::MaintenanceScheduled { title, .. } => format!("Maintenance scheduled: {title}"),
            StatusPageChange::MaintenanceSwitched { component, to, .. } => format!("Maintenance: component {component} → {}", to.label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_the_stored_kinds() {
        let all = [
            StatusPageChange::SettingsSaved { name: "Acme".into() },
            StatusPageChange::ComponentAdded { component: ComponentId(1), name: "Web".into() },
            StatusPageChange::ComponentEdited { component: ComponentId(1), name: "Web".into() },
            StatusPageChange::ComponentStatusChanged {
                component: ComponentId(1),
                name: "Web".into(),
                from: ComponentStatus::Operational,
                to: ComponentStatus::MajorOutage,
            },
            StatusPageChange::MaintenanceScheduled { maintenance: MaintenanceId(2), title: "DB".into() },
            StatusPageChange::MaintenanceSwitched { maintenance: MaintenanceId(2), component: ComponentId(1), to: ComponentStatus::UnderMaintenance },
        ];
        // the same list the migrations put in `event_kinds`
        let stored = include_str!("../../../migrations/sqlite/20261201000002_status_page_events.sql");
        for change in all {
            let v = serde_json::to_value(&change).unwrap();
            assert_eq!(v["type"], change.name());
            assert!(stored.contains(&format!("('status_page', '{}')", change.name())), "{} is not in event_kinds", change.name());
            assert_eq!(serde_json::from_value::<StatusPageChange>(v).unwrap(), change);
        }
        let c = StatusPageChange::ComponentStatusChanged {
            component: ComponentId(1),
            name: "Web".into(),
            from: ComponentStatus::Operational,
            to: ComponentStatus::MajorOutage,
        };
        assert_eq!(c.summary(), "Web: Operational → Major outage");
    }
}
