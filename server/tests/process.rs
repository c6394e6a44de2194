//! The real binary as a process: killed with SIGKILL during a burst of concurrent writes it
//! loses nothing it acknowledged and leaves nothing half-written; asked to stop with
//! SIGTERM it ends its live streams and exits within a few seconds.

mod common;

use app::on_both_backends;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::domain::event::EventKind;
use app::domain::incident::Incident;
use app::domain::war_room::WarRoom;
use app::server::db::Backend;
use app::server::testing::fresh_url;
use serde_json::json;
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_klaxon");
const PASSWORD: &str = "crash-test-password";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn command(db_url: &str, port: u16) -> Command {
    let mut c = Command::new(BIN);
    c.env("DATABASE_URL", db_url)
        .env("KLAXON_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    c
}

async fn start(db_url: &str, port: u16) -> Child {
    start_with(db_url, port, &[]).await
}

async fn start_with(db_url: &str, port: u16, env: &[(&str, &str)]) -> Child {
    app::server::outbound::install_tls();
    let mut child = command(db_url, port).envs(env.iter().copied()).arg("serve").spawn().expect("spawn klaxon");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await {
            if r.status() == 200 {
                return child;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("klaxon exited early: {status}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("klaxon did not become ready");
}

async fn signed_in(port: u16) -> reqwest::Client {
    let c = reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(10)).build().unwrap();
    let r = c.post(format!("http://127.0.0.1:{port}/api/login")).form(&[("email", "crash@example.com"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    c
}

async fn writes_survive_sigkill(backend: Backend) {
    let db_url = fresh_url(backend).await;
    // the CLI creates the account (and the schema)
    let mut add = command(&db_url, 0)
        .args(["user", "add", "--email", "crash@example.com", "--name", "Crash Test", "--role", "responder", "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = add.stdin.take().unwrap();
        stdin.write_all(format!("{PASSWORD}\n").as_bytes()).await.unwrap();
    }
    assert!(add.wait().await.unwrap().success());

    let port = free_port();
    let mut child = start(&db_url, port).await;
    let c = signed_in(port).await;
    let input = json!({ "input": { "title": "Crash test", "impact": "", "services": [], "answers": ["yes"] } });
    let r = c.post(format!("http://127.0.0.1:{port}/api/incidents/declare")).json(&input).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let incident: Incident = r.json().await.unwrap();

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = vec![];
    for w in 0..12 {
        let (c, acked) = (c.clone(), acked.clone());
        let url = format!("http://127.0.0.1:{port}/api/incidents/note");
        let id = incident.id.0.to_string();
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let body = format!("w{w}-n{n}");
                let form = [("id", id.as_str()), ("kind", "note"), ("body", body.as_str())];
                match c.post(&url).form(&form).send().await {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push(body),
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // kill mid-burst, once a fair number of writes have been acknowledged (how long that
    // takes depends on the machine's load; the burst keeps going meanwhile)
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while acked.lock().unwrap().len() < 40 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap(); // SIGKILL
    child.wait().await.unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 20, "the burst should have landed some writes first ({})", acked.len());

    let port = free_port();
    let _child = start(&db_url, port).await;
    let c = signed_in(port).await;
    let r = c.post(format!("http://127.0.0.1:{port}/api/incidents/war-room")).form(&[("id", incident.id.0.to_string())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let room: WarRoom = r.json().await.unwrap();
    let notes: Vec<String> = room
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::NoteAdded { body } => Some(body.clone()),
            _ => None,
        })
        .collect();
    for body in &acked {
        assert!(notes.contains(body), "acknowledged write {body} was lost");
    }
    let mut unique = notes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), notes.len(), "no note was written twice");
    // every note bumped the version exactly once, in the same transaction as its event
    assert_eq!(room.incident.version - incident.version, notes.len() as i64, "version and log agree");
    // at most the writes in flight at the kill may have landed without an answer
    assert!(notes.len() - acked.len() <= 12, "{} stored, {} acknowledged", notes.len(), acked.len());
}

async fn sigterm_ends_live_streams_and_exits(backend: Backend) {
    use futures::StreamExt;
    let db_url = fresh_url(backend).await;
    let bad = command(&db_url, 0)
        .args(["user", "add", "--email", "x@example.com", "--name", "X", "--role", "root", "--password-stdin"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains(r#""root" is not a role: use admin, responder or viewer"#),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let mut add = command(&db_url, 0)
        .args(["user", "add", "--email", "crash@example.com", "--name", "Crash Test", "--role", "viewer", "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt;
        add.stdin.take().unwrap().write_all(PASSWORD.as_bytes()).await.unwrap();
    }
    assert!(add.wait().await.unwrap().success());
    let port = free_port();
    let mut child = start_with(&db_url, port, &[("KLAXON_LIVE_PING_SECS", "1")]).await;
    let c = signed_in(port).await;
    let streams: Vec<_> = futures::future::join_all((0..3).map(|_| c.get(format!("http://127.0.0.1:{port}/live/incidents")).send())).await;
    let mut bodies = vec![];
    for s in streams {
        let s = s.unwrap();
        assert_eq!(s.status(), 200);
        bodies.push(s.bytes_stream());
    }
    // KLAXON_LIVE_PING_SECS reaches the streams: a keep-alive within two seconds
    let mut seen = String::new();
    let pinged = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(Ok(chunk)) = bodies[0].next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains(": ping") {
                return;
            }
        }
    })
    .await;
    assert!(pinged.is_ok(), "no keep-alive: {seen:?}");
    let pid = child.id().unwrap().to_string();
    let started = std::time::Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
    for mut b in bodies {
        let ended = tokio::time::timeout(Duration::from_secs(5), async { while let Some(Ok(_)) = b.next().await {} }).await;
        assert!(ended.is_ok(), "a live stream outlived shutdown");
    }
    let status = tokio::time::timeout(Duration::from_secs(8), child.wait()).await.expect("klaxon exits after SIGTERM").unwrap();
    assert!(status.success(), "clean exit, not {status}");
    assert!(started.elapsed() < Duration::from_secs(8));
}

on_both_backends!(
    writes_survive_sigkill,
    sigterm_ends_live_streams_and_exits,
    export_status_writes_the_public_site,
    config_as_code_from_the_command_line,
    escalation_survives_sigkill
);

/// An alert pages the primary; the process is killed (SIGKILL) and stays down past the next
/// step's time; on restart (two replicas at once on PostgreSQL) the overdue step fires once.
async fn escalation_survives_sigkill(b: Backend) {
    let url = fresh_url(b).await;
    let demo = command(&url, 0).arg("demo").output().await.unwrap();
    assert!(demo.status.success());
    let port = free_port();
    let mut first = start(&url, port).await;
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/v2/enqueue"))
        .json(&json!({ "routing_key": app::server::demo::DEMO_EVENTS_KEY, "event_action": "trigger", "dedup_key": "crash", "payload": { "summary": "Checkout down", "source": "test", "severity": "critical" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let db = app::server::db::Db::connect(&app::server::db::DbConfig::new(url.clone())).await.unwrap();
    let pages = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events WHERE stream = 'alert' AND kind = 'alert_paged'").fetch_one(db.pool()).await.unwrap()
    };
    for _ in 0..100 {
        if pages().await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(pages().await, 1, "the primary is paged at once");
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    // down for longer than the step's five minutes
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).timestamp_millis();
    sqlx::query("UPDATE alert_escalations SET due_at_ms = $1").bind(past).execute(db.pool()).await.unwrap();
    let replicas = if b == Backend::Postgres { 2 } else { 1 };
    let mut children = vec![];
    for _ in 0..replicas {
        children.push(start_with(&url, free_port(), &[("KLAXON_TIMER_INTERVAL_SECS", "1")]).await);
    }
    for _ in 0..100 {
        if pages().await >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(pages().await, 2, "the overdue step fired once after the restart");
    let step: i64 = sqlx::query_scalar("SELECT step FROM alert_escalations").fetch_one(db.pool()).await.unwrap();
    assert_eq!(step, 2, "and the alert waits for its third step");
    for mut c in children {
        c.start_kill().unwrap();
        c.wait().await.unwrap();
    }
    db.pool().close().await;
}

/// `klaxon config apply [--dry-run]` and `klaxon config export`, as an admin runs them.
async fn config_as_code_from_the_command_line(b: Backend) {
    let url = fresh_url(b).await;
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/oncall-team.yaml");
    let run = |args: Vec<String>| {
        let mut c = command(&url, free_port());
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c.output()
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let text = |o: &std::process::Output| (String::from_utf8_lossy(&o.stdout).to_string(), String::from_utf8_lossy(&o.stderr).to_string());

    // nobody to act as yet
    let out = run(args(&["config", "apply", "--dry-run", example])).await.unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("there is no admin yet"), "{:?}", text(&out));
    {
        let db = app::server::db::Db::connect(&app::server::db::DbConfig::new(url.clone())).await.unwrap();
        app::server::services::auth::add_user(&db, "ada@example.com", "Ada", app::domain::user::AccountRole::Admin, "a long enough password").await.unwrap();
        db.pool().close().await;
    }
    let out = run(args(&["config", "apply", "--dry-run", example])).await.unwrap();
    let (stdout, _) = text(&out);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("+ schedule \"Primary on-call\"") && stdout.contains("dry run: 13 change(s) planned, nothing changed"), "{stdout}");
    let out = run(args(&["config", "apply", example])).await.unwrap();
    let (stdout, _) = text(&out);
    assert!(stdout.contains("13 change(s) applied") && stdout.contains("new integration key payments/Prometheus: "), "{stdout}");

    // the export applies as nothing; logs never mix into it
    let out = run(args(&["config", "export"])).await.unwrap();
    let (exported, _) = text(&out);
    assert!(exported.starts_with("users:") && exported.contains("name: Primary on-call") && !exported.contains("INFO"), "{exported}");
    let file = std::env::temp_dir().join(format!("klaxon-team-{}-{}.yaml", std::process::id(), free_port()));
    std::fs::write(&file, &exported).unwrap();
    let out = run(args(&["config", "apply", "--dry-run", file.to_str().unwrap()])).await.unwrap();
    assert!(text(&out).0.contains("nothing to change"), "{:?}", text(&out));

    // a bad document: exit status 1, the line named, nothing changed
    std::fs::write(&file, exported.replace("delay_minutes: 10", "delay_minutes: ten")).unwrap();
    let out = run(args(&["config", "apply", file.to_str().unwrap()])).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("line "), "{:?}", text(&out));
    let _ = std::fs::remove_file(&file);
}

/// `klaxon demo` then `klaxon export-status --out DIR`: the public site as static files.
async fn export_status_writes_the_public_site(b: Backend) {
    let url = fresh_url(b).await;
    let out = std::env::temp_dir().join(format!("klaxon-export-{}-{}", std::process::id(), free_port()));
    let run = |args: &[&str]| {
        let mut c = command(&url, free_port());
        c.args(args).stdout(Stdio::piped());
        c.output()
    };
    let demo = run(&["demo"]).await.unwrap();
    assert!(demo.status.success(), "demo failed");
    // the resolved incident happened two months ago: the history has an older month
    {
        let db = app::server::db::Db::connect(&app::server::db::DbConfig::new(url.clone())).await.unwrap();
        sqlx::query("UPDATE events SET at_ms = at_ms - $1 WHERE stream = 'incident' AND stream_id = (SELECT stream_id FROM events WHERE payload LIKE '%Slow search suggestions%' LIMIT 1)")
            .bind(chrono::Duration::days(62).num_milliseconds())
            .execute(db.pool())
            .await
            .unwrap();
        db.pool().close().await;
    }
    let export = run(&["export-status", "--out", out.to_str().unwrap()]).await.unwrap();
    assert!(export.status.success(), "export failed");
    assert!(String::from_utf8_lossy(&export.stdout).contains("wrote"));
    let read = |rel: &str| std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let page = read("status/index.html");
    assert!(page.contains("Example Status") && page.contains("Checkout failures"));
    assert_eq!(read("index.html"), page);
    // every month has its own page, linked from the next one by path
    let link = |html: &str, rel: &str| {
        let at = html.find(&format!(r#"rel="{rel}" href="/status/history/"#)).unwrap_or_else(|| panic!("no {rel} link"));
        html[at..].split('"').nth(3).unwrap().to_string()
    };
    let this_month = read("status/history/index.html");
    assert!(this_month.contains("Checkout failures") && !this_month.contains("Slow search suggestions"));
    let older = link(&this_month, "prev");
    let old_page = read(&format!("{}/index.html", older.trim_start_matches('/')));
    assert!(old_page.contains("Slow search suggestions"), "{older}");
    let newer = link(&old_page, "next");
    let newer_page = read(&format!("{}/index.html", newer.trim_start_matches('/')));
    assert!(newer_page.contains("Checkout failures") && !newer_page.contains("Slow search suggestions"), "{newer}");
    let summary: serde_json::Value = serde_json::from_str(&read("api/v2/summary.json")).unwrap();
    assert_eq!(summary["page"]["name"], "Example Status");
    let incidents: serde_json::Value = serde_json::from_str(&read("api/v2/incidents.json")).unwrap();
    for i in incidents["incidents"].as_array().unwrap() {
        let id = i["id"].as_str().unwrap();
        assert!(read(&format!("status/incidents/{id}/index.html")).contains(i["name"].as_str().unwrap()));
    }
    assert!(feed_rs::parser::parse(read("status/history.rss").as_bytes()).is_ok());
    assert!(feed_rs::parser::parse(read("status/history.atom").as_bytes()).is_ok());
    // nothing internal, no half-written files
    for entry in walk(&out) {
        let name = entry.to_string_lossy().to_string();
        assert!(!name.ends_with(".klaxon-tmp"), "{name}");
        if name.ends_with(".html") || name.ends_with(".json") || name.ends_with(".rss") || name.ends_with(".atom") {
            let body = std::fs::read_to_string(&entry).unwrap();
            for secret in ["Checkout errors", "502s come from the payments upstream", "Search suggestions slow"] {
                assert!(!body.contains(secret), "{secret:?} in {name}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
