//! `/inbox`: what Klaxon told the signed-in user (an audience they belong to was notified
//! of an incident), newest first.

use leptos::prelude::*;

use crate::api::notifications::inbox;
use crate::components::time::Time;
use crate::domain::user::Permission;
use crate::pages::gate::{authenticated, ErrorPanel};

#[component]
pub fn InboxPage() -> impl IntoView {
    authenticated(|user| {
        let items = crate::resource::blocking(|| (), |_| inbox());
        view! {
            <div class="page-head"><h1>"Inbox"</h1>
                <a href="/inbox/rules">"How you are paged"</a>
                {user.can(Permission::Administer).then(|| view! { <a href="/audiences">"Who is told"</a> })}
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(items) if items.is_empty() => view! { <p data-testid="inbox-empty">"Nothing yet. You are told here when an audience you belong to is notified of an incident."</p> }.into_any(),
                        Ok(items) => view! {
                            <ul class="inbox" data-testid="inbox">
                                {items.into_iter().map(|i| view! {
                                    <li><a href=i.link>{i.text}</a> " " <Time t=i.at/></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}
