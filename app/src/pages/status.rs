//! `/status`: what customers see. Public, server-rendered, readable without JavaScript; it
//! never loads the app's WASM: its small script (`frontend/status.js`) shows local times
//! and re-reads the page when `/live/status` says it changed.

use leptos::prelude::*;
use leptos_meta::{Link, Title};

use crate::api::status::public_status;
use crate::components::public_updates::PublicUpdates;
use crate::components::theme::ThemeToggle;
use crate::components::time::Time;
use crate::domain::status_page::{ComponentView, DayBar, Maintenance, MaintenancePhase, PublicPage};
use crate::pages::gate::ErrorPanel;

#[component]
pub fn StatusPage() -> impl IntoView {
    // not a Resource: these pages never hydrate, so their data is not copied into the HTML
    // (it would carry more than the page shows)
    let page = AsyncDerived::new(public_status);
    view! {
        <FeedLinks/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <Public page=p/> }.into_any(),
                    Err(e) => view! { <main class="page"><ErrorPanel error=e/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The feeds, for readers that discover them from the page.
#[component]
pub fn FeedLinks() -> impl IntoView {
    view! {
        <Link rel="alternate" type_="application/rss+xml" title="Status updates (RSS)" href="/status/history.rss"/>
        <Link rel="alternate" type_="application/atom+xml" title="Status updates (Atom)" href="/status/history.atom"/>
    }
}

#[component]
fn Public(page: PublicPage) -> impl IntoView {
    let settings = page.settings.clone();
    let unresolved: Vec<_> = page.unresolved().cloned().collect();
    let now = page.generated_at;
    let maintenances: Vec<(Maintenance, Vec<String>)> = page
        .maintenances_in(&[MaintenancePhase::Scheduled, MaintenancePhase::InProgress, MaintenancePhase::Verifying])
        .into_iter()
        .map(|m| (m.clone(), m.components.iter().filter_map(|c| page.component_name(*c).map(str::to_string)).collect()))
        .collect();
    view! {
        <Title text=settings.name.clone()/>
        <main class="status-page">
            <header class="status-head">
                {(!settings.logo_url.is_empty()).then(|| view! { <img class="logo" src=settings.logo_url.clone() alt=""/> })}
                <h1>{settings.name.clone()}</h1>
            </header>
            {page.stale.then(|| view! {
                <p class="notice stale" data-testid="stale" role="status">"This page may be out of date: we cannot check for news right now. It shows what we knew when it was last updated."</p>
            })}
            <section class=format!("overall {}", page.overall.indicator.as_str()) data-testid="overall" data-indicator=page.overall.indicator.as_str()>
                {page.overall.description.clone()}
            </section>
            {(!unresolved.is_empty()).then(|| view! {
                <section class="public-incidents" data-testid="active-incidents">
                    {unresolved.into_iter().map(|i| view! {
                        <article class=format!("public-incident impact-{}", i.impact.as_str()) data-public-incident=i.id.clone()>
                            <h2><a href=format!("/status/incidents/{}", i.id)>{i.title.clone()}</a></h2>
                            <PublicUpdates updates=i.updates/>
                        </article>
                    }).collect_view()}
                </section>
            })}
            {(!maintenances.is_empty()).then(|| view! {
                <section class="public-incidents" data-testid="maintenances">
                    {maintenances.into_iter().map(|(m, names)| view! {
                        <article class="public-incident maintenance" data-maintenance=m.title.clone()>
                            <h2>{m.title.clone()}</h2>
                            <p><strong data-testid="maintenance-phase">{m.phase(now).label()}</strong> " · " <Time t=m.starts_at/> " – " <Time t=m.ends_at/></p>
                            <p class="public-update">{m.message.clone()}</p>
                            {(!names.is_empty()).then(|| view! { <p class="muted small">"Affects: " {names.join(", ")}</p> })}
                        </article>
                    }).collect_view()}
                </section>
            })}
            {page.groups.into_iter().map(|g| {
                let label = g.name.clone().unwrap_or_default();
                view! {
                <section class="component-group" data-group=label>
                    {g.name.map(|n| view! { <h2>{n}</h2> })}
                    {g.components.into_iter().map(|c| view! { <ComponentRow view=c/> }).collect_view()}
                </section>
                }
            }).collect_view()}
            <section class="subscribe" data-testid="subscribe">
                <h2>"Get updates"</h2>
                <form method="post" action="/status/subscriptions">
                    <label>"Webhook URL (Slack-compatible)"
                        <input type="url" name="url" required maxlength="2000" placeholder="https://hooks.example.com/…"/>
                    </label>
                    <button type="submit">"Subscribe"</button>
                </form>
                <p class="muted small">"Each update is posted as JSON with a " <code>"text"</code> " field; every delivery carries a token to unsubscribe."</p>
            </section>
            <footer class="status-foot muted small">
                "Updated " <Time t=page.generated_at/>
                " · " <a href="/status/history">"Incident history"</a>
                " · " <a href="/status/history.rss">"RSS"</a>
                " · " <a href="/status/history.atom">"Atom"</a>
                {(!settings.support_url.is_empty()).then(|| view! { " · " <a href=settings.support_url.clone()>"Support"</a> })}
                " · " <ThemeToggle/>
            </footer>
        </main>
    }
}

fn day_title(d: &DayBar) -> String {
    let date = d.date.format("%-d %b %Y");
    match d.uptime {
        None => format!("{date}: no data"),
        Some(u) => {
            let mut parts = vec![];
            if d.major_outage_minutes > 0 {
                parts.push(format!("major outage {} min", d.major_outage_minutes));
            }
            if d.partial_outage_minutes > 0 {
                parts.push(format!("partial outage {} min", d.partial_outage_minutes));
            }
            if parts.is_empty() && d.worst != crate::domain::status_page::ComponentStatus::Operational {
                parts.push(d.worst.label().to_lowercase());
            }
            let what = if parts.is_empty() { "no incidents".to_string() } else { parts.join(", ") };
            format!("{date}: {what}; uptime {u:.2}%")
        }
    }
}

#[component]
fn ComponentRow(view: ComponentView) -> impl IntoView {
    let c = view.component;
    view! {
        <div class="component" data-component=c.name.clone()>
            <div class="component-head">
                <span class="component-name" title=c.description.clone()>{c.name.clone()}</span>
                <span class=format!("component-status {}", c.status.as_str()) data-testid="component-status">{c.status.label()}</span>
            </div>
            <div class="bars" aria-label=format!("{} over the last {} days", c.name, view.days.len())>
                {view.days.iter().map(|d| {
                    let class = if d.uptime.is_none() { "bar none".to_string() } else { format!("bar {}", d.worst.as_str()) };
                    view! { <span class=class title=day_title(d)></span> }
                }).collect_view()}
            </div>
            <div class="bars-legend muted small">
                <span>{format!("{} days ago", view.days.len())}</span>
                <span>{view.uptime.map(|u| format!("{u:.2} % uptime")).unwrap_or_default()}</span>
                <span>"Today"</span>
            </div>
        </div>
    }
}
