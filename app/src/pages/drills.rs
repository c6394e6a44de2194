//! `/drills`: practising incident response. Scenarios (YAML scripts of timed injects,
//! imported by admins) run as drills; the IC the next drill suggests; the drills of the last
//! year with their retrospectives. Reads, runs and imports without JavaScript.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::drills::{load_drills, RunDrill, SaveScenario};
use crate::components::badges::StatusBadge;
use crate::components::time::Time;
use crate::domain::drill::{label, DrillSummary, ScenarioSummary};
use crate::domain::user::Permission;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

const TEMPLATE: &str = "title: \nseverity: sev2\nservices: []\nsummary: \ninjects:\n  - \"T+0: \"\n  - \"T+2m: \"\n";

#[component]
pub fn DrillsPage() -> impl IntoView {
    authenticated(|user| {
        let can_work = user.can(Permission::WorkIncidents);
        let is_admin = user.can(Permission::Administer);
        let run = ServerAction::<RunDrill>::new();
        let save = ServerAction::<SaveScenario>::new();
        let data = crate::resource::blocking(move || save.version().get(), |_| load_drills());
        view! {
            <div class="page-head"><h1>"Drills"</h1><a href="/insights">"Drill times against real incidents"</a></div>
            <p class="muted">"Practise on a scripted incident: a drill is marked DRILL everywhere, never reaches the public status page, tells nobody outside it and counts in no metric. Its injects arrive on the timeline on schedule; respond as you would for real."</p>
            {action_error(run.value())}
            {action_error(save.value())}
            {is_admin.then(|| view! {
                <details class="card" data-testid="import-scenario">
                    <summary>"Import a scenario (YAML)"</summary>
                    <ScenarioForm save yaml=TEMPLATE.to_string() id=None/>
                </details>
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! {
                            {page.suggested_ic.map(|s| view! {
                                <p class="card" data-testid="next-ic">"Next drill's suggested Incident Commander: " <strong>{s.person.name.clone()}</strong> " — " {s.reason()}</p>
                            })}
                            <h2>"Scenarios"</h2>
                            {page.scenarios.is_empty().then(|| view! { <p class="muted">"No scenario yet: an admin imports one."</p> })}
                            <ul class="scenarios">
                                {page.scenarios.into_iter().map(|sc| {
                                    let source = page.sources.iter().find(|(id, _)| *id == sc.id).map(|(_, y)| y.clone());
                                    view! { <Scenario sc can_work run save source/> }
                                }).collect_view()}
                            </ul>
                            <h2>"Drills run"</h2>
                            {page.drills.is_empty().then(|| view! { <p class="muted" data-testid="no-drills">"No drill in the last year."</p> })}
                            <ul class="drills" data-testid="drills">
                                {page.drills.into_iter().map(|d| view! { <Drill d/> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}

/// The YAML of a new scenario, or of scenario `id`.
#[component]
fn ScenarioForm(save: ServerAction<SaveScenario>, yaml: String, id: Option<i64>) -> impl IntoView {
    view! {
        <ActionForm action=save attr:class="stack">
            {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <label>"Scenario YAML" <textarea name="yaml" rows="14" spellcheck="false" required>{yaml}</textarea></label>
            <button type="submit" class="primary">"Save scenario"</button>
        </ActionForm>
    }
}

#[component]
fn Scenario(sc: ScenarioSummary, can_work: bool, run: ServerAction<RunDrill>, save: ServerAction<SaveScenario>, source: Option<String>) -> impl IntoView {
    let id = sc.id.0;
    view! {
        <li class="card" data-testid="scenario">
            <h3>{sc.title.clone()}</h3>
            <p class="muted small">
                {sc.severity.label()}
                {(!sc.services.is_empty()).then(|| format!(" · {}", sc.services.join(", ")))}
                {format!(" · {} injects over {}", sc.injects, label(sc.length_s))}
            </p>
            {(!sc.summary.is_empty()).then(|| view! { <p class="prose">{sc.summary.clone()}</p> })}
            {can_work.then(|| view! {
                <ActionForm action=run>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="primary" data-testid="run-drill">"Run this drill"</button>
                </ActionForm>
            })}
            {source.map(|yaml| view! {
                <details>
                    <summary>"Edit the YAML"</summary>
                    <ScenarioForm save yaml id=Some(id)/>
                </details>
            })}
        </li>
    }
}

#[component]
fn Drill(d: DrillSummary) -> impl IntoView {
    let i = d.incident;
    view! {
        <li class="card" data-testid="drill">
            <h3><a href=format!("/incidents/{}", i.id)>{i.title.clone()}</a></h3>
            <p class="muted small">
                <Time t=i.declared_at/> " · " <StatusBadge status=i.status/>
                {d.scenario.map(|s| format!(" · scenario: {s}"))}
            </p>
            {match d.retro {
                Some(r) => view! {
                    <dl class="facts">
                        <dt>"What worked"</dt><dd class="prose">{r.went_well}</dd>
                        <dt>"What to improve"</dt><dd class="prose">{r.to_improve}</dd>
                    </dl>
                }
                .into_any(),
                None => view! { <p class="muted">"No retrospective yet."</p> }.into_any(),
            }}
        </li>
    }
}
