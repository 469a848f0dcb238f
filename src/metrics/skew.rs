//! Training–serving skew of one feature: its offline and online values for the same ids.
//!
//! Over the union of both files' ids (`n`):
//! - *compared*: ids with a value in both files; *mismatched*: those whose values differ —
//!   exactly for a categorical feature, by more than the feature's absolute `tolerance`
//!   (`|offline − online| > tolerance`, default 0) for a numeric one;
//! - `skew_mismatch_rate = mismatched / compared` (undefined when nothing is compared);
//! - `skew_max_abs_diff = max |offline − online|` over the compared ids (numeric only);
//! - `skew_missing_rate = (missing offline + missing online) / n`, where an id counts as
//!   missing on a side when that file has no row with it or a missing value (null, NaN)
//!   while the other file has a value. An id missing on both sides agrees.
//!
//! Counts are exact (unweighted rows); the example ids are the first few disagreeing ids in
//! the files' order, their values cut to [`EXAMPLE_CHARS`] characters.

use super::{MetricId, Undefined};

/// Disagreeing ids kept as examples per feature.
pub const SKEW_EXAMPLES: usize = 5;

/// Longest example id or value kept, in characters (longer ones end in `…`).
pub const EXAMPLE_CHARS: usize = 80;

/// Whether a feature is compared as numbers or as text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SkewKind {
    /// Numbers, compared within the tolerance.
    Numeric {
        /// Largest absolute difference that still matches.
        tolerance: f64,
    },
    /// Text (categories), compared exactly.
    Categorical,
}

/// One disagreeing id with both values (`None` = missing on that side).
#[derive(Debug, Clone, PartialEq)]
pub struct SkewExample {
    /// The id, cut to [`EXAMPLE_CHARS`].
    pub id: String,
    /// The offline value, cut.
    pub offline: Option<String>,
    /// The online value, cut.
    pub online: Option<String>,
}

/// The skew of one feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSkew {
    /// The column name.
    pub name: String,
    /// How it was compared.
    pub kind: SkewKind,
    /// Ids in either file.
    pub ids: u64,
    /// Ids with a value in both files.
    pub compared: u64,
    /// Compared ids whose values disagree.
    pub mismatched: u64,
    /// Ids with a value online but none offline.
    pub missing_offline: u64,
    /// Ids with a value offline but none online.
    pub missing_online: u64,
    /// Largest absolute difference over the compared ids (numeric, `compared > 0`).
    pub max_abs_diff: Option<f64>,
    /// The first disagreeing (mismatched or one-sided) ids.
    pub examples: Vec<SkewExample>,
}

impl FeatureSkew {
    /// Share of compared ids whose values disagree.
    pub fn mismatch_rate(&self) -> Result<f64, Undefined> {
        if self.compared == 0 {
            return Err(Undefined::NothingCompared);
        }
        Ok(self.mismatched as f64 / self.compared as f64)
    }

    /// Share of all ids with a value on one side only.
    pub fn missing_rate(&self) -> Result<f64, Undefined> {
        if self.ids == 0 {
            return Err(Undefined::Empty);
        }
        Ok((self.missing_offline + self.missing_online) as f64 / self.ids as f64)
    }

    /// Largest absolute difference (numeric features).
    pub fn max_abs_diff_value(&self) -> Result<f64, Undefined> {
        match self.kind {
            SkewKind::Categorical => Err(Undefined::NotNumeric),
            SkewKind::Numeric { .. } => self.max_abs_diff.ok_or(Undefined::NothingCompared),
        }
    }

    /// The value of a skew metric; `None` for a metric that is not one.
    pub fn value(&self, m: MetricId) -> Option<Result<f64, Undefined>> {
        match m {
            MetricId::SkewMismatchRate => Some(self.mismatch_rate()),
            MetricId::SkewMaxAbsDiff => Some(self.max_abs_diff_value()),
            MetricId::SkewMissingRate => Some(self.missing_rate()),
            _ => None,
        }
    }

    /// How bad the feature is, for ordering the report: one-sided and mismatched ids over
    /// all ids (worst first when sorted descending).
    pub fn badness(&self) -> f64 {
        if self.ids == 0 {
            return 0.0;
        }
        (self.mismatched + self.missing_offline + self.missing_online) as f64 / self.ids as f64
    }
}

/// Cuts `s` to [`EXAMPLE_CHARS`] characters.
pub fn cut(s: &str) -> String {
    if s.chars().count() <= EXAMPLE_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(EXAMPLE_CHARS - 1).collect();
    out.push('…');
    out
}

