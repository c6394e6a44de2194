//! Postmortems: started by someone from a resolved incident, or on resolution for SEV1-3
//! (SEV3 a lightweight review), pre-filled from the incident's log and its alerts; a
//! near-miss's lightweight review, pre-filled from the near-miss; their
//! status (complete ones read-only until an admin or the IC reopens them), action items, and
//! the whole document as Markdown.

use chrono::{DateTime, Utc};

use crate::domain::alert::AlertChange;
use crate::domain::ids::{ActionItemId, IncidentId, NearMissId, PostmortemId, UserId};
use crate::domain::incident::{Incident, Status};
use crate::domain::log::StreamRef;
use crate::domain::postmortem::blameless::HintKey;
use crate::domain::postmortem::change::PostmortemChange;
use crate::domain::postmortem::export::{self, Tracked};
use crate::domain::postmortem::item_merge::ItemFields;
use crate::domain::postmortem::prefill::{prefill, AlertFacts};
use crate::domain::postmortem::record::{self, ActionItem, ItemLink, ItemStatus, ItemTitle, PostmortemStatus, Priority, Subject};
use crate::domain::postmortem::template::{self, Depth};
use crate::domain::postmortem::{doc, view::PostmortemView};
use crate::domain::roles::{IncidentRole, Person};
use crate::domain::user::{AccountRole, CurrentUser, Permission};
use crate::error::{AppError, AppResult};
use crate::server::authz::require;
use crate::server::db::Tx;
use crate::server::repo::postmortems::{self as repo, NewItem, PostmortemRow};
use crate::server::repo::{alerts, events, incidents, log, near_misses, users};
use crate::server::services::postmortem_edits::history;
use crate::server::state::AppState;
use crate::server::time::now;

/// What the incident's alerts tell the pre-fill: when each was raised and first acknowledged.
async fn alert_facts(conn: &mut sqlx::AnyConnection, incident: IncidentId) -> Result<Vec<AlertFacts>, sqlx::Error> {
    let mut facts = vec![];
    for a in alerts::for_incident(&mut *conn, incident).await? {
        let ack = log::of_stream(&mut *conn, StreamRef::alert(a.id)).await?.into_iter().filter(|r| r.kind == "alert_acknowledged").find_map(|r| {
            match serde_json::from_str::<AlertChange>(&r.payload) {
                Ok(AlertChange::Acknowledged { by }) => Some((r.at, by.map(|p| p.name))),
                _ => None,
            }
        });
        facts.push(AlertFacts {
            summary: a.summary,
            raised_at: a.created_at,
            acknowledged_at: ack.as_ref().map(|a| a.0),
            acknowledged_by: ack.and_then(|a| a.1),
        });
    }
    Ok(facts)
}

/// Starts `incident`'s postmortem in `tx` (which must not hold other postmortems' locks): the
/// text pre-filled from the log as it stands in `tx`. `None` when it has one already.
pub(crate) async fn start_in(
    tx: &mut Tx,
    incident: &Incident,
    actor: Option<&Person>,
    depth: Depth,
    due: Option<DateTime<Utc>>,
) -> AppResult<Option<PostmortemId>> {
    let (events, _) = events::for_incident(tx.conn(), incident.id).await?;
    let facts = alert_facts(tx.conn(), incident.id).await?;
    let components = crate::server::repo::status::components(tx.conn()).await?;
    let name = |id| components.iter().find(|c| c.id == id).map(|c| c.name.clone());
    let filled = prefill(incident, &events, &facts, &name);
    create_in(tx, Subject::Incident(incident.id), actor, depth, due, &template::markdown(&filled, depth)).await
}

/// Creates the postmortem of `subject` in `tx`, its document starting as `text`; `None`
/// when it has one already.
async fn create_in(
    tx: &mut Tx,
    subject: Subject,
    actor: Option<&Person>,
    depth: Depth,
    due: Option<DateTime<Utc>>,
    text: &str,
) -> AppResult<Option<PostmortemId>> {
    let state = doc::new_state(text);
    let Some(id) = repo::insert(tx.conn(), subject, depth, due, now(), &state).await? else { return Ok(None) };
    tx.lock_new(StreamRef::postmortem(id)).await?;
    let change = PostmortemChange::Started { incident: subject.incident(), near_miss: subject.near_miss(), lightweight: depth == Depth::Lightweight, due };
    log::append_change(tx, StreamRef::postmortem(id), actor, change.name(), &change).await?;
    Ok(Some(id))
}

