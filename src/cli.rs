//! Command-line interface (docs/contract.md §1).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A CI quality gate for ML models: compares a candidate with the production baseline on
/// the same rows, with exact metrics and paired statistics, and blocks a regression.
#[derive(Debug, Parser)]
#[command(
    name = "modelgate",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = ENVIRONMENT
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The Environment section of `--help`: what `check` reads from the environment, and the
/// exit codes.
const ENVIRONMENT: &str = "\
Environment:
  MODELGATE_TOKEN                 token for the comment; first choice on GitHub and GitLab
  GITHUB_TOKEN                    GitHub token (needs pull-requests: write)
  GITLAB_TOKEN                    GitLab project access token (scope api, role Reporter+)
  MODELGATE_HTTP_TIMEOUT_SECS     deadline of one request (an MLflow download: of each
                                  stall between bytes) (default 30)
  MODELGATE_PUBLISH_TIMEOUT_SECS  deadline of the whole publication (default 180)
  MLFLOW_TRACKING_URI             MLflow server for runs:/ and models:/ inputs, --promote,
                                  --log-run; MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME
                                  and MLFLOW_TRACKING_PASSWORD authenticate
  MODELGATE_MLFLOW_TIMEOUT_SECS   deadline of all MLflow work of one run (default 1800)
  NO_COLOR                        set and non-empty: no colour on the terminal
  GITHUB_ACTIONS, GITLAB_CI       detected by --publish auto; on Actions the step outputs,
                                  job summary and annotations are written
Tokens are never printed. Exit codes: 0 pass, 1 blocked, 2 bad usage, config or input,
3 publishing failed under --strict-publish.";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge the candidate against the gates; exit 0 pass, 1 blocked, 2 bad input.
    Check(CheckArgs),
    /// Compute metrics of one predictions file, overall and per slice.
    Metrics(MetricsArgs),
    /// Check that the config and its input files are readable and valid; judges nothing.
    Validate(ValidateArgs),
    /// Print the JSON Schema of the config file.
    Schema,
    /// Write a commented starter config.
    Init(InitArgs),
    /// Print the warehouse SQL that turns this config's rows into a joint histogram to gate.
    Sql(SqlArgs),
    /// Print a shell completion script (e.g. `modelgate completions bash > /etc/bash_completion.d/modelgate`).
    Completions(CompletionsArgs),
}

/// `modelgate completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Where to publish the report (`--publish`): the publish stage's own type.
pub use crate::publish::Mode as PublishMode;

/// `modelgate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The gates file.
    #[arg(long, default_value = "modelgate.yaml", value_name = "PATH")]
    pub config: PathBuf,
    /// Candidate predictions (overrides the config's `candidate`).
    #[arg(long, value_name = "PATH")]
    pub candidate: Option<PathBuf>,
    /// Baseline predictions (overrides the config's `baseline`).
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    /// Write the JSON result here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the Markdown report here (instead of stdout).
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report with charts here (ROC, precision–recall,
    /// calibration, slice forest plot, score distributions; inline SVG, no script).
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// With --html: also draw the ROC and precision–recall curves of the rows where column
    /// COL equals VALUE (e.g. `country=MX`).
    #[arg(long, value_name = "COL=VALUE", requires = "html")]
    pub html_slice: Option<String>,
    /// Write JUnit XML here (one test case per gate and slice).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write OpenMetrics text here (GitLab's metrics report).
    #[arg(long, value_name = "PATH")]
    pub metrics_txt: Option<PathBuf>,
    /// Where to publish the report.
    #[arg(long, value_enum, default_value_t = PublishMode::Auto)]
    pub publish: PublishMode,
    /// Exit 3 when publishing was asked and failed (default: a warning).
    #[arg(long)]
    pub strict_publish: bool,
    /// Also set the commit status `modelgate/<name>` (success / failure) on the pull
    /// request's head commit (GitHub; needs `statuses: write`). For the privileged
    /// `workflow_run` job of the fork-safe pair: its verdict becomes the required check.
    #[arg(long)]
    pub commit_status: bool,
    /// Read the config from this git ref (e.g. `origin/main`) with `git show REF:PATH`, so
    /// that a pull request cannot loosen the gate it is judged by. Paths in it stay
    /// relative to the config's folder in the working tree.
    #[arg(long, value_name = "REF")]
    pub config_from: Option<String>,
    /// Pull / merge request number, overriding what the CI event says.
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// Resampling seed (overrides the config's `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Print how one gate reached its decision, numbers included (GATE_ID from the JSON).
    #[arg(long, value_name = "GATE_ID")]
    pub explain: Option<String>,
    /// Show a progress line on stderr even outside a terminal or in CI.
    #[arg(long)]
    pub progress: bool,
    /// On a pass, point the alias at this MLflow model version and tag the version with the
    /// verdict and hashes (`models:/<name>/<version>@<alias>`; needs MLFLOW_TRACKING_URI).
    #[arg(long, value_name = "MODEL_URI")]
    pub promote: Option<String>,
    /// Log each gate's value, delta and status, and the JSON and Markdown reports, to this
    /// MLflow run (needs MLFLOW_TRACKING_URI).
    #[arg(long, value_name = "RUN_ID")]
    pub log_run: Option<String>,
    /// With --promote / --log-run: print what would change in MLflow and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Output format of `modelgate metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table for the terminal.
    Table,
    /// `modelgate/metrics/v1` JSON.
    Json,
    /// A Markdown table.
    Markdown,
    /// CSV, one row per slice.
    Csv,
}

