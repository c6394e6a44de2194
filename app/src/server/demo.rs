//! `klaxon demo`: a small organisation to look around in. Safe to run twice.

use chrono::Duration;

use crate::domain::incident::{DeclareInput, NoteKind};
use crate::domain::incident::{Severity, Status};
use crate::domain::roles::IncidentRole;
use crate::domain::status_page::{Impact, PublicStatus};
use crate::domain::triage::Answer;
use crate::domain::user::{AccountRole, CurrentUser};
use crate::error::AppResult;
use crate::server::repo::{catalog, incidents as incident_repo, runbooks, users};
use crate::server::services::auth::add_user;
use crate::server::services::incidents;
use crate::server::state::AppState;
use crate::server::time::now;

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "klaxon-demo";

pub const DEMO_USERS: [(&str, &str, AccountRole); 4] = [
    ("ada@example.com", "Ada Lovelace", AccountRole::Admin),
    ("ben@example.com", "Ben Okafor", AccountRole::Responder),
    ("cleo@example.com", "Cleo Park", AccountRole::Responder),
    ("vic@example.com", "Vic Viewer", AccountRole::Viewer),
];

/// The payments and platform engineers on call (none of the accounts above is: they stay free
/// for trying things out).
pub const ONCALL_TEAM: [(&str, &str); 7] = [
    ("dana@example.com", "Dana Reyes"),
    ("eli@example.com", "Eli Novak"),
    ("farah@example.com", "Farah Haddad"),
    ("gus@example.com", "Gus Lindqvist"),
    ("hana@example.com", "Hana Sato"),
    ("ivo@example.com", "Ivo Petrov"),
    ("jun@example.com", "Jun Tanaka"),
];

/// The seeds' rotations: weekly Monday 09:00 handoffs in New York (the PagerDuty layer of
/// their Terraform, one to one) as a primary and a secondary, and a follow-the-sun
/// schedule with business-hours layers in Europe, the Americas and Asia-Pacific.
const SCHEDULES: [&str; 3] = [
    r#"name: Payments primary
time_zone: America/New_York
description: Pages first for checkout and payments.
layers:
  - name: Weekly
    start: 2026-11-02T14:00:00Z
    rotation_virtual_start: 2026-11-02T09:00:00-05:00
    rotation_turn_length_seconds: 604800
    users: [dana@example.com, eli@example.com, farah@example.com, gus@example.com, hana@example.com]
"#,
    r#"name: Payments secondary
time_zone: America/New_York
description: Pages when the primary does not acknowledge.
layers:
  - name: Weekly
    start: 2026-11-02T14:00:00Z
    rotation_virtual_start: 2026-11-02T09:00:00-05:00
    rotation_turn_length_seconds: 604800
    users: [ivo@example.com, dana@example.com, eli@example.com, farah@example.com, gus@example.com]
"#,
    r#"name: Platform follow-the-sun
time_zone: UTC
description: Business hours in Berlin, New York and Tokyo; each region rotates weekly.
layers:
  - name: Europe
    start: 2026-11-02T00:00:00Z
    rotation_virtual_start: 2026-11-02T07:00:00Z
    rotation_turn_length_seconds: 604800
    users: [farah@example.com, gus@example.com]
    restrictions:
      - {type: daily_restriction, start_time_of_day: "07:00:00", duration_seconds: 28800}
  - name: Americas
    start: 2026-11-02T00:00:00Z
    rotation_virtual_start: 2026-11-02T15:00:00Z
    rotation_turn_length_seconds: 604800
    users: [dana@example.com, eli@example.com]
    restrictions:
      - {type: daily_restriction, start_time_of_day: "15:00:00", duration_seconds: 28800}
  - name: Asia-Pacific
    start: 2026-11-02T00:00:00Z
    rotation_virtual_start: 2026-11-01T23:00:00Z
    rotation_turn_length_seconds: 604800
    users: [hana@example.com, jun@example.com]
    restrictions:
      - {type: daily_restriction, start_time_of_day: "23:00:00", duration_seconds: 28800}
"#,
];

/// The seeds' escalation: the primary, after 5 minutes the secondary, after 10 more the
/// manager; twice.
const PAYMENTS_POLICY: &str = "name: Payments
repeat: 1
steps:
  - delay_minutes: 5
    targets: [{schedule: Payments primary}]
  - delay_minutes: 10
    targets: [{schedule: Payments secondary}]
  - delay_minutes: 15
    targets: [{user: ada@example.com}]
