//! `/near-misses`: what almost happened and what caught it, recorded without declaring an
//! incident and listed for the monthly review; one that turns out to be an incident is
//! declared from here (once), or reviewed in a lightweight postmortem of its own. Reads,
//! records, declares and starts reviews without JavaScript.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::near_misses::{near_miss_services, near_misses, DeclareNearMiss, RecordNearMiss, ReviewNearMiss};
use crate::components::time::Time;
use crate::domain::incident::{ServiceRef, Severity};
use crate::domain::near_miss::{NearMiss, TEXT_MAX};
use crate::domain::user::Permission;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn NearMissesPage() -> impl IntoView {
    authenticated(|user| {
        let can_work = user.can(Permission::WorkIncidents);
        let record = ServerAction::<RecordNearMiss>::new();
        let declare = ServerAction::<DeclareNearMiss>::new();
        let review = ServerAction::<ReviewNearMiss>::new();
        let query = use_query_map();
        let asked = move || {
            let q = query.read();
            (q.get("days"), q.get("from"), q.get("to"), record.version().get(), review.version().get())
        };
        let data = crate::resource::blocking(asked, |(days, from, to, _, _)| near_misses(days, from, to));
        let chosen = move |d: i64| query.read().get("days").and_then(|v| v.parse::<i64>().ok()).unwrap_or(30) == d;
        view! {
            <div class="page-head"><h1>"Near-misses"</h1><a href="/insights">"Metrics"</a></div>
            <p class="muted">"What almost happened, and what caught it: recorded without declaring an incident, and read in the monthly review. They teach as much as incidents, for less."</p>
            {can_work.then(|| {
                // read once: the form is drawn once and keeps what was typed
                let choices = crate::resource::blocking(|| (), |_| near_miss_services());
                view! {
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move { choices.await.ok().map(|services| view! { <RecordForm record services/> }) })}
                    </Transition>
                }
            })}
            <form class="filters" method="get" action="/near-misses">
                <label>"Happened in the last "
                    <select name="days">
                        {[(30, "30 days"), (90, "90 days"), (365, "365 days")].into_iter().map(|(d, say)| view! { <option value=d selected=move || chosen(d)>{say}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Show"</button>
            </form>
            {action_error(declare.value())}
            {action_error(review.value())}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((list, _)) if list.is_empty() => view! { <p class="muted" data-testid="no-near-misses">"No near-miss recorded in this period."</p> }.into_any(),
                        Ok((list, _)) => view! {
                            <ul class="near-misses" data-testid="near-misses">
                                {list.into_iter().map(|n| view! { <Entry n can_work declare review/> }).collect_view()}
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

/// Recording one: a plain form (the reader's zone is sent along once the page runs).
#[component]
fn RecordForm(record: ServerAction<RecordNearMiss>, services: Vec<ServiceRef>) -> impl IntoView {
    let zone = RwSignal::new(String::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| zone.set(crate::components::time::browser_zone().unwrap_or_default()));
    let form = NodeRef::<leptos::html::Form>::new();
    // emptied once recorded; a refused one keeps what was typed
    Effect::new(move |before: Option<usize>| {
        let version = record.version().get();
        if before.is_some_and(|b| b != version) && matches!(record.value().get_untracked(), Some(Ok(()))) {
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
        }
        version
    });
    view! {
        <section class="card">
            <h2>"Record a near-miss"</h2>
            <ActionForm action=record node_ref=form attr:class="stack" attr:data-testid="record-near-miss">
                <label>"Title " <input type="text" name="title" required maxlength="120" placeholder="API certificate two days from expiry"/></label>
                <label>"What almost happened " <textarea name="what_happened" required rows="3" maxlength=TEXT_MAX></textarea></label>
                <label>"What caught it " <textarea name="caught_by" required rows="2" maxlength=TEXT_MAX placeholder="The weekly certificate check"></textarea></label>
                <label>"Service "
                    <select name="service">
                        <option value="">"None in particular"</option>
                        {services.into_iter().map(|s| view! { <option value=s.slug>{s.name}</option> }).collect_view()}
                    </select>
                </label>
                <label>"When (empty: now) " <input type="datetime-local" name="occurred_at"/></label>
                <input type="hidden" name="zone" value=move || zone.get()/>
                <button type="submit">"Record near-miss"</button>
            </ActionForm>
            {action_error(record.value())}
        </section>
    }
}

/// One near-miss, its lightweight review (a postmortem document: a link, or the button that
/// starts it), and (not yet an incident) the form that declares it one.
#[component]
fn Entry(n: NearMiss, can_work: bool, declare: ServerAction<DeclareNearMiss>, review: ServerAction<ReviewNearMiss>) -> impl IntoView {
    let id = n.id.0;
    let outcome = match n.incident {
        Some(i) => view! { <p><a href=format!("/incidents/{i}") data-testid="declared-as">{format!("Declared as incident {i}")}</a></p> }.into_any(),
        None if can_work => view! {
            <ActionForm action=declare attr:class="row">
                <input type="hidden" name="id" value=id/>
                <label>"Declare as an incident of "
                    <select name="severity">
                        {Severity::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=s == Severity::Sev3>{s.label()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Declare"</button>
            </ActionForm>
        }
        .into_any(),
        None => ().into_any(),
    };
    view! {
        <li class="card" id=format!("near-miss-{id}") data-testid="near-miss">
            <h3>{n.title.clone()}</h3>
            <p class="muted small">
                <Time t=n.occurred_at/>
                {n.service.as_ref().map(|s| format!(" · {}", s.name))}
                {format!(" · recorded by {}", n.recorded_by.name)}
            </p>
            <dl class="facts">
                <dt>"What almost happened"</dt><dd class="prose">{n.what_happened.clone()}</dd>
                <dt>"What caught it"</dt><dd class="prose">{n.caught_by.clone()}</dd>
            </dl>
            {match n.postmortem {
                Some((pm, status)) => view! {
                    <p><a href=format!("/postmortems/{pm}") data-testid="near-miss-review-link">{format!("Lightweight review · {}", status.label())}</a></p>
                }
                .into_any(),
                None if can_work && n.incident.is_none() => view! {
                    <ActionForm action=review attr:class="row" attr:data-testid="start-review">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit">"Start a lightweight review"</button>
                    </ActionForm>
                }
                .into_any(),
                None => ().into_any(),
            }}
            {n.review.clone().map(|r| view! {
                <h4>"Review kept on the card"</h4>
                <dl class="facts" data-testid="near-miss-review">
                    <dt>"Contributing factors"</dt><dd class="prose">{r.contributing}</dd>
                    <dt>"Where we got lucky"</dt><dd class="prose">{r.lucky}</dd>
                    <dt>"What we change"</dt><dd class="prose">{r.changes}</dd>
                </dl>
                <p class="muted small">"Reviewed by " {r.by.name} ", " <Time t=r.at/></p>
            })}
            {outcome}
        </li>
    }
}
