//! `/services` (admins): how alerts reach people. For each service, the escalation policy it
//! pages through, a maintenance switch that holds its pages, and its integration keys (a new
//! key's secret is shown once, when it is issued). Policies are written as YAML.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::services::{services_overview, AssignPolicy, CreateKey, RevokeKey, SavePolicy, SetServiceMaintenance};
use crate::components::time::Time;
use crate::domain::service_admin::{PolicyRow, ServiceRow};
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

const POLICY_TEMPLATE: &str = "name: \nrepeat: 1\nsteps:\n  - delay_minutes: 5\n    targets: [{schedule: }]\n  - delay_minutes: 10\n    targets: [{user: }]\n";

#[derive(Clone, Copy)]
struct Actions {
    key: ServerAction<CreateKey>,
    revoke: ServerAction<RevokeKey>,
    policy: ServerAction<SavePolicy>,
    assign: ServerAction<AssignPolicy>,
    maintenance: ServerAction<SetServiceMaintenance>,
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    authenticated(|_| {
        let a = Actions {
            key: ServerAction::new(),
            revoke: ServerAction::new(),
            policy: ServerAction::new(),
            assign: ServerAction::new(),
            maintenance: ServerAction::new(),
        };
        let data = crate::resource::blocking(
            move || (a.key.version().get(), a.revoke.version().get(), a.policy.version().get(), a.assign.version().get(), a.maintenance.version().get()),
            |_| services_overview(),
        );
        view! {
            <div class="page-head"><h1>"Services"</h1><a href="/alerts">"Alerts"</a></div>
            <p class="muted">"Monitoring sends alerts with a service's key: PagerDuty Events API v2 to " <code>"/v2/enqueue"</code> ", Alertmanager to " <code>"/alertmanager/<key>"</code> "."</p>
            {move || match a.key.value().get() {
                Some(Ok(secret)) => Some(view! { <p class="banner-inline" data-testid="new-key">"The new key (copy it now, it is not shown again): " <code>{secret}</code></p> }),
                _ => None,
            }}
            {action_error(a.key.value())}
            {action_error(a.revoke.value())}
            {action_error(a.assign.value())}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => {
                            let names: Vec<String> = d.policies.iter().map(|p| p.name.clone()).collect();
                            view! {
                                {d.services.into_iter().map(|s| view! { <Service s policies=names.clone() a/> }).collect_view()}
                                <Policies policies=d.policies a/>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}

#[component]
fn Service(s: ServiceRow, policies: Vec<String>, a: Actions) -> impl IntoView {
    let slug = s.slug.clone();
    let (slug_m, slug_a, on) = (s.slug.clone(), s.slug.clone(), !s.maintenance);
    let (name, maintenance, current) = (s.name.clone(), s.maintenance, s.policy.clone());
    view! {
        <section class="card" data-service=s.slug.clone()>
            <h2>{name} {maintenance.then(|| view! { " " <span class="badge">"in maintenance: pages held"</span> })}</h2>
            <ActionForm action=a.assign attr:class="row">
                <input type="hidden" name="service" value=slug_a/>
                <label>"Pages through "
                    <select name="policy" data-testid="policy">
                        <option value="" selected=current.is_none()>"nobody"</option>
                        {policies.into_iter().map(|p| view! { <option value=p.clone() selected=current.as_deref() == Some(p.as_str())>{p.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Save"</button>
            </ActionForm>
            <button type="button" on:click=move |_| { a.maintenance.dispatch(SetServiceMaintenance { service: slug_m.clone(), on }); }>
                {if on { "Put in maintenance" } else { "End maintenance" }}
            </button>
            <h3>"Integration keys"</h3>
            <ul class="members">
                {s.keys.into_iter().map(|k| {
                    let id = k.id.0;
                    view! {
                        <li data-key=k.name.clone()>
                            {k.name.clone()} " · " {k.kind.as_str()} " · issued " <Time t=k.created_at/>
                            {match k.revoked_at {
                                Some(t) => view! { " · revoked " <Time t/> }.into_any(),
                                None => view! { " " <button type="button" class="link" on:click=move |_| { a.revoke.dispatch(RevokeKey { id }); }>"Revoke"</button> }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ActionForm action=a.key attr:class="row">
                <input type="hidden" name="service" value=slug/>
                <label>"Key name " <input name="name" required placeholder="Prometheus" size="14"/></label>
                <select name="kind" aria-label="For">
                    <option value="events_v2">"Events API v2"</option>
                    <option value="alertmanager">"Alertmanager"</option>
                </select>
                <button type="submit">"Issue a key"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Policies(policies: Vec<PolicyRow>, a: Actions) -> impl IntoView {
    let yaml = RwSignal::new(POLICY_TEMPLATE.to_string());
    view! {
        <section class="card" data-testid="policies">
            <h2>"Escalation policies"</h2>
            {policies.into_iter().map(|p| view! {
                <div data-policy=p.name.clone()>
                    <h3>{p.name.clone()}</h3>
                    <ol>{p.steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ol>
                    {p.gaps.into_iter().map(|(step, n, a, b)| view! {
                        <p class="warning" data-testid="policy-gap">{format!("Step {} would page nobody {n} time(s) in the next 30 days; the first: ", step + 1)}
                            <Time t=a/> " – " <Time t=b/></p>
                    }).collect_view()}
                    {(p.repeat > 0).then(|| view! { <p class="muted">{format!("Then again, {} more time(s), until someone acknowledges.", p.repeat)}</p> })}
                </div>
            }).collect_view()}
            <label for="policy-yaml">"Add or replace a policy (YAML; schedules by name, people by email)"</label>
            <textarea id="policy-yaml" rows="9" class="code" prop:value=move || yaml.get() on:input=move |ev| yaml.set(event_target_value(&ev))></textarea>
            {action_error(a.policy.value())}
            <button type="button" on:click=move |_| { a.policy.dispatch(SavePolicy { yaml: yaml.get_untracked() }); }>"Save policy"</button>
        </section>
    }
}