";

/// The demo's Events API v2 routing key for checkout (demo data only: anyone reading this
/// can send alerts to a demo instance).
pub const DEMO_EVENTS_KEY: &str = "demo0checkout0events0key00000001";

const SERVICES: [(&str, &str, &str); 4] = [
    ("checkout", "Checkout", "Cart, payment and order placement"),
    ("api", "Public API", "api.example.com"),
    ("auth", "Sign-in", "Accounts and sessions"),
    ("search", "Search", "Product search and suggestions"),
];

const CHECKOUT_RUNBOOK: &str = r#"metadata:
  title: Checkout error rate high
  service: checkout
  severity: sev2
  owner: payments-team
  alert_names: [CheckoutErrorRateHigh, PaymentProviderTimeouts]
  impact: Customers cannot complete purchases.
diagnosis:
  - step: Check the checkout error rate
    command: curl -s http://checkout.internal/metrics | grep http_errors_total
    expected: Fewer than 1% of requests fail
  - step: Check the payment provider's latency
    command: kubectl -n checkout logs deploy/payments --since=10m | grep timeout
    expected: No timeouts
mitigation:
  - option: Roll back the last deploy
    when: A deploy went out shortly before the errors began
    command: deployctl rollback checkout --to previous
    verify: The error rate falls below 1% within 5 minutes
  - option: Fail over to the secondary payment provider
    when: The primary provider times out
    command: flagctl set payments.provider secondary
    verify: Payments succeed in the dashboard
recovery:
  - Switch back to the primary provider once it is healthy
  - Replay the failed orders from the dead-letter queue
"#;

const API_RUNBOOK: &str = r#"metadata:
  title: Public API latency
  service: api
  severity: sev3
  owner: platform-team
  alert_names: [ApiLatencyP99High]
diagnosis:
  - step: Look at p99 latency by route
    command: curl -s http://api.internal/debug/latency
    expected: p99 below 300 ms
mitigation:
  - option: Scale out the API pods
    command: kubectl -n api scale deploy/api --replicas=12
    verify: p99 falls within 10 minutes
recovery:
  - Scale back in after an hour of normal latency
"#;

/// The seeds' challenge scenario (a database failure on a three-service app).
pub const DATABASE_FAILURE_DRILL: &str = include_str!("../../../examples/drills/database-failure.yaml");

