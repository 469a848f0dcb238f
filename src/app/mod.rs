//! The commands: wiring the pipeline stages together for `main.rs`.

mod check;
pub mod guard;
mod metrics_cmd;
mod mlflow;
mod progress;
mod sql_cmd;

use std::fmt;
use std::path::{Path, PathBuf};

pub use check::check;
pub use metrics_cmd::metrics;
pub use sql_cmd::sql;

use crate::cli::{InitArgs, ValidateArgs};
use crate::config::{self, ConfigError};
use crate::data::DataError;
use crate::measure;

/// Why a command could not judge: every variant is exit code 2, except a strict publish
/// failure (3).
#[derive(Debug)]
pub enum Error {
    /// Bad command-line usage.
    Usage(String),
    /// A config problem.
    Config(ConfigError),
    /// An input data problem.
    Data(DataError),
    /// `modelgate sql` cannot generate the aggregation for this config.
    Sql(crate::sql::SqlError),
    /// An output file could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The bootstrap would need more memory than the budget allows; refused before it
    /// allocates anything.
    Budget {
        /// Replicates asked for.
        replicates: u32,
        /// Bootstrapped (slice, metric) cells.
        cells: u64,
        /// Estimated bytes.
        bytes: u64,
        /// The budget in bytes.
        budget: u64,
    },
    /// An input named by an MLflow URI could not be resolved or downloaded, or an MLflow
    /// flag is malformed (exit 2: nothing was judged).
    Mlflow(crate::mlflow::Error),
    /// Publishing failed and `--strict-publish` was given; carries the gate's own exit code.
    Publish {
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// The process exit code (docs/contract.md §2).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Publish { .. } => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "usage error: {m}"),
            Error::Config(e) => e.fmt(f),
            Error::Data(e) => e.fmt(f),
            Error::Sql(e) => write!(f, "modelgate sql: {e}"),
            Error::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
            Error::Budget {
                replicates,
                cells,
                bytes,
                budget,
            } => {
                let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
                write!(
                    f,
                    "the bootstrap would need about {:.1} GiB ({replicates} replicates × {cells} slice-metric cells), more than the {:.0} GiB budget; lower `bootstrap.replicates` (2000 is the default), slice by fewer values, or bootstrap fewer metrics (`evidence: point` gates on large data need no replicates)",
                    gib(*bytes),
                    gib(*budget)
                )
            }
            Error::Mlflow(e) => e.fmt(f),
            Error::Publish { message } => write!(f, "publish failed (--strict-publish): {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<crate::mlflow::Error> for Error {
    fn from(e: crate::mlflow::Error) -> Self {
        Error::Mlflow(e)
    }
}

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(e)
    }
}

/// Writes `text` to `path`, creating parent folders, whole or not at all: the text goes
/// to a temporary file in the same folder, is flushed to disk, and is renamed over the
/// file (atomic on one file system), so a reader never sees half a report, even when the
/// run is killed mid-write.
///
/// Only regular files are replaced: a symlink is written through (its target replaced,
/// the link kept), and anything else that exists (`/dev/null`, `/dev/stdout`, a FIFO) is
/// written to in place, never renamed over.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write as _;
    let fail = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let target = match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return std::fs::write(path, text).map_err(fail),
        _ => follow_links(path),
    };
    let dir = match target.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(fail)?;
            dir
        }
        None => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".modelgate-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    // A temporary file is private (0600); a report is read by later CI steps, which may run
    // as another user: give it the permissions `fs::write` would under the usual umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(&target).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The path at the end of `path`'s symlinks, also a dangling one (its target removed as a
/// stale result); `path` itself when it is no symlink. Stops after 40 links (a loop).
fn follow_links(path: &Path) -> std::path::PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        let is_link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        let Some(next) = is_link.then(|| std::fs::read_link(&p).ok()).flatten() else {
            break;
        };
        p = match p.parent() {
            Some(dir) if next.is_relative() => dir.join(next),
            _ => next,
        };
    }
    p
}

/// `modelgate validate`: the config parses and validates, and every input file loads,
/// pairs and holds the named columns. Judges nothing.
pub fn validate(args: &ValidateArgs) -> Result<String, Error> {
    let mut spec = config::load(&args.config, &config::Overrides::default())?;
    config::waiver::expired(&spec.waivers, config::waiver::Date::today(), &spec.path)?;
    if args.config_only && !args.print_merged {
        return Ok(config_only_message(&args.config, &spec));
    }
    if args.print_merged && args.config_only {
        return Ok(config::extends::print_merged(&spec).trim_end().to_string());
    }
    // The merged config as written, before MLflow URIs are replaced by downloads.
    let merged = args
        .print_merged
        .then(|| config::extends::print_merged(&spec));
    let fetched = mlflow::fetch_inputs(&mut spec)?;
    let mut data =
        crate::data::load(&measure::paired_request(&spec)).map_err(|e| fetched.relabel_error(e))?;
    fetched.relabel(&mut data);
    // The reference sample and the skew files are read and checked like in `check`.
    let extra = measure::Extra::load(&spec)?;
    if let Some(merged) = merged {
        return Ok(merged.trim_end().to_string());
    }
    measure::check_probabilities(&spec, &data)?;
    let same = guard::same_inputs(&spec, &data)?;
    guard::check_bootstrap_budget(&spec, &data)?;
    let positives = data.positive.iter().filter(|&&p| p).count();
    let mut msg = format!(
        "{}: valid. {} gate rule(s); {} paired rows, {} positive(s)",
        args.config.display(),
        spec.gates.len(),
        data.len(),
        positives
    );
    for s in &data.slicings {
        msg.push_str(&format!(
            "; {} slice(s) by {}",
            s.len(),
            s.columns.join("×")
        ));
    }
    if let Some(r) = extra.reference_file() {
        msg.push_str(&format!("; reference {} rows", r.rows));
    }
    if let Some(s) = &extra.skew {
        msg.push_str(&format!(
            "; skew: {} feature(s) over {} id(s) ({} offline rows, {} online rows)",
            s.features.len(),
            s.features.first().map_or(0, |f| f.ids),
            s.offline.rows,
            s.online.rows
        ));
    }
    if let Some(w) = same {
        msg.push_str(&format!("; warning: {}", w.text()));
    }
    Ok(crate::report::escape::terminal(&msg))
}

/// `validate --config-only`: what was checked, and that the data were not.
fn config_only_message(path: &Path, spec: &config::Spec) -> String {
    let mut msg = format!(
        "{}: config valid. {} gate rule(s); the prediction files were not read (--config-only)",
        path.display(),
        spec.gates.len()
    );
    // A waiver naming no gate id is a typo the pre-commit hook should show: it would waive
    // nothing in CI.
    for w in spec
        .waivers
        .iter()
        .filter(|w| !spec.gates.iter().any(|g| g.id == w.gate))
    {
        msg.push_str(&format!(
            "; warning: the waiver of `{}` (config line {}) names no gate; the gate ids are {}",
            w.gate,
            w.line,
            spec.gates
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    crate::report::escape::terminal(&msg)
}

/// `modelgate schema`.
pub fn schema() -> String {
    let mut s = serde_json::to_string_pretty(&config::schema()).unwrap_or_default();
    s.push('\n');
    s
}

/// `modelgate init`.
pub fn init(args: &InitArgs) -> Result<String, Error> {
    if args.out.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to overwrite it or --out to choose another path",
            args.out.display()
        )));
    }
    write_file(&args.out, config::STARTER)?;
    Ok(format!(
        "wrote {}; edit the paths and gates, then run `modelgate validate --config {}`",
        args.out.display(),
        args.out.display()
    ))
}
