//! Status, severity, data exposure, possible causes and links.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::incidents::{AddLink as AddLinkFn, ChangeSeverity, ChangeStatus, FlagDataExposure, RecordChange};
use crate::domain::ids::IncidentId;
use crate::domain::incident::{ChangeKind, Incident, Severity, Status};
use crate::pages::gate::action_error;

#[component]
pub fn StatusActions(incident: Memo<Incident>) -> impl IntoView {
    let change = ServerAction::<ChangeStatus>::new();
    let severity = ServerAction::<ChangeSeverity>::new();
    view! {
        <section class="panel" data-testid="status-actions">
            <h2>"Status"</h2>
            <div class="buttons">
                {move || {
                    let i = incident.get();
                    i.status.next().into_iter().map(|to| {
                        let (id, expected) = (i.id, i.status);
                        view! {
                            <button type="button" data-to=to.as_str() disabled=move || change.pending().get()
                                on:click=move |_| { change.dispatch(ChangeStatus { id, expected, to }); }>
                                {if !expected.is_active() && to == Status::Investigating { "Reopen".to_string() } else { format!("→ {}", to.label()) }}
                            </button>
                        }
                    }).collect_view()
                }}
            </div>
            {action_error(change.value())}
            <h2>"Severity"</h2>
            <ActionForm action=severity attr:class="stack">
                <input type="hidden" name="id" value=move || incident.with(|i| i.id.0)/>
                <select name="to">
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || incident.with(|i| i.severity == s)>{s.label()}</option>
                    }).collect_view()}
                </select>
                <input type="text" name="reason" placeholder="Why?" required maxlength="500"/>
                <button type="submit" disabled=move || severity.pending().get()>"Change severity"</button>
            </ActionForm>
            {action_error(severity.value())}
        </section>
    }
}

#[component]
pub fn MoreActions(incident: Memo<Incident>) -> impl IntoView {
    let change = ServerAction::<RecordChange>::new();
    let exposure = ServerAction::<FlagDataExposure>::new();
    view! {
        <section class="panel">
            <h2>"Possible cause"</h2>
            <ActionForm action=change attr:class="stack" attr:data-testid="record-change">
                <input type="hidden" name="id" value=move || incident.with(|i| i.id.0)/>
                <select name="change">
                    {ChangeKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
                <input type="text" name="description" placeholder="What changed?" required maxlength="500"/>
                <input type="url" name="link" placeholder="https://… (deploy, PR, flag)"/>
                <button type="submit" disabled=move || change.pending().get()>"Record change"</button>
            </ActionForm>
            {action_error(change.value())}
            {move || (!incident.with(|i| i.data_exposure)).then(|| view! {
                <h2>"Security"</h2>
                <ActionForm action=exposure>
                    <input type="hidden" name="id" value=move || incident.with(|i| i.id.0)/>
                    <button type="submit" class="danger">"Flag data exposure"</button>
                </ActionForm>
            })}
            {action_error(exposure.value())}
        </section>
    }
}

#[component]
pub fn AddLink(id: IncidentId) -> impl IntoView {
    let add = ServerAction::<AddLinkFn>::new();
    view! {
        <ActionForm action=add attr:class="stack">
            <input type="hidden" name="id" value=id.0/>
            <input type="text" name="label" placeholder="Label (Dashboard, Status page…)" required maxlength="100"/>
            <input type="url" name="url" placeholder="https://…" required/>
            <button type="submit">"Add link"</button>
        </ActionForm>
        {action_error(add.value())}
    }
}
