//! `GET /insights.csv` and `GET /insights.json`: the response metrics of `/insights` for a
//! spreadsheet or a script, over the period the query asks for (`days`, or `from` and `to`
//! as `YYYY-MM-DD`; the last 30 days without either). A bad period is a 400 that says why;
//! a reader who is not signed in is sent to sign in first.

use app::domain::metrics::report::Report;
use app::domain::metrics::table::{rows, HEADER};
use app::server::authz::current_user;
use app::server::services::metrics;
use app::server::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Debug, Deserialize)]
pub struct Asked {
    days: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The report the query asks for, or the response that says why not.
async fn read(state: &AppState, session: &Session, asked: &Asked, ext: &str) -> Result<Report, Response> {
    let user = current_user(&state.db, session).await.map_err(IntoResponse::into_response)?;
    if user.is_none() {
        let to = format!("/login?next=/insights.{ext}");
        let body = format!("<!DOCTYPE html><title>Sign in</title><p><a href=\"{to}\">Sign in</a> to read the metrics.</p>");
        return Err((StatusCode::SEE_OTHER, [(header::LOCATION, to), (header::CONTENT_TYPE, "text/html; charset=utf-8".into())], body).into_response());
    }
    let period = metrics::period(asked.days.as_deref(), asked.from.as_deref(), asked.to.as_deref()).map_err(IntoResponse::into_response)?;
    metrics::report(state, user.as_ref(), period).await.map_err(IntoResponse::into_response)
}

fn file(kind: &str, name: String, body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

fn file_name(r: &Report, ext: &str) -> String {
    format!("klaxon-metrics-{}-{}.{ext}", r.period.from.format("%Y%m%d"), r.period.to.format("%Y%m%d"))
}

pub async fn csv(State(state): State<AppState>, session: Session, Query(asked): Query<Asked>) -> Response {
    let r = match read(&state, &session, &asked, "csv").await {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut out = ::csv::Writer::from_writer(vec![]);
    let written = std::iter::once(HEADER.map(String::from)).chain(rows(&r)).try_for_each(|row| out.write_record(&row));
    match written.map_err(|e| e.to_string()).and_then(|()| out.into_inner().map_err(|e| e.to_string())) {
        Ok(body) => file("text/csv; charset=utf-8", file_name(&r, "csv"), body),
        Err(e) => {
            tracing::error!(error = %e, "writing the metrics as CSV");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub async fn json(State(state): State<AppState>, session: Session, Query(asked): Query<Asked>) -> Response {
    match read(&state, &session, &asked, "json").await {
        Ok(r) => match serde_json::to_vec_pretty(&r) {
            Ok(body) => file("application/json", file_name(&r, "json"), body),
            Err(e) => {
                tracing::error!(error = %e, "writing the metrics as JSON");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
        Err(e) => e,
    }
}
