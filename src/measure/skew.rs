//! Training–serving skew (`skew:`): the offline and online feature files read, aligned by
//! id and compared per feature; gates on `skew_*` metrics with `by: feature` judge each
//! feature as a slice `feature=<name>`.
//!
//! Like the gates against the reference ([`super::drift`]), these gates have their own inputs:
//! [`super::measure_all`] takes them out of the spec for the paired rows and measures them here.

use super::{Estimate, Measured};
use crate::config::{SKEW_BY, Spec};
use crate::data::{self, DataError, Feature, FileInfo};
use crate::metrics::Undefined;
use crate::metrics::skew::{self as metric, FeatureSkew};

/// The training–serving skew of every compared feature, with the files compared.
#[derive(Debug, Clone)]
pub struct SkewSummary {
    /// The offline feature file.
    pub offline: FileInfo,
    /// The online (logged) feature file.
    pub online: FileInfo,
    /// The id column pairing them.
    pub id: String,
    /// Each feature's skew, in config order.
    pub features: Vec<crate::metrics::skew::FeatureSkew>,
}

impl SkewSummary {
    /// The features that disagree anywhere, worst first (ties in config order).
    pub fn worst(&self) -> Vec<&crate::metrics::skew::FeatureSkew> {
        let mut v: Vec<_> = self.features.iter().filter(|f| f.badness() > 0.0).collect();
        v.sort_by(|a, b| b.badness().total_cmp(&a.badness()));
        v
    }
}

/// Reads and compares the `skew:` files; `None` without a `skew:` block.
pub fn load(spec: &Spec) -> Result<Option<SkewSummary>, DataError> {
    let Some(s) = &spec.skew else {
        return Ok(None);
    };
    let names: Vec<String> = s.features.iter().map(|f| f.name.clone()).collect();
    let loaded = data::load_skew(&s.offline, &s.online, &s.id, &names)?;
    let mut features = Vec::with_capacity(loaded.features.len());
    for (col, conf) in loaded.features.iter().zip(&s.features) {
        let skew = match (&col.offline, &col.online) {
            (Feature::Numeric(a), Feature::Numeric(b)) => {
                metric::numeric(&col.name, &loaded.ids, a, b, conf.tolerance.unwrap_or(0.0))
            }
            (Feature::Categorical(a), Feature::Categorical(b)) => {
                if let Some(t) = conf.tolerance {
                    return Err(DataError::new(
                        &s.offline,
                        Some(&col.name),
                        format!(
                            "`skew.features` gives `{}` a tolerance of {t}, but the column holds text (compared exactly); drop the tolerance, or write the feature as numbers",
                            col.name
                        ),
                    ));
                }
                metric::categorical(&col.name, &loaded.ids, a, b)
            }
            // load_skew refuses a feature of two types.
            _ => continue,
        };
        features.push(skew);
    }
    Ok(Some(SkewSummary {
        offline: loaded.offline,
        online: loaded.online,
        id: s.id.clone(),
        features,
    }))
}

/// The spec without the skew gates: their `by: feature` is no column of the predictions.
pub fn without_skew(spec: &Spec) -> Spec {
    let mut s = spec.clone();
    s.gates.retain(|g| !g.metric.is_skew());
    s
}

/// The measurements of every skew gate, by gate index in `spec.gates`: one slice per
/// feature, in config order.
pub fn measure(spec: &Spec, skew: Option<&SkewSummary>) -> Vec<(usize, Vec<Measured>)> {
    let Some(skew) = skew else {
        return Vec::new();
    };
    spec.gates
        .iter()
        .enumerate()
        .filter(|(_, g)| g.metric.is_skew())
        .map(|(gi, g)| {
            let measured = skew
                .features
                .iter()
                .map(|f| measured(f, g.metric))
                .collect();
            (gi, measured)
        })
        .collect()
}

fn measured(f: &FeatureSkew, m: crate::metrics::MetricId) -> Measured {
    let value = f
        .value(m)
        // Every skew metric has a value or a reason; another metric is no gate here.
        .unwrap_or(Err(Undefined::Empty))
        .map(Estimate::point);
    Measured {
        slice: vec![(SKEW_BY.to_string(), Some(f.name.clone()))],
        rows: f.ids,
        positives: 0,
        candidate: value,
        baseline: None,
        delta: None,
        mcnemar: None,
        mcnemar_context: None,
        ks_test: None,
    }
}
