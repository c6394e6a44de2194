//! `/inbox/rules`: how the signed-in person is paged. In Klaxon always at once (the pager on
//! every page, and the inbox); beyond it by their rules, each after its delay, if the page
//! is still unacknowledged then.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::contact::{my_rules, AddRule, RemoveRule};
use crate::domain::contact::{when, Channel, MAX_DELAY_MINUTES};
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn PagingRulesPage() -> impl IntoView {
    authenticated(|_| {
        let add = ServerAction::<AddRule>::new();
        let remove = ServerAction::<RemoveRule>::new();
        let data = crate::resource::blocking(move || (add.version().get(), remove.version().get()), |_| my_rules());
        view! {
            <div class="page-head"><h1>"How you are paged"</h1><a href="/inbox">"Your inbox"</a></div>
            <p>"In Klaxon, at once: a banner with a sound on every page you have open, and a line in your inbox."</p>
            <p class="muted">"Beyond Klaxon, by the rules below: each sends the page after its delay if nobody has acknowledged it by then. Every message carries a link that acknowledges the alert once, without signing in."</p>
            {action_error(add.value())}
            {action_error(remove.value())}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((rules, email)) => view! {
                            {if rules.is_empty() {
                                view! { <p class="warning" data-testid="no-rules">"No rules: away from Klaxon you are not paged."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="members" data-testid="rules">
                                        {rules.into_iter().map(|r| {
                                            let text = r.describe(&r.address);
                                            view! {
                                                <li>
                                                    <span>{text.clone()}</span> " "
                                                    <ActionForm action=remove attr:class="inline">
                                                        <input type="hidden" name="id" value=r.id/>
                                                        <button type="submit" class="link danger" aria-label=format!("Remove: {text}")>"Remove"</button>
                                                    </ActionForm>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <section class="card">
                                <h2>"Add a rule"</h2>
                                <ActionForm action=add attr:class="row">
                                    <label>"By "
                                        <select name="channel">
                                            {Channel::ALL.into_iter().filter(|c| email || *c != Channel::Email).map(|c| view! { <option value=c.as_str()>{c.label()}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <label>"Address " <input type="text" name="address" required placeholder="https://hooks.slack.com/services/… or you@example.com"/></label>
                                    <label>"After (minutes) " <input type="number" name="delay" min="0" max=MAX_DELAY_MINUTES value="0" required/></label>
                                    <button type="submit">"Add rule"</button>
                                </ActionForm>
                                {(!email).then(|| view! { <p class="muted small">"Email is not set up on this Klaxon (an admin sets KLAXON_SMTP_URL)."</p> })}
                                <p class="muted small">"For example: by webhook " {when(2)} ", by email " {when(5)} "."</p>
                            </section>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}
