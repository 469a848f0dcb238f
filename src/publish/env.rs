//! A snapshot of the environment variables publishing reads.

use std::collections::BTreeMap;
use std::fmt;

/// A snapshot of environment variables: [`Env::from_process`] in the binary, a map in tests.
///
/// Empty values count as unset, as CI systems often export variables that are empty.
/// `Debug` never shows the value of a variable whose name suggests a secret.
#[derive(Clone, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    /// The current process's environment (variables that are not valid UTF-8 are skipped).
    pub fn from_process() -> Self {
        Env(std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect())
    }

    /// An environment from name/value pairs.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Env(pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect())
    }

    /// Set (or replace) one variable.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// The variable's value, `None` when unset or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether the variable equals `true` (as CI systems set their flags).
    pub fn is_true(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl FromIterator<(String, String)> for Env {
    fn from_iter<T: IntoIterator<Item = (String, String)>>(iter: T) -> Self {
        Env(iter.into_iter().collect())
    }
}

/// Whether a variable's name suggests its value is a secret.
fn secret_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    ["TOKEN", "SECRET", "PASSWORD", "KEY", "AUTH", "CREDENTIAL"]
        .iter()
        .any(|s| k.contains(s))
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| {
                let shown = if secret_name(k) {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (k, shown)
            }))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_unset_and_debug_hides_secrets() {
        let env = Env::from_pairs([
            ("GITHUB_TOKEN", "ghs_secretvalue"),
            ("MODELGATE_TOKEN", "glpat-secret"),
            ("GITHUB_REPOSITORY", "octo/repo"),
            ("EMPTY", ""),
            ("GITHUB_ACTIONS", "true"),
        ]);
        assert_eq!(env.get("EMPTY"), None);
        assert_eq!(env.get("GITHUB_REPOSITORY"), Some("octo/repo"));
        assert!(env.is_true("GITHUB_ACTIONS"));
        let dbg = format!("{env:?}");
        assert!(
            !dbg.contains("secretvalue") && !dbg.contains("glpat"),
            "{dbg}"
        );
        assert!(dbg.contains("octo/repo"));
    }
}
