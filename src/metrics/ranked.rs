//! The one sort of a model's rows.

use rayon::slice::ParallelSliceMut;

use super::Ranked;

/// A `u64` whose unsigned order is the *descending* order of `score`.
///
/// `-0.0` and `0.0` map to the same key (adding `0.0` turns `-0.0` into `0.0`), so they tie
/// as they do under `==`. NaN is the caller's to exclude; it gets some key and does not panic.
#[inline]
fn descending_key(score: f64) -> u64 {
    let bits = (score + 0.0).to_bits();
    // Standard total-order trick: flip all bits of negatives, only the sign bit of positives;
    // that key ascends with the score, so its complement descends.
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    !ascending
}

impl Ranked {
    /// Sorts the rows by descending score, ties by ascending row index (a total order, so
    /// the result is deterministic whatever the thread count), and gathers labels and
    /// weights into that order.
    ///
    /// `-0.0` ties with `0.0`. Scores must not be NaN (the caller checks); infinities are
    /// ordered like any other value.
    ///
    /// # Panics
    /// If `positive` or `weight` differ in length from `scores`, or there are more than
    /// `u32::MAX` rows: both are programming errors, not user input.
    pub fn new(scores: &[f64], positive: &[bool], weight: Option<&[f64]>) -> Ranked {
        let n = scores.len();
        assert_eq!(positive.len(), n, "labels and scores differ in length");
        if let Some(w) = weight {
            assert_eq!(w.len(), n, "weights and scores differ in length");
        }
        assert!(u32::try_from(n).is_ok(), "more than u32::MAX rows");

        // Rows are distinct, so (key, row) pairs are distinct and an unstable sort is
        // deterministic; it is also faster and allocation-free.
        let mut order: Vec<(u64, u32)> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| (descending_key(s), i as u32))
            .collect();
        order.par_sort_unstable();

        let row: Vec<u32> = order.iter().map(|&(_, r)| r).collect();
        drop(order);
        let gather_f64 = |src: &[f64]| row.iter().map(|&r| src[r as usize]).collect::<Vec<_>>();
        Ranked {
            scores: gather_f64(scores),
            positive: row.iter().map(|&r| positive[r as usize]).collect(),
            weight: weight.map(gather_f64),
            row,
        }
    }

    /// Gathers a per-original-row array into sorted order (e.g. slice codes for [`super::Groups`]).
    ///
    /// # Panics
    /// If `per_row` is shorter than the number of rows ranked.
    pub fn gather<T: Copy>(&self, per_row: &[T]) -> Vec<T> {
        self.row.iter().map(|&r| per_row[r as usize]).collect()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.row.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.row.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_orders_descending_with_signed_zero_tied() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            0.0,
            5e-324,
            1.0,
            1e300,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(
                descending_key(w[0]) > descending_key(w[1]),
                "{} vs {}",
                w[0],
                w[1]
            );
        }
        assert_eq!(descending_key(-0.0), descending_key(0.0));
    }

    #[test]
    fn sorts_descending_ties_by_row() {
        let r = Ranked::new(
            &[0.2, 0.9, 0.2, -0.0, 0.0, 0.9],
            &[true, false, false, true, false, true],
            Some(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        );
        assert_eq!(r.row, [1, 5, 0, 2, 3, 4]);
        assert_eq!(r.scores, [0.9, 0.9, 0.2, 0.2, -0.0, 0.0]);
        assert_eq!(r.positive, [false, true, true, false, true, false]);
        assert_eq!(
            r.weight.as_deref(),
            Some(&[2.0, 6.0, 1.0, 3.0, 4.0, 5.0][..])
        );
        assert_eq!(
            r.gather(&['a', 'b', 'c', 'd', 'e', 'f']),
            ['b', 'f', 'a', 'c', 'd', 'e']
        );
        assert_eq!(r.len(), 6);
        assert!(!r.is_empty());
        assert!(Ranked::new(&[], &[], None).is_empty());
    }
}
