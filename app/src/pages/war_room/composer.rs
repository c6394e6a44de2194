//! Posting notes and stakeholder updates.

use leptos::prelude::*;

use crate::api::incidents::AddNote;
use crate::domain::ids::IncidentId;
use crate::domain::incident::NoteKind;
use crate::pages::gate::action_error;

#[component]
pub fn Composer(id: IncidentId) -> impl IntoView {
    let post = ServerAction::<AddNote>::new();
    let body = RwSignal::new(String::new());
    let kind = RwSignal::new(NoteKind::Note);
    Effect::new(move |_| {
        if let Some(Ok(_)) = post.value().get() {
            body.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        post.dispatch(AddNote { id, kind: kind.get_untracked(), body: body.get_untracked() });
    };
    view! {
        <form class="composer" on:submit=submit data-testid="composer">
            <textarea name="body" rows="3" maxlength="5000" placeholder="What do you see? What are you trying?"
                prop:value=move || body.get() on:input=move |e| body.set(event_target_value(&e))></textarea>
            <div class="row">
                <label class="check">
                    <input type="checkbox" name="update" prop:checked=move || kind.get() == NoteKind::Update
                        on:change=move |e| kind.set(if event_target_checked(&e) { NoteKind::Update } else { NoteKind::Note })/>
                    " Stakeholder update (resets the update clock)"
                </label>
                <button type="submit" class="primary" disabled=move || post.pending().get()>"Post"</button>
            </div>
            {action_error(post.value())}
        </form>
    }
}
