//! Converting and validating one file's label, score and weight columns.

use std::path::Path;

use polars::prelude::*;

use super::read::Wanted;
use super::{Cause, DataError, Fix, LabelValue, examples};

/// One file's validated columns, in file row order.
pub(crate) struct Side {
    pub score: Vec<f64>,
    /// `None` when the file has no label column (allowed for the baseline), or the task's
    /// label is not binary.
    pub positive: Option<Vec<bool>>,
    /// `task: regression`: the numeric target, when the file has the label column.
    pub target: Option<Vec<f64>>,
    pub weight: Option<Vec<f64>>,
    /// `task: multiclass`: the labels as class text (when the file has the label column)
    /// and the model's output.
    pub classes: Option<ClassSide>,
}

/// One file's multiclass columns, in file row order.
pub(crate) struct ClassSide {
    /// The label of each row as text (`refund`, `3`), when the file has the label column.
    pub labels: Option<Vec<String>>,
    /// The model's output.
    pub output: ClassOutput,
}

/// A multiclass model's output as read.
pub(crate) enum ClassOutput {
    /// One probability column per class, in class order (finite; checked in [0, 1] later).
    Scores(Vec<Vec<f64>>),
    /// The predicted class of each row as text.
    Predicted(Vec<String>),
}

impl Side {
    pub fn len(&self) -> usize {
        self.score.len()
    }

    pub fn from_frame(
        path: &Path,
        frame: &DataFrame,
        wanted: &Wanted<'_>,
        positive: Option<&LabelValue>,
        task: crate::task::Task,
        classes: Option<&super::ClassColumns>,
    ) -> Result<Side, DataError> {
        use crate::task::Task;
        let label = wanted.label.filter(|l| frame.column(l).is_ok());
        let (score, classes) = match (task, classes) {
            (Task::Multiclass, Some(super::ClassColumns::Prediction(p))) => {
                let predicted = class_text(path, frame, p, "prediction")?;
                let labels = match label {
                    Some(l) => Some(class_text(path, frame, l, "label")?),
                    None => None,
                };
                let side = ClassSide {
                    labels,
                    output: ClassOutput::Predicted(predicted),
                };
                (vec![0.0; frame.height()], Some(side))
            }
            (Task::Multiclass, Some(super::ClassColumns::Scores(cols))) => {
                let mut columns = Vec::with_capacity(cols.len());
                for (_, c) in cols {
                    columns.push(numbers(path, frame, c, "class score")?);
                }
                let labels = match label {
                    Some(l) => Some(class_text(path, frame, l, "label")?),
                    None => None,
                };
                let score = columns.first().cloned().unwrap_or_default();
                let side = ClassSide {
                    labels,
                    output: ClassOutput::Scores(columns),
                };
                (score, Some(side))
            }
            _ => (numbers(path, frame, wanted.score, wanted.score_role)?, None),
        };
        let (positive, target) = match (task, label) {
            (_, None) => (None, None),
            (Task::Binary, Some(l)) => (Some(labels(path, frame, l, positive)?), None),
            (Task::Regression, Some(l)) => (None, Some(numbers(path, frame, l, "target")?)),
            (Task::Ranking, Some(l)) => (None, Some(relevance(path, frame, l)?)),
            // Multiclass labels are class text, read with the output above.
            (Task::Multiclass, Some(_)) => (None, None),
        };
        let weight = match wanted.weight.filter(|w| frame.column(w).is_ok()) {
            Some(w) => {
                let values = numbers(path, frame, w, "weight")?;
                let negative: Vec<usize> = values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v < 0.0)
                    .map(|(i, _)| i + 1)
                    .collect();
                if !negative.is_empty() {
                    return Err(DataError::new(
                        path,
                        Some(w),
                        format!(
                            "{} negative weight(s) at row(s) {}; sample weights must be >= 0",
                            negative.len(),
                            examples(&negative, negative.len())
                        ),
                    ));
                }
                let sum = values.iter().sum::<f64>();
                if !sum.is_finite() {
                    return Err(DataError::of(path, Some(w), Cause::WeightSum));
                }
                if sum <= 0.0 {
                    return Err(DataError::new(
                        path,
                        Some(w),
                        "all weights are zero; nothing to evaluate",
                    ));
                }
                Some(values)
            }
            None => None,
        };
        Ok(Side {
            score,
            positive,
            target,
            weight,
            classes,
        })
    }
}

