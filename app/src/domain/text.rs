//! Text as people type it, checked once where it comes in: trimmed, bounded in characters,
//! and free of control characters (a NUL fails on PostgreSQL, and C0 characters would make
//! the RSS and Atom feeds invalid XML). Only a multi-line text keeps newlines and tabs.

/// Whether a text is one line (titles, names) or several (notes, updates, messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The first character of `s` that a stored text may not hold, if any.
pub fn forbidden_char(s: &str, lines: Lines) -> Option<char> {
    s.chars().find(|&c| {
        let allowed_space = lines == Lines::Many && matches!(c, '\n' | '\r' | '\t');
        // U+FFFE and U+FFFF are not characters, and XML refuses them
        (c.is_control() && !allowed_space) || c == '\u{FFFE}' || c == '\u{FFFF}'
    })
}

/// `value`, trimmed, if it has `min` to `max` characters and none forbidden; otherwise a
/// message that names the field (`what`, e.g. "The title").
pub fn checked(value: &str, what: &str, min: usize, max: usize, lines: Lines) -> Result<String, String> {
    let t = value.trim();
    if let Some(c) = forbidden_char(t, lines) {
        return Err(format!("{what} must not contain control characters (found U+{:04X}).", c as u32));
    }
    let n = t.chars().count();
    if n < min {
        return Err(if min <= 1 { format!("{what} must not be empty.") } else { format!("{what} must have at least {min} characters.") });
    }
    if n > max {
        return Err(format!("{what} must have at most {max} characters (it has {n})."));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_lines_and_tabs_kept_where_they_belong() {
        assert_eq!(checked("  Checkout  ", "The title", 1, 10, Lines::One), Ok("Checkout".into()));
        assert_eq!(checked("a\nb\tc\r\nd", "The note", 1, 100, Lines::Many), Ok("a\nb\tc\r\nd".into()));
        for bad in ["a\0b", "a\u{1b}[31m", "a\u{7f}", "a\u{85}b", "x\u{FFFF}y", "bell\u{7}"] {
            let e = checked(bad, "The note", 1, 100, Lines::Many).unwrap_err();
            assert!(e.starts_with("The note must not contain control characters"), "{bad:?}: {e}");
        }
        assert!(checked("a\nb", "The title", 1, 100, Lines::One).is_err());
        assert!(checked("a\tb", "The title", 1, 100, Lines::One).is_err());
    }

    #[test]
    fn lengths_count_characters_after_trimming() {
        assert_eq!(checked("   ", "The body", 1, 5, Lines::Many), Err("The body must not be empty.".into()));
        assert_eq!(checked("ab", "The title", 3, 5, Lines::One), Err("The title must have at least 3 characters.".into()));
        assert_eq!(checked("ééééé", "The title", 1, 5, Lines::One), Ok("ééééé".into()));
        assert_eq!(checked("abcdef", "The title", 1, 5, Lines::One), Err("The title must have at most 5 characters (it has 6).".into()));
        assert_eq!(checked("", "The description", 0, 5, Lines::Many), Ok(String::new()));
    }
}
