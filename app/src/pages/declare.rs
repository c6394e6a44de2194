//! Declaring an incident, with the guided triage.

use leptos::prelude::*;

use crate::api::incidents::{list_services, DeclareIncident};
use crate::components::time::local_input_to_utc;
use crate::domain::incident::{DeclareInput, ServiceRef, Severity};
use crate::domain::triage::{evaluate, Answer, Triage};
use crate::domain::user::Permission;
use crate::error::AppError;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn DeclarePage() -> impl IntoView {
    authenticated(|user| {
        if !user.can(Permission::WorkIncidents) {
            return view! { <ErrorPanel error=AppError::forbidden("Viewers cannot declare incidents.")/> }.into_any();
        }
        let query = leptos_router::hooks::use_query_map();
        // declared from an alert (`?alert=7`): its summary and service filled in
        let alert = move || query.read().get("alert").and_then(|a| a.parse::<i64>().ok());
        let services = crate::resource::blocking(alert, |alert| async move {
            let from = match alert {
                Some(id) => Some(crate::api::alerts::get_alert(id).await?.alert),
                None => None,
            };
            Ok::<_, AppError>((list_services().await?, from))
        });
        view! {
            <h1>"Declare an incident"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match services.await {
                        Ok((s, from)) => view! { <DeclareForm services=s from/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn DeclareForm(services: Vec<ServiceRef>, from: Option<crate::domain::alert::AlertRow>) -> impl IntoView {
    let title = RwSignal::new(from.as_ref().map(|a| a.summary.chars().take(120).collect()).unwrap_or_default());
    let impact = RwSignal::new(String::new());
    let detected = RwSignal::new(String::new());
    let chosen_services = RwSignal::new(from.iter().map(|a| a.service_slug.clone()).collect::<Vec<String>>());
    let alert = from.as_ref().map(|a| a.id);
    let answers = RwSignal::new(Vec::<Answer>::new());
    let choice = RwSignal::new(None::<Severity>);
    let override_reason = RwSignal::new(String::new());
    let drill = RwSignal::new(false);
    let triage = Memo::new(move |_| answers.with(|a| evaluate(a)));
    let proposed = move || match triage.get() {
        Triage::Proposed(p) => Some(p),
        Triage::Ask(_) => None,
    };
    let severity = move || choice.get().or_else(|| proposed().map(|p| p.severity));
    let overriding = move || matches!((choice.get(), proposed()), (Some(c), Some(p)) if c != p.severity);
    let declare = ServerAction::<DeclareIncident>::new();
    Effect::new(move |_| {
        if let Some(Ok(incident)) = declare.value().get() {
            let to = format!("/incidents/{}", incident.id);
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href(&to);
            let _ = to;
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        declare.dispatch(DeclareIncident {
            input: DeclareInput {
                title: title.get_untracked(),
                impact: impact.get_untracked(),
                services: chosen_services.get_untracked(),
                detected_at: local_input_to_utc(&detected.get_untracked()),
                answers: answers.get_untracked(),
                severity: choice.get_untracked(),
                override_reason: Some(override_reason.get_untracked()).filter(|r| !r.trim().is_empty()),
                alert,
                near_miss: None,
                drill: drill.get_untracked(),
                scenario: None,
            },
        });
    };
    let answer = move |a: Answer| answers.update(|v| v.push(a));
    view! {
        <noscript><p class="form-error">"Declaring an incident needs JavaScript."</p></noscript>
        <form class="card declare" on:submit=submit>
            <label>"Title"
                <input type="text" name="title" maxlength="120" required placeholder="Checkout errors"
                    prop:value=move || title.get() on:input=move |e| title.set(event_target_value(&e))/>
            </label>
            <label>"Impact"
                <textarea name="impact" rows="2" placeholder="Who is affected, and how?"
                    prop:value=move || impact.get() on:input=move |e| impact.set(event_target_value(&e))></textarea>
            </label>
            {from.is_none().then(|| view! {
                <label class="check">
                    <input type="checkbox" name="drill" prop:checked=move || drill.get() on:change=move |e| drill.set(event_target_checked(&e))/>
                    " This is a drill: an exercise, marked DRILL everywhere, never on the public status page, nobody outside it told, in no metric"
                </label>
            })}
            {from.map(|a| view! {
                <p class="muted" data-testid="from-alert">"Declared from the alert " <a href=format!("/alerts/{}", a.id)>{a.summary}</a>
                    ": the two are linked, and the incident was detected when the alert was raised unless you say otherwise."</p>
            })}
            <label>"Detected at (your local time; leave empty for now)"
                <input type="datetime-local" name="detected_at"
                    prop:value=move || detected.get() on:input=move |e| detected.set(event_target_value(&e))/>
            </label>
            <fieldset class="services">
                <legend>"Affected services"</legend>
                {services.into_iter().map(|s| {
                    let slug = s.slug.clone();
                    let slug2 = s.slug.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" value=s.slug.clone()
                                prop:checked=move || chosen_services.with(|v| v.contains(&slug))
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    chosen_services.update(|v| { v.retain(|x| x != &slug2); if on { v.push(slug2.clone()); } });
                                }/>
                            " " {s.name}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <fieldset class="triage" data-testid="triage">
                <legend>"Triage"</legend>
                <ol class="answered">
                    {move || answers.get().into_iter().enumerate().map(|(i, a)| {
                        let q = crate::domain::triage::TREE[i].0;
                        view! { <li>{q.text()} " " <strong>{match a { Answer::Yes => "Yes", Answer::No => "No", Answer::Unsure => "Not sure" }}</strong></li> }
                    }).collect_view()}
                </ol>
                {move || match triage.get() {
                    Triage::Ask(q) => view! {
                        <div class="question" data-question=q.as_str()>
                            <p>{q.text()}</p>
                            <button type="button" on:click=move |_| answer(Answer::Yes)>"Yes"</button>
                            <button type="button" on:click=move |_| answer(Answer::No)>"No"</button>
                            <button type="button" on:click=move |_| answer(Answer::Unsure)>"Not sure"</button>
                        </div>
                    }.into_any(),
                    Triage::Proposed(p) => view! {
                        <div class="proposal" data-testid="proposal">
                            <p>"Proposed: " <strong data-testid="proposed-severity">{p.severity.label()}</strong> " — " {p.reason.clone()}</p>
                        </div>
                    }.into_any(),
                }}
                <button type="button" class="link" on:click=move |_| { answers.set(vec![]); choice.set(None); }>"Start over"</button>
            </fieldset>
            <label>"Severity"
                <select name="severity" on:change=move |e| choice.set(Severity::parse(&event_target_value(&e)))>
                    <option value="" selected=move || choice.get().is_none()>{move || match proposed() { Some(p) => format!("As proposed ({})", p.severity.label()), None => "Answer the triage, or choose".into() }}</option>
                    {Severity::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=move || choice.get() == Some(s)>{format!("{} — {}", s.label(), s.description())}</option> }).collect_view()}
                </select>
            </label>
            {move || overriding().then(|| view! {
                <label>"Why a different severity than proposed?"
                    <input type="text" name="override_reason" required maxlength="500"
                        prop:value=move || override_reason.get() on:input=move |e| override_reason.set(event_target_value(&e))/>
                </label>
            })}
            <button type="submit" class="primary" disabled=move || declare.pending().get() || severity().is_none()>
                {move || match severity() { Some(s) => format!("Declare {}", s.label()), None => "Declare".into() }}
            </button>
            {action_error(declare.value())}
        </form>
    }
}