/// Frequency weights count identical rows (`weights: frequency`), so each must be a whole
/// number: a weight of 2.5 stands for no number of rows, and the counts `min_slice` and the
/// reports use (the sums of the weights) would be fractions. Refused naming the rows.
pub(crate) fn check_whole(path: &Path, column: &str, weights: &[f64]) -> Result<(), DataError> {
    let bad: Vec<usize> = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| w.fract() != 0.0)
        .map(|(i, _)| i + 1)
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(DataError::new(
        path,
        Some(column),
        format!(
            "{} weight(s) that are not whole numbers at row(s) {}; with `weights: frequency` a weight counts identical rows; round the counts, or set `weights: sampling` for weights that are not counts",
            bad.len(),
            examples(&bad, bad.len())
        ),
    ))
}

/// Sampling weights divided by their mean, so that weights equal up to scale (all 1e300,
/// all 1) give the same numbers downstream and no sum of them overflows; every metric and
/// variance is invariant to the scale. Equal weights become exactly 1. The sum was checked
/// finite and positive when the column was read.
pub(crate) fn normalise(weights: &mut [f64]) {
    let (min, max) = weights
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &w| {
            (lo.min(w), hi.max(w))
        });
    if min == max {
        weights.iter_mut().for_each(|w| *w = 1.0);
        return;
    }
    // Scaled by the largest first, the sum of tiny (subnormal) weights keeps its digits.
    let sum: f64 = weights.iter().map(|w| w / max).sum();
    let mean = sum / weights.len() as f64;
    for w in weights.iter_mut() {
        *w = (*w / max) / mean;
    }
}

fn series<'a>(path: &Path, frame: &'a DataFrame, name: &str) -> Result<&'a Series, DataError> {
    frame
        .column(name)
        .map(|c| c.as_materialized_series())
        .map_err(|_| DataError::new(path, Some(name), "the column is missing"))
}

/// Rows (1-based) where `pred` holds, as examples plus a count.
fn rows_where(len: usize, mut pred: impl FnMut(usize) -> bool) -> (Vec<usize>, usize) {
    let mut first = Vec::new();
    let mut count = 0;
    for i in 0..len {
        if pred(i) {
            if first.len() < 5 {
                first.push(i + 1);
            }
            count += 1;
        }
    }
    (first, count)
}

/// Missing values are an error naming the first rows and the count.
fn no_missing(path: &Path, s: &Series, name: &str, role: &str) -> Result<(), DataError> {
    if s.null_count() == 0 {
        return Ok(());
    }
    let (first, count) = rows_where(s.len(), |i| s.get(i).map(|v| v.is_null()).unwrap_or(false));
    Err(DataError::new(
        path,
        Some(name),
        format!(
            "{count} missing {role}(s) at row(s) {}; every row needs a {role}",
            examples(&first, count)
        ),
    ))
}

/// A numeric column without missing values (checked before) as `f64`s, in row order.
fn as_f64(path: &Path, s: &Series, name: &str) -> Result<Vec<f64>, DataError> {
    let f = s
        .cast(&DataType::Float64)
        .map_err(|e| DataError::new(path, Some(name), format!("cannot read as numbers: {e}")))?;
    let ca = f
        .f64()
        .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        out.extend_from_slice(arr.values().as_slice());
    }
    Ok(out)
}

