//! The readiness check, read from the live configuration (services, policies, schedules and
//! their next 30 days, runbooks, the last 30 days' alerts, the last quarter's incidents,
//! drills and postmortems, action items): everyone signed in may read it.

use std::collections::HashMap;

use chrono::Duration;

use crate::domain::incident::Severity;
use crate::domain::oncall::checks::gaps;
use crate::domain::postmortem::record::overdue;
use crate::domain::readiness::{check, Check, Facts, RotationFacts, RunbookFacts, ServiceFacts, RUNBOOK_REVIEW_DAYS};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::AppResult;
use crate::server::authz::require;
use crate::server::repo::{catalog, escalations, incidents, metrics, postmortems, runbooks, schedules};
use crate::server::services::oncall::final_shifts;
use crate::server::state::AppState;
use crate::server::time::now;

/// Every check, as things stand.
pub async fn readiness(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<Check>> {
    require(actor, Permission::ReadInternal)?;
    let at = now();
    let today = at.date_naive();
    let mut tx = state.db.pool().begin().await?;
    let all_runbooks = runbooks::list(&mut tx).await?;
    let mut per_service: HashMap<i64, usize> = HashMap::new();
    for r in &all_runbooks {
        *per_service.entry(r.service_id.0).or_default() += 1;
    }
    let mut services = vec![];
    for s in catalog::list(&mut tx).await? {
        let (policy, _) = escalations::of_service(&mut tx, s.id).await?;
        services.push(ServiceFacts { name: s.name, has_policy: policy.is_some(), runbooks: per_service.get(&s.id.0).copied().unwrap_or(0) });
    }
    let (mut rotations, mut schedule_gaps) = (vec![], vec![]);
    for s in schedules::list(&mut tx).await? {
        for l in s.layers.iter().filter(|l| l.end.is_none_or(|e| e > at)) {
            rotations.push(RotationFacts { schedule: s.name.clone(), layer: l.name.clone(), people: l.participants.len(), turn: l.turn });
        }
        let shifts = final_shifts(&mut tx, &s, at, at + Duration::days(30)).await?;
        if let Some((from, _)) = gaps(&shifts, at, at + Duration::days(30)).first() {
            schedule_gaps.push((s.name.clone(), format!("from {}", crate::components::time::utc_text(*from))));
        }
    }
    let policies = escalations::list(&mut tx).await?.into_iter().map(|(_, name, p)| (name, p.steps.len())).collect();
    let runbooks = all_runbooks
        .into_iter()
        .map(|r| RunbookFacts {
            title: r.doc.metadata.title,
            owner: r.doc.metadata.owner,
            last_reviewed: r.doc.metadata.last_reviewed,
            alert_names: r.doc.metadata.alert_names,
        })
        .collect();
    let alerts_seen = metrics::alert_names_since(&mut tx, at - Duration::days(30)).await?;
    // the last quarter's SEV1 and SEV2 once resolved: their postmortem done, or not yet due
    let mut postmortems_missing = vec![];
    let quarter = incidents::declared_between(&mut tx, at - Duration::days(RUNBOOK_REVIEW_DAYS), at).await?;
    let drills_last_quarter = quarter.iter().filter(|i| i.drill).count();
    for i in quarter {
        if i.drill || i.severity > Severity::Sev2 || i.status.is_active() {
            continue;
        }
        match postmortems::of_incident(&mut tx, i.id).await? {
            None => postmortems_missing.push(format!("{} ({}): no postmortem", i.title, i.severity)),
            Some(p) if overdue(p.status, p.due, at) => postmortems_missing.push(format!("{} ({}): postmortem overdue", i.title, i.severity)),
            Some(_) => {}
        }
    }
    let overdue_items = postmortems::all_items(&mut tx).await?.into_iter().filter(|i| i.overdue(today)).map(|i| i.title).collect();
    tx.rollback().await?;
    Ok(check(&Facts {
        services,
        alerts_seen,
        rotations,
        policies,
        gaps: schedule_gaps,
        runbooks,
        postmortems_missing,
        overdue_items,
        drills_last_quarter,
        today,
    }))
}
