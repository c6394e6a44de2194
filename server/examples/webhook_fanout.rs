//! Webhook fan-out benchmark client (run by `bench/webhook-fanout`): N confirmed
//! subscribers, each its own address on a local receiver; one public update is posted and
//! the program prints how long it took until every subscriber had its delivery.
//!
//! One subscription goes through the front door (`POST /status/subscriptions`, confirmed by
//! echoing the challenge), to show the path works; the others are written straight into the
//! database as confirmed subscriptions, since subscribing is rate-limited per client and
//! this one machine is a single client.
//!
//! usage: webhook_fanout BASE_URL DATABASE_URL SUBSCRIBERS [INCIDENT_ID]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{json, Value};

#[derive(Default)]
struct Seen {
    /// The subscriber numbers that got the update, and when the last one arrived.
    got: HashSet<usize>,
    duplicates: usize,
    last: Option<Instant>,
}

async fn receive(seen: Arc<Mutex<Seen>>, n: usize, body: Value) -> axum::response::Response {
    if body["type"] == "subscription_confirmation" {
        return axum::Json(json!({ "challenge": body["challenge"] })).into_response();
    }
    let mut s = seen.lock().unwrap();
    if !s.got.insert(n) {
        s.duplicates += 1;
    }
    s.last = Some(Instant::now());
    axum::http::StatusCode::NO_CONTENT.into_response()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).expect("BASE_URL").trim_end_matches('/').to_string();
    let database_url = args.get(2).expect("DATABASE_URL").clone();
    let n: usize = args.get(3).expect("SUBSCRIBERS").parse().expect("a number of subscribers");
    let incident: i64 = args.get(4).map(|s| s.parse().expect("an incident id")).unwrap_or(1);

    app::server::outbound::install_tls();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    let app = axum::Router::new()
        .route("/hook/{n}", axum::routing::post(move |Path(i): Path<usize>, axum::Json(body): axum::Json<Value>| receive(s.clone(), i, body)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // subscriber 0 through the front door
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let r = http.post(format!("{base}/status/subscriptions")).json(&json!({ "url": format!("http://127.0.0.1:{port}/hook/0") })).send().await.unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap();
    assert_eq!((status.as_u16(), &answer["confirmed"]), (201, &json!(true)), "subscribing through the front door: {answer}");

    // the others straight into the database, confirmed
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&database_url).await.expect("the benchmark's database");
    let now_ms = chrono::Utc::now().timestamp_millis();
    let started = Instant::now();
    let mut tx = db.begin().await.unwrap();
    for i in 1..n {
        let token = format!("{:064x}", i);
        let challenge = format!("{:064x}", i + 1_000_000_000);
        sqlx::query("INSERT INTO webhook_subscriptions (url, token, confirm_token, confirmed_at_ms, created_at_ms) VALUES ($1, $2, $3, $4, $4)")
            .bind(format!("http://127.0.0.1:{port}/hook/{i}"))
            .bind(token)
            .bind(challenge)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    println!("{n} confirmed subscribers ({} written in {:.1}s)", n - 1, started.elapsed().as_secs_f64());

    let login = http.post(format!("{base}/api/login")).form(&[("email", "ben@example.com"), ("password", "klaxon-demo")]).send().await.unwrap();
    assert!(login.status().is_success(), "sign in failed: {}", login.status());
    let update = json!({
        "id": incident,
        "update": { "title": "Checkout problems", "status": "identified", "body": "We found the cause and are fixing it.", "impact": "major", "components": [] },
    });
    let posted = Instant::now();
    let r = http.post(format!("{base}/api/incidents/public-update")).json(&update).send().await.unwrap();
    assert!(r.status().is_success(), "posting the update failed: {} {}", r.status(), r.text().await.unwrap_or_default());
    let answered = posted.elapsed();

    let deadline = posted + Duration::from_secs(300);
    loop {
        let done = seen.lock().unwrap().got.len();
        if done >= n || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let s = seen.lock().unwrap();
    let all = s.last.map(|l| l - posted).unwrap_or_default();
    println!("posting the update answered in {:.0} ms", answered.as_secs_f64() * 1000.0);
    println!(
        "{} of {n} subscribers received it; the last {:.2} s after it was posted ({:.0} deliveries/s); {} duplicates",
        s.got.len(),
        all.as_secs_f64(),
        s.got.len() as f64 / all.as_secs_f64().max(0.001),
        s.duplicates
    );
    if s.got.len() < n {
        eprintln!("not every subscriber received the update within five minutes");
        std::process::exit(1);
    }
}
