//! The PagerDuty Events API v2: an event is read from JSON with every problem listed the way
//! PagerDuty lists them, so a client that works against PagerDuty reads Klaxon's answers
//! unchanged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::alert::AlertSeverity;

/// What an event asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Trigger,
    Acknowledge,
    Resolve,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// What a trigger says of the problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub summary: String,
    pub source: String,
    pub severity: AlertSeverity,
    pub timestamp: Option<DateTime<Utc>>,
    pub component: Option<String>,
    pub group: Option<String>,
    pub class: Option<String>,
    pub custom_details: Option<Value>,
}

/// One Events API v2 event, read and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub routing_key: String,
    pub action: Action,
    /// Required to acknowledge or resolve; a trigger without one is given one.
    pub dedup_key: Option<String>,
    /// Present exactly for triggers.
    pub payload: Option<Payload>,
    pub client: Option<String>,
    pub client_url: Option<String>,
    pub links: Vec<Link>,
}

/// Why an event was refused: PagerDuty's `message` and `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub errors: Vec<String>,
}

pub const ROUTING_KEY_LEN: usize = 32;
pub const DEDUP_KEY_MAX: usize = 255;
pub const SUMMARY_MAX: usize = 1024;
pub const BODY_MAX: usize = 512 * 1024;
const FIELD_MAX: usize = 1024;
const LINKS_MAX: usize = 50;

fn text(v: Option<&Value>, name: &str, errors: &mut Vec<String>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > FIELD_MAX => {
            errors.push(format!("Length of '{name}' is greater than {FIELD_MAX} characters"));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(format!("'{name}' must be a string"));
            None
        }
    }
}

fn required(v: Option<&Value>, name: &str, errors: &mut Vec<String>) -> Option<String> {
    match text(v, name, errors) {
        Some(s) if !s.trim().is_empty() => Some(s),
        Some(_) | None if !errors.iter().any(|e| e.contains(&format!("'{name}'"))) => {
            errors.push(format!("'{name}' is missing or blank"));
            None
        }
        _ => None,
    }
}

fn payload(v: Option<&Value>, errors: &mut Vec<String>) -> Option<Payload> {
    let Some(p) = v.filter(|v| !v.is_null()) else {
        errors.push("'payload' is missing".into());
        return None;
    };
    let Some(p) = p.as_object() else {
        errors.push("'payload' must be an object".into());
        return None;
    };
    let summary = match p.get("summary") {
        Some(Value::String(s)) if s.chars().count() > SUMMARY_MAX => {
            errors.push(format!("Length of 'payload.summary' is greater than {SUMMARY_MAX} characters"));
            None
        }
        other => required(other, "payload.summary", errors),
    };
    let source = required(p.get("source"), "payload.source", errors);
    let severity = match p.get("severity") {
        Some(Value::String(s)) => AlertSeverity::parse(s).or_else(|| {
            errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)".into());
            None
        }),
        None | Some(Value::Null) => {
            errors.push("'payload.severity' is missing or blank".into());
            None
        }
        Some(_) => {
            errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)".into());
            None
        }
    };
    let timestamp = match text(p.get("timestamp"), "payload.timestamp", errors) {
        None => None,
        Some(raw) => match parse_time(&raw) {
            Some(t) => Some(t),
            None => {
                errors.push("'payload.timestamp' is not a valid ISO 8601 time".into());
                None
            }
        },
    };
    let (component, group, class) =
        (text(p.get("component"), "payload.component", errors), text(p.get("group"), "payload.group", errors), text(p.get("class"), "payload.class", errors));
    let custom_details = p.get("custom_details").filter(|v| !v.is_null()).cloned();
    Some(Payload { summary: summary?, source: source?, severity: severity?, timestamp, component, group, class, custom_details })
}

/// ISO 8601 as monitoring tools write it: RFC 3339, or with a `+0000` offset.
fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw).or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z")).ok().map(|t| t.with_timezone(&Utc))
}

fn links(v: Option<&Value>, errors: &mut Vec<String>) -> Vec<Link> {
    let Some(v) = v.filter(|v| !v.is_null()) else { return vec![] };
    let Some(items) = v.as_array() else {
        errors.push("'links' must be an array".into());
        return vec![];
    };
    if items.len() > LINKS_MAX {
        errors.push(format!("'links' has more than {LINKS_MAX} items"));
        return vec![];
    }
    items
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let href = required(l.get("href"), &format!("links[{i}].href"), errors)?;
            let text = text(l.get("text"), &format!("links[{i}].text"), errors).unwrap_or_else(|| href.clone());
            Some(Link { href, text })
        })
        .collect()
}

/// PagerDuty's refusal of an event, with its reasons.
pub fn invalid(errors: Vec<String>) -> Invalid {
    Invalid { message: "Event object is invalid".into(), errors }
}

