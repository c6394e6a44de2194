//! `/readiness`: Klaxon's own configuration audited against the incident readiness checklist
//! and its anti-patterns, each check passing or failing with what fails named and a link to
//! where it is fixed. Computed from the live configuration on every visit.

use leptos::prelude::*;

use crate::api::readiness::readiness;
use crate::domain::readiness::Check;
use crate::pages::gate::{authenticated, ErrorPanel};

#[component]
pub fn ReadinessPage() -> impl IntoView {
    authenticated(|_user| {
        let data = crate::resource::blocking(|| (), |_| readiness());
        view! {
            <div class="page-head"><h1>"Readiness check"</h1><a href="/insights">"Metrics"</a></div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(checks) => {
                            let passed = checks.iter().filter(|c| c.passed).count();
                            view! {
                                <p data-testid="readiness-score"><strong>{format!("{passed} of {} checks pass.", checks.len())}</strong></p>
                                <ul class="checks" data-testid="checks">{checks.into_iter().map(|c| view! { <Item c/> }).collect_view()}</ul>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}

/// One check: a mark and a word (not colour alone), what fails, and where to fix it.
#[component]
fn Item(c: Check) -> impl IntoView {
    let more = c.problem_count.saturating_sub(c.problems.len());
    view! {
        <li class=if c.passed { "card check pass" } else { "card check fail" } data-check=c.key.as_str() data-passed=c.passed.to_string()>
            <p class="check-head">
                <span class="mark" aria-hidden="true">{if c.passed { "✓" } else { "✗" }}</span>
                <span class="verdict">{if c.passed { "Pass" } else { "Fail" }}</span>
                " " <span class="check-title">{c.key.title()}</span>
            </p>
            {(!c.passed).then(|| view! {
                <ul class="problems">
                    {c.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    {(more > 0).then(|| view! { <li class="muted">{format!("and {more} more")}</li> })}
                </ul>
                <a href=c.key.fix_at() data-testid="fix">"Fix it"</a>
            })}
        </li>
    }
}
