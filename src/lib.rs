//! modelgate: a CI quality gate for ML models.
//!
//! The pipeline runs one way, one module per stage:
//! [`config`] (YAML → validated spec) → [`data`] (files → paired, validated columns) →
//! [`metrics`] (sorted arrays → values) → [`stats`] (intervals, tests, corrections) →
//! [`measure`] (spec + data → the plan of what to compute, then the evidence) →
//! [`gate`] (spec + evidence → outcomes) → [`report`] (outcomes → Markdown, JSON, JUnit) →
//! [`publish`] (GitHub, GitLab, the MLflow registry). Lower stages never reach up.
//! [`mlflow`] is a bottom client of the MLflow tracking server, used by `app` (inputs)
//! and `publish` (promotion). [`app`] wires the stages
//! into the commands of [`cli`].
//! [`sql`] generates the warehouse aggregation a config needs beyond one machine; it
//! depends on [`config`] only.
#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod config;
pub mod data;
pub mod gate;
pub mod measure;
pub mod metrics;
pub mod mlflow;
pub mod publish;
pub(crate) mod redact;
pub mod report;
pub mod sql;
pub mod stats;
pub mod task;
