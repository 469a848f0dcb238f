//! The reference sample (e.g. production traffic) and feature columns, for drift gates.
//!
//! A reference file has the predictions' column roles: the score column, and every feature
//! or slice column a gate compares. Its rows are not paired with anything: it is a sample
//! of a distribution. Feature columns of the evaluation rows are read from the candidate
//! file, in its row order (the order of [`super::Paired`]).

use std::path::Path;

use polars::prelude::*;

use super::{DataError, FileInfo, Slicing, columns, read, slices};

/// A feature column's values: numbers (missing = `None`; NaN counts as missing) or
/// categories (text, missing = `None`).
#[derive(Debug, Clone, PartialEq)]
pub enum Feature {
    /// A numeric (or boolean) column.
    Numeric(Vec<Option<f64>>),
    /// Any other column, compared by its values as text.
    Categorical(Vec<Option<String>>),
}

impl Feature {
    /// Rows with no value.
    pub fn missing(&self) -> usize {
        match self {
            Feature::Numeric(v) => v.iter().filter(|x| x.is_none()).count(),
            Feature::Categorical(v) => v.iter().filter(|x| x.is_none()).count(),
        }
    }
}

/// The reference sample as read.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The file(s), hashed.
    pub file: FileInfo,
    /// The score column.
    pub scores: Vec<f64>,
    /// The requested feature columns, in request order.
    pub features: Vec<(String, Feature)>,
    /// One slicing per requested list of slice columns, over the reference's rows.
    pub slicings: Vec<Slicing>,
}

/// Reads the reference sample: the score column, `features` and the slice columns of
/// `slicings` (each must exist).
pub fn load_reference(
    path: &Path,
    score: &str,
    features: &[String],
    slicings: &[Vec<String>],
    max_slices: usize,
) -> Result<Reference, DataError> {
    let mut extra: Vec<String> = features.to_vec();
    for c in slices::distinct_columns(slicings) {
        if !extra.contains(&c) {
            extra.push(c);
        }
    }
    let wanted = read::Wanted {
        label: None,
        score,
        score_role: "score",
        cluster: None,
        id: None,
        weight: None,
        extra: &extra,
        extra_role: "slice",
        task_extra: &[],
    };
    let loaded = read::read(path, &wanted, true)?;
    let scores = columns::numbers(path, &loaded.frame, score, "score")?;
    let mut feats = Vec::with_capacity(features.len());
    for f in features {
        feats.push((f.clone(), feature(path, &loaded.frame, f)?));
    }
    let mut built = Vec::with_capacity(slicings.len());
    for cols in slicings {
        built.push(slices::build(path, &loaded.frame, cols, max_slices)?);
    }
    Ok(Reference {
        file: FileInfo {
            path: path.to_path_buf(),
            sha256: loaded.sha256,
            rows: scores.len(),
            files: loaded.files,
        },
        scores,
        features: feats,
        slicings: built,
    })
}

/// Reads `features` of the evaluation rows from the candidate file `path` (row order as in
/// [`super::Paired`]).
pub fn load_features(
    path: &Path,
    score: &str,
    features: &[String],
) -> Result<Vec<(String, Feature)>, DataError> {
    let wanted = read::Wanted {
        label: None,
        score,
        score_role: "score",
        cluster: None,
        id: None,
        weight: None,
        extra: features,
        extra_role: "feature",
        task_extra: &[],
    };
    let loaded = read::read(path, &wanted, true)?;
    features
        .iter()
        .map(|f| Ok((f.clone(), feature(path, &loaded.frame, f)?)))
        .collect()
}

/// One feature column: numeric when polars reads it as numbers or booleans, else text.
pub(crate) fn feature(path: &Path, frame: &DataFrame, name: &str) -> Result<Feature, DataError> {
    let s = frame
        .column(name)
        .map_err(|_| DataError::new(path, Some(name), "the feature column is missing"))?
        .as_materialized_series();
    let dtype = s.dtype().clone();
    if dtype.is_primitive_numeric() || dtype.is_bool() {
        let f = s.cast(&DataType::Float64).map_err(|e| {
            DataError::new(path, Some(name), format!("cannot read as numbers: {e}"))
        })?;
        let ca = f
            .f64()
            .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
        let values: Vec<Option<f64>> = ca
            .iter()
            .map(|v| v.filter(|x| !x.is_nan()).map(|x| x + 0.0))
            .collect();
        if let Some(row) = values
            .iter()
            .position(|v| v.is_some_and(|x| x.is_infinite()))
        {
            return Err(DataError::new(
                path,
                Some(name),
                format!(
                    "row {} holds an infinite value; feature values must be finite numbers (or missing)",
                    row + 1
                ),
            ));
        }
        return Ok(Feature::Numeric(values));
    }
    let text = s.cast(&DataType::String).map_err(|e| {
        DataError::new(
            path,
            Some(name),
            format!("cannot read the values as text: {e}"),
        )
    })?;
    let ca = text
        .str()
        .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
    Ok(Feature::Categorical(
        ca.iter().map(|v| v.map(str::to_string)).collect(),
    ))
}
