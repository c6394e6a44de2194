//! `/insights`: the month's review in numbers, all computed from what Klaxon recorded —
//! response times by severity and by service against the period before, how often incidents
//! happened, which alerts led somewhere and which were noise, and whether postmortems and
//! their action items were followed through. Charts are SVG drawn on the server (they read
//! without JavaScript); the same figures download as CSV and JSON.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::insights::insights;
use crate::components::bar_chart::BarChart;
use crate::components::time::Time;
use crate::domain::metrics::chart::BarRow;
use crate::domain::metrics::report::{AlertRow, GroupBy, Measure, Report, ResponseRow};
use crate::domain::metrics::stats::human;
use crate::pages::gate::{authenticated, ErrorPanel};

/// The periods offered (days).
const CHOICES: [(i64, &str); 4] = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "365 days")];

#[component]
pub fn InsightsPage() -> impl IntoView {
    authenticated(|_user| {
        let query = use_query_map();
        let asked = move || {
            let q = query.read();
            (q.get("days"), q.get("from"), q.get("to"))
        };
        let data = crate::resource::blocking(asked, |(days, from, to)| insights(days, from, to));
        let export = move |ext: &str| {
            let q = query.read();
            let mut parts = vec![];
            for key in ["days", "from", "to"] {
                if let Some(v) = q.get(key).filter(|v| !v.is_empty()) {
                    parts.push(format!("{key}={}", urlencoded(&v)));
                }
            }
            if parts.is_empty() {
                format!("/insights.{ext}")
            } else {
                format!("/insights.{ext}?{}", parts.join("&"))
            }
        };
        let chosen = move |d: i64| query.read().get("days").and_then(|v| v.parse::<i64>().ok()).unwrap_or(30) == d;
        let date = move |key: &'static str| query.read().get(key).unwrap_or_default();
        view! {
            <div class="page-head">
                <h1>"Response metrics"</h1>
                <span class="exports">
                    <a href="/readiness">"Readiness check"</a> " · " <a href="/near-misses">"Near-misses"</a> " · " <a href="/drills">"Drills"</a> " · "
                    "Download: " <a href=move || export("csv") rel="external" data-testid="export-csv">"CSV"</a>
                    " · " <a href=move || export("json") rel="external" data-testid="export-json">"JSON"</a>
                </span>
            </div>
            <form class="filters" method="get" action="/insights">
                <label>"Last "
                    <select name="days">
                        {CHOICES.into_iter().map(|(d, say)| view! { <option value=d selected=move || chosen(d)>{say}</option> }).collect_view()}
                    </select>
                </label>
                <label>"or from " <input type="date" name="from" value=move || date("from")/></label>
                <label>"to " <input type="date" name="to" value=move || date("to")/></label>
                <button type="submit">"Show"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(r) => view! { <Figures r/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}

/// Percent-encodes a query value (dates and numbers need little; anything else is safe).
fn urlencoded(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response time as a cell: the median, the p90 and how many, and the trend in words.
fn cell(m: &Measure) -> impl IntoView {
    match m.now {
        None => view! { <span class="muted">"—"</span> }.into_any(),
        Some(s) => {
            let title = format!(
                "mean {}, {} incidents; previous median {}",
                human(s.mean_s),
                s.count,
                m.before.map_or_else(|| "none".to_string(), |b| human(b.median_s))
            );
            view! {
                <span title=title>{human(s.median_s)}</span>
                <span class="muted small">{format!(" (p90 {})", human(s.p90_s))}</span>
                " " <span class=format!("trend trend-{}", m.trend.as_str())>{m.trend.label()}</span>
            }
            .into_any()
        }
    }
}

fn response_row(r: &ResponseRow) -> impl IntoView {
    view! {
        <tr data-group=r.by.as_str() data-name=r.name.clone()>
            <td data-label="Group">{r.name.clone()}</td>
            <td data-label="Incidents" data-testid="incidents">{r.incidents}<span class="muted small">{format!(" (before: {})", r.incidents_before)}</span></td>
            <td data-label="MTTD">{cell(&r.detect)}</td>
            <td data-label="MTTA">{cell(&r.acknowledge)}</td>
            <td data-label="To mitigate">{cell(&r.mitigate)}</td>
            <td data-label="MTTR" data-testid="mttr">{cell(&r.resolve)}</td>
        </tr>
    }
}

fn alert_row(a: &AlertRow) -> impl IntoView {
    view! {
        <tr data-name=a.name.clone()>
            <td data-label="Alerts of">{a.name.clone()}</td>
            <td data-label="Alerts">{a.alerts}</td>
            <td data-label="Led to an incident">{a.led_to_incident}</td>
            <td data-label="Actionable">{a.actionable}</td>
            <td data-label="Noise">{a.noise}</td>
            <td data-label="Accuracy" data-testid="accuracy">{a.accuracy_percent().map_or_else(|| "—".to_string(), |p| format!("{p}%"))}</td>
            <td data-label="Alerts per incident">{a.per_incident().unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}

fn alert_table(rows: Vec<&AlertRow>, by: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <table class="incidents metrics" data-testid=testid>
            <thead><tr><th>{by}</th><th>"Alerts"</th><th>"Led to an incident"</th><th>"Actionable"</th><th>"Noise"</th><th>"Accuracy"</th><th>"Alerts per incident"</th></tr></thead>
            <tbody>{rows.into_iter().map(alert_row).collect_view()}</tbody>
        </table>
    }
}

#[component]
fn Figures(r: Report) -> impl IntoView {
    let severities: Vec<&ResponseRow> = r.response.iter().filter(|x| x.by == GroupBy::Severity).collect();
    let mttr: Vec<BarRow> = severities
        .iter()
        .map(|x| BarRow { label: x.name.clone(), now: x.resolve.now.map(|s| s.median_s), before: x.resolve.before.map(|s| s.median_s) })
        .collect();
    let counts: Vec<BarRow> =
        severities.iter().map(|x| BarRow { label: x.name.clone(), now: Some(x.incidents as i64), before: Some(x.incidents_before as i64) }).collect();
    let by_service: Vec<&AlertRow> = r.alerts.iter().filter(|a| a.by == GroupBy::Service).collect();
    let by_name: Vec<&AlertRow> = r.alerts.iter().filter(|a| a.by == GroupBy::AlertName).collect();
    let f = r.follow_through.clone();
    let calibration = r.calibration.clone();
    let drills = r.drills.clone();
    view! {
        <p class="muted" data-testid="period">
            "From " <Time t=r.period.from/> " to " <Time t=r.period.to/>
            {format!(" ({} days), against the {} days before.", r.period.days(), r.previous.days())}
        </p>
        <section class="card">
            <h2>"Response times"</h2>
            <p class="muted small">"Median (p90) and its move against the period before. MTTD: problem start to detection; MTTA: first page to acknowledgement; MTTR: detection to resolution."</p>
            <table class="incidents metrics" data-testid="response">
                <thead><tr><th>"Group"</th><th>"Incidents"</th><th>"MTTD"</th><th>"MTTA"</th><th>"To mitigate"</th><th>"MTTR"</th></tr></thead>
                <tbody>{r.response.iter().map(response_row).collect_view()}</tbody>
            </table>
        </section>
        <section class="card charts">
            <BarChart title="Time to resolve by severity (median)" rows=mttr show=human testid="chart-mttr"/>
            <BarChart title="Incidents by severity" rows=counts show=|n| n.to_string() testid="chart-count"/>
        </section>
        <section class="card">
            <h2>"Alert accuracy"</h2>
            <p class="muted small">"Which alerts led to an incident, and what responders said of them: tune the noisy ones."</p>
            {if by_service.is_empty() {
                view! { <p class="muted">"No alerts in this period."</p> }.into_any()
            } else {
                view! { {alert_table(by_service, "Service", "alerts-by-service")} {alert_table(by_name, "Alert", "alerts-by-name")} }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"Drills"</h2>
            <p class="muted small">"How long each drill took to assemble (the first role handed out), to name an Incident Commander and to post a first update, beside the real incidents' medians."</p>
            {if drills.drills.is_empty() {
                view! { <p class="muted" data-testid="drills">"No drill in this period."</p> }.into_any()
            } else {
                let real = |s: Option<crate::domain::metrics::stats::Stat>| s.map_or_else(|| "—".to_string(), |s| human(s.median_s));
                let own = |v: Option<i64>| v.map_or_else(|| "—".to_string(), human);
                view! {
                    <table class="incidents metrics" data-testid="drills">
                        <thead><tr><th>"Drill"</th><th>"Assembled"</th><th>"IC named"</th><th>"First update"</th></tr></thead>
                        <tbody>
                            {drills.drills.iter().map(|d| view! {
                                <tr data-name=d.title.clone()>
                                    <td data-label="Drill"><a href=format!("/incidents/{}", d.id)>{d.title.clone()}</a></td>
                                    <td data-label="Assembled">{own(d.assemble_s)}</td>
                                    <td data-label="IC named">{own(d.commander_s)}</td>
                                    <td data-label="First update">{own(d.first_update_s)}</td>
                                </tr>
                            }).collect_view()}
                            <tr data-name="real">
                                <td data-label="Drill">"Real incidents (median)"</td>
                                <td data-label="Assembled">{real(drills.real_assemble)}</td>
                                <td data-label="IC named">{real(drills.real_commander)}</td>
                                <td data-label="First update">{real(drills.real_first_update)}</td>
                            </tr>
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
        <section class="card">
            <h2>"Near-misses"</h2>
            <p data-testid="near-miss-count">
                {format!("{} recorded ({} the period before), {} declared as incidents. ", r.near_misses.recorded, r.near_misses.recorded_before, r.near_misses.declared)}
                <a href=format!("/near-misses?days={}", r.period.days())>"Review them"</a>
            </p>
        </section>
        <section class="card">
            <h2>"Severity calibration"</h2>
            <p class="muted small">"How often each severity was declared and changed afterwards. A SEV1 that reached nobody or was over within minutes may have been over-classified."</p>
            <table class="incidents metrics" data-testid="calibration">
                <thead><tr><th>"Severity"</th><th>"Declared"</th><th>"Raised later"</th><th>"Lowered later"</th><th>"Ended at"</th></tr></thead>
                <tbody>
                    {calibration.rows.iter().map(|c| view! {
                        <tr data-name=c.severity.label()>
                            <td data-label="Severity">{c.severity.label()}</td>
                            <td data-label="Declared">{c.declared}</td>
                            <td data-label="Raised later">{c.raised}</td>
                            <td data-label="Lowered later">{c.lowered}</td>
                            <td data-label="Ended at">{c.ended}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {if calibration.doubtful_sev1s.is_empty() {
                view! { <p class="muted" data-testid="doubtful-sev1s">"No SEV1 to look at again."</p> }.into_any()
            } else {
                view! {
                    <h3>"SEV1s worth a second look"</h3>
                    <ul data-testid="doubtful-sev1s">
                        {calibration.doubtful_sev1s.into_iter().map(|d| {
                            let why: Vec<String> = d.doubts.iter().map(|x| x.label()).collect();
                            view! { <li><a href=format!("/incidents/{}", d.id)>{d.title}</a> ": " {why.join("; ")}</li> }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
        <section class="card">
            <h2>"Follow-through"</h2>
            <dl class="facts" data-testid="follow-through">
                <dt>"Postmortems"</dt><dd>{f.postmortems}</dd>
                <dt>"Completed"</dt><dd>{f.completed}</dd>
                <dt>"Completed within 48 hours"</dt><dd>{f.completed_in_time}</dd>
                <dt>"Action items open"</dt><dd>{f.items_open}</dd>
                <dt>"Action items overdue"</dt><dd>{f.items_overdue}</dd>
                <dt>"Action items done"</dt><dd>{f.items_done}</dd>
            </dl>
        </section>
    }
}
