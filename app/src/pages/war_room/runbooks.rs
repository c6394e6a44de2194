//! The affected services' runbooks, with copyable commands and steps to tick.

use leptos::prelude::*;

use crate::api::incidents::TickRunbookStep;
use crate::domain::war_room::{ticked, WarRoom};
use crate::pages::gate::action_error;

#[component]
pub fn RunbookPanel(room: RwSignal<WarRoom>, can_work: bool) -> impl IntoView {
    let tick = ServerAction::<TickRunbookStep>::new();
    let id = room.with_untracked(|r| r.incident.id);
    let runbooks = room.with_untracked(|r| r.runbooks.clone());
    let done = Memo::new(move |_| room.with(|r| ticked(&r.events)));
    (!runbooks.is_empty()).then(|| {
        view! {
            <section class="runbooks" data-testid="runbooks">
                <h2>"Runbooks"</h2>
                {action_error(tick.value())}
                {runbooks.into_iter().map(|rb| {
                    let rb_id = rb.id;
                    view! {
                        <article class="runbook" id=format!("runbook-{}", rb.id)>
                            <h3>{rb.doc.metadata.title.clone()}</h3>
                            {rb.doc.metadata.impact.clone().map(|i| view! { <p class="muted">{i}</p> })}
                            <ol class="steps">
                                {rb.doc.steps().into_iter().map(|s| {
                                    let key = s.key.clone();
                                    let key_done = s.key.clone();
                                    let is_done = Memo::new(move |_| done.with(|d| d.iter().any(|(r, k)| *r == rb_id && *k == key_done)));
                                    let section = s.section.as_str();
                                    view! {
                                        <li class=move || if is_done.get() { "step done" } else { "step" } data-step=s.key.clone()>
                                            <span class="section">{section}</span>
                                            <strong>{s.title.clone()}</strong>
                                            {s.detail.clone().map(|d| view! { <div class="muted small">{d}</div> })}
                                            {s.command.clone().map(|c| view! { <CommandBlock command=c/> })}
                                            {move || (can_work && !is_done.get()).then(|| {
                                                let key = key.clone();
                                                view! {
                                                    <button type="button" class="small" on:click=move |_| {
                                                        tick.dispatch(TickRunbookStep { id, runbook: rb_id, step: key.clone() });
                                                    }>"Mark done"</button>
                                                }
                                            })}
                                            {move || is_done.get().then(|| view! { <span class="done-mark">"✓ done"</span> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        </article>
                    }
                }).collect_view()}
            </section>
        }
    })
}

#[component]
fn CommandBlock(command: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = command.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
        }
        let _ = &text;
        copied.set(true);
    };
    view! {
        <div class="command">
            <pre><code>{command}</code></pre>
            <button type="button" class="small" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
        </div>
    }
}
