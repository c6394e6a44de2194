//! Stable interfaces others already speak: the Statuspage v2 JSON and the feeds, served
//! from the public snapshot.

pub mod ack;
pub mod alertmanager;
pub mod calendar;
pub mod events_v2;
pub mod insights;
pub mod postmortem_md;
pub mod public;
pub mod subscriptions;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Text for HTML.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A small page of its own (no app shell, no script): `body` is HTML already escaped;
/// `back` is the link under it.
pub(crate) fn html_page(status: StatusCode, title: &str, body: &str, back: (&str, &str)) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/klaxon.css\"></head><body><main class=\"status-page\">\
         <h1>{title}</h1>{body}<p><a href=\"{href}\">{text}</a></p></main></body></html>",
        title = escape(title),
        href = escape(back.0),
        text = escape(back.1),
    );
    (status, Html(html)).into_response()
}
