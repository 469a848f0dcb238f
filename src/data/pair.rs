//! Pairing candidate and baseline rows: by id (a polars hash join) or by position.

use std::path::Path;

use polars::prelude::*;

use super::columns::Side;
use super::{DataError, Request, examples};

const ROW_C: &str = "__modelgate_row_c";
const ROW_B: &str = "__modelgate_row_b";

/// Rows pair by position: both files must have the same length.
pub(crate) fn by_position(
    cand: &Path,
    cand_rows: usize,
    base: &Path,
    base_rows: usize,
) -> Result<Option<Vec<u32>>, DataError> {
    if cand_rows != base_rows {
        return Err(DataError::new(
            base,
            None,
            format!(
                "has {base_rows} rows but the candidate {} has {cand_rows}; without `columns.id` rows pair by position, so both files must list the same rows in the same order (or set `columns.id` to pair by a key)",
                cand.display()
            ),
        ));
    }
    Ok(None)
}

fn id_series(path: &Path, frame: &DataFrame, id: &str) -> Result<Series, DataError> {
    let s = frame
        .column(id)
        .map_err(|_| DataError::new(path, Some(id), "the id column is missing"))?
        .as_materialized_series()
        .clone();
    if s.null_count() > 0 {
        let mut rows = Vec::new();
        for i in 0..s.len() {
            if s.get(i).map(|v| v.is_null()).unwrap_or(false) {
                rows.push(i + 1);
                if rows.len() == 5 {
                    break;
                }
            }
        }
        return Err(DataError::new(
            path,
            Some(id),
            format!(
                "{} missing id(s) at row(s) {}; every row needs an id to pair",
                s.null_count(),
                examples(&rows, s.null_count())
            ),
        ));
    }
    Ok(s)
}

fn duplicates(path: &Path, s: &Series, id: &str) -> Result<(), DataError> {
    let fail = |e: PolarsError| DataError::new(path, Some(id), format!("cannot check ids: {e}"));
    let unique = s.n_unique().map_err(fail)?;
    if unique == s.len() {
        return Ok(());
    }
    let df =
        DataFrame::new_infer_height(vec![s.clone().with_name("id".into()).into()]).map_err(fail)?;
    let dups = df
        .lazy()
        .group_by([col("id")])
        .agg([len().alias("n")])
        .filter(col("n").gt(lit(1)))
        .sort(["id"], Default::default())
        .collect()
        .map_err(fail)?;
    let shown = show_ids(dups.column("id").map_err(fail)?.as_materialized_series(), 5);
    Err(duplicate_error(
        path,
        id,
        dups.height(),
        s.len() - unique,
        &shown,
    ))
}

fn duplicate_error(
    path: &Path,
    id: &str,
    values: usize,
    extra_rows: usize,
    shown: &[String],
) -> DataError {
    DataError::new(
        path,
        Some(id),
        format!(
            "{values} id value(s) occur more than once ({extra_rows} duplicate rows), e.g. {}; ids must be unique to pair rows",
            shown.join(", ")
        ),
    )
}

/// Ids on one side only: `(count, first ids)` for the candidate and the baseline.
fn unpaired_error(
    cand_path: &Path,
    base_path: &Path,
    id: &str,
    only_cand: (usize, &[String]),
    only_base: (usize, &[String]),
) -> DataError {
    let mut parts = Vec::new();
    for ((n, shown), side) in [
        (
            only_cand,
            format!("only in the candidate {}", cand_path.display()),
        ),
        (
            only_base,
            format!("only in the baseline {}", base_path.display()),
        ),
    ] {
        if n > 0 {
            parts.push(format!("{n} id(s) {side} (e.g. {})", shown.join(", ")));
        }
    }
    DataError::new(
        cand_path,
        Some(id),
        format!(
            "candidate and baseline must hold the same rows: {}; evaluate both models on the same rows",
            parts.join("; ")
        ),
    )
}

/// The ids as `i64` when the column holds integers.
fn integers(s: &Series) -> Option<Vec<i64>> {
    if !s.dtype().is_integer() {
        return None;
    }
    let cast = s.cast(&DataType::Int64).ok()?;
    let ca = cast.i64().ok()?;
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        out.extend_from_slice(arr.values().as_slice());
    }
    Some(out)
}

