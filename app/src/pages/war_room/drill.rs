//! A drill's panel: the scenario it runs and how far its injects have come, the IC it
//! suggests (roles rotate: someone who has never been one), and the retrospective kept with
//! it (what worked, what to improve).

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::drills::WriteRetro;
use crate::api::incidents::AssignRole;
use crate::components::clock::Countdown;
use crate::domain::drill::{label, latest_retro, next_due, posted, DrillRoom, TEXT_MAX};
use crate::domain::roles::IncidentRole;
use crate::domain::war_room::WarRoom;
use crate::pages::gate::action_error;

#[component]
pub fn DrillPanel(room: RwSignal<WarRoom>, drill: DrillRoom, can_work: bool, now: ReadSignal<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
    let id = room.with_untracked(|r| r.incident.id);
    let total = drill.offsets.len();
    let offsets = StoredValue::new(drill.offsets.clone());
    let started = drill.started;
    let done = move || room.with(|r| posted(&r.events));
    let active = move || room.with(|r| r.incident.status.is_active());
    let progress = move || {
        let n = done();
        let next = offsets.with_value(|o| next_due(o, started, n).map(|due| (due, label(o[n]))));
        match next {
            Some((due, at)) if active() => view! {
                <p data-testid="drill-progress">{format!("{n} of {total} injects posted · next at {at}, ")} <Countdown due now/></p>
            }
            .into_any(),
            Some(_) => {
                view! { <p data-testid="drill-progress">{format!("{n} of {total} injects posted · the drill is over, no more will come")}</p> }.into_any()
            }
            None => view! { <p data-testid="drill-progress">{format!("All {total} injects posted")}</p> }.into_any(),
        }
    };
    let assign = ServerAction::<AssignRole>::new();
    let suggestion = drill.suggested_ic.clone().map(|s| {
        let has_ic = move || room.with(|r| !r.holders(IncidentRole::Commander).is_empty());
        let who = s.person.clone();
        view! {
            <p data-testid="suggested-ic">
                "Suggested IC: " <strong>{s.person.name.clone()}</strong> " — " {s.reason()}
                {move || (can_work && !has_ic()).then(|| {
                    let who = who.clone();
                    view! {
                        " " <button type="button" data-testid="make-suggested-ic"
                            on:click=move |_| { assign.dispatch(AssignRole { id, role: IncidentRole::Commander, user_id: who.id }); }>
                            {format!("Make {} IC", who.name)}
                        </button>
                    }
                })}
            </p>
            {action_error(assign.value())}
        }
    });
    let write = ServerAction::<WriteRetro>::new();
    let first = room.with_untracked(|r| latest_retro(&r.events).map(|(r, _, _)| r));
    let shown = move || {
        room.with(|r| latest_retro(&r.events)).map(|(retro, by, _)| {
            view! {
                <dl class="facts" data-testid="drill-retro">
                    <dt>"What worked"</dt><dd class="prose">{retro.went_well}</dd>
                    <dt>"What to improve"</dt><dd class="prose">{retro.to_improve}</dd>
                </dl>
                <p class="muted small">{by.map(|p| format!("Written by {}", p.name))}</p>
            }
        })
    };
    view! {
        <section class="panel drill" data-testid="drill-panel">
            <h2>"Drill"</h2>
            {drill.scenario.clone().map(|s| view! { <p>"Scenario: " <strong>{s}</strong></p> })}
            {(total > 0).then_some(progress)}
            {suggestion}
            <h3>"Retrospective"</h3>
            {shown}
            {can_work.then(|| view! {
                <ActionForm action=write attr:class="stack" attr:data-testid="retro-form">
                    <input type="hidden" name="id" value=id.0/>
                    <label>"What worked " <textarea name="went_well" required rows="3" maxlength=TEXT_MAX>{first.as_ref().map(|r| r.went_well.clone())}</textarea></label>
                    <label>"What to improve " <textarea name="to_improve" required rows="3" maxlength=TEXT_MAX>{first.as_ref().map(|r| r.to_improve.clone())}</textarea></label>
                    <button type="submit">"Keep the retrospective"</button>
                </ActionForm>
                {action_error(write.value())}
            })}
        </section>
    }
}
