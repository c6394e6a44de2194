use std::collections::HashSet;

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::incidents::MarkKeyNote;
use crate::components::time::Time;
use crate::domain::event::{EventKind, IncidentEvent};
use crate::domain::ids::{EventId, IncidentId};

/// The incident's log, newest first. Given `mark` (someone who works incidents), each note has
/// a button that marks it as key (key notes go on the postmortem's timeline).
#[component]
pub fn Timeline(#[prop(into)] events: Signal<Vec<IncidentEvent>>, #[prop(optional)] mark: Option<IncidentId>) -> impl IntoView {
    let marked = Memo::new(move |_| {
        events.with(|v| {
            v.iter()
                .filter_map(|e| match &e.kind {
                    EventKind::NoteMarkedKey { note, .. } => Some(*note),
                    _ => None,
                })
                .collect::<HashSet<EventId>>()
        })
    });
    let action = ServerAction::<MarkKeyNote>::new();
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
                            {matches!(e.kind, EventKind::NoteAdded { .. }).then(|| {
                                let note = e.id;
                                move || match (marked.with(|m| m.contains(&note)), mark) {
                                    (true, _) => view! { " " <span class="badge" data-testid="key-note">"Key"</span> }.into_any(),
                                    (false, Some(incident)) => view! {
                                        " "
                                        <ActionForm action attr:class="inline">
                                            <input type="hidden" name="incident" value=incident.0/>
                                            <input type="hidden" name="note" value=note.0/>
                                            <button type="submit" class="link small">"Mark as key"</button>
                                        </ActionForm>
                                    }.into_any(),
                                    (false, None) => ().into_any(),
                                }
                            })}
                        </li>
                    }
                }
            />
        </ol>
    }
}
