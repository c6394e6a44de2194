//! Atlassian Statuspage public API v2, for tools that already read it: the same field names,
//! enums and nesting. Ids are strings (`c<n>` for components, `g<n>` for groups, so the two
//! never collide in one list). Nothing internal is ever serialised here.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::Doc;
use crate::domain::status_page::{Component, Maintenance, MaintenancePhase, PublicIncident, PublicPage};

/// The page id clients see (Statuspage pages have one; Klaxon serves one page).
pub const PAGE_ID: &str = "klaxon";

#[derive(Debug, Serialize)]
pub struct PageJson {
    pub id: &'static str,
    pub name: String,
    pub url: String,
    pub time_zone: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub indicator: &'static str,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct ComponentJson {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub position: i64,
    pub description: Option<String>,
    pub showcase: bool,
    pub start_date: Option<String>,
    pub group_id: Option<String>,
    pub page_id: &'static str,
    pub group: bool,
    pub only_show_if_degraded: bool,
    /// Only on groups: the ids of their components.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn all_components(p: &PublicPage) -> impl Iterator<Item = &Component> {
    p.groups.iter().flat_map(|g| g.components.iter().map(|v| &v.component))
}

pub fn page_json(p: &PublicPage) -> PageJson {
    let updated = all_components(p).map(|c| c.updated_at).max().unwrap_or(p.generated_at);
    PageJson {
        id: PAGE_ID,
        name: p.settings.name.clone(),
        url: p.settings.public_url.clone(),
        time_zone: p.settings.time_zone.clone(),
        updated_at: time(updated),
    }
}

pub fn status_json(p: &PublicPage) -> StatusJson {
    StatusJson { indicator: p.overall.indicator.as_str(), description: p.overall.description.clone() }
}

fn component_json(c: &Component, group_id: Option<String>) -> ComponentJson {
    ComponentJson {
        id: format!("c{}", c.id),
        name: c.name.clone(),
        status: c.status.as_str(),
        created_at: time(c.created_at),
        updated_at: time(c.updated_at),
        position: c.position,
        description: (!c.description.is_empty()).then(|| c.description.clone()),
        showcase: true,
        start_date: Some(c.created_at.date_naive().to_string()),
        group_id,
        page_id: PAGE_ID,
        group: false,
        only_show_if_degraded: false,
        components: None,
    }
}

/// Components and groups as one list, groups carrying their members' ids.
pub fn components_json(p: &PublicPage) -> Vec<ComponentJson> {
    let mut out = vec![];
    for (i, g) in p.groups.iter().enumerate() {
        let Some(name) = &g.name else {
            out.extend(g.components.iter().map(|v| component_json(&v.component, None)));
            continue;
        };
        let Some(gid) = g.components.first().and_then(|v| v.component.group_id) else { continue };
        let gid = format!("g{gid}");
        let members: Vec<&Component> = g.components.iter().map(|v| &v.component).collect();
        let worst = members.iter().map(|c| c.status).max().unwrap_or(crate::domain::status_page::ComponentStatus::Operational);
        out.push(ComponentJson {
            id: gid.clone(),
            name: name.clone(),
            status: worst.as_str(),
            created_at: time(members.iter().map(|c| c.created_at).min().unwrap_or(p.generated_at)),
            updated_at: time(members.iter().map(|c| c.updated_at).max().unwrap_or(p.generated_at)),
            position: i as i64,
            description: None,
            showcase: false,
            start_date: None,
            group_id: None,
            page_id: PAGE_ID,
            group: true,
            only_show_if_degraded: false,
            components: Some(members.iter().map(|c| format!("c{}", c.id)).collect()),
        });
        out.extend(members.iter().map(|c| component_json(c, Some(gid.clone()))));
    }
    out
}

