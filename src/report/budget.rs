//! Size budgets: a report as ordered sections, so the least important can go first.
//!
//! Platforms cap what they show (a GitHub comment at 65,536 characters, a step summary at
//! 1 MiB). [`Document::fit`] drops whole low-priority sections, then cuts the least
//! important remaining one at a line boundary, and always leaves valid Markdown: open
//! `<details>` blocks and code fences are closed, a table is never cut inside a row.

/// A rendered Markdown report as ordered sections, so a size budget can drop the least
/// important first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The sections, in reading order.
    pub sections: Vec<Section>,
}

/// One block of the report (a heading and what follows it, a table, a `<details>` block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 0 = must keep (verdict, gates table); a higher number is dropped first.
    pub priority: u8,
    /// The section's Markdown. Trailing newlines are ignored: [`Document::render`]
    /// separates sections with one blank line.
    pub markdown: String,
}

impl Section {
    /// A section with the given priority (0 = must keep).
    pub fn new(priority: u8, markdown: impl Into<String>) -> Self {
        Section {
            priority,
            markdown: markdown.into(),
        }
    }

    fn body(&self) -> &str {
        self.markdown.trim_end_matches(['\n', '\r'])
    }
}

/// Separator between sections: a blank line, which also ends any table or paragraph.
const SEP: &str = "\n\n";

impl Document {
    /// All sections, separated by a blank line, ending with a newline.
    pub fn render(&self) -> String {
        let parts: Vec<&str> = self.sections.iter().map(Section::body).collect();
        join(&parts, None)
    }

    /// The report in at most `limit_chars` characters (Unicode scalar values).
    ///
    /// Sections are dropped highest priority number first (among equals, the later one
    /// first); priority 0 sections are never dropped while a cut can still keep part of
    /// them. If the kept sections are still too long, the least important of them is cut at
    /// a line boundary (never inside a table row), open `<details>` blocks and code fences
    /// are closed, and a one-line note says what was left out and links to `run_url`.
    pub fn fit(&self, limit_chars: usize, run_url: Option<&str>) -> String {
        let bodies: Vec<&str> = self.sections.iter().map(Section::body).collect();
        let lens: Vec<usize> = bodies.iter().map(|b| b.chars().count()).collect();
        if joined_len(&lens, None) <= limit_chars {
            return join(&bodies, None);
        }

        // Removal order: least important first; among equal priorities, the later first.
        let mut order: Vec<usize> = (0..bodies.len()).collect();
        order.sort_by_key(|&i| {
            (
                std::cmp::Reverse(self.sections[i].priority),
                std::cmp::Reverse(i),
            )
        });

        let mut kept = vec![true; bodies.len()];
        let mut omitted = 0usize;
        for &i in &order {
            if self.sections[i].priority > 0 {
                kept[i] = false;
                omitted += 1;
                let note = note(omitted, false, run_url);
                let rest = kept_lens(&lens, &kept, None);
                if joined_len(&rest, Some(note.chars().count())) <= limit_chars {
                    return assemble(&bodies, &kept, None, &note);
                }
                continue;
            }
            // A must-keep section: cut it to what remains of the budget. It adds its text
            // plus one separator to the other kept sections and the note.
            let note = note(omitted, true, run_url);
            let others = kept_lens(&lens, &kept, Some(i));
            let fixed = joined_len(&others, Some(note.chars().count())) + SEP.len();
            if let Some(cut) = cut_markdown(bodies[i], limit_chars.saturating_sub(fixed)) {
                return assemble(&bodies, &kept, Some((i, cut)), &note);
            }
            // Not even one line fits: drop it and cut the next one.
            kept[i] = false;
            omitted += 1;
        }
        // Nothing fits but the note, itself cut to the limit if it must be.
        let note = note(omitted, false, run_url);
        let mut out: String = note.chars().take(limit_chars.saturating_sub(1)).collect();
        if limit_chars > 0 {
            out.push('\n');
        }
        out
    }
}

/// Lengths of the kept sections, leaving out `skip`.
fn kept_lens(lens: &[usize], kept: &[bool], skip: Option<usize>) -> Vec<usize> {
    lens.iter()
        .enumerate()
        .filter(|&(i, _)| kept[i] && Some(i) != skip)
        .map(|(_, &l)| l)
        .collect()
}

/// Length of sections joined by [`SEP`], plus an optional trailing note, plus the final
/// newline.
fn joined_len(lens: &[usize], note: Option<usize>) -> usize {
    let parts = lens.len() + usize::from(note.is_some());
    let text: usize = lens.iter().sum::<usize>() + note.unwrap_or(0);
    text + SEP.len() * parts.saturating_sub(1) + 1
}

