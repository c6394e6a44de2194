//! `/status/incidents/{id}`: one public incident with all its updates. Public,
//! server-rendered, readable without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::status::public_incident;
use crate::components::public_updates::PublicUpdates;
use crate::components::theme::ThemeToggle;
use crate::components::time::Time;
use crate::domain::status_history::IncidentPage;
use crate::pages::gate::ErrorPanel;
use crate::pages::status::FeedLinks;

#[component]
pub fn StatusIncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    // not a Resource: these pages never hydrate, so their data is not copied into the HTML
    // (it would carry more than the page shows)
    let data = AsyncDerived::new(move || public_incident(id()));
    view! {
        <FeedLinks/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => view! { <Incident p/> }.into_any(),
                    Err(e) => view! { <main class="status-page"><ErrorPanel error=e/><p><a href="/status">"Current status"</a></p></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Incident(p: IncidentPage) -> impl IntoView {
    let i = p.incident;
    let names: Vec<String> = p.components.iter().map(|c| c.name.clone()).collect();
    view! {
        <Title text=format!("{} — {}", i.title, p.settings.name)/>
        <main class="status-page">
            <header class="status-head">
                <h1><a href="/status">{p.settings.name.clone()}</a></h1>
            </header>
            <article class=format!("public-incident impact-{}", i.impact.as_str()) data-public-incident=i.id.clone()>
                <h2>{i.title.clone()}</h2>
                <p class="muted small" data-testid="incident-state">
                    {i.status.label()} " · " {i.impact.as_str()} " impact · began " <Time t=i.created_at/>
                    {i.resolved_at.map(|t| view! { " · resolved " <Time t/> })}
                </p>
                {(!names.is_empty()).then(|| view! { <p class="muted small">{format!("Affected: {}", names.join(", "))}</p> })}
                <PublicUpdates updates=i.updates/>
            </article>
            <footer class="status-foot muted small">
                <a href="/status">"Current status"</a> " · " <a href="/status/history">"Incident history"</a> " · " <ThemeToggle/>
            </footer>
        </main>
    }
}
