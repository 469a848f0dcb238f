//! GitHub Actions' files and workflow commands: job summary, step outputs, annotations.

use std::collections::hash_map::RandomState;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::Path;

use super::{Annotation, Level};

/// GitHub's limit on one step's summary.
pub(crate) const SUMMARY_LIMIT_BYTES: usize = 1024 * 1024;

/// Annotations of one level GitHub shows per step (ten errors, ten warnings); more are
/// dropped silently, so we stop at this many and add one notice with the count.
pub(crate) const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// Escape a workflow command's message, so data cannot end the line and start a command.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value (also `:` and `,`, which delimit properties).
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error` line per blocking failure and one `::warning` line per warning, at most
/// [`MAX_ANNOTATIONS_PER_LEVEL`] of each, then a notice with the count of the rest.
pub(crate) fn annotation_lines(annotations: &[Annotation]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = 0usize;
    for (level, command) in [(Level::Error, "error"), (Level::Warning, "warning")] {
        let of_level: Vec<&Annotation> = annotations.iter().filter(|a| a.level == level).collect();
        lines.extend(of_level.iter().take(MAX_ANNOTATIONS_PER_LEVEL).map(|a| {
            format!(
                "::{command} title={}::{}",
                escape_property(&a.title),
                escape_data(&a.message)
            )
        }));
        rest += of_level.len().saturating_sub(MAX_ANNOTATIONS_PER_LEVEL);
    }
    if rest > 0 {
        let s = if rest == 1 { "" } else { "s" };
        lines.push(format!(
            "::notice title=modelgate::{rest} more gate result{s} not annotated; see the job summary"
        ));
    }
    lines
}

/// Bytes still free in the step summary file (other tools in the step may have written).
pub(crate) fn summary_room(path: &Path) -> usize {
    let used = std::fs::metadata(path).map_or(0, |m| m.len());
    SUMMARY_LIMIT_BYTES.saturating_sub(usize::try_from(used).unwrap_or(usize::MAX))
}

/// Append `text` to a file GitHub provides (`$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`).
pub(crate) fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut f = OpenOptions::new().append(true).create(true).open(path)?;
    f.write_all(text.as_bytes())?;
    f.flush()
}

/// `$GITHUB_OUTPUT` lines for `pairs`, in the heredoc form so any value (also a multi-line
/// one) round-trips; the delimiter is random and checked not to occur in the value.
pub(crate) fn output_text(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        let mut delim = delimiter();
        while value.contains(&delim) {
            delim = delimiter();
        }
        out.push_str(&format!("{key}<<{delim}\n{value}\n{delim}\n"));
    }
    out
}

fn delimiter() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("ghadelimiter_{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(
            escape_data("50% done\r\n::set-env"),
            "50%25 done%0D%0A::set-env"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn at_most_ten_errors_then_a_notice() {
        let anns: Vec<Annotation> = (0..13)
            .map(|i| Annotation {
                level: Level::Error,
                title: format!("roc_auc, slice {i}: fail"),
                message: format!("line one\n::warning::injected {i}"),
            })
            .collect();
        let lines = annotation_lines(&anns);
        assert_eq!(lines.len(), 11);
        assert!(lines[..10].iter().all(|l| l.starts_with("::error title=")));
        assert_eq!(
            lines[0],
            "::error title=roc_auc%2C slice 0%3A fail::line one%0A::warning::injected 0"
        );
        assert!(lines.iter().all(|l| !l.contains('\n')));
        assert_eq!(
            lines[10],
            "::notice title=modelgate::3 more gate results not annotated; see the job summary"
        );
        assert_eq!(annotation_lines(&anns[..2]).len(), 2);
    }

    #[test]
    fn warnings_are_warning_annotations_counted_apart() {
        let ann = |level, i| Annotation {
            level,
            title: format!("t{i}"),
            message: "m".into(),
        };
        let mut anns: Vec<Annotation> = (0..12).map(|i| ann(Level::Warning, i)).collect();
        anns.push(ann(Level::Error, 99));
        let lines = annotation_lines(&anns);
        assert_eq!(lines[0], "::error title=t99::m");
        assert_eq!(lines[1], "::warning title=t0::m");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::warning ")).count(),
            10
        );
        assert_eq!(
            lines.last().map(String::as_str),
            Some(
                "::notice title=modelgate::2 more gate results not annotated; see the job summary"
            )
        );
    }

    #[test]
    fn outputs_use_heredoc_with_safe_delimiter() {
        let text = output_text(&[("verdict", "fail"), ("comment-url", "a\nb")]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("verdict<<ghadelimiter_"));
        let delim = &lines[0]["verdict<<".len()..];
        assert_eq!(lines[1], "fail");
        assert_eq!(lines[2], delim);
        assert!(lines[3].starts_with("comment-url<<"));
        assert_eq!(&lines[4..6], ["a", "b"]);
    }
}
