//! Pairing candidate and baseline rows: by id, or by position.
//!
//! Ids pair on their own values, exactly, or not at all. Integer ids of any width and sign
//! are widened without loss (`i8`…`i64` to `i64`, `u8`…`u64` to `u64`; a signed and an
//! unsigned column compare as numbers, so `u64` ids at or above 2^63 stay themselves), text
//! ids compare as text, and integer ids never pair with text ids (is `42` the row `"042"`?):
//! that is refused naming both types. Each side is sorted once (in parallel) and the two
//! are merged, which finds duplicates and one-sided ids on the way. The core,
//! [`pair_ids`], works on plain Rust columns so that a fuzz target and a property test can
//! check it against a reference hash join.

use std::cmp::Ordering;
use std::fmt;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::columns::Side;
use super::{Cause, DataError, Request, examples};

/// Ids shown in a message, at most.
const SHOWN: usize = 5;

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

/// One file's ids in row order, in the column's own kind of value, widened exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ids<'a> {
    /// Signed integers of any width.
    Signed(Vec<i64>),
    /// Unsigned integers of any width.
    Unsigned(Vec<u64>),
    /// Text (strings, categoricals).
    Text(Vec<&'a str>),
}

impl Ids<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Ids::Signed(v) => v.len(),
            Ids::Unsigned(v) => v.len(),
            Ids::Text(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn kind(&self) -> &'static str {
        match self {
            Ids::Signed(_) => "signed integers",
            Ids::Unsigned(_) => "unsigned integers",
            Ids::Text(_) => "text",
        }
    }
}

/// Which file a pairing problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairSide {
    /// The candidate's file.
    Candidate,
    /// The baseline's file.
    Baseline,
}

/// Why two id columns do not pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairError {
    /// Some ids occur more than once in one file.
    Duplicates {
        /// The file.
        side: PairSide,
        /// Distinct id values that repeat.
        values: usize,
        /// Rows beyond the first of each repeated value.
        extra_rows: usize,
        /// The smallest repeated ids, as shown to a user.
        shown: Vec<String>,
    },
    /// Some ids are in one file only: `(count, smallest ids shown)` per side.
    Unpaired {
        /// Ids only the candidate has.
        only_candidate: (usize, Vec<String>),
        /// Ids only the baseline has.
        only_baseline: (usize, Vec<String>),
    },
    /// One file's ids are integers, the other's text.
    Mixed {
        /// The candidate's kind of id.
        candidate: &'static str,
        /// The baseline's kind of id.
        baseline: &'static str,
    },
    /// More rows than a row position (`u32`) holds.
    TooManyRows(usize),
}

impl fmt::Display for PairError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PairError::Duplicates {
                values,
                extra_rows,
                shown,
                ..
            } => write!(
                f,
                "{values} id value(s) occur more than once ({extra_rows} duplicate rows), e.g. {}; ids must be unique to pair rows",
                shown.join(", ")
            ),
            PairError::Unpaired {
                only_candidate,
                only_baseline,
            } => {
                let mut parts = Vec::new();
                for ((n, shown), side) in [
                    (only_candidate, "only in the candidate"),
                    (only_baseline, "only in the baseline"),
                ] {
                    if *n > 0 {
                        parts.push(format!("{n} id(s) {side} (e.g. {})", shown.join(", ")));
                    }
                }
                write!(
                    f,
                    "candidate and baseline must hold the same rows: {}; evaluate both models on the same rows",
                    parts.join("; ")
                )
            }
            PairError::Mixed {
                candidate,
                baseline,
            } => write!(
                f,
                "the candidate's ids are {candidate} but the baseline's are {baseline}; they never pair"
            ),
            PairError::TooManyRows(n) => write!(
                f,
                "{n} rows is more than modelgate holds in memory (4,294,967,295); aggregate the rows first"
            ),
        }
    }
}

/// A key that can be shown in a message.
trait Show {
    fn show(&self) -> String;
}

