//! Drills: scenarios imported as YAML, a drill run from one (its injects posted to the
//! timeline on schedule, each exactly once, by whichever replica's worker gets there first),
//! the IC a drill suggests, and the retrospective kept with a drill.

use chrono::{DateTime, Utc};

use crate::domain::drill::{
    due_count, next_due, suggest_ic, DrillRoom, DrillSummary, DrillsPage, IcSuggestion, Retro, Scenario, ScenarioDoc, ScenarioRecord, ScenarioSummary,
};
use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, ScenarioId};
use crate::domain::incident::{DeclareInput, Incident};
use crate::domain::log::StreamRef;
use crate::domain::roles::Person;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::db::Tx;
use crate::server::repo::{catalog, drills, incidents, users};
use crate::server::services::incidents::emit;
use crate::server::state::AppState;
use crate::server::time::now;

pub const YAML_MAX: usize = 64 * 1024;

// a scenario's summary becomes its drill's impact
const _: () = assert!(crate::domain::drill::SUMMARY_MAX <= crate::server::services::incidents::IMPACT_MAX);
/// The most drills the drills page lists.
pub const LIST_MAX: i64 = 100;

/// Parses and checks scenario YAML.
pub fn parse_yaml(yaml: &str) -> AppResult<Scenario> {
    if yaml.len() > YAML_MAX {
        return Err(AppError::bad_request(format!("A scenario may be at most {} KiB of YAML.", YAML_MAX / 1024)));
    }
    let doc: ScenarioDoc = serde_yaml_ng::from_str(yaml).map_err(|e| AppError::bad_request(format!("The YAML is not a drill scenario: {e}")))?;
    Scenario::from_doc(doc).map_err(|e| AppError::bad_request(format!("The scenario is not valid: {e}")))
}

/// Imports YAML as a new scenario, or replaces scenario `id` with it.
pub async fn save_yaml(state: &AppState, actor: Option<&CurrentUser>, id: Option<ScenarioId>, yaml: &str) -> AppResult<ScenarioId> {
    require(actor, Permission::Administer)?;
    let scenario = parse_yaml(yaml)?;
    let mut conn = state.db.pool().acquire().await?;
    for s in &scenario.services {
        if catalog::by_slug(&mut conn, s).await?.is_none() {
            return Err(AppError::bad_request(format!("The scenario is not valid: services: there is no service {s:?}.")));
        }
    }
    match drills::save_scenario(&mut conn, id, &scenario, yaml).await {
        Err(sqlx::Error::RowNotFound) => Err(AppError::not_found("There is no such scenario.")),
        other => Ok(other?),
    }
}

pub async fn source(state: &AppState, actor: Option<&CurrentUser>, id: ScenarioId) -> AppResult<String> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    drills::scenario_source(&mut conn, id).await?.ok_or_else(|| AppError::not_found("There is no such scenario."))
}

/// Runs scenario `id`: declares a drill with its title, severity, services and summary; its
/// injects follow on schedule.
pub async fn run(state: &AppState, actor: Option<&CurrentUser>, id: ScenarioId) -> AppResult<Incident> {
    require(actor, Permission::WorkIncidents)?;
    let found = {
        let mut conn = state.db.pool().acquire().await?;
        drills::scenario_by_id(&mut conn, id).await?.ok_or_else(|| AppError::not_found("There is no such scenario."))?
    };
    let s = found.scenario;
    let input = DeclareInput {
        title: s.title,
        impact: s.summary,
        services: s.services,
        severity: Some(s.severity),
        drill: true,
        scenario: Some(id),
        ..Default::default()
    };
    crate::server::services::incidents::declare(state, actor, input).await
}

/// Starts drill `incident` in its declaring transaction, with `scenario`'s script as it is
/// now (an inject due at once is posted by the worker's next pass).
pub(crate) async fn start(tx: &mut Tx, incident: &Incident, scenario: Option<&ScenarioRecord>) -> AppResult<()> {
    let offsets = scenario.map(|s| crate::domain::drill::offsets(&s.scenario.injects)).unwrap_or_default();
    drills::start(tx.conn(), incident.id, scenario, next_due(&offsets, incident.declared_at, 0)).await?;
    Ok(())
}

/// Posts the injects that are due, each exactly once (several replicas may run this at the
/// same moment); a drill that is over gets no more. Returns how many were posted. A drill
/// that cannot be moved on is logged and left for the next pass; the others go on.
pub async fn post_due_injects(state: &AppState, at: DateTime<Utc>) -> AppResult<usize> {
    let due = {
        let mut conn = state.db.pool().acquire().await?;
        drills::due(&mut conn, at).await?
    };
    let mut posted = 0;
    for id in due {
        match post_for(state, id, at).await {
            Ok(n) => posted += n,
            Err(e) => tracing::warn!(incident = %id, error = %e, "drill injects: could not post this drill's injects"),
        }
    }
    Ok(posted)
}

