//! Pages out: fires each escalating alert's due step. The step's schedule targets page
//! whoever is on call at that moment; each person paged is told in their inbox; the step is
//! an event on the alert's stream, and the alert moves on to its next step in the same
//! transaction, under the alert's lock, so a step fires once however many replicas run this
//! and whenever they restart.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::domain::alert::{AlertChange, AlertState};
use crate::domain::contact::NotificationRule;
use crate::domain::escalation::{paged_users, resolve, Policy, Target};
use crate::domain::ids::{AlertId, PolicyId, ScheduleId, UserId};
use crate::domain::log::StreamRef;
use crate::domain::oncall::on_call_at;
use crate::domain::roles::Person;
use crate::error::{AppError, AppResult};
use crate::server::db::Tx;
use crate::server::repo::{alerts, audiences, contact, escalations, log, schedules, users};
use crate::server::services::oncall::final_shifts;
use crate::server::state::AppState;

/// Steps read in one pass at most (the next pass takes the rest).
const BATCH: i64 = 200;

/// Steps fired in one transaction at most: a storm's pages wait for the disk once per
/// chunk, and the war room's writers wait behind one chunk at most.
const CHUNK: usize = 16;

/// One pass: fires every step due by `at`, [`BATCH`] at a time until none is left (an
/// alert storm's pages go out in one pass, not one batch per tick); how many fired.
pub async fn page_due(state: &AppState, at: DateTime<Utc>) -> AppResult<usize> {
    let mut fired = 0;
    loop {
        let due = {
            let mut conn = state.db.pool().acquire().await?;
            escalations::due(&mut conn, at, BATCH).await?
        };
        let batch = due.len();
        let mut moved = 0;
        for chunk in due.chunks(CHUNK) {
            let n = fire_chunk(state, chunk, at).await?;
            fired += n;
            moved += n;
        }
        // a short batch was the last; a batch where nothing fired is another replica's
        if batch < BATCH as usize || moved == 0 {
            return Ok(fired);
        }
    }
}

/// What the steps of one chunk read once: policies, who is on call on each schedule, and
/// people's names and notification rules, as the chunk's transaction sees them at its moment
/// (a storm's alerts mostly share a policy and its schedules).
#[derive(Default)]
struct Known {
    policies: HashMap<PolicyId, Option<Policy>>,
    on_call: HashMap<ScheduleId, (String, Option<UserId>)>,
    people: HashMap<UserId, (String, Vec<NotificationRule>)>,
}

impl Known {
    async fn policy(&mut self, tx: &mut Tx, id: PolicyId) -> AppResult<Option<Policy>> {
        if let Entry::Vacant(e) = self.policies.entry(id) {
            e.insert(escalations::get(tx.conn(), id).await?.map(|(_, p)| p));
        }
        Ok(self.policies[&id].clone())
    }

    /// The schedule's name and who is on call on it at `at`.
    async fn on_call(&mut self, tx: &mut Tx, id: ScheduleId, at: DateTime<Utc>) -> AppResult<(String, Option<UserId>)> {
        if let Entry::Vacant(e) = self.on_call.entry(id) {
            e.insert(match schedules::get(tx.conn(), id).await? {
                Some(s) => {
                    let shifts = final_shifts(tx.conn(), &s, at - Duration::minutes(1), at + Duration::minutes(1)).await?;
                    (s.name.clone(), on_call_at(&shifts, at))
                }
                None => (format!("schedule {id}"), None),
            });
        }
        Ok(self.on_call[&id].clone())
    }

    /// A person's name and notification rules.
    async fn person(&mut self, tx: &mut Tx, id: UserId) -> AppResult<&(String, Vec<NotificationRule>)> {
        if let Entry::Vacant(e) = self.people.entry(id) {
            let name = users::by_id(tx.conn(), id).await?.map_or_else(|| format!("user {id}"), |s| s.user.name);
            e.insert((name, contact::rules(tx.conn(), id).await?));
        }
        Ok(&self.people[&id])
    }
}

