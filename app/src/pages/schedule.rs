//! `/oncall/schedules/:id`: a schedule's calendar, a week or a month of its final shifts on
//! the reader's clock (one colour per person, overrides and swaps marked, a "now" line that
//! moves). Clicking a shift opens a form to put someone on call instead (responders
//! themselves, admins anyone) or, for one's own shift, to offer part of it as a swap. Every
//! change shows live in every open calendar.

use chrono::{NaiveDateTime, Timelike};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::oncall::{calendar_view, AddOverride, OfferSwap, RemoveOverride, TakeSwap, WithdrawSwap};
use crate::components::clock::use_now;
use crate::components::time::Time;
use crate::domain::event::Topic;
use crate::domain::ids::{ScheduleId, UserId};
use crate::domain::oncall::grid::{Bar, Day, Mark, Span};
use crate::domain::oncall::swap::{SwapOffer, SwapState};
use crate::domain::oncall::view::{ScheduleCalendar, ScheduleChange};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::live::use_live;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

/// The actions of the page, shared by its parts; the calendar reloads when any completes.
#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<AddOverride>,
    remove: ServerAction<RemoveOverride>,
    offer: ServerAction<OfferSwap>,
    take: ServerAction<TakeSwap>,
    withdraw: ServerAction<WithdrawSwap>,
}

