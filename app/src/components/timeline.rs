use leptos::prelude::*;

use crate::components::time::Time;
use crate::domain::event::{EventKind, IncidentEvent};

#[component]
pub fn Timeline(#[prop(into)] events: Signal<Vec<IncidentEvent>>) -> impl IntoView {
    view! {
        <ol class="timeline" data-testid="timeline" tabindex="-1">
            <For
                each=move || { let mut v = events.get(); v.reverse(); v }
                key=|e| e.id
                children=move |e: IncidentEvent| {
                    let class = format!("event {}{}", e.kind.name(), if e.kind.is_alert() { " alert" } else { "" });
                    let who = e.actor.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "Klaxon".into());
                    let link = match &e.kind {
                        EventKind::ChangeRecorded { link: Some(url), .. } | EventKind::LinkAdded { url, .. } => Some(url.clone()),
                        _ => None,
                    };
                    view! {
                        <li class=class data-event-id=e.id.0 data-kind=e.kind.name()>
                            <Time t=e.at/>
                            <span class="actor">{who}</span>
                            <span class="summary">{e.kind.summary()}</span>
                            {link.map(|u| view! { " " <a href=u.clone() rel="noopener noreferrer" target="_blank">{u.clone()}</a> })}
                        </li>
                    }
                }
            />
        </ol>
    }
}
