//! SSE fan-out benchmark client (run by `bench/sse-fanout`): opens N idle subscribers on one
//! incident topic, plus 1% that stop reading, publishes events, and prints how long each
//! event took to reach every reading subscriber, and the server's memory per subscriber.
//!
//! The arrival time of an event at a subscriber is the moment the kernel queued it on that
//! subscriber's socket (`SO_TIMESTAMPNS`), not the moment this program got round to reading
//! it. The subscribers' sockets are read only after an event has had time to reach them all,
//! so on this one machine the load generator does not compete with the server for the CPU
//! while the server fans out (as it would not when the subscribers are browsers elsewhere).
//! The kernel's receive work for each subscriber still happens during the fan-out, charged
//! to the server's writes (loopback), so the figures are conservative.
//!
//! The subscribers that stop reading have a 4 KiB receive buffer: after a few events their
//! connection is full and the server's writes to them would block.
//!
//! usage: sse_fanout BASE_URL INCIDENT_ID SUBSCRIBERS SERVER_PID [ROUNDS] [NOTE_BYTES]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// `SO_TIMESTAMPNS` (and `SCM_TIMESTAMPNS`) on Linux x86_64 and aarch64.
const SO_TIMESTAMPNS: libc::c_int = 35;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Opens one subscription and reads up to the server's first comment. The socket is left
/// non-blocking and registered with nothing, so an event arriving on it wakes nobody.
fn subscribe(addr: &str, path: &str, cookie: &str, recv_buffer: Option<usize>) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    if let Some(size) = recv_buffer {
        socket.set_recv_buffer_size(size).expect("SO_RCVBUF");
    }
    let on: libc::c_int = 1;
    // SAFETY: a valid socket and a pointer to a c_int that lives across the call
    let r = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_TIMESTAMPNS,
            &on as *const _ as *const libc::c_void,
            std::mem::size_of_val(&on) as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "SO_TIMESTAMPNS: {}", std::io::Error::last_os_error());
    let to: std::net::SocketAddr = addr.parse().expect("address");
    socket.connect(&to.into()).expect("connect");
    let mut stream: TcpStream = socket.into();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(req.as_bytes()).expect("request");
    let mut reader = BufReader::with_capacity(64, &stream);
    let mut line = String::new();
    let mut status = None;
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("closed before the stream began ({status:?})");
        }
        status.get_or_insert_with(|| line.trim().to_string());
        if line.starts_with(": live") {
            break;
        }
    }
    drop(reader);
    stream.set_nonblocking(true).expect("non-blocking");
    stream
}

/// One non-blocking read, with the time the kernel queued the newest data read.
fn recv_stamped(stream: &TcpStream, buf: &mut [u8]) -> std::io::Result<(usize, Option<SystemTime>)> {
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr() as *mut libc::c_void, iov_len: buf.len() };
    let mut control = [0u64; 16];
    // SAFETY: msghdr is plain data; every pointer in it is to a live local buffer of the given
    // length, and the control messages are read only within what the kernel wrote.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = std::mem::size_of_val(&control) as _;
        let n = libc::recvmsg(stream.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT);
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut at = None;
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == SO_TIMESTAMPNS {
                let t: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::timespec);
                at = Some(UNIX_EPOCH + Duration::new(t.tv_sec as u64, t.tv_nsec as u32));
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
        Ok((n as usize, at))
    }
}

