//! Per-row pieces of the probability metrics: log loss, Brier score, ECE bins.

/// Log loss of one row, as scikit-learn's `log_loss`: the probability of the row's true
/// class (`p` or `1 − p`) is clipped to `[eps, 1 − eps]` (eps = `f64::EPSILON`), then `−ln`.
#[inline]
pub fn log_loss_row(p: f64, positive: bool) -> f64 {
    const EPS: f64 = f64::EPSILON;
    let q = if positive { p } else { 1.0 - p };
    -q.clamp(EPS, 1.0 - EPS).ln()
}

/// Squared error of one row, `(y − p)²`, as `brier_score_loss` (binary, scaled by half).
#[inline]
pub fn brier_row(p: f64, positive: bool) -> f64 {
    let d = f64::from(u8::from(positive)) - p;
    d * d
}

/// The equal-width bin of `p` among `bins` bins over `[0, 1]`: bin `i` holds
/// `[i/bins, (i+1)/bins)` with the edges computed as `i as f64 / bins as f64`, and `1.0`
/// (and anything above) falls in the last bin, anything below 0 in the first.
///
/// `floor(p·bins)` can land one bin off near an edge through rounding; one correction step
/// against the exact edges fixes that, so the result agrees with a search over the edges.
#[inline]
pub fn ece_bin(p: f64, bins: u32) -> usize {
    let b = f64::from(bins.max(1));
    let last = bins.max(1) as usize - 1;
    // `as` saturates: negatives go to 0, huge values to usize::MAX before the `min`.
    let mut i = ((p * b) as usize).min(last);
    if i > 0 && p < i as f64 / b {
        i -= 1;
    } else if i < last && p >= (i + 1) as f64 / b {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_exact_edges() {
        assert_eq!(ece_bin(0.0, 10), 0);
        assert_eq!(ece_bin(0.3, 10), 3);
        assert_eq!(ece_bin(0.29999999999999993, 10), 2);
        // floor(p·bins) is one too high here (0.8999999999999999 < 9/10, the double) ...
        assert_eq!(ece_bin(0.8999999999999999, 10), 8);
        assert_eq!(ece_bin(0.8333333333333333, 6), 4);
        // ... and one too low here (0.6818181818181818 >= 15/22, the double).
        assert_eq!(ece_bin(0.6818181818181818, 22), 15);
        assert_eq!(ece_bin(0.7, 10), 7);
        assert_eq!(ece_bin(1.0, 10), 9);
        assert_eq!(ece_bin(0.5, 1), 0);
        // Brute force against the edge definition for awkward bin counts.
        for bins in [3u32, 7, 10, 13, 100] {
            for k in 0..=1000 {
                let p = k as f64 / 1000.0;
                let want = (0..bins as usize)
                    .rev()
                    .find(|&i| p >= i as f64 / f64::from(bins))
                    .unwrap_or(0);
                assert_eq!(ece_bin(p, bins), want, "p={p} bins={bins}");
            }
        }
    }

    #[test]
    fn row_losses() {
        assert!((log_loss_row(0.8, true) + 0.8f64.ln()).abs() < 1e-15);
        assert!((log_loss_row(0.8, false) + 0.2f64.ln()).abs() < 1e-12);
        assert_eq!(log_loss_row(0.0, true), -f64::EPSILON.ln());
        assert_eq!(log_loss_row(1.0, false), -f64::EPSILON.ln());
        assert!((brier_row(0.25, true) - 0.5625).abs() < 1e-15);
        assert_eq!(brier_row(0.25, false), 0.0625);
    }
}
