//! Postmortems in the store, on SQLite and on PostgreSQL: one started on resolution for
//! SEV1-3 (pre-filled from the log, due 48 hours later), by hand for others; status with
//! reopening kept for admins and the IC; action items tracked to done; the export.
#![cfg(feature = "testing")]

use app::domain::ids::{IncidentId, PostmortemId};
use app::domain::incident::{DeclareInput, Severity, Status};
use app::domain::postmortem::record::{ItemStatus, PostmortemStatus};
use app::domain::postmortem::template::Depth;
use app::domain::roles::IncidentRole;
use app::domain::triage::Answer;
use app::domain::user::{AccountRole, CurrentUser};
use app::error::ErrorKind;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::repo::{catalog, postmortems as repo};
use app::server::services::postmortems::{self, ItemInput};
use app::server::services::{incidents, postmortem_edits, war_room};
use app::server::state::AppState;
use app::server::testing::{fresh_state, user};
use chrono::{Duration, Utc};

struct Team {
    state: AppState,
    ada: CurrentUser,
    ben: CurrentUser,
    cleo: CurrentUser,
    vic: CurrentUser,
}

async fn team(b: Backend) -> Team {
    let state = fresh_state(b).await;
    let ada = user(&state.db, "Ada", AccountRole::Admin).await;
    let ben = user(&state.db, "Ben", AccountRole::Responder).await;
    let cleo = user(&state.db, "Cleo", AccountRole::Responder).await;
    let vic = user(&state.db, "Vic", AccountRole::Viewer).await;
    {
        let mut conn = state.db.pool().acquire().await.unwrap();
        catalog::upsert(&mut conn, "checkout", "Checkout", "").await.unwrap();
    }
    Team { state, ada, ben, cleo, vic }
}

/// Declares an incident of `severity` (Ben as IC) and takes it to `to`.
async fn incident(t: &Team, title: &str, severity: Severity, to: &[Status]) -> IncidentId {
    let input = DeclareInput {
        title: title.into(),
        impact: "Some checkouts fail".into(),
        services: vec!["checkout".into()],
        answers: vec![Answer::No, Answer::No, Answer::No, Answer::Yes],
        severity: Some(severity),
        override_reason: (severity != Severity::Sev2).then(|| "tests".into()),
        ..Default::default()
    };
    let i = incidents::declare(&t.state, Some(&t.ben), input).await.unwrap();
    incidents::assign_role(&t.state, Some(&t.ben), i.id, IncidentRole::Commander, t.ben.id).await.unwrap();
    let mut at = i.status;
    for s in to {
        incidents::change_status(&t.state, Some(&t.ben), i.id, at, *s).await.unwrap();
        at = *s;
    }
    i.id
}

async fn of_incident(t: &Team, id: IncidentId) -> Option<repo::PostmortemRow> {
    let mut conn = t.state.db.pool().acquire().await.unwrap();
    repo::of_incident(&mut conn, id).await.unwrap()
}

const TO_RESOLVED: [Status; 3] = [Status::Investigating, Status::Mitigating, Status::Resolved];