/// Sorted `(id, row)` pairs; an error naming the duplicates if any id repeats.
fn sorted_unique(path: &Path, ids: &[i64], id: &str) -> Result<Vec<(i64, u32)>, DataError> {
    use rayon::prelude::*;
    let mut pairs: Vec<(i64, u32)> = ids
        .iter()
        .enumerate()
        .map(|(r, &v)| (v, r as u32))
        .collect();
    pairs.par_sort_unstable();
    let mut values = 0usize;
    let mut extra = 0usize;
    let mut shown = Vec::new();
    for w in pairs.windows(2) {
        if w[0].0 == w[1].0 {
            extra += 1;
            if shown.last() != Some(&w[0].0) {
                values += 1;
                if shown.len() < 5 {
                    shown.push(w[0].0);
                }
            }
        }
    }
    if extra > 0 {
        let shown: Vec<String> = shown.iter().map(|v| v.to_string()).collect();
        return Err(duplicate_error(path, id, values, extra, &shown));
    }
    Ok(pairs)
}

fn by_integer_id(
    (cand_path, cand): (&Path, &[i64]),
    (base_path, base): (&Path, &[i64]),
    id: &str,
) -> Result<Vec<u32>, DataError> {
    let cs = sorted_unique(cand_path, cand, id)?;
    let bs = sorted_unique(base_path, base, id)?;
    let mut order = vec![0u32; cand.len()];
    let (mut only_c, mut only_b) = ((0usize, Vec::new()), (0usize, Vec::new()));
    let note = |acc: &mut (usize, Vec<String>), v: i64| {
        acc.0 += 1;
        if acc.1.len() < 5 {
            acc.1.push(v.to_string());
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < cs.len() || j < bs.len() {
        match (cs.get(i), bs.get(j)) {
            (Some(&(a, ra)), Some(&(b, rb))) if a == b => {
                order[ra as usize] = rb;
                i += 1;
                j += 1;
            }
            (Some(&(a, _)), Some(&(b, _))) if a < b => {
                note(&mut only_c, a);
                i += 1;
            }
            (Some(&(a, _)), None) => {
                note(&mut only_c, a);
                i += 1;
            }
            (_, Some(&(b, _))) => {
                note(&mut only_b, b);
                j += 1;
            }
            (None, None) => break,
        }
    }
    if only_c.0 + only_b.0 > 0 {
        return Err(unpaired_error(
            cand_path,
            base_path,
            id,
            (only_c.0, &only_c.1),
            (only_b.0, &only_b.1),
        ));
    }
    Ok(order)
}

fn show_ids(s: &Series, n: usize) -> Vec<String> {
    (0..s.len().min(n))
        .map(|i| match s.get(i) {
            Ok(AnyValue::String(v)) => format!("{v:?}"),
            Ok(v) => v.to_string(),
            Err(_) => "?".into(),
        })
        .collect()
}

/// Pairs by id: returns, per candidate row, the baseline row with the same id.
pub(crate) fn by_id(
    (cand_path, cand): (&Path, &DataFrame),
    (base_path, base): (&Path, &DataFrame),
    id: &str,
) -> Result<Option<Vec<u32>>, DataError> {
    let mut c = id_series(cand_path, cand, id)?;
    let mut b = id_series(base_path, base, id)?;
    // Integer ids (the common case at scale): a parallel sort-merge in Rust, several times
    // faster than a hash join plus two distinct counts, and it finds duplicates on the way.
    if let (Some(ci), Some(bi)) = (integers(&c), integers(&b)) {
        return by_integer_id((cand_path, &ci), (base_path, &bi), id).map(Some);
    }
    duplicates(cand_path, &c, id)?;
    duplicates(base_path, &b, id)?;
    // Ids of different types (42 vs "42") join as text.
    if c.dtype() != b.dtype() {
        let to_text = |s: &Series, p: &Path| {
            s.cast(&DataType::String).map_err(|e| {
                DataError::new(p, Some(id), format!("cannot compare ids as text: {e}"))
            })
        };
        c = to_text(&c, cand_path)?;
        b = to_text(&b, base_path)?;
    }
    let fail = |e: PolarsError| {
        DataError::new(cand_path, Some(id), format!("cannot pair rows by id: {e}"))
    };
    let n_c = c.len();
    let left = DataFrame::new_infer_height(vec![c.with_name("id".into()).into()])
        .and_then(|df| df.with_row_index(ROW_C.into(), None))
        .map_err(fail)?;
    let right = DataFrame::new_infer_height(vec![b.with_name("id".into()).into()])
        .and_then(|df| df.with_row_index(ROW_B.into(), None))
        .map_err(fail)?;
    let joined = left
        .lazy()
        .join(
            right.lazy(),
            [col("id")],
            [col("id")],
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .collect()
        .map_err(fail)?;
    let rc = joined
        .column(ROW_C)
        .map_err(fail)?
        .as_materialized_series()
        .clone();
    let rb = joined
        .column(ROW_B)
        .map_err(fail)?
        .as_materialized_series()
        .clone();
    let ids = joined
        .column("id")
        .map_err(fail)?
        .as_materialized_series()
        .clone();
    let only_base = rc.is_null();
    let only_cand = rb.is_null();
    let n_only_base = only_base.sum().unwrap_or(0) as usize;
    let n_only_cand = only_cand.sum().unwrap_or(0) as usize;
    if n_only_base + n_only_cand > 0 {
        let mut shown = Vec::new();
        for (mask, n) in [(&only_cand, n_only_cand), (&only_base, n_only_base)] {
            let ids_side = if n > 0 {
                let picked = ids.filter(mask).map_err(fail)?;
                show_ids(&picked.sort(Default::default()).map_err(fail)?, 5)
            } else {
                Vec::new()
            };
            shown.push(ids_side);
        }
        return Err(unpaired_error(
            cand_path,
            base_path,
            id,
            (n_only_cand, &shown[0]),
            (n_only_base, &shown[1]),
        ));
    }
    let rc = rc.cast(&IDX_DTYPE).map_err(fail)?;
    let rb = rb.cast(&IDX_DTYPE).map_err(fail)?;
    let rc = rc.idx().map_err(fail)?;
    let rb = rb.idx().map_err(fail)?;
    let mut order = vec![0u32; n_c];
    for (c_row, b_row) in rc.into_no_null_iter().zip(rb.into_no_null_iter()) {
        // IdxSize is u32 unless polars is built with `bigidx`.
        #[allow(clippy::unnecessary_cast)]
        {
            order[c_row as usize] = b_row as u32;
        }
    }
    Ok(Some(order))
}

/// Checks that paired rows agree on label and weight; returns the baseline scores in
/// candidate row order.
pub(crate) fn check_agreement(
    (cand_path, cand, cand_frame): (&Path, &Side, &DataFrame),
    (base_path, base, _base_frame): (&Path, &Side, &DataFrame),
    order: Option<&[u32]>,
    req: &Request,
) -> Result<Vec<f64>, DataError> {
    let at = |i: usize| order.map_or(i, |o| o[i] as usize);
    let describe_row = |i: usize| -> String {
        match &req.id {
            Some(id) => match cand_frame.column(id).and_then(|c| c.get(i)) {
                Ok(AnyValue::String(v)) => format!("id {v:?}"),
                Ok(v) => format!("id {v}"),
                Err(_) => format!("row {}", i + 1),
            },
            None => format!("row {}", i + 1),
        }
    };
    if let (Some(pc), Some(pb)) = (&cand.positive, &base.positive) {
        let bad: Vec<usize> = (0..pc.len()).filter(|&i| pc[i] != pb[at(i)]).collect();
        if !bad.is_empty() {
            let shown: Vec<String> = bad.iter().take(5).map(|&i| describe_row(i)).collect();
            return Err(DataError::new(
                base_path,
                Some(&req.label),
                format!(
                    "{} paired row(s) have a different label than in the candidate {} ({}); both files must come from the same evaluation set",
                    bad.len(),
                    cand_path.display(),
                    examples(&shown, bad.len())
                ),
            ));
        }
    }
    if let (Some(wc), Some(wb)) = (&cand.weight, &base.weight) {
        let bad: Vec<usize> = (0..wc.len())
            .filter(|&i| {
                let (a, b) = (wc[i], wb[at(i)]);
                (a - b).abs() > 1e-9 * a.abs().max(b.abs()).max(1.0)
            })
            .collect();
        if !bad.is_empty() {
            let shown: Vec<String> = bad.iter().take(5).map(|&i| describe_row(i)).collect();
            return Err(DataError::new(
                base_path,
                req.weight.as_deref(),
                format!(
                    "{} paired row(s) have a different weight than in the candidate {} ({}); weights describe the rows, not the model, and must agree",
                    bad.len(),
                    cand_path.display(),
                    examples(&shown, bad.len())
                ),
            ));
        }
    }
    Ok(match order {
        None => base.score.clone(),
        Some(o) => o.iter().map(|&j| base.score[j as usize]).collect(),
    })
}
