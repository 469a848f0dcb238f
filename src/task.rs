//! The kind of model a config gates: `binary`, `multiclass`, `regression` or `ranking`.
//!
//! A leaf module (it imports nothing of the crate) because every stage needs it: `config`
//! reads and validates it (and re-exports it as `config::Task`), `metrics` says which task
//! each metric id belongs to, `data` reads the column roles of the task, `measure` picks
//! the per-task evaluation and `report` names it. Adding a task is adding a variant here
//! and following the compiler's exhaustiveness errors (see `docs/contract.md` and the
//! `match` arms marked `task:` across the crate).

use schemars::JsonSchema;
use serde::Deserialize;

/// What the model predicts, and so which column roles and metrics apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Two classes: `label` (0/1, true/false or `positive:`) and a `score`.
    #[default]
    Binary,
    /// Several classes: `label` (class values) and per-class scores or a predicted class.
    Multiclass,
    /// A numeric target: `label` (the target) and a numeric `prediction`.
    Regression,
    /// Ordered items per group: `label` (graded relevance), `score` and `group`.
    Ranking,
}

impl Task {
    /// Every task, in the order of the contract.
    pub const ALL: [Task; 4] = [
        Task::Binary,
        Task::Multiclass,
        Task::Regression,
        Task::Ranking,
    ];

    /// The name used in the config and the JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
            Task::Ranking => "ranking",
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
