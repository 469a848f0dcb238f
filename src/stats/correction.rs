//! Multiple-comparison corrections of p-values, as statsmodels `multipletests`.

/// How to adjust a family of p-values; the config key `correction:` of a gate with `by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Holm's step-down method (family-wise error rate); statsmodels `method="holm"`.
    #[default]
    Holm,
    /// Benjamini–Hochberg (false discovery rate); statsmodels `method="fdr_bh"`.
    #[serde(rename = "bh")]
    BenjaminiHochberg,
    /// No adjustment.
    None,
}

/// Adjusted p-values, in the order of `p`.
///
/// Non-finite entries (NaN: a slice without a test) are left out of the family and come
/// back as NaN; the family size is the number of finite p-values. Results are capped at 1.
pub fn adjust(p: &[f64], method: Correction) -> Vec<f64> {
    let mut out = vec![f64::NAN; p.len()];
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    // Ties get the same adjusted value whatever their order, so an unstable sort is fine.
    order.sort_unstable_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len();
    match method {
        Correction::None => {
            for &i in &order {
                out[i] = p[i];
            }
        }
        Correction::Holm => {
            // Step down: the j-th smallest is multiplied by (m − j), then a running maximum.
            let mut running = 0.0_f64;
            for (j, &i) in order.iter().enumerate() {
                running = running.max(p[i] * (m - j) as f64);
                out[i] = running.min(1.0);
            }
        }
        Correction::BenjaminiHochberg => {
            // Step up: the j-th smallest (1-based) is multiplied by m / j, then a running
            // minimum from the largest down.
            let mut running = f64::INFINITY;
            for (j, &i) in order.iter().enumerate().rev() {
                running = running.min(p[i] * m as f64 / (j + 1) as f64);
                out[i] = running.min(1.0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_and_bh_small_family() {
        // By hand: sorted 0.01, 0.02, 0.04 with m = 3.
        let p = [0.04, 0.01, 0.02];
        let holm = adjust(&p, Correction::Holm);
        let want = [0.04, 0.03, 0.04];
        for (a, b) in holm.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{holm:?}");
        }
        let bh = adjust(&p, Correction::BenjaminiHochberg);
        let want = [0.04, 0.03, 0.03];
        for (a, b) in bh.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{bh:?}");
        }
        assert_eq!(adjust(&p, Correction::None), p.to_vec());
    }

    #[test]
    fn nan_is_left_out_of_the_family() {
        let out = adjust(&[0.01, f64::NAN, 0.02], Correction::Holm);
        assert!((out[0] - 0.02).abs() < 1e-15 && out[1].is_nan() && (out[2] - 0.02).abs() < 1e-15);
        assert!(adjust(&[], Correction::BenjaminiHochberg).is_empty());
    }

    #[test]
    fn capped_at_one() {
        let out = adjust(&[0.6, 0.7], Correction::Holm);
        assert_eq!(out, vec![1.0, 1.0]);
    }
}
