//! Making text from data and config inert in Markdown, HTML and XML.
//!
//! Slice values and names come from files a reviewer does not read: they must not ping
//! anyone (`@team`), inject HTML (`<img>`), break a table (`|`), format text, link, or
//! start a line (GitLab runs `/merge` and other quick actions from note lines).

/// Longest text kept in one table cell, in characters.
const MAX_CELL: usize = 80;

/// Escapes `text` for a Markdown table cell or inline prose.
///
/// Newlines become spaces (a cell is one line), Markdown punctuation is backslash-escaped,
/// HTML-significant characters become entities, and `@` is followed by a word joiner so
/// that no mention is formed.
pub fn md(text: &str) -> String {
    md_limited(text, usize::MAX)
}

/// [`md`] for a value from the data (a slice value): also shortened to 80 characters.
pub fn md_cell(text: &str) -> String {
    md_limited(text, MAX_CELL)
}

fn md_limited(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (count, ch) in text.chars().enumerate() {
        if count == max {
            out.push('…');
            break;
        }
        match ch {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            // Only what can open a construct inside a line: cells never start a line.
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '#' | '$' => {
                out.push('\\');
                out.push(ch);
            }
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '@' => out.push_str("@\u{2060}"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Escapes an OpenMetrics label value.
pub fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        let s = md("@team <img src=x onerror=alert(1)> | `rm` [x](http://e) **b**\n/merge");
        assert!(!s.contains("@t"), "mention survives: {s}");
        assert!(!s.contains('<') && !s.contains('>'), "html survives: {s}");
        assert!(!s.contains(" | "), "pipe survives: {s}");
        assert!(s.contains("\\`rm\\`"), "{s}");
        assert!(s.contains("\\[x\\]"), "{s}");
        assert!(!s.contains('\n'));
        assert!(s.lines().all(|l| !l.trim_start().starts_with('/')), "{s}");
    }

    #[test]
    fn long_text_is_cut() {
        let s = md_cell(&"a".repeat(500));
        assert_eq!(md(&"a".repeat(500)).len(), 500);
        assert_eq!(s.chars().count(), MAX_CELL + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn xml_escapes_and_drops_invalid_chars() {
        assert_eq!(xml("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }

    #[test]
    fn openmetrics_labels() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
