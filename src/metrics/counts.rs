//! Row and positive counts under frequency weights.
//!
//! With `weights: frequency` a row of weight `w` stands for `w` identical rows (a bin of a
//! joint histogram). Every count a user reads or a gate compares — the `rows` / `positives`
//! of a slice, `min_slice`, the gates' JSON — must then be the rows the data stand for, the
//! sum of the weights, not the number of file rows: otherwise a histogram of 120,468 rows in
//! 56,220 bins is skipped as "56220 rows < 100000" where the row-level run judges it.

use super::Table;

/// `table` with `rows` and `positives` replaced by the sums of the frequency weights of each
/// group's rows (all rows, and the positive ones), which the evaluation pass already holds
/// ([`Table::weight_sums`]). Unweighted rows weigh 1, so their counts stay.
///
/// The weights are whole numbers (checked when read), so the sums are exact up to 2⁵³ and
/// round to themselves; a sum beyond `u64::MAX` saturates.
pub fn frequency_counts(mut table: Table) -> Table {
    // `as` saturates (and maps NaN to 0); weights were checked finite, >= 0 and whole.
    let round = |s: f64| s.round() as u64;
    table.rows = table
        .weight_sums
        .iter()
        .map(|&(p, n)| round(p + n))
        .collect();
    table.positives = table.weight_sums.iter().map(|&(p, _)| round(p)).collect();
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MetricId, Plan, Ranked, SortedGroups, evaluate};

    #[test]
    fn counts_are_weight_sums_per_group_and_equal_the_expanded_rows() {
        // Three bins standing for 5 + 1 + 3 rows; group 0 holds bins 0 and 2.
        let scores = [0.9, 0.2, 0.6];
        let positive = [true, false, false];
        let weight = [5.0, 1.0, 3.0];
        let r = Ranked::new(&scores, &positive, Some(&weight));
        let codes_rows = [0u32, 1, 0];
        let sorted: Vec<u32> = r.row.iter().map(|&i| codes_rows[i as usize]).collect();
        let groups = SortedGroups {
            codes: Some(&sorted),
            count: 2,
        };
        let plan = Plan {
            metrics: vec![MetricId::Rows, MetricId::Positives],
            threshold: 0.5,
        };
        let t = frequency_counts(evaluate(&r, groups, &plan, |_, _, _| 1.0));
        assert_eq!(t.rows, vec![8, 1]);
        assert_eq!(t.positives, vec![5, 0]);
        // The same as the metric values `rows` / `positives`, which were already weighted.
        assert_eq!(t.group(0), &[Ok(8.0), Ok(5.0)]);

        // Expanded into identical rows, unweighted: the same counts.
        let mut s = Vec::new();
        let mut p = Vec::new();
        let mut c = Vec::new();
        for i in 0..3 {
            for _ in 0..weight[i] as usize {
                s.push(scores[i]);
                p.push(positive[i]);
                c.push(codes_rows[i]);
            }
        }
        let r2 = Ranked::new(&s, &p, None);
        let sorted2: Vec<u32> = r2.row.iter().map(|&i| c[i as usize]).collect();
        let g2 = SortedGroups {
            codes: Some(&sorted2),
            count: 2,
        };
        let t2 = frequency_counts(evaluate(&r2, g2, &plan, |_, _, _| 1.0));
        assert_eq!((t2.rows, t2.positives), (t.rows, t.positives));
    }
}