async fn resolving_starts_the_postmortem_its_severity_asks_for(b: Backend) {
    let t = team(b).await;
    let before = Utc::now();
    let sev2 = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, sev2).await.expect("SEV2 gets a postmortem when resolved");
    assert_eq!((pm.depth, pm.status), (Depth::Full, PostmortemStatus::Draft));
    let due = pm.due.unwrap();
    assert!(due >= before + Duration::hours(48) && due <= Utc::now() + Duration::hours(48), "due 48 h after resolution: {due}");
    let v = postmortems::load(&t.state, Some(&t.vic), pm.id).await.unwrap();
    assert!(v.body.starts_with("# Postmortem: Checkout payments down\n"), "{}", v.body);
    for line in ["- **Incident Commander:** Ben", "## Five whys", "| Services | Checkout |"] {
        assert!(v.body.contains(line), "{line} missing:\n{}", v.body);
    }
    assert!(v.body.contains("| Status Mitigating → Resolved (Ben) |"), "the timeline has the resolution:\n{}", v.body);
    assert!(!v.overdue);
    // the war room links it
    assert_eq!(war_room::load(&t.state, Some(&t.vic), sev2).await.unwrap().postmortem.map(|p| p.id), Some(pm.id));

    let sev3 = incident(&t, "Search slow", Severity::Sev3, &TO_RESOLVED).await;
    assert_eq!(of_incident(&t, sev3).await.unwrap().depth, Depth::Lightweight);
    let sev4 = incident(&t, "Typo on a page", Severity::Sev4, &TO_RESOLVED).await;
    assert!(of_incident(&t, sev4).await.is_none(), "SEV4: none unless asked");
    // asked for: a lightweight review; asking again opens the same one
    let asked = postmortems::start(&t.state, Some(&t.cleo), sev4).await.unwrap();
    assert_eq!(postmortems::start(&t.state, Some(&t.ben), sev4).await.unwrap(), asked);
    assert_eq!(of_incident(&t, sev4).await.unwrap().depth, Depth::Lightweight);
    // reopened and resolved again: still the one postmortem
    incidents::change_status(&t.state, Some(&t.ben), sev2, Status::Resolved, Status::Investigating).await.unwrap();
    incidents::change_status(&t.state, Some(&t.ben), sev2, Status::Investigating, Status::Resolved).await.unwrap();
    assert_eq!(of_incident(&t, sev2).await.unwrap().id, pm.id);

    let open = incident(&t, "Still burning", Severity::Sev1, &[Status::Investigating]).await;
    let e = postmortems::start(&t.state, Some(&t.ben), open).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e:?}");
    let e = postmortems::start(&t.state, Some(&t.vic), sev3).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "viewers read, they do not start");
    let e = postmortems::load(&t.state, Some(&t.vic), PostmortemId(9999)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

async fn action_items_are_tracked_to_done_and_a_complete_postmortem_is_kept(b: Backend) {
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev1, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    let item = |title: &'static str, priority: &'static str, due: &'static str| ItemInput { title, owner: Some(t.cleo.id), priority, due_on: due, link: "" };
    for (input, field) in [
        (item(" ", "p1", ""), "title:"),
        (item("Canary", "p9", ""), "priority:"),
        (item("Canary", "p1", "tomorrow"), "due:"),
        (ItemInput { owner: Some(app::domain::ids::UserId(777)), ..item("Canary", "p1", "") }, "owner:"),
    ] {
        let e = postmortems::add_item(&t.state, Some(&t.ben), pm, input).await.unwrap_err();
        assert!(e.kind == ErrorKind::BadRequest && e.message.starts_with(field), "{field}: {e:?}");
    }
    assert!(postmortems::load(&t.state, Some(&t.ben), pm).await.unwrap().items.is_empty(), "nothing half-written");
    let canary = postmortems::add_item(&t.state, Some(&t.ben), pm, item("Add a canary stage", "p1", "2020-01-31")).await.unwrap();
    postmortems::add_item(&t.state, Some(&t.ben), pm, ItemInput { title: "Alert on error budget", owner: None, priority: "p3", due_on: "", link: "" })
        .await
        .unwrap();

    // Cleo sees hers on the incident list, flagged overdue
    let list = incidents::list(&t.state, Some(&t.cleo)).await.unwrap();
    assert_eq!(list.my_items.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(), ["Add a canary stage"]);
    assert!(list.my_items[0].overdue(list.now.date_naive()));
    assert!(incidents::list(&t.state, Some(&t.ben)).await.unwrap().my_items.is_empty());

    postmortems::set_item_status(&t.state, Some(&t.cleo), canary, ItemStatus::Done).await.unwrap();
    let e = postmortems::set_item_status(&t.state, Some(&t.cleo), canary, ItemStatus::Done).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let all = postmortems::action_items(&t.state, Some(&t.vic)).await.unwrap();
    assert_eq!(
        all.iter().map(|i| (i.title.as_str(), i.status)).collect::<Vec<_>>(),
        [("Alert on error budget", ItemStatus::Open), ("Add a canary stage", ItemStatus::Done)]
    );
    assert!(incidents::list(&t.state, Some(&t.cleo)).await.unwrap().my_items.is_empty(), "done is off the list");

    // the export: header, text and the items table
    let md = postmortems::markdown(&t.state, Some(&t.vic), pm).await.unwrap();
    assert!(md.contains("- **Status:** Draft\n- **Authors:** Ben, Cleo\n"), "{md}");
    assert!(md.contains("| Add a canary stage | Cleo | P1 | 2020-01-31 | Done |\n| Alert on error budget | — | P3 | — | Open |"), "{md}");
    assert!(md.find("## Action items").unwrap() < md.find("## Lessons learned").unwrap(), "{md}");

    // status: forward for anyone who works incidents; a complete one is kept
    postmortems::change_status(&t.state, Some(&t.cleo), pm, PostmortemStatus::Draft, PostmortemStatus::InReview).await.unwrap();
    let e = postmortems::change_status(&t.state, Some(&t.cleo), pm, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "stale expected status: {e:?}");
    postmortems::change_status(&t.state, Some(&t.cleo), pm, PostmortemStatus::InReview, PostmortemStatus::Complete).await.unwrap();
    let e = postmortems::add_item(&t.state, Some(&t.ben), pm, item("Late idea", "p2", "")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let e = postmortems::change_status(&t.state, Some(&t.cleo), pm, PostmortemStatus::Complete, PostmortemStatus::Draft).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "Cleo is neither admin nor IC");
    // Ben is the IC
    postmortems::change_status(&t.state, Some(&t.ben), pm, PostmortemStatus::Complete, PostmortemStatus::InReview).await.unwrap();
    postmortems::change_status(&t.state, Some(&t.ben), pm, PostmortemStatus::InReview, PostmortemStatus::Complete).await.unwrap();
    postmortems::change_status(&t.state, Some(&t.ada), pm, PostmortemStatus::Complete, PostmortemStatus::Draft).await.unwrap();
    let v = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap();
    assert_eq!(v.status, PostmortemStatus::Draft);
    assert_eq!(v.authors, ["Ben", "Cleo", "Ada"], "everyone who changed it, in order");
}

async fn action_items_are_edited_started_and_linked(b: Backend) {
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    let input = |link: &'static str| ItemInput { title: "Page on error budget burn", owner: Some(t.cleo.id), priority: "p0", due_on: "2020-02-01", link };
    let e = postmortems::add_item(&t.state, Some(&t.ben), pm, input("javascript:alert(1)")).await.unwrap_err();
    assert!(e.kind == ErrorKind::BadRequest && e.message.starts_with("link:"), "{e:?}");
    let item = postmortems::add_item(&t.state, Some(&t.ben), pm, input("https://tracker.example.com/OPS-12")).await.unwrap();
    let items = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().items;
    assert_eq!(items.len(), 1, "the refused one was not written");
    assert_eq!((items[0].priority.as_str(), items[0].link.as_deref()), ("p0", Some("https://tracker.example.com/OPS-12")));

    // started: still Cleo's to do, and overdue; then handed to Ben, later, without the link
    postmortems::set_item_status(&t.state, Some(&t.cleo), item, ItemStatus::InProgress).await.unwrap();
    let mine = incidents::list(&t.state, Some(&t.cleo)).await.unwrap();
    assert_eq!(mine.my_items.iter().map(|i| i.status).collect::<Vec<_>>(), [ItemStatus::InProgress]);
    assert!(mine.my_items[0].overdue(mine.now.date_naive()));
    let md = postmortems::markdown(&t.state, Some(&t.vic), pm).await.unwrap();
    assert!(md.contains("| [Page on error budget burn](https://tracker.example.com/OPS-12) | Cleo | P0 | 2020-02-01 | In progress |"), "{md}");
    let edit = ItemInput { title: "Page on fast error budget burn", owner: Some(t.ben.id), priority: "p1", due_on: "2099-03-01", link: "" };
    postmortems::edit_item(&t.state, Some(&t.cleo), item, edit, None).await.unwrap();
    let items = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().items;
    let i = &items[0];
    assert_eq!(
        (i.title.as_str(), i.owner.as_ref().map(|(_, n)| n.as_str()), i.priority.as_str(), i.due_on.map(|d| d.to_string()), i.link.as_deref(), i.status),
        ("Page on fast error budget burn", Some("Ben"), "p1", Some("2099-03-01".into()), None, ItemStatus::InProgress)
    );
    assert!(incidents::list(&t.state, Some(&t.cleo)).await.unwrap().my_items.is_empty(), "Ben's now");
    // refused: a viewer, a bad field (nothing changed), no such item
    let again = || ItemInput { title: "x", owner: None, priority: "p2", due_on: "", link: "" };
    assert_eq!(postmortems::edit_item(&t.state, Some(&t.vic), item, again(), None).await.unwrap_err().kind, ErrorKind::Forbidden);
    let e = postmortems::edit_item(&t.state, Some(&t.ben), item, ItemInput { priority: "urgent", ..again() }, None).await.unwrap_err();
    assert!(e.message.starts_with("priority:"), "{e:?}");
    assert_eq!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().items[0].title, "Page on fast error budget burn");
    let unknown = app::domain::ids::ActionItemId(9_999);
    assert_eq!(postmortems::edit_item(&t.state, Some(&t.ben), unknown, again(), None).await.unwrap_err().kind, ErrorKind::NotFound);
    // a complete postmortem's items are kept as they are
    postmortems::change_status(&t.state, Some(&t.ben), pm, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap();
    assert_eq!(postmortems::edit_item(&t.state, Some(&t.ben), item, again(), None).await.unwrap_err().kind, ErrorKind::Conflict);
}

async fn a_note_marked_key_is_on_the_postmortems_timeline(b: Backend) {
    use app::domain::ids::EventId;
    use app::domain::incident::NoteKind;
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &[Status::Investigating]).await;
    let note = incidents::add_note(&t.state, Some(&t.ben), id, NoteKind::Note, "The pool was at 100% since the deploy").await.unwrap();
    incidents::add_note(&t.state, Some(&t.cleo), id, NoteKind::Note, "Coffee is ready").await.unwrap();
    let update = incidents::add_note(&t.state, Some(&t.cleo), id, NoteKind::Update, "Still looking").await.unwrap();
    let mark = |who, note| incidents::mark_key_note(&t.state, Some(who), id, note);
    assert_eq!(mark(&t.vic, note.id).await.unwrap_err().kind, ErrorKind::Forbidden);
    assert_eq!(mark(&t.cleo, update.id).await.unwrap_err().kind, ErrorKind::BadRequest, "only notes");
    assert_eq!(mark(&t.cleo, EventId(999_999)).await.unwrap_err().kind, ErrorKind::NotFound);
    mark(&t.cleo, note.id).await.unwrap();
    assert_eq!(mark(&t.ben, note.id).await.unwrap_err().kind, ErrorKind::Conflict, "once");
    for (from, to) in [(Status::Investigating, Status::Mitigating), (Status::Mitigating, Status::Resolved)] {
        incidents::change_status(&t.state, Some(&t.ben), id, from, to).await.unwrap();
    }
    let pm = of_incident(&t, id).await.unwrap().id;
    let body = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().body;
    assert!(body.contains("| Key note: The pool was at 100% since the deploy (Ben) |"), "{body}");
    assert!(!body.contains("Coffee"), "{body}");
}

