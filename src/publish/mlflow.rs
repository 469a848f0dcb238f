//! The MLflow registry and tracking server as a place to publish: promotion on a pass,
//! the result logged to a run.
//!
//! `--promote models:/<name>/<version>@<alias>`: on exit 0 (pass, or pass with warnings)
//! the version is tagged `modelgate.verdict`, `modelgate.config_sha256` and
//! `modelgate.result_sha256`, then the alias is moved to it; on exit 1 the version is only
//! tagged (`modelgate.verdict=blocked`) and the alias does not move. Exit 2 never reaches
//! this module. `--log-run <run_id>` logs each gate's candidate value and delta as
//! metrics and its status as a tag, plus the JSON and Markdown reports as artifacts under
//! `modelgate/`. `--dry-run` prints the changes and makes none.
//!
//! As for comments, a failure is a warning unless `--strict-publish` makes it exit 3;
//! every message passes the MLflow settings' redaction.

use super::PublishError;
use crate::mlflow::{Client, PromoteTarget, Settings};

/// One gate result (gate and slice), as logged to a run.
#[derive(Debug, Clone, PartialEq)]
pub struct GateValue {
    /// The gate's id.
    pub id: String,
    /// The slice's label (`country=MX`), `None` for the whole data set.
    pub slice: Option<String>,
    /// The candidate's value, when defined.
    pub candidate: Option<f64>,
    /// Candidate − baseline, when defined.
    pub delta: Option<f64>,
    /// `pass`, `warn`, `fail` or `skip`.
    pub status: String,
}

/// The finished run, as MLflow records it.
#[derive(Debug, Clone)]
pub struct Result<'a> {
    /// `pass`, `warn` or `fail`.
    pub verdict: &'a str,
    /// 0 or 1.
    pub exit_code: i32,
    /// SHA-256 of the config file.
    pub config_sha256: &'a str,
    /// SHA-256 of the JSON result document.
    pub result_sha256: String,
    /// The JSON result document.
    pub result_json: &'a str,
    /// The Markdown report.
    pub markdown: &'a str,
    /// Every gate result.
    pub gates: &'a [GateValue],
}

/// What to do.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `--promote`.
    pub promote: Option<&'a PromoteTarget>,
    /// `--log-run`.
    pub log_run: Option<&'a str>,
    /// `--dry-run`: describe, change nothing.
    pub dry_run: bool,
    /// `--strict-publish`: a failure is an error (exit 3).
    pub strict: bool,
}

/// What was done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    /// What changed (or, in a dry run, would change).
    pub notes: Vec<String>,
    /// Failures that were only warnings.
    pub warnings: Vec<String>,
}

/// The version tags a gate run writes.
pub fn version_tags(r: &Result) -> Tags {
    let verdict = if r.exit_code == 0 {
        r.verdict.to_string()
    } else {
        "blocked".to_string()
    };
    vec![
        ("modelgate.verdict".into(), verdict),
        (
            "modelgate.config_sha256".into(),
            r.config_sha256.to_string(),
        ),
        ("modelgate.result_sha256".into(), r.result_sha256.clone()),
    ]
}

/// Metric (key, value) pairs.
pub type Metrics = Vec<(String, f64)>;
/// Tag (key, value) pairs.
pub type Tags = Vec<(String, String)>;

/// Longest key stem: MLflow takes keys up to 250 characters, and `.candidate` follows.
const STEM_CHARS: usize = 230;

/// A key part in MLflow's key alphabet (letters, digits, `_ - . space`; the rest `_`).
fn key_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The run metrics and tags of `--log-run`.
pub fn run_values(r: &Result) -> (Metrics, Tags) {
    let mut metrics = Vec::new();
    let mut tags = vec![
        ("modelgate.verdict".to_string(), r.verdict.to_string()),
        ("modelgate.exit_code".to_string(), r.exit_code.to_string()),
        (
            "modelgate.config_sha256".to_string(),
            r.config_sha256.to_string(),
        ),
        (
            "modelgate.result_sha256".to_string(),
            r.result_sha256.clone(),
        ),
    ];
    // Keys are built, cut to MLflow's length and made unique in one place: two slices whose
    // labels differ only past the cut (or in replaced characters) must not share a key, or
    // one slice's `fail` would overwrite another's `pass`.
    let mut seen = std::collections::BTreeSet::new();
    for g in r.gates {
        let mut key = format!("modelgate.{}", key_part(&g.id));
        if let Some(s) = &g.slice {
            key.push('.');
            key.push_str(&key_part(s));
        }
        let base: String = key.chars().take(STEM_CHARS).collect();
        let mut stem = base.clone();
        let mut n = 1;
        while !seen.insert(stem.clone()) {
            n += 1;
            let suffix = format!(".{n}");
            stem = base
                .chars()
                .take(STEM_CHARS - suffix.len())
                .chain(suffix.chars())
                .collect();
        }
        if let Some(v) = g.candidate.filter(|v| v.is_finite()) {
            metrics.push((format!("{stem}.candidate"), v));
        }
        if let Some(v) = g.delta.filter(|v| v.is_finite()) {
            metrics.push((format!("{stem}.delta"), v));
        }
        tags.push((format!("{stem}.status"), g.status.clone()));
    }
    (metrics, tags)
}

