//! Live updates in the browser: an `EventSource` on `/live/{topic}`. The browser resends
//! the last event id when it reconnects, and the server replays what was missed; when the
//! browser gives up (the server answered with an error), a new source is opened after a
//! pause with `?after=` the last position seen. On the server this does nothing.

use leptos::prelude::*;

use crate::domain::log::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    Reconnecting,
}

impl LiveStatus {
    pub fn label(self) -> &'static str {
        match self {
            LiveStatus::Connecting => "connecting…",
            LiveStatus::Live => "live",
            LiveStatus::Reconnecting => "reconnecting…",
        }
    }
    pub fn class(self) -> &'static str {
        match self {
            LiveStatus::Connecting => "live-status connecting",
            LiveStatus::Live => "live-status live",
            LiveStatus::Reconnecting => "live-status reconnecting",
        }
    }
}

/// Subscribes to `topic` from just after `after`; `on_event` gets each event once, in order
/// (an incident topic's `LiveEvent`s, or another stream's changes as stored).
pub fn use_live<T: serde::de::DeserializeOwned + 'static>(topic: String, after: Cursor, on_event: impl Fn(T) + 'static) -> ReadSignal<LiveStatus> {
    let (status, set_status) = signal(LiveStatus::Connecting);
    #[cfg(feature = "hydrate")]
    browser::connect(topic, after, std::rc::Rc::new(on_event), set_status);
    #[cfg(not(feature = "hydrate"))]
    let _ = (topic, after, on_event, set_status);
    status
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use super::LiveStatus;
    use crate::domain::log::Cursor;

    struct Conn {
        source: Option<EventSource>,
        handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
        retry: Option<gloo_timers::callback::Timeout>,
        closed: bool,
    }

    impl Conn {
        fn close(&mut self) {
            if let Some(s) = self.source.take() {
                s.set_onopen(None);
                s.set_onmessage(None);
                s.set_onerror(None);
                s.close();
            }
            self.handlers.clear();
        }
    }

    pub fn connect<T: serde::de::DeserializeOwned + 'static>(topic: String, after: Cursor, on_event: Rc<dyn Fn(T)>, set_status: WriteSignal<LiveStatus>) {
        let last = Rc::new(Cell::new(after));
        let conn = Rc::new(RefCell::new(Conn { source: None, handlers: vec![], retry: None, closed: false }));
        open(topic, last, on_event, set_status, conn.clone());
        let guard = SendWrapper::new(conn);
        on_cleanup(move || {
            let conn = guard.take();
            let mut c = conn.borrow_mut();
            c.closed = true;
            c.retry = None;
            c.close();
        });
    }

    fn open<T: serde::de::DeserializeOwned + 'static>(
        topic: String,
        last: Rc<Cell<Cursor>>,
        on_event: Rc<dyn Fn(T)>,
        set_status: WriteSignal<LiveStatus>,
        conn: Rc<RefCell<Conn>>,
    ) {
        if conn.borrow().closed {
            return;
        }
        let url = format!("/live/{topic}?after={}", last.get());
        let Ok(source) = EventSource::new(&url) else {
            set_status.set(LiveStatus::Reconnecting);
            return;
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| set_status.set(LiveStatus::Live));
        let last_m = last.clone();
        let on_event_m = on_event.clone();
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Ok(msg) = e.dyn_into::<MessageEvent>() else { return };
            let Some(data) = msg.data().as_string() else { return };
            let Ok(at) = msg.last_event_id().parse::<Cursor>() else { return };
            if at <= last_m.get() {
                return;
            }
            last_m.set(at);
            match crate::resource::decode::<T>(&data) {
                Ok(ev) => on_event_m(ev),
                Err(err) => leptos::logging::warn!("unreadable live event: {err}"),
            }
        });
        // the server does not know the last id seen (its database was restored or replaced):
        // what this page shows belongs to another history, so read it all again
        let on_resync = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let _ = window().location().reload();
        });
        let _ = source.add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
        let (topic_e, last_e, conn_e) = (topic.clone(), last.clone(), conn.clone());
        let on_event_e = on_event.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            set_status.set(LiveStatus::Reconnecting);
            let gave_up = conn_e.borrow().source.as_ref().map(|s| s.ready_state() == EventSource::CLOSED).unwrap_or(true);
            if gave_up {
                // The browser will not retry by itself: try again in a moment.
                let (t, l, c, f) = (topic_e.clone(), last_e.clone(), conn_e.clone(), on_event_e.clone());
                let timeout = gloo_timers::callback::Timeout::new(2_000, move || {
                    c.borrow_mut().close();
                    open(t, l, f, set_status, c);
                });
                conn_e.borrow_mut().retry = Some(timeout);
            }
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut c = conn.borrow_mut();
        c.source = Some(source);
        c.handlers = vec![on_open, on_message, on_error, on_resync];
    }
}