async fn an_overdue_postmortem_is_flagged_on_the_list(b: Backend) {
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    assert!(!incidents::list(&t.state, Some(&t.vic)).await.unwrap().postmortems.iter().any(|p| p.overdue));
    {
        let mut conn = t.state.db.pool().acquire().await.unwrap();
        sqlx::query("UPDATE postmortems SET due_at_ms = $1 WHERE id = $2")
            .bind((Utc::now() - Duration::hours(1)).timestamp_millis())
            .bind(pm.0)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let list = incidents::list(&t.state, Some(&t.vic)).await.unwrap();
    assert_eq!(list.postmortems.iter().filter(|p| p.overdue).map(|p| p.incident).collect::<Vec<_>>(), [id]);
    assert!(war_room::load(&t.state, Some(&t.vic), id).await.unwrap().postmortem.unwrap().overdue);
    // the IC (Ben) is reminded in his inbox, once, however many passes run
    let inbox = |who: CurrentUser| {
        let state = t.state.clone();
        async move {
            app::server::services::notifications::inbox(&state, Some(&who))
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.text)
                .filter(|t| t.starts_with("Postmortem overdue"))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(postmortems::remind_overdue(&t.state, Utc::now()).await.unwrap(), 1);
    assert_eq!(postmortems::remind_overdue(&t.state, Utc::now()).await.unwrap(), 0);
    assert_eq!(inbox(t.ben.clone()).await, ["Postmortem overdue: Checkout payments down"]);
    assert!(inbox(t.cleo.clone()).await.is_empty(), "only the IC");
    postmortems::change_status(&t.state, Some(&t.ben), pm, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap();
    assert!(!incidents::list(&t.state, Some(&t.vic)).await.unwrap().postmortems.iter().any(|p| p.overdue), "complete is never late");
    // a complete one past its deadline is never reminded
    let other = incident(&t, "Search down", Severity::Sev1, &TO_RESOLVED).await;
    let done = of_incident(&t, other).await.unwrap().id;
    postmortems::change_status(&t.state, Some(&t.ben), done, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap();
    assert_eq!(postmortems::remind_overdue(&t.state, Utc::now() + Duration::days(3)).await.unwrap(), 0);
}

async fn saving_the_text_keeps_what_others_wrote_meanwhile(b: Backend) {
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    // Ben and Cleo both open the page, then each saves a different section
    let seen = postmortems::load(&t.state, Some(&t.ben), pm).await.unwrap();
    let ben_text = seen.body.replacen("## Summary\n\n", "## Summary\n\nA bad config push broke card payments.\n", 1);
    let cleo_text = seen.body.replacen("## Root cause\n\n", "## Root cause\n\nThe deploy pipeline had no canary.\r\n", 1);
    postmortem_edits::save_text(&t.state, Some(&t.ben), pm, seen.seq, &ben_text).await.unwrap();
    postmortem_edits::save_text(&t.state, Some(&t.cleo), pm, seen.seq, &cleo_text).await.unwrap();
    let now = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap();
    assert!(now.body.contains("## Summary\n\nA bad config push broke card payments.\n"), "{}", now.body);
    assert!(now.body.contains("## Root cause\n\nThe deploy pipeline had no canary.\n"), "CRLF from a form is stored as LF:\n{}", now.body);
    assert_eq!(now.authors, ["Ben", "Cleo"]);
    // the export has the text as it stands
    assert!(postmortems::markdown(&t.state, Some(&t.vic), pm).await.unwrap().contains("A bad config push broke card payments."));
    // saving what is there already changes nothing
    postmortem_edits::save_text(&t.state, Some(&t.ben), pm, now.seq, &now.body).await.unwrap();
    assert_eq!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().seq, now.seq);
    // refused: a version that never was, too long a text, a viewer, a complete postmortem
    for (who, base, text, kind) in [
        (&t.ben, now.seq + 5, "x".to_string(), ErrorKind::BadRequest),
        (&t.ben, -1, "x".to_string(), ErrorKind::BadRequest),
        (&t.ben, now.seq, "x".repeat(postmortem_edits::TEXT_MAX + 1), ErrorKind::BadRequest),
        (&t.vic, now.seq, "x".to_string(), ErrorKind::Forbidden),
    ] {
        let e = postmortem_edits::save_text(&t.state, Some(who), pm, base, &text).await.unwrap_err();
        assert_eq!(e.kind, kind, "{e:?}");
    }
    postmortems::change_status(&t.state, Some(&t.ben), pm, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap();
    let e = postmortem_edits::save_text(&t.state, Some(&t.ben), pm, now.seq, "gone").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().body, now.body, "nothing changed");
}

/// A browser's replica of a postmortem's text, writing as `client`.
struct Browser {
    doc: yrs::Doc,
}

impl Browser {
    fn new(client: u64) -> Browser {
        let doc = yrs::Doc::with_options(yrs::Options { client_id: yrs::ClientID::new(client), offset_kind: yrs::OffsetKind::Utf16, ..Default::default() });
        doc.get_or_insert_text("body");
        Browser { doc }
    }

    fn state_vector(&self) -> Vec<u8> {
        use yrs::updates::encoder::Encode;
        use yrs::ReadTxn;
        yrs::Transact::transact(&self.doc).state_vector().encode_v1()
    }

    fn receive(&self, update: &[u8]) {
        use yrs::updates::decoder::Decode;
        yrs::Transact::transact_mut(&self.doc).apply_update(yrs::Update::decode_v1(update).unwrap()).unwrap();
    }

    /// Types `s` at the end; the update it makes.
    fn type_at_end(&self, s: &str) -> Vec<u8> {
        use yrs::{ReadTxn, Text, Transact};
        let before = self.doc.transact().state_vector();
        let body = self.doc.get_or_insert_text("body");
        let len = body.len(&self.doc.transact());
        body.insert(&mut self.doc.transact_mut(), len, s);
        self.doc.transact().encode_diff_v1(&before)
    }

    fn text(&self) -> String {
        use yrs::{GetString, Transact};
        self.doc.get_or_insert_text("body").get_string(&self.doc.transact())
    }
}

async fn browsers_updates_are_checked_merged_and_caught_up(b: Backend) {
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    let empty = Browser::new(99).state_vector();
    // Ben's browser catches up from nothing and types
    let ben = Browser::new(40);
    let (all, start, _) = postmortem_edits::catch_up(&t.state, Some(&t.ben), pm, &empty).await.unwrap();
    ben.receive(&all);
    assert!(ben.text().starts_with("# Postmortem: Checkout payments down"));
    let first = ben.type_at_end("\nBen: first ");
    let second = ben.type_at_end("and second 🔥");
    // out of order: refused, nothing stored, until the first arrives
    let e = postmortem_edits::apply_update(&t.state, Some(&t.ben), pm, 40, second.clone()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e:?}");
    let after_first = postmortem_edits::apply_update(&t.state, Some(&t.ben), pm, 40, first.clone()).await.unwrap();
    assert!(after_first > start);
    let after_second = postmortem_edits::apply_update(&t.state, Some(&t.ben), pm, 40, second.clone()).await.unwrap();
    assert_eq!(postmortem_edits::apply_update(&t.state, Some(&t.ben), pm, 40, second).await.unwrap(), after_second, "a resend stores nothing");
    assert!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().body.ends_with("\nBen: first and second 🔥"));

    // Cleo's browser, offline since the start, types, comes back: catches up, then sends
    let cleo = Browser::new(41);
    cleo.receive(&all);
    let offline = cleo.type_at_end("\nCleo: offline notes");
    let (missed, _, _) = postmortem_edits::catch_up(&t.state, Some(&t.cleo), pm, &cleo.state_vector()).await.unwrap();
    cleo.receive(&missed);
    postmortem_edits::apply_update(&t.state, Some(&t.cleo), pm, 41, offline).await.unwrap();
    let body = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().body;
    assert_eq!(cleo.text(), body, "her replica and the server converge");
    assert!(body.contains("Ben: first and second 🔥") && body.contains("Cleo: offline notes"), "{body}");

    // refused: another's client id, an update writing as another client, garbage, too big,
    // a reserved id, a viewer
    let imposter = Browser::new(40);
    imposter.receive(&all);
    let as_ben = imposter.type_at_end("x");
    let cases: [(&CurrentUser, u64, Vec<u8>, ErrorKind); 6] = [
        (&t.cleo, 40, as_ben.clone(), ErrorKind::Forbidden),
        (&t.cleo, 41, as_ben, ErrorKind::Forbidden),
        (&t.cleo, 41, b"\x00\xff\xff\xff\xff\x01".to_vec(), ErrorKind::BadRequest),
        (&t.cleo, 41, vec![0; postmortem_edits::UPDATE_MAX + 1], ErrorKind::BadRequest),
        (&t.cleo, 1, vec![0, 0], ErrorKind::BadRequest),
        (&t.vic, 42, vec![0, 0], ErrorKind::Forbidden),
    ];
    for (who, client, update, kind) in cases {
        let e = postmortem_edits::apply_update(&t.state, Some(who), pm, client, update).await.unwrap_err();
        assert_eq!(e.kind, kind, "{e:?}");
    }
    assert_eq!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().body, body, "nothing stored");
    // random bytes are refused as the sender's fault (never a 5xx), and change nothing
    let mut stored = 0;
    for n in 0..200u32 {
        let junk: Vec<u8> = (0..(n % 40 + 1)).map(|i| (i.wrapping_mul(2654435761u32.wrapping_add(n)) >> 7) as u8).collect();
        match postmortem_edits::apply_update(&t.state, Some(&t.cleo), pm, 41, junk).await {
            Ok(_) => stored += 1,
            Err(e) => assert!(matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Conflict | ErrorKind::Forbidden), "{e:?}"),
        }
    }
    if stored == 0 {
        assert_eq!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().body, body);
    }
}