/// Called as `incident` is resolved, in the transaction that resolves it: SEV1-3 get their
/// postmortem (or review), due 48 hours from now, unless they have one (a drill gets none:
/// its retrospective is its own).
pub(crate) async fn on_resolved(tx: &mut Tx, incident: &Incident, at: DateTime<Utc>) -> AppResult<()> {
    if incident.drill {
        return Ok(());
    }
    if let Some((depth, due)) = record::automatic(incident.severity, at) {
        start_in(tx, incident, None, depth, Some(due)).await?;
    }
    Ok(())
}

/// "Start postmortem" on a resolved (or follow-up) incident; the one it has if it has one.
/// Asked for, a SEV4 gets a lightweight review; the deadline is 48 hours after resolution.
pub async fn start(state: &AppState, actor: Option<&CurrentUser>, incident: IncidentId) -> AppResult<PostmortemId> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[]).await?;
    let found = incidents::get(tx.conn(), incident).await?.ok_or_else(|| AppError::not_found(format!("There is no incident {incident}.")))?;
    if let Some(existing) = repo::of_incident(tx.conn(), incident).await? {
        return Ok(existing.id);
    }
    if !matches!(found.status, Status::Resolved | Status::FollowUp) {
        return Err(AppError::conflict("A postmortem starts once the incident is resolved."));
    }
    let resolved = found.resolved_at.unwrap_or_else(now);
    let (depth, due) = record::automatic(found.severity, resolved).unwrap_or((Depth::Lightweight, resolved + chrono::Duration::hours(record::DUE_AFTER_HOURS)));
    let me = Person::from(actor);
    let made = start_in(&mut tx, &found, Some(&me), depth, Some(due)).await?;
    started(state, tx, made, Subject::Incident(incident)).await
}

/// Commits a start; when it made none (two people pressed at once), the one the other made.
async fn started(state: &AppState, tx: Tx, made: Option<PostmortemId>, subject: Subject) -> AppResult<PostmortemId> {
    tx.commit(&state.hub).await?;
    if let Some(id) = made {
        return Ok(id);
    }
    let mut conn = state.db.pool().acquire().await?;
    Ok(repo::of_subject(&mut conn, subject).await?.ok_or_else(AppError::internal)?.id)
}

/// "Start review" on a near-miss: its lightweight review as a postmortem (edited together,
/// action items tracked to done), pre-filled from the near-miss (and the review written on
/// its card, if any), due 48 hours from now; the one it has if it has one. A near-miss
/// declared as an incident is reviewed in the incident's postmortem.
pub async fn start_review(state: &AppState, actor: Option<&CurrentUser>, near_miss: NearMissId) -> AppResult<PostmortemId> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[]).await?;
    let found = near_misses::get(tx.conn(), near_miss).await?.ok_or_else(|| AppError::not_found(format!("There is no near-miss {near_miss}.")))?;
    let subject = Subject::NearMiss(near_miss);
    if let Some(existing) = repo::of_subject(tx.conn(), subject).await? {
        return Ok(existing.id);
    }
    if let Some(incident) = found.incident {
        return Err(AppError::conflict(format!("This near-miss was declared as incident {incident}: review it in the incident's postmortem.")));
    }
    let due = now() + chrono::Duration::hours(record::DUE_AFTER_HOURS);
    let me = Person::from(actor);
    let text = template::near_miss_markdown(&found);
    let made = create_in(&mut tx, subject, Some(&me), Depth::Lightweight, Some(due), &text).await?;
    started(state, tx, made, subject).await
}

/// What a postmortem is of, as its page names it.
struct SubjectView {
    title: String,
    /// The incident's (a near-miss has none).
    severity: Option<crate::domain::incident::Severity>,
    /// The war room, or the near-miss on the list of the day it happened.
    href: String,
}

async fn subject_of(conn: &mut sqlx::AnyConnection, subject: Subject) -> AppResult<SubjectView> {
    Ok(match subject {
        Subject::Incident(id) => {
            let i = incidents::get(conn, id).await?.ok_or_else(AppError::internal)?;
            SubjectView { title: i.title, severity: Some(i.severity), href: format!("/incidents/{id}") }
        }
        Subject::NearMiss(id) => {
            let n = near_misses::get(conn, id).await?.ok_or_else(AppError::internal)?;
            let day = n.occurred_at.date_naive();
            SubjectView { title: n.title, severity: None, href: format!("/near-misses?from={day}&to={day}#near-miss-{id}") }
        }
    })
}