fn join(parts: &[&str], note: Option<&str>) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 2).sum::<usize>() + 64);
    for p in parts.iter().copied().chain(note) {
        if !out.is_empty() {
            out.push_str(SEP);
        }
        out.push_str(p);
    }
    out.push('\n');
    out
}

fn assemble(bodies: &[&str], kept: &[bool], cut: Option<(usize, String)>, note: &str) -> String {
    let parts: Vec<&str> = bodies
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match &cut {
            Some((j, text)) if *j == i => Some(text.as_str()),
            _ if kept[i] => Some(*b),
            _ => None,
        })
        .collect();
    join(&parts, Some(note))
}

/// The one-line truncation note.
fn note(omitted: usize, cut: bool, run_url: Option<&str>) -> String {
    let plural = if omitted == 1 { "" } else { "s" };
    let mut s = format!("… truncated: {omitted} section{plural} omitted");
    if cut {
        s.push_str(", one cut short");
    }
    match run_url {
        Some(url) if !url.is_empty() => {
            s.push_str(", see the full report ");
            s.push_str(url);
        }
        _ => s.push_str("; the full report is in the job's output"),
    }
    s
}

/// Markdown block state while scanning lines: what must be closed if we stop here.
#[derive(Clone, Default)]
struct Open {
    /// The opening fence (e.g. "```" or "~~~~"), while inside a fenced code block.
    fence: Option<String>,
    /// How many `<details>` blocks are open.
    details: usize,
}

impl Open {
    /// The Markdown that closes every open block, with a blank line first so a table or
    /// paragraph ends before an HTML line.
    fn closers(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.fence {
            s.push('\n');
            s.push_str(f);
        }
        if self.details > 0 {
            s.push('\n');
            for _ in 0..self.details {
                s.push_str("\n</details>");
            }
        }
        s
    }

    fn closers_len(&self) -> usize {
        self.fence.as_ref().map_or(0, |f| 1 + f.chars().count())
            + if self.details > 0 {
                1 + self.details * "\n</details>".len()
            } else {
                0
            }
    }

    /// Update the state with one line of the text.
    fn feed(&mut self, line: &str) {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if let Some(open) = &self.fence {
            // A closing fence: the same character, at least as long, nothing after it.
            let ch = open.as_bytes()[0] as char;
            let run = t.chars().take_while(|&c| c == ch).count();
            if indent < 4 && run >= open.len() && t[run..].trim().is_empty() {
                self.fence = None;
            }
            return;
        }
        if indent < 4 {
            for ch in ['`', '~'] {
                let run = t.chars().take_while(|&c| c == ch).count();
                if run >= 3 && !(ch == '`' && t[run..].contains('`')) {
                    self.fence = Some(std::iter::repeat_n(ch, run).collect());
                    return;
                }
            }
        }
        let lower = line.to_ascii_lowercase();
        let opens = count_tag(&lower, "<details");
        let closes = lower.matches("</details>").count();
        self.details = (self.details + opens).saturating_sub(closes);
    }
}

/// Occurrences of an opening tag `tag` followed by `>` or whitespace (not `<detailsfoo`).
fn count_tag(lower: &str, tag: &str) -> usize {
    lower
        .match_indices(tag)
        .filter(|(i, _)| {
            lower[i + tag.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == '>' || c.is_whitespace())
        })
        .count()
}