/// Promotes and logs as `req` says. `Err` only under `req.strict`.
pub fn run(
    req: &Request,
    r: &Result,
    settings: &Settings,
) -> std::result::Result<Done, PublishError> {
    let mut done = Done::default();
    let mut failures: Vec<String> = Vec::new();
    if req.dry_run {
        dry_run(req, r, &mut done);
        return Ok(done);
    }
    let client = match Client::new(settings.clone()) {
        Ok(c) => c,
        Err(e) => {
            failures.push(e.to_string());
            return finish(req, settings, done, failures);
        }
    };
    if let Some(t) = req.promote {
        match promote(&client, t, r) {
            Ok(notes) => done.notes.extend(notes),
            Err(e) => failures.push(format!("promoting {t}: {e}")),
        }
    }
    if let Some(run_id) = req.log_run {
        match log_run(&client, run_id, r) {
            Ok(note) => done.notes.push(note),
            Err(e) => failures.push(format!("logging to run {run_id}: {e}")),
        }
    }
    finish(req, settings, done, failures)
}

fn finish(
    req: &Request,
    settings: &Settings,
    mut done: Done,
    failures: Vec<String>,
) -> std::result::Result<Done, PublishError> {
    let failures: Vec<String> = failures.iter().map(|f| settings.redact(f)).collect();
    if req.strict && !failures.is_empty() {
        return Err(PublishError::Context(format!(
            "MLflow: {}",
            failures.join("; ")
        )));
    }
    done.warnings
        .extend(failures.into_iter().map(|f| format!("MLflow: {f}")));
    for n in &mut done.notes {
        *n = settings.redact(n);
    }
    Ok(done)
}

fn dry_run(req: &Request, r: &Result, done: &mut Done) {
    if let Some(t) = req.promote {
        let tags: Vec<String> = version_tags(r)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        done.notes.push(format!(
            "dry run: would tag version {} of `{}` with {}",
            t.version,
            t.name,
            tags.join(", ")
        ));
        if r.exit_code == 0 {
            done.notes.push(format!(
                "dry run: would move alias `{}` of `{}` to version {}",
                t.alias, t.name, t.version
            ));
        } else {
            done.notes.push(format!(
                "dry run: the gate blocked: alias `{}` of `{}` would not move",
                t.alias, t.name
            ));
        }
    }
    if let Some(run_id) = req.log_run {
        let (metrics, tags) = run_values(r);
        done.notes.push(format!(
            "dry run: would log {} metric(s) and {} tag(s) to run {run_id}, and upload modelgate/result.json and modelgate/report.md",
            metrics.len(),
            tags.len()
        ));
    }
}

fn promote(
    client: &Client,
    t: &PromoteTarget,
    r: &Result,
) -> std::result::Result<Vec<String>, crate::mlflow::Error> {
    // The version must exist before anything is written.
    client.version(&t.name, t.version)?;
    for (k, v) in version_tags(r) {
        client.set_version_tag(&t.name, t.version, &k, &v)?;
    }
    let mut notes = vec![format!(
        "tagged version {} of `{}`: modelgate.verdict={}",
        t.version,
        t.name,
        if r.exit_code == 0 {
            r.verdict
        } else {
            "blocked"
        }
    )];
    if r.exit_code == 0 {
        client.set_alias(&t.name, &t.alias, t.version)?;
        notes.push(format!(
            "promoted: alias `{}` of `{}` now points at version {}",
            t.alias, t.name, t.version
        ));
    } else {
        notes.push(format!(
            "not promoted: the gate blocked; alias `{}` of `{}` did not move",
            t.alias, t.name
        ));
    }
    Ok(notes)
}

