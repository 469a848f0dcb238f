//! MLflow wiring for `check` and `validate`: URIs in, promotion and logging out.
//!
//! Before `data` reads anything, [`fetch_inputs`] downloads every input named by an MLflow
//! URI (`runs:/…`, `models:/…`) into a temporary folder and points the spec at it, so the
//! data stage stays file-only; [`Fetched::relabel`] then puts the URI and artifact paths
//! back into the audit record (deterministic JSON, no temporary paths). After the verdict,
//! [`after_verdict`] hands `--promote` and `--log-run` to `publish::mlflow`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Error;
use crate::cli::CheckArgs;
use crate::config::Spec;
use crate::data::Paired;
use crate::gate::Status;
use crate::mlflow::{self, Settings};
use crate::publish;
use crate::report::{self, InputOrigin, InputOrigins, Run, escape, slice_label};

/// Inputs downloaded from MLflow: the temporary folder (removed when this is dropped) and
/// what each side resolved to.
#[derive(Default)]
pub(crate) struct Fetched {
    _dir: Option<tempfile::TempDir>,
    candidate: Option<Side>,
    baseline: Option<Side>,
}

struct Side {
    origin: InputOrigin,
    /// The local folder the download went into.
    root: PathBuf,
    /// The artifact path's parent folder, with a trailing `/` (or empty).
    parent: String,
}

/// The MLflow settings from the process environment.
pub(crate) fn settings() -> Result<Settings, mlflow::Error> {
    Settings::from_env(|k| std::env::var(k).ok())
}

/// Downloads the inputs of `spec` that are MLflow URIs and points `spec` at the files.
pub(crate) fn fetch_inputs(spec: &mut Spec) -> Result<Fetched, Error> {
    let uri_of = |p: &Path| {
        p.to_str()
            .filter(|s| mlflow::uri::is_uri(s))
            .map(str::to_string)
    };
    let cand = uri_of(&spec.candidate);
    let base = spec.baseline.as_deref().and_then(uri_of);
    if cand.is_none() && base.is_none() {
        return Ok(Fetched::default());
    }
    // Parse both before any network call: a typo is exit 2 in no time.
    let cand = cand.map(|u| mlflow::uri::parse_input(&u)).transpose()?;
    let base = base.map(|u| mlflow::uri::parse_input(&u)).transpose()?;
    let client = mlflow::Client::new(settings()?)?;
    let dir = tempfile::Builder::new()
        .prefix("modelgate-mlflow-")
        .tempdir()
        .map_err(|e| Error::Usage(format!("cannot create a temporary folder: {e}")))?;
    let mut out = Fetched::default();
    for (which, input) in [("candidate", cand), ("baseline", base)] {
        let Some(input) = input else { continue };
        let root = dir.path().join(which);
        let got = client.download(&input, &root)?;
        let (model, alias) = match &input.source {
            mlflow::Source::Model { name, version } => (
                Some(name.clone()),
                match version {
                    mlflow::VersionRef::Alias(a) => Some(a.clone()),
                    mlflow::VersionRef::Number(_) => None,
                },
            ),
            mlflow::Source::Run { .. } => (None, None),
        };
        eprintln!(
            "modelgate: {which}: {} → run {}{} ({} file(s), {} bytes)",
            escape::terminal(&input.uri),
            got.run_id,
            got.version
                .as_ref()
                .map(|v| format!(", version {}", escape::terminal(&v.version)))
                .unwrap_or_default(),
            got.files.len(),
            got.bytes
        );
        let side = Side {
            origin: InputOrigin {
                uri: input.uri.clone(),
                run_id: got.run_id.clone(),
                artifact_path: input.path.clone(),
                model,
                version: got.version.map(|v| v.version),
                alias,
            },
            root,
            parent: input
                .path
                .rsplit_once('/')
                .map(|(p, _)| format!("{p}/"))
                .unwrap_or_default(),
        };
        if which == "candidate" {
            spec.candidate = got.local;
            out.candidate = Some(side);
        } else {
            spec.baseline = Some(got.local);
            out.baseline = Some(side);
        }
    }
    out._dir = Some(dir);
    Ok(out)
}

impl Fetched {
    /// The origins for the report.
    pub(crate) fn origins(&self) -> InputOrigins {
        InputOrigins {
            candidate: self.candidate.as_ref().map(|s| s.origin.clone()),
            baseline: self.baseline.as_ref().map(|s| s.origin.clone()),
        }
    }

    /// A data error about a downloaded file names the URI and the artifact path, not the
    /// temporary folder (its message may still quote the local path).
    pub(crate) fn relabel_error(&self, mut e: crate::data::DataError) -> crate::data::DataError {
        let Some(p) = e.path.clone() else { return e };
        for side in [&self.candidate, &self.baseline].into_iter().flatten() {
            if let Ok(rel) = p.strip_prefix(&side.root) {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                e.path = Some(PathBuf::from(format!(
                    "{} (artifact {}{})",
                    side.origin.uri,
                    side.parent,
                    parts.join("/")
                )));
                let root = side.root.display().to_string();
                e.message = e.message.replace(&root, "<download>");
            }
        }
        e
    }

