//! Test fixtures shared by the domain's unit tests.

use chrono::{DateTime, TimeZone, Utc};

use super::ids::IncidentId;
use super::incident::{Incident, Severity, Status};
use super::runbook::{DiagnosisStep, MitigationOption, RunbookDoc, RunbookMetadata};

/// 2026-11-22 09:00 UTC: when every fixture incident was detected and declared.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap()
}

/// An incident detected, declared and last updated at [`t0`], affecting no service.
pub fn incident(id: i64, severity: Severity, status: Status) -> Incident {
    Incident {
        id: IncidentId(id),
        slug: format!("inc-20261122-{id}"),
        title: format!("Incident {id}"),
        impact: String::new(),
        severity,
        status,
        detected_at: t0(),
        declared_at: t0(),
        mitigated_at: None,
        resolved_at: None,
        last_update_at: t0(),
        data_exposure: false,
        services: vec![],
        version: 1,
        drill: false,
    }
}

/// A small valid runbook for checkout.
pub fn runbook_doc() -> RunbookDoc {
    RunbookDoc {
        metadata: RunbookMetadata {
            title: "Checkout 5xx".into(),
            service: "checkout".into(),
            severity: Some(Severity::Sev2),
            owner: Some("payments".into()),
            alert_names: vec!["CheckoutErrorRate".into()],
            impact: None,
            last_reviewed: None,
        },
        diagnosis: vec![DiagnosisStep { step: "Error rate".into(), command: Some("curl".into()), expected: Some("< 1%".into()) }],
        mitigation: vec![MitigationOption { option: "Roll back".into(), when: Some("after deploy".into()), command: None, verify: None }],
        recovery: vec!["Re-enable traffic".into()],
    }
}
