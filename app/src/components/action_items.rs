//! Action items as a table (stacked rows on a phone), each with its done / reopen button:
//! on a postmortem's page and on `/action-items`.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::postmortems::SetActionItem;
use crate::domain::postmortem::record::{ActionItem, ItemStatus};

/// The action items as a table (stacked rows on a phone), each with its done/reopen button.
#[component]
pub fn Items(items: Vec<ActionItem>, today: chrono::NaiveDate, mark: ServerAction<SetActionItem>, can_work: bool, show_incident: bool) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted" data-testid="no-items">"No action items yet."</p> }.into_any();
    }
    view! {
        <table class="incidents items" data-testid="items">
            <thead><tr><th>"Action"</th>{show_incident.then(|| view! { <th>"Postmortem"</th> })}<th>"Owner"</th><th>"Priority"</th><th>"Due"</th><th>"Status"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|i| {
                    let overdue = i.overdue(today);
                    let next = if i.status == ItemStatus::Open { ItemStatus::Done } else { ItemStatus::Open };
                    view! {
                        <tr data-item=i.id.0>
                            <td data-label="Action">{i.title.clone()}</td>
                            {show_incident.then(|| view! {
                                <td data-label="Postmortem"><a href=format!("/postmortems/{}", i.postmortem)>{i.incident_title.clone()}</a></td>
                            })}
                            <td data-label="Owner">{i.owner.as_ref().map_or_else(|| "—".to_string(), |(_, n)| n.clone())}</td>
                            <td data-label="Priority">{i.priority.label()}</td>
                            <td data-label="Due">
                                {i.due_on.map_or_else(|| "—".to_string(), |d| d.to_string())}
                                {overdue.then(|| view! { " " <span class="badge danger">"Overdue"</span> })}
                            </td>
                            <td data-label="Status">
                                <span data-testid="item-status">{i.status.label()}</span>
                                {can_work.then(|| view! {
                                    " "
                                    <ActionForm action=mark attr:class="inline">
                                        <input type="hidden" name="item" value=i.id.0/>
                                        <input type="hidden" name="status" value=next.as_str()/>
                                        <button type="submit" class="link" aria-label=format!("Mark {}: {}", next.label().to_lowercase(), i.title)>
                                            {if next == ItemStatus::Done { "Mark done" } else { "Reopen" }}
                                        </button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
