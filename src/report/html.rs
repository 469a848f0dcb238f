//! The HTML report: one self-contained file with the verdict, the gate table and charts
//! (ROC, precision–recall, reliability, a forest plot of slice results, score
//! distributions), inline SVG and CSS only: no script, font or image is loaded from
//! anywhere, so it reads offline as a CI artifact.
//!
//! This module turns numbers into pixel coordinates and tick labels; all markup is in the
//! minijinja template `jinja/report.html.j2` (HTML auto-escaping on, so a slice value
//! from the data is text, never markup).
//!
//! Size budget ([`SIZE_BUDGET`]): every curve is downsampled to at most [`CURVE_CAP`]
//! points (`metrics::curves::downsample`, error stated in the chart's caption) and the
//! forest plot shows at most [`FOREST_ROWS`] slices per gate, so the file's size does not
//! grow with the number of rows.

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, context};
use serde::Serialize;

use super::{Run, not_judged_text, slice_label};
use super::{num, reason};
use crate::config::Rule;
use crate::gate::{Outcome, Status, Verdict};
use crate::measure::charts::{
    CALIBRATION_BINS, CURVE_CAP, Charts, HISTOGRAM_BINS, ModelCharts, SliceCharts,
};
use crate::metrics::Direction;
use crate::metrics::curves::Curve;

const TEMPLATE: &str = include_str!("jinja/report.html.j2");

/// Largest HTML report in bytes for any number of rows: curves are capped at
/// [`CURVE_CAP`] points and the forest plot at [`FOREST_ROWS`] slices per gate. The gate
/// table grows with the number of gates and slices (bounded by `max_slices`).
pub const SIZE_BUDGET: usize = 1 << 20;

/// Most slices drawn per gate in the forest plot (worst first); the table lists all.
pub const FOREST_ROWS: usize = 60;

// Chart geometry (pixels).
const W: f64 = 440.0;
const H: f64 = 330.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 44.0;
const FOREST_W: f64 = 900.0;
const FOREST_LABEL: f64 = 260.0;
const FOREST_ROW: f64 = 22.0;

#[derive(Serialize)]
struct Tick {
    pos: f64,
    label: String,
}

#[derive(Serialize)]
struct Series {
    name: String,
    class: &'static str,
    points: Vec<(f64, f64)>,
}

#[derive(Serialize)]
struct Marker {
    x: f64,
    y: f64,
    class: &'static str,
    label: String,
}

#[derive(Serialize)]
struct Line {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    class: &'static str,
}

#[derive(Serialize)]
struct XyChart {
    id: &'static str,
    title: String,
    caption: String,
    xlabel: &'static str,
    ylabel: &'static str,
    width: f64,
    height: f64,
    plot: (f64, f64, f64, f64),
    xticks: Vec<Tick>,
    yticks: Vec<Tick>,
    series: Vec<Series>,
    markers: Vec<Marker>,
    lines: Vec<Line>,
}

#[derive(Serialize)]
struct ForestRow {
    label: String,
    y: f64,
    est: f64,
    lo: Option<f64>,
    hi: Option<f64>,
    limit: Option<f64>,
    status: &'static str,
    title: String,
}

#[derive(Serialize)]
struct Forest {
    id: String,
    title: String,
    caption: String,
    width: f64,
    height: f64,
    zero: Option<f64>,
    axis_y: f64,
    ticks: Vec<Tick>,
    rows: Vec<ForestRow>,
    label_x: f64,
}

#[derive(Serialize)]
struct GateRow {
    gate: String,
    slice: String,
    candidate: String,
    baseline: String,
    delta: String,
    ci: String,
    rule: String,
    status: &'static str,
    reason: String,
}

/// A linear map from data to pixels.
#[derive(Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn at(&self, v: f64) -> f64 {
        let t = if self.d1 > self.d0 {
            (v - self.d0) / (self.d1 - self.d0)
        } else {
            0.5
        };
        let p = self.p0 + t.clamp(-0.05, 1.05) * (self.p1 - self.p0);
        (p * 10.0).round() / 10.0
    }

    /// About five round tick values across the domain.
    fn ticks(&self) -> Vec<Tick> {
        let span = self.d1 - self.d0;
        if !(span.is_finite() && span > 0.0) {
            return vec![Tick {
                pos: self.at(self.d0),
                label: num(self.d0),
            }];
        }
        let raw = span / 5.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| span / s <= 6.0)
            .unwrap_or(10.0 * mag);
        let first = (self.d0 / step).ceil() as i64;
        let last = (self.d1 / step).floor() as i64;
        (first..=last)
            .take(12)
            .map(|k| {
                let v = k as f64 * step;
                Tick {
                    pos: self.at(v),
                    label: num(if v.abs() < step * 1e-9 { 0.0 } else { v }),
                }
            })
            .collect()
    }
}