/// Posts drill `id`'s due injects; how many.
async fn post_for(state: &AppState, id: IncidentId, at: DateTime<Utc>) -> AppResult<usize> {
    let mut tx = state.db.begin(&[StreamRef::incident(id)]).await?;
    let (Some(incident), Some(run)) = (incidents::get(tx.conn(), id).await?, drills::get(tx.conn(), id).await?) else { return Ok(0) };
    let offsets = crate::domain::drill::offsets(&run.script);
    if !incident.status.is_active() {
        // over: nothing more is posted (reopening it takes the rest up again)
        if drills::advance(tx.conn(), id, run.posted, run.posted, None).await? {
            tx.commit_quiet().await?;
        }
        return Ok(0);
    }
    let upto = due_count(&offsets, incident.declared_at, at).max(run.posted);
    if upto == run.posted || !drills::advance(tx.conn(), id, run.posted, upto, next_due(&offsets, incident.declared_at, upto)).await? {
        return Ok(0);
    }
    for (index, inject) in run.script.iter().enumerate().take(upto).skip(run.posted) {
        let kind = EventKind::DrillInject { index: index as u32, at_s: inject.at_s, text: inject.text.clone() };
        emit(&mut tx, &incident, None, kind).await?;
    }
    tx.commit(&state.hub).await?;
    Ok(upto - run.posted)
}

/// In the transaction that moved drill `incident` to its status: ended, it waits for no
/// inject; reopened, its next inject is due again (at once, for those whose time passed).
pub(crate) async fn follow_status(tx: &mut Tx, incident: &Incident) -> AppResult<()> {
    let Some(run) = drills::get(tx.conn(), incident.id).await? else { return Ok(()) };
    let offsets = crate::domain::drill::offsets(&run.script);
    let next = if incident.status.is_active() { next_due(&offsets, incident.declared_at, run.posted) } else { None };
    drills::advance(tx.conn(), incident.id, run.posted, run.posted, next).await?;
    Ok(())
}

/// Keeps the drill's retrospective with it (written again: the new one replaces it).
pub async fn write_retro(state: &AppState, actor: Option<&CurrentUser>, id: IncidentId, went_well: &str, to_improve: &str) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let retro = Retro::parse(went_well, to_improve).map_err(AppError::bad_request)?;
    let mut tx = state.db.begin(&[StreamRef::incident(id)]).await?;
    let incident = incidents::get(tx.conn(), id).await?.ok_or_else(|| AppError::not_found(format!("There is no incident {id}.")))?;
    if !incident.drill || !drills::set_retro(tx.conn(), id, &retro).await? {
        return Err(AppError::conflict("This is not a drill: a real incident gets a postmortem."));
    }
    emit(&mut tx, &incident, Some(&Person::from(actor)), EventKind::DrillRetro { went_well: retro.went_well, to_improve: retro.to_improve }).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Who a drill suggests as IC: among the people who can work incidents, someone who has never
/// been one, else the one whose last turn is the longest ago.
async fn suggested_ic(conn: &mut sqlx::AnyConnection) -> AppResult<Option<IcSuggestion>> {
    let candidates: Vec<Person> =
        users::list(conn).await?.into_iter().filter(|u| u.role.allows(Permission::WorkIncidents)).map(|u| Person { id: u.id, name: u.name }).collect();
    let turns = drills::commander_turns(conn).await?;
    Ok(suggest_ic(&candidates, &turns))
}

/// What the war room of drill `incident` shows beside its timeline (`None`: not a drill).
pub async fn room(conn: &mut sqlx::AnyConnection, incident: &Incident) -> AppResult<Option<DrillRoom>> {
    if !incident.drill {
        return Ok(None);
    }
    let run = drills::get(conn, incident.id).await?;
    Ok(Some(DrillRoom {
        scenario: run.as_ref().and_then(|r| r.scenario.clone()),
        offsets: run.map(|r| crate::domain::drill::offsets(&r.script)).unwrap_or_default(),
        started: incident.declared_at,
        suggested_ic: suggested_ic(conn).await?,
    }))
}

/// The drills page: the scenarios, the IC to suggest and the drills of the last year.
pub async fn page(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<DrillsPage> {
    require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    let scenarios: Vec<ScenarioSummary> = drills::scenarios(&mut conn).await?.iter().map(ScenarioSummary::of).collect();
    let runs = drills::since(&mut conn, now() - chrono::Duration::days(365), LIST_MAX).await?;
    let mut list = Vec::with_capacity(runs.len());
    for r in runs {
        if let Some(incident) = incidents::get(&mut conn, r.incident).await? {
            list.push(DrillSummary { incident, scenario: r.scenario, retro: r.retro });
        }
    }
    let mut sources = Vec::new();
    if actor.is_some_and(|a| a.can(Permission::Administer)) {
        for s in &scenarios {
            if let Some(yaml) = drills::scenario_source(&mut conn, s.id).await? {
                sources.push((s.id, yaml));
            }
        }
    }
    Ok(DrillsPage { scenarios, suggested_ic: suggested_ic(&mut conn).await?, drills: list, sources })
}
