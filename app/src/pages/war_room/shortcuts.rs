//! Keyboard shortcuts for the common war-room actions, listed behind `?`.

use leptos::prelude::*;

/// A key, what it does, and the element it moves to.
const KEYS: [(&str, &str, &str); 3] = [
    ("n", "Write a note", "[data-testid=composer] textarea"),
    ("s", "Change the status", "[data-testid=status-actions] .buttons button"),
    ("t", "Jump to the timeline", "[data-testid=timeline]"),
];

#[component]
pub fn Shortcuts() -> impl IntoView {
    let open = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = leptos::leptos_dom::helpers::window_event_listener(leptos::ev::keydown, move |e| browser::on_key(e, open));
        on_cleanup(move || handle.remove());
    }
    view! {
        <p class="muted small shortcuts-hint">"Press " <kbd>"?"</kbd> " for keyboard shortcuts."</p>
        <Show when=move || open.get()>
            <section class="panel shortcuts" data-testid="shortcuts" aria-label="Keyboard shortcuts">
                <h2>"Keyboard shortcuts"</h2>
                <dl>
                    {KEYS.iter().map(|(key, what, _)| view! { <dt><kbd>{*key}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                    <dt><kbd>"?"</kbd></dt><dd>"Show or hide this list"</dd>
                    <dt><kbd>"Esc"</kbd></dt><dd>"Leave a field; close this list"</dd>
                </dl>
            </section>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlElement, KeyboardEvent};

    use super::KEYS;

    pub fn on_key(e: KeyboardEvent, open: RwSignal<bool>) {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
            return;
        }
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .filter(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable());
        if let Some(field) = typing {
            // keys go to the field; Escape leaves it, so the shortcuts work again
            if e.key() == "Escape" {
                let _ = field.blur();
            }
            return;
        }
        let key = e.key();
        match key.as_str() {
            "?" => open.update(|o| *o = !*o),
            "Escape" => open.set(false),
            _ => {
                let Some((_, _, selector)) = KEYS.iter().find(|(k, _, _)| *k == key) else { return };
                let Some(el) = document().query_selector(selector).ok().flatten().and_then(|el| el.dyn_into::<HtmlElement>().ok()) else { return };
                el.scroll_into_view();
                let _ = el.focus();
            }
        }
        e.prevent_default();
    }
}
