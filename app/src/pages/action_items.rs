//! `/action-items`: every action item of every postmortem, filtered by owner, status,
//! priority and overdue (a plain GET form, so it filters without JavaScript too). Marking
//! one done here shows at once on its postmortem's page, for everyone who has it open.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::postmortems::{action_items, SetActionItem};
use crate::components::action_items::Items;
use crate::domain::ids::UserId;
use crate::domain::postmortem::record::{ItemFilter, ItemStatus, Priority};
use crate::domain::user::Permission;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn ActionItemsPage() -> impl IntoView {
    authenticated(|user| {
        let can_work = user.can(Permission::WorkIncidents);
        let me = user.id;
        let mark = ServerAction::<SetActionItem>::new();
        let data = crate::resource::blocking(move || mark.version().get(), |_| action_items());
        let query = use_query_map();
        let filter = Memo::new(move |_| {
            let q = query.read();
            ItemFilter {
                owner: q.get("owner").and_then(|s| s.parse::<UserId>().ok()),
                status: q.get("status").and_then(|s| ItemStatus::parse(&s)),
                priority: q.get("priority").and_then(|s| Priority::parse(&s)),
                overdue_only: q.get("overdue").as_deref() == Some("1"),
            }
        });
        let selected = move |name: &'static str, value: String| query.read().get(name).as_deref() == Some(value.as_str());
        view! {
            <div class="page-head"><h1>"Action items"</h1></div>
            <form class="filters" method="get" action="/action-items">
                <label>"Owner "
                    <select name="owner">
                        <option value="">"Anyone"</option>
                        <option value=me.0 selected=move || selected("owner", me.0.to_string())>"Me"</option>
                    </select>
                </label>
                <label>"Status "
                    <select name="status">
                        <option value="">"Any"</option>
                        {ItemStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=move || selected("status", s.as_str().into())>{s.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Priority "
                    <select name="priority">
                        <option value="">"Any"</option>
                        {Priority::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=move || selected("priority", p.as_str().into())>{p.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="check"><input type="checkbox" name="overdue" value="1" checked=move || query.read().get("overdue").as_deref() == Some("1")/>" Overdue only"</label>
                <button type="submit">"Filter"</button>
            </form>
            {action_error(mark.value())}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((items, today)) => {
                            let shown: Vec<_> = filter.with(|f| items.into_iter().filter(|i| f.matches(i, today)).collect());
                            view! { <Items items=shown today mark can_work show_incident=true/> }.into_any()
                        }
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}
