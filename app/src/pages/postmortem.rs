//! `/postmortems/:id`: an incident's postmortem, or a near-miss's lightweight review — its
//! header (severity, status, deadline, authors), the document edited together live (with
//! hints where its language points at people rather than systems; see
//! `components::live_text`), and its action items. A change anyone makes shows here at once.
//! Reads without JavaScript, and every form works without it.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::postmortems::{postmortem, AddActionItem, EditActionItem, SetActionItem, SetPostmortemStatus};
use crate::components::action_items::{Editing, Items};
use crate::components::badges::SeverityBadge;
use crate::components::live_text::{LiveDocument, Start};
use crate::components::time::Time;
use crate::domain::ids::PostmortemId;
use crate::domain::postmortem::record::{ActionItem, PostmortemStatus, Priority};
use crate::domain::postmortem::view::PostmortemView;
use crate::domain::user::{CurrentUser, Permission};
use crate::error::AppError;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn PostmortemPage() -> impl IntoView {
    authenticated(|user| {
        let params = use_params_map();
        let id = move || params.read().get("id").and_then(|s| s.parse::<PostmortemId>().ok());
        let status = ServerAction::<SetPostmortemStatus>::new();
        let add = ServerAction::<AddActionItem>::new();
        let mark = ServerAction::<SetActionItem>::new();
        let edit = ServerAction::<EditActionItem>::new();
        // bumped by every change of this postmortem but its text, live
        let changed = RwSignal::new(0u64);
        let load = |id: Option<PostmortemId>| async move {
            match id {
                Some(id) => postmortem(id.0).await,
                None => Err(AppError::not_found("There is no such postmortem.")),
            }
        };
        // the header and the action items: read again on every change (an item's edit form is
        // read again only from its change arriving live, so a refused edit keeps what was typed)
        let data = crate::resource::blocking(
            move || (id(), status.version().get(), add.version().get(), mark.version().get(), changed.get()),
            move |(id, ..)| load(id),
        );
        // the document: read once (it then follows the live edits itself)
        let document = crate::resource::blocking(id, load);
        let actions = Actions { status, add, mark, edit };
        let (u1, u2) = (user.clone(), user.clone());
        view! {
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let user = u1.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok((v, _)) => view! { <Header v user actions/> }.into_any(),
                            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                        }
                    })
                }}
            </Transition>
            <Transition fallback=|| ()>
                {move || {
                    let can_work = u2.can(Permission::WorkIncidents);
                    Suspend::new(async move {
                        document.await.ok().map(|(v, html)| {
                            let names: Vec<String> = v.people.iter().map(|p| p.name.clone()).collect();
                            // complete: read-only (as the header, read again on each change, says)
                            let at_first = v.status != PostmortemStatus::Complete;
                            let editable = Signal::derive(move || data.get().and_then(Result::ok).map_or(at_first, |(v, _)| v.status != PostmortemStatus::Complete));
                            let start = Start { id: v.id, body: v.body, seq: v.seq, cursor: v.cursor, html, names, dismissed: v.dismissed };
                            view! { <LiveDocument start can_work editable others=Callback::new(move |()| changed.update(|n| *n += 1))/> }
                        })
                    })
                }}
            </Transition>
            <Transition fallback=|| ()>
                {move || {
                    let user = user.clone();
                    Suspend::new(async move {
                        // drawn from the first read and kept: the rows follow each change, so
                        // an open edit form keeps what was typed (drawn again only when the
                        // postmortem is completed or reopened)
                        document.await.ok().map(|(first, _)| {
                            let latest = Memo::new(move |_| data.get().and_then(Result::ok).map(|(v, _)| v));
                            let was_complete = first.status == PostmortemStatus::Complete;
                            let complete = Memo::new(move |_| latest.with(|v| v.as_ref().map_or(was_complete, |v| v.status == PostmortemStatus::Complete)));
                            move || {
                                let v = latest.get_untracked().unwrap_or_else(|| first.clone());
                                let first_items = v.items.clone();
                                let items = Signal::derive(move || latest.with(|l| l.as_ref().map(|v| v.items.clone())).unwrap_or_else(|| first_items.clone()));
                                view! { <ActionItems v items complete=complete.get() user=user.clone() actions/> }
                            }
                        })
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
    edit: ServerAction<EditActionItem>,
}

#[component]
fn Header(v: PostmortemView, user: CurrentUser, actions: Actions) -> impl IntoView {
    let Actions { status, .. } = actions;
    let can_work = user.can(Permission::WorkIncidents);
    let complete = v.status == PostmortemStatus::Complete;
    view! {
        <div class="page-head">
            <h1>{format!("{}: {}", v.depth.label(), v.subject_title)}</h1>
            <a href=v.subject_href.clone()>{if v.subject.near_miss().is_some() { "Near-miss" } else { "War room" }}</a>
            <a href=format!("/postmortems/{}.md", v.id) data-testid="export-md" rel="external">"Export as Markdown"</a>
        </div>
        <p class="postmortem-facts">
            {v.severity.map(|s| view! { <SeverityBadge severity=Signal::stored(s)/> " " })}
            <span class="badge status" data-testid="postmortem-status">{v.status.label()}</span>
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
        {complete.then(|| view! { <p class="muted small">{if v.subject.near_miss().is_some() { "Complete: read-only until an admin or whoever recorded the near-miss reopens it." } else { "Complete: read-only until an admin or the Incident Commander reopens it." }}</p> })}
    }
}

/// The action items (`items`, following every change) and the form that adds one; `v` gives
/// the rest (who may own one, today) as first read.
#[component]
fn ActionItems(v: PostmortemView, items: Signal<Vec<ActionItem>>, complete: bool, user: CurrentUser, actions: Actions) -> impl IntoView {
    let Actions { add, mark, edit, .. } = actions;
    let can_work = user.can(Permission::WorkIncidents);
    // the section stays as drawn while the items change: the add form empties itself once
    // its item is added (a refused one keeps what was typed)
    let add_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |before: Option<usize>| {
        let version = add.version().get();
        if before.is_some_and(|b| b != version) && matches!(add.value().get_untracked(), Some(Ok(_))) {
            if let Some(form) = add_form.get_untracked() {
                form.reset();
            }
        }
        version
    });
    view! {
        <section class="card">
            <h2>"Action items"</h2>
            {if complete {
                view! { <Items items today=v.today mark can_work show_incident=false/> }.into_any()
            } else {
                let editing = Editing { edit, people: v.people.clone() };
                view! { <Items items today=v.today mark can_work show_incident=false editing/> }.into_any()
            }}
            {action_error(mark.value())}
            {action_error(edit.value())}
            {(can_work && !complete).then(|| view! {
                <ActionForm action=add node_ref=add_form attr:class="row" attr:data-testid="add-item">
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
                    <label>"Link " <input type="url" name="link" maxlength="500" placeholder="https://tracker.example.com/OPS-12"/></label>
                    <button type="submit">"Add action item"</button>
                </ActionForm>
            })}
            {action_error(add.value())}
        </section>
    }
}
