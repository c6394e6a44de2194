//! Configuration as code in the store: the seeds' Terraform, written as a Klaxon document
//! (`examples/oncall-team.yaml`), applies and gives the same schedules and policy; a dry run
//! changes nothing; applying again, or applying an export, changes nothing; errors name
//! their lines and nothing is written.

use app::domain::escalation::{Policy, Step, Target};
use app::domain::team_config::{changes_anything, Action, Kind};
use app::domain::timers::Audience;
use app::domain::user::AccountRole;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{audiences, catalog, escalations, integrations, schedules, users};
use app::server::services::oncall::final_shifts;
use app::server::services::team_config as config;
use app::server::testing::{fresh_state, user};
use chrono::{DateTime, Duration, Utc};

const EXAMPLE: &str = include_str!("../../examples/oncall-team.yaml");

async fn the_seed_terraform_applies_once(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;

    // a dry run plans every item and changes nothing
    let dry = config::apply(&state, Some(&ada), EXAMPLE, true).await.unwrap();
    let count = |kind: Kind| dry.plan.iter().filter(|c| c.kind == kind && c.action == Action::Create).count();
    assert_eq!(
        (count(Kind::User), count(Kind::Schedule), count(Kind::Policy), count(Kind::Service), count(Kind::Key), count(Kind::AudienceMember)),
        (6, 2, 1, 1, 2, 1)
    );
    assert!(dry.plan.iter().any(|c| c.line() == ". user \"ada@example.com\" — only in Klaxon, kept"), "{:?}", dry.plan);
    let mut conn = state.db.pool().acquire().await.unwrap();
    assert!(schedules::list(&mut conn).await.unwrap().is_empty(), "a dry run writes nothing");
    assert_eq!(users::list(&mut conn).await.unwrap().len(), 1);

    let applied = config::apply(&state, Some(&ada), EXAMPLE, false).await.unwrap();
    assert_eq!(applied.secrets.iter().map(|(k, s)| (k.as_str(), s.len())).collect::<Vec<_>>(), [("payments/Prometheus", 32), ("payments/Datadog", 32)]);

    // the schedule the Terraform describes: weekly turns from Monday 2026-01-05 09:00 New
    // York time, in the listed order
    let people = users::list(&mut conn).await.unwrap();
    let email = |id| people.iter().find(|u| u.id == id).unwrap().email.clone();
    let stored = schedules::list(&mut conn).await.unwrap();
    let primary = stored.iter().find(|s| s.name == "Primary on-call").unwrap();
    let from: DateTime<Utc> = "2026-01-05T14:00:00Z".parse().unwrap();
    let shifts = final_shifts(&mut conn, primary, from, from + Duration::weeks(6)).await.unwrap();
    let turns: Vec<(String, String)> = shifts.iter().map(|s| (s.start.to_rfc3339(), email(s.user))).collect();
    assert_eq!(
        turns[..6],
        [
            ("2026-01-05T14:00:00+00:00".to_string(), "alice@example.com".to_string()),
            ("2026-01-12T14:00:00+00:00".into(), "bob@example.com".into()),
            ("2026-01-19T14:00:00+00:00".into(), "carol@example.com".into()),
            ("2026-01-26T14:00:00+00:00".into(), "dave@example.com".into()),
            ("2026-02-02T14:00:00+00:00".into(), "erin@example.com".into()),
            ("2026-02-09T14:00:00+00:00".into(), "alice@example.com".into()),
        ]
    );
    // and the policy: primary, 5 minutes, secondary, 10 more, the manager; twice through
    let (_, name, policy) = escalations::list(&mut conn).await.unwrap().remove(0);
    let secondary = stored.iter().find(|s| s.name == "Secondary on-call").unwrap().id;
    let manager = people.iter().find(|u| u.email == "manager@example.com").unwrap();
    assert_eq!(name, "Payments escalation");
    assert_eq!(
        policy,
        Policy {
            steps: vec![
                Step { delay_minutes: 5, targets: vec![Target::Schedule(primary.id)] },
                Step { delay_minutes: 10, targets: vec![Target::Schedule(secondary)] },
                Step { delay_minutes: 15, targets: vec![Target::User(manager.id)] },
            ],
            repeat: 1,
        }
    );
    assert_eq!(manager.role, AccountRole::Admin);
    let payments = catalog::by_slug(&mut conn, "payments").await.unwrap().unwrap();
    assert!(escalations::of_service(&mut conn, payments.id).await.unwrap().0.is_some());
    assert_eq!(integrations::of_service(&mut conn, payments.id).await.unwrap().len(), 2);
    let execs = audiences::members(&mut conn, Some(Audience::Executives)).await.unwrap();
    assert_eq!(execs.len(), 1);
    // people from a document have no password until one is set
    let stored_manager = users::by_email(&mut conn, "manager@example.com").await.unwrap().unwrap();
    assert!(!app::server::password::verify("klaxon-demo", &stored_manager.password_hash));

    // again: nothing changes, no new keys; an export applies as nothing too
    let again = config::apply(&state, Some(&ada), EXAMPLE, false).await.unwrap();
    assert!(!changes_anything(&again.plan), "{:?}", again.plan);
    assert!(again.secrets.is_empty());
    let exported = config::to_yaml(&config::export(&state, Some(&ada)).await.unwrap()).unwrap();
    assert!(!exported.contains(&applied.secrets[0].1), "secrets are never exported");
    let round = config::apply(&state, Some(&ada), &exported, true).await.unwrap();
    assert!(!changes_anything(&round.plan), "{exported}\n{:?}", round.plan);

    // a key's kind cannot change, and an audience's hidden address must be its own
    let kind = EXAMPLE.replace("      - name: Datadog\n        kind: events_v2", "      - name: Datadog\n        kind: alertmanager");
    let e = config::apply(&state, Some(&ada), &kind, false).await.unwrap_err();
    assert!(
        e.message.contains("services[0] \"payments\": integration_keys[1].kind: the key \"Datadog\" is for events_v2; a key's kind cannot change"),
        "{}",
        e.message
    );
    let hidden = EXAMPLE.replace("security_and_legal: []", "security_and_legal: [\"https://hooks.example.com:443/…abcd\"]");
    let e = config::apply(&state, Some(&ada), &hidden, false).await.unwrap_err();
    assert!(
        e.message.contains("audiences.security_and_legal[0]: \"https://hooks.example.com:443/…abcd\" is a hidden address this audience does not have"),
        "{}",
        e.message
    );

    // an edit is an update of just that item
    let edited = EXAMPLE.replace("delay_minutes: 10", "delay_minutes: 20").replace("name: Bob Martinez", "name: Bob Martínez");
    let lines: Vec<String> =
        config::apply(&state, Some(&ada), &edited, false).await.unwrap().plan.iter().filter(|c| c.action == Action::Update).map(|c| c.line()).collect();
    assert_eq!(lines, ["~ user \"bob@example.com\" (name)", "~ policy \"Payments escalation\" (steps)"]);
    assert_eq!(escalations::list(&mut conn).await.unwrap()[0].2.steps[1].delay_minutes, 20);
}

