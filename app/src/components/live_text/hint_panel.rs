//! The blameless-language hints beside a postmortem's text: each says why its words read as
//! blame and how else to put it. A dismissal is kept with the postmortem (an event on its
//! stream), so every open editor hides it at once and nobody is shown it again; without
//! JavaScript the "Dismiss" button is a form.

use std::collections::HashSet;

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::postmortems::DismissHint;
use crate::domain::ids::PostmortemId;
use crate::domain::postmortem::blameless::{Hint, HintKey};
use crate::pages::gate::action_error;

/// The hints `found` in the text but those `dismissed`; `can_dismiss`: may this reader
/// dismiss them now.
#[component]
pub fn Hints(id: PostmortemId, found: Memo<Vec<Hint>>, dismissed: RwSignal<HashSet<HintKey>>, can_dismiss: Signal<bool>) -> impl IntoView {
    let dismiss = ServerAction::<DismissHint>::new();
    // kept: hidden here (the other editors hear of it live)
    Effect::new(move |_| {
        if let Some(Ok(hint)) = dismiss.value().get() {
            dismissed.update(|d| {
                d.insert(hint);
            });
        }
    });
    let shown = move || -> Vec<Hint> { found.get().into_iter().filter(|h| !dismissed.with(|d| d.contains(&h.key()))).collect() };
    view! {
        <section class="panel" data-testid="hints">
            <h2>"Blameless language"</h2>
            {move || {
                let shown = shown();
                if shown.is_empty() {
                    return view! { <p class="muted small">"No hints: the text describes systems, not people."</p> }.into_any();
                }
                view! {
                    <ul class="hints">
                        {shown.into_iter().map(|h| {
                            let key = h.key();
                            let words = format!("\u{201c}{}\u{201d}", h.text);
                            view! {
                                <li>
                                    <strong>{words.clone()}</strong>
                                    " — " {h.rule.why()} " "
                                    <span class="muted">{h.rule.suggestion()}</span>
                                    {can_dismiss.get().then(|| {
                                        view! {
                                            " "
                                            <ActionForm action=dismiss attr:class="inline">
                                                <input type="hidden" name="id" value=id.0/>
                                                <input type="hidden" name="hint" value=key.to_string()/>
                                                <button type="submit" class="link small" aria-label=format!("Dismiss the hint on {words} for everyone")>"Dismiss"</button>
                                            </ActionForm>
                                        }
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {action_error(dismiss.value())}
        </section>
    }
}
