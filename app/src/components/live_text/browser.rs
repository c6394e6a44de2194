//! The editor in the browser: the textarea bound to a [`Replica`] of the document.
//!
//! - Typing: each `input` (outside an IME composition) becomes a document update, kept in the
//!   outbox (and on the device, in `localStorage`) until the server has taken it. One request
//!   is in flight at a time; what was typed meanwhile goes next, merged into one update.
//! - Others' updates (the live topic) merge into the replica; the textarea is rewritten with
//!   the caret kept on its text. While the person is composing (IME), they wait.
//! - Offline, or the server down: the outbox waits and is sent again, later and later, or at
//!   once when the browser is back online. Edits another page of this browser left unsent
//!   (closed while offline) are sent too, as the client that wrote them.
//! - Ctrl/Cmd+Z and Ctrl/Cmd+Shift+Z (or Ctrl+Y) undo and redo one's own edits only.
//! - After a reconnect, or when an update arrives before what it builds on, the replica asks
//!   the server for what it lacks (its state vector).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;

use super::{Caret, SaveState};
use crate::api::postmortems::{postmortem_catch_up, postmortem_html, postmortem_presence, postmortem_update};
use crate::domain::ids::PostmortemId;
use crate::domain::postmortem::presence::{Peer, EVERY_MS};
use crate::domain::postmortem::replica::{empty_state_vector, Outbox, Replica, Selection};
use crate::error::{AppError, ErrorKind};

/// What the page shows of the editor.
#[derive(Clone, Copy)]
pub struct Signals {
    pub text: RwSignal<String>,
    pub html: RwSignal<String>,
    pub sync: RwSignal<SaveState>,
    /// The other editors' carets, where they are in this copy of the text.
    pub carets: RwSignal<Vec<Caret>>,
    /// The other editors open now.
    pub peers: RwSignal<Vec<String>>,
}

/// Longest wait between two tries to reach the server, in milliseconds.
const RETRY_MAX_MS: u32 = 8_000;

/// How long the text must rest before the preview is rendered again, in milliseconds.
const PREVIEW_AFTER_MS: u32 = 300;

type Listener = Closure<dyn FnMut(web_sys::Event)>;

struct Inner {
    id: PostmortemId,
    s: Signals,
    replica: Replica,
    outbox: Outbox,
    /// Edits another page of this browser made (as another client) and did not send.
    orphans: Vec<(u64, Outbox)>,
    area: Option<HtmlTextAreaElement>,
    ready: bool,
    composing: bool,
    /// Others' updates waiting for the replica to load or the composition to end.
    held: Vec<Vec<u8>>,
    sending: bool,
    catching_up: bool,
    failures: u32,
    conflicts: u32,
    retry: Option<Timeout>,
    preview: Option<Timeout>,
    /// Others' open editors, as the server last said.
    others: Vec<Peer>,
    presence: Option<Interval>,
    telling: bool,
    listeners: Vec<(web_sys::EventTarget, &'static str, Listener)>,
}

#[derive(Clone)]
pub struct Editor(Rc<RefCell<Inner>>);

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn key_prefix(id: PostmortemId) -> String {
    format!("klaxon.postmortem.{}.", id.0)
}

/// Where the unsent edits of `client` on postmortem `id` are kept on the device.
fn outbox_key(id: PostmortemId, client: u64) -> String {
    format!("{}{client}", key_prefix(id))
}

impl Editor {
    pub fn new(id: PostmortemId, s: Signals) -> Self {
        // an id for this page alone (a page reloaded writes as a new client)
        let client = 2 + (js_sys::Math::random() * f64::from(i32::MAX - 2)) as u64;
        let clock: Arc<dyn yrs::sync::Clock> = Arc::new(|| js_sys::Date::now() as u64);
        let inner = Inner {
            id,
            s,
            replica: Replica::new(client, clock),
            outbox: Outbox::default(),
            orphans: vec![],
            area: None,
            ready: false,
            composing: false,
            held: vec![],
            sending: false,
            catching_up: false,
            failures: 0,
            conflicts: 0,
            retry: None,
            preview: None,
            others: vec![],
            presence: None,
            telling: false,
            listeners: vec![],
        };
        let editor = Editor(Rc::new(RefCell::new(inner)));
        let guard = SendWrapper::new(editor.clone());
        on_cleanup(move || guard.take().detach());
        editor
    }

    fn detach(&self) {
        let mut i = self.0.borrow_mut();
        for (target, name, f) in i.listeners.drain(..) {
            let _ = target.remove_event_listener_with_callback(name, f.as_ref().unchecked_ref());
        }
        i.retry = None;
        i.preview = None;
        i.presence = None;
        i.area = None;
    }