/// The JSON object a request body holds, within the size limit.
fn envelope(body: &[u8]) -> Result<serde_json::Map<String, Value>, Invalid> {
    if body.len() > BODY_MAX {
        return Err(invalid(vec![format!("The event is larger than {} KB", BODY_MAX / 1024)]));
    }
    match serde_json::from_slice(body).map_err(|e| invalid(vec![format!("Malformed JSON: {e}")]))? {
        Value::Object(obj) => Ok(obj),
        _ => Err(invalid(vec!["The event must be a JSON object".into()])),
    }
}

fn routing_key(obj: &serde_json::Map<String, Value>, errors: &mut Vec<String>) -> Option<String> {
    let key = required(obj.get("routing_key"), "routing_key", errors);
    if key.as_ref().is_some_and(|k| k.len() != ROUTING_KEY_LEN) {
        errors.push(format!("Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LEN} characters)"));
    }
    key
}

/// Reads one Events API v2 event from a request body.
pub fn parse(body: &[u8]) -> Result<Event, Invalid> {
    let obj = envelope(body)?;
    let obj = &obj;
    let mut errors = vec![];
    let routing_key = routing_key(obj, &mut errors);
    let action = match obj.get("event_action") {
        Some(Value::String(s)) => match s.as_str() {
            "trigger" => Some(Action::Trigger),
            "acknowledge" => Some(Action::Acknowledge),
            "resolve" => Some(Action::Resolve),
            _ => {
                errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)".into());
                None
            }
        },
        None | Some(Value::Null) => {
            errors.push("'event_action' is missing or blank".into());
            None
        }
        Some(_) => {
            errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)".into());
            None
        }
    };
    let dedup_key = text(obj.get("dedup_key"), "dedup_key", &mut Vec::new());
    match (&dedup_key, obj.get("dedup_key")) {
        (Some(k), _) if k.chars().count() > DEDUP_KEY_MAX => errors.push(format!("Length of 'dedup_key' is greater than {DEDUP_KEY_MAX} characters")),
        (Some(k), _) if k.trim().is_empty() => errors.push("'dedup_key' is blank".into()),
        (None, Some(v)) if !v.is_null() => errors.push("'dedup_key' must be a string".into()),
        (None, _) if matches!(action, Some(Action::Acknowledge | Action::Resolve)) => errors.push("'dedup_key' is missing or blank".into()),
        _ => {}
    }
    let payload = match action {
        Some(Action::Trigger) => payload(obj.get("payload"), &mut errors),
        _ => None,
    };
    let client = text(obj.get("client"), "client", &mut errors);
    let client_url = text(obj.get("client_url"), "client_url", &mut errors);
    let links = links(obj.get("links"), &mut errors);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    match (routing_key, action) {
        (Some(routing_key), Some(action)) => Ok(Event { routing_key, action, dedup_key, payload, client, client_url, links }),
        _ => Err(invalid(vec!["The event is incomplete".into()])),
    }
}

/// A change event (a deploy, a flag flipped): recorded on the service, never paging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEvent {
    pub routing_key: String,
    pub summary: String,
    pub source: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
    pub custom_details: Option<Value>,
    pub links: Vec<Link>,
}

/// Reads one change event (`POST /v2/change/enqueue`) from a request body.
pub fn parse_change(body: &[u8]) -> Result<ChangeEvent, Invalid> {
    let obj = envelope(body)?;
    let obj = &obj;
    let mut errors = vec![];
    let routing_key = routing_key(obj, &mut errors);
    let p = obj.get("payload").and_then(Value::as_object);
    if p.is_none() {
        errors.push("'payload' is missing".into());
    }
    let summary = match p.and_then(|p| p.get("summary")) {
        Some(Value::String(s)) if s.chars().count() > SUMMARY_MAX => {
            errors.push(format!("Length of 'payload.summary' is greater than {SUMMARY_MAX} characters"));
            None
        }
        other if p.is_some() => required(other, "payload.summary", &mut errors),
        _ => None,
    };
    let source = text(p.and_then(|p| p.get("source")), "payload.source", &mut errors);
    let timestamp = match text(p.and_then(|p| p.get("timestamp")), "payload.timestamp", &mut errors) {
        None => None,
        Some(raw) => parse_time(&raw).or_else(|| {
            errors.push("'payload.timestamp' is not a valid ISO 8601 time".into());
            None
        }),
    };
    let custom_details = p.and_then(|p| p.get("custom_details")).filter(|v| !v.is_null()).cloned();
    let links = links(obj.get("links"), &mut errors);
    match (routing_key, summary) {
        (Some(routing_key), Some(summary)) if errors.is_empty() => Ok(ChangeEvent { routing_key, summary, source, timestamp, custom_details, links }),
        _ => Err(invalid(errors)),
    }
}