fn unit_axes() -> (Scale, Scale) {
    (
        Scale {
            d0: 0.0,
            d1: 1.0,
            p0: LEFT,
            p1: W - RIGHT,
        },
        Scale {
            d0: 0.0,
            d1: 1.0,
            p0: H - BOTTOM,
            p1: TOP,
        },
    )
}

fn chart(
    id: &'static str,
    title: String,
    xlabel: &'static str,
    ylabel: &'static str,
    (x, y): (Scale, Scale),
) -> XyChart {
    XyChart {
        id,
        title,
        caption: String::new(),
        xlabel,
        ylabel,
        width: W,
        height: H,
        plot: (LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM),
        xticks: x.ticks(),
        yticks: y.ticks(),
        series: Vec::new(),
        markers: Vec::new(),
        lines: Vec::new(),
    }
}

fn models(charts: &Charts) -> Vec<(&'static str, &'static str, &ModelCharts)> {
    let mut out = vec![("candidate", "cand", &charts.candidate)];
    if let Some(b) = &charts.baseline {
        out.push(("baseline", "base", b));
    }
    out
}

fn tolerance_caption(curves: &[&Curve]) -> String {
    let full: usize = curves.iter().map(|c| c.full_points).max().unwrap_or(0);
    let tol = curves.iter().map(|c| c.tolerance).fold(0.0, f64::max);
    format!(
        "{full} curve points drawn as at most {CURVE_CAP} per curve, each within {} of the full curve",
        num(tol)
    )
}

fn curve_chart(
    charts: &Charts,
    threshold: f64,
    roc: bool,
    slice: Option<&SliceCharts>,
) -> Option<XyChart> {
    let (xs, ys) = unit_axes();
    let of = slice.map_or(String::new(), |s| {
        format!(" — {} ({} rows)", s.label, s.rows)
    });
    let mut c = if roc {
        chart(
            if slice.is_some() { "roc-slice" } else { "roc" },
            format!("ROC curve{of}"),
            "false positive rate",
            "true positive rate",
            (xs, ys),
        )
    } else {
        chart(
            if slice.is_some() { "pr-slice" } else { "pr" },
            format!("Precision–recall curve{of}"),
            "recall",
            "precision",
            (xs, ys),
        )
    };
    if roc {
        c.lines.push(Line {
            x1: xs.at(0.0),
            y1: ys.at(0.0),
            x2: xs.at(1.0),
            y2: ys.at(1.0),
            class: "chance",
        });
    }
    let mut drawn: Vec<&Curve> = Vec::new();
    for (name, class, m) in models(charts) {
        let Some(curve) = (if roc { &m.roc } else { &m.pr }) else {
            continue;
        };
        drawn.push(curve);
        c.series.push(Series {
            name: name.into(),
            class,
            points: curve
                .points
                .iter()
                .map(|&(x, y)| (xs.at(x), ys.at(y)))
                .collect(),
        });
        let (fpr, tpr, precision) = m.operating;
        let (x, y) = if roc { (fpr, tpr) } else { (tpr, precision) };
        if x.is_finite() && y.is_finite() {
            c.markers.push(Marker {
                x: xs.at(x),
                y: ys.at(y),
                class,
                label: format!(
                    "{name} at threshold {}: {} {}, {} {}",
                    num(threshold),
                    c.xlabel,
                    num(x),
                    c.ylabel,
                    num(y)
                ),
            });
        }
    }
    if c.series.is_empty() {
        return None;
    }
    c.caption = format!(
        "Dots: the operating point at threshold {}. {}.",
        num(threshold),
        tolerance_caption(&drawn)
    );
    Some(c)
}

