//! MLflow URIs as users write them: what an input names and what `--promote` moves.
//!
//! MLflow's own `runs:/<run_id>/<path>` names an artifact of a run. modelgate adds the
//! registry forms `models:/<name>@<alias>/<path>` and `models:/<name>/<version>/<path>`:
//! the artifact at `<path>` of the run that produced the model version (its `run_id`), so
//! a config can say "the predictions of the model in production". Parsing is strict (no
//! `..`, no empty parts, no absolute artifact path): a URI can never name a file outside
//! the run's artifacts, locally or on the server.

use std::fmt;

use super::Error;

/// How a `models:/` URI picks its model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    /// `@<alias>`: whatever version the alias points at now.
    Alias(String),
    /// `/<version>`: one fixed version number.
    Number(u64),
}

/// What an input URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `runs:/<run_id>/<path>`.
    Run {
        /// The run.
        run_id: String,
    },
    /// `models:/<name>@<alias>/<path>` or `models:/<name>/<version>/<path>`.
    Model {
        /// The registered model.
        name: String,
        /// Which of its versions.
        version: VersionRef,
    },
}

/// A parsed input URI: where the artifact is, and its path under the run's artifact root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputUri {
    /// The URI as written.
    pub uri: String,
    /// The run or model version.
    pub source: Source,
    /// The artifact path under the run's root, `/`-separated, never empty.
    pub path: String,
}

/// `--promote models:/<name>/<version>@<alias>`: the version to move the alias to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoteTarget {
    /// The registered model.
    pub name: String,
    /// The version to promote.
    pub version: u64,
    /// The alias to set on it.
    pub alias: String,
}

impl fmt::Display for PromoteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "models:/{}/{}@{}", self.name, self.version, self.alias)
    }
}

/// Whether `text` is an MLflow URI (and so not a local path).
pub fn is_uri(text: &str) -> bool {
    text.starts_with("runs:/") || text.starts_with("models:/")
}

fn bad(uri: &str, why: &str) -> Error {
    Error::BadUri {
        uri: uri.to_string(),
        message: why.to_string(),
    }
}

/// A model name, alias or run id part: non-empty, no control characters, no `/`.
fn check_part(uri: &str, what: &str, part: &str) -> Result<(), Error> {
    if part.is_empty() {
        return Err(bad(uri, &format!("the {what} is empty")));
    }
    if part
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(bad(
            uri,
            &format!("the {what} holds a control character, `/` or `\\`"),
        ));
    }
    if part.len() > 256 {
        return Err(bad(uri, &format!("the {what} is longer than 256 bytes")));
    }
    Ok(())
}

/// Checks an artifact path: relative, `/`-separated, no empty, `.` or `..` parts.
pub fn check_artifact_path(uri: &str, path: &str) -> Result<(), Error> {
    if path.is_empty() {
        return Err(bad(
            uri,
            "no artifact path: name the predictions file or folder after the run or model, e.g. `runs:/<run_id>/eval/predictions.parquet`",
        ));
    }
    if path.len() > 4096 {
        return Err(bad(uri, "the artifact path is longer than 4096 bytes"));
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err(bad(
                uri,
                "the artifact path has an empty, `.` or `..` part; write it relative to the run's artifact root, e.g. `eval/predictions.parquet`",
            ));
        }
        if part.chars().any(|c| c.is_control() || c == '\\') {
            return Err(bad(
                uri,
                "the artifact path holds a control character or `\\`",
            ));
        }
    }
    Ok(())
}

