//! Ticking clocks: time since detection, countdowns to deadlines. The server renders them
//! against the `now` it sent with the data; once hydrated they tick every second.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;

/// `1h 05m 09s`, `4m 02s`, `12s`.
pub fn format_duration(d: Duration) -> String {
    let s = d.num_seconds().abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}h {m:02}m {sec:02}s")
    } else if m > 0 {
        format!("{m}m {sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// A signal holding "now": the server's time at render, then the browser's, every second.
pub fn use_now(server_now: DateTime<Utc>) -> ReadSignal<DateTime<Utc>> {
    let (now, set_now) = signal(server_now);
    #[cfg(feature = "hydrate")]
    {
        use send_wrapper::SendWrapper;
        let tick = move || {
            let ms = js_sys::Date::now() as i64;
            if let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms) {
                set_now.set(t);
            }
        };
        Effect::new(move |_| tick());
        let interval = gloo_timers::callback::Interval::new(1000, tick);
        let interval = SendWrapper::new(interval);
        on_cleanup(move || drop(interval.take()));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_now;
    now
}

#[component]
pub fn Elapsed(since: Signal<DateTime<Utc>>, now: ReadSignal<DateTime<Utc>>) -> impl IntoView {
    view! { <span class="elapsed">{move || format_duration(now.get() - since.get())}</span> }
}

/// "in 12m 03s" or "overdue by 2m 10s" (red).
#[component]
pub fn Countdown(due: DateTime<Utc>, now: ReadSignal<DateTime<Utc>>) -> impl IntoView {
    let overdue = move || now.get() >= due;
    view! {
        <span class=move || if overdue() { "countdown overdue" } else { "countdown" } data-due=due.to_rfc3339()>
            {move || {
                let left = due - now.get();
                if left <= Duration::zero() {
                    format!("overdue by {}", format_duration(left))
                } else {
                    format!("in {}", format_duration(left))
                }
            }}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::seconds(12)), "12s");
        assert_eq!(format_duration(Duration::seconds(242)), "4m 02s");
        assert_eq!(format_duration(Duration::seconds(3909)), "1h 05m 09s");
        assert_eq!(format_duration(Duration::seconds(-70)), "1m 10s");
    }
}