    fn listen(&self, target: &web_sys::EventTarget, name: &'static str, f: impl FnMut(web_sys::Event) + 'static) {
        let f = Listener::new(f);
        let _ = target.add_event_listener_with_callback(name, f.as_ref().unchecked_ref());
        self.0.borrow_mut().listeners.push((target.clone(), name, f));
    }

    /// Binds the textarea and loads the replica.
    pub fn attach(&self, area: HtmlTextAreaElement) {
        if self.0.borrow().area.is_some() {
            return;
        }
        // until the replica is loaded, typing would be lost
        area.set_read_only(true);
        self.0.borrow_mut().area = Some(area.clone());
        let target: &web_sys::EventTarget = area.as_ref();
        let me = self.clone();
        self.listen(target, "input", move |_| me.typed());
        let me = self.clone();
        self.listen(target, "compositionstart", move |_| me.0.borrow_mut().composing = true);
        let me = self.clone();
        self.listen(target, "compositionend", move |_| {
            me.0.borrow_mut().composing = false;
            me.typed();
            me.release_held();
        });
        let me = self.clone();
        self.listen(target, "keydown", move |e| {
            let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            if !(k.ctrl_key() || k.meta_key()) || k.alt_key() {
                return;
            }
            let key = k.key().to_lowercase();
            let redo = (key == "z" && k.shift_key()) || key == "y";
            if key == "z" || redo {
                e.prevent_default();
                me.history(redo);
            }
        });
        let me = self.clone();
        self.listen(target, "beforeinput", move |e| {
            let Some(ie) = e.dyn_ref::<web_sys::InputEvent>() else { return };
            let kind = ie.input_type();
            if kind == "historyUndo" || kind == "historyRedo" {
                e.prevent_default();
                me.history(kind == "historyRedo");
            }
        });
        let me = self.clone();
        self.listen(target, "scroll", move |_| me.0.borrow().place_carets());
        if let Some(w) = web_sys::window() {
            let me = self.clone();
            self.listen(w.as_ref(), "online", move |_| {
                me.0.borrow_mut().retry = None;
                me.flush();
            });
        }
        self.load();
    }

    /// The whole document from the server, then what this browser kept unsent.
    fn load(&self) {
        let me = self.clone();
        let id = self.0.borrow().id;
        spawn_local(async move {
            match postmortem_catch_up(id.0, BASE64.encode(empty_state_vector())).await {
                Ok((all, ..)) => {
                    me.loaded(&BASE64.decode(all).unwrap_or_default());
                    me.flush();
                }
                Err(_) => {
                    let again = me.clone();
                    me.0.borrow_mut().retry = Some(Timeout::new(2_000, move || again.load()));
                }
            }
        });
    }

    fn loaded(&self, all: &[u8]) {
        let mut i = self.0.borrow_mut();
        if i.ready {
            return;
        }
        if let Err(e) = i.replica.merge(all, (0, 0)) {
            i.s.sync.set(SaveState::Refused(e.0));
            return;
        }
        // unsent edits of pages of this browser that closed before the server had them
        if let Some(st) = storage() {
            let prefix = key_prefix(i.id);
            let keys: Vec<String> = (0..st.length().unwrap_or(0)).filter_map(|n| st.key(n).ok().flatten()).filter(|k| k.starts_with(&prefix)).collect();
            for k in keys {
                let client = k[prefix.len()..].parse::<u64>().ok();
                let kept = st.get_item(&k).ok().flatten().and_then(|v| Outbox::from_stored(&v));
                match (client, kept) {
                    (Some(client), Some(kept)) => {
                        if let Some((_, u)) = kept.batch() {
                            let _ = i.replica.merge(&u, (0, 0));
                        }
                        i.orphans.push((client, kept));
                    }
                    _ => {
                        let _ = st.remove_item(&k);
                    }
                }
            }
        }
        i.ready = true;
        i.show(None);
        i.s.sync.set(SaveState::Saved);
        if let Some(a) = &i.area {
            a.set_read_only(false);
        }
        let me = self.clone();
        i.presence = Some(Interval::new(EVERY_MS, move || me.tell()));
        drop(i);
        self.release_held();
        self.tell();
    }

    /// The person typed (or an IME composition ended): the change, as an update to send.
    fn typed(&self) {
        {
            let mut i = self.0.borrow_mut();
            if !i.ready || i.composing {
                return;
            }
            let Some(value) = i.area.as_ref().map(|a| a.value()) else { return };
            let Some(update) = i.replica.edit_to(&value) else { return };
            i.outbox.push(update);
            i.persist();
            i.s.text.set(value);
            i.place_carets();
        }
        self.flush();
    }