impl Show for i64 {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Show for u64 {
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Show for &str {
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

/// Pairs by id: per candidate row, the baseline row with the same id. Every id must be
/// unique within its file and present in both.
pub fn pair_ids(cand: &Ids<'_>, base: &Ids<'_>) -> Result<Vec<u32>, PairError> {
    for n in [cand.len(), base.len()] {
        if u32::try_from(n).is_err() {
            return Err(PairError::TooManyRows(n));
        }
    }
    let signed_unsigned = |a: &i64, b: &u64| match u64::try_from(*a) {
        Ok(a) => a.cmp(b),
        Err(_) => Ordering::Less,
    };
    match (cand, base) {
        (Ids::Signed(c), Ids::Signed(b)) => merge(c, b, |x, y| x.cmp(y)),
        (Ids::Unsigned(c), Ids::Unsigned(b)) => merge(c, b, |x, y| x.cmp(y)),
        (Ids::Text(c), Ids::Text(b)) => merge(c, b, |x, y| x.cmp(y)),
        (Ids::Signed(c), Ids::Unsigned(b)) => merge(c, b, signed_unsigned),
        (Ids::Unsigned(c), Ids::Signed(b)) => merge(c, b, |x, y| signed_unsigned(y, x).reverse()),
        _ => Err(PairError::Mixed {
            candidate: cand.kind(),
            baseline: base.kind(),
        }),
    }
}

/// `(id, row)` sorted by id, or the duplicates found.
fn sorted_unique<K: Ord + Copy + Send + Sync + Show>(
    ids: &[K],
    side: PairSide,
) -> Result<Vec<(K, u32)>, PairError> {
    // Rows fit in u32: checked by `pair_ids`.
    let mut pairs: Vec<(K, u32)> = ids
        .iter()
        .enumerate()
        .map(|(r, &v)| (v, r as u32))
        .collect();
    pairs.par_sort_unstable();
    let (mut values, mut extra_rows) = (0usize, 0usize);
    let mut shown = Vec::new();
    let mut last: Option<K> = None;
    for w in pairs.windows(2) {
        if w[0].0 == w[1].0 {
            extra_rows += 1;
            if last != Some(w[0].0) {
                values += 1;
                last = Some(w[0].0);
                if shown.len() < SHOWN {
                    shown.push(w[0].0.show());
                }
            }
        }
    }
    if extra_rows > 0 {
        return Err(PairError::Duplicates {
            side,
            values,
            extra_rows,
            shown,
        });
    }
    Ok(pairs)
}

/// Sort-merge of the two sides' ids under `cmp` (a total order consistent with each
/// side's own order).
fn merge<A, B>(
    cand: &[A],
    base: &[B],
    cmp: impl Fn(&A, &B) -> Ordering,
) -> Result<Vec<u32>, PairError>
where
    A: Ord + Copy + Send + Sync + Show,
    B: Ord + Copy + Send + Sync + Show,
{
    let cs = sorted_unique(cand, PairSide::Candidate)?;
    let bs = sorted_unique(base, PairSide::Baseline)?;
    let mut order = vec![0u32; cand.len()];
    let (mut only_c, mut only_b) = ((0usize, Vec::new()), (0usize, Vec::new()));
    let note = |acc: &mut (usize, Vec<String>), v: String| {
        acc.0 += 1;
        if acc.1.len() < SHOWN {
            acc.1.push(v);
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < cs.len() || j < bs.len() {
        match (cs.get(i), bs.get(j)) {
            (Some((a, ra)), Some((b, rb))) => match cmp(a, b) {
                Ordering::Equal => {
                    order[*ra as usize] = *rb;
                    i += 1;
                    j += 1;
                }
                Ordering::Less => {
                    note(&mut only_c, a.show());
                    i += 1;
                }
                Ordering::Greater => {
                    note(&mut only_b, b.show());
                    j += 1;
                }
            },
            (Some((a, _)), None) => {
                note(&mut only_c, a.show());
                i += 1;
            }
            (None, Some((b, _))) => {
                note(&mut only_b, b.show());
                j += 1;
            }
            (None, None) => break,
        }
    }
    if only_c.0 + only_b.0 > 0 {
        return Err(PairError::Unpaired {
            only_candidate: only_c,
            only_baseline: only_b,
        });
    }
    Ok(order)
}

/// The id column of one file, refused when it has missing values.
pub(crate) fn id_series(path: &Path, frame: &DataFrame, id: &str) -> Result<Series, DataError> {
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
                if rows.len() == SHOWN {
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
    // Categorical ids pair as their text.
    if s.dtype().is_categorical() {
        return s.cast(&DataType::String).map_err(|e| {
            DataError::new(path, Some(id), format!("cannot read the ids as text: {e}"))
        });
    }
    Ok(s)
}

/// The ids of a column without missing values, in their own kind; other types refused.
pub(crate) fn ids_of<'a>(path: &Path, s: &'a Series, id: &str) -> Result<Ids<'a>, DataError> {
    let fail = |e: PolarsError| DataError::new(path, Some(id), format!("cannot read the ids: {e}"));
    let dtype = s.dtype();
    if dtype.is_signed_integer() {
        let wide = s.cast(&DataType::Int64).map_err(fail)?;
        let ca = wide.i64().map_err(fail)?;
        return Ok(Ids::Signed(ca.into_no_null_iter().collect()));
    }
    if dtype.is_unsigned_integer() {
        let wide = s.cast(&DataType::UInt64).map_err(fail)?;
        let ca = wide.u64().map_err(fail)?;
        return Ok(Ids::Unsigned(ca.into_no_null_iter().collect()));
    }
    if dtype.is_string() {
        let ca = s.str().map_err(fail)?;
        return Ok(Ids::Text(
            ca.iter().map(|v| v.unwrap_or_default()).collect(),
        ));
    }
    Err(DataError::of(
        path,
        Some(id),
        Cause::IdType {
            dtype: dtype.to_string(),
        },
    ))
}

/// Pairs by id: returns, per candidate row, the baseline row with the same id.
pub(crate) fn by_id(
    (cand_path, cand): (&Path, &DataFrame),
    (base_path, base): (&Path, &DataFrame),
    id: &str,
) -> Result<Option<Vec<u32>>, DataError> {
    let c = id_series(cand_path, cand, id)?;
    let b = id_series(base_path, base, id)?;
    let ci = ids_of(cand_path, &c, id)?;
    let bi = ids_of(base_path, &b, id)?;
    pair_ids(&ci, &bi).map(Some).map_err(|e| match e {
        PairError::Mixed { .. } => DataError::of(
            base_path,
            Some(id),
            Cause::IdTypes {
                candidate: c.dtype().to_string(),
                baseline: b.dtype().to_string(),
            },
        ),
        PairError::Duplicates { side, .. } => {
            let path = match side {
                PairSide::Candidate => cand_path,
                PairSide::Baseline => base_path,
            };
            DataError::new(path, Some(id), e.to_string())
        }
        PairError::Unpaired {
            only_candidate,
            only_baseline,
        } => {
            let mut parts = Vec::new();
            for ((n, shown), side) in [
                (
                    only_candidate,
                    format!("only in the candidate {}", cand_path.display()),
                ),
                (
                    only_baseline,
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
        PairError::TooManyRows(_) => DataError::new(cand_path, Some(id), e.to_string()),
    })
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
    if let (Some(tc), Some(tb)) = (&cand.target, &base.target) {
        let bad: Vec<usize> = (0..tc.len())
            .filter(|&i| tc[i].to_bits() != tb[at(i)].to_bits())
            .collect();
        if !bad.is_empty() {
            let shown: Vec<String> = bad.iter().take(5).map(|&i| describe_row(i)).collect();
            return Err(DataError::new(
                base_path,
                Some(&req.label),
                format!(
                    "{} paired row(s) have a different target than in the candidate {} ({}); both files must come from the same evaluation set",
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    /// The integer types of id columns, each with a cast from an exact `i128`.
    #[derive(Debug, Clone, Copy)]
    enum Kind {
        I8,
        I16,
        I32,
        I64,
        U8,
        U16,
        U32,
        U64,
        Str,
    }

    const KINDS: [Kind; 9] = [
        Kind::I8,
        Kind::I16,
        Kind::I32,
        Kind::I64,
        Kind::U8,
        Kind::U16,
        Kind::U32,
        Kind::U64,
        Kind::Str,
    ];

    impl Kind {
        fn range(self) -> (i128, i128) {
            match self {
                Kind::I8 => (i8::MIN.into(), i8::MAX.into()),
                Kind::I16 => (i16::MIN.into(), i16::MAX.into()),
                Kind::I32 => (i32::MIN.into(), i32::MAX.into()),
                Kind::I64 | Kind::Str => (i64::MIN.into(), i64::MAX.into()),
                Kind::U8 => (0, u8::MAX.into()),
                Kind::U16 => (0, u16::MAX.into()),
                Kind::U32 => (0, u32::MAX.into()),
                Kind::U64 => (0, u64::MAX.into()),
            }
        }

        /// A polars column of this type holding `values` (each in range).
        fn series(self, values: &[i128]) -> Series {
            let name = "id".into();
            macro_rules! ints {
                ($t:ty) => {
                    Series::new(name, values.iter().map(|&v| v as $t).collect::<Vec<$t>>())
                };
            }
            match self {
                Kind::I8 => ints!(i8),
                Kind::I16 => ints!(i16),
                Kind::I32 => ints!(i32),
                Kind::I64 => ints!(i64),
                Kind::U8 => ints!(u8),
                Kind::U16 => ints!(u16),
                Kind::U32 => ints!(u32),
                Kind::U64 => ints!(u64),
                Kind::Str => Series::new(
                    name,
                    values.iter().map(|v| format!("k{v}")).collect::<Vec<_>>(),
                ),
            }
        }
    }

    /// Values in a kind's range, drawn so that both sides share some and extremes occur
    /// (`u64` above 2^63, `i64::MIN`, 0, -1).
    fn pick(kind: Kind, raw: u64) -> i128 {
        let (lo, hi) = kind.range();
        let special = [
            lo,
            hi,
            0,
            -1,
            1,
            1i128 << 63,
            (1i128 << 63) - 1,
            (1i128 << 63) + 1,
        ];
        let v = if raw.is_multiple_of(4) {
            special[(raw / 4 % special.len() as u64) as usize]
        } else {
            // Small values collide across sides; large ones spread over the range.
            let small = (raw % 13) as i128 - 3;
            if raw % 4 == 1 {
                small
            } else {
                lo + (raw as i128 % (hi - lo + 1))
            }
        };
        v.clamp(lo, hi)
    }

    /// The reference: a hash join on the exact values, and its verdict.
    fn reference(c: &[Option<i128>], b: &[Option<i128>], text: bool) -> Option<Vec<u32>> {
        let key = |v: &i128| if text { format!("k{v}") } else { v.to_string() };
        let mut index: HashMap<String, Vec<u32>> = HashMap::new();
        for (r, v) in b.iter().enumerate() {
            index.entry(key(&v.unwrap())).or_default().push(r as u32);
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for v in c {
            *seen.entry(key(&v.unwrap())).or_default() += 1;
        }
        if seen.values().any(|&n| n > 1) || index.values().any(|r| r.len() > 1) {
            return None;
        }
        if seen.len() != index.len() {
            return None;
        }
        c.iter()
            .map(|v| index.get(&key(&v.unwrap())).map(|r| r[0]))
            .collect()
    }

    fn kind_strategy() -> impl Strategy<Value = Kind> {
        (0..KINDS.len()).prop_map(|i| KINDS[i])
    }

    fn frame(s: Series) -> DataFrame {
        DataFrame::new_infer_height(vec![s.into()]).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Pairing by id equals a reference hash join on the exact values, for every id
        /// type on either side (mixed widths and signs included); integer against text
        /// is refused naming both types.
        #[test]
        fn pairing_equals_a_reference_hash_join(
            ck in kind_strategy(),
            bk in kind_strategy(),
            raw in proptest::collection::vec(any::<u64>(), 1..40),
            shuffle in any::<u64>(),
            drop_one in any::<bool>(),
            dup_one in any::<bool>(),
        ) {
            let c: Vec<i128> = raw.iter().map(|&r| pick(ck, r)).collect();
            // The baseline: the candidate's ids that fit its type, rotated, sometimes with
            // one dropped or repeated; values that do not fit are replaced (so unpaired).
            let mut b: Vec<i128> = c.iter().map(|&v| {
                let (lo, hi) = bk.range();
                if (lo..=hi).contains(&v) { v } else { pick(bk, v as u64) }
            }).collect();
            let k = (shuffle % b.len() as u64) as usize;
            b.rotate_left(k);
            if drop_one && b.len() > 1 { b.pop(); }
            if dup_one { b.push(b[0]); }

            let cs = ck.series(&c);
            let bs = bk.series(&b);
            let got = by_id(
                (Path::new("c.parquet"), &frame(cs)),
                (Path::new("b.parquet"), &frame(bs)),
                "id",
            );
            let text = (matches!(ck, Kind::Str), matches!(bk, Kind::Str));
            if text.0 != text.1 {
                let e = got.unwrap_err();
                prop_assert!(matches!(*e.cause, Cause::IdTypes { .. }), "{}", e);
                prop_assert!(e.message.contains("str"), "{}", e);
                return Ok(());
            }
            let c_opt: Vec<Option<i128>> = c.iter().map(|&v| Some(v)).collect();
            let b_opt: Vec<Option<i128>> = b.iter().map(|&v| Some(v)).collect();
            let want = reference(&c_opt, &b_opt, text.0);
            match (got, want) {
                (Ok(Some(order)), Some(want)) => prop_assert_eq!(order, want),
                (Err(_), None) => {}
                (got, want) => prop_assert!(false, "got {:?}, reference {:?}", got, want),
            }
        }
    }

    /// The bug this module was rewritten for: u64 ids at or above 2^63 used to become
    /// null (cast to i64), so two different rows paired.
    #[test]
    fn large_unsigned_ids_keep_their_values() {
        let big = [u64::MAX, (1 << 63) + 7, 1 << 63];
        let c = Ids::Unsigned(big.to_vec());
        let b = Ids::Unsigned(vec![1 << 63, u64::MAX, (1 << 63) + 7]);
        assert_eq!(pair_ids(&c, &b).unwrap(), [1, 2, 0]);
        let other = Ids::Unsigned(vec![1 << 63, u64::MAX, (1 << 63) + 8]);
        let e = pair_ids(&c, &other).unwrap_err();
        assert!(e.to_string().contains("9223372036854775815"), "{e}");
        // Unique hash ids are unique, not "duplicates of 0".
        let hashes: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1 << 63)
            .collect();
        let h = Ids::Unsigned(hashes.clone());
        let mut rev = hashes;
        rev.reverse();
        assert!(pair_ids(&h, &Ids::Unsigned(rev)).is_ok());
        // A signed -1 is not u64::MAX.
        let e = pair_ids(&Ids::Signed(vec![-1]), &Ids::Unsigned(vec![u64::MAX])).unwrap_err();
        assert!(matches!(e, PairError::Unpaired { .. }), "{e}");
    }

    #[test]
    fn float_ids_are_refused_naming_the_type() {
        let f = frame(Series::new("id".into(), vec![1.0f64, 2.0]));
        let e = by_id((Path::new("c.csv"), &f), (Path::new("b.csv"), &f), "id").unwrap_err();
        assert!(
            matches!(&*e.cause, Cause::IdType { dtype } if dtype == "f64"),
            "{e}"
        );
    }
}
