//! Slices: a code per row for each combination of slice-column values.
//!
//! A slicing may have at most `max_slices` slices: a near-unique `by:` column (an id, a
//! timestamp) would judge nothing and cost memory and time per slice, so it is refused
//! here, before any per-slice work, naming the column and its distinct values.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;

use super::{Cause, DataError};

/// One slicing: the rows split by the values of one or more columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Slicing {
    /// The columns, in `by:` order.
    pub columns: Vec<String>,
    /// Per slice code: the value of each column (`None` = missing), sorted.
    pub keys: Vec<Vec<Option<String>>>,
    /// Slice code per row.
    pub codes: Vec<u32>,
}

impl Slicing {
    /// Number of slices.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no slices (only for an empty data set).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Every column that any slicing names, once, in first-seen order.
pub(crate) fn distinct_columns(slicings: &[Vec<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in slicings.iter().flatten() {
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    out
}

/// Factorises one column: codes in sorted key order (missing values last).
fn factorize(
    path: &Path,
    frame: &DataFrame,
    name: &str,
) -> Result<(Vec<u32>, Vec<Option<String>>), DataError> {
    let s = frame
        .column(name)
        .map_err(|_| DataError::new(path, Some(name), "the slice column is missing"))?
        .as_materialized_series();
    let text = s.cast(&DataType::String).map_err(|e| {
        DataError::new(
            path,
            Some(name),
            format!("cannot read slice values as text: {e}"),
        )
    })?;
    let ca = text
        .str()
        .map_err(|e| DataError::new(path, Some(name), e.to_string()))?;
    let mut first_seen: HashMap<Option<&str>, u32> = HashMap::new();
    let mut codes = Vec::with_capacity(ca.len());
    for v in ca.iter() {
        let next = first_seen.len() as u32;
        codes.push(*first_seen.entry(v).or_insert(next));
    }
    // Sort keys so that slice order (and so the JSON) does not depend on row order.
    let mut keys: Vec<(Option<&str>, u32)> = first_seen.into_iter().collect();
    keys.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x.cmp(y),
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let mut remap = vec![0u32; keys.len()];
    for (new, (_, old)) in keys.iter().enumerate() {
        remap[*old as usize] = new as u32;
    }
    for c in &mut codes {
        *c = remap[*c as usize];
    }
    Ok((
        codes,
        keys.into_iter()
            .map(|(k, _)| k.map(str::to_string))
            .collect(),
    ))
}

/// Builds the slicing over `columns` (one or more) from the candidate's frame; more than
/// `max_slices` slices (distinct values, or combinations) is an error.
pub(crate) fn build(
    path: &Path,
    frame: &DataFrame,
    columns: &[String],
    max_slices: usize,
) -> Result<Slicing, DataError> {
    let too_many = |columns: &[String], distinct: usize| {
        DataError::of(
            path,
            (columns.len() == 1).then(|| columns[0].as_str()),
            Cause::TooManySlices {
                columns: columns.to_vec(),
                distinct,
                max: max_slices,
            },
        )
    };
    // Count first (one hash pass, no per-row text): factorising a million values is the
    // work to avoid.
    for c in columns {
        let s = frame
            .column(c)
            .map_err(|_| DataError::new(path, Some(c), "the slice column is missing"))?;
        let distinct = s
            .n_unique()
            .map_err(|e| DataError::new(path, Some(c), format!("cannot count slices: {e}")))?;
        if distinct > max_slices {
            return Err(too_many(std::slice::from_ref(c), distinct));
        }
    }
    let mut parts = Vec::with_capacity(columns.len());
    for c in columns {
        parts.push(factorize(path, frame, c)?);
    }
    let Some((first_codes, first_keys)) = parts.first().cloned() else {
        return Err(DataError::new(path, None, "a slicing with no columns"));
    };
    if parts.len() == 1 {
        return Ok(Slicing {
            columns: columns.to_vec(),
            keys: first_keys.into_iter().map(|k| vec![k]).collect(),
            codes: first_codes,
        });
    }
    // Combine per-column codes; keep only combinations that occur.
    let n = first_codes.len();
    let mut combo_of: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut codes = Vec::with_capacity(n);
    let mut tuple = vec![0u32; parts.len()];
    for i in 0..n {
        for (k, (c, _)) in parts.iter().enumerate() {
            tuple[k] = c[i];
        }
        let next = combo_of.len() as u32;
        let code = match combo_of.get(&tuple) {
            Some(c) => *c,
            None => {
                combo_of.insert(tuple.clone(), next);
                next
            }
        };
        codes.push(code);
    }
    if combo_of.len() > max_slices {
        return Err(too_many(columns, combo_of.len()));
    }
    // Per-column codes are already in sorted key order, so sorting tuples sorts keys.
    let mut combos: Vec<(Vec<u32>, u32)> = combo_of.into_iter().collect();
    combos.sort();
    let mut remap = vec![0u32; combos.len()];
    for (new, (_, old)) in combos.iter().enumerate() {
        remap[*old as usize] = new as u32;
    }
    for c in &mut codes {
        *c = remap[*c as usize];
    }
    let keys = combos
        .iter()
        .map(|(t, _)| {
            t.iter()
                .enumerate()
                .map(|(k, &c)| parts[k].1[c as usize].clone())
                .collect()
        })
        .collect();
    Ok(Slicing {
        columns: columns.to_vec(),
        keys,
        codes,
    })
}
