//! The war room's postmortem panel: once the incident is resolved, a link to its postmortem
//! (with its status and deadline, flagged when overdue), or a button that starts one.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::postmortems::StartPostmortem;
use crate::components::time::Time;
use crate::domain::incident::{Incident, Status};
use crate::domain::postmortem::record::PostmortemSummary;
use crate::pages::gate::action_error;

#[component]
pub fn PostmortemPanel(incident: Memo<Incident>, postmortem: Option<PostmortemSummary>, can_work: bool) -> impl IntoView {
    let start = ServerAction::<StartPostmortem>::new();
    let id = incident.with_untracked(|i| i.id);
    let ended = move || incident.with(|i| matches!(i.status, Status::Resolved | Status::FollowUp));
    view! {
        <section class="panel" data-testid="postmortem-panel">
            <h2>"Postmortem"</h2>
            {match postmortem {
                Some(p) => view! {
                    <p>
                        <a href=format!("/postmortems/{}", p.id) data-testid="open-postmortem">"Open the postmortem"</a>
                        " · " {p.status.label()}
                        {p.due.map(|d| view! { " · due " <Time t=d/> })}
                        {p.overdue.then(|| view! { " " <span class="badge danger" data-testid="postmortem-overdue">"Overdue"</span> })}
                    </p>
                }.into_any(),
                None => view! {
                    {move || if ended() {
                        if can_work {
                            view! {
                                <ActionForm action=start>
                                    <input type="hidden" name="incident" value=id.0/>
                                    <button type="submit" data-testid="start-postmortem">"Start postmortem"</button>
                                </ActionForm>
                            }.into_any()
                        } else {
                            view! { <p class="muted">"No postmortem yet."</p> }.into_any()
                        }
                    } else {
                        view! { <p class="muted small">"Once the incident is resolved: SEV1 and SEV2 get a postmortem due 48 hours later, SEV3 a lightweight review."</p> }.into_any()
                    }}
                    {action_error(start.value())}
                }.into_any(),
            }}
        </section>
    }
}
