//! The pages outside the response path as lazily loaded routes: each one's code (and what
//! only it uses, such as the postmortem editor's CRDT or the calendar) is a chunk of the
//! browser bundle, fetched the first time the page is shown in a tab. The pages someone
//! opens from a page at 3 a.m. (the incident list, the war room, declaring, alerts) stay in
//! the main module, so they load in one piece: measured, making them lazy too cut the main
//! module but made those pages fetch ~140-230 small shared chunks and more bytes in all
//! (`bench/bundle-size`). The server renders every page as before; `build_site` in
//! `scripts/lib.sh` splits the WASM at these points.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::action_items::ActionItemsPage;
use crate::pages::audiences::AudiencesPage;
use crate::pages::inbox::InboxPage;
use crate::pages::oncall::OncallPage;
use crate::pages::paging_rules::PagingRulesPage;
use crate::pages::postmortem::PostmortemPage;
use crate::pages::runbooks::RunbooksPage;
use crate::pages::schedule::SchedulePage;
use crate::pages::services::ServicesPage;
use crate::pages::status::StatusPage;
use crate::pages::status_admin::StatusAdminPage;
use crate::pages::status_history::StatusHistoryPage;
use crate::pages::status_incident::StatusIncidentPage;
use crate::pages::status_webhooks::StatusWebhooksPage;

/// One route type per page: `Lazy::<Incidents>::new()` in the route table shows
/// `IncidentsPage`, loading its chunk first. The pages load their own data, so a route has
/// nothing to start before its code arrives.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("The route that shows `", stringify!($page), "`.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    Runbooks => RunbooksPage,
    Services => ServicesPage,
    Oncall => OncallPage,
    Schedule => SchedulePage,
    Postmortem => PostmortemPage,
    ActionItems => ActionItemsPage,
    Inbox => InboxPage,
    PagingRules => PagingRulesPage,
    Audiences => AudiencesPage,
    Status => StatusPage,
    StatusHistory => StatusHistoryPage,
    StatusIncident => StatusIncidentPage,
    StatusAdmin => StatusAdminPage,
    StatusWebhooks => StatusWebhooksPage,
}
