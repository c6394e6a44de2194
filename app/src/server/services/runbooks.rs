//! Runbooks: import and edit (admins), read (everyone signed in).

use crate::domain::ids::RunbookId;
use crate::domain::runbook::{Runbook, RunbookDoc};
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::{catalog, runbooks};
use crate::server::state::AppState;

pub const YAML_MAX: usize = 256 * 1024;

/// Parses and checks runbook YAML.
pub fn parse_yaml(yaml: &str) -> AppResult<RunbookDoc> {
    if yaml.len() > YAML_MAX {
        return Err(AppError::bad_request(format!("A runbook may be at most {} KiB of YAML.", YAML_MAX / 1024)));
    }
    let doc: RunbookDoc = serde_yaml_ng::from_str(yaml).map_err(|e| AppError::bad_request(format!("The YAML is not a runbook: {e}")))?;
    doc.validate().map_err(|e| AppError::bad_request(format!("The runbook is not valid: {e}")))?;
    Ok(doc)
}

/// Creates a runbook from YAML, or replaces runbook `id` with it.
pub async fn save_yaml(state: &AppState, actor: Option<&CurrentUser>, id: Option<RunbookId>, yaml: &str) -> AppResult<RunbookId> {
    require(actor, Permission::Administer)?;
    let doc = parse_yaml(yaml)?;
    let mut conn = state.db.pool().acquire().await?;
    let service = catalog::by_slug(&mut conn, doc.metadata.service.trim())
        .await?
        .ok_or_else(|| AppError::bad_request(format!("Unknown service: {:?}.", doc.metadata.service)))?;
    match runbooks::save(&mut conn, id, service.id, &doc, yaml).await {
        Err(sqlx::Error::RowNotFound) => Err(AppError::not_found("There is no such runbook.")),
        other => Ok(other?),
    }
}

pub async fn list(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<Runbook>> {
    require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(runbooks::list(&mut conn).await?)
}

pub async fn source(state: &AppState, actor: Option<&CurrentUser>, id: RunbookId) -> AppResult<String> {
    require(actor, Permission::Administer)?;
    let mut conn = state.db.pool().acquire().await?;
    runbooks::source_yaml(&mut conn, id).await?.ok_or_else(|| AppError::not_found("There is no such runbook."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_shape() {
        let doc = parse_yaml(
            "metadata:\n  title: Checkout errors\n  service: checkout\n  severity: sev2\n  alert_names: [CheckoutErrors]\n\
             diagnosis:\n  - step: Check the error rate\n    command: curl -s http://x/metrics\n    expected: below 1%\n\
             mitigation:\n  - option: Roll back\n    when: a deploy preceded the errors\n    command: deploy rollback checkout\n    verify: errors drop\n\
             recovery:\n  - Re-enable the canary\n",
        )
        .unwrap();
        assert_eq!(doc.metadata.alert_names, ["CheckoutErrors"]);
        assert_eq!(doc.metadata.severity, Some(crate::domain::incident::Severity::Sev2));
        let e = parse_yaml("metadata:\n  title: x\n  service: y\n  severity: high\nrecovery: [z]\n").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::BadRequest);
        assert!(e.message.contains(r#"severity must be sev1 to sev4, not "high""#), "{}", e.message);
        assert_eq!(doc.steps().len(), 3);
        assert!(parse_yaml("metadata: [").unwrap_err().message.contains("not a runbook"));
        assert!(parse_yaml("metadata:\n  title: x\n  service: y\n").unwrap_err().message.contains("at least one"));
    }
}