async fn errors_name_their_lines_and_nothing_is_written(b: Backend) {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let bad = EXAMPLE
        .replace("email: bob@example.com", "email: bob")
        .replace("time_zone: America/Chicago", "time_zone: Mars/Olympus")
        .replace("targets: [{schedule: Secondary on-call}]", "targets: [{schedule: Tertiary}]")
        .replace("escalation_policy: Payments escalation", "escalation_policy: Nope");
    let e = config::apply(&state, Some(&ada), &bad, false).await.unwrap_err();
    assert_eq!(e.status_code(), 400);
    let lines: Vec<&str> = e.message.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("line 19, users[1] \"bob\": email:")), "{}", e.message);
    assert!(lines.iter().any(|l| l.starts_with("line 19, users[1] \"bob\": time_zone: \"Mars/Olympus\"")), "{}", e.message);
    assert!(
        lines.iter().any(|l| l.contains("policies[0] \"Payments escalation\": steps[1].targets[0].schedule: there is no schedule named \"Tertiary\"")),
        "{}",
        e.message
    );
    assert!(lines.iter().any(|l| l.contains("services[0] \"payments\": escalation_policy: there is no escalation policy named \"Nope\"")), "{}", e.message);
    // a schedule naming someone in neither Klaxon nor the document
    let stranger = EXAMPLE.replace("users: [alice@example.com, bob@example.com, carol", "users: [zed@example.com, bob@example.com, carol");
    let e = config::apply(&state, Some(&ada), &stranger, true).await.unwrap_err();
    assert!(e.message.contains("schedules[0] \"Primary on-call\": layers[0].users[0]: nobody in the organisation has the email"), "{}", e.message);
    // YAML that is not a document, or has a field nobody knows: the parser's line
    let e = config::apply(&state, Some(&ada), "users:\n  - email: a@example.com\n    nmae: A\n", false).await.unwrap_err();
    assert!(e.message.contains("unknown field `nmae`") && e.message.contains("line 3"), "{}", e.message);
    let mut conn = state.db.pool().acquire().await.unwrap();
    assert_eq!(users::list(&mut conn).await.unwrap().len(), 1, "nothing was written");
    assert!(schedules::list(&mut conn).await.unwrap().is_empty());
    // only admins
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    assert_eq!(config::apply(&state, Some(&ben), EXAMPLE, true).await.unwrap_err().status_code(), 403);
    assert_eq!(config::export(&state, Some(&ben)).await.unwrap_err().status_code(), 403);
}

on_both_backends!(the_seed_terraform_applies_once, errors_name_their_lines_and_nothing_is_written);
