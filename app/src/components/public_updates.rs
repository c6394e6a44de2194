//! A public incident's updates as customers read them, newest first.

use leptos::prelude::*;

use crate::components::time::Time;
use crate::domain::status_page::PublicUpdateView;

#[component]
pub fn PublicUpdates(updates: Vec<PublicUpdateView>) -> impl IntoView {
    updates
        .into_iter()
        .map(|u| {
            view! {
                <div class="public-update" data-update=u.id>
                    <strong>{u.status.label()}</strong> " — " {u.body}
                    <div class="muted small"><Time t=u.at/></div>
                </div>
            }
        })
        .collect_view()
}
