//! Action items as a table (stacked rows on a phone), each with the buttons that move it on
//! (start, mark done, reopen) and, on a postmortem's page, a form that changes what it says:
//! on a postmortem's page and on `/action-items`.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::postmortems::{EditActionItem, SetActionItem};
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
    items: Vec<ActionItem>,
    today: chrono::NaiveDate,
    mark: ServerAction<SetActionItem>,
    can_work: bool,
    show_incident: bool,
    #[prop(optional)] editing: Option<Editing>,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted" data-testid="no-items">"No action items yet."</p> }.into_any();
    }
    view! {
        <table class="incidents items" data-testid="items">
            <thead><tr><th>"Action"</th>{show_incident.then(|| view! { <th>"Postmortem"</th> })}<th>"Owner"</th><th>"Priority"</th><th>"Due"</th><th>"Status"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|i| {
                    let overdue = i.overdue(today);
                    let editing = editing.clone().filter(|_| can_work);
                    let buttons = can_work.then(|| {
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
                    });
                    view! {
                        <tr data-item=i.id.0>
                            <td data-label="Action">
                                {match i.link.clone() {
                                    Some(l) => view! { <a href=l rel="noopener noreferrer external" target="_blank" data-testid="item-link">{i.title.clone()}</a> }.into_any(),
                                    None => view! { {i.title.clone()} }.into_any(),
                                }}
                                {editing.map(|e| view! { <EditForm item=i.clone() editing=e/> })}
                            </td>
                            {show_incident.then(|| view! {
                                <td data-label="Postmortem"><a href=format!("/postmortems/{}", i.postmortem)>{i.incident_title.clone()}</a></td>
                            })}
                            <td data-label="Owner" data-testid="item-owner">{i.owner.as_ref().map_or_else(|| "—".to_string(), |(_, n)| n.clone())}</td>
                            <td data-label="Priority" data-testid="item-priority">{i.priority.label()}</td>
                            <td data-label="Due">
                                {i.due_on.map_or_else(|| "—".to_string(), |d| d.to_string())}
                                {overdue.then(|| view! { " " <span class="badge danger">"Overdue"</span> })}
                            </td>
                            <td data-label="Status">
                                <span data-testid="item-status">{i.status.label()}</span>
                                {buttons}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The form that changes what an item says, folded away under "Edit".
#[component]
fn EditForm(item: ActionItem, editing: Editing) -> impl IntoView {
    let Editing { edit, people } = editing;
    let owner = item.owner.as_ref().map(|(id, _)| *id);
    view! {
        <details class="item-edit">
            <summary aria-label=format!("Edit: {}", item.title)>"Edit"</summary>
            <ActionForm action=edit attr:class="stack">
                <input type="hidden" name="item" value=item.id.0/>
                // what the form shows: the fields changed from it are applied, others' changes
                // meanwhile to the rest are kept
                <input type="hidden" name="was_title" value=item.title.clone()/>
                <input type="hidden" name="was_owner" value=owner.map(|o| o.0.to_string()).unwrap_or_default()/>
                <input type="hidden" name="was_priority" value=item.priority.as_str()/>
                <input type="hidden" name="was_due" value=item.due_on.map(|d| d.to_string()).unwrap_or_default()/>
                <input type="hidden" name="was_link" value=item.link.clone().unwrap_or_default()/>
                <label>"Action " <input type="text" name="title" required maxlength="300" value=item.title.clone()/></label>
                <label>"Owner "
                    <select name="owner">
                        <option value="">"Nobody yet"</option>
                        {people.into_iter().map(|p| view! { <option value=p.id.0 selected=owner == Some(p.id)>{p.name}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Priority "
                    <select name="priority">
                        {Priority::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=p == item.priority>{p.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Due " <input type="date" name="due" value=item.due_on.map(|d| d.to_string()).unwrap_or_default()/></label>
                <label>"Link " <input type="url" name="link" maxlength="500" placeholder="https://tracker.example.com/OPS-12" value=item.link.clone().unwrap_or_default()/></label>
                <button type="submit">"Save the action item"</button>
            </ActionForm>
        </details>
    }
}
