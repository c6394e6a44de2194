//! The pager: on every page of a signed-in person, their alerts waiting for an
//! acknowledgement, arriving live, with a sound and (when they allowed it) a browser
//! notification; acknowledged from the banner.

use leptos::prelude::*;

use crate::api::alerts::{my_pages, AnswerAlert};
use crate::domain::alert::{AlertChange, AlertLive, MyPage, MyPages};
use crate::domain::event::Topic;
use crate::domain::ids::UserId;
use crate::live::use_live;

#[component]
pub fn Pager(me: UserId) -> impl IntoView {
    // drawn in the browser only, once the page is hydrated: the banner lives with the live
    // stream, and the server's page stays the same for everyone
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    move || mounted.get().then(|| view! { <Waiting me/> })
}

#[component]
fn Waiting(me: UserId) -> impl IntoView {
    let data = LocalResource::new(my_pages);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(pages) => Some(view! { <Banner pages me/> }),
                    Err(_) => None,
                }
            })}
        </Suspense>
    }
}

#[component]
fn Banner(pages: MyPages, me: UserId) -> impl IntoView {
    let waiting = RwSignal::new(pages.pages);
    let answer = ServerAction::<AnswerAlert>::new();
    let _ = use_live(Topic::Alerts.path(), pages.cursor, move |ev: AlertLive| match ev.change {
        AlertChange::Paged { paged, summary, severity, .. } if paged.iter().any(|p| p.id == me) => {
            let page = MyPage { alert: ev.alert, summary, severity };
            alarm(&page);
            waiting.update(|w| {
                if !w.iter().any(|p| p.alert == ev.alert) {
                    w.insert(0, page);
                }
            });
        }
        AlertChange::Acknowledged { .. } | AlertChange::Resolved { .. } => waiting.update(|w| w.retain(|p| p.alert != ev.alert)),
        _ => {}
    });
    view! {
        {move || {
            let w = waiting.get();
            (!w.is_empty()).then(|| view! {
                <div class="pager" role="alert" data-testid="pager">
                    {w.into_iter().map(|p| {
                        let id = p.alert.0;
                        view! {
                            <div class="page-item" data-alert=id>
                                <strong>"Paged: "</strong>
                                <a href=format!("/alerts/{id}")>{p.summary}</a>
                                <span class="badge">{p.severity.as_str()}</span>
                                <button type="button" on:click=move |_| { answer.dispatch(AnswerAlert { id, action: "acknowledge".into() }); }>"Acknowledge"</button>
                            </div>
                        }
                    }).collect_view()}
                    <NotifyButton/>
                </div>
            })
        }}
    }
}

/// Offers browser notifications until the reader has answered the browser's question.
#[component]
fn NotifyButton() -> impl IntoView {
    let ask = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| ask.set(web_sys::Notification::permission() == web_sys::NotificationPermission::Default));
    view! {
        {move || ask.get().then(|| view! {
            <button type="button" class="link" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                let _ = web_sys::Notification::request_permission();
                ask.set(false);
            }>"Also notify me outside this tab"</button>
        })}
    }
}

/// A short tone, and a browser notification when the reader allowed them (browser only;
/// both are best effort: a browser may refuse sound before the reader has used the page).
fn alarm(page: &MyPage) {
    #[cfg(feature = "hydrate")]
    {
        if let Ok(ctx) = web_sys::AudioContext::new() {
            if let Ok(tone) = ctx.create_oscillator() {
                let _ = tone.connect_with_audio_node(&ctx.destination());
                let _ = tone.start();
                let _ = tone.stop_with_when(ctx.current_time() + 0.4);
            }
        }
        if web_sys::Notification::permission() == web_sys::NotificationPermission::Granted {
            let options = web_sys::NotificationOptions::new();
            options.set_body(&page.summary);
            let _ = web_sys::Notification::new_with_options("Klaxon: you are paged", &options);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = page;
}