    fn history(&self, redo: bool) {
        {
            let mut i = self.0.borrow_mut();
            if !i.ready || i.composing {
                return;
            }
            let step = if redo { i.replica.redo() } else { i.replica.undo() };
            let Some((update, caret)) = step else { return };
            i.outbox.push(update);
            i.persist();
            i.show(Some((caret, caret)));
        }
        self.flush();
    }

    /// An update from the live topic (base64), written by `client`.
    pub fn remote(&self, client: u64, update: &str) {
        let Ok(bytes) = BASE64.decode(update) else { return };
        let i = self.0.borrow();
        if client == i.replica.client() {
            return;
        }
        if i.area.is_none() {
            // reading only: the server has it, render it again
            drop(i);
            self.refresh_preview();
            return;
        }
        drop(i);
        self.receive(bytes);
    }

    /// Others' update: merged now, or held until the replica is loaded and nobody composes.
    fn receive(&self, bytes: Vec<u8>) {
        {
            let mut i = self.0.borrow_mut();
            if !i.ready || i.composing {
                i.held.push(bytes);
                return;
            }
        }
        self.merge(&bytes);
    }

    fn merge(&self, bytes: &[u8]) {
        let waiting = {
            let mut i = self.0.borrow_mut();
            // a keystroke not yet seen (input events are synchronous, but be sure)
            let typed = i.area.as_ref().map(|a| a.value()).filter(|v| *v != i.replica.text());
            if let Some(v) = typed {
                if let Some(u) = i.replica.edit_to(&v) {
                    i.outbox.push(u);
                    i.persist();
                }
            }
            let sel = i.selection();
            match i.replica.merge(bytes, sel) {
                Ok(sel) => i.show(Some(sel)),
                Err(e) => leptos::logging::warn!("an update from the server does not apply: {}", e.0),
            }
            i.replica.waiting()
        };
        if waiting {
            self.catch_up();
        }
        self.refresh_preview();
    }

    fn release_held(&self) {
        let held = {
            let mut i = self.0.borrow_mut();
            if !i.ready || i.composing {
                return;
            }
            std::mem::take(&mut i.held)
        };
        for u in held {
            self.merge(&u);
        }
    }

    /// The live stream is back: what was missed, then what waits.
    pub fn reconnected(&self) {
        self.catch_up();
        self.0.borrow_mut().retry = None;
        self.flush();
    }

    fn catch_up(&self) {
        let (id, sv) = {
            let mut i = self.0.borrow_mut();
            if !i.ready || i.catching_up {
                return;
            }
            i.catching_up = true;
            (i.id, i.replica.state_vector())
        };
        let me = self.clone();
        spawn_local(async move {
            let r = postmortem_catch_up(id.0, BASE64.encode(sv)).await;
            me.0.borrow_mut().catching_up = false;
            match r {
                Ok((missing, ..)) => {
                    me.receive(BASE64.decode(missing).unwrap_or_default());
                    me.flush();
                }
                Err(e) => leptos::logging::warn!("catching up failed: {e}"),
            }
        });
    }

    /// Sends what waits: first what other pages left, then this page's edits.
    fn flush(&self) {
        let (id, client, n, batch, orphan) = {
            let mut i = self.0.borrow_mut();
            if !i.ready || i.sending {
                return;
            }
            let next = match i.orphans.first() {
                Some((c, o)) => o.batch().map(|(n, b)| (*c, n, b, true)),
                None => i.outbox.batch().map(|(n, b)| (i.replica.client(), n, b, false)),
            };
            let Some((client, n, batch, orphan)) = next else {
                i.s.sync.set(SaveState::Saved);
                return;
            };
            i.sending = true;
            if i.failures == 0 {
                i.s.sync.set(SaveState::Saving);
            }
            (i.id, client, n, batch, orphan)
        };
        let me = self.clone();
        spawn_local(async move {
            let r = postmortem_update(id.0, client, BASE64.encode(batch)).await;
            me.sent(client, n, orphan, r);
        });
    }

