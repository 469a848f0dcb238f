//! The integration suite as one test binary: every file beside this one is a module of it.
//! One binary links polars once instead of fourteen times (a cold `cargo test` is dominated
//! by linking), and `cargo test <module>::` still runs one file's tests.
mod common;

mod action_install;
mod aggregated;
mod ci_integration;
mod cli;
mod cli_errors;
mod comment_html;
mod contract;
mod distribution;
mod drift_reference;
mod dtypes;
mod hostile;
mod html_report;
mod ks_pvalue;
mod malformed;
mod metric_docs;
mod metrics_golden;
mod metrics_props;
mod mlflow;
mod multiclass_golden;
mod multiclass_props;
mod pipeline;
mod policies;
mod publish_e2e;
mod publish_github;
mod publish_gitlab;
mod regression;
mod regression_metrics;
mod regression_simulation;
mod report_snapshots;
mod skew;
// Ranking kernels (issue 13), kept apart from the task framework's modules above.
mod ranking_golden;
mod ranking_props;
mod sources;
mod sql_engines;
mod stats_reference;
mod stats_simulation;
mod task_timing;
mod waivers;
