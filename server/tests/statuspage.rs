//! The Statuspage v2 JSON: the same field names, types, enums and nesting as Atlassian's.

mod common;

use std::collections::BTreeSet;

use app::domain::status_page::{ComponentInput, ComponentStatus};
use app::on_both_backends;
use app::server::db::Backend;
use app::server::services::maintenance;
use app::server::services::status_page as svc;
use common::TestApp;
use serde_json::Value;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

const PAGE_KEYS: &[&str] = &["id", "name", "url", "time_zone", "updated_at"];
const COMPONENT_KEYS: &[&str] = &[
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
];

fn is_time(v: &Value) -> bool {
    v.as_str().is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

async fn statuspage_json_shapes(b: Backend) {
    let app = TestApp::start(b).await;
    let anon = reqwest::Client::new();
    // an empty page is operational
    let s: Value = anon.get(app.url("/api/v2/status.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(s["status"], serde_json::json!({ "indicator": "none", "description": "All Systems Operational" }));

    let c =
        |name: &str, group: &str| ComponentInput { name: name.into(), description: String::new(), group: group.into(), position: 0, service: String::new() };
    let web = svc::create_component(&app.state, Some(&app.admin), ComponentInput { description: "Shop front".into(), ..c("Web", "Shop") }).await.unwrap();
    svc::create_component(&app.state, Some(&app.admin), c("Cart", "Shop")).await.unwrap();
    let api = svc::create_component(&app.state, Some(&app.admin), c("API", "")).await.unwrap();
    svc::set_component_status(&app.state, Some(&app.responder), web.id, ComponentStatus::MajorOutage).await.unwrap();

    let r = anon.get(app.url("/api/v2/status.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let s: Value = r.json().await.unwrap();
    assert_eq!(keys(&s), set(&["page", "status"]));
    assert_eq!(keys(&s["page"]), set(PAGE_KEYS));
    assert_eq!(s["page"]["id"], "klaxon");
    assert!(is_time(&s["page"]["updated_at"]));
    assert_eq!(keys(&s["status"]), set(&["indicator", "description"]));
    assert_eq!(s["status"]["indicator"], "critical");
    assert_eq!(s["status"]["description"], "Major System Outage");

    let body: Value = anon.get(app.url("/api/v2/components.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(keys(&body), set(&["page", "components"]));
    let list = body["components"].as_array().unwrap();
    assert_eq!(list.len(), 4, "two in a group, the group, one alone: {body:#}");
    for item in list {
        let mut expected = set(COMPONENT_KEYS);
        if item["group"] == true {
            expected.insert("components".into());
        }
        assert_eq!(keys(item), expected, "{item:#}");
        assert!(item["id"].is_string() && item["page_id"] == "klaxon");
        assert!(is_time(&item["created_at"]) && is_time(&item["updated_at"]));
        assert!(item["position"].is_i64() && item["showcase"].is_boolean() && item["only_show_if_degraded"].is_boolean());
        let status = item["status"].as_str().unwrap();
        assert!(["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"].contains(&status));
    }
    let find = |name: &str| list.iter().find(|i| i["name"] == name).unwrap().clone();
    let group = find("Shop");
    assert_eq!(group["group"], true);
    assert_eq!(group["group_id"], Value::Null);
    assert_eq!(group["status"], "major_outage", "a group shows its worst member");
    let web_json = find("Web");
    assert_eq!(web_json["id"], format!("c{}", web.id));
    assert_eq!(web_json["group_id"], group["id"]);
    assert_eq!(web_json["status"], "major_outage");
    assert_eq!(web_json["description"], "Shop front");
    assert_eq!(group["components"].as_array().unwrap().iter().filter(|id| **id == web_json["id"]).count(), 1);
    let api_json = find("API");
    assert_eq!(api_json["id"], format!("c{}", api.id));
    assert_eq!(api_json["group_id"], Value::Null);
    assert_eq!(api_json["description"], Value::Null);
    // nothing internal: no service ids or links in any component
    let text = body.to_string();
    assert!(!text.contains("service"), "{text}");
}

const INCIDENT_KEYS: &[&str] = &[
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
];
const UPDATE_KEYS: &[&str] = &[
    "id",
    "status",
    "body",
    "incident_id",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
    "custom_tweet",
    "tweet_id",
];

async fn statuspage_incident_shapes(b: Backend) {
    use app::domain::incident::{DeclareInput, Severity};
    use app::domain::status_page::{Impact, PublicStatus, PublicUpdate};
    use app::server::services::incidents as incidents_svc;
    let app = TestApp::start(b).await;
    let anon = reqwest::Client::new();
    let get = |path: &'static str| {
        let (anon, url) = (anon.clone(), app.url(path));
        async move { anon.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let none = get("/api/v2/incidents/unresolved.json").await;
    assert_eq!(none["incidents"], serde_json::json!([]));

    let web =
        svc::create_component(&app.state, Some(&app.admin), ComponentInput { name: "Web".into(), group: "Shop".into(), ..Default::default() }).await.unwrap();
    let i = incidents_svc::declare(
        &app.state,
        Some(&app.responder),
        DeclareInput { title: "db-7 disk full".into(), severity: Some(Severity::Sev2), ..Default::default() },
    )
    .await
    .unwrap();
    let post = |status: PublicStatus, to: ComponentStatus, body: &str| PublicUpdate {
        title: "Checkout problems".into(),
        status,
        body: body.into(),
        impact: Impact::Major,
        components: vec![(web.id, to)],
        previous: vec![],
        public_id: String::new(),
    };
    incidents_svc::post_public_update(&app.state, Some(&app.responder), i.id, post(PublicStatus::Investigating, ComponentStatus::MajorOutage, "Looking."))
        .await
        .unwrap();

    let summary = get("/api/v2/summary.json").await;
    assert_eq!(keys(&summary), set(&["page", "components", "incidents", "scheduled_maintenances", "status"]));
    assert_eq!(summary["status"]["indicator"], "critical");
    assert_eq!(summary["scheduled_maintenances"], serde_json::json!([]));
    let inc = &summary["incidents"][0];
    assert_eq!(keys(inc), set(INCIDENT_KEYS));
    assert_eq!(inc["name"], "Checkout problems");
    assert_eq!(inc["status"], "investigating");
    assert_eq!(inc["impact"], "major");
    assert_eq!(inc["resolved_at"], Value::Null);
    assert_eq!(inc["page_id"], "klaxon");
    assert!(is_time(&inc["created_at"]) && is_time(&inc["started_at"]));
    let upd = &inc["incident_updates"][0];
    assert_eq!(keys(upd), set(UPDATE_KEYS));
    assert_eq!(upd["body"], "Looking.");
    assert_eq!(upd["incident_id"], inc["id"]);
    assert_eq!(
        upd["affected_components"],
        serde_json::json!([{ "code": format!("c{}", web.id), "name": "Web", "old_status": "operational", "new_status": "major_outage" }])
    );
    assert_eq!(keys(&inc["components"][0]), set(COMPONENT_KEYS));
    assert_eq!(inc["components"][0]["status"], "major_outage");

    incidents_svc::post_public_update(
        &app.state,
        Some(&app.responder),
        i.id,
        post(PublicStatus::Monitoring, ComponentStatus::DegradedPerformance, "Fixed, watching."),
    )
    .await
    .unwrap();
    incidents_svc::post_public_update(&app.state, Some(&app.responder), i.id, post(PublicStatus::Resolved, ComponentStatus::Operational, "Resolved."))
        .await
        .unwrap();
    assert_eq!(get("/api/v2/incidents/unresolved.json").await["incidents"], serde_json::json!([]));
    let all = get("/api/v2/incidents.json").await;
    assert_eq!(keys(&all), set(&["page", "incidents"]));
    let inc = &all["incidents"][0];
    assert_eq!(inc["status"], "resolved");
    assert!(is_time(&inc["resolved_at"]) && is_time(&inc["monitoring_at"]));
    let bodies: Vec<&str> = inc["incident_updates"].as_array().unwrap().iter().map(|u| u["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Resolved.", "Fixed, watching.", "Looking."], "newest first");
    assert_eq!(inc["incident_updates"][0]["affected_components"][0]["old_status"], "degraded_performance");
    // nothing internal in any of it
    let text = format!("{all}{summary}");
    for secret in ["db-7", "sev2", "Ben", "responder"] {
        assert!(!text.contains(secret), "{secret:?} leaked");
    }
}

async fn statuspage_maintenance_shapes(b: Backend) {
    use app::domain::status_page::MaintenanceInput;
    use chrono::{Duration, Utc};
    let app = TestApp::start(b).await;
    let anon = reqwest::Client::new();
    let get = |path: &'static str| {
        let (anon, url) = (anon.clone(), app.url(path));
        async move { anon.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let db = svc::create_component(&app.state, Some(&app.admin), ComponentInput { name: "Database".into(), ..Default::default() }).await.unwrap();
    let now = Utc::now();
    let window = |title: &str, from: Duration, to: Duration| MaintenanceInput {
        title: title.into(),
        message: format!("{title}: short pauses."),
        starts_at: now + from,
        ends_at: now + to,
        components: vec![db.id],
    };
    maintenance::schedule_maintenance(&app.state, Some(&app.responder), window("Later", Duration::hours(3), Duration::hours(4))).await.unwrap();
    maintenance::schedule_maintenance(&app.state, Some(&app.responder), window("Now", -Duration::minutes(10), Duration::minutes(50))).await.unwrap();

    let all = get("/api/v2/scheduled-maintenances.json").await;
    assert_eq!(keys(&all), set(&["page", "scheduled_maintenances"]));
    let list = all["scheduled_maintenances"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let mut expected = set(INCIDENT_KEYS);
    expected.insert("scheduled_for".into());
    expected.insert("scheduled_until".into());
    for m in list {
        assert_eq!(keys(m), expected, "{m:#}");
        assert_eq!(m["impact"], "maintenance");
        assert!(is_time(&m["scheduled_for"]) && is_time(&m["scheduled_until"]));
        assert_eq!(keys(&m["incident_updates"][0]), set(UPDATE_KEYS));
        assert_eq!(m["incident_updates"][0]["affected_components"][0]["new_status"], "under_maintenance");
        assert_eq!(keys(&m["components"][0]), set(COMPONENT_KEYS));
    }
    let upcoming = get("/api/v2/scheduled-maintenances/upcoming.json").await;
    let names = |v: &Value| v["scheduled_maintenances"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&upcoming), ["Later"]);
    assert_eq!(upcoming["scheduled_maintenances"][0]["status"], "scheduled");
    let active = get("/api/v2/scheduled-maintenances/active.json").await;
    assert_eq!(names(&active), ["Now"]);
    assert_eq!(active["scheduled_maintenances"][0]["status"], "in_progress");
    let summary = get("/api/v2/summary.json").await;
    assert_eq!(summary["scheduled_maintenances"].as_array().unwrap().len(), 2);
}

on_both_backends!(statuspage_json_shapes, statuspage_incident_shapes, statuspage_maintenance_shapes);