async fn many_edits_are_folded_into_the_stored_state(b: Backend) {
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    let opened = postmortems::load(&t.state, Some(&t.ben), pm).await.unwrap();
    let ben = Browser::new(60);
    let (all, _, _) = postmortem_edits::catch_up(&t.state, Some(&t.ben), pm, &Browser::new(99).state_vector()).await.unwrap();
    ben.receive(&all);
    let mut last = 0;
    for n in 0..postmortem_edits::FOLD_AT {
        last = postmortem_edits::apply_update(&t.state, Some(&t.ben), pm, 60, ben.type_at_end(&format!("{}", n % 10))).await.unwrap();
    }
    let (_, through) = {
        let mut conn = t.state.db.pool().acquire().await.unwrap();
        repo::snapshot(&mut conn, pm).await.unwrap().unwrap()
    };
    assert!(through > 0, "the oldest edits were folded into the stored state");
    let v = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap();
    assert_eq!(v.body, ben.text(), "nothing lost in folding");
    assert_eq!(v.seq, last);
    let (fresh, _, _) = postmortem_edits::catch_up(&t.state, Some(&t.cleo), pm, &Browser::new(98).state_vector()).await.unwrap();
    let cleo = Browser::new(61);
    cleo.receive(&fresh);
    assert_eq!(cleo.text(), v.body, "a new replica gets everything");
    // a save from a version since folded is refused (the writer keeps their text); a recent one merges
    let e = postmortem_edits::save_text(&t.state, Some(&t.cleo), pm, opened.seq, "lost?").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let recent = v.seq - 10;
    postmortem_edits::save_text(&t.state, Some(&t.cleo), pm, v.seq, &format!("{}\nCleo was here.", v.body)).await.unwrap();
    postmortem_edits::save_text(&t.state, Some(&t.cleo), pm, recent, "# Replaced from an older version").await.unwrap();
    let body = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().body;
    assert!(body.contains("Cleo was here."), "{body}");
}

