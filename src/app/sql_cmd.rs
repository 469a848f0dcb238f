//! `modelgate sql`: reads the config (no data) and prints the dialect's aggregation.

use super::Error;
use crate::cli::SqlArgs;
use crate::config;
use crate::sql::{self, Request};

/// Generates the aggregation and export statements for `args.config`; the text ends with a
/// newline and is meant for stdout.
pub fn sql(args: &SqlArgs) -> Result<String, Error> {
    let spec = config::load(&args.config, &config::Overrides::default())?;
    if spec.task != config::Task::Binary {
        return Err(Error::Usage(format!(
            "`modelgate sql` aggregates binary predictions; `task: {}` needs the per-row files",
            spec.task
        )));
    }
    let dialect = args.dialect;
    let req = Request {
        dialect,
        candidate_table: args.candidate_table.clone(),
        baseline_table: args.baseline_table.clone(),
        decimals: args.decimals,
        candidate_out: args.candidate_out.clone(),
        baseline_out: args.baseline_out.clone(),
    };
    sql::generate(&spec, &req).map_err(Error::Sql)
}
