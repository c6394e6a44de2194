//! The blameless postmortem template (the seeds'), as Markdown, started from a pre-fill:
//! header, Summary, Impact (a table), Timeline (UTC, a table), Root cause, Contributing
//! factors, Five whys, What went well, What went poorly, Where we got lucky, Lessons
//! learned. SEV3 gets the lightweight review (fewer sections). The status, the authors and
//! the action items are not in the text: Klaxon tracks them, and `export` puts them in.

use chrono::Duration;

use super::prefill::Prefill;
use crate::domain::incident::Severity;

/// Which template an incident gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Depth {
    /// SEV1 and SEV2: every section, due 48 hours after resolution.
    Full,
    /// SEV3: summary, impact, timeline, root cause, action items.
    Lightweight,
}

impl Depth {
    /// SEV4 gets none unless someone asks (then the lightweight one).
    pub fn for_severity(s: Severity) -> Option<Depth> {
        match s {
            Severity::Sev1 | Severity::Sev2 => Some(Depth::Full),
            Severity::Sev3 => Some(Depth::Lightweight),
            Severity::Sev4 => None,
        }
    }
}

/// "1 h 10 min", "4 min", "—".
pub fn span(d: Option<Duration>) -> String {
    match d {
        None => "—".into(),
        Some(d) if d.num_minutes() >= 60 => format!("{} h {} min", d.num_hours(), d.num_minutes() % 60),
        Some(d) => format!("{} min", d.num_minutes()),
    }
}

/// Text for a Markdown table cell: one line, pipes escaped.
pub(super) fn cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "\\|")
}

/// The document a new postmortem starts as.
pub fn markdown(p: &Prefill, depth: Depth) -> String {
    let mut md = String::new();
    let ts = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    md.push_str(&format!("# Postmortem: {}\n\n", p.title.trim()));
    md.push_str(&format!("- **Date:** {}\n", p.detected_at.format("%Y-%m-%d")));
    md.push_str(&format!("- **Duration:** {} (detection to resolution)\n", span(p.times.to_resolve)));
    md.push_str(&format!("- **Severity:** {}\n", p.severity));
    md.push_str(&format!("- **Incident Commander:** {}\n", p.commander.as_deref().unwrap_or("—")));
    // status, authors and action items are kept beside the text (see `export`)
    md.push('\n');
    md.push_str("## Summary\n\n\n\n## Impact\n\n| | |\n|---|---|\n");
    md.push_str(&format!("| User impact duration | {} |\n", span(p.times.to_resolve)));
    md.push_str("| Users affected | |\n| Revenue impact | |\n| SLA minutes against the target | |\n");
    md.push_str(&format!("| Services | {} |\n", cell(&p.services.join(", "))));
    md.push_str(&format!("| Public components | {} |\n", cell(&p.components.join(", "))));
    md.push_str(&format!(
        "| Time to detect / acknowledge / mitigate / resolve | {} / {} / {} / {} |\n\n",
        span(p.times.to_detect),
        span(p.times.to_acknowledge),
        span(p.times.to_mitigate),
        span(p.times.to_resolve)
    ));
    md.push_str("## Timeline (UTC)\n\n| Time | What happened |\n|---|---|\n");
    for m in &p.timeline {
        md.push_str(&format!("| {} | {} |\n", ts(m.at), cell(&m.what)));
    }
    md.push_str("\n## Root cause\n\n\n\n");
    if depth == Depth::Full {
        md.push_str("## Contributing factors\n\n\n\n## Five whys\n\n1. Why?\n2. Why?\n3. Why?\n4. Why?\n5. Why?\n\n");
        md.push_str("## What went well\n\n\n\n## What went poorly\n\n\n\n## Where we got lucky\n\n\n\n");
    }
    if depth == Depth::Full {
        md.push_str("## Lessons learned\n\n");
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::t0;
    use crate::domain::postmortem::prefill::{Moment, ResponseTimes};

    fn sample() -> Prefill {
        Prefill {
            title: "Checkout | payments down".into(),
            severity: Severity::Sev2,
            commander: Some("Ben Okafor".into()),
            detected_at: t0(),
            mitigated_at: None,
            resolved_at: Some(t0() + Duration::minutes(70)),
            times: ResponseTimes {
                to_detect: Some(Duration::minutes(4)),
                to_acknowledge: Some(Duration::minutes(1)),
                to_mitigate: None,
                to_resolve: Some(Duration::minutes(70)),
            },
            services: vec!["Checkout".into()],
            components: vec![],
            timeline: vec![Moment { at: t0(), what: "Declared \"x\"\nas SEV2".into() }],
        }
    }

    #[test]
    fn the_full_template_has_every_section_prefilled() {
        let md = markdown(&sample(), Depth::Full);
        for h in [
            "## Summary",
            "## Impact",
            "## Timeline (UTC)",
            "## Root cause",
            "## Contributing factors",
            "## Five whys",
            "## What went well",
            "## What went poorly",
            "## Where we got lucky",
            "## Lessons learned",
        ] {
            assert!(md.contains(h), "{h} missing:\n{md}");
        }
        assert!(md.contains("- **Duration:** 1 h 10 min"), "{md}");
        assert!(md.contains("- **Incident Commander:** Ben Okafor"));
        assert!(md.contains("| Time to detect / acknowledge / mitigate / resolve | 4 min / 1 min / — / 1 h 10 min |"), "{md}");
        assert!(md.contains("| 2026-11-22 09:00 UTC | Declared \"x\" as SEV2 |"), "one line per timeline row:\n{md}");
        assert!(md.starts_with("# Postmortem: Checkout | payments down\n"));
    }

    #[test]
    fn sev3_gets_the_lightweight_review_and_sev4_none() {
        let md = markdown(&sample(), Depth::Lightweight);
        assert!(md.contains("## Root cause") && md.contains("## Timeline (UTC)"));
        assert!(!md.contains("## Five whys") && !md.contains("## Lessons learned"));
        assert_eq!(Depth::for_severity(Severity::Sev1), Some(Depth::Full));
        assert_eq!(Depth::for_severity(Severity::Sev3), Some(Depth::Lightweight));
        assert_eq!(Depth::for_severity(Severity::Sev4), None);
    }
}
