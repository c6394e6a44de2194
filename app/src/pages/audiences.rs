//! `/audiences` (admins): who is told when an incident calls for it — the executives for a
//! SEV1, Security and Legal when customer data may be exposed. A member is a user (told in
//! their Klaxon inbox) or a webhook address (sent a Slack-compatible message).

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::notifications::{list_audiences, AddAudienceUser, AddAudienceWebhook, RemoveAudienceMember};
use crate::domain::notify::{Audiences, Member};
use crate::domain::timers::Audience;
use crate::domain::user::Permission;
use crate::error::AppError;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[derive(Clone, Copy)]
struct Actions {
    add_user: ServerAction<AddAudienceUser>,
    add_webhook: ServerAction<AddAudienceWebhook>,
    remove: ServerAction<RemoveAudienceMember>,
}

#[component]
pub fn AudiencesPage() -> impl IntoView {
    authenticated(|user| {
        if !user.can(Permission::Administer) {
            return view! { <ErrorPanel error=AppError::forbidden("Only admins can change who is told of incidents.")/> }.into_any();
        }
        let actions = Actions { add_user: ServerAction::new(), add_webhook: ServerAction::new(), remove: ServerAction::new() };
        let data = crate::resource::blocking(
            move || (actions.add_user.version().get(), actions.add_webhook.version().get(), actions.remove.version().get()),
            |_| list_audiences(),
        );
        view! {
            <div class="page-head"><h1>"Who is told"</h1><a href="/inbox">"Your inbox"</a></div>
            <p class="muted">"When an incident calls for it, Klaxon tells these people in their inbox and sends each address a message a Slack incoming webhook accepts; the incident's timeline says who was told and who could not be."</p>
            {action_error(actions.add_user.value())}
            {action_error(actions.add_webhook.value())}
            {action_error(actions.remove.value())}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(a) => Audience::ALL.into_iter().map(|audience| view! { <AudienceCard audience data=a.clone() actions/> }).collect_view().into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn AudienceCard(audience: Audience, data: Audiences, actions: Actions) -> impl IntoView {
    let when = match audience {
        Audience::Executives => "Told when a SEV1 is declared, or an incident becomes one.",
        Audience::SecurityAndLegal => "Told when customer data may have been exposed.",
    };
    let members: Vec<_> = data.members.into_iter().filter(|m| m.audience == audience).collect();
    let key = audience.as_str();
    view! {
        <section class="card" data-audience=key>
            <h2>{audience.name()}</h2>
            <p class="muted">{when}</p>
            {if members.is_empty() {
                view! { <p class="warning" data-testid="audience-empty">"Nobody yet: an incident that calls for this audience tells nobody, and its timeline says so."</p> }.into_any()
            } else {
                view! {
                    <ul class="members">
                        {members.into_iter().map(|m| {
                            let (kind, label) = match &m.member {
                                Member::User { .. } => ("person", m.member.label()),
                                Member::Webhook { .. } => ("webhook", m.member.label()),
                            };
                            view! {
                                <li data-member=kind>
                                    <span>{label.clone()}</span> " "
                                    <ActionForm action=actions.remove attr:class="inline">
                                        <input type="hidden" name="id" value=m.id/>
                                        <button type="submit" class="link danger" aria-label=format!("Remove {label}")>"Remove"</button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <ActionForm action=actions.add_user attr:class="row">
                <input type="hidden" name="audience" value=key/>
                <label>"Person "
                    <select name="user_id">
                        {data.people.into_iter().map(|p| view! { <option value=p.id.0>{p.name}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Add person"</button>
            </ActionForm>
            <ActionForm action=actions.add_webhook attr:class="row">
                <input type="hidden" name="audience" value=key/>
                <label>"Webhook address " <input type="url" name="url" required placeholder="https://hooks.slack.com/services/…"/></label>
                <button type="submit">"Add address"</button>
            </ActionForm>
        </section>
    }
}