async fn editors_see_each_other_until_they_leave(b: Backend) {
    use app::server::repo::presence;
    use app::server::services::postmortem_presence::here;
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    assert!(here(&t.state, Some(&t.ben), pm, 40, "").await.unwrap().is_empty(), "alone at first");
    let seen = here(&t.state, Some(&t.cleo), pm, 41, "AAE=").await.unwrap();
    assert_eq!(seen.iter().map(|p| (p.client, p.name.as_str(), p.caret.as_str())).collect::<Vec<_>>(), [(40, "Ben", "")]);
    // Ben moves his caret; he sees Cleo's, not his own
    let seen = here(&t.state, Some(&t.ben), pm, 40, "AgE=").await.unwrap();
    assert_eq!(seen.iter().map(|p| (p.client, p.caret.as_str())).collect::<Vec<_>>(), [(41, "AAE=")]);
    assert_eq!(here(&t.state, Some(&t.cleo), pm, 41, "AAE=").await.unwrap()[0].caret, "AgE=");
    // an editor not heard from for a while is gone; one gone a minute is forgotten
    let now = Utc::now().timestamp_millis();
    {
        let mut conn = t.state.db.pool().acquire().await.unwrap();
        presence::put(&mut conn, pm, 50, t.ada.id, "", now - 20_000).await.unwrap();
        presence::put(&mut conn, pm, 51, t.ada.id, "", now - 120_000).await.unwrap();
    }
    let seen = here(&t.state, Some(&t.cleo), pm, 41, "").await.unwrap();
    assert_eq!(seen.iter().map(|p| p.client).collect::<Vec<_>>(), [40]);
    {
        let mut conn = t.state.db.pool().acquire().await.unwrap();
        let all = presence::others(&mut conn, pm, 0, 0).await.unwrap();
        assert_eq!(all.iter().map(|p| p.client).collect::<Vec<_>>(), [50, 40, 41], "51 forgotten (Ada, Ben, Cleo by name)");
    }
    // refused: a viewer, bad input, no such postmortem
    assert_eq!(here(&t.state, Some(&t.vic), pm, 60, "").await.unwrap_err().kind, ErrorKind::Forbidden);
    assert_eq!(here(&t.state, None, pm, 60, "").await.unwrap_err().kind, ErrorKind::Unauthorized);
    assert_eq!(here(&t.state, Some(&t.ben), pm, 1, "").await.unwrap_err().kind, ErrorKind::BadRequest);
    assert_eq!(here(&t.state, Some(&t.ben), pm, 40, "<script>").await.unwrap_err().kind, ErrorKind::BadRequest);
    assert_eq!(here(&t.state, Some(&t.ben), pm, 40, &"A".repeat(600)).await.unwrap_err().kind, ErrorKind::BadRequest);
    assert_eq!(here(&t.state, Some(&t.ben), PostmortemId(9_999), 40, "").await.unwrap_err().kind, ErrorKind::NotFound);
}

