//! The response metrics as files: `/insights.csv` (a figure per row, which the `csv` reader
//! reads back) and `/insights.json` (the report), over the period the query asks for; a bad
//! period is a 400 that says why.

mod common;

use app::domain::incident::{DeclareInput, Severity, Status};
use app::domain::metrics::report::{GroupBy, Report};
use app::domain::metrics::table::HEADER;
use app::on_both_backends;
use app::server::db::Backend;
use app::server::services::incidents;
use common::TestApp;

async fn the_metrics_download_as_csv_and_json(b: Backend) {
    let app = TestApp::start(b).await;
    let input = DeclareInput { title: "Checkout down".into(), services: vec!["checkout".into()], severity: Some(Severity::Sev2), ..Default::default() };
    let i = incidents::declare(&app.state, Some(&app.responder), input).await.unwrap();
    incidents::change_status(&app.state, Some(&app.responder), i.id, i.status, Status::Resolved).await.unwrap();
    let vic = app.client(Some(&app.viewer)).await;

    let r = vic.get(app.url("/insights.csv?days=7")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(".csv"));
    let body = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let value = |section: &str, name: &str, figure: &str| {
        rows.iter()
            .find(|r| &r[0] == section && &r[2] == name && &r[3] == figure)
            .map(|r| r[4].to_string())
            .unwrap_or_else(|| panic!("no {section}/{name}/{figure}"))
    };
    assert_eq!(value("response", "All", "incidents"), "1");
    assert_eq!(value("response", "SEV2", "mttr_count"), "1");
    assert_eq!(value("response", "Checkout", "incidents"), "1");
    assert_eq!(value("response", "SEV1", "mttr_median_s"), "", "no data is empty, not zero");
    assert_eq!(value("follow_through", "All", "postmortems"), "1", "a SEV2 gets one on resolution");

    let r = vic.get(app.url("/insights.json?days=7")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let report: Report = r.json().await.unwrap();
    assert_eq!(report.period.days(), 7);
    let all = report.response.iter().find(|x| x.by == GroupBy::All).unwrap();
    assert_eq!(all.incidents, 1);

    // the same figures for dates given; a period that is not one says why
    let today = chrono::Utc::now().date_naive();
    let r = vic.get(app.url(&format!("/insights.json?from={}&to={today}", today - chrono::Duration::days(1)))).send().await.unwrap();
    let report: Report = r.json().await.unwrap();
    assert_eq!((report.period.days(), report.response[0].incidents), (2, 1));
    for (query, says) in [("days=0", "days:"), ("days=soon", "days:"), ("from=2026-11-01", "to:"), ("from=2026-11-31&to=2026-12-01", "from:")] {
        let r = vic.get(app.url(&format!("/insights.csv?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        assert!(r.text().await.unwrap().contains(says), "{query}");
    }
}

on_both_backends!(the_metrics_download_as_csv_and_json);
