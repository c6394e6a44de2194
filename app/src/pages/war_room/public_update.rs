//! Posting to the public status page, beside what the public sees now.

use leptos::prelude::*;

use crate::api::incidents::PostPublicUpdate;
use crate::components::time::Time;
use crate::domain::ids::ComponentId;
use crate::domain::status_page::{ComponentStatus, Impact, PublicStatus, PublicUpdate};
use crate::domain::war_room::{latest_public, public_page_path, WarRoom};
use crate::pages::gate::action_error;

#[component]
pub fn PublicUpdatePanel(room: RwSignal<WarRoom>, can_work: bool) -> impl IntoView {
    let (id, title, components, services) =
        room.with_untracked(|r| (r.incident.id, r.incident.title.clone(), r.components.clone(), r.incident.services.iter().map(|s| s.id).collect::<Vec<_>>()));
    let published = Memo::new(move |_| room.with(|r| latest_public(&r.events)));
    let post = ServerAction::<PostPublicUpdate>::new();
    let status = RwSignal::new(PublicStatus::Investigating);
    let public_title = RwSignal::new(published.get_untracked().map(|(_, u)| u.title).unwrap_or(title));
    let impact = RwSignal::new(Impact::Minor);
    // components of the affected services start ticked, as degraded
    let chosen: RwSignal<Vec<(ComponentId, ComponentStatus)>> = RwSignal::new(
        components.iter().filter(|c| c.service_id.is_some_and(|s| services.contains(&s))).map(|c| (c.id, ComponentStatus::DegradedPerformance)).collect(),
    );
    let names = components.clone();
    let template = move |s: PublicStatus| {
        let picked = chosen.get_untracked();
        let list: Vec<String> = names.iter().filter(|c| picked.iter().any(|(id, _)| *id == c.id)).map(|c| c.name.clone()).collect();
        s.template(&list)
    };
    let body = RwSignal::new(template(PublicStatus::Investigating));
    Effect::new(move |_| {
        if let Some(Ok(_)) = post.value().get() {
            post.value().set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        post.dispatch(PostPublicUpdate {
            id,
            update: PublicUpdate {
                title: public_title.get_untracked(),
                status: status.get_untracked(),
                body: body.get_untracked(),
                impact: impact.get_untracked(),
                components: chosen.get_untracked(),
                previous: vec![],
                public_id: String::new(),
            },
        });
    };
    view! {
        <section class="panel public" data-testid="public-update">
            <h2>"Public status page"</h2>
            <div class="public-now" data-testid="public-now">
                {move || match published.get() {
                    None => view! { <p class="muted">"Not on the public page."</p> }.into_any(),
                    Some((at, u)) => view! {
                        <p><strong>{u.title.clone()}</strong> " — " {u.status.label()}</p>
                        <p class="small">{u.body.clone()}</p>
                        <p class="muted small">"Posted " <Time t=at/></p>
                    }.into_any(),
                }}
                {move || match room.with(|r| public_page_path(&r.events)) {
                    Some(path) => view! { <a href=path rel="external" data-testid="public-link">"View it on the status page"</a> }.into_any(),
                    None => view! { <a href="/status" rel="external" data-testid="public-link">"Open the status page"</a> }.into_any(),
                }}
            </div>
            {can_work.then(move || view! {
                <form class="stack" on:submit=submit>
                    <label>"Public title" <input type="text" maxlength="120" required prop:value=move || public_title.get() on:input=move |e| public_title.set(event_target_value(&e))/></label>
                    <label>"Status"
                        <select aria-label="Update status" on:change=move |e| if let Some(s) = PublicStatus::parse(&event_target_value(&e)) { status.set(s); body.set(template(s)); }>
                            {[PublicStatus::Investigating, PublicStatus::Identified, PublicStatus::Monitoring, PublicStatus::Resolved]
                                .into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Message" <textarea rows="4" maxlength="5000" prop:value=move || body.get() on:input=move |e| body.set(event_target_value(&e))></textarea></label>
                    <label>"Impact"
                        <select on:change=move |e| if let Some(i) = Impact::parse(&event_target_value(&e)) { impact.set(i) }>
                            {Impact::ALL.into_iter().map(|i| view! { <option value=i.as_str() selected=i == Impact::Minor>{i.as_str()}</option> }).collect_view()}
                        </select>
                    </label>
                    <fieldset>
                        <legend>"Components"</legend>
                        {components.iter().map(|c| {
                            let cid = c.id;
                            let on = move || chosen.with(|v| v.iter().any(|(id, _)| *id == cid));
                            let current = move || chosen.with(|v| v.iter().find(|(id, _)| *id == cid).map(|(_, s)| *s));
                            view! {
                                <div class="row" data-public-component=c.name.clone()>
                                    <label class="check"><input type="checkbox" prop:checked=on
                                        on:change=move |e| { let tick = event_target_checked(&e); chosen.update(|v| { v.retain(|(id, _)| *id != cid); if tick { v.push((cid, ComponentStatus::DegradedPerformance)); } }); }/>
                                        " " {c.name.clone()}</label>
                                    <select aria-label=format!("Public status of {}", c.name) disabled=move || !on()
                                        on:change=move |e| if let Some(s) = ComponentStatus::parse(&event_target_value(&e)) { chosen.update(|v| for (id, st) in v.iter_mut() { if *id == cid { *st = s } }) }>
                                        {ComponentStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=move || current() == Some(s)>{s.label()}</option> }).collect_view()}
                                    </select>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="primary" disabled=move || post.pending().get()>"Post public update"</button>
                    {action_error(post.value())}
                </form>
            })}
        </section>
    }
}
