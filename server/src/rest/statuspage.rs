//! Atlassian Statuspage public API v2, for tools that already read it: the same field names,
//! enums and nesting. Ids are strings (`c<n>` for components, `g<n>` for groups, so the two
//! never collide in one list). Nothing internal is ever serialised here.

use app::domain::status_page::{Component, Indicator, PublicPage};
use app::server::services::status_page::public_page;
use app::server::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

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

fn indicator(i: Indicator) -> &'static str {
    match i {
        Indicator::None => "none",
        Indicator::Minor => "minor",
        Indicator::Major => "major",
        Indicator::Critical => "critical",
        Indicator::Maintenance => "maintenance",
    }
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
    StatusJson { indicator: indicator(p.overall.indicator), description: p.overall.description.clone() }
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
        let worst = members.iter().map(|c| c.status).max().unwrap_or(app::domain::status_page::ComponentStatus::Operational);
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

async fn load(state: &AppState) -> Result<PublicPage, Response> {
    public_page(state, chrono::Utc::now()).await.map_err(|e| {
        tracing::warn!(error = %e, "status page unavailable");
        (StatusCode::SERVICE_UNAVAILABLE, "The status page is unavailable right now.").into_response()
    })
}

fn json<T: Serialize>(body: T) -> Response {
    // public data, read by anyone, also from other origins
    ([(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], Json(body)).into_response()
}

pub async fn status(State(state): State<AppState>) -> Response {
    match load(&state).await {
        Ok(p) => json(serde_json::json!({ "page": page_json(&p), "status": status_json(&p) })),
        Err(r) => r,
    }
}

pub async fn components(State(state): State<AppState>) -> Response {
    match load(&state).await {
        Ok(p) => json(serde_json::json!({ "page": page_json(&p), "components": components_json(&p) })),
        Err(r) => r,
    }
}
