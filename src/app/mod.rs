//! The commands: wiring the pipeline stages together for `main.rs`.

mod check;
mod measure;
mod metrics_cmd;
mod progress;

use std::fmt;
use std::path::{Path, PathBuf};

pub use check::check;
pub use metrics_cmd::metrics;

use crate::cli::{InitArgs, ValidateArgs};
use crate::config::{self, ConfigError};
use crate::data::DataError;

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
    /// An output file could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Publishing failed and `--strict-publish` was given; carries the gate's own exit code.
    Publish {
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// The process exit code (CONTRACT §2).
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
            Error::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
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

impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::Data(e)
    }
}

/// Writes `text` to `path`, creating parent folders.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// `modelgate validate`: the config parses and validates, and every input file loads,
/// pairs and holds the named columns. Judges nothing.
pub fn validate(args: &ValidateArgs) -> Result<String, Error> {
    let spec = config::load(&args.config, &config::Overrides::default())?;
    let data = crate::data::load(&measure::request(&spec))?;
    measure::check_probabilities(&spec, &data)?;
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
    Ok(msg)
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
