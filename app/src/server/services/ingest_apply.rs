//! Applies monitoring's events to alerts, many in one transaction (group commit): under an
//! alert storm one commit, and one wait for the disk, serves a whole batch of requests, and
//! the war room's writers wait behind at most one batch.
//!
//! A batch locks, before it begins, the streams of the open alerts its events name (read
//! just before), and the new alerts it opens as it opens them. An event that turns out to
//! need a stream the batch did not lock (on PostgreSQL another replica opened that alert in
//! between) is applied after the batch, alone, in a transaction of its own, and so is every
//! later event of the batch with the same dedup key, so a key's events keep their order. When
//! the batch fails as a whole, nothing of it was stored and each event is applied alone.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use crate::domain::alert::{AlertChange, AlertState};
use crate::domain::events_v2::{Action, Event};
use crate::domain::ids::{AlertId, PolicyId, ServiceId};
use crate::domain::log::StreamRef;
use crate::error::AppError;
use crate::server::db::Tx;
use crate::server::repo::alerts::{self, NewAlert};
use crate::server::repo::{escalations, integrations, log};
use crate::server::state::AppState;
use crate::server::time::now;

use super::ingest::Refused;

/// One event waiting to be applied, with the key it came on and its dedup key (generated
/// for a trigger that came without one).
pub struct Job {
    pub key: integrations::ActiveKey,
    pub event: Event,
    pub dedup_key: String,
}

impl Job {
    fn key_of(&self) -> (ServiceId, &str) {
        (self.key.service, &self.dedup_key)
    }
}

/// What applying an event in a transaction came to.
enum Outcome {
    /// Applied; `paging` when an escalation started.
    Done { paging: bool },
    /// It applies to this alert, whose stream the transaction does not hold.
    Unlocked(AlertId),
    /// The alert it met was resolved meanwhile (PostgreSQL, another replica): try again.
    Again,
}

/// Which policy pages for each service a transaction has met, and whether the service is
/// in maintenance, as that transaction read it (a batch mostly comes from a few services).
type ServicePolicies = HashMap<ServiceId, (Option<PolicyId>, bool)>;

/// Applies `job` in `tx`.
async fn apply_in(tx: &mut Tx, services: &mut ServicePolicies, job: &Job) -> Result<Outcome, sqlx::Error> {
    match job.event.action {
        Action::Trigger => trigger_in(tx, services, job).await,
        action => settle_in(tx, job, action).await,
    }
}

async fn trigger_in(tx: &mut Tx, services: &mut ServicePolicies, job: &Job) -> Result<Outcome, sqlx::Error> {
    let (event, key) = (&job.event, job.key);
    // a trigger always has its payload (checked when it was parsed)
    let Some(p) = &event.payload else { return Ok(Outcome::Done { paging: false }) };
    let details = serde_json::json!({
        "custom_details": p.custom_details, "component": p.component, "group": p.group, "class": p.class,
        "timestamp": p.timestamp, "links": event.links, "client": event.client, "client_url": event.client_url,
    })
    .to_string();
    let new = NewAlert {
        service: key.service,
        key: Some(key.id),
        dedup_key: &job.dedup_key,
        severity: p.severity,
        summary: &p.summary,
        source: &p.source,
        details: &details,
        at: now(),
    };
    if let Some(id) = alerts::insert_open(tx.conn(), &new).await? {
        // a new stream: nobody else can write to it before this commits
        tx.lock_new(StreamRef::alert(id)).await?;
        let change = AlertChange::Triggered {
            id,
            summary: p.summary.clone(),
            source: p.source.clone(),
            severity: p.severity,
            dedup_key: job.dedup_key.clone(),
            links: event.links.clone(),
        };
        log::append_change(tx, StreamRef::alert(id), None, change.name(), &change).await?;
        // the service's policy pages from now (a service in maintenance holds its pages)
        if let Entry::Vacant(e) = services.entry(key.service) {
            e.insert(escalations::of_service(tx.conn(), key.service).await?);
        }
        let (policy, maintenance) = services[&key.service];
        let pages = policy.filter(|_| !maintenance);
        if let Some(policy) = pages {
            escalations::start(tx.conn(), id, policy, new.at).await?;
        }
        return Ok(Outcome::Done { paging: pages.is_some() });
    }
    // an open alert with this key takes the trigger
    let Some((id, _)) = alerts::open_by_dedup(tx.conn(), key.service, &job.dedup_key).await? else { return Ok(Outcome::Again) };
    if !tx.holds(StreamRef::alert(id)) {
        return Ok(Outcome::Unlocked(id));
    }
    let change = AlertChange::Repeated { summary: p.summary.clone(), at: p.timestamp };
    log::append_change(tx, StreamRef::alert(id), None, change.name(), &change).await?;
    Ok(Outcome::Done { paging: false })
}