    /// Replaces temporary paths in the audit record by the URI and artifact paths.
    pub(crate) fn relabel(&self, data: &mut Paired) {
        let fix = |side: &Side, info: &mut crate::data::FileInfo| {
            info.path = PathBuf::from(&side.origin.uri);
            // One file is hashed by its bytes; several by a manifest naming their paths,
            // which must name the artifact paths, not the temporary folder.
            let manifest = info.files.len() != 1
                || info.files.first().is_some_and(|f| f.sha256 != info.sha256);
            for f in &mut info.files {
                if let Ok(rel) = f.path.strip_prefix(&side.root) {
                    let parts: Vec<String> = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    f.path = PathBuf::from(format!("{}{}", side.parent, parts.join("/")));
                }
            }
            if manifest {
                info.sha256 = crate::data::manifest_sha256(&info.files);
            }
        };
        if let Some(s) = &self.candidate {
            fix(s, &mut data.candidate_file);
        }
        if let (Some(s), Some(info)) = (&self.baseline, data.baseline_file.as_mut()) {
            fix(s, info);
        }
    }
}

/// What `--promote` / `--log-run` ask, checked before anything is judged (exit 2 on a
/// malformed URI or a missing `MLFLOW_TRACKING_URI`).
pub(crate) struct Steps {
    promote: Option<mlflow::PromoteTarget>,
    log_run: Option<String>,
    settings: Option<Settings>,
}

/// Parses the MLflow flags of `check`.
pub(crate) fn steps(args: &CheckArgs) -> Result<Steps, Error> {
    let promote = args
        .promote
        .as_deref()
        .map(mlflow::uri::parse_promote)
        .transpose()?;
    let log_run = match args.log_run.as_deref().map(str::trim) {
        Some(r)
            if r.is_empty()
                || !r
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            return Err(Error::Usage(format!(
                "--log-run {r:?}: a run id holds only letters, digits, `-` and `_` (MLflow shows it on the run's page)"
            )));
        }
        r => r.map(str::to_string),
    };
    let settings = if promote.is_some() || log_run.is_some() {
        Some(settings()?)
    } else {
        None
    };
    if args.dry_run && settings.is_none() {
        return Err(Error::Usage(
            "--dry-run previews --promote and --log-run; give one of them".into(),
        ));
    }
    Ok(Steps {
        promote,
        log_run,
        settings,
    })
}

impl Steps {
    /// Refuses (exit 2, before judging) a `--promote` of another model version than the
    /// one whose predictions are the candidate: a pass would move the alias to a model
    /// that was never gated. The candidate's version is known from a `models:/` URI, or
    /// looked up for a `runs:/` one (the version's `run_id` must be the candidate's run).
    /// A local candidate file cannot be matched: the promotion trusts the caller then.
    pub(crate) fn check_candidate(&self, fetched: &Fetched) -> Result<(), Error> {
        let (Some(target), Some(cand), Some(settings)) = (
            &self.promote,
            fetched.candidate.as_ref().map(|s| &s.origin),
            &self.settings,
        ) else {
            return Ok(());
        };
        let mismatch = |what: String| {
            Err(Error::Usage(format!(
                "--promote {target}: {what}; promote the version that was gated, or gate the version you promote (`--candidate models:/{}/{}/<artifact path>`)",
                target.name, target.version
            )))
        };
        if let (Some(model), Some(version)) = (&cand.model, &cand.version) {
            if model != &target.name || version != &target.version.to_string() {
                return mismatch(format!(
                    "the candidate predictions are those of version {version} of `{model}` ({})",
                    cand.uri
                ));
            }
            return Ok(());
        }
        let client = mlflow::Client::new(settings.clone())?;
        let v = client.version(&target.name, target.version)?;
        if v.run_id != cand.run_id {
            return mismatch(format!(
                "that version was produced by run {}, but the candidate predictions come from run {} ({})",
                v.run_id, cand.run_id, cand.uri
            ));
        }
        Ok(())
    }
}

/// Runs `--promote` and `--log-run` after the verdict. `Err` only under `--strict-publish`.
pub(crate) fn after_verdict(
    args: &CheckArgs,
    steps: &Steps,
    run: &Run,
    markdown: &str,
) -> Result<(), Error> {
    let Some(settings) = &steps.settings else {
        return Ok(());
    };
    let json = report::result_json(run);
    let gates = run
        .outcomes
        .iter()
        .map(|o| publish::mlflow::GateValue {
            id: o.id.clone(),
            slice: (!o.slice.is_empty()).then(|| slice_label(&o.slice)),
            candidate: o.candidate,
            delta: o.delta,
            status: match o.status {
                Status::Fail if !o.blocks() => "warn".to_string(),
                s => s.as_str().to_string(),
            },
        })
        .collect::<Vec<_>>();
    let result = publish::mlflow::Result {
        verdict: run.verdict.as_str(),
        exit_code: run.exit_code(),
        config_sha256: &run.config_sha256,
        result_sha256: format!("{:x}", Sha256::digest(json.as_bytes())),
        result_json: &json,
        markdown,
        gates: &gates,
    };
    let request = publish::mlflow::Request {
        promote: steps.promote.as_ref(),
        log_run: steps.log_run.as_deref(),
        dry_run: args.dry_run,
        strict: args.strict_publish,
    };
    match publish::mlflow::run(&request, &result, settings) {
        Ok(done) => {
            for n in &done.notes {
                eprintln!("modelgate: {}", escape::terminal(n));
            }
            for w in &done.warnings {
                eprintln!("modelgate: warning: {}", escape::terminal(w));
            }
            Ok(())
        }
        Err(e) => Err(Error::Publish {
            message: e.to_string(),
        }),
    }
}