pub async fn load(state: &AppState) -> AppResult<()> {
    let mut admin = None;
    for (email, name, role) in DEMO_USERS {
        let id = add_user(&state.db, email, name, role, DEMO_PASSWORD).await?;
        if role == AccountRole::Admin {
            admin = Some(CurrentUser { id, email: email.into(), name: name.into(), role });
        }
    }
    let admin = admin.expect("the demo has an admin");
    {
        let mut conn = state.db.pool().acquire().await?;
        for (slug, name, description) in SERVICES {
            catalog::upsert(&mut conn, slug, name, description).await?;
        }
    }
    {
        let mut conn = state.db.pool().acquire().await?;
        if runbooks::list(&mut conn).await?.is_empty() {
            drop(conn);
            crate::server::services::runbooks::save_yaml(state, Some(&admin), None, CHECKOUT_RUNBOOK).await?;
            crate::server::services::runbooks::save_yaml(state, Some(&admin), None, API_RUNBOOK).await?;
        }
    }
    {
        let mut conn = state.db.pool().acquire().await?;
        if crate::server::repo::drills::scenarios(&mut conn).await?.is_empty() {
            drop(conn);
            crate::server::services::drills::save_yaml(state, Some(&admin), None, DATABASE_FAILURE_DRILL).await?;
        }
    }
    status_page(state, &admin).await?;
    oncall(state, &admin).await?;
    let existing = {
        let mut conn = state.db.pool().acquire().await?;
        incident_repo::list(&mut conn, 10).await?
    };
    if !existing.is_empty() {
        return Ok(());
    }
    let (ben, cleo) = {
        let mut conn = state.db.pool().acquire().await?;
        let ben = users::by_email(&mut conn, "ben@example.com").await?.map(|u| u.user);
        let cleo = users::by_email(&mut conn, "cleo@example.com").await?.map(|u| u.user);
        (ben.expect("demo user"), cleo.expect("demo user"))
    };

    // A resolved incident from earlier today.
    let old = incidents::declare(
        state,
        Some(&ben),
        DeclareInput {
            title: "Search suggestions slow".into(),
            impact: "Suggestions took several seconds for some users.".into(),
            services: vec!["search".into()],
            detected_at: Some(now() - Duration::hours(3)),
            answers: vec![Answer::No, Answer::No, Answer::No, Answer::No, Answer::No, Answer::No, Answer::Yes],
            ..Default::default()
        },
    )
    .await?;
    incidents::assign_role(state, Some(&ben), old.id, IncidentRole::Commander, ben.id).await?;
    let mut status = Status::Detected;
    for to in [Status::Investigating, Status::Identified, Status::Mitigating, Status::Resolved] {
        incidents::change_status(state, Some(&ben), old.id, status, to).await?;
        status = to;
    }
    for (what, body) in [
        (PublicStatus::Investigating, "Search suggestions are slow for some customers. We are investigating."),
        (PublicStatus::Resolved, "Search suggestions are fast again. We are sorry for the trouble."),
    ] {
        incidents::post_public_update(state, Some(&ben), old.id, public_update("Slow search suggestions", what, Impact::Minor, body)).await?;
    }
    // its review, with one action item
    let review = crate::server::services::postmortems::start(state, Some(&ben), old.id).await?;
    let item = crate::server::services::postmortems::ItemInput {
        title: "Cache search suggestions at the edge",
        owner: Some(cleo.id),
        priority: "p2",
        link: "",
        due_on: &(now() + Duration::days(14)).date_naive().to_string(),
    };
    crate::server::services::postmortems::add_item(state, Some(&ben), review, item).await?;

    // An active incident: checkout failing for some customers.
    let active = incidents::declare(
        state,
        Some(&cleo),
        DeclareInput {
            title: "Checkout errors".into(),
            impact: "About 15% of checkout attempts fail with a 502.".into(),
            services: vec!["checkout".into(), "api".into()],
            detected_at: Some(now() - Duration::minutes(12)),
            answers: vec![Answer::No, Answer::No, Answer::No, Answer::Yes],
            severity: Some(Severity::Sev2),
            ..Default::default()
        },
    )
    .await?;
    incidents::assign_role(state, Some(&cleo), active.id, IncidentRole::Commander, cleo.id).await?;
    incidents::assign_role(state, Some(&cleo), active.id, IncidentRole::Ops, ben.id).await?;
    incidents::change_status(state, Some(&cleo), active.id, Status::Detected, Status::Investigating).await?;
    incidents::add_note(state, Some(&ben), active.id, NoteKind::Note, "502s come from the payments upstream; checking the provider.").await?;
    incidents::add_note(state, Some(&cleo), active.id, NoteKind::Update, "We are investigating failed checkouts. Next update within 60 minutes.").await?;
    let first = "Some customers cannot complete checkout. We are investigating and will post an update within 30 minutes.";
    incidents::post_public_update(state, Some(&cleo), active.id, public_update("Checkout failures", PublicStatus::Investigating, Impact::Minor, first)).await?;
    Ok(())
}

/// The on-call team and the seeds' schedules, once.
async fn oncall(state: &AppState, admin: &CurrentUser) -> AppResult<()> {
    for (email, name) in ONCALL_TEAM {
        add_user(&state.db, email, name, AccountRole::Responder, DEMO_PASSWORD).await?;
    }
    let none_yet = {
        let mut conn = state.db.pool().acquire().await?;
        crate::server::repo::schedules::list(&mut conn).await?.is_empty()
    };
    if none_yet {
        for yaml in SCHEDULES {
            crate::server::services::oncall::save_yaml(state, Some(admin), None, None, yaml).await?;
        }
        // checkout pages the primary, then the secondary, then the admin; monitoring can send
        // to it with the demo key
        crate::server::services::policies::save_yaml(state, Some(admin), PAYMENTS_POLICY).await?;
        crate::server::services::policies::assign(state, Some(admin), "checkout", Some("Payments")).await?;
        let mut conn = state.db.pool().acquire().await?;
        let checkout = catalog::by_slug(&mut conn, "checkout").await?.ok_or_else(crate::error::AppError::internal)?;
        crate::server::repo::integrations::create(&mut conn, checkout.id, "Demo monitoring", crate::domain::alert::KeyKind::EventsV2, DEMO_EVENTS_KEY).await?;
    }
    Ok(())
}

