//! Internal pages render only for a signed-in user; others are sent to sign in.

use leptos::prelude::*;
#[cfg(not(feature = "ssr"))]
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::api::auth::me;
use crate::components::nav::Nav;
use crate::domain::user::CurrentUser;
use crate::error::{AppError, ErrorKind};

/// Renders `page` with the signed-in user under the top bar, or redirects to sign-in.
pub fn authenticated<F>(page: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> AnyView + Send + Sync + Clone + 'static,
{
    let me = crate::resource::blocking(|| (), |_| me());
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let page = page.clone();
                let here = location.pathname.get_untracked();
                Suspend::new(async move {
                    match me.await {
                        Ok(Some(user)) => view! { <Nav user=user.clone()/> <main class="page">{page(user)}</main> }.into_any(),
                        Ok(None) => see_other(format!("/login?next={}", urlencode(&here)), "sign in"),
                        Err(e) => view! { <main class="page"><ErrorPanel error=e/></main> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Sends the reader to `to`: on the server a `303 See Other` whatever the request accepts
/// (a reader without JavaScript follows it; the body names it as `what`); in the browser,
/// the router goes there.
pub fn see_other(to: String, what: &'static str) -> AnyView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::SEE_OTHER);
            if let Ok(location) = http::HeaderValue::from_str(&to) {
                res.insert_header(http::header::LOCATION, location);
            }
        }
        view! { <main class="page"><p>"Continue to " <a href=to>{what}</a> "."</p></main> }.into_any()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = what;
        view! { <Redirect path=to/> }.into_any()
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A page-level error; on the server it also sets the response status.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(code) = http::StatusCode::from_u16(error.status_code()) {
            res.set_status(code);
        }
    }
    let title = match error.kind {
        ErrorKind::NotFound => "Not found",
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::Unauthorized => "Please sign in",
        _ => "Something went wrong",
    };
    view! {
        <section class="error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error.message}</p>
            <p><a href="/incidents">"Back to incidents"</a></p>
        </section>
    }
}

/// The message of an action's last failure, if any.
pub fn action_error<T, V>(value: V) -> impl IntoView
where
    V: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    move || {
        value.with(|v| match v {
            Some(Err(e)) => Some(view! { <p class="form-error" role="alert">{e.message.clone()}</p> }),
            _ => None,
        })
    }
}