pub(crate) async fn row(conn: &mut sqlx::AnyConnection, id: PostmortemId) -> AppResult<PostmortemRow> {
    repo::get(conn, id).await?.ok_or_else(|| AppError::not_found(format!("There is no postmortem {id}.")))
}

/// Everything the postmortem's page shows.
pub async fn load(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId) -> AppResult<PostmortemView> {
    require(actor, Permission::ReadInternal)?;
    let mut tx = state.db.begin_read().await?;
    let pm = row(&mut tx, id).await?;
    let about = subject_of(&mut tx, pm.subject).await?;
    let h = history(&mut tx, id).await?;
    let items = repo::items_of(&mut tx, id).await?;
    let people = users::list(&mut tx).await?.into_iter().map(|u| Person { id: u.id, name: u.name }).collect();
    tx.commit().await?;
    let body = doc::text(&h.document(id)?);
    let at = now();
    Ok(PostmortemView {
        id,
        subject: pm.subject,
        subject_title: about.title,
        subject_href: about.href,
        severity: about.severity,
        depth: pm.depth,
        status: pm.status,
        due: pm.due,
        overdue: record::overdue(pm.status, pm.due, at),
        body,
        authors: h.authors,
        items,
        people,
        today: at.date_naive(),
        cursor: h.cursor,
        seq: h.seq,
        dismissed: h.dismissed,
    })
}

/// The whole document as Markdown.
pub async fn markdown(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId) -> AppResult<String> {
    let v = load(state, actor, id).await?;
    let tracked = Tracked { status: v.status, authors: v.authors, due_on: v.due.map(|d| d.date_naive()) };
    Ok(export::document(&v.body, &tracked, &v.items))
}

/// One pass: reminds the owners of each postmortem that went past its deadline unfinished
/// (an incident's Incident Commander; whoever recorded a near-miss), once (an inbox item
/// linking to it, and an event on its log); how many.
pub async fn remind_overdue(state: &AppState, at: DateTime<Utc>) -> AppResult<usize> {
    let due = {
        let mut conn = state.db.pool().acquire().await?;
        repo::overdue_unreminded(&mut conn, at).await?
    };
    let mut reminded = 0;
    for pm in due {
        let mut tx = state.db.begin(&[StreamRef::postmortem(pm.id)]).await?;
        // under the lock: claimed once (another replica may have reminded), and still late
        // (it may have been completed meanwhile)
        let Some(now) = repo::get(tx.conn(), pm.id).await? else { continue };
        if !record::overdue(now.status, now.due, at) || !repo::mark_reminded(tx.conn(), pm.id).await? {
            continue;
        }
        // one postmortem that cannot be read does not hold up the others' reminders
        let title = match subject_of(tx.conn(), pm.subject).await {
            Ok(about) => about.title,
            Err(e) => {
                tracing::warn!(postmortem = %pm.id, error = ?e, "overdue reminder: cannot read what the postmortem is of");
                continue;
            }
        };
        let change = PostmortemChange::Overdue { due: now.due.unwrap_or(at) };
        let event = log::append_change(&mut tx, StreamRef::postmortem(pm.id), None, change.name(), &change).await?;
        let text = match pm.subject {
            Subject::Incident(_) => format!("Postmortem overdue: {title}"),
            Subject::NearMiss(_) => format!("Near-miss review overdue: {title}"),
        };
        for owner in owners(tx.conn(), pm.subject).await? {
            let link = format!("/postmortems/{}", pm.id);
            crate::server::repo::audiences::deliver_in_app(tx.conn(), owner, event.id, pm.subject.incident(), &link, &text, at).await?;
        }
        tx.commit(&state.hub).await?;
        reminded += 1;
    }
    Ok(reminded)
}

/// Who answers for a postmortem: the incident's Incident Commander(s), or whoever recorded
/// the near-miss.
async fn owners(conn: &mut sqlx::AnyConnection, subject: Subject) -> AppResult<Vec<UserId>> {
    Ok(match subject {
        Subject::Incident(id) => incidents::roles(conn, id).await?.into_iter().filter(|a| a.role == IncidentRole::Commander).map(|a| a.person.id).collect(),
        Subject::NearMiss(id) => near_misses::get(conn, id).await?.map(|n| n.recorded_by.id).into_iter().collect(),
    })
}

