//! `modelgate metrics`: one file's metrics, overall and per slice.

use crate::cli::{Format, MetricsArgs};
use crate::data::{self, LabelValue, Request, Vocabulary};
use crate::measure;
use crate::metrics::{MetricId, Plan};
use crate::report::{
    PROBABILITY_METRICS_HIDDEN, metrics_csv, metrics_document, metrics_markdown, metrics_table,
};

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
        if id.compares_models() {
            return Err(Error::Usage(format!(
                "--metric {m}: `{id}` compares a candidate with a baseline on the same rows; use it in a `check` gate (this command reads one file)"
            )));
        }
        if id.is_skew() {
            return Err(Error::Usage(format!(
                "--metric {m}: `{id}` compares offline and online feature values (the `skew:` files of a `check` config); this command reads predictions"
            )));
        }
        if !id.belongs_to(crate::task::Task::Binary) {
            return Err(Error::Usage(format!(
                "--metric {m}: `modelgate metrics` computes binary metrics; gate `{id}` with `modelgate check` and `task: {}` in the config",
                id.tasks().first().map_or("binary", |t| t.as_str())
            )));
        }
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
        task: crate::task::Task::Binary,
        cluster: None,
    };
    // The loader's fixes are worded for flags: `metrics` has no config file.
    let paired = data::load(&req).map_err(|e| Error::Data(e.in_words_of(Vocabulary::Flags)))?;
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
    let rows = measure::metric_rows(&paired, &plan);
    let mut out = match args.format {
        Format::Json => metrics_document(&rows),
        Format::Csv => metrics_csv(&rows, &plan.metrics),
        Format::Markdown => metrics_markdown(&rows, &plan.metrics),
        Format::Table => metrics_table(&rows, &plan.metrics),
    };
    if !in_unit && !explicit && args.format == Format::Table {
        out.push_str(PROBABILITY_METRICS_HIDDEN);
    }
    Ok(out)
}
