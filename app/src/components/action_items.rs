//! Action items as a table (stacked rows on a phone), each with the buttons that move it on
//! (start, mark done, reopen) and, on a postmortem's page, a form that changes what it says:
//! on a postmortem's page and on `/action-items`.
//!
//! Rows are keyed by item: when someone else changes an item, its row shows the change and an
//! open edit form stays open with what was typed in it (`item_merge::follow`).

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::postmortems::{EditActionItem, SetActionItem};
use crate::domain::postmortem::item_merge::form_values;
use crate::domain::postmortem::record::{ActionItem, Priority};
use crate::domain::roles::Person;

/// Changing an item's title, owner, priority, due day and link: the action and who may own it.
#[derive(Clone)]
pub struct Editing {
    pub edit: ServerAction<EditActionItem>,
    pub people: Vec<Person>,
}

/// The action items as a table (stacked rows on a phone), each with its status buttons, and
/// (given `editing`) a form to change it.
#[component]
pub fn Items(
    #[prop(into)] items: Signal<Vec<ActionItem>>,
    today: chrono::NaiveDate,
    mark: ServerAction<SetActionItem>,
    can_work: bool,
    show_incident: bool,
    #[prop(optional)] editing: Option<Editing>,
) -> impl IntoView {
    let editing = StoredValue::new(editing.filter(|_| can_work));
    let empty = move || items.with(Vec::is_empty);
    view! {
        <Show when=move || !empty() fallback=|| view! { <p class="muted" data-testid="no-items">"No action items yet."</p> }>
            <table class="incidents items" data-testid="items">
                <thead><tr><th>"Action"</th>{show_incident.then(|| view! { <th>"Postmortem"</th> })}<th>"Owner"</th><th>"Priority"</th><th>"Due"</th><th>"Status"</th></tr></thead>
                <tbody>
                    <For each=move || items.get() key=|i| i.id.0 children=move |first: ActionItem| {
                        let id = first.id;
                        let item = Memo::new(move |_| items.with(|all| all.iter().find(|i| i.id == id).cloned()).unwrap_or_else(|| first.clone()));
                        let editing = editing.get_value();
                        view! { <Row item today mark can_work show_incident editing/> }
                    }/>
                </tbody>
            </table>
        </Show>
    }
}

/// One item's row, following the item as it changes.
#[component]
fn Row(
    item: Memo<ActionItem>,
    today: chrono::NaiveDate,
    mark: ServerAction<SetActionItem>,
    can_work: bool,
    show_incident: bool,
    editing: Option<Editing>,
) -> impl IntoView {
    let i = item.get_untracked();
    let buttons = move || {
        let i = item.get();
        can_work.then(|| {
            i.status
                .next()
                .iter()
                .map(|(to, say)| {
                    let (id, label) = (i.id.0, format!("{say}: {}", i.title));
                    view! {
                        " "
                        <ActionForm action=mark attr:class="inline">
                            <input type="hidden" name="item" value=id/>
                            <input type="hidden" name="status" value=to.as_str()/>
                            <button type="submit" class="link" aria-label=label>{*say}</button>
                        </ActionForm>
                    }
                })
                .collect_view()
        })
    };
    let title = move || {
        let i = item.get();
        match i.link {
            Some(l) => view! { <a href=l rel="noopener noreferrer external" target="_blank" data-testid="item-link">{i.title}</a> }.into_any(),
            None => view! { {i.title} }.into_any(),
        }
    };
    // drawn once: it follows the item by itself
    let form = editing.map(|e| view! { <EditForm item editing=e/> });
    view! {
        <tr data-item=i.id.0>
            <td data-label="Action">{title}{form}</td>
            {show_incident.then(|| view! {
                <td data-label="Postmortem"><a href=format!("/postmortems/{}", i.postmortem)>{i.subject_title.clone()}</a></td>
            })}
            <td data-label="Owner" data-testid="item-owner">{move || item.with(|i| i.owner.as_ref().map_or_else(|| "—".to_string(), |(_, n)| n.clone()))}</td>
            <td data-label="Priority" data-testid="item-priority">{move || item.with(|i| i.priority.label())}</td>
            <td data-label="Due">
                {move || item.with(|i| i.due_on.map_or_else(|| "—".to_string(), |d| d.to_string()))}
                {move || item.with(|i| i.overdue(today)).then(|| view! { " " <span class="badge danger">"Overdue"</span> })}
            </td>
            <td data-label="Status">
                <span data-testid="item-status">{move || item.with(|i| i.status.label())}</span>
                {buttons}
            </td>
        </tr>
    }
}