/// Fires the steps of `chunk` that are still due, in one transaction holding their alerts'
/// locks; when that fails, each in a transaction of its own (one alert's trouble does not
/// hold up the others' pages). How many fired.
async fn fire_chunk(state: &AppState, chunk: &[escalations::Next], at: DateTime<Utc>) -> AppResult<usize> {
    let together = async {
        let streams: Vec<StreamRef> = chunk.iter().map(|d| StreamRef::alert(d.alert)).collect();
        let mut tx = state.db.begin(&streams).await?;
        let mut known = Known::default();
        let mut fired = 0;
        for d in chunk {
            fired += usize::from(fire(state, &mut tx, &mut known, d, at).await?);
        }
        tx.commit(&state.hub).await?;
        Ok::<_, AppError>(fired)
    };
    let fired = match together.await {
        Ok(n) => n,
        Err(e) if chunk.len() == 1 => return Err(e),
        Err(e) => {
            tracing::warn!(error = %e, steps = chunk.len(), "firing a chunk of escalation steps failed; firing them one by one");
            let mut fired = 0;
            for d in chunk {
                let mut tx = state.db.begin(&[StreamRef::alert(d.alert)]).await?;
                if fire(state, &mut tx, &mut Known::default(), d, at).await? {
                    fired += 1;
                }
                tx.commit(&state.hub).await?;
            }
            fired
        }
    };
    if fired > 0 {
        // pages by rules with no delay go out now, not at the queue's next pass
        state.webhooks.wake.notify_one();
    }
    Ok(fired)
}

/// Fires `d` in `tx` (which holds its alert's lock) if it is still the alert's next step and
/// still due; false when another replica (or an acknowledgement) got there first. `known`
/// is what this transaction has read already.
async fn fire(state: &AppState, tx: &mut Tx, known: &mut Known, d: &escalations::Next, at: DateTime<Utc>) -> AppResult<bool> {
    // re-read under the lock: the step may have fired, or the alert moved on
    let Some(now) = escalations::of_alert(tx.conn(), d.alert).await? else { return Ok(false) };
    if (now.round, now.step) != (d.round, d.step) || now.due > at {
        return Ok(false);
    }
    let row = alerts::row(tx.conn(), d.alert).await?.filter(|r| r.state == AlertState::Triggered);
    let policy = known.policy(tx, d.policy).await?;
    let (Some(row), Some(policy)) = (row, policy) else {
        escalations::stop(tx.conn(), d.alert).await?;
        return Ok(false);
    };
    let Some(step) = policy.steps.get(d.step) else {
        escalations::stop(tx.conn(), d.alert).await?;
        return Ok(false);
    };
    // who is on call on each schedule the step names, now
    let mut on_call: HashMap<ScheduleId, (String, Option<UserId>)> = HashMap::new();
    for t in &step.targets {
        if let Target::Schedule(id) = t {
            on_call.insert(*id, known.on_call(tx, *id, at).await?);
        }
    }
    let targets = resolve(step, at, &|s, _| on_call.get(&s).and_then(|(_, u)| *u));
    let mut paged: Vec<(Person, Vec<NotificationRule>)> = vec![];
    for u in paged_users(&targets) {
        let (name, rules) = known.person(tx, u).await?;
        paged.push((Person { id: u, name: name.clone() }, rules.clone()));
    }
    let mut nobody: Vec<String> = vec![];
    for (target, user) in &targets {
        match (user, target) {
            (Some(_), _) => {}
            (None, Target::Schedule(s)) => nobody.push(on_call.get(s).map(|(n, _)| n.clone()).unwrap_or_default()),
            (None, Target::User(u)) => nobody.push(format!("user {u}")),
        }
    }
    let summary = row.summary.clone();
    let people = paged.iter().map(|(p, _)| p.clone()).collect();
    let change = AlertChange::Paged { round: d.round, step: d.step, paged: people, nobody, summary: summary.clone(), severity: row.severity };
    let event = log::append_change(tx, StreamRef::alert(d.alert), None, change.name(), &change).await?;
    for (p, rules) in &paged {
        audiences::deliver_in_app(tx.conn(), p.id, event.id, None, &link(d.alert), &format!("Page: {summary}"), at).await?;
        crate::server::services::contact::queue_pages(state, tx, p, rules, &row, event.id, at).await?;
    }
    match policy.next(d.round, d.step) {
        Some((round, step)) => escalations::advance(tx.conn(), d.alert, round, step, policy.fires_at(d.raised, round, step)).await?,
        None => escalations::stop(tx.conn(), d.alert).await?,
    }
    Ok(true)
}

/// Where an alert is read and acknowledged.
pub fn link(alert: AlertId) -> String {
    format!("/alerts/{alert}")
}