/// Shared walk: `agree(i)` is `None` for a row missing on both sides, else
/// `(offline present, online present, values agree, |diff|)`.
fn walk(
    name: &str,
    kind: SkewKind,
    ids: &[String],
    mut row: impl FnMut(usize) -> (bool, bool, bool, Option<f64>),
    shown: impl Fn(usize) -> (Option<String>, Option<String>),
) -> FeatureSkew {
    let mut s = FeatureSkew {
        name: name.to_string(),
        kind,
        ids: ids.len() as u64,
        compared: 0,
        mismatched: 0,
        missing_offline: 0,
        missing_online: 0,
        max_abs_diff: None,
        examples: Vec::new(),
    };
    for (i, id) in ids.iter().enumerate() {
        let (has_off, has_on, agree, diff) = row(i);
        let disagrees = match (has_off, has_on) {
            (true, true) => {
                s.compared += 1;
                if let Some(d) = diff {
                    s.max_abs_diff = Some(s.max_abs_diff.map_or(d, |m: f64| m.max(d)));
                }
                if !agree {
                    s.mismatched += 1;
                }
                !agree
            }
            (true, false) => {
                s.missing_online += 1;
                true
            }
            (false, true) => {
                s.missing_offline += 1;
                true
            }
            (false, false) => false,
        };
        if disagrees && s.examples.len() < SKEW_EXAMPLES {
            let (offline, online) = shown(i);
            s.examples.push(SkewExample {
                id: cut(id),
                offline,
                online,
            });
        }
    }
    s
}

/// The skew of a numeric feature, values aligned with `ids`.
pub fn numeric(
    name: &str,
    ids: &[String],
    offline: &[Option<f64>],
    online: &[Option<f64>],
    tolerance: f64,
) -> FeatureSkew {
    walk(
        name,
        SkewKind::Numeric { tolerance },
        ids,
        |i| match (offline[i], online[i]) {
            (Some(a), Some(b)) => {
                let d = (a - b).abs();
                (true, true, d <= tolerance, Some(d))
            }
            (a, b) => (a.is_some(), b.is_some(), false, None),
        },
        |i| {
            (
                offline[i].map(|x| x.to_string()),
                online[i].map(|x| x.to_string()),
            )
        },
    )
}

/// The skew of a categorical feature, values aligned with `ids`.
pub fn categorical(
    name: &str,
    ids: &[String],
    offline: &[Option<String>],
    online: &[Option<String>],
) -> FeatureSkew {
    walk(
        name,
        SkewKind::Categorical,
        ids,
        |i| match (&offline[i], &online[i]) {
            (Some(a), Some(b)) => (true, true, a == b, None),
            (a, b) => (a.is_some(), b.is_some(), false, None),
        },
        |i| {
            (
                offline[i].as_deref().map(cut),
                online[i].as_deref().map(cut),
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("r{i}")).collect()
    }

    #[test]
    fn numeric_counts_tolerance_missing_and_max_difference() {
        let off = [Some(1.0), Some(2.0), Some(3.0), None, Some(5.0), None];
        let on = [Some(1.0), Some(2.05), Some(3.5), Some(4.0), None, None];
        let s = numeric("x", &ids(6), &off, &on, 0.1);
        assert_eq!((s.ids, s.compared, s.mismatched), (6, 3, 1));
        assert_eq!((s.missing_offline, s.missing_online), (1, 1));
        assert_eq!(s.mismatch_rate(), Ok(1.0 / 3.0));
        assert_eq!(s.missing_rate(), Ok(2.0 / 6.0));
        assert_eq!(s.max_abs_diff_value(), Ok(0.5));
        let shown: Vec<&str> = s.examples.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(shown, ["r2", "r3", "r4"]);
        assert_eq!(s.examples[1].offline, None);
        assert_eq!(s.examples[1].online.as_deref(), Some("4"));
        // Exact by default: 2 vs 2.05 mismatches.
        assert_eq!(numeric("x", &ids(6), &off, &on, 0.0).mismatched, 2);
    }

    #[test]
    fn categorical_is_exact_and_has_no_difference() {
        let s = |v: &[Option<&str>]| -> Vec<Option<String>> {
            v.iter().map(|x| x.map(str::to_string)).collect()
        };
        let off = s(&[Some("a"), Some("b"), None]);
        let on = s(&[Some("a"), Some("B"), None]);
        let f = categorical("c", &ids(3), &off, &on);
        assert_eq!((f.compared, f.mismatched), (2, 1));
        assert_eq!(f.missing_rate(), Ok(0.0));
        assert_eq!(f.max_abs_diff_value(), Err(Undefined::NotNumeric));
        assert_eq!(
            categorical("c", &ids(1), &s(&[None]), &s(&[Some("x")])).mismatch_rate(),
            Err(Undefined::NothingCompared)
        );
    }

    #[test]
    fn long_values_are_cut() {
        let long = "é".repeat(500);
        assert_eq!(cut(&long).chars().count(), EXAMPLE_CHARS);
        assert!(cut(&long).ends_with('…'));
    }
}
