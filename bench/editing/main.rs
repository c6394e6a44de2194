//! The postmortem editing engine, on real editing traces (../shared/traces): Klaxon's path
//! (a browser replica's per-keystroke updates, checked and merged by the server's
//! `doc::integrate`, the log's base64 payloads, the stored state folded as the server folds it)
//! against diamond-types doing the same (local edits, per-keystroke patches, decode and merge
//! on a second replica). Prints time, peak heap and stored size; checks every text exactly.
//!   bench/postmortem-editing [traces dir]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use app::domain::postmortem::doc;
use app::domain::postmortem::replica::Replica;
use base64::Engine as _;
use yrs::{Doc, GetString, Transact};

/// Counts heap bytes in use, and the most in use since the last reset.
struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = NOW.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        NOW.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn reset_peak() -> usize {
    let now = NOW.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

fn peak_since(base: usize) -> f64 {
    (PEAK.load(Ordering::Relaxed).saturating_sub(base)) as f64 / 1_048_576.0
}

type Patch = (usize, usize, String);

struct Txn {
    parents: Vec<usize>,
    agent: usize,
    patches: Vec<Patch>,
}

struct Trace {
    start: String,
    end: String,
    txns: Vec<Txn>,
    agents: usize,
}

fn load(dir: &str, name: &str) -> Trace {
    let f = std::fs::File::open(format!("{dir}/{name}.json.gz")).unwrap_or_else(|e| panic!("{dir}/{name}.json.gz: {e}"));
    let mut s = String::new();
    flate2::read::GzDecoder::new(f).read_to_string(&mut s).expect("gzip");
    let v: serde_json::Value = serde_json::from_str(&s).expect("json");
    let txns = v["txns"]
        .as_array()
        .expect("txns")
        .iter()
        .map(|t| Txn {
            parents: t["parents"].as_array().map(|p| p.iter().map(|x| x.as_u64().unwrap() as usize).collect()).unwrap_or_default(),
            agent: t["agent"].as_u64().unwrap_or(0) as usize,
            patches: t["patches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_u64().unwrap() as usize, p[1].as_u64().unwrap() as usize, p[2].as_str().unwrap().to_string()))
                .collect(),
        })
        .collect();
    Trace {
        start: v["startContent"].as_str().unwrap_or("").to_string(),
        end: v["endContent"].as_str().unwrap().to_string(),
        txns,
        agents: v["numAgents"].as_u64().unwrap_or(1) as usize,
    }
}

/// A browser's replica (Klaxon's), loaded with `state`; typing is grouped into undo steps as
/// in the browser, a keystroke every 200 ms (so about three to a step).
fn browser(client: u64, state: &[u8]) -> Replica {
    let clock = AtomicUsize::new(0);
    let r = Replica::new(client, std::sync::Arc::new(move || clock.fetch_add(200, Ordering::Relaxed) as u64));
    r.merge(state, (0, 0)).expect("a state");
    r
}

/// One patch typed (the traces are ASCII: code points are UTF-16 units): the update to send.
fn type_patch(r: &Replica, (at, del, ins): &Patch) -> Vec<u8> {
    r.splice(*at as u32, *del as u32, ins).expect("a patch changes something")
}

fn text(d: &Doc) -> String {
    d.get_or_insert_text(doc::BODY).get_string(&d.transact())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "text exact"
    } else {
        "TEXT DIFFERS"
    }
}

/// Klaxon: the browser's replica types each patch and sends it as an update; the server
/// checks and merges it (`doc::integrate`), keeps it as a log payload (base64) and folds the
/// log into the stored state every `FOLD` edits.
fn klaxon_sequential(t: &Trace) -> (f64, bool) {
    const FOLD: usize = 100;
    let base = reset_peak();
    let started = Instant::now();
    let state0 = doc::new_state(&t.start);
    let browser = browser(7, &state0);
    let server = doc::load(&state0, []).unwrap();
    let mut log: Vec<String> = vec![];
    let (mut stored, mut merge_s, mut fold_s) = (state0.clone(), 0.0, 0.0);
    let mut edits = 0usize;
    let mut typing_s = 0.0;
    for txn in &t.txns {
        for p in &txn.patches {
            let k = Instant::now();
            let update = type_patch(&browser, p);
            typing_s += k.elapsed().as_secs_f64();
            let m = Instant::now();
            let changed = doc::integrate(&server, 7, &update).expect("the server takes it");
            assert!(changed);
            log.push(base64::engine::general_purpose::STANDARD.encode(&update));
            merge_s += m.elapsed().as_secs_f64();
            edits += 1;
            if log.len() == FOLD {
                let f = Instant::now();
                stored = doc::state(&server);
                log.clear();
                fold_s += f.elapsed().as_secs_f64();
            }
        }
    }
    let total = started.elapsed().as_secs_f64();
    let ok = text(&server) == t.end && browser.text() == t.end;
    let log_bytes: usize = log.iter().map(String::len).sum();
    println!(
        "  klaxon (yrs 0.27): {edits} edits in {total:.2} s; the browser's replica typing them (with undo steps) {typing_s:.2} s; server check + merge + log {merge_s:.2} s ({:.1} µs/edit), folding {fold_s:.2} s; peak heap {:.0} MB; stored state {} KB + log {} KB; {}",
        merge_s * 1e6 / edits as f64,
        peak_since(base),
        stored.len() / 1024,
        log_bytes / 1024,
        verdict(ok)
    );
    // what one HTTP request to the server costs on top, at the final size: the stored state and
    // 150 edits loaded again, the update checked against a fold of the result
    let last: Vec<Vec<u8>> = (0..150).map(|i| type_patch(&browser, &(i, 0, "x".into()))).collect();
    let stored = doc::state(&server);
    let r = Instant::now();
    let rounds = 20;
    for _ in 0..rounds {
        let d = doc::load(&stored, last[..149].iter().map(Vec::as_slice)).unwrap();
        doc::integrate_checked(&d, 7, &last[149]).unwrap();
    }
    println!(
        "  klaxon: one request at the final size (load state + 149 edits, check, merge, check the fold) {:.1} ms",
        r.elapsed().as_secs_f64() * 1e3 / rounds as f64
    );
    (merge_s, ok)
}

/// diamond-types: local edits on one oplog, each keystroke encoded as a patch, decoded into a
/// second oplog and merged into its branch (its text kept current, as yrs keeps its own).
fn diamond_sequential(t: &Trace) -> (f64, bool) {
    use diamond_types::list::encoding::ENCODE_PATCH;
    use diamond_types::list::{Branch, ListCRDT, OpLog};
    let base = reset_peak();
    let started = Instant::now();
    let mut a = ListCRDT::new();
    let agent = a.get_or_create_agent_id("browser");
    if !t.start.is_empty() {
        a.insert(agent, 0, &t.start);
    }
    let mut b_log = OpLog::new();
    b_log.decode_and_add(&a.oplog.encode(ENCODE_PATCH)).unwrap();
    let mut b = Branch::new();
    b.merge(&b_log, b_log.local_version_ref());
    let mut merge_s = 0.0;
    let mut edits = 0usize;
    for txn in &t.txns {
        for (at, del, ins) in &txn.patches {
            let before = a.oplog.local_version();
            if *del > 0 {
                a.delete(agent, *at..*at + *del);
            }
            if !ins.is_empty() {
                a.insert(agent, *at, ins);
            }
            let patch = a.oplog.encode_from(ENCODE_PATCH, &before);
            let m = Instant::now();
            b_log.decode_and_add(&patch).expect("decodes");
            b.merge(&b_log, b_log.local_version_ref());
            merge_s += m.elapsed().as_secs_f64();
            edits += 1;
        }
    }
    let total = started.elapsed().as_secs_f64();
    let ok = b.content().to_string() == t.end && a.branch.content().to_string() == t.end;
    let stored = b_log.encode(diamond_types::list::encoding::ENCODE_FULL);
    println!(
        "  diamond-types 1.0: {edits} edits in {total:.2} s; decode + merge {merge_s:.2} s ({:.1} µs/edit); peak heap {:.0} MB; stored oplog {} KB; {}",
        merge_s * 1e6 / edits as f64,
        peak_since(base),
        stored.len() / 1024,
        verdict(ok)
    );
    (merge_s, ok)
}

/// Klaxon on a concurrent trace: one replica per person, each txn typed on its author's
/// replica once that replica has merged exactly the txn's parents; every update goes
/// through the server's check and merge, in the order written; at the end every replica
/// catches up from the server (its state vector) and must read `endContent`.
fn klaxon_concurrent(t: &Trace) -> bool {
    let started = Instant::now();
    let server = doc::load(&doc::new_state(&t.start), []).unwrap();
    let state0 = doc::state(&server);
    let replicas: Vec<Replica> = (0..t.agents).map(|a| browser(10 + a as u64, &state0)).collect();
    let mut applied: Vec<Vec<bool>> = vec![vec![false; t.txns.len()]; t.agents];
    let mut updates: Vec<Vec<u8>> = Vec::with_capacity(t.txns.len());
    let mut merge_s = 0.0;
    for (i, txn) in t.txns.iter().enumerate() {
        let r = &replicas[txn.agent];
        // the txn's history this replica lacks, oldest first
        let mut need = vec![];
        let mut stack = txn.parents.clone();
        while let Some(p) = stack.pop() {
            if !applied[txn.agent][p] {
                applied[txn.agent][p] = true;
                need.push(p);
                stack.extend(&t.txns[p].parents);
            }
        }
        need.sort_unstable();
        for p in need {
            r.merge(&updates[p], (0, 0)).unwrap();
        }
        let typed: Vec<Vec<u8>> = txn.patches.iter().map(|p| type_patch(r, p)).collect();
        let u = if typed.len() == 1 { typed.into_iter().next().unwrap() } else { yrs::merge_updates_v1(&typed).unwrap() };
        applied[txn.agent][i] = true;
        let m = Instant::now();
        doc::integrate(&server, 10 + txn.agent as u64, &u).expect("the server takes it");
        merge_s += m.elapsed().as_secs_f64();
        updates.push(u);
    }
    let mut ok = text(&server) == t.end;
    for r in &replicas {
        let missing = doc::missing(&server, &r.state_vector()).unwrap();
        r.merge(&missing, (0, 0)).unwrap();
        ok &= r.text() == t.end;
    }
    println!(
        "  klaxon (yrs): {} txns by {} people in {:.2} s (server check + merge {merge_s:.2} s); server and every replica: {}",
        t.txns.len(),
        t.agents,
        started.elapsed().as_secs_f64(),
        verdict(ok)
    );
    ok
}

/// diamond-types on a concurrent trace: every txn added at its parents' version.
fn diamond_concurrent(t: &Trace) -> bool {
    use diamond_types::list::OpLog;
    let started = Instant::now();
    let mut log = OpLog::new();
    let agents: Vec<_> = (0..t.agents).map(|a| log.get_or_create_agent_id(&format!("agent{a}"))).collect();
    // each txn's version: where its last edit leaves the document
    let mut versions: Vec<Vec<usize>> = Vec::with_capacity(t.txns.len());
    for txn in &t.txns {
        let mut parents: Vec<usize> = txn.parents.iter().flat_map(|p| versions[*p].iter().copied()).collect();
        for (at, del, ins) in &txn.patches {
            if *del > 0 {
                parents = vec![log.add_delete_at(agents[txn.agent], &parents, *at..*at + *del)];
            }
            if !ins.is_empty() {
                parents = vec![log.add_insert_at(agents[txn.agent], &parents, *at, ins)];
            }
        }
        versions.push(parents);
    }
    let ok = log.checkout_tip().content().to_string() == t.end;
    println!("  diamond-types 1.0: {} txns in {:.2} s; {}", t.txns.len(), started.elapsed().as_secs_f64(), verdict(ok));
    ok
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "../shared/traces".into());
    let mut all_ok = true;
    println!("automerge-paper (sequential, one person):");
    let paper = load(&dir, "automerge-paper");
    let (k, ok1) = klaxon_sequential(&paper);
    let (d, ok2) = diamond_sequential(&paper);
    println!("  server path / fastest engine: {:.2}x (target: within 2x)", k / d.min(k));
    all_ok &= ok1 && ok2;
    for name in ["friendsforever", "clownschool"] {
        println!("{name} (concurrent):");
        let t = load(&dir, name);
        all_ok &= klaxon_concurrent(&t);
        all_ok &= diamond_concurrent(&t);
    }
    if !all_ok {
        eprintln!("some text differs from the trace's endContent");
        std::process::exit(1);
    }
}