/// The trigger sample of PagerDuty's Events API v2 documentation, with `ROUTING_KEY` for
/// the key (for tests).
#[cfg(any(test, feature = "testing"))]
pub const SAMPLE_TRIGGER: &str = r#"{
  "payload": {
    "summary": "Example alert on host1.example.com",
    "timestamp": "2015-07-17T08:42:58.315+0000",
    "severity": "critical",
    "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
    "component": "postgres",
    "group": "prod-datapipe",
    "class": "deploy",
    "custom_details": { "ping time": "1500ms", "load avg": 0.75 }
  },
  "routing_key": "ROUTING_KEY",
  "dedup_key": "samplekeyhere",
  "images": [{ "src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png", "href": "https://example.com/", "alt": "Example text" }],
  "links": [{ "href": "https://example.com/", "text": "Link text" }],
  "event_action": "trigger",
  "client": "Sample Monitoring Service",
  "client_url": "https://monitoring.example.com"
}"#;

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "R0UT1NGKEY0123456789abcdefABCDEF";

    fn documented_trigger() -> String {
        SAMPLE_TRIGGER.replace("ROUTING_KEY", KEY)
    }

    #[test]
    fn the_documented_trigger_reads_field_for_field() {
        let e = parse(documented_trigger().as_bytes()).unwrap();
        assert_eq!((e.routing_key.as_str(), e.action, e.dedup_key.as_deref()), (KEY, Action::Trigger, Some("samplekeyhere")));
        let p = e.payload.unwrap();
        assert_eq!(p.severity, AlertSeverity::Critical);
        assert_eq!(p.summary, "Example alert on host1.example.com");
        assert_eq!(p.timestamp.unwrap().to_rfc3339(), "2015-07-17T08:42:58.315+00:00");
        assert_eq!(p.component.as_deref(), Some("postgres"));
        assert_eq!(p.custom_details.unwrap()["ping time"], "1500ms");
        assert_eq!(e.links, vec![Link { href: "https://example.com/".into(), text: "Link text".into() }]);
        assert_eq!(e.client.as_deref(), Some("Sample Monitoring Service"));
    }

    #[test]
    fn change_events_need_a_summary() {
        let body = format!(
            r#"{{"routing_key":"{KEY}","payload":{{"summary":"Deployed checkout v42","source":"ci","timestamp":"2026-12-07T09:00:00Z"}},"links":[{{"href":"https://ci.example.com/42"}}]}}"#
        );
        let c = parse_change(body.as_bytes()).unwrap();
        assert_eq!((c.summary.as_str(), c.source.as_deref()), ("Deployed checkout v42", Some("ci")));
        assert_eq!(c.links[0].text, "https://ci.example.com/42", "a link without text reads as its address");
        let err = parse_change(format!(r#"{{"routing_key":"{KEY}","payload":{{"source":"ci"}}}}"#).as_bytes()).unwrap_err();
        assert_eq!(err.errors, ["'payload.summary' is missing or blank"]);
        assert_eq!(parse_change(format!(r#"{{"routing_key":"{KEY}"}}"#).as_bytes()).unwrap_err().errors, ["'payload' is missing"]);
    }

    #[test]
    fn acknowledge_and_resolve_need_only_the_key_and_dedup_key() {
        let e = parse(format!(r#"{{"routing_key":"{KEY}","event_action":"resolve","dedup_key":"abc"}}"#).as_bytes()).unwrap();
        assert_eq!((e.action, e.payload), (Action::Resolve, None));
        let err = parse(format!(r#"{{"routing_key":"{KEY}","event_action":"acknowledge"}}"#).as_bytes()).unwrap_err();
        assert_eq!(err.errors, ["'dedup_key' is missing or blank"]);
    }

    #[test]
    fn every_problem_is_listed() {
        let err = parse(br#"{"routing_key":"short","event_action":"trigger","payload":{"severity":"bad","summary":""}}"#).unwrap_err();
        assert_eq!(err.message, "Event object is invalid");
        assert_eq!(
            err.errors,
            [
                "Length of 'routing_key' is incorrect (should be 32 characters)",
                "'payload.summary' is missing or blank",
                "'payload.source' is missing or blank",
                "'payload.severity' is invalid (must be one of: critical, error, warning, info)",
            ]
        );
        assert_eq!(parse(b"{not json").unwrap_err().errors.len(), 1);
        assert!(parse(b"{not json").unwrap_err().errors[0].starts_with("Malformed JSON"));
        assert_eq!(parse(b"[]").unwrap_err().errors, ["The event must be a JSON object"]);
        let long = "k".repeat(256);
        let err = parse(format!(r#"{{"routing_key":"{KEY}","event_action":"resolve","dedup_key":"{long}"}}"#).as_bytes()).unwrap_err();
        assert_eq!(err.errors, ["Length of 'dedup_key' is greater than 255 characters"]);
        let summary = "s".repeat(1025);
        let body = documented_trigger().replace("Example alert on host1.example.com", &summary);
        assert_eq!(parse(body.as_bytes()).unwrap_err().errors, ["Length of 'payload.summary' is greater than 1024 characters"]);
        let err = parse(format!(r#"{{"routing_key":"{KEY}","event_action":"snooze","dedup_key":"a"}}"#).as_bytes()).unwrap_err();
        assert_eq!(err.errors, ["'event_action' is invalid (must be one of: trigger, acknowledge, resolve)"]);
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(BODY_MAX));
        assert!(parse(big.as_bytes()).unwrap_err().errors[0].contains("larger than 512 KB"));
    }
}
