//! Paging in the store: the seeds' escalation policy (primary, then secondary after 5
//! minutes, then the manager after 10 more, twice) pages the right people at the right
//! times from an Events API v2 trigger; acknowledging stops it; each step fires once when
//! two replicas run the pager at once, after a pause as long as a crash.

use app::domain::alert::KeyKind;
use app::domain::events_v2::{Action, SAMPLE_TRIGGER};
use app::domain::ids::AlertId;
use app::domain::log::{Cursor, Stream};
use app::domain::user::{AccountRole, CurrentUser};
use app::on_both_backends;
use app::server::db::{Backend, Db, DbConfig};
use app::server::repo::log::Part;
use app::server::repo::{alerts, catalog, escalations};
use app::server::services::{alerts as answers, ingest, integrations, notifications, oncall, paging, policies};
use app::server::state::AppState;
use app::server::testing::{fresh_state, settled_log, user};
use chrono::{Duration, SecondsFormat, Utc};

const POLICY: &str = "name: Payments\nrepeat: 1\nsteps:\n  - delay_minutes: 5\n    targets: [{schedule: Primary}]\n  - delay_minutes: 10\n    targets: [{schedule: Secondary}]\n  - delay_minutes: 15\n    targets: [{user: max@example.com}]\n";

/// A weekly rotation of one person that began a day ago.
fn weekly(name: &str, who: &str) -> String {
    let start = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    format!("name: {name}\ntime_zone: America/New_York\nlayers:\n  - name: Weekly\n    start: {start}\n    rotation_virtual_start: {start}\n    rotation_turn_length_seconds: 604800\n    users: [{who}@example.com]\n")
}

struct Org {
    state: AppState,
    ben: CurrentUser,
    cleo: CurrentUser,
    max: CurrentUser,
    key: String,
}

/// Ben is the primary, Cleo the secondary, Max the manager; checkout pages through the seeds' policy.
async fn org(b: Backend) -> Org {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let max = user(&state.db, "Max", AccountRole::Responder).await;
    oncall::save_yaml(&state, Some(&ada), None, None, &weekly("Primary", "ben")).await.unwrap();
    oncall::save_yaml(&state, Some(&ada), None, None, &weekly("Secondary", "cleo")).await.unwrap();
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
    }
    policies::save_yaml(&state, Some(&ada), POLICY).await.unwrap();
    policies::assign(&state, Some(&ada), "checkout", Some("Payments")).await.unwrap();
    let (_, key) = integrations::create(&state, Some(&ada), "checkout", "Prometheus", KeyKind::EventsV2).await.unwrap();
    Org { state, ben, cleo, max, key }
}

async fn trigger(o: &Org) -> AlertId {
    ingest::enqueue(&o.state, SAMPLE_TRIGGER.replace("ROUTING_KEY", &o.key).as_bytes()).await.unwrap();
    let mut conn = o.state.db.pool().acquire().await.unwrap();
    alerts::list(&mut conn, 1).await.unwrap()[0].id
}

async fn pages(state: &AppState, who: &CurrentUser) -> Vec<String> {
    notifications::inbox(state, Some(who)).await.unwrap().into_iter().map(|i| i.text).filter(|t| t.starts_with("Page:")).collect()
}

async fn the_seed_policy_escalates_until_acknowledged(b: Backend) {
    let o = org(b).await;
    let t = Utc::now();
    let id = trigger(&o).await;
    assert_eq!(paging::page_due(&o.state, t + Duration::seconds(1)).await.unwrap(), 1, "the primary at once");
    assert_eq!(pages(&o.state, &o.ben).await, ["Page: Example alert on host1.example.com"]);
    assert_eq!(paging::page_due(&o.state, t + Duration::minutes(4)).await.unwrap(), 0, "the secondary waits 5 minutes");
    assert!(pages(&o.state, &o.cleo).await.is_empty());
    assert_eq!(paging::page_due(&o.state, t + Duration::minutes(5) + Duration::seconds(1)).await.unwrap(), 1);
    assert_eq!(pages(&o.state, &o.cleo).await.len(), 1, "nobody acknowledged: the secondary");
    assert_eq!(paging::page_due(&o.state, t + Duration::minutes(15) + Duration::seconds(1)).await.unwrap(), 1);
    assert_eq!(pages(&o.state, &o.max).await.len(), 1, "then the manager");
    // Ben acknowledges: no more pages, however long nobody else answers
    answers::answer(&o.state, Some(&o.ben), id, Action::Acknowledge).await.unwrap();
    assert_eq!(paging::page_due(&o.state, t + Duration::hours(3)).await.unwrap(), 0);
    assert_eq!(pages(&o.state, &o.ben).await.len(), 1);
    let e = answers::answer(&o.state, Some(&o.cleo), id, Action::Acknowledge).await.unwrap_err();
    assert_eq!(e.status_code(), 409);
    answers::answer(&o.state, Some(&o.cleo), id, Action::Resolve).await.unwrap();
    // the alert's log says it all, in order
    let view = answers::view(&o.state, Some(&o.max), id).await.unwrap();
    let lines: Vec<&str> = view.log.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        lines,
        [
            "Triggered (critical) by monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003: Example alert on host1.example.com",
            "Escalation step 1: paged Ben",
            "Escalation step 2: paged Cleo",
            "Escalation step 3: paged Max",
            "Acknowledged by Ben",
            "Resolved by Cleo",
        ]
    );
}

