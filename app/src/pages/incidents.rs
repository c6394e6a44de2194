//! The incident list: active first, filterable, live.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::incidents::list_incidents;
use crate::components::badges::{SeverityBadge, StatusBadge};
use crate::components::time::Time;
use crate::domain::event::Topic;
use crate::domain::incident::{upsert_sorted, IncidentList, ListFilter, Severity, Status};
use crate::domain::user::Permission;
use crate::live::use_live;
use crate::pages::gate::{authenticated, ErrorPanel};

#[component]
pub fn IncidentsPage() -> impl IntoView {
    authenticated(|user| {
        let can_declare = user.can(Permission::WorkIncidents);
        let data = crate::resource::blocking(|| (), |_| list_incidents());
        view! {
            <div class="page-head">
                <h1>"Incidents"</h1>
                {can_declare.then(|| view! { <a class="button primary" href="/incidents/new">"Declare incident"</a> })}
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading incidents…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(list) => view! { <IncidentTable list/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn IncidentTable(list: IncidentList) -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        ListFilter {
            severity: q.get("severity").and_then(|s| Severity::parse(&s)),
            status: q.get("status").and_then(|s| Status::parse(&s)),
            service: q.get("service").filter(|s| !s.is_empty()),
            active_only: q.get("active").as_deref() == Some("1"),
        }
    });
    let incidents = RwSignal::new(list.incidents.clone());
    let live = use_live(Topic::Incidents.path(), list.cursor, move |ev: crate::domain::event::LiveEvent| {
        incidents.update(|v| upsert_sorted(v, ev.incident));
    });
    let shown = move || incidents.get().into_iter().filter(|i| filter.with(|f| f.matches(i))).collect::<Vec<_>>();
    let services = list.services.clone();
    // incidents whose postmortem is late, flagged in the list
    let overdue: std::collections::HashMap<_, _> = list.postmortems.iter().filter(|p| p.overdue).map(|p| (p.incident, p.id)).collect();
    let today = list.now.date_naive();
    let my_items = list.my_items.clone();
    let selected = move |name: &'static str, value: String| query.read().get(name).as_deref() == Some(value.as_str());
    view! {
        {(!my_items.is_empty()).then(|| view! {
            <section class="panel" data-testid="my-items">
                <h2>"Your action items"</h2>
                <ul class="members">
                    {my_items.into_iter().map(|i| view! {
                        <li>
                            <a href=format!("/postmortems/{}", i.postmortem)>{i.title.clone()}</a>
                            <span class="muted small">{format!(" · {} · {}", i.priority.label(), i.subject_title)}</span>
                            {i.overdue(today).then(|| view! { " " <span class="badge danger">"Overdue"</span> })}
                        </li>
                    }).collect_view()}
                </ul>
                <a href="/action-items">"Every action item"</a>
            </section>
        })}
        <form class="filters" method="get" action="/incidents">
            <label>"Severity "
                <select name="severity">
                    <option value="">"Any"</option>
                    {Severity::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=move || selected("severity", s.as_str().into())>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Status "
                <select name="status">
                    <option value="">"Any"</option>
                    {Status::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=move || selected("status", s.as_str().into())>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Service "
                <select name="service">
                    <option value="">"Any"</option>
                    {services.into_iter().map(|s| { let slug = s.slug.clone(); view! { <option value=s.slug.clone() selected=move || selected("service", slug.clone())>{s.name}</option> } }).collect_view()}
                </select>
            </label>
            <label class="check"><input type="checkbox" name="active" value="1" checked=move || query.read().get("active").as_deref() == Some("1")/>" Active only"</label>
            <button type="submit">"Filter"</button>
            <span class=move || live.get().class() data-testid="live-status">{move || live.get().label()}</span>
        </form>
        <table class="incidents" data-testid="incident-list">
            <thead><tr><th>"Severity"</th><th>"Incident"</th><th>"Status"</th><th>"Services"</th><th>"Detected"</th></tr></thead>
            <tbody>
                <For each=shown key=|i| (i.id, i.version) children=move |i| {
                    let href = format!("/incidents/{}", i.id);
                    let late = overdue.get(&i.id).copied();
                    let services = i.services.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ");
                    view! {
                        <tr class=if i.status.is_active() { "active" } else { "closed" } data-incident=i.slug.clone()>
                            <td><SeverityBadge severity=i.severity/></td>
                            <td>
                                {i.drill.then(|| view! { <span class="badge drill" data-testid="drill">"DRILL"</span> " " })}
                                <a href=href>{i.title.clone()}</a><div class="muted small">{i.slug.clone()}</div>
                            </td>
                            <td>
                                <StatusBadge status=i.status/>
                                {late.map(|pm| view! {
                                    " " <a class="badge danger" href=format!("/postmortems/{pm}") data-testid="postmortem-overdue">"Postmortem overdue"</a>
                                })}
                            </td>
                            <td>{services}</td>
                            <td><Time t=i.detected_at/></td>
                        </tr>
                    }
                }/>
            </tbody>
        </table>
        {move || shown().is_empty().then(|| view! { <p class="muted">"No incidents match."</p> })}
    }
}
