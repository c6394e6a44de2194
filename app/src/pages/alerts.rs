//! `/alerts`: what monitoring raised, open ones first; `/alerts/:id`: one alert, its log
//! (every page and escalation step, acknowledgement and resolve), live, and the buttons to
//! acknowledge (which stops the escalation) and resolve it, and, once looked at, to say
//! whether it was actionable or noise.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::alerts::{get_alert, list_alerts, AnswerAlert, JudgeAlert};
use crate::components::time::Time;
use crate::domain::alert::{AlertLive, AlertRow, AlertState, AlertView, Verdict};
use crate::domain::event::Topic;
use crate::domain::ids::AlertId;
use crate::error::AppError;
use crate::live::use_live;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

fn state_badge(state: AlertState) -> impl IntoView {
    view! { <span class=format!("badge alert-state {}", state.as_str()) data-testid="alert-state">{state.as_str()}</span> }
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    authenticated(|user| {
        let data = crate::resource::blocking(|| (), |_| list_alerts());
        view! {
            <div class="page-head"><h1>"Alerts"</h1>
                {user.can(crate::domain::user::Permission::Administer).then(|| view! { <a href="/services">"Services and keys"</a> })}
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(rows) if rows.is_empty() => view! { <p data-testid="no-alerts">"No alerts yet. Monitoring sends them to /v2/enqueue with a service's integration key."</p> }.into_any(),
                        Ok(rows) => view! { <AlertTable rows/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn AlertTable(rows: Vec<AlertRow>) -> impl IntoView {
    view! {
        <table class="incidents" data-testid="alerts">
            <thead><tr><th>"Alert"</th><th>"Service"</th><th>"Severity"</th><th>"State"</th><th>"Raised"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|a| view! {
                    <tr>
                        <td><a href=format!("/alerts/{}", a.id)>{a.summary}</a></td>
                        <td>{a.service}</td>
                        <td>{a.severity.as_str()}</td>
                        <td>{state_badge(a.state)}</td>
                        <td><Time t=a.created_at/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn AlertPage() -> impl IntoView {
    authenticated(|_| {
        let params = use_params_map();
        let id = move || params.read().get("id").and_then(|s| s.parse::<AlertId>().ok());
        let answer = ServerAction::<AnswerAlert>::new();
        let judge = ServerAction::<JudgeAlert>::new();
        // bumped by every event of this alert, live
        let changed = RwSignal::new(0u64);
        let data = crate::resource::blocking(
            move || (id(), answer.version().get(), judge.version().get(), changed.get()),
            |(id, _, _, _)| async move {
                match id {
                    Some(id) => get_alert(id.0).await,
                    None => Err(AppError::not_found("There is no such alert.")),
                }
            },
        );
        view! {
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Alert v answer judge changed/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}

#[component]
fn Alert(v: AlertView, answer: ServerAction<AnswerAlert>, judge: ServerAction<JudgeAlert>, changed: RwSignal<u64>) -> impl IntoView {
    let a = v.alert;
    let id = a.id.0;
    let live = use_live(Topic::Alerts.path(), v.cursor, move |ev: AlertLive| {
        if ev.alert.0 == id {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <div class="page-head">
            <h1>{a.summary.clone()}</h1>
            {state_badge(a.state)}
            <span class=move || live.get().class()>{move || live.get().label()}</span>
            <a href="/alerts">"All alerts"</a>
        </div>
        <p class="muted">{a.severity.as_str()} " · " {a.service.clone()} " · from " {a.source.clone()} " · raised " <Time t=a.created_at/></p>
        <div class="row">
            {(a.state == AlertState::Triggered).then(|| view! {
                <button type="button" class="primary" on:click=move |_| { answer.dispatch(AnswerAlert { id, action: "acknowledge".into() }); }>"Acknowledge"</button>
            })}
            {(a.state != AlertState::Resolved).then(|| view! {
                <button type="button" on:click=move |_| { answer.dispatch(AnswerAlert { id, action: "resolve".into() }); }>"Resolve"</button>
            })}
            <a class="button" href=format!("/incidents/new?alert={id}")>"Declare an incident"</a>
        </div>
        {action_error(answer.value())}
        {(a.state != AlertState::Triggered).then(|| view! {
            <section class="panel verdict" data-testid="verdict">
                <h2>"Was it actionable?"</h2>
                <p class="muted small">"Alert accuracy is computed from these answers: noisy alerts are the ones to tune."</p>
                <div class="row">
                    {Verdict::ALL.into_iter().map(|v| {
                        let chosen = a.verdict == Some(v);
                        view! {
                            <button type="button" class:primary=chosen aria-pressed=chosen.to_string()
                                on:click=move |_| { judge.dispatch(JudgeAlert { id, verdict: v.as_str().into() }); }>{v.label()}</button>
                        }
                    }).collect_view()}
                </div>
                {action_error(judge.value())}
            </section>
        })}
        <h2>"Log"</h2>
        <ol class="alert-log" data-testid="alert-log">
            {v.log.into_iter().map(|(at, line)| view! { <li><Time t=at/> " " {line}</li> }).collect_view()}
        </ol>
    }
}