/// An acknowledgement or resolve by monitoring: applied to the open alert with this dedup
/// key, or, when there is none, kept as received.
async fn settle_in(tx: &mut Tx, job: &Job, action: Action) -> Result<Outcome, sqlx::Error> {
    let Some((id, current)) = alerts::open_by_dedup(tx.conn(), job.key.service, &job.dedup_key).await? else {
        alerts::record_unmatched(tx.conn(), job.key.service, action, &job.dedup_key, now()).await?;
        return Ok(Outcome::Done { paging: false });
    };
    if !tx.holds(StreamRef::alert(id)) {
        return Ok(Outcome::Unlocked(id));
    }
    // acknowledged already: nothing changes
    let Some(to) = current.after(action) else { return Ok(Outcome::Done { paging: false }) };
    crate::server::services::alerts::settle(tx.conn(), id, to).await?;
    let change = match to {
        AlertState::Resolved => AlertChange::Resolved { by: None },
        _ => AlertChange::Acknowledged { by: None },
    };
    log::append_change(tx, StreamRef::alert(id), None, change.name(), &change).await?;
    Ok(Outcome::Done { paging: false })
}

/// The streams of the open alerts `jobs` name, as they stand now (one query per service).
async fn open_streams(state: &AppState, jobs: &[&Job]) -> Result<Vec<StreamRef>, sqlx::Error> {
    let mut by_service: HashMap<ServiceId, Vec<&str>> = HashMap::new();
    let mut seen = HashSet::new();
    for job in jobs {
        if seen.insert(job.key_of()) {
            by_service.entry(job.key.service).or_default().push(&job.dedup_key);
        }
    }
    let mut conn = state.db.pool().acquire().await?;
    let mut streams = vec![];
    for (service, keys) in by_service {
        // a bound number of parameters per query
        for keys in keys.chunks(KEYS_PER_QUERY) {
            streams.extend(alerts::open_with_keys(&mut conn, service, keys).await?.into_iter().map(StreamRef::alert));
        }
    }
    Ok(streams)
}

/// Dedup keys looked up in one query at most.
const KEYS_PER_QUERY: usize = 64;

/// Applies one event in a transaction of its own; `hint` is an alert it is known to apply to.
pub async fn alone(state: &AppState, job: &Job, mut hint: Option<AlertId>) -> Result<(), Refused> {
    for _ in 0..3 {
        let streams = match hint {
            Some(id) => vec![StreamRef::alert(id)],
            None => open_streams(state, &[job]).await?,
        };
        let mut tx = state.db.begin(&streams).await?;
        match apply_in(&mut tx, &mut ServicePolicies::new(), job).await? {
            Outcome::Done { paging } => {
                tx.commit(&state.hub).await?;
                if paging {
                    state.paging_wake.notify_one();
                }
                return Ok(());
            }
            Outcome::Unlocked(id) => hint = Some(id),
            Outcome::Again => hint = None,
        }
    }
    Err(Refused::Failed(AppError::unavailable("The alert changed too often to record this event; send it again.")))
}

/// Applies `jobs`, in order, in as few transactions as it can; each job's result, in order.
pub async fn batch(state: &AppState, jobs: &[Job]) -> Vec<Result<(), Refused>> {
    let all: Vec<&Job> = jobs.iter().collect();
    let together = async {
        let streams = open_streams(state, &all).await?;
        let mut tx = state.db.begin(&streams).await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        // keys with an event left for later: their later events wait too, in order
        let mut later: HashSet<(ServiceId, &str)> = HashSet::new();
        let mut paging = false;
        let mut services = ServicePolicies::new();
        for job in jobs {
            let outcome = if later.contains(&job.key_of()) { Outcome::Again } else { apply_in(&mut tx, &mut services, job).await? };
            match outcome {
                Outcome::Done { paging: p } => paging |= p,
                _ => {
                    later.insert(job.key_of());
                }
            }
            outcomes.push(outcome);
        }
        tx.commit(&state.hub).await?;
        Ok::<_, sqlx::Error>((outcomes, paging))
    };
    match together.await {
        Ok((outcomes, paging)) => {
            if paging {
                state.paging_wake.notify_one();
            }
            let mut results = Vec::with_capacity(jobs.len());
            for (job, outcome) in jobs.iter().zip(outcomes) {
                results.push(match outcome {
                    Outcome::Done { .. } => Ok(()),
                    Outcome::Unlocked(id) => alone(state, job, Some(id)).await,
                    Outcome::Again => alone(state, job, None).await,
                });
            }
            results
        }
        Err(e) if jobs.len() == 1 => vec![Err(e.into())],
        Err(e) => {
            tracing::warn!(error = %e, events = jobs.len(), "a batch of events failed; applying them one by one");
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                results.push(alone(state, job, None).await);
            }
            results
        }
    }
}