/// The longest prefix of `text` ending at a line boundary whose length plus the closers of
/// its open blocks is at most `room` characters; `None` when not even one line fits.
fn cut_markdown(text: &str, room: usize) -> Option<String> {
    let mut state = Open::default();
    let mut used = 0usize; // characters of the prefix so far (lines joined by '\n')
    let mut best: Option<(usize, Open)> = None; // byte end of the prefix, state there
    let mut pos = 0usize;
    for line in text.split('\n') {
        let line_chars = line.chars().count() + usize::from(pos > 0);
        let end = pos + line.len();
        state.feed(line);
        used += line_chars;
        if used + state.closers_len() <= room {
            best = Some((end, state.clone()));
        } else if used > room {
            break;
        }
        pos = end + 1;
    }
    let (end, state) = best?;
    let prefix = text[..end].trim_end_matches(['\n', '\r']);
    if prefix.trim().is_empty() {
        return None;
    }
    let mut out = String::with_capacity(end + 32);
    out.push_str(prefix);
    out.push_str(&state.closers());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice_table(rows: usize) -> String {
        let mut s = String::from(
            "<details><summary>All slices</summary>\n\n| slice | rows | roc_auc |\n| --- | ---: | ---: |\n",
        );
        for i in 0..rows {
            s.push_str(&format!(
                "| country=C{i:05} | {} | 0.{:04} |\n",
                100 + i,
                i % 10_000
            ));
        }
        s.push_str("\n</details>\n");
        s
    }

    fn doc(rows: usize) -> Document {
        Document {
            sections: vec![
                Section::new(
                    0,
                    "## ❌ fraud-scorer: fail\n\n1 of 3 blocking gates failed.",
                ),
                Section::new(0, "| gate | status |\n| --- | --- |\n| roc_auc | fail |"),
                Section::new(
                    1,
                    "<details><summary>Details</summary>\n\n```text\nseed 7\n```\n\n</details>",
                ),
                Section::new(2, slice_table(rows)),
            ],
        }
    }

    /// Checks the invariants every fitted report must hold.
    fn assert_well_formed(out: &str, limit: usize) {
        assert!(
            out.chars().count() <= limit,
            "{} > {limit}",
            out.chars().count()
        );
        assert!(out.ends_with('\n'));
        let mut st = Open::default();
        for line in out.split('\n') {
            st.feed(line);
            // Every table row is whole: it starts and ends with a pipe.
            if line.starts_with('|') {
                assert!(line.ends_with('|'), "cut row: {line:?}");
            }
        }
        assert!(st.fence.is_none(), "open fence in {out:?}");
        assert_eq!(st.details, 0, "open <details>");
    }

    #[test]
    fn render_joins_sections_with_blank_lines() {
        let d = Document {
            sections: vec![Section::new(0, "a\n\n"), Section::new(1, "| x |\n")],
        };
        assert_eq!(d.render(), "a\n\n| x |\n");
        assert_eq!(d.fit(100, None), d.render());
    }

    #[test]
    fn drops_slice_table_first_then_details() {
        let d = doc(5_000);
        let full = d.render();
        assert!(full.chars().count() > 65_536);

        let out = d.fit(65_536, Some("https://ci/run/1"));
        assert_well_formed(&out, 65_536);
        assert!(out.contains("1 of 3 blocking gates failed"));
        assert!(out.contains("<summary>Details</summary>"), "details kept");
        assert!(!out.contains("All slices"));
        assert!(
            out.trim_end()
                .ends_with("… truncated: 1 section omitted, see the full report https://ci/run/1")
        );

        // Just above the two must-keep sections: details go too.
        let must = d.sections[0].body().len() + d.sections[1].body().len();
        let out = d.fit(must + 120, None);
        assert_well_formed(&out, must + 120);
        assert!(!out.contains("Details"));
        assert!(out.contains("| roc_auc | fail |"));
        assert!(out.contains("2 sections omitted"));
    }

    #[test]
    fn cuts_must_keep_table_between_rows_and_closes_details() {
        let d = Document {
            sections: vec![
                Section::new(0, "## verdict: fail"),
                Section::new(0, slice_table(5_000)),
            ],
        };
        assert!(d.render().len() > 150_000);
        for limit in [200, 1_000, 65_536, 150_000] {
            let out = d.fit(limit, Some("https://ci/run/2"));
            assert_well_formed(&out, limit);
            assert!(out.starts_with("## verdict: fail"));
            assert!(out.contains("one cut short"), "{limit}");
            assert!(out.contains("</details>"));
            // The table keeps as many rows as fit: the budget is mostly used.
            if limit >= 65_536 {
                assert!(out.chars().count() > limit - 200, "{limit}: {}", out.len());
            }
        }
    }

    #[test]
    fn closes_an_open_fence() {
        let mut code = String::from("```text\n");
        for i in 0..1_000 {
            code.push_str(&format!("line {i}\n"));
        }
        code.push_str("```");
        let d = Document {
            sections: vec![Section::new(0, "head"), Section::new(0, code)],
        };
        let out = d.fit(500, None);
        assert_well_formed(&out, 500);
        assert!(out.contains("line 3\n"));
        assert!(out.contains("\n```\n\n… truncated"));
    }

    #[test]
    fn never_exceeds_limit_even_when_tiny() {
        let d = doc(50);
        for limit in [0, 1, 5, 40, 80, 120, 300, 2_000] {
            let out = d.fit(limit, Some("https://example/run"));
            assert!(out.chars().count() <= limit, "{limit}: {out:?}");
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 'é' is two bytes: a byte count would cut this early.
        let d = Document {
            sections: vec![Section::new(0, "é".repeat(100))],
        };
        assert_eq!(d.fit(101, None).chars().count(), 101);
    }

    #[test]
    fn details_tag_counting() {
        let mut st = Open::default();
        st.feed("<details open><summary>x</summary>");
        st.feed("<detailsfoo>");
        assert_eq!(st.details, 1);
        st.feed("</details>");
        assert_eq!(st.details, 0);
        st.feed("````md");
        st.feed("```");
        assert!(st.fence.is_some(), "shorter fence does not close");
        st.feed("````");
        assert!(st.fence.is_none());
    }
}