#[component]
pub fn SchedulePage() -> impl IntoView {
    authenticated(|user| {
        let params = use_params_map();
        let query = use_query_map();
        let id = move || params.read().get("id").and_then(|s| s.parse::<ScheduleId>().ok());
        // the zone asked for, else (once hydrated) the browser's, else the schedule's own
        let browser_zone = RwSignal::new(None::<String>);
        #[cfg(feature = "hydrate")]
        Effect::new(move |_| browser_zone.set(crate::components::time::browser_zone()));
        let actions = Actions {
            add: ServerAction::new(),
            remove: ServerAction::new(),
            offer: ServerAction::new(),
            take: ServerAction::new(),
            withdraw: ServerAction::new(),
        };
        let changed = RwSignal::new(0u64);
        // the shift picked, kept while the calendar reloads around it
        let picked = RwSignal::new(None::<Bar>);
        // a change made from the panel closes it
        Effect::new(move |_| {
            let done = matches!(actions.add.value().get(), Some(Ok(_)))
                || matches!(actions.remove.value().get(), Some(Ok(_)))
                || matches!(actions.offer.value().get(), Some(Ok(_)));
            if done {
                picked.set(None);
            }
        });
        let data = crate::resource::blocking(
            move || {
                let q = query.read();
                let tz = q.get("tz").filter(|z| !z.is_empty()).or_else(|| browser_zone.get());
                let done = (
                    actions.add.version().get() + actions.remove.version().get(),
                    actions.offer.version().get(),
                    actions.take.version().get(),
                    actions.withdraw.version().get(),
                );
                (id(), q.get("view"), q.get("date"), tz, changed.get(), done)
            },
            |(id, view, date, tz, _, _)| async move {
                match id {
                    Some(id) => calendar_view(id.0, view, date, tz).await,
                    None => Err(AppError::not_found("There is no such schedule.")),
                }
            },
        );
        view! {
            <Transition fallback=|| view! { <p class="loading">"Loading the calendar…"</p> }>
                {move || {
                    let user = user.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(c) => view! { <Calendar c user actions changed picked/> }.into_any(),
                            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        }
        .into_any()
    })
}

/// A link to this calendar with some of its settings changed.
fn href(c: &ScheduleCalendar, span: Span, date: chrono::NaiveDate) -> String {
    format!("/oncall/schedules/{}?view={}&date={}&tz={}", c.id, span.as_str(), date, c.zone)
}

fn hhmm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

/// A wall-clock time as a `datetime-local` input holds it.
fn input_value(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

#[component]
fn Calendar(c: ScheduleCalendar, user: CurrentUser, actions: Actions, changed: RwSignal<u64>, picked: RwSignal<Option<Bar>>) -> impl IntoView {
    let live = use_live(Topic::Schedules.path(), c.cursor, move |_: ScheduleChange| changed.update(|n| *n += 1));
    let now = use_now(c.at);
    let title = match c.span {
        Span::Week => format!("Week of {}", c.days.first().map(|d| d.date.format("%-d %B %Y").to_string()).unwrap_or_default()),
        Span::Month => c.date.format("%B %Y").to_string(),
    };
    let people = c.people.clone();
    let name_of = move |u: UserId| people.iter().find(|(v, _, _)| *v == u).map(|(_, n, _)| n.clone()).unwrap_or_else(|| format!("user {u}"));
    let days = c.days.clone();
    let name_of_days = name_of.clone();
    let (panel_c, offers, schedule, me) = (c.clone(), c.offers.clone(), c.id, user.id);
    let panel = move || {
        picked.get().map(|b| {
            let name = name_of(b.user);
            view! { <ShiftPanel b c=panel_c.clone() user=user.clone() actions name/> }
        })
    };
    view! {
        <div class="page-head">
            <h1>{c.name.clone()}</h1>
            <span class=move || live.get().class()>{move || live.get().label()}</span>
            <a href="/oncall">"All schedules"</a>
        </div>
        <nav class="cal-nav row">
            <a href=href(&c, c.span, c.prev) data-testid="cal-prev">"‹ Previous"</a>
            <strong data-testid="cal-title">{title}</strong>
            <a href=href(&c, c.span, c.next) data-testid="cal-next">"Next ›"</a>
            {match c.span {
                Span::Week => view! { <a href=href(&c, Span::Month, c.date)>"Month"</a> }.into_any(),
                Span::Month => view! { <a href=href(&c, Span::Week, c.date)>"Week"</a> }.into_any(),
            }}
        </nav>
        <form class="row cal-zone" method="get" action=format!("/oncall/schedules/{}", c.id)>
            <input type="hidden" name="view" value=c.span.as_str()/>
            <input type="hidden" name="date" value=c.date.to_string()/>
            <label>"Times in " <input name="tz" value=c.zone.clone() size="18" data-testid="cal-zone"/></label>
            <button type="submit">"Show"</button>
            <span class="muted small">"The schedule hands off on " {c.time_zone.clone()} " time."</span>
        </form>
        <ul class="legend">
            {c.people.iter().map(|(_, name, colour)| view! { <li><span class=format!("swatch p{colour}")></span>{name.clone()}</li> }).collect_view()}
            <li><span class="swatch override"></span>"override"</li>
            <li><span class="swatch swap"></span>"swap"</li>
        </ul>
        <div class=format!("cal cal-{}", c.span.as_str()) data-testid="calendar" data-zone=c.zone.clone()>
            {days.into_iter().map(|d| view! { <DayView d now picked name_of=name_of_days.clone()/> }).collect_view()}
        </div>
        <p class="muted small">"Select a shift to put someone else on call for it, or to offer part of your own as a swap."</p>
        {panel}
        {action_error(actions.take.value())}
        {action_error(actions.withdraw.value())}
        <Swaps offers schedule me actions/>
    }
}

#[component]
fn DayView(
    d: Day,
    now: ReadSignal<chrono::DateTime<chrono::Utc>>,
    picked: RwSignal<Option<Bar>>,
    name_of: impl Fn(UserId) -> String + Clone + 'static,
) -> impl IntoView {
    let (start, end) = (d.start, d.end);
    let day = d.clone();
    let line = move || {
        let t = now.get();
        (start <= t && t < end).then(|| view! { <div class="now-line" data-testid="now-line" style=format!("left:{:.3}%", day.percent(t))></div> })
    };
    let pieces = d.bars.clone();
    view! {
        <div class="cal-day" class:out=!d.in_period data-date=d.date.to_string()>
            <div class="cal-date">{d.date.format("%a %-d %b").to_string()}</div>
            <div class="cal-track">
                {d.bars.iter().map(|b| {
                    let (left, width) = (d.percent(b.from), d.percent(b.to) - d.percent(b.from));
                    let bar = b.clone();
                    let name = name_of(b.user);
                    view! {
                        <button type="button" class=format!("bar p{} {}", b.colour, b.mark.as_str()) style=format!("left:{left:.3}%;width:{width:.3}%")
                            title=name.clone() data-person=name.clone() data-mark=b.mark.as_str()
                            on:click=move |_| picked.set(Some(bar.clone()))>
                            <span>{name.clone()}</span>
                        </button>
                    }
                }).collect_view()}
                {line}
            </div>
            <ul class="cal-list">
                {pieces.into_iter().map(|b| {
                    let from = if b.from == start { "00:00".into() } else { hhmm(b.local_start) };
                    let to = if b.to == end { "24:00".into() } else { hhmm(b.local_end) };
                    view! {
                        <li data-person=name_of(b.user)>
                            <span class=format!("swatch p{}", b.colour)></span>
                            {name_of(b.user)} " " <span class="muted small">{from} "–" {to}</span>
                            {(b.mark != Mark::Rotation).then(|| view! { " " <span class="badge">{b.mark.as_str()}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The picked shift: who is on it, a form to put someone on call instead, and (for one's own
/// shift) a form to offer part of it as a swap.
#[component]
fn ShiftPanel(b: Bar, c: ScheduleCalendar, user: CurrentUser, actions: Actions, name: String) -> impl IntoView {
    let mine = b.user == user.id;
    // a swap starts now at the earliest
    let now_local = c.now_local.with_second(0).unwrap_or(c.now_local) + chrono::Duration::minutes(1);
    let offer_from = b.local_start.max(now_local);
    let (id, zone, end) = (c.id.0, c.zone.clone(), b.local_end);
    let offer = mine.then(move || {
        view! {
            <ActionForm action=actions.offer attr:data-testid="offer-form">
                <input type="hidden" name="schedule" value=id/>
                <input type="hidden" name="zone" value=zone.clone()/>
                <p>"Offer part of your shift to the others; whoever takes it is on call for it instead."</p>
                <label>"From (" {zone.clone()} ")" <input type="datetime-local" name="start" value=input_value(offer_from) required data-testid="offer-start"/></label>
                <label>"To" <input type="datetime-local" name="end" value=input_value(end) required data-testid="offer-end"/></label>
                <label>"Note" <input name="note" maxlength="500"/></label>
                <button type="submit">"Offer for a swap"</button>
            </ActionForm>
            {action_error(actions.offer.value())}
        }
    });
    // the override that put them there (the last one over this piece), and whether the reader may remove it
    let over = c.overrides.iter().rev().find(|(_, o)| o.user == b.user && o.start <= b.from && b.to <= o.end).map(|(oid, _)| oid.0);
    let may_remove = b.user == user.id || user.can(crate::domain::user::Permission::Administer);
    let remove = over.filter(|_| may_remove && b.mark != Mark::Rotation).map(|oid| {
        view! {
            <button type="button" on:click=move |_| { actions.remove.dispatch(RemoveOverride { schedule: id, id: oid }); }>"Remove this override"</button>
            {action_error(actions.remove.value())}
        }
    });
    view! {
        <section class="card" data-testid="shift-panel">
            <h2>{name} {(b.mark != Mark::Rotation).then(|| view! { " " <span class="badge">{b.mark.as_str()}</span> })}</h2>
            <p><Time t=b.shift_start/> " – " <Time t=b.shift_end/></p>
            {remove}
            <ActionForm action=actions.add>
                <input type="hidden" name="schedule" value=c.id.0/>
                <input type="hidden" name="zone" value=c.zone.clone()/>
                <label>"Who is on call instead"
                    <select name="user_id" data-testid="override-user">
                        {c.users.iter().map(|(id, n)| view! { <option value=id.0 selected=*id == user.id>{n.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"From (" {c.zone.clone()} ")" <input type="datetime-local" name="start" value=input_value(b.local_start) required data-testid="override-start"/></label>
                <label>"To" <input type="datetime-local" name="end" value=input_value(b.local_end) required data-testid="override-end"/></label>
                <button type="submit">"Add override"</button>
            </ActionForm>
            {action_error(actions.add.value())}
            {offer}
        </section>
    }
}

#[component]
fn Swaps(offers: Vec<SwapOffer>, schedule: ScheduleId, me: UserId, actions: Actions) -> impl IntoView {
    view! {
        <section class="card" data-testid="swaps">
            <h2>"Swaps"</h2>
            {if offers.is_empty() {
                view! { <p class="muted">"No shifts offered."</p> }.into_any()
            } else {
                view! {
                    <ul class="swaps">
                        {offers.into_iter().map(|o| {
                            let id = o.id.0;
                            let state = o.state;
                            let mine = o.offered_by.id == me;
                            view! {
                                <li data-testid="swap" data-state=state.as_str()>
                                    <strong>{o.offered_by.name.clone()}</strong> " offers " <Time t=o.start/> " – " <Time t=o.end/>
                                    {(!o.note.is_empty()).then(|| view! { <span class="muted">" — " {o.note.clone()}</span> })}
                                    " "
                                    {match (state, o.taken_by.clone()) {
                                        (SwapState::Open, _) if mine => view! {
                                            <button type="button" on:click=move |_| { actions.withdraw.dispatch(WithdrawSwap { schedule: schedule.0, id }); }>"Withdraw"</button>
                                        }.into_any(),
                                        (SwapState::Open, _) => view! {
                                            <button type="button" on:click=move |_| { actions.take.dispatch(TakeSwap { schedule: schedule.0, id }); }>"Take this shift"</button>
                                        }.into_any(),
                                        (SwapState::Taken, Some(p)) => view! { <span class="badge">"taken by " {p.name}</span> }.into_any(),
                                        _ => view! { <span class="badge">"withdrawn"</span> }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
