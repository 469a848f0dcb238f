//! `modelgate sql`: the warehouse half of "aggregate first" (README, "Scale").
//!
//! Beyond one machine the warehouse counts the paired rows of each (slice, label, candidate
//! score, baseline score) combination and exports that joint histogram; modelgate gates it
//! with `weights: frequency`. Written by hand, that query went wrong in ways that change
//! verdicts: bins numbered by an unordered window (other ids, other bootstrap draws, on
//! every run), dialects without `COPY`, rows dropped by an inner join, rounding done by
//! another engine than the one the rows were compared with. This stage generates the query
//! for one config and one dialect instead, from minijinja templates (one per dialect,
//! extending a shared one), so that:
//!
//! - the columns are the config's own (label, score, id, the `by:` columns of its gates);
//! - bins are numbered by `ROW_NUMBER() OVER (ORDER BY <every grouping column>)`, a total
//!   order of the groups, and written in bin order: the same rows give the same files;
//! - the candidate and baseline tables are joined by a FULL OUTER JOIN on the id and every
//!   row that modelgate would refuse (an id on one side only, a duplicated id, a missing
//!   label or score, labels that differ) raises an error in the engine, never a dropped row;
//! - scores are rounded in the engine (`ROUND(score, decimals)`), since engines round
//!   halfway values differently;
//! - identifiers are quoted and text literals checked, so no column or path can inject SQL.
//!
//! The stage depends on [`crate::config`] only; it reads no data.

use std::fmt;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, context};

use crate::config::{Spec, WeightKind};

const BASE: &str = include_str!("templates/base.sql.j2");
const DUCKDB: &str = include_str!("templates/duckdb.sql.j2");
const SPARK: &str = include_str!("templates/spark.sql.j2");
const BIGQUERY: &str = include_str!("templates/bigquery.sql.j2");

/// Most decimals `--decimals` accepts: beyond 12 nearly every distinct double stays its own
/// bin and the histogram is as large as the rows.
pub const MAX_DECIMALS: u32 = 12;

/// The SQL dialect to generate (`--dialect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// DuckDB (`COPY … TO` a Parquet file).
    Duckdb,
    /// Spark SQL (`INSERT OVERWRITE DIRECTORY … USING parquet`, a folder of part files).
    Spark,
    /// BigQuery (`EXPORT DATA` to object storage); checked for syntax only.
    Bigquery,
}

impl Dialect {
    /// The dialect's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Bigquery => "bigquery",
        }
    }

    /// The engine's spelling of the types and the error function the template uses.
    fn vocabulary(self) -> Vocabulary {
        match self {
            Dialect::Duckdb => Vocabulary {
                double: "DOUBLE",
                integer: "BIGINT",
                string: "VARCHAR",
                error: "error",
            },
            Dialect::Spark => Vocabulary {
                double: "DOUBLE",
                integer: "BIGINT",
                string: "STRING",
                error: "raise_error",
            },
            Dialect::Bigquery => Vocabulary {
                double: "FLOAT64",
                integer: "INT64",
                string: "STRING",
                error: "ERROR",
            },
        }
    }

    /// Quotes one identifier (already checked by [`check_identifier`]).
    fn quote(self, name: &str) -> String {
        match self {
            Dialect::Duckdb => format!("\"{name}\""),
            Dialect::Spark | Dialect::Bigquery => format!("`{name}`"),
        }
    }

    fn template(self) -> &'static str {
        match self {
            Dialect::Duckdb => "duckdb.sql.j2",
            Dialect::Spark => "spark.sql.j2",
            Dialect::Bigquery => "bigquery.sql.j2",
        }
    }
}

/// Type names and the error-raising function of one dialect.
#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Vocabulary {
    double: &'static str,
    integer: &'static str,
    string: &'static str,
    error: &'static str,
}

/// What to generate besides the config: dialect, tables, rounding and export targets.
#[derive(Debug, Clone)]
pub struct Request {
    /// The dialect.
    pub dialect: Dialect,
    /// The candidate's row-level table (`db.schema.table` parts are quoted one by one).
    pub candidate_table: String,
    /// The baseline's row-level table.
    pub baseline_table: String,
    /// Decimals scores are rounded to, `0..=MAX_DECIMALS`.
    pub decimals: u32,
    /// Where the candidate's histogram goes; `None` = the dialect's default.
    pub candidate_out: Option<String>,
    /// Where the baseline's histogram goes; `None` = the dialect's default.
    pub baseline_out: Option<String>,
}