#[derive(Debug, Serialize)]
pub struct AffectedJson {
    pub code: String,
    pub name: String,
    pub old_status: &'static str,
    pub new_status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct UpdateJson {
    pub id: String,
    pub status: &'static str,
    pub body: String,
    pub incident_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub display_at: String,
    pub affected_components: Vec<AffectedJson>,
    pub deliver_notifications: bool,
    pub custom_tweet: Option<String>,
    pub tweet_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct IncidentJson {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub monitoring_at: Option<String>,
    pub resolved_at: Option<String>,
    pub impact: &'static str,
    pub shortlink: String,
    pub started_at: String,
    pub page_id: &'static str,
    pub incident_updates: Vec<UpdateJson>,
    pub components: Vec<ComponentJson>,
}

/// The public page's address, where an incident or maintenance is shown.
fn shortlink(p: &PublicPage) -> String {
    if p.settings.public_url.is_empty() {
        String::new()
    } else {
        format!("{}/status", p.settings.public_url.trim_end_matches('/'))
    }
}

pub fn incident_json(p: &PublicPage, i: &PublicIncident) -> IncidentJson {
    let component = |id| all_components(p).find(|c| c.id == id);
    IncidentJson {
        id: i.id.clone(),
        name: i.title.clone(),
        status: i.status.as_str(),
        created_at: time(i.created_at),
        updated_at: time(i.updated_at),
        monitoring_at: i.monitoring_at.map(time),
        resolved_at: i.resolved_at.map(time),
        impact: i.impact.as_str(),
        shortlink: shortlink(p),
        started_at: time(i.created_at),
        page_id: PAGE_ID,
        incident_updates: i
            .updates
            .iter()
            .map(|u| UpdateJson {
                id: u.id.clone(),
                status: u.status.as_str(),
                body: u.body.clone(),
                incident_id: i.id.clone(),
                created_at: time(u.at),
                updated_at: time(u.at),
                display_at: time(u.at),
                affected_components: u
                    .affected
                    .iter()
                    .filter_map(|(id, from, to)| {
                        component(*id).map(|c| AffectedJson {
                            code: format!("c{}", c.id),
                            name: c.name.clone(),
                            old_status: from.as_str(),
                            new_status: to.as_str(),
                        })
                    })
                    .collect(),
                deliver_notifications: true,
                custom_tweet: None,
                tweet_id: None,
            })
            .collect(),
        components: i.components.iter().filter_map(|id| component(*id)).map(|c| component_json(c, c.group_id.map(|g| format!("g{g}")))).collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct MaintenanceJson {
    #[serde(flatten)]
    pub incident: IncidentJson,
    pub scheduled_for: String,
    pub scheduled_until: String,
}

pub fn maintenance_json(p: &PublicPage, m: &Maintenance) -> MaintenanceJson {
    let phase = m.phase(p.generated_at);
    let component = |id| all_components(p).find(|c| c.id == id);
    let id = format!("m{}", m.id);
    let affected = m
        .components
        .iter()
        .filter_map(|c| component(*c))
        .map(|c| AffectedJson { code: format!("c{}", c.id), name: c.name.clone(), old_status: "operational", new_status: "under_maintenance" })
        .collect();
    MaintenanceJson {
        incident: IncidentJson {
            id: id.clone(),
            name: m.title.clone(),
            status: phase.as_str(),
            created_at: time(m.created_at),
            updated_at: time(m.created_at),
            monitoring_at: None,
            resolved_at: (phase == MaintenancePhase::Completed).then(|| time(m.ends_at)),
            impact: "maintenance",
            shortlink: shortlink(p),
            started_at: time(m.starts_at),
            page_id: PAGE_ID,
            incident_updates: vec![UpdateJson {
                id: format!("u{id}"),
                status: "scheduled",
                body: m.message.clone(),
                incident_id: id,
                created_at: time(m.created_at),
                updated_at: time(m.created_at),
                display_at: time(m.created_at),
                affected_components: affected,
                deliver_notifications: true,
                custom_tweet: None,
                tweet_id: None,
            }],
            components: m.components.iter().filter_map(|c| component(*c)).map(|c| component_json(c, c.group_id.map(|g| format!("g{g}")))).collect(),
        },
        scheduled_for: time(m.starts_at),
        scheduled_until: time(m.ends_at),
    }
}

fn maintenances_json(p: &PublicPage, phases: &[MaintenancePhase]) -> Vec<MaintenanceJson> {
    p.maintenances.iter().filter(|m| phases.contains(&m.phase(p.generated_at))).map(|m| maintenance_json(p, m)).collect()
}

const ALL_PHASES: [MaintenancePhase; 4] = [MaintenancePhase::Scheduled, MaintenancePhase::InProgress, MaintenancePhase::Verifying, MaintenancePhase::Completed];
const OPEN_PHASES: [MaintenancePhase; 3] = [MaintenancePhase::Scheduled, MaintenancePhase::InProgress, MaintenancePhase::Verifying];
const ACTIVE_PHASES: [MaintenancePhase; 2] = [MaintenancePhase::InProgress, MaintenancePhase::Verifying];

/// Every Statuspage v2 document, as JSON values, for one page snapshot.
pub fn document(p: &PublicPage, doc: Doc) -> serde_json::Value {
    let page = page_json(p);
    match doc {
        Doc::Status => serde_json::json!({ "page": page, "status": status_json(p) }),
        Doc::Components => serde_json::json!({ "page": page, "components": components_json(p) }),
        Doc::Summary => serde_json::json!({
            "page": page,
            "components": components_json(p),
            "incidents": p.unresolved().map(|i| incident_json(p, i)).collect::<Vec<_>>(),
            "scheduled_maintenances": maintenances_json(p, &OPEN_PHASES),
            "status": status_json(p),
        }),
        Doc::Incidents => serde_json::json!({ "page": page, "incidents": p.incidents.iter().map(|i| incident_json(p, i)).collect::<Vec<_>>() }),
        Doc::Unresolved => serde_json::json!({ "page": page, "incidents": p.unresolved().map(|i| incident_json(p, i)).collect::<Vec<_>>() }),
        Doc::Maintenances => serde_json::json!({ "page": page, "scheduled_maintenances": maintenances_json(p, &ALL_PHASES) }),
        Doc::Upcoming => serde_json::json!({ "page": page, "scheduled_maintenances": maintenances_json(p, &[MaintenancePhase::Scheduled]) }),
        Doc::Active => serde_json::json!({ "page": page, "scheduled_maintenances": maintenances_json(p, &ACTIVE_PHASES) }),
        Doc::Rss | Doc::Atom => serde_json::Value::Null,
    }
}