/// Whether `actor` is an admin or answers for the postmortem of `subject` (see [`owners`]).
async fn admin_or_owner(conn: &mut sqlx::AnyConnection, actor: &CurrentUser, subject: Subject) -> AppResult<bool> {
    if actor.role == AccountRole::Admin {
        return Ok(true);
    }
    Ok(owners(conn, subject).await?.contains(&actor.id))
}

/// Moves the status; `expected` is the status the person saw (of two at once, one wins).
pub async fn change_status(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId, expected: PostmortemStatus, to: PostmortemStatus) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::postmortem(id)]).await?;
    let pm = row(tx.conn(), id).await?;
    if pm.status != expected {
        return Err(AppError::conflict(format!("The status was changed to {} meanwhile; nothing was changed.", pm.status.label())));
    }
    let may = admin_or_owner(tx.conn(), actor, pm.subject).await?;
    record::may_change(pm.status, to, may).map_err(AppError::forbidden)?;
    repo::set_status(tx.conn(), id, to).await?;
    let change = PostmortemChange::StatusChanged { from: pm.status, to };
    log::append_change(&mut tx, StreamRef::postmortem(id), Some(&Person::from(actor)), change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

pub(crate) fn refuse_if_complete(pm: &PostmortemRow) -> AppResult<()> {
    if pm.status == PostmortemStatus::Complete {
        return Err(AppError::conflict(
            "This postmortem is complete: an admin or the Incident Commander (of a near-miss's review: whoever recorded it) can reopen it.",
        ));
    }
    Ok(())
}

/// What someone asks to add as an action item, as they typed it.
pub struct ItemInput<'a> {
    pub title: &'a str,
    pub owner: Option<UserId>,
    pub priority: &'a str,
    /// `YYYY-MM-DD`, or empty.
    pub due_on: &'a str,
    /// An http(s) address where it is tracked elsewhere, or empty.
    pub link: &'a str,
}

/// An action item as typed, checked.
struct Checked {
    title: ItemTitle,
    priority: Priority,
    due_on: Option<chrono::NaiveDate>,
    link: Option<ItemLink>,
}

impl Checked {
    fn fields(self, owner: Option<UserId>) -> ItemFields {
        ItemFields {
            title: self.title.as_str().to_string(),
            owner,
            priority: self.priority,
            due_on: self.due_on,
            link: self.link.map(|l| l.as_str().to_string()),
        }
    }
}

fn check_item(input: &ItemInput<'_>) -> AppResult<Checked> {
    let title = ItemTitle::parse(input.title).map_err(AppError::bad_request)?;
    let priority = Priority::parse(input.priority.trim()).ok_or_else(|| AppError::bad_request("priority: one of p0, p1, p2, p3."))?;
    let due_on = match input.due_on.trim() {
        "" => None,
        d => Some(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| AppError::bad_request("due: a day as YYYY-MM-DD."))?),
    };
    let link = ItemLink::parse(input.link).map_err(AppError::bad_request)?;
    Ok(Checked { title, priority, due_on, link })
}

/// The owner's name (a user that exists), or none.
async fn owner_name(conn: &mut sqlx::AnyConnection, owner: Option<UserId>) -> AppResult<Option<String>> {
    match owner {
        Some(u) => Ok(Some(users::by_id(conn, u).await?.ok_or_else(|| AppError::bad_request(format!("owner: there is no user {u}.")))?.user.name)),
        None => Ok(None),
    }
}