/// Why no SQL could be generated: exit code 2, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// The config has no `columns.id`: the tables cannot be joined.
    #[error(
        "the config has no `columns.id`: the histogram joins the candidate's and the baseline's tables on it; add the id column to `columns:`"
    )]
    NoId,
    /// The config has no baseline: there is no pair to count.
    #[error(
        "the config has no `baseline:`: the histogram counts paired (candidate, baseline) scores; add the baseline"
    )]
    NoBaseline,
    /// A weight column with `weights: sampling`: sampling weights are not counts.
    #[error(
        "column `{column}` holds sampling weights (`weights: sampling`); a histogram adds weights up as counts, which keeps sampling-weight variances wrong. If the weights count identical rows, set `weights: frequency`; otherwise gate the rows"
    )]
    SamplingWeights {
        /// The weight column.
        column: String,
    },
    /// A name that cannot be quoted safely in every dialect.
    #[error(
        "{what} {name:?} cannot be quoted safely in SQL (it is empty or holds a quote, backtick, backslash or control character); rename it"
    )]
    Identifier {
        /// What the name is (`column`, `table`).
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A path or URI that cannot be a SQL text literal safely.
    #[error(
        "{what} {value:?} cannot be written as a SQL string safely (it is empty or holds a quote, backslash or control character); choose another path"
    )]
    Literal {
        /// Which option.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// `--decimals` out of range.
    #[error(
        "--decimals {0} is out of range: 0 to 12 (4 keeps AUCs within far less than any sensible margin)"
    )]
    Decimals(u32),
    /// BigQuery needs an object-storage URI with exactly one `*`.
    #[error(
        "BigQuery exports to object storage: {what} must be a URI with exactly one `*`, e.g. gs://bucket/eval/candidate-*.parquet (got {value:?})"
    )]
    BigqueryUri {
        /// Which option.
        what: &'static str,
        /// The value, or empty when missing.
        value: String,
    },
    /// Candidate and baseline are the same table: every comparison would be with itself,
    /// and the exports differ (slice columns), so `check` could not warn.
    #[error(
        "--candidate-table and --baseline-table both name {0}: the histogram would compare the model with itself and every regression gate would pass; name the baseline's table"
    )]
    SameTable(String),
    /// Both exports go to one place: the second overwrites the first.
    #[error(
        "--candidate-out and --baseline-out are both {0:?}: the baseline's export would overwrite the candidate's; give two outputs"
    )]
    SameOutput(String),
    /// A template failed to render (a bug, reported rather than panicking).
    #[error("internal error rendering the SQL template: {0}")]
    Template(String),
}

/// Output column names of the histogram: `bin` and `n`, or `modelgate_bin` /
/// `modelgate_n` when the data already use the short names (engines compare names without
/// case).
fn output_names(taken: &[&str]) -> (String, String) {
    let free = |n: &str| !taken.iter().any(|t| t.eq_ignore_ascii_case(n));
    let pick = |short: &str, long: &str| if free(short) { short } else { long }.to_string();
    (pick("bin", "modelgate_bin"), pick("n", "modelgate_n"))
}

/// A name is quotable in every dialect when it is non-empty and holds no quote, backtick,
/// backslash or control character (DuckDB doubles `"`, Spark doubles a backtick, BigQuery
/// backslash-escapes: refusing them is simpler than three escaping rules and loses nothing
/// real).
fn check_identifier(what: &'static str, name: &str) -> Result<(), SqlError> {
    let bad = |c: char| c == '"' || c == '`' || c == '\'' || c == '\\' || c.is_control();
    if name.is_empty() || name.chars().any(bad) {
        return Err(SqlError::Identifier {
            what,
            name: name.to_string(),
        });
    }
    Ok(())
}

/// A text literal is safe when it holds no quote, backslash or control character (Spark
/// reads `\` as an escape and joins adjacent literals, so `''` is no escape there).
fn check_literal(what: &'static str, value: &str) -> Result<(), SqlError> {
    let bad = |c: char| c == '\'' || c == '\\' || c.is_control();
    if value.is_empty() || value.chars().any(bad) {
        return Err(SqlError::Literal {
            what,
            value: value.to_string(),
        });
    }
    Ok(())
}

/// `db.schema.table` with each part checked and quoted.
fn quote_table(dialect: Dialect, table: &str) -> Result<String, SqlError> {
    let parts: Vec<&str> = table.split('.').collect();
    for p in &parts {
        check_identifier("table", p).map_err(|_| SqlError::Identifier {
            what: "table",
            name: table.to_string(),
        })?;
    }
    Ok(parts
        .iter()
        .map(|p| dialect.quote(p))
        .collect::<Vec<_>>()
        .join("."))
}

/// A YAML scalar for the config lines: plain when it is a simple name, else a JSON string
/// (valid YAML).
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !s.starts_with('-')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// Text for a `--` comment: control characters (a newline would end the comment and make
/// the rest SQL) become `?`.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The default export targets of a dialect (DuckDB: two files; Spark: two folders).
fn default_outputs(dialect: Dialect) -> Option<(&'static str, &'static str)> {
    match dialect {
        Dialect::Duckdb => Some(("candidate.parquet", "baseline.parquet")),
        Dialect::Spark => Some(("candidate", "baseline")),
        Dialect::Bigquery => None,
    }
}

