//! `/postmortems/:id`: an incident's postmortem — its header (severity, status, deadline,
//! authors), the document, hints where its language points at people rather than systems,
//! and its action items. Live: a change anyone makes shows here at once. Reads without
//! JavaScript, and every form works without it too.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::postmortems::{postmortem, AddActionItem, SavePostmortemText, SetActionItem, SetPostmortemStatus};
use crate::components::action_items::Items;
use crate::components::badges::SeverityBadge;
use crate::components::time::Time;
use crate::domain::event::Topic;
use crate::domain::ids::PostmortemId;
use crate::domain::postmortem::blameless::hints;
use crate::domain::postmortem::change::PostmortemChange;
use crate::domain::postmortem::record::{PostmortemStatus, Priority};
use crate::domain::postmortem::view::PostmortemView;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::AppError;
use crate::live::use_live;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn PostmortemPage() -> impl IntoView {
    authenticated(|user| {
        let params = use_params_map();
        let id = move || params.read().get("id").and_then(|s| s.parse::<PostmortemId>().ok());
        let status = ServerAction::<SetPostmortemStatus>::new();
        let add = ServerAction::<AddActionItem>::new();
        let mark = ServerAction::<SetActionItem>::new();
        let save = ServerAction::<SavePostmortemText>::new();
        // bumped by every event of this postmortem, live
        let changed = RwSignal::new(0u64);
        let data = Resource::new_blocking(
            move || (id(), status.version().get(), add.version().get(), mark.version().get(), save.version().get(), changed.get()),
            |(id, ..)| async move {
                match id {
                    Some(id) => postmortem(id.0).await,
                    None => Err(AppError::not_found("There is no such postmortem.")),
                }
            },
        );
        view! {
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let user = user.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok((v, html)) => view! { <Postmortem v html user actions=Actions { status, add, mark, save } changed/> }.into_any(),
                            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                        }
                    })
                }}
            </Transition>
        }
        .into_any()
    })
}

/// What the page's forms do.
#[derive(Clone, Copy)]
struct Actions {
    status: ServerAction<SetPostmortemStatus>,
    add: ServerAction<AddActionItem>,
    mark: ServerAction<SetActionItem>,
    save: ServerAction<SavePostmortemText>,
}

#[component]
fn Postmortem(v: PostmortemView, html: String, user: CurrentUser, actions: Actions, changed: RwSignal<u64>) -> impl IntoView {
    let Actions { status, add, mark, save } = actions;
    let live = use_live(Topic::Postmortem(v.id).path(), v.cursor, move |_: PostmortemChange| changed.update(|n| *n += 1));
    let can_work = user.can(Permission::WorkIncidents);
    let names: Vec<String> = v.people.iter().flat_map(|p| p.name.split_whitespace().map(str::to_string).collect::<Vec<_>>()).collect();
    let found = hints(&v.body, &names.iter().map(String::as_str).collect::<Vec<_>>());
    let complete = v.status == PostmortemStatus::Complete;
    view! {
        <div class="page-head">
            <h1>{format!("{}: {}", v.depth.label(), v.incident_title)}</h1>
            <span class=move || live.get().class()>{move || live.get().label()}</span>
            <a href=format!("/incidents/{}", v.incident)>"War room"</a>
            <a href=format!("/postmortems/{}.md", v.id) data-testid="export-md" rel="external">"Export as Markdown"</a>
        </div>
        <p class="postmortem-facts">
            <SeverityBadge severity=Signal::stored(v.severity)/>
            " " <span class="badge status" data-testid="postmortem-status">{v.status.label()}</span>
            {v.due.map(|d| view! { " · due " <Time t=d/> })}
            {v.overdue.then(|| view! { " " <span class="badge danger" data-testid="postmortem-overdue">"Overdue"</span> })}
            " · authors: " {if v.authors.is_empty() { "—".to_string() } else { v.authors.join(", ") }}
        </p>
        {can_work.then(|| view! {
            <ActionForm action=status attr:class="row">
                <input type="hidden" name="id" value=v.id.0/>
                <input type="hidden" name="expected" value=v.status.as_str()/>
                <label>"Status "
                    <select name="to" data-testid="status-to">
                        {PostmortemStatus::ALL.into_iter().filter(|s| *s != v.status).map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Set status"</button>
            </ActionForm>
        })}
        {action_error(status.value())}
        {complete.then(|| view! { <p class="muted small">"Complete: read-only until an admin or the Incident Commander reopens it."</p> })}
        <div class="postmortem-grid">
            <div class="main-col">
                <article class="postmortem-body card" data-testid="postmortem-body" inner_html=html></article>
                {(can_work && !complete).then(|| view! {
                    <details class="card edit-text" data-testid="edit-text">
                        <summary>"Edit the text"</summary>
                        <ActionForm action=save>
                            <input type="hidden" name="id" value=v.id.0/>
                            <input type="hidden" name="base" value=v.seq/>
                            <label for="postmortem-text" class="muted small">"Markdown. What others change meanwhile is kept: only your changes are applied."</label>
                            <textarea id="postmortem-text" name="text" rows="24" spellcheck="true">{v.body.clone()}</textarea>
                            <button type="submit" class="primary">"Save the text"</button>
                        </ActionForm>
                        {action_error(save.value())}
                    </details>
                })}
            </div>
            <aside class="side-col">
                <section class="panel" data-testid="hints">
                    <h2>"Blameless language"</h2>
                    {if found.is_empty() {
                        view! { <p class="muted small">"No hints: the text describes systems, not people."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="hints">
                                {found.into_iter().map(|h| view! {
                                    <li>
                                        <strong>{format!("\u{201c}{}\u{201d}", h.text)}</strong>
                                        " — " {h.rule.why()} " "
                                        <span class="muted">{h.rule.suggestion()}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </aside>
        </div>
        <section class="card">
            <h2>"Action items"</h2>
            <Items items=v.items.clone() today=v.today mark can_work show_incident=false/>
            {action_error(mark.value())}
            {(can_work && !complete).then(|| view! {
                <ActionForm action=add attr:class="row" attr:data-testid="add-item">
                    <input type="hidden" name="postmortem" value=v.id.0/>
                    <label>"Action " <input type="text" name="title" required maxlength="300" placeholder="Add a canary stage to checkout deploys"/></label>
                    <label>"Owner "
                        <select name="owner">
                            <option value="">"Nobody yet"</option>
                            {v.people.iter().map(|p| view! { <option value=p.id.0>{p.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Priority "
                        <select name="priority">
                            {Priority::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=p == Priority::P2>{p.label()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Due " <input type="date" name="due"/></label>
                    <button type="submit">"Add action item"</button>
                </ActionForm>
            })}
            {action_error(add.value())}
        </section>
    }
}
