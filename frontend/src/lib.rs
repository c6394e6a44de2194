#![recursion_limit = "512"]
//! The browser entry point: hydrate the server-rendered page, its route's chunk first (see
//! `app::routes`).

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // what `leptos::mount::hydrate_lazy` does, and then says so: `<body data-hydrated>` lets
    // tests (and people) tell a page whose controls work from a server-rendered one, only
    // once the page's own chunk has arrived and every part of it is hydrated
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let Some(body) = document().body() else { return };
    leptos::task::spawn_local(async move {
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
