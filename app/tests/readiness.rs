//! The readiness check on live configuration, on SQLite and on PostgreSQL: a service with no
//! policy or runbook fails the first checks by name; set up (a rotation of two, a one-step
//! policy, a reviewed runbook naming the alert seen) those pass and the rotation and policy
//! checks fail by name.
#![cfg(feature = "testing")]

use app::domain::alert::KeyKind;
use app::domain::events_v2::SAMPLE_TRIGGER;
use app::domain::incident::{DeclareInput, Severity};
use app::domain::readiness::{Check, CheckKey};
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::catalog;
use app::server::services::{incidents, ingest, integrations, oncall, policies, readiness::readiness, runbooks};
use app::server::testing::{fresh_state, user};
use chrono::{Duration, SecondsFormat, Utc};

fn outcome(checks: &[Check], key: CheckKey) -> (bool, Vec<String>) {
    let c = checks.iter().find(|c| c.key == key).unwrap_or_else(|| panic!("no check {key:?}"));
    (c.passed, c.problems.clone())
}

async fn readiness_is_read_from_the_live_configuration(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    user(&state.db, "Ben", AccountRole::Responder).await;
    user(&state.db, "Cleo", AccountRole::Responder).await;
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
    }
    let checks = readiness(&state, Some(&vic)).await.unwrap();
    assert_eq!(checks.len(), 11);
    assert_eq!(outcome(&checks, CheckKey::DrillLastQuarter), (false, vec!["no drill in the last 92 days".to_string()]));
    assert_eq!(outcome(&checks, CheckKey::ServicesHavePolicies), (false, vec!["Checkout".to_string()]));
    assert_eq!(outcome(&checks, CheckKey::ServicesHaveRunbooks), (false, vec!["Checkout".to_string()]));
    assert_eq!(readiness(&state, None).await.unwrap_err().status_code(), 401);

    // set up: a daily rotation of two, a one-step policy, an alert seen, a runbook for it
    let start = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let rota = format!("name: Primary\ntime_zone: UTC\nlayers:\n  - name: Daily\n    start: {start}\n    rotation_virtual_start: {start}\n    rotation_turn_length_seconds: 86400\n    users: [ben@example.com, cleo@example.com]\n");
    oncall::save_yaml(&state, Some(&ada), None, None, &rota).await.unwrap();
    policies::save_yaml(&state, Some(&ada), "name: Solo\nrepeat: 1\nsteps:\n  - delay_minutes: 5\n    targets: [{schedule: Primary}]\n").await.unwrap();
    policies::assign(&state, Some(&ada), "checkout", Some("Solo")).await.unwrap();
    let (_, key) = integrations::create(&state, Some(&ada), "checkout", "Prometheus", KeyKind::EventsV2).await.unwrap();
    ingest::enqueue(&state, SAMPLE_TRIGGER.replace("ROUTING_KEY", &key).as_bytes()).await.unwrap();
    let checks = readiness(&state, Some(&vic)).await.unwrap();
    assert_eq!(outcome(&checks, CheckKey::AlertsHaveRunbooks), (false, vec!["Example alert on host1.example.com (Checkout)".to_string()]));
    let today = Utc::now().date_naive();
    let yaml = format!(
        "metadata:\n  title: Checkout errors\n  service: checkout\n  owner: payments\n  last_reviewed: {today}\n  alert_names: [Example alert on host1.example.com]\ndiagnosis:\n  - step: Look at the error rate\n"
    );
    runbooks::save_yaml(&state, Some(&ada), None, &yaml).await.unwrap();
    let drill = DeclareInput { title: "Database failover drill".into(), severity: Some(Severity::Sev2), drill: true, ..Default::default() };
    incidents::declare(&state, Some(&ada), drill).await.unwrap();

    let checks = readiness(&state, Some(&vic)).await.unwrap();
    for key in [
        CheckKey::ServicesHavePolicies,
        CheckKey::ServicesHaveRunbooks,
        CheckKey::AlertsHaveRunbooks,
        CheckKey::ShiftsAtMostAWeek,
        CheckKey::NoCoverageGaps,
        CheckKey::RunbooksReviewed,
        CheckKey::PostmortemsDone,
        CheckKey::ActionItemsOnTime,
        CheckKey::DrillLastQuarter,
    ] {
        assert_eq!(outcome(&checks, key), (true, vec![]), "{key:?}");
    }
    assert_eq!(outcome(&checks, CheckKey::RotationsBigEnough), (false, vec!["Primary / Daily: 2 people".to_string()]));
    assert_eq!(outcome(&checks, CheckKey::PoliciesEscalate), (false, vec!["Solo: one step".to_string()]));
}

on_both_backends!(readiness_is_read_from_the_live_configuration);
