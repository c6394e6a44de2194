//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use crate::components::theme::THEME_SCRIPT;
use crate::error::AppError;
use crate::pages::gate::{see_other, ErrorPanel};
use crate::pages::incidents::IncidentsPage;
use crate::pages::login::LoginPage;
use crate::routes;

pub fn shell(_options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <script inner_html=THEME_SCRIPT></script>
                <PageAssets/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The style sheet and scripts of a page, under their content-hashed names: the app's
/// WASM for the internal pages; for the public status pages only a small script (local
/// times, live updates), so a crowd of customers never downloads the internal app.
#[component]
fn PageAssets() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use crate::server::assets::{APP_JS, APP_WASM, PUBLIC_JS, STYLE};
        let state = use_context::<crate::server::state::AppState>();
        let url = |file: &str| state.as_ref().map(|s| s.assets.url(file)).unwrap_or_else(|| format!("/pkg/{file}"));
        let path = use_context::<http::request::Parts>().map(|p| p.uri.path().to_string()).unwrap_or_default();
        let style = url(STYLE);
        if crate::server::public::is_public_page(&path) {
            return view! {
                <link rel="stylesheet" href=style/>
                <script type="module" src=url(PUBLIC_JS)></script>
            }
            .into_any();
        }
        let (js, wasm) = (url(APP_JS), url(APP_WASM));
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let boot = format!("import({}).then(m => m.default({{module_or_path: {}}}).then(() => m.hydrate()));", quote(&js), quote(&wasm));
        view! {
            <link rel="stylesheet" href=style/>
            <link rel="modulepreload" href=js/>
            <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin=""/>
            <script type="module" inner_html=boot></script>
        }
        .into_any()
    }
    #[cfg(not(feature = "ssr"))]
    ()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // a page's code arrives the first time it is shown: say so while it does
    let (routing, set_routing) = signal(false);
    view! {
        <Title text="Klaxon"/>
        <Show when=move || routing.get()>
            <div class="routing" role="status" data-testid="routing">"Loading…"</div>
        </Show>
        <Router set_is_routing=set_routing>
            <Routes fallback=|| view! { <main class="page"><ErrorPanel error=AppError::not_found("There is no page at this address.")/></main> }>
                <Route path=path!("") view=|| see_other("/incidents".into(), "the incidents")/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/incidents") view=IncidentsPage ssr=SsrMode::Async/>
                <Route path=path!("/incidents/new") view={Lazy::<routes::Declare>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/incidents/:id") view={Lazy::<routes::WarRoom>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/runbooks") view={Lazy::<routes::Runbooks>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/alerts") view={Lazy::<routes::Alerts>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/alerts/:id") view={Lazy::<routes::Alert>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/services") view={Lazy::<routes::Services>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/oncall") view={Lazy::<routes::Oncall>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/oncall/schedules/:id") view={Lazy::<routes::Schedule>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/postmortems/:id") view={Lazy::<routes::Postmortem>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/action-items") view={Lazy::<routes::ActionItems>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/insights") view={Lazy::<routes::Insights>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/near-misses") view={Lazy::<routes::NearMisses>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/readiness") view={Lazy::<routes::Readiness>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/drills") view={Lazy::<routes::Drills>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/inbox") view={Lazy::<routes::Inbox>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/inbox/rules") view={Lazy::<routes::PagingRules>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/audiences") view={Lazy::<routes::Audiences>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/status") view={Lazy::<routes::Status>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/status/history") view={Lazy::<routes::StatusHistory>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/status/history/:month") view={Lazy::<routes::StatusHistory>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/status/incidents/:id") view={Lazy::<routes::StatusIncident>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/status-page") view={Lazy::<routes::StatusAdmin>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/status-page/webhooks") view={Lazy::<routes::StatusWebhooks>::new()} ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
