use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{safe_next, Login};
use crate::domain::user::SignInProblem;
use crate::pages::gate::action_error;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next").as_deref());
    let flagged = move || query.read().get("error").map(|e| SignInProblem::parse(&e).message());
    let login = ServerAction::<Login>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = login.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href(&next());
        }
    });
    view! {
        <main class="login">
            <h1>"Klaxon"</h1>
            <p class="muted">"Sign in to the war room."</p>
            <ActionForm action=login attr:class="card">
                <input type="hidden" name="next" value=next/>
                <label>"Email" <input type="email" name="email" autocomplete="username" required/></label>
                <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
                <button type="submit" class="primary" disabled=move || login.pending().get()>"Sign in"</button>
                {move || if login.value().get().is_none() { flagged().map(|m| view! { <p class="form-error" role="alert">{m}</p> }) } else { None }}
                {action_error(login.value())}
            </ActionForm>
        </main>
    }
}
