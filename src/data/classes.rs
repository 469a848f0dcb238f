//! `task: multiclass` columns: class values to dense codes, each model's output checked
//! against the classes, the baseline's rows put in the candidate's order.
//!
//! The classes are the keys of `columns.scores` (one probability column each) or, for a
//! prediction-only config, the values the label column takes. Codes follow scikit-learn's
//! `np.unique` order (numeric when every class is an integer, else text), so that the
//! arg-max and top-k tie rules of [`crate::metrics::multiclass`] match scikit-learn's on the
//! same columns. Every problem names the file, the column and the first rows: a label with
//! no score column, a predicted value that is no class, a score outside `[0, 1]`, a
//! baseline whose labels differ.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::columns::{ClassOutput, ClassSide};
use super::{ClassColumns, ClassPredictions, DataError, Request, TaskColumns, examples};

/// Most classes a multiclass evaluation takes: the confusion matrix has `classes²` cells
/// (8 MB at the limit) and the bootstrap keeps one per lane; a label column with tens of
/// thousands of distinct values (an id, free text) would otherwise ask for gigabytes.
pub const MAX_CLASSES: usize = 1000;

/// Sorts class values as scikit-learn's `np.unique` does: numerically when every value is
/// an integer, else by text.
pub fn sort_classes(classes: &mut [String]) {
    let numeric: Option<Vec<i64>> = classes.iter().map(|c| c.trim().parse().ok()).collect();
    if numeric.is_some() {
        classes.sort_by_key(|c| c.trim().parse::<i64>().unwrap_or(0));
    } else {
        classes.sort();
    }
}

/// The 1-based rows where `bad` holds: up to five, and the count.
fn rows_where(n: usize, bad: impl Fn(usize) -> bool) -> (Vec<usize>, usize) {
    let mut first = Vec::new();
    let mut count = 0;
    for i in 0..n {
        if bad(i) {
            if first.len() < 5 {
                first.push(i + 1);
            }
            count += 1;
        }
    }
    (first, count)
}

/// Shows a list of classes, e.g. `"a", "b", "c"`.
fn shown(classes: &[String]) -> String {
    let mut out: Vec<String> = classes.iter().take(20).map(|c| format!("{c:?}")).collect();
    if classes.len() > 20 {
        out.push(format!("… ({} in all)", classes.len()));
    }
    out.join(", ")
}

/// Codes of `values` in `index`; the first unknown value's rows as an error built by `err`.
fn codes(
    values: &[String],
    index: &HashMap<&str, u32>,
    err: impl Fn(&str, Vec<usize>, usize) -> DataError,
) -> Result<Vec<u32>, DataError> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match index.get(v.as_str()) {
            Some(&c) => out.push(c),
            None => {
                let (rows, count) =
                    rows_where(values.len(), |j| !index.contains_key(values[j].as_str()));
                return Err(err(v, rows, count));
            }
        }
    }
    Ok(out)
}

/// Scores must be probabilities: every value of every class column in `[0, 1]`.
fn check_probabilities(
    path: &Path,
    classes: &[(String, String)],
    columns: &[Vec<f64>],
) -> Result<(), DataError> {
    for ((class, column), values) in classes.iter().zip(columns) {
        let (rows, count) = rows_where(values.len(), |i| !(0.0..=1.0).contains(&values[i]));
        if count > 0 {
            return Err(DataError::new(
                path,
                Some(column),
                format!(
                    "{count} score(s) of class {class:?} outside [0, 1] at row(s) {} (e.g. {}); `columns.scores` holds one probability per class (e.g. `predict_proba`'s columns): write probabilities",
                    examples(&rows, count),
                    values[rows[0] - 1]
                ),
            ));
        }
    }
    Ok(())
}