    fn sent(&self, client: u64, n: usize, orphan: bool, r: Result<i64, AppError>) {
        let mut i = self.0.borrow_mut();
        i.sending = false;
        match r {
            Ok(_) => {
                i.failures = 0;
                i.conflicts = 0;
                if orphan {
                    i.forget_orphan(client);
                } else {
                    i.outbox.sent(n);
                    i.persist();
                }
                drop(i);
                self.refresh_preview();
                self.flush();
            }
            // it builds on edits the server lacks: catch up, then send again
            Err(e) if e.kind == ErrorKind::Conflict && i.conflicts < 3 => {
                i.conflicts += 1;
                let message = e.message.clone();
                drop(i);
                leptos::logging::warn!("update refused for now: {message}");
                let me = self.clone();
                self.0.borrow_mut().retry = Some(Timeout::new(500, move || me.reconnected()));
            }
            // another page's edits the server will never take (another person's): let go
            Err(e) if orphan && matches!(e.kind, ErrorKind::BadRequest | ErrorKind::Forbidden | ErrorKind::NotFound) => {
                leptos::logging::warn!("unsent edits of client {client} dropped: {}", e.message);
                i.forget_orphan(client);
                drop(i);
                self.flush();
            }
            Err(e) if matches!(e.kind, ErrorKind::Internal | ErrorKind::Unavailable | ErrorKind::TooManyRequests) => {
                i.failures += 1;
                let waiting = i.outbox.len() + i.orphans.iter().map(|(_, o)| o.len()).sum::<usize>();
                i.s.sync.set(SaveState::Waiting(waiting));
                let delay = (250u32 << i.failures.min(6)).min(RETRY_MAX_MS);
                let me = self.clone();
                i.retry = Some(Timeout::new(delay, move || me.flush()));
            }
            Err(e) => i.s.sync.set(SaveState::Refused(e.message)),
        }
    }

    /// Says where this editor's caret is (if the textarea has the focus); hears of the others.
    fn tell(&self) {
        let (id, client, caret) = {
            let mut i = self.0.borrow_mut();
            if i.telling {
                return;
            }
            let focused = i.area.as_ref().is_some_and(|a| {
                let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
                active.is_some_and(|e| {
                    let el: &web_sys::Element = a.as_ref();
                    e == *el
                })
            });
            let caret = if focused { i.replica.anchor(i.selection().1).map(|a| BASE64.encode(a)).unwrap_or_default() } else { String::new() };
            i.telling = true;
            (i.id, i.replica.client(), caret)
        };
        let me = self.clone();
        spawn_local(async move {
            let r = postmortem_presence(id.0, client, caret).await;
            let mut i = me.0.borrow_mut();
            i.telling = false;
            if let Ok(others) = r {
                i.s.peers.set(others.iter().map(|p| p.name.clone()).fold(vec![], |mut names, n| {
                    if !names.contains(&n) {
                        names.push(n);
                    }
                    names
                }));
                i.others = others;
                i.place_carets();
            }
        });
    }

    /// Renders the text again once it rests (what the server has).
    fn refresh_preview(&self) {
        let me = self.clone();
        let timeout = Timeout::new(PREVIEW_AFTER_MS, move || {
            let (id, html) = {
                let i = me.0.borrow();
                (i.id, i.s.html)
            };
            spawn_local(async move {
                if let Ok(h) = postmortem_html(id.0).await {
                    html.set(h);
                }
            });
        });
        self.0.borrow_mut().preview = Some(timeout);
    }
}

impl Inner {
    fn selection(&self) -> Selection {
        let Some(a) = &self.area else { return (0, 0) };
        let start = a.selection_start().ok().flatten().unwrap_or(0);
        let end = a.selection_end().ok().flatten().unwrap_or(start);
        (start, end)
    }

    /// The others' carets where they are in this copy of the text now, and the layer that
    /// shows them scrolled as the textarea is.
    fn place_carets(&self) {
        let carets: Vec<Caret> = self
            .others
            .iter()
            .filter_map(|p| {
                let anchor = BASE64.decode(&p.caret).ok()?;
                Some(Caret { name: p.name.clone(), at: self.replica.place(&anchor)? })
            })
            .collect();
        if self.s.carets.with_untracked(|c| *c != carets) {
            self.s.carets.set(carets);
        }
        if let Some(a) = &self.area {
            if let Some(layer) = a.next_element_sibling() {
                layer.set_scroll_top(a.scroll_top());
            }
        }
    }

    /// The replica's text in the textarea (the caret at `sel`) and for the hints.
    fn show(&self, sel: Option<Selection>) {
        let text = self.replica.text();
        if let Some(a) = &self.area {
            if a.value() != text {
                let top = a.scroll_top();
                a.set_value(&text);
                if let Some((s, e)) = sel {
                    let _ = a.set_selection_range(s, e);
                }
                a.set_scroll_top(top);
            }
        }
        self.s.text.set(text);
        self.place_carets();
    }

    /// Another page's unsent edits are sent (or refused for good): off the device.
    fn forget_orphan(&mut self, client: u64) {
        self.orphans.retain(|(c, _)| *c != client);
        if let Some(st) = storage() {
            let _ = st.remove_item(&outbox_key(self.id, client));
        }
    }

    /// The outbox, on the device.
    fn persist(&self) {
        let Some(st) = storage() else { return };
        let key = outbox_key(self.id, self.replica.client());
        let r = match self.outbox.stored() {
            Some(v) => st.set_item(&key, &v),
            None => st.remove_item(&key),
        };
        if r.is_err() {
            leptos::logging::warn!("unsent edits could not be kept on this device");
        }
    }
}
