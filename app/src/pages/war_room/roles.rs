//! Who holds which role, with assign and hand-over.

use leptos::prelude::*;

use crate::api::incidents::{AssignRole, ReleaseRole};
use crate::domain::ids::UserId;
use crate::domain::roles::IncidentRole;
use crate::domain::war_room::WarRoom;
use crate::pages::gate::action_error;

#[component]
pub fn RolesPanel(room: RwSignal<WarRoom>, can_work: bool) -> impl IntoView {
    let assign = ServerAction::<AssignRole>::new();
    let release = ServerAction::<ReleaseRole>::new();
    let id = room.with_untracked(|r| r.incident.id);
    let people = room.with_untracked(|r| r.people.clone());
    view! {
        <section class="panel" data-testid="roles">
            <h2>"Roles"</h2>
            <ul class="roles">
                {IncidentRole::ALL.into_iter().map(|role| {
                    let people = people.clone();
                    let picked = RwSignal::new(String::new());
                    view! {
                        <li data-role=role.as_str()>
                            <span class="role">{role.label()}</span>
                            <span class="holders">
                                {move || {
                                    let holders = room.with(|r| r.holders(role).into_iter().map(|a| a.person.clone()).collect::<Vec<_>>());
                                    if holders.is_empty() {
                                        view! { <em class="muted">"unassigned"</em> }.into_any()
                                    } else {
                                        holders.into_iter().map(|p| view! {
                                            <span class="holder">{p.name.clone()}
                                                {can_work.then(|| view! {
                                                    <button type="button" class="link small" title="Release"
                                                        on:click=move |_| { release.dispatch(ReleaseRole { id, role, user_id: p.id }); }>"×"</button>
                                                })}
                                            </span>
                                        }).collect_view().into_any()
                                    }
                                }}
                            </span>
                            {can_work.then(|| view! {
                                <span class="assign">
                                    <select aria-label=format!("Assign {}", role.label()) on:change=move |e| picked.set(event_target_value(&e))>
                                        <option value="">"Choose…"</option>
                                        {people.iter().map(|p| view! { <option value=p.id.0>{p.name.clone()}</option> }).collect_view()}
                                    </select>
                                    <button type="button" on:click=move |_| {
                                        if let Ok(user_id) = picked.get_untracked().parse::<UserId>() {
                                            assign.dispatch(AssignRole { id, role, user_id });
                                        }
                                    }>{if role.is_shared() { "Add" } else { "Assign" }}</button>
                                </span>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {action_error(assign.value())}
            {action_error(release.value())}
        </section>
    }
}
