//! The whole postmortem as one Markdown document (`GET /postmortems/{id}.md`): the text as
//! written, with what Klaxon tracks beside it put in — the status and authors in the header,
//! the action items as a table before "Lessons learned" (or at the end).

use chrono::NaiveDate;

use super::record::{ActionItem, PostmortemStatus};
use super::template::cell;

/// What the document's header gets from Klaxon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    pub status: PostmortemStatus,
    /// Everyone who wrote in it, in the order they first did.
    pub authors: Vec<String>,
    pub due_on: Option<NaiveDate>,
}

/// The action items as a Markdown table (a line saying there are none, when there are none).
pub fn items_table(items: &[ActionItem]) -> String {
    if items.is_empty() {
        return "No action items yet.\n".into();
    }
    let mut md = String::from("| Action | Owner | Priority | Due | Status |\n|---|---|---|---|---|\n");
    for i in items {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            match &i.link {
                // a link checked when it was saved: http(s), no spaces or brackets
                Some(l) => format!("[{}]({l})", cell(&i.title).replace('[', "\\[").replace(']', "\\]")),
                None => cell(&i.title),
            },
            cell(i.owner.as_ref().map_or("—", |(_, n)| n.as_str())),
            i.priority.label(),
            i.due_on.map_or_else(|| "—".to_string(), |d| d.to_string()),
            i.status.label()
        ));
    }
    md
}

/// The document: `body` as written, with `tracked` and `items` put in.
pub fn document(body: &str, tracked: &Tracked, items: &[ActionItem]) -> String {
    let mut header = format!("- **Status:** {}\n", tracked.status.label());
    header.push_str(&format!("- **Authors:** {}\n", if tracked.authors.is_empty() { "—".to_string() } else { tracked.authors.join(", ") }));
    if let Some(d) = tracked.due_on {
        header.push_str(&format!("- **Due:** {d}\n"));
    }
    let lines: Vec<&str> = body.lines().collect();
    // the header goes after the template's list of facts, else after the title, else first
    let after =
        lines.iter().position(|l| l.starts_with("- **Incident Commander:**")).or_else(|| lines.iter().position(|l| l.starts_with("# "))).map_or(0, |i| i + 1);
    let lessons = lines.iter().position(|l| l.trim_end().eq_ignore_ascii_case("## lessons learned")).filter(|&i| i >= after);
    let mut md = String::new();
    let push_lines = |md: &mut String, ls: &[&str]| {
        for l in ls {
            md.push_str(l);
            md.push('\n');
        }
    };
    push_lines(&mut md, &lines[..after]);
    md.push_str(&header);
    let items_section = format!("## Action items\n\n{}\n", items_table(items));
    match lessons {
        Some(at) => {
            push_lines(&mut md, &lines[after..at]);
            md.push_str(&items_section);
            push_lines(&mut md, &lines[at..]);
        }
        None => {
            push_lines(&mut md, &lines[after..]);
            if !md.ends_with("\n\n") {
                md.push('\n');
            }
            md.push_str(&items_section);
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ActionItemId, IncidentId, PostmortemId, UserId};
    use crate::domain::postmortem::record::{ItemStatus, Priority};

    fn item(title: &str, owner: Option<&str>, status: ItemStatus) -> ActionItem {
        ActionItem {
            id: ActionItemId(1),
            postmortem: PostmortemId(1),
            subject: crate::domain::postmortem::record::Subject::Incident(IncidentId(1)),
            subject_title: "Checkout down".into(),
            title: title.into(),
            owner: owner.map(|o| (UserId(2), o.to_string())),
            priority: Priority::P1,
            due_on: NaiveDate::from_ymd_opt(2026, 12, 4),
            status,
            link: None,
        }
    }

    fn tracked() -> Tracked {
        Tracked { status: PostmortemStatus::InReview, authors: vec!["Ben Okafor".into(), "Cleo Park".into()], due_on: None }
    }

    const BODY: &str = "# Postmortem: Checkout down\n\n- **Date:** 2026-11-22\n- **Severity:** SEV2\n- **Incident Commander:** Ben\n\n## Summary\n\nIt broke.\n\n## Lessons learned\n\nCanaries.\n";

    #[test]
    fn status_authors_and_items_go_where_the_template_had_them() {
        let md = document(BODY, &tracked(), &[item("Add a canary | stage", Some("Cleo Park"), ItemStatus::Open)]);
        let expected = "# Postmortem: Checkout down\n\n- **Date:** 2026-11-22\n- **Severity:** SEV2\n- **Incident Commander:** Ben\n\
            - **Status:** In review\n- **Authors:** Ben Okafor, Cleo Park\n\n## Summary\n\nIt broke.\n\n\
            ## Action items\n\n| Action | Owner | Priority | Due | Status |\n|---|---|---|---|---|\n\
            | Add a canary \\| stage | Cleo Park | P1 | 2026-12-04 | Open |\n\n## Lessons learned\n\nCanaries.\n";
        assert_eq!(md, expected);
    }

    #[test]
    fn a_body_rewritten_freely_still_gets_everything() {
        let md = document("Just some words", &tracked(), &[]);
        assert_eq!(md, "- **Status:** In review\n- **Authors:** Ben Okafor, Cleo Park\nJust some words\n\n## Action items\n\nNo action items yet.\n\n");
        let md = document("", &Tracked { authors: vec![], ..tracked() }, &[item("x", None, ItemStatus::Done)]);
        assert!(md.contains("- **Authors:** —") && md.contains("| x | — | P1 | 2026-12-04 | Done |"), "{md}");
    }
}
