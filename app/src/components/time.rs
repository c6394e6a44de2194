//! Instants: rendered in UTC on the server (and without JavaScript), in the reader's own
//! time zone once hydrated.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

pub fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The reader's local rendering of an instant (browser only).
#[cfg(feature = "hydrate")]
pub fn local_text(t: DateTime<Utc>) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    let opts = js_sys::Object::new();
    for (k, v) in [("year", "numeric"), ("month", "short"), ("day", "numeric"), ("hour", "2-digit"), ("minute", "2-digit"), ("second", "2-digit")] {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v.into());
    }
    String::from(d.to_locale_string("default", &opts))
}

/// The reader's IANA time zone, as the browser reports it (browser only).
#[cfg(feature = "hydrate")]
pub fn browser_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into()).ok()?.as_string()
}

/// Reads a `<input type="datetime-local">` value as the reader's local time (browser only;
/// an empty or unreadable value gives `None`).
pub fn local_input_to_utc(value: &str) -> Option<DateTime<Utc>> {
    if value.trim().is_empty() {
        return None;
    }
    #[cfg(feature = "hydrate")]
    {
        let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
        if ms.is_finite() {
            return DateTime::<Utc>::from_timestamp_millis(ms as i64);
        }
    }
    None
}

#[component]
pub fn Time(t: DateTime<Utc>) -> impl IntoView {
    let text = RwSignal::new(utc_text(t));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| text.set(local_text(t)));
    view! { <time datetime=t.to_rfc3339()>{move || text.get()}</time> }
}
