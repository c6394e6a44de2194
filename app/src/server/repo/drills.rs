//! Drill scenarios, and each drill's run: the script it runs, how far it got, its
//! retrospective.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::drill::{Inject, Retro, Scenario, ScenarioRecord};
use crate::domain::ids::{IncidentId, ScenarioId, UserId};
use crate::domain::log::Stream;
use crate::server::time::{from_ms, now, to_ms};

fn json<T: serde::Serialize>(v: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn scenario(row: &AnyRow) -> Result<ScenarioRecord, sqlx::Error> {
    Ok(ScenarioRecord { id: ScenarioId(row.try_get("id")?), scenario: parse(&row.try_get::<String, _>("doc")?)? })
}

pub async fn scenarios(conn: &mut AnyConnection) -> Result<Vec<ScenarioRecord>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, doc FROM drill_scenarios ORDER BY title, id").fetch_all(conn).await?;
    rows.iter().map(scenario).collect()
}

pub async fn scenario_by_id(conn: &mut AnyConnection, id: ScenarioId) -> Result<Option<ScenarioRecord>, sqlx::Error> {
    let row = sqlx::query("SELECT id, doc FROM drill_scenarios WHERE id = $1").bind(id.0).fetch_optional(conn).await?;
    row.as_ref().map(scenario).transpose()
}

pub async fn scenario_source(conn: &mut AnyConnection, id: ScenarioId) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT source_yaml FROM drill_scenarios WHERE id = $1").bind(id.0).fetch_optional(conn).await?;
    row.map(|r| r.try_get("source_yaml")).transpose()
}

/// Creates a scenario, or replaces scenario `id` (`RowNotFound` when there is none).
pub async fn save_scenario(conn: &mut AnyConnection, id: Option<ScenarioId>, s: &Scenario, yaml: &str) -> Result<ScenarioId, sqlx::Error> {
    let doc = json(s)?;
    let row = match id {
        Some(id) => sqlx::query("UPDATE drill_scenarios SET title = $1, doc = $2, source_yaml = $3, updated_at_ms = $4 WHERE id = $5 RETURNING id")
            .bind(s.title.clone())
            .bind(doc)
            .bind(yaml.to_string())
            .bind(to_ms(now()))
            .bind(id.0)
            .fetch_optional(conn)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?,
        None => {
            sqlx::query("INSERT INTO drill_scenarios (title, doc, source_yaml, updated_at_ms) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(s.title.clone())
                .bind(doc)
                .bind(yaml.to_string())
                .bind(to_ms(now()))
                .fetch_one(conn)
                .await?
        }
    };
    Ok(ScenarioId(row.try_get("id")?))
}

/// A drill as it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub incident: IncidentId,
    pub scenario: Option<String>,
    pub script: Vec<Inject>,
    pub posted: usize,
    pub next_at: Option<DateTime<Utc>>,
    pub retro: Option<Retro>,
}

fn run(row: &AnyRow) -> Result<Run, sqlx::Error> {
    let next: Option<i64> = row.try_get("next_inject_at_ms")?;
    let went_well: Option<String> = row.try_get("went_well")?;
    let to_improve: Option<String> = row.try_get("to_improve")?;
    Ok(Run {
        incident: IncidentId(row.try_get("incident_id")?),
        scenario: row.try_get("scenario_title")?,
        script: parse(&row.try_get::<String, _>("script")?)?,
        posted: usize::try_from(row.try_get::<i64, _>("injects_posted")?).unwrap_or(0),
        next_at: next.map(from_ms),
        retro: went_well.zip(to_improve).map(|(went_well, to_improve)| Retro { went_well, to_improve }),
    })
}

const RUN: &str = "SELECT incident_id, scenario_title, script, injects_posted, next_inject_at_ms, went_well, to_improve FROM drills";

/// Starts drill `incident` (in its declaring transaction), with the script of `scenario` as
/// it is now.
pub async fn start(
    conn: &mut AnyConnection,
    incident: IncidentId,
    scenario: Option<&ScenarioRecord>,
    next_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    let script = scenario.map_or(Ok("[]".to_string()), |s| json(&s.scenario.injects))?;
    sqlx::query("INSERT INTO drills (incident_id, scenario_id, scenario_title, script, next_inject_at_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(incident.0)
        .bind(scenario.map(|s| s.id.0))
        .bind(scenario.map(|s| s.scenario.title.clone()))
        .bind(script)
        .bind(next_at.map(to_ms))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, incident: IncidentId) -> Result<Option<Run>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{RUN} WHERE incident_id = $1"))).bind(incident.0).fetch_optional(conn).await?;
    row.as_ref().map(run).transpose()
}

/// The drills with an inject due at `at`.
pub async fn due(conn: &mut AnyConnection, at: DateTime<Utc>) -> Result<Vec<IncidentId>, sqlx::Error> {
    let rows = sqlx::query("SELECT incident_id FROM drills WHERE next_inject_at_ms <= $1 ORDER BY next_inject_at_ms").bind(to_ms(at)).fetch_all(conn).await?;
    rows.iter().map(|r| Ok(IncidentId(r.try_get("incident_id")?))).collect()
}

/// Moves the drill on from `from` injects posted to `to` (next due at `next`); `false` when
/// someone else moved it first (the injects are theirs to post).
pub async fn advance(conn: &mut AnyConnection, incident: IncidentId, from: usize, to: usize, next: Option<DateTime<Utc>>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE drills SET injects_posted = $1, next_inject_at_ms = $2 WHERE incident_id = $3 AND injects_posted = $4")
        .bind(to as i64)
        .bind(next.map(to_ms))
        .bind(incident.0)
        .bind(from as i64)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Keeps the retrospective with the drill; `false` when there is no such drill.
pub async fn set_retro(conn: &mut AnyConnection, incident: IncidentId, retro: &Retro) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE drills SET went_well = $1, to_improve = $2 WHERE incident_id = $3")
        .bind(retro.went_well.clone())
        .bind(retro.to_improve.clone())
        .bind(incident.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The drills declared since `since`, newest first.
pub async fn since(conn: &mut AnyConnection, since: DateTime<Utc>, limit: i64) -> Result<Vec<Run>, sqlx::Error> {
    let sql = "SELECT d.incident_id, d.scenario_title, d.script, d.injects_posted, d.next_inject_at_ms, d.went_well, d.to_improve \
               FROM drills d JOIN incidents i ON i.id = d.incident_id WHERE i.declared_at_ms >= $1 ORDER BY i.declared_at_ms DESC, i.id DESC LIMIT $2";
    let rows = sqlx::query(sql).bind(to_ms(since)).bind(limit).fetch_all(conn).await?;
    rows.iter().map(run).collect()
}

/// Every time someone was made Incident Commander (of an incident or a drill): who, when.
pub async fn commander_turns(conn: &mut AnyConnection) -> Result<Vec<(UserId, DateTime<Utc>)>, sqlx::Error> {
    use crate::domain::event::EventKind;
    use crate::domain::roles::IncidentRole;
    // the role's JSON spelling narrows the rows to decode
    let rows = sqlx::query("SELECT at_ms, payload FROM events WHERE stream = $1 AND kind = 'role_assigned' AND payload LIKE '%\"commander\"%'")
        .bind(Stream::Incident.as_str())
        .fetch_all(conn)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        if let EventKind::RoleAssigned { role: IncidentRole::Commander, person, .. } = parse::<EventKind>(&r.try_get::<String, _>("payload")?)? {
            out.push((person.id, from_ms(r.try_get("at_ms")?)));
        }
    }
    Ok(out)
}
