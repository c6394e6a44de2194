//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::declare::DeclarePage;
use crate::pages::incidents::IncidentsPage;
use crate::pages::login::LoginPage;
use crate::pages::runbooks::RunbooksPage;
use crate::pages::status::StatusPage;
use crate::pages::status_history::StatusHistoryPage;
use crate::pages::status_incident::StatusIncidentPage;
use crate::pages::status_admin::StatusAdminPage;
use crate::pages::status_webhooks::StatusWebhooksPage;
use crate::pages::war_room::WarRoomPage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Lets tests (and people) tell a hydrated page from a server-rendered one.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="klaxon" href="/pkg/klaxon.css"/>
        <Title text="Klaxon"/>
        <Router>
            <Routes fallback=|| view! { <main class="page"><h1>"Not found"</h1><p><a href="/incidents">"Back to incidents"</a></p></main> }>
                <Route path=path!("") view=|| view! { <Redirect path="/incidents"/> }/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/incidents") view=IncidentsPage ssr=SsrMode::Async/>
                <Route path=path!("/incidents/new") view=DeclarePage ssr=SsrMode::Async/>
                <Route path=path!("/incidents/:id") view=WarRoomPage ssr=SsrMode::Async/>
                <Route path=path!("/runbooks") view=RunbooksPage ssr=SsrMode::Async/>
                <Route path=path!("/status") view=StatusPage ssr=SsrMode::Async/>
                <Route path=path!("/status/history") view=StatusHistoryPage ssr=SsrMode::Async/>
                <Route path=path!("/status/history/:month") view=StatusHistoryPage ssr=SsrMode::Async/>
                <Route path=path!("/status/incidents/:id") view=StatusIncidentPage ssr=SsrMode::Async/>
                <Route path=path!("/status-page") view=StatusAdminPage ssr=SsrMode::Async/>
                <Route path=path!("/status-page/webhooks") view=StatusWebhooksPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