/// A numeric column as finite f64s; text, missing values, NaN and infinities are errors.
pub(crate) fn numbers(
    path: &Path,
    frame: &DataFrame,
    name: &str,
    role: &str,
) -> Result<Vec<f64>, DataError> {
    let s = series(path, frame, name)?;
    let dtype = s.dtype().clone();
    if !(dtype.is_primitive_numeric() || dtype.is_bool()) {
        // Find the first value that is not a number, to show it.
        let as_text = s.cast(&DataType::String).ok();
        let parsed = s.cast(&DataType::Float64).ok();
        let mut shown = String::new();
        if let (Some(t), Some(p)) = (as_text, parsed)
            && let (Ok(t), Ok(p)) = (t.str(), p.f64())
        {
            for (i, (tv, pv)) in t.iter().zip(p.iter()).enumerate() {
                if let (Some(tv), None) = (tv, pv) {
                    shown = format!(": row {} holds {:?}", i + 1, truncate(tv));
                    break;
                }
            }
        }
        if shown.is_empty() && dtype == DataType::String {
            // Every value parses: some were written as quoted strings (NDJSON `"0.1"`).
            shown = ": every value reads as a number, so some are quoted text like \"0.1\"; write them as bare numbers".into();
        }
        return Err(DataError::new(
            path,
            Some(name),
            format!(
                "the {role} column holds {dtype} values, not numbers{shown}; {role}s must be numeric"
            ),
        ));
    }
    no_missing(path, s, name, role)?;
    let mut out = as_f64(path, s, name)?;
    let (first, count) = rows_where(out.len(), |i| out[i].is_nan());
    if count > 0 {
        return Err(DataError::new(
            path,
            Some(name),
            format!(
                "{count} NaN {role}(s) at row(s) {}; fix or drop them upstream, modelgate never drops rows",
                examples(&first, count)
            ),
        ));
    }
    let (first, count) = rows_where(out.len(), |i| out[i].is_infinite());
    if count > 0 {
        return Err(DataError::new(
            path,
            Some(name),
            format!(
                "{count} infinite {role}(s) at row(s) {}; {role}s must be finite numbers",
                examples(&first, count)
            ),
        ));
    }
    // -0.0 and 0.0 are one score: normalise so that sorting and tie detection agree.
    for v in &mut out {
        if *v == 0.0 {
            *v = 0.0;
        }
    }
    Ok(out)
}

/// A ranking label: graded relevance, finite and `>= 0` (0 = not relevant).
fn relevance(path: &Path, frame: &DataFrame, name: &str) -> Result<Vec<f64>, DataError> {
    let values = numbers(path, frame, name, "relevance")?;
    let (first, count) = rows_where(values.len(), |i| values[i] < 0.0);
    if count > 0 {
        return Err(DataError::new(
            path,
            Some(name),
            format!(
                "{count} negative relevance(s) at row(s) {} (e.g. {}); a ranking label is a graded relevance >= 0 (0 = not relevant)",
                examples(&first, count),
                values[first[0] - 1]
            ),
        ));
    }
    Ok(values)
}

