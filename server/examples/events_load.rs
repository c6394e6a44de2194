//! Events API v2 load benchmark client (run by `bench/events-v2`): triggers at rising
//! concurrency, with distinct and with repeated dedup keys, while a war room is written to;
//! then a storm of distinct alerts whose every escalation step must fire exactly once.
//!
//! usage: events_load BASE_URL DATABASE_URL LOAD_KEY STORM_KEY [SECONDS] [STORM]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Latencies in microseconds: (p50, p99) in milliseconds.
fn percentiles(mut v: Vec<u64>) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_unstable();
    let at = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)] as f64 / 1000.0;
    (at(0.50), at(0.99))
}

async fn trigger(http: &reqwest::Client, base: &str, key: &str, dedup: &str) -> bool {
    let body = json!({
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": { "summary": format!("Load {dedup}"), "source": "bench", "severity": "error" },
    });
    matches!(http.post(format!("{base}/v2/enqueue")).json(&body).send().await, Ok(r) if r.status() == 202)
}

/// Notes written to the war room one after another until `stop`, each one's latency kept.
async fn war_room_writer(http: reqwest::Client, base: String, incident: i64, stop: Arc<AtomicBool>, every: Duration) -> Vec<u64> {
    let mut out = vec![];
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let t = Instant::now();
        let r = http
            .post(format!("{base}/api/incidents/note"))
            .form(&[("id", incident.to_string()), ("kind", "note".into()), ("body", format!("bench note {n}"))])
            .send()
            .await;
        assert!(matches!(&r, Ok(r) if r.status().is_success()), "a war-room note failed: {r:?}");
        out.push(t.elapsed().as_micros() as u64);
        tokio::time::sleep(every).await;
    }
    out
}

/// `concurrency` senders for `secs` seconds; `distinct` dedup keys or ten repeated ones.
async fn load(base: &str, key: &str, concurrency: usize, secs: u64, distinct: bool, run: usize) -> (f64, (f64, f64), u64) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut tasks = vec![];
    for t in 0..concurrency {
        let (http, base, key, latencies, errors) = (http.clone(), base.to_string(), key.to_string(), latencies.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = vec![];
            let mut i = 0u64;
            while Instant::now() < end {
                i += 1;
                let dedup = if distinct { format!("r{run}-t{t}-{i}") } else { format!("repeat-{}", i % 10) };
                let started = Instant::now();
                if !trigger(&http, &base, &key, &dedup).await {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                mine.push(started.elapsed().as_micros() as u64);
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    let took = started.elapsed().as_secs_f64();
    let all = std::mem::take(&mut *latencies.lock().unwrap());
    let n = all.len() as f64;
    (n / took, percentiles(all), errors.load(Ordering::Relaxed))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).expect("BASE_URL").trim_end_matches('/').to_string();
    let database_url = args.get(2).expect("DATABASE_URL").clone();
    let load_key = args.get(3).expect("LOAD_KEY").clone();
    let storm_key = args.get(4).expect("STORM_KEY").clone();
    let secs: u64 = args.get(5).map(|s| s.parse().expect("SECONDS")).unwrap_or(10);
    let storm: usize = args.get(6).map(|s| s.parse().expect("STORM")).unwrap_or(10_000);
    app::server::outbound::install_tls();

    // a responder in a war room of their own
    let ben = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let r = ben.post(format!("{base}/api/login")).form(&[("email", "ben@example.com"), ("password", app::server::demo::DEMO_PASSWORD)]).send().await.unwrap();
    assert!(r.status().is_success(), "sign in: {}", r.status());
    let declared: Value = ben
        .post(format!("{base}/api/incidents/declare"))
        .json(&json!({ "input": { "title": "Bench war room", "impact": "", "services": ["checkout"], "answers": [], "severity": "sev3" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let incident = declared["id"].as_i64().unwrap_or_else(|| panic!("declare: {declared}"));

    let quiet = {
        let stop = Arc::new(AtomicBool::new(false));
        let writer = tokio::spawn(war_room_writer(ben.clone(), base.clone(), incident, stop.clone(), Duration::from_millis(20)));
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        percentiles(writer.await.unwrap())
    };
    println!("war-room note, no alert load:       p50 {:6.2} ms  p99 {:6.2} ms", quiet.0, quiet.1);
    println!("{:<9} {:>5} {:>9} {:>9} {:>9} {:>7}   {:>19}", "dedup", "conns", "req/s", "p50 ms", "p99 ms", "errors", "war-room p50 / p99");
    let mut run = 0;
    for concurrency in [16, 64, 256] {
        for distinct in [true, false] {
            run += 1;
            let stop = Arc::new(AtomicBool::new(false));
            let writer = tokio::spawn(war_room_writer(ben.clone(), base.clone(), incident, stop.clone(), Duration::from_millis(20)));
            let (rate, (p50, p99), errors) = load(&base, &load_key, concurrency, secs, distinct, run).await;
            stop.store(true, Ordering::Relaxed);
            let (w50, w99) = percentiles(writer.await.unwrap());
            println!(
                "{:<9} {concurrency:>5} {rate:>9.0} {p50:>9.2} {p99:>9.2} {errors:>7}   {w50:>8.2} / {w99:>8.2} ms",
                if distinct { "distinct" } else { "repeated" }
            );
        }
    }

    // the storm: distinct alerts on a service whose policy pages the primary, then after a
    // minute the secondary; every alert stored, each step fired exactly once
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let per = storm.div_ceil(64);
    let mut tasks = vec![];
    for t in 0..64 {
        let (http, base, key, sent, failed) = (http.clone(), base.clone(), storm_key.clone(), sent.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            for i in (t * per)..((t + 1) * per).min(storm) {
                if trigger(&http, &base, &key, &format!("storm-{i}")).await {
                    sent.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let took = started.elapsed();
    println!(
        "storm: {} distinct alerts accepted in {:.1} s ({:.0}/s), {} refused",
        sent.load(Ordering::Relaxed),
        took.as_secs_f64(),
        sent.load(Ordering::Relaxed) as f64 / took.as_secs_f64(),
        failed.load(Ordering::Relaxed)
    );
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&database_url).await.expect("the benchmark's database");
    let count = |sql: &'static str| {
        let db = db.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&db).await.unwrap() }
    };
    const STORED: &str = "SELECT COUNT(*) FROM alerts a JOIN services s ON s.id = a.service_id WHERE s.slug = 'storm'";
    const PAGES: &str = "SELECT COUNT(*) FROM events e JOIN alerts a ON e.stream = 'alert' AND a.id = e.stream_id JOIN services s ON s.id = a.service_id \
                         WHERE s.slug = 'storm' AND e.kind = 'alert_paged'";
    const TWICE: &str = "SELECT COUNT(*) FROM (SELECT e.stream_id, e.payload FROM events e JOIN alerts a ON e.stream = 'alert' AND a.id = e.stream_id \
                         JOIN services s ON s.id = a.service_id WHERE s.slug = 'storm' AND e.kind = 'alert_paged' GROUP BY e.stream_id, e.payload HAVING COUNT(*) > 1) d";
    let waited = Instant::now();
    let want = 2 * storm as i64;
    let mut pages = 0;
    while waited.elapsed() < Duration::from_secs(240) {
        pages = count(PAGES).await;
        if pages >= want {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    println!(
        "storm: {} alerts stored; {pages} of {want} escalation steps fired (both steps of every alert) {:.0} s after the storm; {} fired more than once",
        count(STORED).await,
        (took + waited.elapsed()).as_secs_f64(),
        count(TWICE).await
    );
}
