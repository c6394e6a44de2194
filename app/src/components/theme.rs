//! Light and dark themes. The style sheet follows the reader's `prefers-color-scheme`; a
//! reader who picks a theme with the switch keeps it (localStorage), on every page. The
//! script is inline in the shell's head, so a chosen theme applies before the first paint,
//! and it answers every switch by itself: the same on hydrated and on public pages.

use leptos::prelude::*;

/// Applies a remembered theme; a click on any `[data-theme-toggle]` flips and remembers it.
pub const THEME_SCRIPT: &str = "(function(){var d=document.documentElement,k='klaxon-theme';\
try{var t=localStorage.getItem(k);if(t==='dark'||t==='light')d.dataset.theme=t}catch(e){}\
document.addEventListener('click',function(e){var b=e.target&&e.target.closest&&e.target.closest('[data-theme-toggle]');if(!b)return;\
var dark=d.dataset.theme?d.dataset.theme==='dark':matchMedia('(prefers-color-scheme: dark)').matches;\
d.dataset.theme=dark?'light':'dark';try{localStorage.setItem(k,d.dataset.theme)}catch(e){}})})();";

/// The switch between light and dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    view! {
        <button type="button" class="theme-toggle" data-theme-toggle="" data-testid="theme-toggle" title="Switch between the light and the dark theme">
            "Light / dark"
        </button>
    }
}
