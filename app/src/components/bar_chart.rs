//! A horizontal bar chart drawn as SVG on the server (it reads without JavaScript): a row
//! per group, this period's bar (solid) above the previous period's (outlined), each with
//! its value written beside it and as its tooltip, and the whole chart described in words
//! for a screen reader. Hydrated, pointing at or tabbing to a bar reads its value out below.

use leptos::prelude::*;

use crate::domain::metrics::chart::{largest, length, BarRow};

const WIDTH: u32 = 320;
const LABEL: u32 = 78;
const VALUE: u32 = 62;
const ROW: u32 = 30;

/// A chart of `rows`, titled `title`; `show` writes a value ("1h 05m", "3").
#[component]
pub fn BarChart(title: &'static str, rows: Vec<BarRow>, show: fn(i64) -> String, #[prop(into)] testid: String) -> impl IntoView {
    let max = largest(&rows);
    let full = WIDTH - LABEL - VALUE;
    let height = ROW * rows.len() as u32 + 20;
    let readout = RwSignal::new(String::new());
    let words = |v: Option<i64>| v.map_or_else(|| "no data".to_string(), show);
    let description: Vec<String> = rows.iter().map(|r| format!("{}: {} (previous period: {})", r.label, words(r.now), words(r.before))).collect();
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(n, r)| {
            let y = ROW * n as u32;
            let bar = |value: Option<i64>, dy: u32, class: &'static str, when: &'static str| {
                let text = format!("{}, {when}: {}", r.label, words(value));
                let (t1, t2) = (text.clone(), text.clone());
                let w = value.map_or(0, |v| length(v, max, full));
                view! {
                    <g class=class tabindex="0" on:mouseenter=move |_| readout.set(t1.clone()) on:focus=move |_| readout.set(t2.clone())>
                        <title>{text}</title>
                        {(w > 0).then(|| view! { <rect x=LABEL y={y + dy} width=w height="10" rx="2"/> })}
                        <text x={LABEL + w + 4} y={y + dy + 9} class="chart-value">{words(value)}</text>
                    </g>
                }
            };
            view! {
                <text x="0" y={y + 15} class="chart-label">{r.label.clone()}</text>
                {bar(r.now, 4, "bar-now", "this period")}
                {bar(r.before, 16, "bar-before", "previous period")}
            }
        })
        .collect_view();
    let id = format!("chart-{testid}");
    view! {
        <figure class="chart" data-testid=testid>
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-labelledby=format!("{id}-t {id}-d") preserveAspectRatio="xMinYMin meet">
                <title id=format!("{id}-t")>{title}</title>
                <desc id=format!("{id}-d")>{description.join("; ")}</desc>
                {bars}
                <g class="chart-key" aria-hidden="true">
                    <rect class="bar-now" x=LABEL y={height - 12} width="10" height="8"/>
                    <text x={LABEL + 14} y={height - 4}>"this period"</text>
                    <rect class="bar-before" x={LABEL + 100} y={height - 12} width="10" height="8"/>
                    <text x={LABEL + 114} y={height - 4}>"previous period"</text>
                </g>
            </svg>
            <figcaption>{title}</figcaption>
            <p class="chart-readout muted small" aria-live="polite" data-testid="chart-readout">{move || readout.get()}</p>
        </figure>
    }
}