/// The kinds of the events on `pm`'s stream, in order.
async fn events_of(t: &Team, pm: PostmortemId) -> Vec<String> {
    let mut conn = t.state.db.pool().acquire().await.unwrap();
    app::server::repo::log::of_stream(&mut conn, app::domain::log::StreamRef::postmortem(pm)).await.unwrap().into_iter().map(|r| r.kind).collect()
}

async fn two_people_editing_one_item_at_once_both_keep_their_change(b: Backend) {
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    let form = |title, owner, priority| ItemInput { title, owner, priority, due_on: "2099-01-31", link: "" };
    let item = postmortems::add_item(&t.state, Some(&t.ben), pm, form("Add a canary", Some(t.ben.id), "p2")).await.unwrap();
    let read = || async { postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().items.remove(0) };
    // both forms drawn from the same item: Ben raises the priority, Cleo takes it over
    let seen = || form("Add a canary", Some(t.ben.id), "p2");
    postmortems::edit_item(&t.state, Some(&t.ben), item, form("Add a canary", Some(t.ben.id), "p0"), Some(seen())).await.unwrap();
    postmortems::edit_item(&t.state, Some(&t.cleo), item, form("Add a canary", Some(t.cleo.id), "p2"), Some(seen())).await.unwrap();
    let i = read().await;
    assert_eq!((i.priority.as_str(), i.owner.map(|(_, n)| n)), ("p0", Some("Cleo".to_string())), "both changes kept");
    // the same field from the same form: the later one wins; a form that changed nothing is no event
    postmortems::edit_item(&t.state, Some(&t.ben), item, form("Add a canary stage", Some(t.ben.id), "p2"), Some(seen())).await.unwrap();
    postmortems::edit_item(&t.state, Some(&t.cleo), item, form("Add canaries", Some(t.ben.id), "p2"), Some(seen())).await.unwrap();
    let before = events_of(&t, pm).await;
    postmortems::edit_item(&t.state, Some(&t.ben), item, seen(), Some(seen())).await.unwrap();
    assert_eq!(events_of(&t, pm).await, before, "nothing changed, nothing written");
    let i = read().await;
    assert_eq!((i.title.as_str(), i.priority.as_str(), i.owner.map(|(_, n)| n)), ("Add canaries", "p0", Some("Cleo".to_string())));
    // what the form showed is checked too
    let e = postmortems::edit_item(&t.state, Some(&t.ben), item, seen(), Some(form("Add a canary", None, "urgent"))).await.unwrap_err();
    assert!(e.kind == ErrorKind::BadRequest && e.message.starts_with("what the form showed: priority:"), "{e:?}");
}

