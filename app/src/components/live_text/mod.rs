//! A postmortem's text, edited together and live: the rendered document, the textarea that
//! edits it and the blameless-language hints beside it. Without JavaScript the textarea is a
//! form that saves the whole text (merged with what others wrote meanwhile); in the browser it
//! is bound to a replica of the document (see `browser`): each keystroke goes to the server as
//! a document update, others' updates arrive on the postmortem's live topic and merge in, and
//! what the server has not taken yet waits on the device.

use std::collections::HashSet;

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::postmortems::SavePostmortemText;
use crate::domain::event::Topic;
use crate::domain::ids::PostmortemId;
use crate::domain::log::Cursor;
use crate::domain::postmortem::blameless::{hints, HintKey};
use crate::domain::postmortem::change::PostmortemChange;
use crate::domain::postmortem::doc::byte_index;
use crate::live::use_live;
#[cfg(feature = "hydrate")]
use crate::live::LiveStatus;
use crate::pages::gate::action_error;

#[cfg(feature = "hydrate")]
mod browser;
mod hint_panel;

use hint_panel::Hints;

/// Where the browser's edits are, as the page says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// The replica is being loaded.
    Loading,
    Saved,
    Saving,
    /// Not reaching the server: this many edits wait on this device.
    Waiting(usize),
    /// The server refused them, for this reason (they stay on the device).
    Refused(String),
}

impl SaveState {
    pub fn label(&self) -> String {
        match self {
            SaveState::Loading => "Connecting the editor…".into(),
            SaveState::Saved => "All changes saved".into(),
            SaveState::Saving => "Saving…".into(),
            SaveState::Waiting(n) => format!("Offline: {n} change{} kept on this device, sent when the server is back", if *n == 1 { "" } else { "s" }),
            SaveState::Refused(why) => format!("Not saved: {why} (your changes are kept on this device)"),
        }
    }
}

/// Another editor's caret in this copy of the text (UTF-16 position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caret {
    pub name: String,
    pub at: u32,
}

/// The text cut at the carets: what the caret layer shows (transparent text, visible carets).
fn with_carets(text: &str, carets: &[Caret]) -> impl IntoView {
    let mut carets = carets.to_vec();
    carets.sort_by_key(|c| c.at);
    let mut from = 0;
    let mut parts = vec![];
    for c in carets {
        let to = byte_index(text, c.at).max(from);
        parts.push(view! {
            {text[from..to].to_string()}
            <span class="peer-caret" data-testid="peer-caret"><span class="peer-name">{c.name}</span></span>
        });
        from = to;
    }
    view! { {parts} {text[from..].to_string()} }
}

/// What the live document starts from (the page's view of the postmortem).
pub struct Start {
    pub id: PostmortemId,
    pub body: String,
    /// The stream position the body includes (a plain-form save names it).
    pub seq: i64,
    pub cursor: Cursor,
    pub html: String,
    /// Names of the people who may be named in the text (for the hints).
    pub names: Vec<String>,
    /// The hints dismissed in this postmortem.
    pub dismissed: Vec<HintKey>,
}

/// The document, its editor and its hints. `editable`: may this person change it now;
/// `others` is told of every other change to the postmortem (status, action items).
#[component]
pub fn LiveDocument(start: Start, can_work: bool, editable: Signal<bool>, others: Callback<()>) -> impl IntoView {
    let Start { id, body, seq, cursor, html, names, dismissed } = start;
    let dismissed = RwSignal::new(dismissed.into_iter().collect::<HashSet<HintKey>>());
    let save = ServerAction::<SavePostmortemText>::new();
    let text = RwSignal::new(body.clone());
    let html = RwSignal::new(html);
    let sync = RwSignal::new(SaveState::Loading);
    let carets = RwSignal::new(Vec::<Caret>::new());
    let peers = RwSignal::new(Vec::<String>::new());
    let area = NodeRef::<leptos::html::Textarea>::new();
    #[cfg(feature = "hydrate")]
    let editor = browser::Editor::new(id, browser::Signals { text, html, sync, carets, peers });
    #[cfg(feature = "hydrate")]
    let (on_edit, ed) = (editor.clone(), editor.clone());
    let live = use_live(Topic::Postmortem(id).path(), cursor, move |c: PostmortemChange| match c {
        #[cfg(feature = "hydrate")]
        PostmortemChange::Edited { client, update } => on_edit.remote(client, &update),
        #[cfg(not(feature = "hydrate"))]
        PostmortemChange::Edited { .. } => {}
        // dismissed by someone (or by this reader, in another tab): hidden here too
        PostmortemChange::HintDismissed { hint } => dismissed.update(|d| {
            d.insert(hint);
        }),
        _ => others.run(()),
    });
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| {
            if let Some(el) = area.get() {
                ed.attach(el);
            }
        });
        // back after the live stream dropped: ask for what was missed, send what waits
        let ed = editor.clone();
        Effect::new(move |was: Option<LiveStatus>| {
            let now = live.get();
            if now == LiveStatus::Live && was == Some(LiveStatus::Reconnecting) {
                ed.reconnected();
            }
            now
        });
    }
    let found = Memo::new(move |_| {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        text.with(|t| hints(t, &names))
    });
    // the replica is ready: keystrokes are sent as they happen
    let live_editing = move || sync.get() != SaveState::Loading;
    view! {
        <div class="postmortem-grid">
            <div class="main-col">
                <p class="muted small">
                    <span class=move || live.get().class()>{move || live.get().label()}</span>
                </p>
                <article class="postmortem-body card" data-testid="postmortem-body" inner_html=move || html.get()></article>
                {can_work.then(|| view! {
                    <details class="card edit-text" data-testid="edit-text" class:hidden=move || !editable.get()>
                        <summary>"Edit the text"</summary>
                        <ActionForm action=save>
                            <input type="hidden" name="id" value=id.0/>
                            <input type="hidden" name="base" value=seq/>
                            <label for="postmortem-text" class="muted small">
                                "Markdown. Others' changes appear as they type; what they change meanwhile is kept."
                            </label>
                            <div class="editor-wrap">
                                <textarea id="postmortem-text" name="text" rows="24" spellcheck="true" node_ref=area readonly=move || !editable.get()>{body}</textarea>
                                <div class="caret-layer" aria-hidden="true">{move || text.with(|t| carets.with(|c| with_carets(t, c)))}</div>
                            </div>
                            <p class="muted small" data-testid="peers" class:hidden=move || peers.with(Vec::is_empty)>
                                {move || format!("Also editing: {}", peers.get().join(", "))}
                            </p>
                            <p class="muted small" data-testid="sync" role="status" class:hidden=move || !live_editing()>{move || sync.get().label()}</p>
                            // without JavaScript: the whole text, merged with what others wrote meanwhile
                            <button type="submit" class="primary" class:hidden=live_editing>"Save the text"</button>
                        </ActionForm>
                        {action_error(save.value())}
                    </details>
                })}
            </div>
            <aside class="side-col">
                <Hints id found dismissed can_dismiss=Signal::derive(move || can_work && editable.get())/>
            </aside>
        </div>
    }
}
