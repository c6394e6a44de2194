//! Runbooks: everyone reads them; admins import and edit them as YAML.

use leptos::prelude::*;

use crate::api::runbooks::{list_runbooks, runbook_source, SaveRunbook};
use crate::domain::ids::RunbookId;
use crate::domain::runbook::Runbook;
use crate::domain::user::Permission;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

const TEMPLATE: &str = "metadata:\n  title: \n  service: \n  severity: sev2\n  owner: \n  alert_names: []\n  impact: \n\
diagnosis:\n  - step: \n    command: \n    expected: \nmitigation:\n  - option: \n    when: \n    command: \n    verify: \nrecovery:\n  - \n";

/// The YAML editor's state; it lives above the list, so reloading the list keeps it.
#[derive(Clone, Copy)]
struct Editor {
    open: RwSignal<bool>,
    editing: RwSignal<Option<RunbookId>>,
    yaml: RwSignal<String>,
    save: ServerAction<SaveRunbook>,
    saved: RwSignal<u32>,
}

impl Editor {
    fn new() -> Self {
        let e = Editor {
            open: RwSignal::new(false),
            editing: RwSignal::new(None),
            yaml: RwSignal::new(String::new()),
            save: ServerAction::<SaveRunbook>::new(),
            saved: RwSignal::new(0),
        };
        Effect::new(move |_| {
            if let Some(Ok(_)) = e.save.value().get() {
                e.open.set(false);
                e.saved.update(|n| *n += 1);
            }
        });
        e
    }

    fn start(self, id: Option<RunbookId>) {
        self.editing.set(id);
        self.open.set(true);
        self.save.value().set(None);
        match id {
            None => self.yaml.set(TEMPLATE.to_string()),
            Some(id) => leptos::task::spawn_local(async move {
                if let Ok(src) = runbook_source(id).await {
                    self.yaml.set(src);
                }
            }),
        }
    }
}

#[component]
pub fn RunbooksPage() -> impl IntoView {
    authenticated(|user| {
        let is_admin = user.can(Permission::Administer);
        let editor = Editor::new();
        let list = crate::resource::blocking(move || editor.saved.get(), |_| list_runbooks());
        view! {
            <h1>"Runbooks"</h1>
            {is_admin.then(|| view! {
                <p><button type="button" class="primary" on:click=move |_| editor.start(None)>"Import runbook (YAML)"</button></p>
                <EditorForm editor/>
            })}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rbs) => view! { <RunbookList rbs is_admin editor/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn EditorForm(editor: Editor) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        editor.save.dispatch(SaveRunbook { id: editor.editing.get_untracked(), yaml: editor.yaml.get_untracked() });
    };
    move || {
        editor.open.get().then(|| {
            view! {
                <form class="card runbook-editor" on:submit=submit data-testid="runbook-editor">
                    <label>"Runbook YAML"
                        <textarea name="yaml" rows="18" spellcheck="false"
                            prop:value=move || editor.yaml.get() on:input=move |e| editor.yaml.set(event_target_value(&e))></textarea>
                    </label>
                    <div class="row">
                        <button type="submit" class="primary" disabled=move || editor.save.pending().get()>"Save"</button>
                        <button type="button" on:click=move |_| editor.open.set(false)>"Cancel"</button>
                    </div>
                    {action_error(editor.save.value())}
                </form>
            }
        })
    }
}

#[component]
fn RunbookList(rbs: Vec<Runbook>, is_admin: bool, editor: Editor) -> impl IntoView {
    view! {
        {rbs.is_empty().then(|| view! { <p class="muted">"No runbooks yet."</p> })}
        {rbs.into_iter().map(|rb| {
            let id = rb.id;
            let m = rb.doc.metadata.clone();
            view! {
                <article class="runbook card" data-runbook=rb.id.0>
                    <h2>{m.title.clone()}</h2>
                    <p class="muted small">
                        "Service: " {m.service.clone()}
                        {m.severity.map(|s| format!(" · {}", s.label()))}
                        {m.owner.clone().map(|o| format!(" · owner {o}"))}
                        {(!m.alert_names.is_empty()).then(|| format!(" · alerts: {}", m.alert_names.join(", ")))}
                    </p>
                    <ol class="steps">
                        {rb.doc.steps().into_iter().map(|s| view! {
                            <li><span class="section">{s.section.as_str()}</span> " " {s.title}
                                {s.command.map(|c| view! { <pre><code>{c}</code></pre> })}</li>
                        }).collect_view()}
                    </ol>
                    {is_admin.then(|| view! { <button type="button" on:click=move |_| editor.start(Some(id))>"Edit"</button> })}
                </article>
            }
        }).collect_view()}
    }
}