fn log_run(
    client: &Client,
    run_id: &str,
    r: &Result,
) -> std::result::Result<String, crate::mlflow::Error> {
    let run = client.run(run_id)?;
    let (metrics, tags) = run_values(r);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    client.log_batch(run_id, &metrics, &tags, now)?;
    client.upload(&run, "modelgate/result.json", r.result_json.as_bytes())?;
    client.upload(&run, "modelgate/report.md", r.markdown.as_bytes())?;
    Ok(format!(
        "logged {} metric(s), {} tag(s) and modelgate/result.json, modelgate/report.md to run {run_id}",
        metrics.len(),
        tags.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(exit_code: i32) -> Result<'static> {
        static GATES: std::sync::OnceLock<Vec<GateValue>> = std::sync::OnceLock::new();
        let gates = GATES.get_or_init(|| {
            vec![
                GateValue {
                    id: "roc_auc-max_regression".into(),
                    slice: None,
                    candidate: Some(0.9),
                    delta: Some(-0.01),
                    status: "pass".into(),
                },
                GateValue {
                    id: "pr_auc-min".into(),
                    slice: Some("country=MX".into()),
                    candidate: None,
                    delta: Some(f64::NAN),
                    status: "skip".into(),
                },
            ]
        });
        Result {
            verdict: if exit_code == 0 { "pass" } else { "fail" },
            exit_code,
            config_sha256: "c0ffee",
            result_sha256: "beef".into(),
            result_json: "{}",
            markdown: "# r",
            gates,
        }
    }

    #[test]
    fn blocked_versions_are_tagged_blocked() {
        let tags = version_tags(&result(1));
        assert_eq!(tags[0], ("modelgate.verdict".into(), "blocked".into()));
        assert_eq!(version_tags(&result(0))[0].1, "pass");
        assert_eq!(tags[1].1, "c0ffee");
        assert_eq!(tags[2].1, "beef");
    }

    #[test]
    fn run_values_skip_undefined_numbers() {
        let (m, t) = run_values(&result(0));
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "modelgate.roc_auc-max_regression.candidate",
                "modelgate.roc_auc-max_regression.delta"
            ]
        );
        assert!(t.contains(&(
            "modelgate.pr_auc-min.country_MX.status".into(),
            "skip".into()
        )));
    }

    #[test]
    fn keys_stay_unique_after_the_length_cut() {
        // Two slices whose labels differ only past MLflow's key length.
        let long = "x".repeat(300);
        let gates = [
            GateValue {
                id: "recall-max_regression".into(),
                slice: Some(format!("shop={long}A")),
                candidate: Some(0.5),
                delta: None,
                status: "fail".into(),
            },
            GateValue {
                id: "recall-max_regression".into(),
                slice: Some(format!("shop={long}B")),
                candidate: Some(0.6),
                delta: None,
                status: "pass".into(),
            },
        ];
        let r = Result {
            gates: &gates,
            ..result(0)
        };
        let (m, t) = run_values(&r);
        let status: Vec<&(String, String)> =
            t.iter().filter(|(k, _)| k.ends_with(".status")).collect();
        assert_eq!(status.len(), 2);
        assert_ne!(status[0].0, status[1].0, "{status:?}");
        assert!(t.iter().all(|(k, _)| k.chars().count() <= 250));
        assert_ne!(m[0].0, m[1].0);
    }

    #[test]
    fn dry_run_changes_nothing_and_says_so() {
        let t = PromoteTarget {
            name: "m".into(),
            version: 3,
            alias: "champion".into(),
        };
        let req = Request {
            promote: Some(&t),
            log_run: Some("abc"),
            dry_run: true,
            strict: true,
        };
        let settings = Settings::from_env(|k| {
            (k == "MLFLOW_TRACKING_URI").then(|| "http://127.0.0.1:9".to_string())
        })
        .expect("settings");
        let done = run(&req, &result(1), &settings).expect("no network in a dry run");
        assert!(
            done.notes.iter().any(|n| n.contains("would not move")),
            "{done:?}"
        );
        let done = run(&req, &result(0), &settings).expect("dry");
        assert!(
            done.notes
                .iter()
                .any(|n| n.contains("would move alias `champion` of `m` to version 3")),
            "{done:?}"
        );
    }
}
