//! The response metrics.

use leptos::prelude::*;

use crate::domain::metrics::report::Report;
use crate::error::AppError;

/// The report over the period the query asks for (`days`, or `from` and `to` as
/// `YYYY-MM-DD`; the last 30 days without either).
#[server(endpoint = "insights")]
pub async fn insights(days: Option<String>, from: Option<String>, to: Option<String>) -> Result<Report, AppError> {
    use crate::server::services::metrics;
    let (state, user) = crate::api::ssr::caller().await?;
    let period = metrics::period(days.as_deref(), from.as_deref(), to.as_deref())?;
    metrics::report(&state, user.as_ref(), period).await
}
