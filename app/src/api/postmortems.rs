//! Postmortems and their action items.

use leptos::prelude::*;

use crate::domain::postmortem::record::ActionItem;
use crate::domain::postmortem::view::PostmortemView;
use crate::error::AppError;

/// A postmortem as its page shows it, with its text rendered (Markdown to safe HTML).
#[server(endpoint = "postmortems/get")]
pub async fn postmortem(id: i64) -> Result<(PostmortemView, String), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let view = crate::server::services::postmortems::load(&state, user.as_ref(), crate::domain::ids::PostmortemId(id)).await?;
    let html = crate::server::markdown::to_html(&view.body);
    Ok((view, html))
}

/// The text as it stands, rendered (Markdown to safe HTML): the live preview.
#[server(endpoint = "postmortems/html")]
pub async fn postmortem_html(id: i64) -> Result<String, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let text = crate::server::services::postmortem_edits::text(&state, user.as_ref(), crate::domain::ids::PostmortemId(id)).await?;
    Ok(crate::server::markdown::to_html(&text))
}

/// The caller's editor `client` is open, its caret at `caret` (a sticky position, base64, or
/// empty); the other editors open now.
#[server(endpoint = "postmortems/presence")]
pub async fn postmortem_presence(id: i64, client: u64, caret: String) -> Result<Vec<crate::domain::postmortem::presence::Peer>, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::postmortem_presence::here(&state, user.as_ref(), crate::domain::ids::PostmortemId(id), client, caret.trim()).await
}

/// Dismisses a blameless-language hint in this postmortem, for everyone: `hint` is
/// `rule:words` (e.g. `hindsight:should have`). Answers the hint as kept.
#[server(endpoint = "postmortems/hints/dismiss")]
pub async fn dismiss_hint(id: i64, hint: String) -> Result<crate::domain::postmortem::blameless::HintKey, AppError> {
    use crate::domain::postmortem::blameless::HintKey;
    let (state, user) = crate::api::ssr::caller().await?;
    let hint = HintKey::parse(hint.trim()).map_err(AppError::bad_request)?;
    crate::server::services::postmortems::dismiss_hint(&state, user.as_ref(), crate::domain::ids::PostmortemId(id), hint.clone()).await?;
    Ok(hint)
}

/// "Start postmortem" on a resolved incident: opens it (the one it has, if it has one).
#[server(endpoint = "postmortems/start")]
pub async fn start_postmortem(incident: i64) -> Result<i64, AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let id = crate::server::services::postmortems::start(&state, user.as_ref(), crate::domain::ids::IncidentId(incident)).await?;
    leptos_axum::redirect(&format!("/postmortems/{id}"));
    Ok(id.0)
}

/// `expected` and `to`: draft, in_review or complete.
#[server(endpoint = "postmortems/status")]
pub async fn set_postmortem_status(id: i64, expected: String, to: String) -> Result<(), AppError> {
    use crate::domain::postmortem::record::PostmortemStatus;
    let (state, user) = crate::api::ssr::caller().await?;
    let parse = |field: &str, s: &str| {
        PostmortemStatus::parse(s.trim()).ok_or_else(|| AppError::bad_request(format!("{field}: {:?} is not draft, in_review or complete.", s.trim())))
    };
    let (expected, to) = (parse("expected", &expected)?, parse("to", &to)?);
    crate::server::services::postmortems::change_status(&state, user.as_ref(), crate::domain::ids::PostmortemId(id), expected, to).await
}

/// Saves the text as written, from the version `base` (the page's `seq`): what others wrote
/// since is kept.
#[server(endpoint = "postmortems/text")]
pub async fn save_postmortem_text(id: i64, base: i64, text: String) -> Result<(), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    crate::server::services::postmortem_edits::save_text(&state, user.as_ref(), crate::domain::ids::PostmortemId(id), base, &text).await
}

/// A browser's document update (yrs v1, base64), written as `client`; the stream position
/// the document is at afterwards.
#[server(endpoint = "postmortems/update")]
pub async fn postmortem_update(id: i64, client: u64, update: String) -> Result<i64, AppError> {
    use base64::Engine as _;
    let (state, user) = crate::api::ssr::caller().await?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(update.trim()).map_err(|_| AppError::bad_request("update: not base64."))?;
    crate::server::services::postmortem_edits::apply_update(&state, user.as_ref(), crate::domain::ids::PostmortemId(id), client, bytes).await
}

