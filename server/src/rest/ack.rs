//! `/ack/{token}`: the acknowledgement link a page carries (webhook or email). The token is
//! the credential: no sign-in. `GET` only shows what the link is for, because chat apps and
//! mail scanners open links to preview them; the button on it (`POST`) acknowledges, once.

use app::server::services::contact::{self, LinkState};
use app::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{escape, html_page};

const BACK: (&str, &str) = ("/alerts", "Open Klaxon");

pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match contact::ack_link(&state, &token).await {
        Ok(LinkState::Ready { alert, summary, person }) => html_page(
            StatusCode::OK,
            "Acknowledge this page?",
            &format!(
                "<p>Alert {alert}: <strong>{}</strong></p><p>Acknowledging as {} stops the escalation: nobody else is paged for it.</p>\
                 <form method=\"post\"><button type=\"submit\" class=\"primary\">Acknowledge</button></form>",
                escape(&summary),
                escape(&person)
            ),
            BACK,
        ),
        Ok(LinkState::Used) => html_page(StatusCode::GONE, "Link used", "<p role=\"alert\">This link has been used already; it works once.</p>", BACK),
        Ok(LinkState::Expired) => {
            html_page(StatusCode::GONE, "Link expired", "<p role=\"alert\">This link has expired; open the alert in Klaxon instead.</p>", BACK)
        }
        Ok(LinkState::Unknown) => html_page(StatusCode::NOT_FOUND, "No such link", "<p role=\"alert\">There is no such acknowledgement link.</p>", BACK),
        Err(e) => e.into_response(),
    }
}

pub async fn acknowledge(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match contact::use_ack_link(&state, &token).await {
        Ok(alert) => html_page(
            StatusCode::OK,
            "Acknowledged",
            &format!("<p role=\"status\">Alert {alert} is acknowledged; its escalation has stopped.</p>"),
            (&format!("/alerts/{alert}"), "Open the alert"),
        ),
        Err(e) => {
            let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
            html_page(status, "That did not work", &format!("<p role=\"alert\">{}</p>", escape(&e.message)), BACK)
        }
    }
}