async fn a_step_with_nobody_on_call_says_so_and_maintenance_holds_pages(b: Backend) {
    let o = org(b).await;
    let ada = user(&o.state.db, "Ada", AccountRole::Admin).await;
    // the secondary's rotation ended an hour ago: its step pages nobody, visibly
    let secondary = oncall::overview(&o.state, Some(&ada)).await.unwrap().schedules.into_iter().find(|s| s.name == "Secondary").unwrap().id;
    let ended = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    oncall::save_yaml(&o.state, Some(&ada), Some(secondary), Some(1), &format!("{}    end: {ended}\n", weekly("Secondary", "cleo"))).await.unwrap();
    // the admins were warned ahead: step 2 has nobody for the next 30 days
    let overview = policies::overview(&o.state, Some(&ada)).await.unwrap();
    let payments = overview.policies.iter().find(|p| p.name == "Payments").unwrap();
    assert_eq!(payments.gaps.len(), 1, "{:?}", payments.gaps);
    let (step, stretches, from, to) = payments.gaps[0];
    assert_eq!((step, stretches), (1, 1));
    assert!(to - from > Duration::days(29), "{from} – {to}");
    assert_eq!(overview.services[0].policy.as_deref(), Some("Payments"));
    let t = Utc::now();
    let id = trigger(&o).await;
    paging::page_due(&o.state, t + Duration::minutes(6)).await.unwrap();
    paging::page_due(&o.state, t + Duration::minutes(6)).await.unwrap();
    let view = answers::view(&o.state, Some(&o.max), id).await.unwrap();
    let lines: Vec<&str> = view.log.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(lines[1..], ["Escalation step 1: paged Ben", "Escalation step 2 skipped: nobody on call on Secondary"]);
    // in maintenance, a new alert opens but pages nobody
    answers::answer(&o.state, Some(&o.ben), id, Action::Resolve).await.unwrap();
    policies::set_maintenance(&o.state, Some(&ada), "checkout", true).await.unwrap();
    let held = trigger(&o).await;
    assert_ne!(held, id);
    assert_eq!(paging::page_due(&o.state, t + Duration::hours(1)).await.unwrap(), 0);
    let mut conn = o.state.db.pool().acquire().await.unwrap();
    assert!(escalations::of_alert(&mut conn, held).await.unwrap().is_none());
    // bad policies name the field, and store nothing
    let e = policies::save_yaml(&o.state, Some(&ada), &POLICY.replace("{schedule: Primary}", "{schedule: Primry}")).await.unwrap_err();
    assert!(e.message.starts_with("steps[0].targets[0].schedule:"), "{}", e.message);
    assert_eq!(policies::save_yaml(&o.state, Some(&o.ben), POLICY).await.unwrap_err().status_code(), 403);
    assert!(policies::assign(&o.state, Some(&ada), "checkout", Some("Nope")).await.unwrap_err().message.starts_with("policy:"));
}

/// After a pause as long as a crash, two replicas run the pager at once: every overdue
/// step fires exactly once, in order.
async fn each_step_fires_once_across_replicas(b: Backend) {
    let o = org(b).await;
    let t = Utc::now();
    let id = trigger(&o).await;
    let other = match b {
        Backend::Postgres => AppState::new(o.state.leptos_options.clone(), Db::connect(&DbConfig::new(o.state.db.url())).await.unwrap()),
        Backend::Sqlite => o.state.clone(),
    };
    let at = t + Duration::minutes(20);
    let mut fired = 0;
    loop {
        let (x, y) = tokio::join!(paging::page_due(&o.state, at), paging::page_due(&other, at));
        let n = x.unwrap() + y.unwrap();
        if n == 0 {
            break;
        }
        fired += n;
    }
    assert_eq!(fired, 3, "steps 1, 2 and 3 were due by then; round 2 is not");
    let paged: Vec<String> = settled_log(&o.state.db, Part::One(app::domain::log::StreamRef::alert(id)), Cursor::START)
        .await
        .into_iter()
        .filter(|r| r.kind == "alert_paged")
        .map(|r| r.payload)
        .collect();
    assert_eq!(paged.len(), 3);
    for (n, who) in [(0, "Ben"), (1, "Cleo"), (2, "Max")] {
        assert!(paged[n].contains(&format!("\"step\":{n}")) && paged[n].contains(who), "{}", paged[n]);
    }
    assert_eq!(pages(&o.state, &o.ben).await.len(), 1);
    assert_eq!(settled_log(&o.state.db, Part::Kind(Stream::Alert), Cursor::START).await.len(), 4);
}