/// The slice columns the gates use, each once, in the order the gates name them. Skew
/// gates (`by: feature`) slice the `skew:` files, not the predictions: left out.
pub fn slice_columns(spec: &Spec) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in spec.gates.iter().filter(|g| !g.metric.is_skew()) {
        for c in &g.by {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    }
    out
}

/// The aggregation and export statements for `spec` in `req.dialect`.
pub fn generate(spec: &Spec, req: &Request) -> Result<String, SqlError> {
    let d = req.dialect;
    if req.decimals > MAX_DECIMALS {
        return Err(SqlError::Decimals(req.decimals));
    }
    if spec.baseline.is_none() {
        return Err(SqlError::NoBaseline);
    }
    let id = spec.columns.id.clone().ok_or(SqlError::NoId)?;
    let weight = spec.columns.weight.clone();
    if let (Some(w), WeightKind::Sampling) = (&weight, spec.weights) {
        return Err(SqlError::SamplingWeights { column: w.clone() });
    }
    let label = spec.columns.label.clone();
    let score = spec.columns.score.clone();
    let slices = slice_columns(spec);
    for c in [&id, &label, &score]
        .into_iter()
        .chain(weight.iter())
        .chain(slices.iter())
    {
        check_identifier("column", c)?;
    }
    let candidate_table = quote_table(d, &req.candidate_table)?;
    let baseline_table = quote_table(d, &req.baseline_table)?;
    // Engines compare unquoted names without case: `Eval.Preds` is `eval.preds`.
    if candidate_table.eq_ignore_ascii_case(&baseline_table) {
        return Err(SqlError::SameTable(req.candidate_table.clone()));
    }

    let (candidate_out, baseline_out) =
        match (&req.candidate_out, &req.baseline_out, default_outputs(d)) {
            (Some(c), Some(b), _) => (c.clone(), b.clone()),
            (c, b, Some((dc, db))) => (
                c.clone().unwrap_or_else(|| dc.to_string()),
                b.clone().unwrap_or_else(|| db.to_string()),
            ),
            (c, _, None) => {
                return Err(SqlError::BigqueryUri {
                    what: if c.is_none() {
                        "--candidate-out"
                    } else {
                        "--baseline-out"
                    },
                    value: String::new(),
                });
            }
        };
    check_literal("--candidate-out", &candidate_out)?;
    check_literal("--baseline-out", &baseline_out)?;
    if candidate_out == baseline_out {
        return Err(SqlError::SameOutput(candidate_out));
    }
    if d == Dialect::Bigquery {
        for (what, v) in [
            ("--candidate-out", &candidate_out),
            ("--baseline-out", &baseline_out),
        ] {
            if v.matches('*').count() != 1 || !v.contains("://") {
                return Err(SqlError::BigqueryUri {
                    what,
                    value: v.clone(),
                });
            }
        }
    }
    // What `candidate:` / `baseline:` point at: the file, the Spark folder, or a local copy
    // of the BigQuery export's folder.
    let config_path = |out: &str| match d {
        Dialect::Duckdb | Dialect::Spark => out.to_string(),
        Dialect::Bigquery => format!(
            "<a local folder holding {}>",
            out.rsplit_once('/').map_or(out, |(dir, _)| dir)
        ),
    };

    let mut taken: Vec<&str> = vec![label.as_str(), score.as_str()];
    taken.extend(slices.iter().map(String::as_str));
    let (bin, n) = output_names(&taken);

    let mut env = Environment::new();
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    for (name, text) in [
        ("base.sql.j2", BASE),
        ("duckdb.sql.j2", DUCKDB),
        ("spark.sql.j2", SPARK),
        ("bigquery.sql.j2", BIGQUERY),
    ] {
        env.add_template(name, text)
            .map_err(|e| SqlError::Template(e.to_string()))?;
    }
    // Every value reaching these filters was checked above.
    env.add_filter("ident", move |s: String| d.quote(&s));
    env.add_filter("lit", |s: String| format!("'{s}'"));
    env.add_filter("yaml", |s: String| yaml_scalar(&s));
    env.add_filter("comment", |s: String| comment_text(&s));
    let ctx = context! {
        dialect => d.name(),
        d => minijinja::Value::from(minijinja::value::Serde(d.vocabulary())),
        config => spec.path.display().to_string(),
        decimals => req.decimals,
        id => id,
        label => label,
        score => score,
        weight => weight,
        slices => slices,
        candidate_table => candidate_table,
        baseline_table => baseline_table,
        candidate_out => candidate_out.clone(),
        baseline_out => baseline_out.clone(),
        candidate_config => config_path(&candidate_out),
        baseline_config => config_path(&baseline_out),
        bin => bin,
        n => n,
    };
    env.get_template(d.template())
        .and_then(|t| t.render(ctx))
        .map_err(|e| SqlError::Template(e.to_string()))
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
