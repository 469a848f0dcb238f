//! The training–serving skew inputs: an offline feature file and an online (logged) one,
//! keyed by the same id column, aligned row by row on the union of their ids.
//!
//! Ids must be unique within each file (as in the main pairing: a repeated id has no one
//! value to compare) and of one kind in both (integers or text). An id present in one file
//! only is kept, with its values missing on the other side, so that it counts in the
//! "missing on one side" share instead of vanishing.

use std::collections::HashMap;
use std::path::Path;

use super::pair::{Ids, id_series, ids_of};
use super::reference::feature;
use super::{DataError, Feature, FileInfo, examples, read};

/// Most rows one skew file may hold (row positions are `u32`).
const MAX_ROWS: usize = u32::MAX as usize;

/// Both skew files aligned on the union of their ids.
#[derive(Debug, Clone)]
pub struct SkewData {
    /// The offline file.
    pub offline: FileInfo,
    /// The online file.
    pub online: FileInfo,
    /// Every id of either file, as shown to a user: the offline file's in row order, then
    /// those only the online file has, in its row order.
    pub ids: Vec<String>,
    /// The compared features, in request order, each aligned with `ids`.
    pub features: Vec<SkewColumn>,
}

/// One feature's values in both files, aligned with [`SkewData::ids`]; a value is missing
/// (`None`) where the file has no value or no row with that id.
#[derive(Debug, Clone)]
pub struct SkewColumn {
    /// The column name.
    pub name: String,
    /// Offline values.
    pub offline: Feature,
    /// Online values.
    pub online: Feature,
}

/// An id as a hashable key: integers of any width compare by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key<'a> {
    Int(i128),
    Text(&'a str),
}

fn keys<'a>(ids: &Ids<'a>) -> Vec<Key<'a>> {
    match ids {
        Ids::Signed(v) => v.iter().map(|&x| Key::Int(i128::from(x))).collect(),
        Ids::Unsigned(v) => v.iter().map(|&x| Key::Int(i128::from(x))).collect(),
        Ids::Text(v) => v.iter().map(|&x| Key::Text(x)).collect(),
    }
}

fn show(k: &Key<'_>) -> String {
    match k {
        Key::Int(x) => x.to_string(),
        Key::Text(s) => (*s).to_string(),
    }
}

/// Row of each id; exit 2 naming the repeated ids when one occurs twice.
fn index<'a>(path: &Path, id: &str, keys: &[Key<'a>]) -> Result<HashMap<Key<'a>, u32>, DataError> {
    if keys.len() > MAX_ROWS {
        return Err(DataError::new(
            path,
            Some(id),
            format!(
                "{} rows is more than modelgate holds in memory (4,294,967,295); compare a sample of ids",
                keys.len()
            ),
        ));
    }
    let mut map: HashMap<Key<'a>, u32> = HashMap::with_capacity(keys.len());
    let mut repeated: HashMap<Key<'a>, usize> = HashMap::new();
    for (row, k) in keys.iter().enumerate() {
        if map.insert(*k, row as u32).is_some() {
            *repeated.entry(*k).or_default() += 1;
        }
    }
    if repeated.is_empty() {
        return Ok(map);
    }
    let extra: usize = repeated.values().sum();
    let mut values: Vec<Key<'a>> = repeated.into_keys().collect();
    values.sort_unstable();
    let shown: Vec<String> = values
        .iter()
        .take(5)
        .map(|k| format!("{:?}", show(k)))
        .collect();
    Err(DataError::new(
        path,
        Some(id),
        format!(
            "{} id value(s) occur more than once ({extra} duplicate rows), e.g. {}; each id must name one row to compare its offline and online features",
            values.len(),
            examples(&shown, values.len())
        ),
    ))
}

/// Reads both files, checks the ids and aligns `features` on the union of the ids.
pub fn load_skew(
    offline_path: &Path,
    online_path: &Path,
    id: &str,
    features: &[String],
) -> Result<SkewData, DataError> {
    let wanted = read::Wanted {
        label: None,
        score: id,
        score_role: "id",
        cluster: None,
        id: Some(id),
        weight: None,
        extra: features,
        extra_role: "feature",
        task_extra: &[],
    };
    let off = read::read(offline_path, &wanted, true)?;
    let on = read::read(online_path, &wanted, true)?;
    let off_series = id_series(offline_path, &off.frame, id)?;
    let on_series = id_series(online_path, &on.frame, id)?;
    let off_ids = ids_of(offline_path, &off_series, id)?;
    let on_ids = ids_of(online_path, &on_series, id)?;
    if matches!(off_ids, Ids::Text(_)) != matches!(on_ids, Ids::Text(_)) {
        return Err(DataError::new(
            online_path,
            Some(id),
            format!(
                "the ids are {} here but {} in the offline file {}; they never match: write the id with one type in both files",
                on_series.dtype(),
                off_series.dtype(),
                offline_path.display()
            ),
        ));
    }
    let off_keys = keys(&off_ids);
    let on_keys = keys(&on_ids);
    let off_index = index(offline_path, id, &off_keys)?;
    let on_index = index(online_path, id, &on_keys)?;

    // The union: offline rows in order, then the ids only online has.
    let mut rows: Vec<(Option<u32>, Option<u32>)> = Vec::with_capacity(off_keys.len());
    let mut ids: Vec<String> = Vec::with_capacity(off_keys.len());
    for (r, k) in off_keys.iter().enumerate() {
        rows.push((Some(r as u32), on_index.get(k).copied()));
        ids.push(show(k));
    }
    for (r, k) in on_keys.iter().enumerate() {
        if !off_index.contains_key(k) {
            rows.push((None, Some(r as u32)));
            ids.push(show(k));
        }
    }

    let mut columns = Vec::with_capacity(features.len());
    for name in features {
        let o = feature(offline_path, &off.frame, name)?;
        let n = feature(online_path, &on.frame, name)?;
        let (offline, online) = match (o, n) {
            (Feature::Numeric(a), Feature::Numeric(b)) => (
                Feature::Numeric(
                    rows.iter()
                        .map(|(i, _)| i.and_then(|i| a[i as usize]))
                        .collect(),
                ),
                Feature::Numeric(
                    rows.iter()
                        .map(|(_, j)| j.and_then(|j| b[j as usize]))
                        .collect(),
                ),
            ),
            (Feature::Categorical(a), Feature::Categorical(b)) => (
                Feature::Categorical(
                    rows.iter()
                        .map(|(i, _)| i.and_then(|i| a[i as usize].clone()))
                        .collect(),
                ),
                Feature::Categorical(
                    rows.iter()
                        .map(|(_, j)| j.and_then(|j| b[j as usize].clone()))
                        .collect(),
                ),
            ),
            (o, _) => {
                let (text_path, num_path) = if matches!(o, Feature::Categorical(_)) {
                    (offline_path, online_path)
                } else {
                    (online_path, offline_path)
                };
                return Err(DataError::new(
                    text_path,
                    Some(name),
                    format!(
                        "the feature holds text here but numbers in {}; write it with one type in both files (a logged number must not be quoted)",
                        num_path.display()
                    ),
                ));
            }
        };
        columns.push(SkewColumn {
            name: name.clone(),
            offline,
            online,
        });
    }
    let info = |path: &Path, loaded: &read::Loaded| FileInfo {
        path: path.to_path_buf(),
        sha256: loaded.sha256.clone(),
        rows: loaded.frame.height(),
        files: loaded.files.clone(),
    };
    Ok(SkewData {
        offline: info(offline_path, &off),
        online: info(online_path, &on),
        ids,
        features: columns,
    })
}
