//! Where the incident came from: the alerts it was declared from (state, log, a flag when
//! their service has no runbook) and what changed recently on the affected services.

use leptos::prelude::*;

use crate::components::time::Time;
use crate::domain::alert_context::AlertContext;

#[component]
pub fn ContextPanel(context: AlertContext) -> impl IntoView {
    let without_runbook = context.without_runbook();
    view! {
        {(!context.alerts.is_empty()).then(|| view! {
            <section class="panel" data-testid="linked-alerts">
                <h2>"Alerts"</h2>
                {(!without_runbook.is_empty()).then(|| view! {
                    <p class="warning" role="note" data-testid="without-context">
                        "Alert without context: " {without_runbook.join(", ")}
                        " has no runbook. Add one on the Runbooks page so the next responder knows where to start."
                    </p>
                })}
                <ul class="plain">
                    {context.alerts.into_iter().map(|l| view! {
                        <li>
                            <a href=format!("/alerts/{}", l.alert.id)>{l.alert.summary.clone()}</a>
                            <div class="muted small">{l.alert.severity.as_str()} " · " {l.alert.service.clone()} " · " {l.alert.state.as_str()}</div>
                            <details>
                                <summary>"Log"</summary>
                                <ol class="alert-log">
                                    {l.log.into_iter().map(|(at, line)| view! { <li><Time t=at/> " " {line}</li> }).collect_view()}
                                </ol>
                            </details>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="panel" data-testid="recent-changes">
            <h2>"What changed recently"</h2>
            {if context.changes.is_empty() {
                view! { <p class="muted small">"No changes recorded on these services in the 24 hours before detection. Deploy tools send them to /v2/change/enqueue."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain changes">
                        {context.changes.into_iter().map(|c| view! {
                            <li class:suspect=c.suspect>
                                <strong>{c.summary}</strong>
                                <div class="muted small">
                                    <Time t=c.at/> " · " {c.service} {c.source.map(|s| format!(" · {s}"))}
                                    {c.suspect.then_some(" · shortly before detection")}
                                </div>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