/// The form that changes what an item says, folded away under "Edit". While it is open,
/// others' changes to the fields left alone show in it; what was typed stays.
#[component]
fn EditForm(item: Memo<ActionItem>, editing: Editing) -> impl IntoView {
    let Editing { edit, people } = editing;
    let i = item.get_untracked();
    let id = i.id;
    // what the form shows, field by field (sent back as `was_…` so a save merges)
    let shown = form_values(&i).map(RwSignal::new);
    let (title, due, link) = (NodeRef::<leptos::html::Input>::new(), NodeRef::<leptos::html::Input>::new(), NodeRef::<leptos::html::Input>::new());
    let (owner, priority) = (NodeRef::<leptos::html::Select>::new(), NodeRef::<leptos::html::Select>::new());
    let details = NodeRef::<leptos::html::Details>::new();
    follow_changes(item, shown, [title, due, link], [owner, priority]);
    close_when_saved(edit, id, details);
    let owner_id = i.owner.as_ref().map(|(id, _)| *id);
    view! {
        <details class="item-edit" node_ref=details>
            <summary aria-label=format!("Edit: {}", i.title)>"Edit"</summary>
            <ActionForm action=edit attr:class="stack">
                <input type="hidden" name="item" value=id.0/>
                // what the form shows: the fields changed from it are applied, others' changes
                // meanwhile to the rest are kept
                <input type="hidden" name="was_title" value=move || shown[0].get()/>
                <input type="hidden" name="was_owner" value=move || shown[1].get()/>
                <input type="hidden" name="was_priority" value=move || shown[2].get()/>
                <input type="hidden" name="was_due" value=move || shown[3].get()/>
                <input type="hidden" name="was_link" value=move || shown[4].get()/>
                <label>"Action " <input type="text" name="title" required maxlength="300" value=i.title.clone() node_ref=title/></label>
                <label>"Owner "
                    <select name="owner" node_ref=owner>
                        <option value="">"Nobody yet"</option>
                        {people.into_iter().map(|p| view! { <option value=p.id.0 selected=owner_id == Some(p.id)>{p.name}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Priority "
                    <select name="priority" node_ref=priority>
                        {Priority::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=p == i.priority>{p.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Due " <input type="date" name="due" value=i.due_on.map(|d| d.to_string()).unwrap_or_default() node_ref=due/></label>
                <label>"Link " <input type="url" name="link" maxlength="500" placeholder="https://tracker.example.com/OPS-12" value=i.link.clone().unwrap_or_default() node_ref=link/></label>
                <button type="submit">"Save the action item"</button>
            </ActionForm>
        </details>
    }
}

/// When the item changes, each field the person left alone (`item_merge::follow`) takes the
/// new value, in the control and in what the form says it showed.
fn follow_changes(
    item: Memo<ActionItem>,
    shown: [RwSignal<String>; 5],
    [title, due, link]: [NodeRef<leptos::html::Input>; 3],
    [owner, priority]: [NodeRef<leptos::html::Select>; 2],
) {
    Effect::new(move |_| {
        let now = form_values(&item.get());
        // the controls in `form_values`' order: title, owner, priority, due, link
        let read = |k: usize| match k {
            0 => title.get_untracked().map(|e| e.value()),
            1 => owner.get_untracked().map(|e| e.value()),
            2 => priority.get_untracked().map(|e| e.value()),
            3 => due.get_untracked().map(|e| e.value()),
            _ => link.get_untracked().map(|e| e.value()),
        };
        let write = |k: usize, v: &str| match k {
            0 => title.get_untracked().inspect(|e| e.set_value(v)).is_some(),
            1 => owner.get_untracked().inspect(|e| e.set_value(v)).is_some(),
            2 => priority.get_untracked().inspect(|e| e.set_value(v)).is_some(),
            3 => due.get_untracked().inspect(|e| e.set_value(v)).is_some(),
            _ => link.get_untracked().inspect(|e| e.set_value(v)).is_some(),
        };
        for (k, current) in now.iter().enumerate() {
            let Some(typed) = read(k) else { continue };
            if let Some(v) = crate::domain::postmortem::item_merge::follow(&shown[k].get_untracked(), &typed, current) {
                if typed != v {
                    write(k, v);
                }
                if shown[k].get_untracked() != v {
                    shown[k].set(v.to_string());
                }
            }
        }
    });
}

/// Folds the form away once its save went through (a refused one stays open, as typed).
fn close_when_saved(edit: ServerAction<EditActionItem>, id: crate::domain::ids::ActionItemId, details: NodeRef<leptos::html::Details>) {
    let mine = StoredValue::new(false);
    Effect::new(move |_| {
        if edit.input().with(|a| a.as_ref().is_some_and(|a| a.item == id.0)) {
            mine.set_value(true);
        }
    });
    Effect::new(move |before: Option<usize>| {
        let version = edit.version().get();
        if before.is_some_and(|b| b != version) && mine.get_value() {
            mine.set_value(false);
            if matches!(edit.value().get_untracked(), Some(Ok(()))) {
                if let Some(d) = details.get_untracked() {
                    d.set_open(false);
                }
            }
        }
        version
    });
}
