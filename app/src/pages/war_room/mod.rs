//! The war room: one incident, live.

mod actions;
mod composer;
mod context;
mod drill;
mod postmortem;
mod public_update;
mod roles;
mod runbooks;
mod shortcuts;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::incidents::get_war_room;
use crate::components::badges::{SeverityBadge, StatusBadge};
use crate::components::clock::{use_now, Countdown, Elapsed};
use crate::components::time::Time;
use crate::components::timeline::Timeline;
use crate::domain::event::Topic;
use crate::domain::ids::IncidentId;
use crate::domain::timers::timers;
use crate::domain::user::{CurrentUser, Permission};
use crate::domain::war_room::{links, WarRoom};
use crate::error::AppError;
use crate::live::use_live;
use crate::pages::gate::{authenticated, ErrorPanel};

#[component]
pub fn WarRoomPage() -> impl IntoView {
    authenticated(|user| {
        let params = use_params_map();
        let id = move || params.read().get("id").and_then(|s| s.parse::<IncidentId>().ok());
        let data = crate::resource::blocking(id, |id| async move {
            match id {
                Some(id) => get_war_room(id).await,
                None => Err(AppError::not_found("There is no such incident.")),
            }
        });
        view! {
            <Suspense fallback=|| view! { <p class="loading">"Loading the war room…"</p> }>
                {move || {
                    let user = user.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(w) => view! { <Room w user/> }.into_any(),
                            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn Room(w: WarRoom, user: CurrentUser) -> impl IntoView {
    let id = w.incident.id;
    let now = use_now(w.now);
    let room = RwSignal::new(w.clone());
    let live = use_live(Topic::Incident(id).path(), w.cursor, move |ev: crate::domain::event::LiveEvent| {
        room.update(|r| {
            r.apply(ev);
        });
    });
    let incident = Memo::new(move |_| room.with(|r| r.incident.clone()));
    let events = Signal::derive(move || room.with(|r| r.events.clone()));
    let can_work = user.can(Permission::WorkIncidents);
    let detected = Signal::derive(move || incident.with(|i| i.detected_at));
    view! {
        <div class="war-room" data-incident-id=id.0>
            {w.incident.drill.then(|| view! {
                <p class="drill-banner" role="note" data-testid="drill-banner">
                    <strong>"DRILL"</strong>
                    " — an exercise: never on the public status page, nobody outside it is told, and it counts in no metric."
                </p>
            })}
            <header class="room-head">
                <div>
                    <h1 data-testid="incident-title">{move || incident.with(|i| i.title.clone())}</h1>
                    <div class="muted small">{w.incident.slug.clone()}</div>
                </div>
                <div class="room-state">
                    <span data-testid="severity"><SeverityBadge severity=Signal::derive(move || incident.with(|i| i.severity))/></span>
                    <span data-testid="status"><StatusBadge status=Signal::derive(move || incident.with(|i| i.status))/></span>
                    <span class="since">"Detected " <Elapsed since=detected now/> " ago"</span>
                    <span class=move || live.get().class() data-testid="live-status">{move || live.get().label()}</span>
                </div>
            </header>
            <div class="room-grid">
                <section class="main-col">
                    {move || incident.with(|i| (!i.impact.is_empty()).then(|| view! { <p class="impact">{i.impact.clone()}</p> }))}
                    <div class="clocks" data-testid="timers">
                        {move || incident.with(timers).into_iter().map(|t| view! {
                            <div class="clock" data-timer=t.kind.as_str()>
                                <span>{t.kind.label()}</span> " " <Countdown due=t.due_at now/>
                            </div>
                        }).collect_view()}
                    </div>
                    {can_work.then(|| view! { <composer::Composer id/> })}
                    <h2>"Timeline"</h2>
                    {if can_work { view! { <Timeline events mark=id/> }.into_any() } else { view! { <Timeline events/> }.into_any() }}
                    <shortcuts::Shortcuts/>
                </section>
                <aside class="side-col">
                    {can_work.then(|| view! { <actions::StatusActions incident/> })}
                    {w.drill.clone().map(|drill| view! { <drill::DrillPanel room drill can_work now/> })}
                    // a drill's retrospective is its own (in the drill panel)
                    {(!w.incident.drill).then(|| view! { <postmortem::PostmortemPanel incident postmortem=w.postmortem.clone() can_work/> })}
                    <context::ContextPanel context=w.context.clone()/>
                    {if w.incident.drill {
                        view! {
                            <section class="panel public" data-testid="public-update">
                                <h2>"Status page"</h2>
                                <p class="muted">"A drill never reaches the public status page."</p>
                            </section>
                        }
                        .into_any()
                    } else {
                        view! { <public_update::PublicUpdatePanel room can_work/> }.into_any()
                    }}
                    <roles::RolesPanel room can_work/>
                    <section class="panel">
                        <h2>"Facts"</h2>
                        <dl>
                            <dt>"Detected"</dt><dd><Time t=w.incident.detected_at/></dd>
                            <dt>"Declared"</dt><dd><Time t=w.incident.declared_at/></dd>
                            <dt>"Services"</dt>
                            <dd>{move || incident.with(|i| i.services.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", "))}</dd>
                            <dt>"Data exposure"</dt>
                            <dd data-testid="data-exposure">{move || if incident.with(|i| i.data_exposure) { "flagged" } else { "no" }}</dd>
                        </dl>
                    </section>
                    <section class="panel">
                        <h2>"Links"</h2>
                        <ul class="links">
                            {move || room.with(|r| links(&r.events)).into_iter().map(|l| view! {
                                <li><a href=l.url.clone() rel="noopener noreferrer" target="_blank">{l.label}</a></li>
                            }).collect_view()}
                            {room.with_untracked(|r| r.runbooks.iter().map(|rb| view! {
                                <li><a href=format!("#runbook-{}", rb.id)>{format!("Runbook: {}", rb.doc.metadata.title)}</a></li>
                            }).collect_view())}
                        </ul>
                        {can_work.then(|| view! { <actions::AddLink id/> })}
                    </section>
                    {can_work.then(|| view! { <actions::MoreActions incident/> })}
                </aside>
            </div>
            <runbooks::RunbookPanel room can_work/>
        </div>
    }
}
