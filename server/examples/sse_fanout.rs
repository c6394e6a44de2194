//! SSE fan-out benchmark client (run by `bench/sse-fanout`): opens N idle subscribers on one
//! incident topic, plus a few that stop reading, publishes events, and prints how long each
//! event took to reach every reading subscriber, and the server's memory per subscriber.
//!
//! usage: sse_fanout BASE_URL INCIDENT_ID SUBSCRIBERS SERVER_PID [ROUNDS] [NOTE_BYTES]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct Shared {
    /// When the current round's event was sent.
    sent: Mutex<Option<(String, Instant)>>,
    /// Arrival delays of the current round.
    delays: Mutex<Vec<Duration>>,
    connected: AtomicUsize,
}

async fn subscriber(addr: String, path: String, cookie: String, shared: Arc<Shared>, reading: bool, permits: Arc<Semaphore>) {
    let permit = permits.acquire().await.unwrap();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut reader = BufReader::with_capacity(4096, stream);
    let mut line = String::new();
    // headers, then the server's first comment
    loop {
        line.clear();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            panic!("closed before the stream began");
        }
        if line.starts_with(": live") {
            break;
        }
    }
    drop(permit);
    shared.connected.fetch_add(1, Ordering::SeqCst);
    if !reading {
        // a subscriber that stops reading: hold the connection open, read nothing
        std::future::pending::<()>().await;
    }
    loop {
        line.clear();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        if line.starts_with("data:") {
            let now = Instant::now();
            let sent = shared.sent.lock().unwrap().clone();
            if let Some((marker, at)) = sent {
                if line.contains(&marker) {
                    shared.delays.lock().unwrap().push(now - at);
                }
            }
        }
    }
}

#[tokio::main]
async fn main() {
    app::server::services::webhooks::install_tls();
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: sse_fanout BASE_URL INCIDENT_ID SUBSCRIBERS SERVER_PID [ROUNDS] [NOTE_BYTES]");
        std::process::exit(2);
    }
    let base = args[1].trim_end_matches('/').to_string();
    let incident: i64 = args[2].parse().unwrap();
    let n: usize = args[3].parse().unwrap();
    let pid: u32 = args[4].parse().unwrap();
    let rounds: usize = args.get(5).map(|r| r.parse().unwrap()).unwrap_or(5);
    let note_bytes: usize = args.get(6).map(|r| r.parse().unwrap()).unwrap_or(200);
    let stalled = (n / 100).max(1);
    let addr = base.trim_start_matches("http://").to_string();

    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = http.post(format!("{base}/api/login")).form(&[("email", "ben@example.com"), ("password", "klaxon-demo")]).send().await.unwrap();
    assert!(login.status().is_success(), "sign in failed: {}", login.status());
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");

    let shared = Arc::new(Shared { sent: Mutex::new(None), delays: Mutex::new(vec![]), connected: AtomicUsize::new(0) });
    let rss_before = rss_kib(pid);
    let path = format!("/live/incident:{incident}");
    let permits = Arc::new(Semaphore::new(256));
    let started = Instant::now();
    for i in 0..n + stalled {
        tokio::spawn(subscriber(addr.clone(), path.clone(), cookie.clone(), shared.clone(), i < n, permits.clone()));
    }
    while shared.connected.load(Ordering::SeqCst) < n + stalled {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if started.elapsed() > Duration::from_secs(300) {
            panic!("only {} of {} subscribers connected", shared.connected.load(Ordering::SeqCst), n + stalled);
        }
    }
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss_kib(pid);
    let per_sub = (rss_after.saturating_sub(rss_before)) as f64 / (n + stalled) as f64;

    let mut all = vec![];
    for round in 0..rounds {
        let marker = format!("bench-{round}-{}", started.elapsed().as_nanos());
        let body = format!("{marker} {}", "x".repeat(note_bytes.saturating_sub(marker.len() + 1)));
        shared.delays.lock().unwrap().clear();
        *shared.sent.lock().unwrap() = Some((marker.clone(), Instant::now()));
        let r = http
            .post(format!("{base}/api/incidents/note"))
            .form(&[("id", incident.to_string()), ("kind", "note".into()), ("body", body)])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let deadline = Instant::now() + Duration::from_secs(30);
        while shared.delays.lock().unwrap().len() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut d = shared.delays.lock().unwrap().clone();
        d.sort();
        println!(
            "  round {}: {}/{} received  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
            round + 1,
            d.len(),
            n,
            percentile(&d, 0.50).as_secs_f64() * 1e3,
            percentile(&d, 0.99).as_secs_f64() * 1e3,
            d.last().copied().unwrap_or_default().as_secs_f64() * 1e3
        );
        all.extend(d);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    all.sort();
    println!(
        "subscribers {n} (+{stalled} not reading)  connected in {:.1} s  server RSS {:.1} MiB -> {:.1} MiB  = {:.1} KiB per subscriber",
        connect_time.as_secs_f64(),
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        per_sub
    );
    println!(
        "delivery of {}-byte notes over {} rounds: received {}/{}  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        note_bytes,
        rounds,
        all.len(),
        n * rounds,
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    std::process::exit(0);
}