/// Reads what is waiting on a subscriber's socket. Returns when the marker arrived, if it is
/// in what was read; `Err` if the server closed the stream.
fn collect(stream: &TcpStream, pending: &mut Vec<u8>, marker: &[u8], buf: &mut [u8]) -> Result<Option<SystemTime>, String> {
    loop {
        match recv_stamped(stream, buf) {
            Ok((0, _)) => return Err("the server closed a subscription".into()),
            Ok((n, at)) => {
                pending.extend_from_slice(&buf[..n]);
                if pending.windows(marker.len()).any(|w| w == marker) {
                    pending.clear();
                    return Ok(at);
                }
                // keep only what may be the start of the marker
                let keep = pending.len().saturating_sub(marker.len());
                pending.drain(..keep);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn main() {
    app::server::outbound::install_tls();
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

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = rt.block_on(http.post(format!("{base}/api/login")).form(&[("email", "ben@example.com"), ("password", "klaxon-demo")]).send()).unwrap();
    assert!(login.status().is_success(), "sign in failed: {}", login.status());
    let cookie =
        login.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).filter_map(|v| v.split(';').next()).collect::<Vec<_>>().join("; ");

    let rss_before = rss_kib(pid);
    let path = format!("/live/incident:{incident}");
    let started = Instant::now();
    // four threads connect; the server answers each as it comes
    let per = (n + stalled).div_ceil(4);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (addr, path, cookie) = (addr.clone(), path.clone(), cookie.clone());
            std::thread::spawn(move || {
                (t * per..((t + 1) * per).min(n + stalled)).map(|i| (i < n, subscribe(&addr, &path, &cookie, (i >= n).then_some(4096)))).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut reading = vec![];
    let mut not_reading = vec![];
    for h in handles {
        for (reads, s) in h.join().expect("a connecting thread failed") {
            if reads {
                reading.push(s)
            } else {
                not_reading.push(s)
            }
        }
    }
    let connect_time = started.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    let rss_after = rss_kib(pid);
    let per_sub = (rss_after.saturating_sub(rss_before)) as f64 / (n + stalled) as f64;

    // fill the connections of the subscribers that do not read: eight 4 KB notes, more than
    // their receive buffers and the server's first send buffers hold (the others drop them)
    let mut warm_up_bytes = 0;
    for k in 0..8 {
        let body = format!("warm-up {k} {}", "w".repeat(4000));
        warm_up_bytes += body.len();
        let r = rt
            .block_on(http.post(format!("{base}/api/incidents/note")).form(&[("id", incident.to_string()), ("kind", "note".into()), ("body", body)]).send())
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
    std::thread::sleep(Duration::from_millis(500));

    let mut buf = vec![0u8; 64 * 1024];
    let mut pending: Vec<Vec<u8>> = vec![vec![]; n];
    let mut all = vec![];
    let mut wait = Duration::from_millis(500);
    for round in 0..rounds {
        // drop what is already waiting (the warm-up notes, the rest of the last event)
        for s in &reading {
            while matches!(recv_stamped(s, &mut buf), Ok((n, _)) if n > 0) {}
        }
        let marker = format!("bench-{round}-{}", started.elapsed().as_nanos());
        let body = format!("{marker} {}", "x".repeat(note_bytes.saturating_sub(marker.len() + 1)));
        let sent = SystemTime::now();
        let r = rt
            .block_on(http.post(format!("{base}/api/incidents/note")).form(&[("id", incident.to_string()), ("kind", "note".into()), ("body", body)]).send())
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let posted = sent.elapsed().unwrap_or_default();
        let mut arrived: Vec<Option<Duration>> = vec![None; n];
        let mut missing = n;
        let deadline = Instant::now() + Duration::from_secs(30);
        while missing > 0 && Instant::now() < deadline {
            std::thread::sleep(wait);
            for (i, s) in reading.iter().enumerate() {
                if arrived[i].is_some() {
                    continue;
                }
                match collect(s, &mut pending[i], marker.as_bytes(), &mut buf) {
                    Ok(Some(at)) => {
                        arrived[i] = Some(at.duration_since(sent).unwrap_or_default());
                        missing -= 1;
                    }
                    Ok(None) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        }
        let mut d: Vec<Duration> = arrived.into_iter().flatten().collect();
        d.sort();
        // the next round waits comfortably longer than this one took
        wait = (d.last().copied().unwrap_or_default() * 3).max(Duration::from_millis(300));
        println!(
            "  round {}: {}/{} received  first {:>6.1} ms  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  (the note's POST answered after {:.1} ms)",
            round + 1,
            d.len(),
            n,
            d.first().copied().unwrap_or_default().as_secs_f64() * 1e3,
            percentile(&d, 0.50).as_secs_f64() * 1e3,
            percentile(&d, 0.99).as_secs_f64() * 1e3,
            d.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            posted.as_secs_f64() * 1e3,
        );
        all.extend(d);
    }
    all.sort();
    // what the subscribers that do not read hold: far less than was sent to them means their
    // connections are full and the server's writes to them are waiting
    let held: Vec<usize> = not_reading
        .iter()
        .map(|s| {
            let mut queued: libc::c_int = 0;
            // SAFETY: FIONREAD writes one c_int for a valid socket
            unsafe { libc::ioctl(s.as_raw_fd(), libc::FIONREAD, &mut queued) };
            queued.max(0) as usize
        })
        .collect();
    let stuck = not_reading.iter().filter(|s| s.peer_addr().is_ok()).count();
    println!(
        "not reading: {stuck} of {stalled} still connected, each holding at most {:.1} KiB of the {:.1} KiB of notes sent to it",
        held.iter().max().copied().unwrap_or(0) as f64 / 1024.0,
        (warm_up_bytes + rounds * note_bytes) as f64 / 1024.0
    );
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