/// An incident declared from an alert: detected when the alert was raised, linked both ways.
async fn an_incident_declared_from_an_alert_is_linked_both_ways(b: Backend) {
    use app::domain::incident::{DeclareInput, Severity};
    let o = org(b).await;
    let id = trigger(&o).await;
    let raised = answers::view(&o.state, Some(&o.ben), id).await.unwrap().alert.created_at;
    let input = DeclareInput {
        title: "Checkout failing".into(),
        services: vec!["checkout".into()],
        severity: Some(Severity::Sev2),
        alert: Some(id),
        ..Default::default()
    };
    let incident = app::server::services::incidents::declare(&o.state, Some(&o.ben), input.clone()).await.unwrap();
    assert_eq!(incident.detected_at, raised, "detected when the alert was raised");
    let mut conn = o.state.db.pool().acquire().await.unwrap();
    let (events, _) = app::server::repo::events::for_incident(&mut conn, incident.id).await.unwrap();
    assert!(events.iter().any(|e| e.kind.summary() == "Link added: Alert: Example alert on host1.example.com"), "{events:?}");
    let log = answers::view(&o.state, Some(&o.ben), id).await.unwrap().log;
    assert_eq!(log.last().unwrap().1, format!("Incident {} declared: Checkout failing", incident.id));
    let e = app::server::services::incidents::declare(&o.state, Some(&o.ben), DeclareInput { alert: Some(AlertId(999)), ..input }).await.unwrap_err();
    assert!(e.status_code() == 400 && e.message.starts_with("alert:"), "{e:?}");
}

