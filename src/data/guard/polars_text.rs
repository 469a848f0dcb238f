//! Reading polars' own text (gap 9 of [`super`]): its error messages and the names it
//! gives repeated CSV headers. Both are polars 0.55.2's; a change of wording in polars
//! shows up as a longer message or a missed duplicate, never as a crash.

use polars::prelude::PolarsError;

/// The first line of a polars error, trimmed: the rest is hints for Python users and,
/// with `POLARS_BACKTRACE`, a backtrace.
pub(crate) fn first_line(e: &PolarsError) -> String {
    let text = e.to_string();
    text.lines().next().unwrap_or("").trim().to_string()
}

/// A polars error while reading a file of format `kind`, as the typed cause the reader
/// recognises (it adds the line polars' message lacks).
pub(crate) fn describe(kind: &str, e: &PolarsError) -> crate::data::Cause {
    crate::data::Cause::PolarsRead {
        format: kind.to_string(),
        detail: first_line(e),
    }
}

/// How many copies of the column `name` a CSV header has: polars keeps the first under
/// its name and renames the others `<name>_duplicated_<n>` (n = 0, 1, …).
pub(crate) fn header_copies(name: &str, columns: &[String]) -> usize {
    let renamed = columns
        .iter()
        .filter(|c| {
            c.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix("_duplicated_"))
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .count();
    usize::from(columns.iter().any(|c| c == name)) + renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_line_of_an_error_is_kept() {
        let e = PolarsError::ComputeError("bad row\n\nHint: try infer_schema_length".into());
        assert_eq!(
            describe("CSV", &e).to_string(),
            "cannot read the file as CSV: bad row"
        );
    }

    #[test]
    fn renamed_header_copies_are_counted() {
        let cols: Vec<String> = ["score", "score_duplicated_0", "score_duplicated_x", "label"]
            .map(String::from)
            .to_vec();
        assert_eq!(header_copies("score", &cols), 2);
        assert_eq!(header_copies("label", &cols), 1);
        assert_eq!(header_copies("id", &cols), 0);
    }
}
