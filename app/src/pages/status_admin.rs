//! `/status-page`: define the public status page (admins) and set component statuses
//! (responders).

use leptos::prelude::*;

use crate::api::status::{status_page_admin, SaveComponent, SavePageSettings, ScheduleMaintenance, SetComponentStatus};
use crate::components::time::local_input_to_utc;
use crate::domain::ids::ComponentId;
use crate::domain::status_page::{Component, ComponentInput, ComponentStatus, MaintenanceInput, PageSettings, StatusAdmin};
use crate::domain::user::Permission;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn StatusAdminPage() -> impl IntoView {
    authenticated(|user| {
        let is_admin = user.can(Permission::Administer);
        let can_work = user.can(Permission::WorkIncidents);
        let save_component = ServerAction::<SaveComponent>::new();
        let set_status = ServerAction::<SetComponentStatus>::new();
        let save_settings = ServerAction::<SavePageSettings>::new();
        let data = crate::resource::blocking(
            move || (save_component.version().get(), set_status.version().get(), save_settings.version().get()),
            |_| status_page_admin(),
        );
        view! {
            <div class="page-head">
                <h1>"Status page"</h1>
                <span class="row">
                    {is_admin.then(|| view! { <a href="/status-page/webhooks">"Webhook subscriptions"</a> })}
                    <a href="/status" target="_blank">"Open the public page"</a>
                </span>
            </div>
            {action_error(set_status.value())}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! {
                            <Components d=d.clone() can_work is_admin set_status save_component/>
                            {can_work.then(|| view! { <ScheduleForm components=d.components.clone()/> })}
                            {is_admin.then(|| view! { <Settings settings=d.settings save_settings/> })}
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn Components(
    d: StatusAdmin,
    can_work: bool,
    is_admin: bool,
    set_status: ServerAction<SetComponentStatus>,
    save_component: ServerAction<SaveComponent>,
) -> impl IntoView {
    let group_name = |id| d.groups.iter().find(|g| Some(g.id) == id).map(|g| g.name.clone()).unwrap_or_default();
    let service_slug = |id| d.services.iter().find(|s| Some(s.id) == id).map(|s| s.slug.clone()).unwrap_or_default();
    let editing = RwSignal::new(None::<ComponentId>);
    let form = RwSignal::new(ComponentInput::default());
    let services = d.services.clone();
    view! {
        <table class="incidents" data-testid="components">
            <thead><tr><th>"Component"</th><th>"Group"</th><th>"Service"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {d.components.iter().map(|c| {
                    let id = c.id;
                    let input = ComponentInput { name: c.name.clone(), description: c.description.clone(), group: group_name(c.group_id), position: c.position, service: service_slug(c.service_id) };
                    let chosen = RwSignal::new(c.status);
                    view! {
                        <tr data-component=c.name.clone()>
                            <td>{c.name.clone()}<div class="muted small">{c.description.clone()}</div></td>
                            <td>{input.group.clone()}</td>
                            <td>{input.service.clone()}</td>
                            <td>
                                <select aria-label=format!("Status of {}", c.name) disabled=!can_work
                                    on:change=move |e| if let Some(s) = ComponentStatus::parse(&event_target_value(&e)) { chosen.set(s) }>
                                    {ComponentStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=s == c.status>{s.label()}</option> }).collect_view()}
                                </select>
                                {can_work.then(|| view! {
                                    <button type="button" on:click=move |_| { set_status.dispatch(SetComponentStatus { id, status: chosen.get_untracked() }); }>"Set"</button>
                                })}
                            </td>
                            <td>{is_admin.then(|| view! { <button type="button" class="link" on:click=move |_| { editing.set(Some(id)); form.set(input.clone()); }>"Edit"</button> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {is_admin.then(move || {
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save_component.dispatch(SaveComponent { id: editing.get_untracked(), input: form.get_untracked() });
            };
            let field = move |get: fn(&ComponentInput) -> String, set: fn(&mut ComponentInput, String)| {
                (move || form.with(get), move |e: leptos::ev::Event| form.update(|f| set(f, event_target_value(&e))))
            };
            let (name_v, name_set) = field(|f| f.name.clone(), |f, v| f.name = v);
            let (desc_v, desc_set) = field(|f| f.description.clone(), |f, v| f.description = v);
            let (group_v, group_set) = field(|f| f.group.clone(), |f, v| f.group = v);
            let (svc_v, svc_set) = field(|f| f.service.clone(), |f, v| f.service = v);
            view! {
                <form class="card" on:submit=submit data-testid="component-form">
                    <h2>{move || if editing.get().is_some() { "Edit component" } else { "Add a component" }}</h2>
                    <label>"Name" <input type="text" required maxlength="100" prop:value=name_v on:input=name_set/></label>
                    <label>"Description" <input type="text" maxlength="500" prop:value=desc_v on:input=desc_set/></label>
                    <label>"Group (new names create a group)" <input type="text" maxlength="100" prop:value=group_v on:input=group_set/></label>
                    <label>"Service"
                        <select prop:value=svc_v on:change=svc_set>
                            <option value="">"None"</option>
                            {services.iter().map(|s| view! { <option value=s.slug.clone()>{s.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Position"
                        <input type="number" prop:value=move || form.with(|f| f.position.to_string())
                            on:input=move |e| form.update(|f| f.position = event_target_value(&e).parse().unwrap_or(0))/>
                    </label>
                    <div class="row">
                        <button type="submit" class="primary">{move || if editing.get().is_some() { "Save component" } else { "Add component" }}</button>
                        <button type="button" on:click=move |_| { editing.set(None); form.set(ComponentInput::default()); }>"Clear"</button>
                    </div>
                    {action_error(save_component.value())}
                </form>
            }
        })}
    }
}

#[component]
fn Settings(settings: PageSettings, save_settings: ServerAction<SavePageSettings>) -> impl IntoView {
    let s = RwSignal::new(settings);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_settings.dispatch(SavePageSettings { settings: s.get_untracked() });
    };
    view! {
        <form class="card" on:submit=submit data-testid="page-settings">
            <h2>"Page"</h2>
            <label>"Name" <input type="text" required maxlength="100" prop:value=move || s.with(|v| v.name.clone()) on:input=move |e| s.update(|v| v.name = event_target_value(&e))/></label>
            <label>"Public address" <input type="url" prop:value=move || s.with(|v| v.public_url.clone()) on:input=move |e| s.update(|v| v.public_url = event_target_value(&e))/></label>
            <label>"Logo address" <input type="url" prop:value=move || s.with(|v| v.logo_url.clone()) on:input=move |e| s.update(|v| v.logo_url = event_target_value(&e))/></label>
            <label>"Time zone (IANA)" <input type="text" prop:value=move || s.with(|v| v.time_zone.clone()) on:input=move |e| s.update(|v| v.time_zone = event_target_value(&e))/></label>
            <label>"Support address" <input type="url" prop:value=move || s.with(|v| v.support_url.clone()) on:input=move |e| s.update(|v| v.support_url = event_target_value(&e))/></label>
            <button type="submit" class="primary">"Save page"</button>
            {action_error(save_settings.value())}
        </form>
    }
}

#[component]
fn ScheduleForm(components: Vec<Component>) -> impl IntoView {
    let schedule = ServerAction::<ScheduleMaintenance>::new();
    let title = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<ComponentId>::new());
    let done = move || matches!(schedule.value().get(), Some(Ok(_)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(starts_at), Some(ends_at)) = (local_input_to_utc(&starts.get_untracked()), local_input_to_utc(&ends.get_untracked())) else {
            return;
        };
        schedule.dispatch(ScheduleMaintenance {
            input: MaintenanceInput { title: title.get_untracked(), message: message.get_untracked(), starts_at, ends_at, components: chosen.get_untracked() },
        });
    };
    view! {
        <form class="card" on:submit=submit data-testid="maintenance-form">
            <h2>"Schedule maintenance"</h2>
            <label>"Title" <input type="text" required maxlength="120" prop:value=move || title.get() on:input=move |e| title.set(event_target_value(&e))/></label>
            <label>"Message" <textarea rows="3" required maxlength="5000" prop:value=move || message.get() on:input=move |e| message.set(event_target_value(&e))></textarea></label>
            <label>"Starts (your local time)" <input type="datetime-local" required prop:value=move || starts.get() on:input=move |e| starts.set(event_target_value(&e))/></label>
            <label>"Ends (your local time)" <input type="datetime-local" required prop:value=move || ends.get() on:input=move |e| ends.set(event_target_value(&e))/></label>
            <fieldset>
                <legend>"Components"</legend>
                {components.into_iter().map(|c| {
                    let id = c.id;
                    view! {
                        <label class="check"><input type="checkbox" on:change=move |e| {
                            let on = event_target_checked(&e);
                            chosen.update(|v| { v.retain(|x| *x != id); if on { v.push(id); } });
                        }/> " " {c.name}</label>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit" class="primary" disabled=move || schedule.pending().get()>"Schedule"</button>
            {move || done().then(|| view! { <p class="muted" role="status">"Scheduled."</p> })}
            {action_error(schedule.value())}
        </form>
    }
}