fn public_update(title: &str, status: PublicStatus, impact: Impact, body: &str) -> crate::domain::status_page::PublicUpdate {
    crate::domain::status_page::PublicUpdate {
        title: title.into(),
        status,
        body: body.into(),
        impact,
        components: vec![],
        previous: vec![],
        public_id: String::new(),
    }
}

/// Components (linked to the services), in two groups, with 90 days of history: a few
/// past outages, and checkout degraded now (the active incident).
async fn status_page(state: &AppState, admin: &CurrentUser) -> AppResult<()> {
    use crate::domain::status_page::{ComponentInput, ComponentStatus, PageSettings};
    use crate::server::repo::status;
    use crate::server::services::status_page as svc;

    let existing = {
        let mut conn = state.db.pool().acquire().await?;
        status::components(&mut conn).await?
    };
    if !existing.is_empty() {
        return Ok(());
    }
    let settings = PageSettings {
        name: "Example Status".into(),
        public_url: "https://status.example.com".into(),
        logo_url: String::new(),
        time_zone: "Europe/London".into(),
        support_url: "https://example.com/support".into(),
    };
    svc::save_settings(state, Some(admin), settings).await?;
    let components = [
        ("Web shop", "Browsing, cart and checkout", "Shop", "checkout"),
        ("Search", "Product search and suggestions", "Shop", "search"),
        ("Public API", "api.example.com", "Platform", "api"),
        ("Sign-in", "Accounts and sessions", "Platform", "auth"),
    ];
    let start = now() - Duration::days(95);
    // (component, days ago, hour, minutes, status) — past trouble that the bars show
    let past: [(usize, i64, u32, i64, ComponentStatus); 5] = [
        (0, 12, 14, 95, ComponentStatus::PartialOutage),
        (2, 40, 3, 45, ComponentStatus::MajorOutage),
        (1, 63, 9, 180, ComponentStatus::DegradedPerformance),
        (3, 71, 22, 30, ComponentStatus::MajorOutage),
        (2, 85, 1, 120, ComponentStatus::UnderMaintenance),
    ];
    for (i, (name, description, group, service)) in components.into_iter().enumerate() {
        let c = svc::create_component(
            state,
            Some(admin),
            ComponentInput { name: name.into(), description: description.into(), group: group.into(), position: i as i64, service: service.into() },
        )
        .await?;
        let mut conn = state.db.pool().acquire().await?;
        sqlx::query("DELETE FROM component_status_history WHERE component_id = $1").bind(c.id.0).execute(&mut *conn).await?;
        status::record_past(&mut conn, c.id, ComponentStatus::Operational, start).await?;
        for (_, days_ago, hour, minutes, what) in past.iter().filter(|p| p.0 == i) {
            let day = (now() - Duration::days(*days_ago)).date_naive();
            let from = day.and_hms_opt(*hour, 0, 0).map(|t| t.and_utc()).unwrap_or_else(now);
            status::record_past(&mut conn, c.id, *what, from).await?;
            status::record_past(&mut conn, c.id, ComponentStatus::Operational, from + Duration::minutes(*minutes)).await?;
        }
        drop(conn);
        if service == "checkout" {
            svc::set_component_status(state, Some(admin), c.id, ComponentStatus::PartialOutage).await?;
        }
        if service == "search" {
            // an upcoming maintenance: tomorrow, 02:00–03:00 UTC
            let day = (now() + Duration::days(1)).date_naive();
            let starts_at = day.and_hms_opt(2, 0, 0).map(|t| t.and_utc()).unwrap_or_else(now);
            let window = crate::domain::status_page::MaintenanceInput {
                title: "Search index upgrade".into(),
                message: "Search results may be slow for up to an hour while we upgrade the index.".into(),
                starts_at,
                ends_at: starts_at + Duration::hours(1),
                components: vec![c.id],
            };
            crate::server::services::maintenance::schedule_maintenance(state, Some(admin), window).await?;
        }
    }
    Ok(())
}