/// A column of class values as text: text as it is, integers as written, whole floats
/// without their `.0` (a label column read as floats, `2.0`, names class `2`).
pub(crate) fn class_text(
    path: &Path,
    frame: &DataFrame,
    name: &str,
    role: &str,
) -> Result<Vec<String>, DataError> {
    let s = series(path, frame, name)?;
    no_missing(path, s, name, role)?;
    if s.dtype().is_float() {
        let values = as_f64(path, s, name)?;
        let (first, count) = rows_where(values.len(), |i| !values[i].is_finite());
        if count > 0 {
            return Err(DataError::new(
                path,
                Some(name),
                format!(
                    "{count} {role}(s) that are NaN or infinite at row(s) {}; every row needs a class",
                    examples(&first, count)
                ),
            ));
        }
        return Ok(values
            .iter()
            .map(|v| {
                if v.fract() == 0.0 && v.abs() < 1e15 {
                    format!("{}", *v as i64)
                } else {
                    format!("{v}")
                }
            })
            .collect());
    }
    let t = s.cast(&DataType::String).map_err(|e| {
        DataError::new(
            path,
            Some(name),
            format!("cannot read {role}s as classes: {e}"),
        )
    })?;
    let ca = t
        .str()
        .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
    Ok(ca
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The label column as booleans (`true` = positive).
pub(crate) fn labels(
    path: &Path,
    frame: &DataFrame,
    name: &str,
    positive: Option<&LabelValue>,
) -> Result<Vec<bool>, DataError> {
    let s = series(path, frame, name)?;
    no_missing(path, s, name, "label")?;
    let dtype = s.dtype().clone();

    // Fast paths: booleans and numbers.
    if dtype.is_bool() {
        let ca = s
            .bool()
            .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
        let want = match positive {
            None | Some(LabelValue::Bool(true)) => true,
            Some(LabelValue::Bool(false)) => false,
            Some(other) => {
                return Err(DataError::new(
                    path,
                    Some(name),
                    format!(
                        "the labels are true/false but `positive:` is {other}; use `positive: true`"
                    ),
                ));
            }
        };
        return Ok(ca.iter().map(|v| v == Some(want)).collect());
    }
    if dtype.is_primitive_numeric() {
        let values = as_f64(path, s, name)?;
        // NaN is not a class (and NaN != NaN would make every NaN look like a new one).
        let (first, count) = rows_where(values.len(), |i| !values[i].is_finite());
        if count > 0 {
            return Err(DataError::new(
                path,
                Some(name),
                format!(
                    "{count} label(s) that are NaN or infinite at row(s) {} (e.g. {}); every row needs a label",
                    examples(&first, count),
                    values[first[0] - 1]
                ),
            ));
        }
        let pos = match positive {
            None => 1.0,
            Some(LabelValue::Int(i)) => *i as f64,
            Some(LabelValue::Float(x)) => *x,
            Some(LabelValue::Bool(b)) => f64::from(u8::from(*b)),
            Some(LabelValue::Str(t)) => t.trim().parse::<f64>().map_err(|_| {
                DataError::new(
                    path,
                    Some(name),
                    format!("the labels are numbers but `positive:` is {t:?}; use a number"),
                )
            })?,
        };
        return two_classes(
            path,
            name,
            &values,
            |v| v == pos,
            positive.is_some(),
            |v| format!("{v}"),
        );
    }
    // Text and categorical labels: compare their text.
    let t = s
        .cast(&DataType::String)
        .map_err(|e| DataError::new(path, Some(name), format!("cannot read labels: {e}")))?;
    let ca = t
        .str()
        .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
    let values: Vec<&str> = ca.iter().map(|v| v.unwrap_or_default()).collect();
    match positive {
        Some(p) => {
            let want = p.to_string();
            two_classes(
                path,
                name,
                &values,
                |v| v == want,
                true,
                |v| format!("{v:?}"),
            )
        }
        None => {
            let norm = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "1.0" => Some(true),
                "0" | "false" | "0.0" => Some(false),
                _ => None,
            };
            if let Some(i) = values.iter().position(|v| norm(v).is_none()) {
                let mut distinct: Vec<&str> = Vec::new();
                for v in &values {
                    if !distinct.contains(v) {
                        distinct.push(v);
                        if distinct.len() > 5 {
                            break;
                        }
                    }
                }
                return Err(DataError::new(
                    path,
                    Some(name),
                    format!(
                        "row {} has label {:?}, which is neither 0/1 nor true/false (values seen: {})",
                        i + 1,
                        values[i],
                        distinct
                            .iter()
                            .map(|d| format!("{d:?}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                )
                .with_fix(Fix::Positive {
                    example: Some(values[i].to_string()),
                }));
            }
            Ok(values.iter().map(|v| norm(v) == Some(true)).collect())
        }
    }
}

/// Maps values to classes, insisting on at most two distinct values; without an explicit
/// positive value the two must be 0 and 1.
fn two_classes<T: PartialEq + Copy>(
    path: &Path,
    name: &str,
    values: &[T],
    is_pos: impl Fn(T) -> bool,
    explicit: bool,
    show: impl Fn(T) -> String,
) -> Result<Vec<bool>, DataError> {
    let mut distinct: Vec<T> = Vec::new();
    let mut third_at = None;
    for (i, &v) in values.iter().enumerate() {
        if !distinct.contains(&v) {
            distinct.push(v);
            if distinct.len() == 3 && third_at.is_none() {
                third_at = Some(i);
            }
            if distinct.len() > 5 {
                break;
            }
        }
    }
    if let Some(i) = third_at {
        let seen: Vec<String> = distinct.iter().map(|v| show(*v)).collect();
        return Err(DataError::new(
            path,
            Some(name),
            format!(
                "labels must take two values, but row {} adds a third ({}); values seen: {}",
                i + 1,
                show(values[i]),
                seen.join(", ")
            ),
        ));
    }
    let out: Vec<bool> = values.iter().map(|v| is_pos(*v)).collect();
    if !explicit {
        // Without `positive:` numbers must be 0/1. At most two distinct values remain, so
        // check those rather than format every row.
        if let Some(bad) = distinct.iter().find(|v| !is_pos(**v) && show(**v) != "0") {
            let i = values.iter().position(|v| v == bad).unwrap_or(0);
            return Err(DataError::new(
                path,
                Some(name),
                format!(
                    "row {} has label {}, which is neither 0 nor 1",
                    i + 1,
                    show(values[i])
                ),
            )
            .with_fix(Fix::Positive { example: None }));
        }
    } else if !out.iter().any(|&p| p) && distinct.len() == 2 {
        let seen: Vec<String> = distinct.iter().map(|v| show(*v)).collect();
        return Err(DataError::new(
            path,
            Some(name),
            format!(
                "no label equals the positive label value; values seen: {}",
                seen.join(", ")
            ),
        )
        .with_fix(Fix::Positive { example: None }));
    }
    Ok(out)
}
