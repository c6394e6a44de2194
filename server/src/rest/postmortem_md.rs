//! `GET /postmortems/{id}.md`: the whole postmortem as one Markdown document (tables
//! included), for the wiki or the archive. A layer in front of the pages, since the page
//! `/postmortems/{id}` owns that path's segment; a reader who is not signed in is sent to
//! sign in first.

use app::domain::ids::PostmortemId;
use app::server::authz::current_user;
use app::server::services::postmortems;
use app::server::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

/// The postmortem a path asks for as Markdown, if it does.
fn wanted(path: &str) -> Option<PostmortemId> {
    let id = path.strip_prefix("/postmortems/")?.strip_suffix(".md")?;
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

pub async fn serve(State(state): State<AppState>, session: Session, req: Request, next: Next) -> Response {
    let Some(id) = wanted(req.uri().path()).filter(|_| req.method() == Method::GET || req.method() == Method::HEAD) else {
        return next.run(req).await;
    };
    let user = match current_user(&state.db, &session).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    if user.is_none() {
        // as every internal page answers an anonymous reader
        let to = format!("/login?next=/postmortems/{id}.md");
        let body = format!("<!DOCTYPE html><title>Sign in</title><p><a href=\"{to}\">Sign in</a> to read this postmortem.</p>");
        return (StatusCode::SEE_OTHER, [(header::LOCATION, to.clone()), (header::CONTENT_TYPE, "text/html; charset=utf-8".into())], body).into_response();
    }
    match postmortems::markdown(&state, user.as_ref(), id).await {
        Ok(md) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"postmortem-{id}.md\"")),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            md,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::wanted;
    use app::domain::ids::PostmortemId;

    #[test]
    fn only_a_postmortem_number_with_md_is_taken() {
        assert_eq!(wanted("/postmortems/12.md"), Some(PostmortemId(12)));
        for p in ["/postmortems/12", "/postmortems/.md", "/postmortems/1x.md", "/postmortems/12.md/x", "/incidents/12.md", "/postmortems/-1.md"] {
            assert_eq!(wanted(p), None, "{p}");
        }
    }
}
