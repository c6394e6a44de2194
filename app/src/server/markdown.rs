//! Markdown as people write it in Klaxon (postmortems), to HTML for reading: CommonMark with
//! tables and strikethrough. Raw HTML in the text is shown as text, never passed through, so
//! what someone types cannot run in another reader's browser.

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Whether a link may be followed: web and mail addresses, and paths within Klaxon.
fn safe_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    match lower.split_once(':') {
        // a colon before any slash, query or fragment is a scheme
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => matches!(scheme, "http" | "https" | "mailto"),
        _ => true,
    }
}

fn guard(url: CowStr<'_>) -> CowStr<'_> {
    if safe_url(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// The HTML of `markdown`, its headings one level down (`#` is `<h2>`, …, `######` stays
/// `<h6>`): it is shown under the page's own `<h1>`.
pub fn to_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let events = Parser::new_ext(markdown, options).map(|e| match e {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Heading { level, id, classes, attrs }) => Event::Start(Tag::Heading { level: lower(level), id, classes, attrs }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => Event::Start(Tag::Link { link_type, dest_url: guard(dest_url), title, id }),
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => Event::Start(Tag::Image { link_type, dest_url: guard(dest_url), title, id }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn tables_render_and_raw_html_is_text() {
        let html = to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script> <b onclick=x>hi</b>\n");
        assert!(html.contains("<table>") && html.contains("<td>1</td>"), "{html}");
        assert!(!html.contains("<script>") && !html.contains("<b onclick"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn headings_sit_under_the_page_title() {
        assert_eq!(to_html("# A\n\n## B\n\n###### C\n"), "<h2>A</h2>\n<h3>B</h3>\n<h6>C</h6>\n");
    }

    #[test]
    fn links_cannot_run_script() {
        for bad in ["[x](javascript:alert(1))", "[x]( JavaScript:alert(1))", "![x](data:text/html;base64,xx)", "<javascript:alert(1)>"] {
            let html = to_html(bad);
            assert!(html.contains("=\"#\""), "{bad}: {html}");
            assert!(!html.contains("href=\"j") && !html.contains("href=\"J") && !html.contains("src=\"d"), "{bad}: {html}");
        }
        assert!(to_html("[runbook](/runbooks) [site](https://example.com/a:b)").contains("href=\"/runbooks\""));
        assert!(to_html("[site](https://example.com/a:b)").contains("href=\"https://example.com/a:b\""));
    }
}