fn calibration_chart(charts: &Charts) -> Option<XyChart> {
    if !charts.probabilities {
        return None;
    }
    let (xs, ys) = unit_axes();
    let mut c = chart(
        "calibration",
        "Reliability (calibration)".into(),
        "mean predicted probability",
        "observed share of positives",
        (xs, ys),
    );
    c.lines.push(Line {
        x1: xs.at(0.0),
        y1: ys.at(0.0),
        x2: xs.at(1.0),
        y2: ys.at(1.0),
        class: "chance",
    });
    for (name, class, m) in models(charts) {
        if m.calibration.is_empty() {
            continue;
        }
        c.series.push(Series {
            name: name.into(),
            class,
            points: m
                .calibration
                .iter()
                .map(|b| (xs.at(b.predicted), ys.at(b.observed)))
                .collect(),
        });
        for b in &m.calibration {
            c.markers.push(Marker {
                x: xs.at(b.predicted),
                y: ys.at(b.observed),
                class,
                label: format!(
                    "{name}: predicted {}, observed {} ({} rows)",
                    num(b.predicted),
                    num(b.observed),
                    num(b.weight)
                ),
            });
        }
    }
    c.caption = format!(
        "{CALIBRATION_BINS} equal-width bins of the score; a well-calibrated model lies on the diagonal."
    );
    Some(c)
}

