//! The `metrics` command's outputs: an aligned terminal table, CSV and Markdown (the JSON
//! is [`super::metrics_document`]).

use super::{escape, num};
use crate::measure::{MetricsRow, SliceKey};
use crate::metrics::MetricId;

fn slice_text(slice: &SliceKey) -> String {
    super::slice_label(slice)
}

fn cells(row: &MetricsRow) -> Vec<String> {
    let mut c = vec![
        slice_text(&row.slice),
        row.rows.to_string(),
        row.positives.to_string(),
    ];
    c.extend(row.candidate.iter().map(|(_, v)| match v {
        Ok(x) => num(*x),
        Err(_) => "undefined".into(),
    }));
    c
}

fn header(metrics: &[MetricId]) -> Vec<String> {
    let mut h = vec!["slice".to_string(), "n".to_string(), "n_pos".to_string()];
    h.extend(metrics.iter().map(|m| m.to_string()));
    h
}

/// The table's closing line when the default set left out the metrics that need
/// probabilities (the scores leave [0, 1]).
pub const PROBABILITY_METRICS_HIDDEN: &str =
    "\n(scores leave [0, 1]: log_loss, brier and ece are not shown)\n";

/// The `metrics` command's table output.
pub fn metrics_table(rows: &[MetricsRow], metrics: &[MetricId]) -> String {
    let mut grid = vec![header(metrics)];
    // A terminal table: slice values from the data cannot start a line or send escapes.
    grid.extend(rows.iter().map(|r| {
        let mut c = cells(r);
        c[0] = escape::terminal(&c[0]);
        c
    }));
    let widths: Vec<usize> = (0..grid[0].len())
        .map(|j| grid.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    let mut s = String::new();
    for (i, r) in grid.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(j, c)| {
                if j == 0 {
                    format!("{c:<w$}", w = widths[j])
                } else {
                    format!("{c:>w$}", w = widths[j])
                }
            })
            .collect();
        s.push_str(line.join("  ").trim_end());
        s.push('\n');
        if i == 0 {
            s.push_str(
                &widths
                    .iter()
                    .map(|w| "─".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
            s.push('\n');
        }
    }
    s
}

fn csv_field(s: &str) -> String {
    // Quote fields that need it, and defuse spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The `metrics` command's csv output.
pub fn metrics_csv(rows: &[MetricsRow], metrics: &[MetricId]) -> String {
    let mut s = header(metrics)
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    for r in rows {
        let mut c = vec![
            slice_text(&r.slice),
            r.rows.to_string(),
            r.positives.to_string(),
        ];
        // Full precision in CSV: it is for machines.
        c.extend(
            r.candidate
                .iter()
                .map(|(_, v)| v.map(|x| x.to_string()).unwrap_or_default()),
        );
        s.push_str(&c.iter().map(|x| csv_field(x)).collect::<Vec<_>>().join(","));
        s.push('\n');
    }
    s
}

/// The `metrics` command's markdown output.
pub fn metrics_markdown(rows: &[MetricsRow], metrics: &[MetricId]) -> String {
    let h = header(metrics);
    let mut s = format!(
        "| {} |\n",
        h.iter()
            .map(|x| escape::md(x))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    s.push_str(&format!("|{}\n", "---|".repeat(h.len())));
    for r in rows {
        let c = cells(r);
        s.push_str(&format!(
            "| {} |\n",
            c.iter()
                .map(|x| escape::md(x))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    s
}
