//! The response metrics, read from the logs (everyone signed in may read them).

use crate::domain::metrics::period::Period;
use crate::domain::metrics::report::Report;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::repo::metrics;
use crate::server::state::AppState;
use crate::server::time::now;

/// The period a query asks for (`days`, or `from` and `to`), or a 400 that says why not.
pub fn period(days: Option<&str>, from: Option<&str>, to: Option<&str>) -> AppResult<Period> {
    Period::from_query(days, from, to, now()).map_err(AppError::bad_request)
}

/// The report over `period`, against the period before, read in one transaction.
pub async fn report(state: &AppState, actor: Option<&CurrentUser>, period: Period) -> AppResult<Report> {
    require(actor, Permission::ReadInternal)?;
    let mut tx = state.db.pool().begin().await?;
    let logs = metrics::logs(&mut tx, period.previous().from, period.to).await?;
    tx.rollback().await?;
    Ok(logs.report(period, now().date_naive()))
}