async fn a_dismissed_hint_is_kept_for_everyone(b: Backend) {
    use app::domain::postmortem::blameless::HintKey;
    let t = team(b).await;
    let id = incident(&t, "Checkout payments down", Severity::Sev2, &TO_RESOLVED).await;
    let pm = of_incident(&t, id).await.unwrap().id;
    let key = |s: &str| HintKey::parse(s).unwrap();
    assert!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().dismissed.is_empty());
    // a viewer cannot; a responder can, once (again is harmless), and everyone reads it
    let dismiss = |who, hint| postmortems::dismiss_hint(&t.state, Some(who), pm, hint);
    assert_eq!(dismiss(&t.vic, key("human_error:human error")).await.unwrap_err().kind, ErrorKind::Forbidden);
    dismiss(&t.cleo, key("human_error:human error")).await.unwrap();
    dismiss(&t.ben, key("human_error:human error")).await.unwrap();
    dismiss(&t.ben, key("hindsight:should have")).await.unwrap();
    let v = postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap();
    assert_eq!(v.dismissed, [key("human_error:human error"), key("hindsight:should have")]);
    assert!(!v.authors.contains(&"Cleo".to_string()), "dismissing is not writing: {:?}", v.authors);
    // each one an event on the postmortem's stream, which its live readers get
    let kinds = events_of(&t, pm).await;
    assert_eq!(kinds.iter().filter(|k| *k == "postmortem_hint_dismissed").count(), 2, "{kinds:?}");
    // no such postmortem; a complete one is read-only
    assert_eq!(postmortems::dismiss_hint(&t.state, Some(&t.ben), PostmortemId(9_999), key("judgement:sloppy")).await.unwrap_err().kind, ErrorKind::NotFound);
    postmortems::change_status(&t.state, Some(&t.ben), pm, PostmortemStatus::Draft, PostmortemStatus::Complete).await.unwrap();
    assert_eq!(dismiss(&t.ben, key("judgement:sloppy")).await.unwrap_err().kind, ErrorKind::Conflict);
    assert_eq!(postmortems::load(&t.state, Some(&t.vic), pm).await.unwrap().dismissed.len(), 2);
}

on_both_backends!(
    two_people_editing_one_item_at_once_both_keep_their_change,
    a_dismissed_hint_is_kept_for_everyone,
    editors_see_each_other_until_they_leave,
    action_items_are_edited_started_and_linked,
    a_note_marked_key_is_on_the_postmortems_timeline,
    resolving_starts_the_postmortem_its_severity_asks_for,
    action_items_are_tracked_to_done_and_a_complete_postmortem_is_kept,
    an_overdue_postmortem_is_flagged_on_the_list,
    saving_the_text_keeps_what_others_wrote_meanwhile,
    browsers_updates_are_checked_merged_and_caught_up,
    many_edits_are_folded_into_the_stored_state
);