pub async fn add_item(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId, input: ItemInput<'_>) -> AppResult<ActionItemId> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let Checked { title, priority, due_on, link } = check_item(&input)?;
    let mut tx = state.db.begin(&[StreamRef::postmortem(id)]).await?;
    let pm = row(tx.conn(), id).await?;
    refuse_if_complete(&pm)?;
    let owner = owner_name(tx.conn(), input.owner).await?;
    let new = NewItem { title: title.as_str(), owner: input.owner, priority, due_on, link: link.as_ref().map(ItemLink::as_str) };
    let item = repo::add_item(tx.conn(), id, &new, now()).await?;
    let change = PostmortemChange::ItemAdded { item, title: title.as_str().to_string(), owner, priority, due_on };
    log::append_change(&mut tx, StreamRef::postmortem(id), Some(&Person::from(actor)), change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(item)
}

/// Changes what an action item says: its title, owner, priority, due day and link. `base` is
/// what the person's form showed: the fields they changed from it are applied, the others keep
/// what others made them meanwhile (without it, every field is taken as sent).
pub async fn edit_item(state: &AppState, actor: Option<&CurrentUser>, item: ActionItemId, input: ItemInput<'_>, base: Option<ItemInput<'_>>) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mine = check_item(&input)?.fields(input.owner);
    let base = match &base {
        Some(b) => Some(check_item(b).map_err(|e| AppError::bad_request(format!("what the form showed: {}", e.message)))?.fields(b.owner)),
        None => None,
    };
    let found = {
        let mut conn = state.db.pool().acquire().await?;
        repo::item_by_id(&mut conn, item).await?.ok_or_else(|| AppError::not_found(format!("There is no action item {item}.")))?
    };
    let mut tx = state.db.begin(&[StreamRef::postmortem(found.postmortem)]).await?;
    let pm = row(tx.conn(), found.postmortem).await?;
    refuse_if_complete(&pm)?;
    let current = ItemFields::of(&repo::item_by_id(tx.conn(), item).await?.ok_or_else(AppError::internal)?);
    let merged = ItemFields::merge(base.as_ref().unwrap_or(&current), &mine, &current);
    if merged == current {
        return Ok(());
    }
    let owner = owner_name(tx.conn(), merged.owner).await?;
    let ItemFields { title, owner: owner_id, priority, due_on, link } = merged;
    repo::edit_item(tx.conn(), item, &NewItem { title: &title, owner: owner_id, priority, due_on, link: link.as_deref() }).await?;
    let change = PostmortemChange::ItemEdited { item, title, owner, priority, due_on, link };
    log::append_change(&mut tx, StreamRef::postmortem(found.postmortem), Some(&Person::from(actor)), change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Moves an action item on: started, done, or open again.
pub async fn set_item_status(state: &AppState, actor: Option<&CurrentUser>, item: ActionItemId, status: ItemStatus) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let found = {
        let mut conn = state.db.pool().acquire().await?;
        repo::item_by_id(&mut conn, item).await?.ok_or_else(|| AppError::not_found(format!("There is no action item {item}.")))?
    };
    let mut tx = state.db.begin(&[StreamRef::postmortem(found.postmortem)]).await?;
    let current = repo::item_by_id(tx.conn(), item).await?.ok_or_else(AppError::internal)?;
    if current.status == status {
        return Err(AppError::conflict(format!("This action item is {} already.", status.label().to_lowercase())));
    }
    repo::set_item_status(tx.conn(), item, status, now()).await?;
    let change = PostmortemChange::ItemChanged { item, title: current.title, status };
    log::append_change(&mut tx, StreamRef::postmortem(found.postmortem), Some(&Person::from(actor)), change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Most hints one postmortem keeps dismissed.
pub const DISMISSALS_MAX: usize = 500;

/// Dismisses a blameless-language hint for everyone who reads this postmortem, from now on.
/// Dismissing one again changes nothing.
pub async fn dismiss_hint(state: &AppState, actor: Option<&CurrentUser>, id: PostmortemId, hint: HintKey) -> AppResult<()> {
    let actor = require(actor, Permission::WorkIncidents)?;
    let mut tx = state.db.begin(&[StreamRef::postmortem(id)]).await?;
    let pm = row(tx.conn(), id).await?;
    refuse_if_complete(&pm)?;
    let dismissed = history(tx.conn(), id).await?.dismissed;
    if dismissed.contains(&hint) {
        return Ok(());
    }
    if dismissed.len() >= DISMISSALS_MAX {
        return Err(AppError::conflict(format!("This postmortem keeps {DISMISSALS_MAX} dismissed hints already.")));
    }
    let change = PostmortemChange::HintDismissed { hint };
    log::append_change(&mut tx, StreamRef::postmortem(id), Some(&Person::from(actor)), change.name(), &change).await?;
    tx.commit(&state.hub).await?;
    Ok(())
}

/// Every action item of every postmortem.
pub async fn action_items(state: &AppState, actor: Option<&CurrentUser>) -> AppResult<Vec<ActionItem>> {
    require(actor, Permission::ReadInternal)?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(repo::all_items(&mut conn).await?)
}
