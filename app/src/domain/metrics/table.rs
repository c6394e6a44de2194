//! The report as one long table, a figure per row (`section, group_by, name, figure, value`):
//! the CSV export, which a spreadsheet pivots as it likes. A figure with no data has an
//! empty value, never a zero.

use super::report::{Measure, Report};

pub const HEADER: [&str; 5] = ["section", "group_by", "name", "figure", "value"];

/// A name as a spreadsheet cell: one that would start a formula (alert and service names
/// come from outside) is quoted so it reads as text.
pub fn text_cell(name: &str) -> String {
    match name.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{name}"),
        _ => name.to_string(),
    }
}

fn push_measure(rows: &mut Vec<[String; 5]>, head: &[String; 3], figure: &str, m: &Measure) {
    for (when, stat) in [("", m.now), ("previous_", m.before)] {
        let v = |f: fn(&super::stats::Stat) -> i64| stat.as_ref().map(|s| f(s).to_string()).unwrap_or_default();
        for (name, value) in [("count", v(|s| s.count as i64)), ("mean_s", v(|s| s.mean_s)), ("median_s", v(|s| s.median_s)), ("p90_s", v(|s| s.p90_s))] {
            rows.push([head[0].clone(), head[1].clone(), head[2].clone(), format!("{when}{figure}_{name}"), value]);
        }
    }
    rows.push([head[0].clone(), head[1].clone(), head[2].clone(), format!("{figure}_trend"), m.trend.as_str().into()]);
}

/// The rows, in the report's order.
pub fn rows(r: &Report) -> Vec<[String; 5]> {
    let mut rows = vec![];
    for x in &r.response {
        let head = ["response".to_string(), x.by.as_str().to_string(), text_cell(&x.name)];
        rows.push([head[0].clone(), head[1].clone(), head[2].clone(), "incidents".into(), x.incidents.to_string()]);
        rows.push([head[0].clone(), head[1].clone(), head[2].clone(), "previous_incidents".into(), x.incidents_before.to_string()]);
        for (figure, m) in [("mttd", &x.detect), ("mtta", &x.acknowledge), ("time_to_mitigate", &x.mitigate), ("mttr", &x.resolve)] {
            push_measure(&mut rows, &head, figure, m);
        }
    }
    for a in &r.alerts {
        let cells = [
            ("alerts", a.alerts.to_string()),
            ("led_to_incident", a.led_to_incident.to_string()),
            ("incidents", a.incidents.to_string()),
            ("actionable", a.actionable.to_string()),
            ("noise", a.noise.to_string()),
            ("accuracy_percent", a.accuracy_percent().map(|p| p.to_string()).unwrap_or_default()),
            ("alerts_per_incident", a.per_incident().unwrap_or_default()),
        ];
        for (figure, value) in cells {
            rows.push(["alerts".into(), a.by.as_str().into(), text_cell(&a.name), figure.into(), value]);
        }
    }
    let f = &r.follow_through;
    for (figure, value) in [
        ("postmortems", f.postmortems),
        ("completed", f.completed),
        ("completed_within_48h", f.completed_in_time),
        ("action_items_open", f.items_open),
        ("action_items_overdue", f.items_overdue),
        ("action_items_done", f.items_done),
    ] {
        rows.push(["follow_through".into(), "all".into(), "All".into(), figure.into(), value.to_string()]);
    }
    let n = &r.near_misses;
    for (figure, value) in [("recorded", n.recorded), ("declared_as_incident", n.declared), ("previous_recorded", n.recorded_before)] {
        rows.push(["near_misses".into(), "all".into(), "All".into(), figure.into(), value.to_string()]);
    }
    for d in &r.drills.drills {
        for (figure, value) in [("assemble_s", d.assemble_s), ("commander_s", d.commander_s), ("first_update_s", d.first_update_s)] {
            rows.push(["drills".into(), "drill".into(), text_cell(&d.title), figure.into(), value.map(|v| v.to_string()).unwrap_or_default()]);
        }
    }
    let real = &r.drills;
    for (figure, stat) in
        [("assemble_median_s", real.real_assemble), ("commander_median_s", real.real_commander), ("first_update_median_s", real.real_first_update)]
    {
        rows.push(["drills".into(), "real_incidents".into(), "Real incidents".into(), figure.into(), stat.map(|s| s.median_s.to_string()).unwrap_or_default()]);
    }
    for c in &r.calibration.rows {
        for (figure, value) in [("declared", c.declared), ("raised_later", c.raised), ("lowered_later", c.lowered), ("ended_at", c.ended)] {
            rows.push(["calibration".into(), "severity".into(), c.severity.label().into(), figure.into(), value.to_string()]);
        }
    }
    for d in &r.calibration.doubtful_sev1s {
        for doubt in &d.doubts {
            rows.push(["calibration".into(), "doubtful_sev1".into(), text_cell(&d.title), doubt.as_str().into(), d.id.0.to_string()]);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::period::Period;
    use crate::domain::metrics::report::report;
    use chrono::{TimeZone, Utc};

    #[test]
    fn every_figure_is_a_row_and_missing_data_is_empty_not_zero() {
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let r = report(Period { from, to: from + chrono::Duration::days(30) }, &[], &[], &[], from.date_naive());
        let rows = rows(&r);
        let find = |name: &str, figure: &str| rows.iter().find(|r| r[2] == name && r[3] == figure).map(|r| r[4].clone());
        assert_eq!(find("All", "incidents").as_deref(), Some("0"));
        assert_eq!(find("SEV1", "mttr_median_s").as_deref(), Some(""));
        assert_eq!(find("SEV1", "mttr_trend").as_deref(), Some("unknown"));
        assert_eq!(find("All", "completed_within_48h").as_deref(), Some("0"));
        assert_eq!(find("SEV2", "declared").as_deref(), Some("0"));
        // five response groups (all and four severities) of 2 + 4 × 9 figures, six of
        // follow-through, three of near-misses, three of the real incidents' drill times,
        // four for each severity's calibration
        assert_eq!(rows.len(), 5 * (2 + 4 * 9) + 6 + 3 + 3 + 4 * 4);
        assert!(rows.iter().all(|r| r.len() == HEADER.len()));
    }

    #[test]
    fn a_name_that_would_start_a_formula_reads_as_text() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text_cell("-1+2"), "'-1+2");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("CheckoutErrors"), "CheckoutErrors");
        assert_eq!(text_cell(""), "");
    }
}