/// `modelgate metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Predictions file (CSV, Parquet or NDJSON).
    pub path: PathBuf,
    /// Label column.
    #[arg(long, default_value = "label")]
    pub label: String,
    /// Score column.
    #[arg(long, default_value = "score")]
    pub score: String,
    /// Sample weight column.
    #[arg(long)]
    pub weight: Option<String>,
    /// Id column (checked for duplicates).
    #[arg(long)]
    pub id: Option<String>,
    /// Slice column; repeat for several slicings.
    #[arg(long = "by", value_name = "COL")]
    pub by: Vec<String>,
    /// Decision threshold for thresholded metrics.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Metric id; repeat for several (default: the default set).
    #[arg(long = "metric", value_name = "ID")]
    pub metric: Vec<String>,
    /// The label value that means positive, when labels are not 0/1 or true/false.
    #[arg(long)]
    pub positive: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `modelgate validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The gates file.
    #[arg(long, default_value = "modelgate.yaml", value_name = "PATH")]
    pub config: PathBuf,
    /// Check only the config (syntax, schema, metric ids, rules, column roles); read no
    /// data. For pre-commit hooks, where the prediction files do not exist.
    #[arg(long)]
    pub config_only: bool,
    /// Print the merged config (`extends` resolved, each gate with where it came from)
    /// instead of the summary.
    #[arg(long)]
    pub print_merged: bool,
}

/// `modelgate init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the starter config.
    #[arg(long, default_value = "modelgate.yaml", value_name = "PATH")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// SQL dialect of `modelgate sql` (`--dialect`): the sql stage's own type.
pub use crate::sql::Dialect as SqlDialect;

/// `modelgate sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: SqlDialect,
    /// The gates file whose columns and slices the histogram keeps.
    #[arg(long, default_value = "modelgate.yaml", value_name = "PATH")]
    pub config: PathBuf,
    /// Decimals the engine rounds scores to (fewer: fewer bins, coarser scores).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub decimals: u32,
    /// The candidate's row-level table (`db.table` allowed).
    #[arg(long, value_name = "TABLE")]
    pub candidate_table: String,
    /// The baseline's row-level table.
    #[arg(long, value_name = "TABLE")]
    pub baseline_table: String,
    /// Where the candidate's histogram is written (DuckDB: candidate.parquet; Spark: the
    /// folder candidate; BigQuery: required, a gs:// URI with one `*`).
    #[arg(long, value_name = "PATH_OR_URI")]
    pub candidate_out: Option<String>,
    /// Where the baseline's histogram is written (defaults as for --candidate-out).
    #[arg(long, value_name = "PATH_OR_URI")]
    pub baseline_out: Option<String>,
}