/// Parses an input URI (`runs:/…` or `models:/…`).
pub fn parse_input(uri: &str) -> Result<InputUri, Error> {
    if let Some(rest) = uri.strip_prefix("runs:/") {
        let rest = rest.trim_start_matches('/');
        let (run_id, path) = rest.split_once('/').unwrap_or((rest, ""));
        check_part(uri, "run id", run_id)?;
        if !run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(uri, "a run id holds only letters, digits, `-` and `_`"));
        }
        check_artifact_path(uri, path)?;
        return Ok(InputUri {
            uri: uri.to_string(),
            source: Source::Run {
                run_id: run_id.to_string(),
            },
            path: path.to_string(),
        });
    }
    let Some(rest) = uri.strip_prefix("models:/") else {
        return Err(bad(uri, "an MLflow URI starts with `runs:/` or `models:/`"));
    };
    let rest = rest.trim_start_matches('/');
    let (first, after) = rest.split_once('/').unwrap_or((rest, ""));
    let (name, version, path) = match first.split_once('@') {
        Some((name, alias)) => {
            check_part(uri, "alias", alias)?;
            (name, VersionRef::Alias(alias.to_string()), after)
        }
        None => {
            let (v, path) = after.split_once('/').unwrap_or((after, ""));
            let number = v.parse::<u64>().map_err(|_| {
                bad(
                    uri,
                    "after the model name comes `@<alias>` or `/<version number>`, e.g. `models:/fraud-scorer@champion/eval/predictions.parquet`",
                )
            })?;
            (first, VersionRef::Number(number), path)
        }
    };
    check_part(uri, "model name", name)?;
    check_artifact_path(uri, path)?;
    Ok(InputUri {
        uri: uri.to_string(),
        source: Source::Model {
            name: name.to_string(),
            version,
        },
        path: path.to_string(),
    })
}

/// Parses `--promote models:/<name>/<version>@<alias>`.
pub fn parse_promote(uri: &str) -> Result<PromoteTarget, Error> {
    let usage = "write `--promote models:/<name>/<version>@<alias>`, e.g. `models:/fraud-scorer/7@champion`";
    let rest = uri
        .strip_prefix("models:/")
        .ok_or_else(|| bad(uri, usage))?;
    let (name, tail) = rest.rsplit_once('/').ok_or_else(|| bad(uri, usage))?;
    let (version, alias) = tail.split_once('@').ok_or_else(|| bad(uri, usage))?;
    check_part(uri, "model name", name)?;
    check_part(uri, "alias", alias)?;
    let version = version.parse::<u64>().map_err(|_| bad(uri, usage))?;
    Ok(PromoteTarget {
        name: name.to_string(),
        version,
        alias: alias.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_uri() {
        let u = parse_input("runs:/abc123/eval/predictions.parquet").expect("valid");
        assert_eq!(
            u.source,
            Source::Run {
                run_id: "abc123".into()
            }
        );
        assert_eq!(u.path, "eval/predictions.parquet");
    }

    #[test]
    fn models_alias_and_version() {
        let u = parse_input("models:/fraud-scorer@champion/eval/p.parquet").expect("valid");
        assert_eq!(
            u.source,
            Source::Model {
                name: "fraud-scorer".into(),
                version: VersionRef::Alias("champion".into())
            }
        );
        assert_eq!(u.path, "eval/p.parquet");
        let u = parse_input("models:/fraud-scorer/12/eval").expect("valid");
        assert_eq!(
            u.source,
            Source::Model {
                name: "fraud-scorer".into(),
                version: VersionRef::Number(12)
            }
        );
        assert_eq!(u.path, "eval");
    }

    #[test]
    fn hostile_paths_are_refused() {
        for uri in [
            "runs:/abc/../../etc/passwd",
            "runs:/abc/",
            "runs:/abc",
            "runs:/a b/x.csv",
            "models:/m@champion/",
            "models:/m@champion/a//b.csv",
            "models:/m/latest/x.csv",
            "models:/m@/x.csv",
            "models:/m/1/./x.csv",
            "models:/m/1/x\n.csv",
            "s3://bucket/x.csv",
        ] {
            let e = parse_input(uri).expect_err(uri);
            assert!(e.to_string().contains(uri.trim()), "{uri}: {e}");
        }
    }

    #[test]
    fn promote_target() {
        let t = parse_promote("models:/fraud-scorer/7@champion").expect("valid");
        assert_eq!(t.name, "fraud-scorer");
        assert_eq!(t.version, 7);
        assert_eq!(t.alias, "champion");
        assert_eq!(t.to_string(), "models:/fraud-scorer/7@champion");
        for uri in [
            "models:/m@champion",
            "models:/m/x@champion",
            "models:/m/1",
            "runs:/a/1@b",
            "models:/m/1@",
        ] {
            assert!(parse_promote(uri).is_err(), "{uri}");
        }
    }
}
