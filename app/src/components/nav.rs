use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::auth::Logout;
use crate::components::pager::Pager;
use crate::components::theme::ThemeToggle;
use crate::domain::user::CurrentUser;

#[component]
pub fn Nav(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href("/login");
        }
    });
    view! {
        <header class="topbar">
            <a class="brand" href="/incidents">"Klaxon"</a>
            <nav>
                <a href="/incidents">"Incidents"</a>
                <a href="/alerts">"Alerts"</a>
                <a href="/oncall">"On call"</a>
                <a href="/runbooks">"Runbooks"</a>
                <a href="/insights">"Metrics"</a>
                <a href="/status-page">"Status page"</a>
                <a href="/inbox">"Inbox"</a>
            </nav>
            <div class="me">
                <ThemeToggle/>
                <span class="who" data-testid="me">{user.name.clone()} " · " {user.role.as_str()}</span>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="link">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <Pager me=user.id/>
    }
}
