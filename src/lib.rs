//! modelgate: a CI quality gate for ML models.
//!
//! The pipeline runs one way, one module per stage:
//! [`config`] (YAML → validated spec) → [`data`] (files → paired, validated columns) →
//! [`metrics`] (sorted arrays → values) → [`stats`] (intervals, tests, corrections) →
//! [`gate`] (spec + values → outcomes) → [`report`] (outcomes → Markdown, JSON, JUnit) →
//! [`publish`] (GitHub, GitLab). Lower stages never reach up.
#![warn(missing_docs)]

pub mod metrics;
pub mod publish;
pub mod stats;
