//! `/status/history/YYYY-MM` (or `?month=YYYY-MM`; the current month without either): the
//! public incident history, a month per page. Public, server-rendered, readable without
//! JavaScript; each month has an address of its own, so the history exports as static files.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::status::status_history;
use crate::components::theme::ThemeToggle;
use crate::components::time::Time;
use crate::domain::status_history::HistoryPage;
use crate::pages::gate::ErrorPanel;
use crate::pages::status::FeedLinks;

#[component]
pub fn StatusHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let month = move || params.read().get("month").or_else(|| query.read().get("month"));
    // not a Resource: these pages never hydrate, so their data is not copied into the HTML
    // (it would carry more than the page shows)
    let data = AsyncDerived::new(move || status_history(month()));
    view! {
        <FeedLinks/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(h) => view! { <History h/> }.into_any(),
                    Err(e) => view! { <main class="status-page"><ErrorPanel error=e/><p><a href="/status/history">"Incident history"</a></p></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn History(h: HistoryPage) -> impl IntoView {
    let label = h.month.label();
    view! {
        <Title text=format!("{} — incident history, {label}", h.settings.name)/>
        <main class="status-page history">
            <header class="status-head">
                <h1><a href="/status">{h.settings.name.clone()}</a></h1>
            </header>
            <h2 data-testid="history-month">"Incident history · " {label}</h2>
            {if h.incidents.is_empty() {
                view! { <p class="muted" data-testid="no-incidents">"No incidents reported this month."</p> }.into_any()
            } else {
                view! {
                    <ul class="history-list" data-testid="history">
                        {h.incidents.into_iter().map(|i| {
                            let last = i.updates.first().map(|u| u.body.clone()).unwrap_or_default();
                            view! {
                                <li class=format!("public-incident impact-{}", i.impact.as_str()) data-public-incident=i.id.clone()>
                                    <a href=format!("/status/incidents/{}", i.id)>{i.title.clone()}</a>
                                    <span class="muted small">" · " {i.status.label()} " · " <Time t=i.created_at/></span>
                                    <p class="public-update">{last}</p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <nav class="pager">
                {h.older.map(|m| view! { <a rel="prev" href=m.path()>"← " {m.label()}</a> })}
                {h.newer.map(|m| view! { <a rel="next" href=m.path()>{m.label()} " →"</a> })}
            </nav>
            <footer class="status-foot muted small"><a href="/status">"Current status"</a> " · " <ThemeToggle/></footer>
        </main>
    }
}
