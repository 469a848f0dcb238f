//! Making text from data and config inert in Markdown, HTML, XML and on a terminal.
//!
//! Slice values and names come from files a reviewer does not read: they must not ping
//! anyone (`@team`), inject HTML (`<img>`), break a table (`|`), format text, link, or
//! start a line (GitLab runs `/merge` and other quick actions from note lines). On a
//! terminal or a CI log they must not start a line either (GitHub runs `::error` and other
//! workflow commands from log lines) nor send escape sequences.

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
            // A raw CR would be normalised away by every XML parser: keep it as a reference.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(ch),
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

/// Escapes text for one line of a terminal or CI log: every control character (newlines,
/// carriage returns, escape sequences, C1 controls), Unicode line separators and bidi
/// overrides become visible `\n`, `\r`, `\t` or `\u{…}` escapes, and a backslash is
/// doubled so that escapes cannot be forged.
pub fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        push_terminal(&mut out, ch);
    }
    out
}

fn push_terminal(out: &mut String, ch: char) {
    match ch {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
        {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
        c => out.push(c),
    }
}

/// [`terminal`] for a message of several lines: the line breaks stay, every other control
/// character is escaped, and every line starts with `prefix`, so that no line of it can be
/// read as a workflow command (`::error …`).
pub fn terminal_lines(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + prefix.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(prefix);
        for ch in line.chars() {
            if ch == '\\' {
                out.push(ch); // paths on Windows; only line starts matter here
            } else {
                push_terminal(&mut out, ch);
            }
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
    fn terminal_text_cannot_start_a_line_or_send_escapes() {
        let s = terminal("DE\n::error title=X::forged\r\x1b[2J\u{202E}\\n");
        assert!(!s.contains('\n') && !s.contains('\r') && !s.contains('\x1b'));
        assert_eq!(s, "DE\\n::error title=X::forged\\r\\u{1b}[2J\\u{202e}\\\\n");
        let m = terminal_lines("first\n::error::x\r\nthird", "modelgate: ");
        assert_eq!(
            m,
            "modelgate: first\nmodelgate: ::error::x\\r\nmodelgate: third"
        );
        assert!(m.lines().all(|l| l.starts_with("modelgate: ")));
    }

    #[test]
    fn openmetrics_labels() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
