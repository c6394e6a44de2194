//! Every page but signing in and the incident list as lazily loaded routes, in four parts
//! of the browser bundle: the response (war room, declaring, alerts), on-call, postmortems,
//! and the admin and status pages. A part's code, and what only it uses (the postmortem
//! editor's CRDT, the calendar), is a chunk fetched the first time one of its pages is shown
//! in a tab; the code parts share goes into chunks of its own. A page of a part, loaded
//! directly, names its part's files as preloads (`Link` headers, `Assets::part_files`), so
//! the browser fetches them beside the main module. Measured (`bench/bundle-size`): one chunk per page split the
//! shared code into over a hundred files; the response pages in the main module kept it
//! above 400 KB gzip. The server renders every page as before; `build_site` in
//! `scripts/lib.sh` splits the WASM at these points.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::pages::action_items::ActionItemsPage;
use crate::pages::alerts::{AlertPage, AlertsPage};
use crate::pages::audiences::AudiencesPage;
use crate::pages::declare::DeclarePage;
use crate::pages::drills::DrillsPage;
use crate::pages::inbox::InboxPage;
use crate::pages::insights::InsightsPage;
use crate::pages::near_misses::NearMissesPage;
use crate::pages::oncall::OncallPage;
use crate::pages::paging_rules::PagingRulesPage;
use crate::pages::postmortem::PostmortemPage;
use crate::pages::readiness::ReadinessPage;
use crate::pages::runbooks::RunbooksPage;
use crate::pages::schedule::SchedulePage;
use crate::pages::services::ServicesPage;
use crate::pages::status::StatusPage;
use crate::pages::status_admin::StatusAdminPage;
use crate::pages::status_history::StatusHistoryPage;
use crate::pages::status_incident::StatusIncidentPage;
use crate::pages::status_webhooks::StatusWebhooksPage;
use crate::pages::war_room::WarRoomPage;

/// Routes grouped into chunks: `group { Route => Page, … }` makes one lazily loaded
/// function per group (one chunk, with what only its pages use) and one route type per page
/// (`Lazy::<Oncall>::new()` in the route table), whose view loads its group's chunk first.
/// A chunk per page made the splitter cut the code pages share into a chunk per set of
/// pages sharing it (over a hundred files); per group, a page loads a handful.
macro_rules! lazy_groups {
    ($($group:ident { $($route:ident => $page:ident),+ $(,)? })*) => {$(
        mod $group {
            use super::*;

            /// The pages of this group.
            #[derive(Clone, Copy)]
            pub enum Page { $($route),+ }

            #[leptos::lazy($group)]
            pub fn view(page: Page) -> AnyView {
                #[cfg(feature = "ssr")]
                super::preload(stringify!($group));
                match page {
                    $(Page::$route => view! { <$page/> }.into_any(),)+
                }
            }
        }

        $(
            #[doc = concat!("The route that shows `", stringify!($page), "`.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $group::view($group::Page::$route).await
                }

                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    $group::__preload_view().await;
                }
            }
        )+
    )*};
}

/// On the server, rendering a page of `part`: names the part's files as preloads of the page
/// (`Link` headers), so a browser fetches them beside the main module instead of after it.
/// Never on a public page, which loads no app code.
#[cfg(feature = "ssr")]
fn preload(part: &str) {
    use http::header::{HeaderValue, LINK};
    if use_context::<http::request::Parts>().is_none_or(|p| crate::server::public::is_public_page(p.uri.path())) {
        return;
    }
    let (Some(state), Some(response)) = (use_context::<crate::server::state::AppState>(), use_context::<leptos_axum::ResponseOptions>()) else { return };
    for url in state.assets.part_files(part) {
        if let Ok(link) = HeaderValue::from_str(&format!("<{url}>; rel=preload; as=fetch; crossorigin=anonymous")) {
            response.append_header(LINK, link);
        }
    }
}

lazy_groups! {
    response {
        Declare => DeclarePage,
        WarRoom => WarRoomPage,
        Alerts => AlertsPage,
        Alert => AlertPage,
    }
    oncall_pages {
        Oncall => OncallPage,
        Schedule => SchedulePage,
        Services => ServicesPage,
        PagingRules => PagingRulesPage,
        Inbox => InboxPage,
    }
    postmortems {
        Postmortem => PostmortemPage,
        ActionItems => ActionItemsPage,
    }
    learning {
        Insights => InsightsPage,
        NearMisses => NearMissesPage,
        Readiness => ReadinessPage,
        Drills => DrillsPage,
    }
    admin {
        Runbooks => RunbooksPage,
        Audiences => AudiencesPage,
        StatusAdmin => StatusAdminPage,
        StatusWebhooks => StatusWebhooksPage,
        Status => StatusPage,
        StatusHistory => StatusHistoryPage,
        StatusIncident => StatusIncidentPage,
    }
}