fn distribution_chart(charts: &Charts) -> XyChart {
    let (lo, hi) = charts.score_range;
    let top = models(charts)
        .iter()
        .flat_map(|(_, _, m)| m.histogram.iter().copied())
        .chain(charts.reference_histogram.iter().flatten().copied())
        .fold(0.0, f64::max)
        .max(1e-12);
    let xs = Scale {
        d0: lo,
        d1: hi,
        p0: LEFT,
        p1: W - RIGHT,
    };
    let ys = Scale {
        d0: 0.0,
        d1: top * 1.05,
        p0: H - BOTTOM,
        p1: TOP,
    };
    let mut c = chart(
        "distribution",
        "Score distributions".into(),
        "score",
        "share of rows",
        (xs, ys),
    );
    let bins = HISTOGRAM_BINS as f64;
    let mut drawn: Vec<(&str, &'static str, &[f64])> = models(charts)
        .into_iter()
        .map(|(n, c, m)| (n, c, m.histogram.as_slice()))
        .collect();
    if let Some(r) = &charts.reference_histogram {
        drawn.push(("reference", "ref", r.as_slice()));
    }
    for (name, class, histogram) in drawn {
        // A step outline: each bin's share held across the bin.
        let mut pts = vec![(xs.at(lo), ys.at(0.0))];
        for (k, &share) in histogram.iter().enumerate() {
            let a = lo + (hi - lo) * k as f64 / bins;
            let b = lo + (hi - lo) * (k + 1) as f64 / bins;
            pts.push((xs.at(a), ys.at(share)));
            pts.push((xs.at(b), ys.at(share)));
        }
        pts.push((xs.at(hi), ys.at(0.0)));
        c.series.push(Series {
            name: name.into(),
            class,
            points: pts,
        });
    }
    c.caption = format!(
        "Shares of rows in {HISTOGRAM_BINS} equal-width bins from {} to {}.",
        num(lo),
        num(hi)
    );
    c
}

/// `(estimate, interval, limit, slack)`: the judged quantity, its interval, the limit in
/// the same units, and how far the estimate is on the good side of the limit.
type Judged = (f64, Option<(f64, f64)>, Option<f64>, f64);

/// The quantity an outcome's rule bounds, unoriented: the delta for relative rules, the
/// candidate for absolute ones; with its interval and the limit in the same units.
fn judged_quantity(o: &Outcome) -> Option<Judged> {
    let lower_better = o.metric.direction() == Direction::LowerIsBetter;
    let sign = if lower_better { -1.0 } else { 1.0 };
    let ci = o.ci.map(|iv| (iv.lo, iv.hi));
    match o.rule {
        Rule::Min => {
            let c = o.candidate?;
            Some((c, ci, Some(o.limit), c - o.limit))
        }
        Rule::Max => {
            let c = o.candidate?;
            Some((c, ci, Some(o.limit), o.limit - c))
        }
        Rule::MaxRegression | Rule::MaxRegressionRel | Rule::MinImprovement => {
            let d = o.delta?;
            let bound = match o.rule {
                Rule::MaxRegression => -o.limit,
                Rule::MaxRegressionRel => -o.limit * o.baseline.map(f64::abs)?,
                _ => o.limit,
            };
            // Oriented delta ≥ bound, i.e. raw delta ≥ bound (higher is better) or
            // raw delta ≤ −bound (lower is better).
            Some((d, ci, Some(bound * sign), d * sign - bound))
        }
    }
}

fn forests(run: &Run) -> Vec<Forest> {
    let mut ids: Vec<&str> = Vec::new();
    for o in &run.outcomes {
        if !o.slice.is_empty() && !ids.contains(&o.id.as_str()) {
            ids.push(&o.id);
        }
    }
    ids.into_iter()
        .filter_map(|id| {
            let mut rows: Vec<(&Outcome, Judged)> = run
                .outcomes
                .iter()
                .filter(|o| o.id == id && o.status != Status::Skip)
                .filter_map(|o| judged_quantity(o).map(|q| (o, q)))
                .filter(|(_, q)| q.0.is_finite())
                .collect();
            let first = run.outcomes.iter().find(|o| o.id == id)?;
            let total = rows.len();
            if total == 0 {
                return None;
            }
            // Worst first: least slack to the limit.
            rows.sort_by(|a, b| a.1.3.total_cmp(&b.1.3));
            rows.truncate(FOREST_ROWS);
            let relative = first.rule.is_relative();
            let mut lo = if relative { 0.0f64 } else { f64::INFINITY };
            let mut hi = if relative { 0.0f64 } else { f64::NEG_INFINITY };
            for (_, (est, ci, limit, _)) in &rows {
                for v in [Some(*est), ci.map(|c| c.0), ci.map(|c| c.1), *limit]
                    .into_iter()
                    .flatten()
                    .filter(|v| v.is_finite())
                {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
            let pad = ((hi - lo) * 0.08).max(1e-9);
            let x = Scale {
                d0: lo - pad,
                d1: hi + pad,
                p0: FOREST_LABEL + 10.0,
                p1: FOREST_W - 20.0,
            };
            let top = 10.0;
            let out_rows: Vec<ForestRow> = rows
                .iter()
                .enumerate()
                .map(|(i, (o, (est, ci, limit, _)))| ForestRow {
                    label: shorten(&slice_label(&o.slice), 40),
                    y: top + FOREST_ROW * (i as f64 + 0.5),
                    est: x.at(*est),
                    lo: ci.map(|c| x.at(c.0)),
                    hi: ci.map(|c| x.at(c.1)),
                    limit: limit.filter(|l| l.is_finite()).map(|l| x.at(l)),
                    status: o.status.as_str(),
                    title: format!(
                        "{}: {} {}{}",
                        slice_label(&o.slice),
                        if relative { "Δ" } else { "value" },
                        num(*est),
                        ci.map(|c| format!(" [{}, {}]", num(c.0), num(c.1)))
                            .unwrap_or_default()
                    ),
                })
                .collect();
            let axis_y = top + FOREST_ROW * out_rows.len() as f64 + 4.0;
            Some(Forest {
                id: format!("forest-{}", ids_safe(id)),
                title: format!(
                    "{} by {} — {}",
                    first.metric,
                    first
                        .slice
                        .iter()
                        .map(|(c, _)| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if relative {
                        "candidate − baseline"
                    } else {
                        "candidate"
                    }
                ),
                caption: format!(
                    "Gate {id}: dot the estimate, bar the interval, dashed line the gate's limit{}; worst slice first{}.",
                    if relative { ", solid line zero" } else { "" },
                    if total > FOREST_ROWS {
                        format!(" ({FOREST_ROWS} of {total} judged slices shown; the table lists all)")
                    } else {
                        String::new()
                    }
                ),
                width: FOREST_W,
                height: axis_y + 34.0,
                zero: relative.then(|| x.at(0.0)),
                axis_y,
                ticks: x.ticks(),
                rows: out_rows,
                label_x: FOREST_LABEL,
            })
        })
        .collect()
}

/// At most `max` characters, an ellipsis marking a cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A gate id as an HTML id fragment: ASCII letters, digits and `-` only.
fn ids_safe(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn gate_rows(run: &Run) -> Vec<GateRow> {
    let opt = |x: Option<f64>| x.map_or_else(|| "–".to_string(), num);
    let mut rows: Vec<GateRow> = run
        .not_judged
        .iter()
        .map(|n| GateRow {
            gate: n.id.clone(),
            slice: if n.by.is_empty() {
                "all rows".into()
            } else {
                format!("by {}", n.by.join(", "))
            },
            candidate: "–".into(),
            baseline: "–".into(),
            delta: "–".into(),
            ci: "–".into(),
            rule: "–".into(),
            status: "not-judged",
            reason: not_judged_text(n),
        })
        .collect();
    rows.extend(run.outcomes.iter().map(|o| GateRow {
        gate: o.id.clone(),
        slice: slice_label(&o.slice),
        candidate: opt(o.candidate),
        baseline: opt(o.baseline),
        delta: opt(o.delta),
        ci: o.ci.map_or_else(
            || "–".to_string(),
            |iv| format!("[{}, {}]", num(iv.lo), num(iv.hi)),
        ),
        rule: format!("{} {}", o.rule.as_str(), num(o.limit)),
        status: o.status.as_str(),
        reason: reason(o, run.confidence),
    }));
    rows
}

/// The HTML report. Deterministic: same run and charts, same bytes.
pub fn html(run: &Run, charts: &Charts) -> String {
    let (verdict, headline) = match run.verdict {
        Verdict::Fail => ("fail", "promotion blocked"),
        Verdict::Warn => ("warn", "passed with warnings"),
        Verdict::Pass => ("pass", "passed"),
    };
    let xy: Vec<XyChart> = [
        curve_chart(charts, run.threshold, true, None),
        curve_chart(charts, run.threshold, false, None),
        charts
            .slice
            .as_ref()
            .and_then(|s| curve_chart(&s.charts, run.threshold, true, Some(s))),
        charts
            .slice
            .as_ref()
            .and_then(|s| curve_chart(&s.charts, run.threshold, false, Some(s))),
        calibration_chart(charts),
        Some(distribution_chart(charts)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let ctx = context! {
        name => run.name.clone(),
        verdict => verdict,
        headline => headline,
        version => run.version.clone(),
        candidate => run.candidate.path.display().to_string(),
        baseline => run.baseline.as_ref().map(|b| b.path.display().to_string()),
        threshold => num(run.threshold),
        confidence => num(run.confidence),
        seed => run.seed,
        gates => Serde(gate_rows(run)),
        charts => Serde(xy),
        forests => Serde(forests(run)),
        skew => run.skew.as_ref().map(|s| Serde(skew_table(s))),
        reference => run.reference.as_ref().map(|r| format!("{} ({} rows, sha256 {})", r.path.display(), r.rows, &r.sha256[..r.sha256.len().min(12)])),
        notes => super::method_notes(&run.methods),
        warnings => run.warnings.iter().map(|w| w.text()).collect::<Vec<_>>(),
    };
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    match env
        .template_from_named_str("report.html", TEMPLATE)
        .and_then(|t| t.render(ctx))
    {
        Ok(s) => s,
        // The template is embedded and tested; a failure here is a bug, shown not hidden.
        Err(e) => format!(
            "<!doctype html><title>modelgate</title><p>modelgate: report template error: {}</p>\n",
            super::escape::xml(&e.to_string())
        ),
    }
}

/// Features shown in the skew table (the worst; the JSON has them all).
const SKEW_ROWS: usize = 20;

/// The skew table's values (the template escapes them).
#[derive(serde::Serialize)]
struct SkewTable {
    headline: String,
    offline: String,
    online: String,
    id: String,
    rows: Vec<SkewTableRow>,
}

#[derive(serde::Serialize)]
struct SkewTableRow {
    name: String,
    kind: String,
    mismatch: String,
    max_diff: String,
    missing: String,
    examples: Vec<SkewTableExample>,
}

#[derive(serde::Serialize)]
struct SkewTableExample {
    id: String,
    offline: String,
    online: String,
}

fn skew_table(s: &crate::measure::skew::SkewSummary) -> SkewTable {
    let worst = s.worst();
    let pct = |r: Result<f64, crate::metrics::Undefined>, of: u64| match r {
        Ok(x) => format!("{}% of {of}", num(x * 100.0)),
        Err(_) => "–".to_string(),
    };
    let shown = |x: &Option<String>| x.clone().unwrap_or_else(|| "missing".into());
    SkewTable {
        headline: if worst.is_empty() {
            format!("all {} feature(s) agree", s.features.len())
        } else {
            format!(
                "{} of {} feature(s) disagree",
                worst.len(),
                s.features.len()
            )
        },
        offline: s.offline.path.display().to_string(),
        online: s.online.path.display().to_string(),
        id: s.id.clone(),
        rows: worst
            .iter()
            .take(SKEW_ROWS)
            .map(|f| SkewTableRow {
                name: f.name.clone(),
                kind: super::words::skew_kind(f.kind),
                mismatch: pct(f.mismatch_rate(), f.compared),
                max_diff: f
                    .max_abs_diff_value()
                    .map(num)
                    .unwrap_or_else(|_| "–".into()),
                missing: pct(f.missing_rate(), f.ids),
                examples: f
                    .examples
                    .iter()
                    .map(|e| SkewTableExample {
                        id: e.id.clone(),
                        offline: shown(&e.offline),
                        online: shown(&e.online),
                    })
                    .collect(),
            })
            .collect(),
    }
}
