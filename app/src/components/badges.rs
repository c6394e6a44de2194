use leptos::prelude::*;

use crate::domain::incident::{Severity, Status};

#[component]
pub fn SeverityBadge(#[prop(into)] severity: Signal<Severity>) -> impl IntoView {
    view! {
        <span class=move || format!("badge sev {}", severity.get().as_str()) title=move || severity.get().description()>
            {move || severity.get().label()}
        </span>
    }
}

#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<Status>) -> impl IntoView {
    view! {
        <span class=move || format!("badge status {}", status.get().as_str())>{move || status.get().label()}</span>
    }
}
