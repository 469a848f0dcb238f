//! Checks between the stages that keep a run honest and bounded: refuse work that cannot
//! fit in memory before it is allocated, notice a candidate compared with itself, and
//! make sure no stale result from an earlier run survives a run that judged nothing.
//!
//! They live here, not in `config` or `data`, because each needs both: the spec and what
//! the data turned out to be (rows, slices, input hashes).

use std::path::{Path, PathBuf};

use super::Error;
use crate::config::{ConfigError, Rule, Spec};
use crate::data::Paired;
use crate::measure::Plan;
use crate::report::RunWarning;

/// The most memory the bootstrap's replicate arrays may take: 4 GiB. A run that would need
/// more is refused (exit 2) before anything is allocated, with a hint.
pub const BOOTSTRAP_BUDGET_BYTES: u64 = 4 << 30;

/// Arrays of one value per replicate held at once for one (slice, metric) cell: with a
/// baseline, the per-replicate values of both models, the candidate's and the delta's
/// replicates with their sorted copies, the baseline column and the gate's copies of the
/// candidate and delta spreads; without one, the per-replicate values, the candidate's
/// replicates, their sorted copy and the gate's copy.
const ARRAYS_WITH_BASELINE: u64 = 9;
const ARRAYS_WITHOUT_BASELINE: u64 = 4;

/// The bootstrap's memory estimate for a run of `spec` over `rows` paired rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapCost {
    /// (slice, metric) cells that are bootstrapped, over every slicing.
    pub cells: u64,
    /// Estimated bytes: replicates × 8 × cells × arrays per cell.
    pub bytes: u64,
}

/// Estimates the memory the bootstrap will take, before it runs: one cell per bootstrapped
/// metric and slice of the measuring [`Plan`] (`slices` gives the number of slices of a `by:` list; the whole set is
/// one), 8 bytes per replicate and array.
pub fn bootstrap_cost(
    spec: &Spec,
    has_baseline: bool,
    slices: impl Fn(&[String]) -> usize,
) -> BootstrapCost {
    // The same plan the measuring runs: which metrics each slicing bootstraps.
    let cells: u64 = Plan::of(spec, true)
        .levels
        .iter()
        .filter_map(|level| {
            let boot = level.bootstrap.as_ref()?;
            let n = if level.by.is_empty() {
                1
            } else {
                slices(&level.by).max(1)
            };
            Some((n as u64).saturating_mul(boot.metrics.len() as u64))
        })
        .fold(0, u64::saturating_add);
    let arrays = if has_baseline {
        ARRAYS_WITH_BASELINE
    } else {
        ARRAYS_WITHOUT_BASELINE
    };
    let bytes = u64::from(spec.replicates)
        .saturating_mul(8)
        .saturating_mul(cells)
        .saturating_mul(arrays);
    BootstrapCost { cells, bytes }
}

/// Refuses (exit 2) a run whose bootstrap would need more than
/// [`BOOTSTRAP_BUDGET_BYTES`], before it allocates anything.
pub fn check_bootstrap_budget(spec: &Spec, data: &Paired) -> Result<(), Error> {
    let cost = bootstrap_cost(spec, data.baseline.is_some(), |by| {
        data.slicing(by).map_or(1, |s| s.len())
    });
    if cost.bytes > BOOTSTRAP_BUDGET_BYTES {
        return Err(Error::Budget {
            replicates: spec.replicates,
            cells: cost.cells,
            bytes: cost.bytes,
            budget: BOOTSTRAP_BUDGET_BYTES,
        });
    }
    Ok(())
}

/// Whether candidate and baseline are the same file (same canonical path) or the same
/// bytes (same SHA-256). Refused (exit 2, naming the gate's line) when a gate asks for an
/// improvement, which a model can never show over itself; otherwise a report warning.
pub fn same_inputs(spec: &Spec, data: &Paired) -> Result<Option<RunWarning>, Error> {
    let Some(base) = &data.baseline_file else {
        return Ok(None);
    };
    let cand = &data.candidate_file;
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let same_path = match (canonical(&cand.path), canonical(&base.path)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    let same_bytes = !cand.sha256.is_empty() && cand.sha256 == base.sha256;
    if !same_path && !same_bytes {
        return Ok(None);
    }
    if let Some(g) = spec.gates.iter().find(|g| g.rule == Rule::MinImprovement) {
        let what = if same_path {
            "the same file"
        } else {
            "files with the same bytes (same SHA-256)"
        };
        return Err(Error::Config(ConfigError {
            path: spec.path.clone(),
            line: Some(g.line),
            message: format!(
                "gate `{}` asks for `min_improvement`, but the candidate ({}) and the baseline ({}) are {what}: a model cannot improve on itself; point `candidate:` or `baseline:` at the other model's predictions",
                g.id,
                cand.path.display(),
                base.path.display()
            ),
        }));
    }
    Ok(Some(RunWarning::SameInputs { same_path }))
}

/// Removes the result files an earlier run left at the paths this run will write, so that
/// a run that ends without a verdict (exit 2) leaves none behind for a later CI step to
/// read as current. Only regular files are removed (through a symlink, its target): a
/// device such as `/dev/null`, a FIFO or a folder is left alone. A path that does not
/// exist is fine; a file that cannot be removed is an error (the run could not promise
/// its outputs).
pub fn remove_stale_outputs<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> Result<(), Error> {
    for path in paths {
        let fail = |source: std::io::Error| Error::Write {
            path: path.clone(),
            source,
        };
        // `metadata` follows symlinks: only a regular file at the end of them is a result.
        let file = match std::fs::metadata(path) {
            Ok(m) if m.is_file() => std::fs::canonicalize(path).map_err(fail)?,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(fail(e)),
        };
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, parse, validate};

    fn spec(gates: &str, replicates: u32) -> Spec {
        let text = format!(
            "version: 1\nname: t\ncandidate: c.csv\nbaseline: b.csv\nbootstrap: {{replicates: {replicates}}}\ngates:\n{gates}"
        );
        validate(
            parse(&text).expect("parses"),
            Path::new("t.yaml"),
            &Overrides::default(),
        )
        .expect("valid")
    }

    #[test]
    fn cost_counts_bootstrapped_cells_only() {
        let s = spec(
            "  - metric: roc_auc\n    max_regression: 0.01\n  - metric: pr_auc\n    max_regression: 0.01\n    by: country\n  - metric: rows\n    min: 10\n",
            1000,
        );
        // roc_auc uses DeLong, rows is a count: only pr_auc by country (40 slices).
        let c = bootstrap_cost(&s, true, |_| 40);
        assert_eq!(c.cells, 40);
        assert_eq!(c.bytes, 1000 * 8 * 40 * ARRAYS_WITH_BASELINE);
    }

    #[test]
    fn every_bootstrapped_gate_costs_whatever_its_evidence() {
        // Point gates get intervals at every size too: they count as much as evidence gates.
        let s = spec("  - metric: pr_auc\n    max_regression: 0.01\n", 100_000);
        assert_eq!(bootstrap_cost(&s, true, |_| 1).cells, 1);
        let s = spec(
            "  - metric: pr_auc\n    max_regression: 0.01\n    evidence: confident\n    by: shop\n",
            100_000,
        );
        let c = bootstrap_cost(&s, true, |_| 1_000);
        assert!(c.bytes > BOOTSTRAP_BUDGET_BYTES, "{c:?}");
    }
}