/// What a browser's replica at `state_vector` (yrs v1, base64) lacks (base64), with the
/// stream position and live cursor that brings it to.
#[server(endpoint = "postmortems/catch-up")]
pub async fn postmortem_catch_up(id: i64, state_vector: String) -> Result<(String, i64, crate::domain::log::Cursor), AppError> {
    use base64::Engine as _;
    let (state, user) = crate::api::ssr::caller().await?;
    let engine = base64::engine::general_purpose::STANDARD;
    let sv = engine.decode(state_vector.trim()).map_err(|_| AppError::bad_request("state_vector: not base64."))?;
    let (diff, seq, cursor) = crate::server::services::postmortem_edits::catch_up(&state, user.as_ref(), crate::domain::ids::PostmortemId(id), &sv).await?;
    Ok((engine.encode(diff), seq, cursor))
}

#[cfg(feature = "ssr")]
fn owner(o: &str) -> Result<Option<crate::domain::ids::UserId>, AppError> {
    match o.trim() {
        "" => Ok(None),
        o => Ok(Some(o.parse::<crate::domain::ids::UserId>().map_err(|_| AppError::bad_request(format!("owner: {o:?} is not a user.")))?)),
    }
}

/// `owner`: a user id, or empty for nobody yet; `priority`: p0 to p3; `due`: YYYY-MM-DD or
/// empty; `link`: an http(s) address or empty.
#[server(endpoint = "postmortems/items/add")]
pub async fn add_action_item(postmortem: i64, title: String, owner: String, priority: String, due: String, link: String) -> Result<(), AppError> {
    use crate::server::services::postmortems::{add_item, ItemInput};
    let (state, user) = crate::api::ssr::caller().await?;
    let input = ItemInput { title: &title, owner: self::owner(&owner)?, priority: &priority, due_on: &due, link: &link };
    add_item(&state, user.as_ref(), crate::domain::ids::PostmortemId(postmortem), input).await.map(|_| ())
}

pub use edit::{edit_action_item, EditActionItem};

/// The edit form's fields and what the form showed of them: one argument per form field.
#[allow(clippy::too_many_arguments)]
mod edit {
    use leptos::prelude::*;

    use crate::error::AppError;

    /// Changes an action item's title, owner, priority, due day and link (as for adding one).
    /// `was_*`: what the form showed (with `was_title`, the others empty when not sent); the
    /// fields changed from it are applied, and the others keep what someone else made them
    /// meanwhile. Without `was_title`, every field is taken as sent.
    #[server(endpoint = "postmortems/items/edit")]
    pub async fn edit_action_item(
        item: i64,
        title: String,
        owner: String,
        priority: String,
        due: String,
        link: String,
        was_title: Option<String>,
        was_owner: Option<String>,
        was_priority: Option<String>,
        was_due: Option<String>,
        was_link: Option<String>,
    ) -> Result<(), AppError> {
        use crate::server::services::postmortems::{edit_item, ItemInput};
        let (state, user) = crate::api::ssr::caller().await?;
        let input = ItemInput { title: &title, owner: super::owner(&owner)?, priority: &priority, due_on: &due, link: &link };
        // an empty field of a form reads as missing: the title (never empty) says whether the
        // form sent what it showed
        let (o, p, d, l) = (was_owner.unwrap_or_default(), was_priority.unwrap_or_default(), was_due.unwrap_or_default(), was_link.unwrap_or_default());
        let base = match &was_title {
            Some(title) => Some(ItemInput { title, owner: super::owner(&o)?, priority: &p, due_on: &d, link: &l }),
            None => None,
        };
        edit_item(&state, user.as_ref(), crate::domain::ids::ActionItemId(item), input, base).await
    }
}

/// `status`: open, in_progress or done.
#[server(endpoint = "postmortems/items/status")]
pub async fn set_action_item(item: i64, status: String) -> Result<(), AppError> {
    use crate::domain::postmortem::record::ItemStatus;
    let (state, user) = crate::api::ssr::caller().await?;
    let status =
        ItemStatus::parse(status.trim()).ok_or_else(|| AppError::bad_request(format!("status: {:?} is not open, in_progress or done.", status.trim())))?;
    crate::server::services::postmortems::set_item_status(&state, user.as_ref(), crate::domain::ids::ActionItemId(item), status).await
}

/// Every action item of every postmortem, and today (UTC) for the overdue ones.
#[server(endpoint = "postmortems/items")]
pub async fn action_items() -> Result<(Vec<ActionItem>, chrono::NaiveDate), AppError> {
    let (state, user) = crate::api::ssr::caller().await?;
    let items = crate::server::services::postmortems::action_items(&state, user.as_ref()).await?;
    Ok((items, crate::server::time::now().date_naive()))
}
