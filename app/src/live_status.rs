//! The public status page, live: an `EventSource` on `/live/status` whose `status` events
//! each carry the whole public page. There is nothing to replay: every (re)connection is
//! sent the current page first. On the server this does nothing.

use crate::domain::status_page::PublicPage;

/// Calls `on_page` with each new version of the public page while the calling view lives.
pub fn use_status_live(on_page: impl Fn(PublicPage) + 'static) {
    #[cfg(feature = "hydrate")]
    browser::connect(std::rc::Rc::new(on_page));
    #[cfg(not(feature = "hydrate"))]
    let _ = on_page;
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use crate::domain::status_page::PublicPage;

    /// The open source, its handlers, and a pending retry.
    #[derive(Default)]
    struct Source {
        source: Option<EventSource>,
        handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
        retry: Option<gloo_timers::callback::Timeout>,
        ended: bool,
    }

    impl Source {
        fn shut(&mut self) {
            if let Some(s) = self.source.take() {
                s.close();
            }
            self.handlers.clear();
        }
    }

    pub fn connect(on_page: Rc<dyn Fn(PublicPage)>) {
        let state = Rc::new(RefCell::new(Source::default()));
        open(on_page, state.clone());
        let guard = SendWrapper::new(state);
        on_cleanup(move || {
            let state = guard.take();
            let mut s = state.borrow_mut();
            s.ended = true;
            s.retry = None;
            s.shut();
        });
    }

    fn open(on_page: Rc<dyn Fn(PublicPage)>, state: Rc<RefCell<Source>>) {
        if state.borrow().ended {
            return;
        }
        let Ok(source) = EventSource::new("/live/status") else { return };
        let on_status = Closure::<dyn FnMut(web_sys::Event)>::new({
            let on_page = on_page.clone();
            move |e: web_sys::Event| {
                let Some(data) = e.dyn_into::<MessageEvent>().ok().and_then(|m| m.data().as_string()) else { return };
                match serde_json::from_str::<PublicPage>(&data) {
                    Ok(page) => on_page(page),
                    Err(err) => leptos::logging::warn!("unreadable status event: {err}"),
                }
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new({
            let state = state.clone();
            move |_| {
                let closed = state.borrow().source.as_ref().is_none_or(|s| s.ready_state() == EventSource::CLOSED);
                if closed {
                    // the browser gave up (the server answered with an error): retry later
                    let (on_page, again) = (on_page.clone(), state.clone());
                    let retry = gloo_timers::callback::Timeout::new(5_000, move || {
                        again.borrow_mut().shut();
                        open(on_page, again);
                    });
                    state.borrow_mut().retry = Some(retry);
                }
            }
        });
        let _ = source.add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut s = state.borrow_mut();
        s.source = Some(source);
        s.handlers = vec![on_status, on_error];
    }
}
