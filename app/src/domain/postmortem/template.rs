//! The blameless postmortem template (the seeds'), as Markdown, started from a pre-fill:
//! header, Summary, Impact (a table), Timeline (UTC, a table), Root cause, Contributing
//! factors, Five whys, What went well, What went poorly, Where we got lucky, Lessons
//! learned. SEV3 gets the lightweight review (fewer sections). The status, the authors and
//! the action items are not in the text: Klaxon tracks them, and `export` puts them in.

use chrono::Duration;

use super::prefill::Prefill;
use crate::domain::incident::Severity;
use crate::domain::near_miss::NearMiss;

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

/// The lightweight review a near-miss starts as: what almost happened and what caught it
/// (the near-miss as recorded), then contributing factors, where we got lucky, what we
/// change and lessons learned — filled from the review written on its card, if it has one.
/// The action items are kept beside the text, as for every postmortem.
pub fn near_miss_markdown(n: &NearMiss) -> String {
    let mut md = String::new();
    md.push_str(&format!("# Near-miss review: {}\n\n", n.title.trim()));
    md.push_str(&format!("- **Occurred:** {}\n", n.occurred_at.format("%Y-%m-%d %H:%M UTC")));
    md.push_str(&format!("- **Service:** {}\n", n.service.as_ref().map_or("—", |s| s.name.as_str())));
    md.push_str(&format!("- **Recorded by:** {}\n\n", n.recorded_by.name));
    let section = |md: &mut String, heading: &str, text: &str| {
        md.push_str(&format!("## {heading}\n\n"));
        if !text.trim().is_empty() {
            md.push_str(text.trim());
            md.push('\n');
        }
        md.push('\n');
    };
    section(&mut md, "What almost happened", &n.what_happened);
    section(&mut md, "What caught it", &n.caught_by);
    let r = n.review.as_ref();
    section(&mut md, "Contributing factors", r.map_or("", |r| r.contributing.as_str()));
    section(&mut md, "Where we got lucky", r.map_or("", |r| r.lucky.as_str()));
    section(&mut md, "What we change", r.map_or("", |r| r.changes.as_str()));
    md.push_str("## Lessons learned\n\n");
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
    fn a_near_miss_review_starts_from_the_near_miss_and_its_card() {
        use crate::domain::ids::{NearMissId, UserId};
        use crate::domain::near_miss::Review;
        use crate::domain::roles::Person;
        let ada = Person { id: UserId(1), name: "Ada Lovelace".into() };
        let mut n = NearMiss {
            id: NearMissId(7),
            title: " Expired certificate on the API ".into(),
            what_happened: "The API's certificate had 2 days left.".into(),
            caught_by: "The weekly expiry check.".into(),
            service: None,
            occurred_at: t0(),
            recorded_by: ada.clone(),
            recorded_at: t0(),
            incident: None,
            review: None,
            postmortem: None,
        };
        let md = near_miss_markdown(&n);
        assert!(md.starts_with("# Near-miss review: Expired certificate on the API\n"), "{md}");
        assert!(md.contains("- **Occurred:** 2026-11-22 09:00 UTC\n- **Service:** —\n- **Recorded by:** Ada Lovelace\n"), "{md}");
        assert!(md.contains("## What almost happened\n\nThe API's certificate had 2 days left.\n\n## What caught it\n\nThe weekly expiry check.\n"), "{md}");
        assert!(md.contains("## Contributing factors\n\n\n## Where we got lucky\n\n\n## What we change\n\n\n## Lessons learned"), "empty sections:\n{md}");
        assert!(!md.contains("## Timeline") && !md.contains("Severity"), "a near-miss has no timeline or severity:\n{md}");
        n.review = Some(Review {
            contributing: "Renewal is by hand.".into(),
            lucky: "The check ran that week.".into(),
            changes: "Renew automatically.".into(),
            by: ada,
            at: t0(),
        });
        let md = near_miss_markdown(&n);
        assert!(md.contains("## Contributing factors\n\nRenewal is by hand.\n\n## Where we got lucky\n\nThe check ran that week.\n\n## What we change\n\nRenew automatically.\n"), "{md}");
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
