//! `/oncall`: who is on call now on every schedule and who is next, with handoff times in
//! the reader's zone, and "you are on call until …" for the reader. Admins add schedules
//! here as YAML (PagerDuty's layer fields, one to one).

use leptos::prelude::*;

use leptos::form::ActionForm;

use crate::api::oncall::{oncall_checks, oncall_overview, CalendarLink, SaveSchedule, SetMyTimeZone, WriteHandoffNote};
use crate::components::time::Time;
use crate::domain::event::Topic;
use crate::domain::oncall::view::{HandoffNote, Overview, ScheduleChange, ScheduleChecks, ShiftView};
use crate::domain::user::Permission;
use crate::live::use_live;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

const TEMPLATE: &str = "name: \ntime_zone: Europe/Berlin\nlayers:\n  - name: Weekly\n    start: 2026-12-07T08:00:00Z\n    rotation_virtual_start: 2026-12-07T09:00:00+01:00\n    rotation_turn_length_seconds: 604800\n    users:\n      - \n";

#[component]
pub fn OncallPage() -> impl IntoView {
    authenticated(|user| {
        let save = ServerAction::<SaveSchedule>::new();
        let link = ServerAction::<CalendarLink>::new();
        let note = ServerAction::<WriteHandoffNote>::new();
        let zone = ServerAction::<SetMyTimeZone>::new();
        // bumped by every change to a schedule, live
        let changed = RwSignal::new(0u64);
        let data = crate::resource::blocking(move || (save.version().get(), note.version().get(), zone.version().get(), changed.get()), |_| oncall_overview());
        let is_admin = user.can(Permission::Administer);
        view! {
            <div class="page-head"><h1>"On call"</h1></div>
            <CalendarLinks link/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(o) => view! { <Schedules o link note zone changed/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
            {is_admin.then(|| view! { <Checks save changed/> <NewSchedule save/> })}
        }
        .into_any()
    })
}

#[component]
fn Schedules(
    o: Overview,
    link: ServerAction<CalendarLink>,
    note: ServerAction<WriteHandoffNote>,
    zone: ServerAction<SetMyTimeZone>,
    changed: RwSignal<u64>,
) -> impl IntoView {
    let live = use_live(Topic::Schedules.path(), o.cursor, move |_: ScheduleChange| changed.update(|n| *n += 1));
    let who = |s: Option<ShiftView>, until: bool| match s {
        Some(s) => view! {
            <span class="person">{s.name.clone()}</span>
            {s.is_override.then(|| view! { " " <span class="badge">"override"</span> })}
            <span class="muted small">{if until { " until " } else { " from " }}<Time t=if until { s.end } else { s.start }/></span>
        }
        .into_any(),
        None => view! { <span class="warning">"nobody"</span> }.into_any(),
    };
    view! {
        {o.mine.into_iter().map(|(id, schedule, s)| view! {
            <div class="banner" data-testid="you-on-call">
                <p>"You are on call for " <strong>{schedule}</strong> " until " <Time t=s.end/> "."</p>
                <ActionForm action=note>
                    <input type="hidden" name="schedule" value=id.0/>
                    <label>"Handoff note for whoever takes over" <textarea name="body" rows="3" required></textarea></label>
                    <button type="submit">"Save handoff note"</button>
                </ActionForm>
            </div>
        }).collect_view()}
        {action_error(note.value())}
        <span class=move || live.get().class()>{move || live.get().label()}</span>
        {if o.schedules.is_empty() {
            view! { <p data-testid="no-schedules">"No schedules yet."</p> }.into_any()
        } else {
            view! {
                <table class="incidents" data-testid="schedules">
                    <thead><tr><th>"Schedule"</th><th>"On call now"</th><th>"Next"</th><th></th></tr></thead>
                    <tbody>
                        {o.schedules.into_iter().map(|s| view! {
                            <tr data-schedule=s.name.clone()>
                                <td><a href=format!("/oncall/schedules/{}", s.id)><strong>{s.name.clone()}</strong></a> <span class="muted small">" (" {s.time_zone.clone()} ")"</span></td>
                                <td data-testid="now">{who(s.now, true)}{s.note_in.map(|n| view! { <Note n incoming=true/> })}</td>
                                <td data-testid="next">{who(s.next, false)}{s.note_out.map(|n| view! { <Note n incoming=false/> })}</td>
                                <td><CalendarButton schedule=s.id.0 link/></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <MyZone current=o.my_zone zone/>
    }
}

/// The reader's own time zone: night hours on call are counted on their clock.
#[component]
fn MyZone(current: Option<String>, zone: ServerAction<SetMyTimeZone>) -> impl IntoView {
    let value = RwSignal::new(current.clone().unwrap_or_default());
    #[cfg(feature = "hydrate")]
    if current.is_none() {
        Effect::new(move |_| value.set(crate::components::time::browser_zone().unwrap_or_default()));
    }
    view! {
        <ActionForm action=zone attr:class="row my-zone">
            <label>"Your time zone " <input name="zone" size="20" prop:value=move || value.get() data-testid="my-zone"/></label>
            <button type="submit">"Save"</button>
            <span class="muted small">{match current {
                Some(z) => format!("Night hours on call are counted on {z} time."),
                None => "Not set: night hours on call are counted on each schedule's time.".to_string(),
            }}</span>
        </ActionForm>
        {action_error(zone.value())}
    }
}

/// Calendar feeds: the reader's own, or a schedule's (the table's buttons).
#[component]
fn CalendarLinks(link: ServerAction<CalendarLink>) -> impl IntoView {
    view! {
        <div class="row calendar-links">
            <button type="button" on:click=move |_| { link.dispatch(CalendarLink { schedule: None }); }>"My shifts as a calendar feed"</button>
        </div>
        {action_error(link.value())}
        {move || match link.value().get() {
            Some(Ok(path)) => Some(view! {
                <p class="muted" data-testid="calendar-url">"Subscribe to this address in your calendar program (keep it secret): " <code>{path}</code></p>
            }),
            _ => None,
        }}
    }
}

#[component]
fn NewSchedule(save: ServerAction<SaveSchedule>) -> impl IntoView {
    let yaml = RwSignal::new(TEMPLATE.to_string());
    view! {
        <section class="card" data-testid="new-schedule">
            <h2>"Add a schedule"</h2>
            <p class="muted">"Layers as in PagerDuty's Terraform: start, rotation_virtual_start, rotation_turn_length_seconds, users (emails, in turn order), end, and daily_restriction or weekly_restriction windows; later layers win."</p>
            <label for="schedule-yaml">"Schedule (YAML)"</label>
            <textarea id="schedule-yaml" rows="14" class="code" prop:value=move || yaml.get() on:input=move |ev| yaml.set(event_target_value(&ev))></textarea>
            {action_error(save.value())}
            <button type="button" on:click=move |_| { save.dispatch(SaveSchedule { id: None, version: None, yaml: yaml.get_untracked() }); }>"Save schedule"</button>
        </section>
    }
}

#[component]
fn CalendarButton(schedule: i64, link: ServerAction<CalendarLink>) -> impl IntoView {
    view! {
        <button type="button" class="link" on:click=move |_| { link.dispatch(CalendarLink { schedule: Some(schedule) }); }>"Calendar feed"</button>
    }
}

/// A handoff note: the one the current shift began with, or the one left for the next.
#[component]
fn Note(n: HandoffNote, incoming: bool) -> impl IntoView {
    view! {
        <blockquote class="handoff-note" data-testid=if incoming { "note-in" } else { "note-out" }>
            <span class="muted small">{if incoming { "Handoff note from " } else { "Note for the handoff, from " }}{n.author.clone()} ", " <Time t=n.written_at/> ":"</span>
            <p>{n.body.clone()}</p>
        </blockquote>
    }
}

/// The admins' checks: gaps, load per person, long stretches (also JSON at
/// `GET /api/oncall/checks`).
#[component]
fn Checks(save: ServerAction<SaveSchedule>, changed: RwSignal<u64>) -> impl IntoView {
    let data = crate::resource::blocking(move || (save.version().get(), changed.get()), |_| oncall_checks());
    let hours = |minutes: i64| format!("{:.1} h", minutes as f64 / 60.0);
    view! {
        <section class="card" data-testid="checks">
            <h2>"Checks"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(all) => all.into_iter().map(|c: ScheduleChecks| view! {
                            <div class="schedule-checks" data-checks=c.name.clone()>
                                <h3>{c.name.clone()}</h3>
                                {if c.gaps.is_empty() {
                                    view! { <p class="muted" data-testid="gaps">"No gaps in the next 30 days."</p> }.into_any()
                                } else {
                                    view! {
                                        <p class="warning" data-testid="gaps">{format!("{} gaps in the next 30 days with nobody on call; the first: ", c.gaps.len())}
                                            <Time t=c.gaps[0].0/> " – " <Time t=c.gaps[0].1/></p>
                                    }.into_any()
                                }}
                                {c.long_stretches.iter().map(|(who, a, b)| view! {
                                    <p class="warning" data-testid="long-stretch">{format!("{who} is on call for more than a week without a break: ")} <Time t=*a/> " – " <Time t=*b/></p>
                                }).collect_view()}
                                <table class="incidents" data-testid="load">
                                    <thead><tr><th>"Person"</th><th>"Last 90 days"</th><th>"Planned"</th><th>"Next 90 days"</th><th>"Of which at night"</th><th>"Night counted in"</th></tr></thead>
                                    <tbody>
                                        {c.load.into_iter().map(|l| view! {
                                            <tr><td>{l.name}</td><td>{hours(l.last_90_minutes)}</td><td>{hours(l.planned_last_90_minutes)}</td><td>{hours(l.next_90_minutes)}</td><td>{hours(l.night_next_90_minutes)}</td><td>{l.zone}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }).collect_view().into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