/// The multiclass columns of the paired rows: `side` is the candidate's, `base` the
/// baseline's file with its columns and the pairing order (baseline row of each candidate
/// row; `None` = same position).
pub(super) fn multiclass(
    req: &Request,
    cols: &ClassColumns,
    side: ClassSide,
    base: Option<(PathBuf, ClassSide, Option<Vec<u32>>)>,
) -> Result<TaskColumns, DataError> {
    let cand_path = &req.candidate;
    let Some(labels) = side.labels else {
        return Err(DataError::new(
            cand_path,
            Some(&req.label),
            "the label column is missing",
        ));
    };
    let classes: Vec<String> = match cols {
        ClassColumns::Scores(list) => list.iter().map(|(c, _)| c.clone()).collect(),
        ClassColumns::Prediction(_) => {
            let mut distinct: Vec<String> = Vec::new();
            let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for l in &labels {
                if seen.insert(l.as_str()) {
                    distinct.push(l.clone());
                }
            }
            sort_classes(&mut distinct);
            if distinct.len() < 2 {
                return Err(DataError::new(
                    cand_path,
                    Some(&req.label),
                    format!(
                        "every label is {}; a multiclass evaluation needs rows of at least 2 classes",
                        shown(&distinct)
                    ),
                ));
            }
            distinct
        }
    };
    if classes.len() > MAX_CLASSES {
        return Err(DataError::new(
            cand_path,
            Some(&req.label),
            format!(
                "{} distinct classes, more than the limit of {MAX_CLASSES}: the metrics keep a classes × classes confusion matrix per slice and bootstrap lane; is `columns.label` an id or a free-text column? Group rare classes upstream",
                classes.len()
            ),
        ));
    }
    let index: HashMap<&str, u32> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    let truth = codes(&labels, &index, |v, rows, count| match cols {
        ClassColumns::Scores(_) => DataError::new(
            cand_path,
            Some(&req.label),
            format!(
                "{count} row(s) at row(s) {} have the class {v:?}, which has no score column (`columns.scores` names {}); add `{v}: <column>` under `columns.scores`, or fix the labels",
                examples(&rows, count),
                shown(&classes)
            ),
        ),
        ClassColumns::Prediction(_) => DataError::new(cand_path, Some(&req.label), "unknown class"),
    })?;
    let output = |path: &Path, out: ClassOutput| -> Result<ClassPredictions, DataError> {
        match (out, cols) {
            (ClassOutput::Scores(columns), ClassColumns::Scores(list)) => {
                check_probabilities(path, list, &columns)?;
                Ok(ClassPredictions::Scores(columns))
            }
            (ClassOutput::Predicted(values), ClassColumns::Prediction(column)) => {
                let codes = codes(&values, &index, |v, rows, count| {
                    DataError::new(
                        path,
                        Some(column),
                        format!(
                            "{count} prediction(s) at row(s) {} are {v:?}, which is not a class of the labels ({}); a prediction must be one of the label's classes",
                            examples(&rows, count),
                            shown(&classes)
                        ),
                    )
                })?;
                Ok(ClassPredictions::Predicted(codes))
            }
            _ => Err(DataError::new(
                path,
                None,
                "the model's output does not match the configured columns",
            )),
        }
    };
    let candidate = output(cand_path, side.output)?;
    let baseline = match base {
        None => None,
        Some((path, b, order)) => {
            let at = |i: usize| order.as_ref().map_or(i, |o| o[i] as usize);
            if let Some(bl) = &b.labels {
                let (rows, count) = rows_where(labels.len(), |i| labels[i] != bl[at(i)]);
                if count > 0 {
                    return Err(DataError::new(
                        &path,
                        Some(&req.label),
                        format!(
                            "{count} paired row(s) have a different class than in the candidate {} (candidate row(s) {}); both files must come from the same evaluation set",
                            cand_path.display(),
                            examples(&rows, count)
                        ),
                    ));
                }
            }
            let out = output(&path, b.output)?;
            let reorder = |v: Vec<f64>| -> Vec<f64> {
                match &order {
                    None => v,
                    Some(o) => o.iter().map(|&j| v[j as usize]).collect(),
                }
            };
            Some(match out {
                ClassPredictions::Scores(columns) => {
                    ClassPredictions::Scores(columns.into_iter().map(reorder).collect())
                }
                ClassPredictions::Predicted(codes) => ClassPredictions::Predicted(match &order {
                    None => codes,
                    Some(o) => o.iter().map(|&j| codes[j as usize]).collect(),
                }),
            })
        }
    };
    Ok(TaskColumns::Multiclass {
        classes,
        truth,
        candidate,
        baseline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_sort_as_numpy_unique() {
        let mut ints: Vec<String> = ["10", "2", "1"].map(String::from).to_vec();
        sort_classes(&mut ints);
        assert_eq!(ints, ["1", "2", "10"]);
        let mut text: Vec<String> = ["refund", "billing", "10", "2"].map(String::from).to_vec();
        sort_classes(&mut text);
        assert_eq!(text, ["10", "2", "billing", "refund"]);
    }
}