/// The war room of an incident from an alert shows the alert and its log, the service's
/// recent changes (a deploy shortly before detection marked as a suspect, one from days ago
/// left out), and flags an alert whose service has no runbook; once the alert is
/// acknowledged, the responder says whether it was actionable.
async fn the_war_room_shows_where_the_incident_came_from(b: Backend) {
    use app::domain::alert::{AlertState, Verdict};
    use app::domain::incident::{DeclareInput, Severity};
    let o = org(b).await;
    let change = |summary: &str, ago: Duration| {
        let at = (Utc::now() - ago).to_rfc3339_opts(SecondsFormat::Millis, true);
        format!(r#"{{"routing_key":"{}","payload":{{"summary":"{summary}","timestamp":"{at}","source":"ci"}}}}"#, o.key)
    };
    ingest::change(&o.state, change("Deployed checkout v41", Duration::days(3)).as_bytes()).await.unwrap();
    ingest::change(&o.state, change("Deployed checkout v42", Duration::minutes(20)).as_bytes()).await.unwrap();
    let id = trigger(&o).await;
    // declared naming no service: the alert's service is the incident's
    let input = DeclareInput { title: "Checkout failing".into(), severity: Some(Severity::Sev2), alert: Some(id), ..Default::default() };
    let incident = app::server::services::incidents::declare(&o.state, Some(&o.ben), input).await.unwrap();
    assert_eq!(incident.services.iter().map(|s| s.slug.as_str()).collect::<Vec<_>>(), ["checkout"]);
    let room = app::server::services::war_room::load(&o.state, Some(&o.ben), incident.id).await.unwrap();
    let c = &room.context;
    assert_eq!(c.alerts.len(), 1);
    assert_eq!(c.alerts[0].alert.id, id);
    assert!(c.alerts[0].log.iter().any(|(_, l)| l.starts_with("Incident") && l.ends_with("declared: Checkout failing")), "{:?}", c.alerts[0].log);
    assert_eq!(c.without_runbook(), ["Checkout"], "no runbook: an alert without context");
    let changes: Vec<(&str, bool)> = c.changes.iter().map(|c| (c.summary.as_str(), c.suspect)).collect();
    assert_eq!(changes, [("Deployed checkout v42", true)], "only the last day's changes, the one just before detection a suspect");

    // with a runbook for checkout the flag goes
    let ada = user(&o.state.db, "Ada2", AccountRole::Admin).await;
    let yaml = "metadata:\n  title: Checkout errors\n  service: checkout\ndiagnosis:\n  - step: Look at the error rate\n";
    app::server::services::runbooks::save_yaml(&o.state, Some(&ada), None, yaml).await.unwrap();
    let room = app::server::services::war_room::load(&o.state, Some(&o.ben), incident.id).await.unwrap();
    assert!(room.context.without_runbook().is_empty());
    assert_eq!(room.runbooks.len(), 1);

    // judged only once looked at; saying again replaces the verdict, and the log keeps both
    let e = answers::judge(&o.state, Some(&o.ben), id, Verdict::Noise).await.unwrap_err();
    assert_eq!(e.status_code(), 409, "{e:?}");
    answers::answer(&o.state, Some(&o.ben), id, Action::Acknowledge).await.unwrap();
    answers::judge(&o.state, Some(&o.ben), id, Verdict::Noise).await.unwrap();
    answers::judge(&o.state, Some(&o.cleo), id, Verdict::Actionable).await.unwrap();
    let v = answers::view(&o.state, Some(&o.ben), id).await.unwrap();
    assert_eq!((v.alert.state, v.alert.verdict), (AlertState::Acknowledged, Some(Verdict::Actionable)));
    let lines: Vec<&str> = v.log.iter().map(|(_, l)| l.as_str()).filter(|l| l.starts_with("Marked")).collect();
    assert_eq!(lines, ["Marked as noise by Ben", "Marked actionable by Cleo"]);
    let e = answers::judge(&o.state, Some(&o.ben), AlertId(999), Verdict::Noise).await.unwrap_err();
    assert_eq!(e.status_code(), 404);
}

/// An event for dedup key `key`: a trigger (a copy of PagerDuty's sample), or an
/// acknowledgement or resolve.
fn event(o: &Org, action: &str, key: &str) -> String {
    match action {
        "trigger" => SAMPLE_TRIGGER.replace("ROUTING_KEY", &o.key).replace("samplekeyhere", key),
        _ => format!(r#"{{"routing_key":"{}","event_action":"{action}","dedup_key":"{key}"}}"#, o.key),
    }
}

/// Many sources sending at once: their events are applied many to a transaction, yet each
/// key's events keep their order and each lands exactly as it would alone.
async fn a_burst_of_events_lands_in_order(b: Backend) {
    let o = std::sync::Arc::new(org(b).await);
    let mut senders = vec![];
    for n in 0..40 {
        let o = o.clone();
        senders.push(tokio::spawn(async move {
            let key = format!("burst-{n}");
            for action in ["trigger", "trigger", "acknowledge", "resolve", "trigger"] {
                let applied = ingest::enqueue(&o.state, event(&o, action, &key).as_bytes()).await;
                assert_eq!(applied.unwrap(), key, "{action} of {key}");
            }
            // nothing open under this one: kept as received
            ingest::enqueue(&o.state, event(&o, "acknowledge", &format!("ghost-{n}")).as_bytes()).await.unwrap();
        }));
    }
    for s in senders {
        s.await.unwrap();
    }
    let mut conn = o.state.db.pool().acquire().await.unwrap();
    let service = catalog::by_slug(&mut conn, "checkout").await.unwrap().unwrap().id;
    for n in 0..40 {
        let key = format!("burst-{n}");
        assert_eq!(alerts::count(&mut conn, service, &key).await.unwrap(), (2, 1), "{key}: one resolved, one open");
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM alerts WHERE dedup_key = $1 ORDER BY id").bind(key.clone()).fetch_all(&mut *conn).await.unwrap();
        let (first, second) = (AlertId(ids[0]), AlertId(ids[1]));
        let db = &o.state.db;
        let kinds = |id| async move {
            settled_log(db, Part::One(app::domain::log::StreamRef::alert(id)), Cursor::START).await.into_iter().map(|r| r.kind).collect::<Vec<_>>()
        };
        assert_eq!(kinds(first).await, ["alert_triggered", "alert_repeated", "alert_acknowledged", "alert_resolved"], "{key}");
        assert_eq!(kinds(second).await, ["alert_triggered"], "{key}");
        assert!(escalations::of_alert(&mut conn, first).await.unwrap().is_none(), "{key}: acknowledged, so not escalating");
        assert!(escalations::of_alert(&mut conn, second).await.unwrap().is_some(), "{key}: the new alert escalates");
    }
    let unmatched = alerts::unmatched(&mut conn, service).await.unwrap();
    assert_eq!(unmatched.iter().filter(|(_, k, _)| k.starts_with("ghost-")).count(), 40);
}

on_both_backends!(
    an_incident_declared_from_an_alert_is_linked_both_ways,
    the_war_room_shows_where_the_incident_came_from,
    the_seed_policy_escalates_until_acknowledged,
    a_step_with_nobody_on_call_says_so_and_maintenance_holds_pages,
    each_step_fires_once_across_replicas,
    a_burst_of_events_lands_in_order
);
