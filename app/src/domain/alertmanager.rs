//! Prometheus Alertmanager's webhook (version 4): each alert of a notification becomes one
//! Klaxon alert, keyed by Alertmanager's `fingerprint`; a firing alert triggers, a resolved
//! one resolves. Alertmanager resends a notification when it gets a 5xx: every event here
//! is one that may arrive twice and still mean the same.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

use super::alert::AlertSeverity;
use super::events_v2::{Action, Event, Invalid, Link, Payload, BODY_MAX, SUMMARY_MAX};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    version: String,
    #[serde(default)]
    group_key: String,
    #[serde(default, rename = "externalURL")]
    external_url: Option<String>,
    alerts: Vec<AmAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    starts_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

/// Alertmanager's severities, as teams label them, read as Klaxon's.
fn severity(label: Option<&String>) -> AlertSeverity {
    match label.map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("critical" | "page" | "fatal" | "emergency") => AlertSeverity::Critical,
        Some("warning" | "warn") => AlertSeverity::Warning,
        Some("info" | "informational" | "none") => AlertSeverity::Info,
        _ => AlertSeverity::Error,
    }
}

fn cut(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        s
    } else {
        s.chars().take(max).collect()
    }
}

/// Reads one notification into events (the routing key left empty: the URL carries it).
pub fn parse(body: &[u8]) -> Result<Vec<Event>, Invalid> {
    let invalid = |e: String| Invalid { message: "Notification is invalid".into(), errors: vec![e] };
    if body.len() > BODY_MAX * 8 {
        return Err(invalid(format!("The notification is larger than {} KB", BODY_MAX * 8 / 1024)));
    }
    let n: Notification = serde_json::from_slice(body).map_err(|e| invalid(format!("Not an Alertmanager notification: {e}")))?;
    if n.version != "4" {
        return Err(invalid(format!("version: {:?} is not the webhook version 4", n.version)));
    }
    let mut out = vec![];
    for (i, a) in n.alerts.into_iter().enumerate() {
        let action = match a.status.as_str() {
            "firing" => Action::Trigger,
            "resolved" => Action::Resolve,
            other => return Err(invalid(format!("alerts[{i}].status: {other:?} is not firing or resolved"))),
        };
        let Some(fingerprint) = a.fingerprint.filter(|f| !f.trim().is_empty()) else {
            return Err(invalid(format!("alerts[{i}].fingerprint is missing")));
        };
        let name = a.labels.get("alertname").cloned().unwrap_or_else(|| "Alert".into());
        let summary = a.annotations.get("summary").or_else(|| a.annotations.get("description")).cloned().unwrap_or_else(|| {
            let rest: Vec<String> = a.labels.iter().filter(|(k, _)| *k != "alertname").map(|(k, v)| format!("{k}={v}")).collect();
            if rest.is_empty() {
                name.clone()
            } else {
                format!("{name} ({})", rest.join(", "))
            }
        });
        let source = a.labels.get("instance").or_else(|| a.labels.get("job")).cloned().unwrap_or_else(|| "alertmanager".into());
        let links = a.generator_url.iter().map(|u| Link { href: u.clone(), text: "Source".into() }).collect();
        let details = serde_json::json!({ "labels": a.labels, "annotations": a.annotations, "group_key": n.group_key });
        let payload = (action == Action::Trigger).then(|| Payload {
            summary: cut(summary, SUMMARY_MAX),
            source: cut(source, 1024),
            severity: severity(a.labels.get("severity")),
            timestamp: a.starts_at,
            component: a.labels.get("job").cloned(),
            group: None,
            class: Some(name),
            custom_details: Some(details),
        });
        out.push(Event {
            routing_key: String::new(),
            action,
            dedup_key: Some(cut(fingerprint, super::events_v2::DEDUP_KEY_MAX)),
            payload,
            client: Some("Alertmanager".into()),
            client_url: n.external_url.clone(),
            links,
        });
    }
    Ok(out)
}

/// What a notification's body may look like, for tests: Alertmanager's documented shape.
#[cfg(any(test, feature = "testing"))]
pub fn sample(status: &str, fingerprint: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"CheckoutErrors\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "klaxon",
        "groupLabels": { "alertname": "CheckoutErrors" },
        "commonLabels": { "alertname": "CheckoutErrors", "severity": "critical" },
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": [{
            "status": status,
            "labels": { "alertname": "CheckoutErrors", "severity": "critical", "instance": "checkout-1:9100", "job": "checkout" },
            "annotations": { "summary": "Checkout 5xx above 5%" },
            "startsAt": "2026-12-07T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.com/graph?g0.expr=rate",
            "fingerprint": fingerprint
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_firing_alert_triggers_by_fingerprint_and_a_resolved_one_resolves() {
        let events = parse(sample("firing", "c0ffee").to_string().as_bytes()).unwrap();
        let e = &events[0];
        assert_eq!((e.action, e.dedup_key.as_deref()), (Action::Trigger, Some("c0ffee")));
        let p = e.payload.as_ref().unwrap();
        assert_eq!((p.summary.as_str(), p.source.as_str(), p.severity), ("Checkout 5xx above 5%", "checkout-1:9100", AlertSeverity::Critical));
        assert_eq!(e.links[0].href, "http://prometheus.example.com/graph?g0.expr=rate");
        assert_eq!(e.client_url.as_deref(), Some("http://alertmanager.example.com:9093"));
        let resolved = parse(sample("resolved", "c0ffee").to_string().as_bytes()).unwrap();
        assert_eq!((resolved[0].action, resolved[0].payload.is_none()), (Action::Resolve, true));
    }

    #[test]
    fn without_a_summary_the_labels_say_what_it_is() {
        let mut n = sample("firing", "f1");
        n["alerts"][0]["annotations"] = serde_json::json!({});
        n["alerts"][0]["labels"] = serde_json::json!({ "alertname": "DiskFull", "device": "sda" });
        let e = &parse(n.to_string().as_bytes()).unwrap()[0];
        let p = e.payload.as_ref().unwrap();
        assert_eq!((p.summary.as_str(), p.severity, p.source.as_str()), ("DiskFull (device=sda)", AlertSeverity::Error, "alertmanager"));
    }

    #[test]
    fn bad_notifications_say_why() {
        assert!(parse(b"{}").unwrap_err().errors[0].starts_with("Not an Alertmanager notification"));
        let mut old = sample("firing", "a");
        old["version"] = "3".into();
        assert!(parse(old.to_string().as_bytes()).unwrap_err().errors[0].starts_with("version:"));
        let mut odd = sample("firing", "a");
        odd["alerts"][0]["status"] = "pending".into();
        assert!(parse(odd.to_string().as_bytes()).unwrap_err().errors[0].starts_with("alerts[0].status:"));
        let mut anonymous = sample("firing", "a");
        anonymous["alerts"][0].as_object_mut().unwrap().remove("fingerprint");
        assert_eq!(parse(anonymous.to_string().as_bytes()).unwrap_err().errors[0], "alerts[0].fingerprint is missing");
    }
}
