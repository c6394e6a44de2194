//! `/status-page/webhooks` (admins): the webhooks customers subscribed on the status page,
//! how their deliveries fared, and what to do about a receiver in trouble.

use leptos::prelude::*;

use crate::api::webhooks::{webhook_subscriptions, RemoveWebhook, RetryWebhook};
use crate::components::time::Time;
use crate::domain::user::Permission;
use crate::domain::webhook_admin::WebhookSubscription;
use crate::error::AppError;
use crate::pages::gate::{action_error, authenticated, ErrorPanel};

#[component]
pub fn StatusWebhooksPage() -> impl IntoView {
    authenticated(|user| {
        if !user.can(Permission::Administer) {
            return view! { <ErrorPanel error=AppError::forbidden("Only admins can see webhook subscriptions.")/> }.into_any();
        }
        let remove = ServerAction::<RemoveWebhook>::new();
        let retry = ServerAction::<RetryWebhook>::new();
        let data = crate::resource::blocking(move || (remove.version().get(), retry.version().get()), |_| webhook_subscriptions());
        view! {
            <div class="page-head"><h1>"Webhook subscriptions"</h1><a href="/status-page">"Back to the status page settings"</a></div>
            <p class="muted">"Customers subscribe these on the public status page; every public update is sent to each of them. A send that fails is tried again after a growing pause, eight times in all, then given up; a receiver that answers 410 Gone is removed."</p>
            {action_error(remove.value())}
            {action_error(retry.value())}
            {move || match retry.value().get() {
                Some(Ok(n)) => Some(view! { <p class="muted" role="status">{format!("{n} given-up deliveries queued again.")}</p> }),
                _ => None,
            }}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(subs) if subs.is_empty() => view! { <p data-testid="no-webhooks">"Nobody has subscribed a webhook yet."</p> }.into_any(),
                        Ok(subs) => view! { <Subscriptions subs remove retry/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        }
        .into_any()
    })
}

#[component]
fn Subscriptions(subs: Vec<WebhookSubscription>, remove: ServerAction<RemoveWebhook>, retry: ServerAction<RetryWebhook>) -> impl IntoView {
    view! {
        <table class="incidents" data-testid="webhooks">
            <thead><tr><th>"Address"</th><th>"Since"</th><th>"Delivered"</th><th>"Waiting"</th><th>"Given up"</th><th>"Last error"</th><th></th></tr></thead>
            <tbody>
                {subs.into_iter().map(|s| {
                    let id = s.id;
                    let troubled = s.troubled();
                    view! {
                        <tr data-webhook=id class:troubled=troubled>
                            <td><code>{s.shown_url.clone()}</code>
                                {(!s.confirmed).then(|| view! { " " <span class="badge" data-testid="unconfirmed">"awaiting confirmation"</span> })}
                            </td>
                            <td><Time t=s.created_at/></td>
                            <td data-testid="delivered">{s.delivered}</td>
                            <td data-testid="waiting">{s.waiting}</td>
                            <td data-testid="failed">{s.failed}</td>
                            <td data-testid="last-error">{s.last_error.clone()}</td>
                            <td><div class="row">
                                {(s.failed > 0).then(|| view! {
                                    <button type="button" on:click=move |_| { retry.dispatch(RetryWebhook { id }); }>"Retry given-up deliveries"</button>
                                })}
                                <button type="button" class="danger" aria-label=format!("Remove {}", s.shown_url)
                                    on:click=move |_| { remove.dispatch(RemoveWebhook { id }); }>"Remove"</button>
                            </div>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
