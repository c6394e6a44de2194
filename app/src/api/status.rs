//! The public status page's data: no sign-in needed, nothing internal in it.

use leptos::prelude::*;

use crate::domain::status_page::PublicPage;
use crate::error::AppError;

#[server(endpoint = "status/page")]
pub async fn public_status() -> Result<PublicPage, AppError> {
    let state = crate::api::ssr::state()?;
    crate::server::services::status_page::public_page(&state, crate::server::time::now()).await
}
