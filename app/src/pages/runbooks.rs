//! Runbooks: everyone reads them; admins import and edit them as YAML.

use leptos::prelude::*;

use crate::api::runbooks::{list_runbooks, runbook_source, SaveRunbook};
use crate::domain::ids::RunbookId;
use crate::domain::runbook::Runbook;
use crate::domain::user::Permission;
use crate::pages::gate::{authenticated, action_error, ErrorPanel};

const TEMPLATE: &str = "metadata:\n  title: \n  service: \n  severity: sev2\n  owner: \n  alert_names: []\n  impact: \n\
diagnosis:\n  - step: \n    command: \n    expected: \nmitigation:\n  - option: \n    when: \n    command: \n    verify: \nrecovery:\n  - \n";

#[component]
pub fn RunbooksPage() -> impl IntoView {
    authenticated(|user| {
        let is_admin = user.can(Permission::Administer);
        let save = ServerAction::<SaveRunbook>::new();
        let list = Resource::new_blocking(move || save.version().get(), |_| list_runbooks());
        view! {
            <h1>"Runbooks"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rbs) => view! { <RunbookList rbs is_admin save/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn RunbookList(rbs: Vec<Runbook>, is_admin: bool, save: ServerAction<SaveRunbook>) -> impl IntoView {
    let editing = RwSignal::new(None::<RunbookId>);
    let yaml = RwSignal::new(String::new());
    let open_editor = move |id: Option<RunbookId>| {
        editing.set(id);
        match id {
            None => yaml.set(TEMPLATE.to_string()),
            Some(id) => {
                leptos::task::spawn_local(async move {
                    if let Ok(src) = runbook_source(id).await {
                        yaml.set(src);
                    }
                });
            }
        }
    };
    let show_editor = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            show_editor.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveRunbook { id: editing.get_untracked(), yaml: yaml.get_untracked() });
    };
    view! {
        {is_admin.then(|| view! {
            <p><button type="button" class="primary" on:click=move |_| { open_editor(None); show_editor.set(true); }>"Import runbook (YAML)"</button></p>
        })}
        {move || show_editor.get().then(|| view! {
            <form class="card runbook-editor" on:submit=submit data-testid="runbook-editor">
                <label>"Runbook YAML"
                    <textarea name="yaml" rows="18" spellcheck="false" prop:value=move || yaml.get() on:input=move |e| yaml.set(event_target_value(&e))></textarea>
                </label>
                <div class="row">
                    <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
                    <button type="button" on:click=move |_| show_editor.set(false)>"Cancel"</button>
                </div>
                {action_error(save.value())}
            </form>
        })}
        {rbs.is_empty().then(|| view! { <p class="muted">"No runbooks yet."</p> })}
        {rbs.into_iter().map(|rb| {
            let id = rb.id;
            let m = rb.doc.metadata.clone();
            view! {
                <article class="runbook card" data-runbook=rb.id.0>
                    <h2>{m.title.clone()}</h2>
                    <p class="muted small">
                        "Service: " {m.service.clone()}
                        {m.severity.clone().map(|s| format!(" · {s}"))}
                        {m.owner.clone().map(|o| format!(" · owner {o}"))}
                        {(!m.alert_names.is_empty()).then(|| format!(" · alerts: {}", m.alert_names.join(", ")))}
                    </p>
                    <ol class="steps">
                        {rb.doc.steps().into_iter().map(|s| view! {
                            <li><span class="section">{s.key.split('.').next().unwrap_or("").to_string()}</span> " " {s.title}
                                {s.command.map(|c| view! { <pre><code>{c}</code></pre> })}</li>
                        }).collect_view()}
                    </ol>
                    {is_admin.then(|| view! { <button type="button" on:click=move |_| { open_editor(Some(id)); show_editor.set(true); }>"Edit"</button> })}
                </article>
            }
        }).collect_view()}
    }
}
