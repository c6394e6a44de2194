//! Runbooks: what to check, what to try, how to recover. Imported from YAML of the shape
//!
//! ```yaml
//! metadata: {title, service, severity, owner, alert_names: [..], impact}
//! diagnosis:  [{step, command, expected}]
//! mitigation: [{option, when, command, verify}]
//! recovery:   [text, ..]
//! ```

use serde::{Deserialize, Serialize};

use super::ids::{RunbookId, ServiceId};
use super::incident::Severity;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookMetadata {
    pub title: String,
    /// The slug of the service it belongs to.
    pub service: String,
    /// `sev1` to `sev4` in the YAML.
    #[serde(default, with = "severity_text")]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub alert_names: Vec<String>,
    #[serde(default)]
    pub impact: Option<String>,
    /// When its owner last went through it (`2026-10-01` in the YAML); a runbook not reviewed
    /// in a quarter is flagged by the readiness check.
    #[serde(default)]
    pub last_reviewed: Option<chrono::NaiveDate>,
}

/// A runbook's severity as its YAML writes it (`sev2`, any case), read strictly.
mod severity_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Severity;

    pub fn serialize<S: Serializer>(v: &Option<Severity>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(sev) => s.serialize_some(sev.as_str()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Severity>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(raw) if raw.trim().is_empty() => Ok(None),
            Some(raw) => Severity::parse(&raw).map(Some).ok_or_else(|| serde::de::Error::custom(format!("severity must be sev1 to sev4, not {raw:?}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisStep {
    #[serde(alias = "name", alias = "title")]
    pub step: String,
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub expected: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MitigationOption {
    #[serde(alias = "name", alias = "title")]
    pub option: String,
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub verify: Option<String>,
}

/// The document as written in YAML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookDoc {
    pub metadata: RunbookMetadata,
    #[serde(default)]
    pub diagnosis: Vec<DiagnosisStep>,
    #[serde(default)]
    pub mitigation: Vec<MitigationOption>,
    #[serde(default)]
    pub recovery: Vec<String>,
}

/// A stored runbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runbook {
    pub id: RunbookId,
    pub service_id: ServiceId,
    pub doc: RunbookDoc,
}

/// The three parts of a runbook, in the order a responder works through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunbookSection {
    Diagnosis,
    Mitigation,
    Recovery,
}

impl RunbookSection {
    pub fn as_str(self) -> &'static str {
        match self {
            RunbookSection::Diagnosis => "diagnosis",
            RunbookSection::Mitigation => "mitigation",
            RunbookSection::Recovery => "recovery",
        }
    }
}

/// A step a responder can tick, with a key stable across edits that keep its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRef {
    /// `section.index`, such as `mitigation.0` (what the timeline records).
    pub key: String,
    pub section: RunbookSection,
    pub title: String,
    pub command: Option<String>,
    pub detail: Option<String>,
}

impl RunbookDoc {
    /// Checks what YAML cannot: non-empty titles, sane sizes.
    pub fn validate(&self) -> Result<(), String> {
        let m = &self.metadata;
        if m.title.trim().is_empty() {
            return Err("metadata.title must not be empty".into());
        }
        if m.title.chars().count() > 200 {
            return Err("metadata.title must have at most 200 characters".into());
        }
        if m.service.trim().is_empty() {
            return Err("metadata.service must name a service".into());
        }
        let steps = self.diagnosis.len() + self.mitigation.len() + self.recovery.len();
        if steps == 0 {
            return Err("a runbook needs at least one diagnosis, mitigation or recovery step".into());
        }
        if steps > 200 {
            return Err("a runbook may have at most 200 steps".into());
        }
        for (i, d) in self.diagnosis.iter().enumerate() {
            if d.step.trim().is_empty() {
                return Err(format!("diagnosis[{i}].step must not be empty"));
            }
        }
        for (i, o) in self.mitigation.iter().enumerate() {
            if o.option.trim().is_empty() {
                return Err(format!("mitigation[{i}].option must not be empty"));
            }
        }
        Ok(())
    }

    /// Every tickable step in order: diagnosis, mitigation, recovery.
    pub fn steps(&self) -> Vec<StepRef> {
        let mut out = Vec::new();
        for (i, d) in self.diagnosis.iter().enumerate() {
            out.push(StepRef {
                key: format!("diagnosis.{i}"),
                section: RunbookSection::Diagnosis,
                title: d.step.clone(),
                command: d.command.clone(),
                detail: d.expected.as_ref().map(|e| format!("Expected: {e}")),
            });
        }
        for (i, m) in self.mitigation.iter().enumerate() {
            out.push(StepRef {
                key: format!("mitigation.{i}"),
                section: RunbookSection::Mitigation,
                title: m.option.clone(),
                command: m.command.clone(),
                detail: match (&m.when, &m.verify) {
                    (Some(w), Some(v)) => Some(format!("When: {w}. Verify: {v}")),
                    (Some(w), None) => Some(format!("When: {w}")),
                    (None, Some(v)) => Some(format!("Verify: {v}")),
                    (None, None) => None,
                },
            });
        }
        for (i, r) in self.recovery.iter().enumerate() {
            out.push(StepRef { key: format!("recovery.{i}"), section: RunbookSection::Recovery, title: r.clone(), command: None, detail: None });
        }
        out
    }

    pub fn step(&self, key: &str) -> Option<StepRef> {
        self.steps().into_iter().find(|s| s.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::fixtures::runbook_doc as doc;

    #[test]
    fn steps_have_stable_keys() {
        let keys: Vec<String> = doc().steps().into_iter().map(|s| s.key).collect();
        assert_eq!(keys, ["diagnosis.0", "mitigation.0", "recovery.0"]);
        let sections: Vec<RunbookSection> = doc().steps().into_iter().map(|s| s.section).collect();
        assert_eq!(sections, [RunbookSection::Diagnosis, RunbookSection::Mitigation, RunbookSection::Recovery]);
        assert!(doc().steps().iter().all(|s| s.key.starts_with(s.section.as_str())));
        assert_eq!(doc().step("mitigation.0").unwrap().detail.as_deref(), Some("When: after deploy"));
        assert!(doc().step("mitigation.9").is_none());
    }

    #[test]
    fn validation() {
        assert!(doc().validate().is_ok());
        // severity is read strictly, any case, and written back as the YAML has it
        let meta = |sev: &str| serde_json::from_str::<RunbookMetadata>(&format!(r#"{{"title":"t","service":"s","severity":{sev}}}"#));
        assert_eq!(meta(r#""SEV1""#).unwrap().severity, Some(Severity::Sev1));
        assert_eq!(meta("null").unwrap().severity, None);
        assert_eq!(meta(r#""""#).unwrap().severity, None);
        assert!(meta(r#""high""#).unwrap_err().to_string().contains(r#"severity must be sev1 to sev4, not "high""#));
        assert!(serde_json::to_string(&doc().metadata).unwrap().contains(r#""severity":"sev2""#));
        let mut d = doc();
        d.diagnosis.clear();
        d.mitigation.clear();
        d.recovery.clear();
        assert!(d.validate().is_err());
        let mut d = doc();
        d.metadata.title = " ".into();
        assert!(d.validate().is_err());
    }
}
