//! `modelgate metrics`: one file's metrics, overall and per slice.

use crate::cli::{Format, MetricsArgs};
use crate::data::{self, LabelValue, Request};
use crate::gate::{SliceKey, num};
use crate::metrics::{self, Groups, MetricId, Plan, Ranked};
use crate::report::{MetricsRow, escape, metrics_document};

use super::Error;

/// Runs `metrics`; returns the text to print.
pub fn metrics(args: &MetricsArgs) -> Result<String, Error> {
    if !args.threshold.is_finite() {
        return Err(Error::Usage("--threshold must be a finite number".into()));
    }
    let explicit = !args.metric.is_empty();
    let mut ids: Vec<MetricId> = Vec::new();
    for m in &args.metric {
        let id: MetricId = m
            .parse()
            .map_err(|e| Error::Usage(format!("--metric {m}: {e}")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if !explicit {
        ids = MetricId::default_set();
        // Unweighted, `rows` and `positives` repeat the n and n_pos columns.
        if args.weight.is_none() {
            ids.retain(|m| !matches!(m, MetricId::Rows | MetricId::Positives));
        }
    }
    let positive = args.positive.as_ref().map(|p| match p.parse::<i64>() {
        Ok(i) => LabelValue::Int(i),
        Err(_) => match p.as_str() {
            "true" => LabelValue::Bool(true),
            "false" => LabelValue::Bool(false),
            _ => LabelValue::Str(p.clone()),
        },
    });
    let req = Request {
        candidate: args.path.clone(),
        baseline: None,
        label: args.label.clone(),
        score: args.score.clone(),
        id: args.id.clone(),
        weight: args.weight.clone(),
        slicings: args.by.iter().map(|b| vec![b.clone()]).collect(),
        positive,
        // Metrics do not depend on the weights' scale: normalising only keeps sums finite.
        normalise_weights: true,
        max_slices: data::DEFAULT_MAX_SLICES,
    };
    let paired = data::load(&req).map_err(|mut e| {
        // The loader speaks of the config file; here the names come from flags.
        e.message = e
            .message
            .replace(
                "; set the right name under `columns:` in the config",
                "; name it with --label, --score, --id, --weight or --by",
            )
            .replace(
                "; set it under `columns:`",
                "; pass that name with --label, --score, --id, --weight or --by",
            );
        Error::Data(e)
    })?;
    let in_unit = paired.candidate.iter().all(|s| (0.0..=1.0).contains(s));
    if !in_unit {
        if let Some(m) = ids
            .iter()
            .find(|m| m.needs_probabilities())
            .filter(|_| explicit)
        {
            let why = format!("--metric {m} needs probabilities");
            data::check_unit_interval(&paired.candidate, &args.path, &args.score, &why)?;
        }
        ids.retain(|m| !m.needs_probabilities());
    }
    let plan = Plan {
        metrics: ids,
        threshold: args.threshold,
    };
    let ranked = Ranked::new(
        &paired.candidate,
        &paired.positive,
        paired.weight.as_deref(),
    );
    let mut rows: Vec<MetricsRow> = Vec::new();
    let mut push = |table: metrics::Table, keys: Vec<SliceKey>| {
        for (k, key) in keys.into_iter().enumerate() {
            rows.push(MetricsRow {
                slice: key,
                rows: table.rows[k],
                positives: table.positives[k],
                candidate: plan
                    .metrics
                    .iter()
                    .copied()
                    .zip(table.group(k).iter().copied())
                    .collect(),
                baseline: None,
            });
        }
    };
    push(
        metrics::evaluate(&ranked, Groups::ALL, &plan, |_, _, _| 1.0),
        vec![Vec::new()],
    );
    for s in &paired.slicings {
        let codes = ranked.gather(&s.codes);
        let table = metrics::evaluate(
            &ranked,
            Groups {
                codes: Some(&codes),
                count: s.len(),
            },
            &plan,
            |_, _, _| 1.0,
        );
        let keys = s
            .keys
            .iter()
            .map(|k| s.columns.iter().cloned().zip(k.iter().cloned()).collect())
            .collect();
        push(table, keys);
    }
    let mut out = match args.format {
        Format::Json => metrics_document(&rows),
        Format::Csv => csv(&rows, &plan),
        Format::Markdown => markdown(&rows, &plan),
        Format::Table => table(&rows, &plan),
    };
    if !in_unit && !explicit && args.format == Format::Table {
        out.push_str("\n(scores leave [0, 1]: log_loss, brier and ece are not shown)\n");
    }
    Ok(out)
}

fn slice_text(slice: &SliceKey) -> String {
    crate::report::slice_label(slice)
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

fn header(plan: &Plan) -> Vec<String> {
    let mut h = vec!["slice".to_string(), "n".to_string(), "n_pos".to_string()];
    h.extend(plan.metrics.iter().map(|m| m.to_string()));
    h
}

fn table(rows: &[MetricsRow], plan: &Plan) -> String {
    let mut grid = vec![header(plan)];
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

fn csv(rows: &[MetricsRow], plan: &Plan) -> String {
    let mut s = header(plan)
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

fn markdown(rows: &[MetricsRow], plan: &Plan) -> String {
    let h = header(plan);
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
