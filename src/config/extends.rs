//! Shared gate policies: `extends: [modelgate:imbalanced-binary, ../policy/org.yaml]`.
//!
//! A policy file holds `version: 1` and `gates:` only. Its gates are validated on their own
//! (errors name the policy file and its line) against the extending config's columns and
//! baseline, then merged in `extends` order: a later policy's gate with the same id replaces
//! an earlier one in place, and a local gate replaces any policy gate with its id. Every
//! gate remembers where it came from ([`super::Spec::gate_sources`]). Policies do not
//! extend further (one level, no cycles). `modelgate:<name>` names a policy shipped inside
//! the binary (the repository's `gates/` folder).

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use super::spec::{Gate, Located, RawConfig};
use sha2::{Digest, Sha256};

use super::{ConfigError, Origin, Overrides, ReadError, Spec, read_text, validate};

/// The policies shipped inside the binary: `modelgate:<name>`.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "imbalanced-binary",
        include_str!("../../gates/imbalanced-binary.yaml"),
    ),
    (
        "balanced-binary",
        include_str!("../../gates/balanced-binary.yaml"),
    ),
];

/// A policy file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// Policy format version; always `1`.
    pub version: u32,
    /// The policy's gates.
    pub gates: Vec<Located<Gate>>,
}

/// Where the gate came from for the report: `local`, or the `extends` entry as written.
pub const LOCAL: &str = "local";

/// Reads one `extends` entry: the text and the path errors should name.
fn policy_text(
    entry: &str,
    config: &Path,
    origin: &Origin,
) -> Result<(String, PathBuf), ConfigError> {
    let fail = |path: PathBuf, message: String| ConfigError {
        path,
        line: None,
        message,
    };
    if let Some(name) = entry.strip_prefix("modelgate:") {
        return PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| (text.to_string(), PathBuf::from(entry)))
            .ok_or_else(|| {
                let names: Vec<String> = PRESETS
                    .iter()
                    .map(|(n, _)| format!("modelgate:{n}"))
                    .collect();
                fail(
                    config.to_path_buf(),
                    format!(
                        "extends: no built-in policy `{entry}`; the built-in ones are {}",
                        names.join(", ")
                    ),
                )
            });
    }
    // The same origin as the config: under `--config-from REF` a policy is read as
    // committed at REF too, never from the pull request's checkout.
    let (path, text) = read_text(origin, config.parent().unwrap_or(Path::new("")), entry);
    let text = text.map_err(|e| {
        let why = match e {
            ReadError::Io(e) => format!(
                "extends: cannot read the policy file: {e} (paths are relative to the config file)"
            ),
            ReadError::TooLarge => "extends: the policy file is too large".to_string(),
            ReadError::NoGit(e) => format!("extends: --config-from needs git: {e}"),
            ReadError::Git(why) => format!(
                "extends: git cannot show the policy file ({why}); it must be committed at the ref the config is read from"
            ),
            ReadError::NotUtf8(e) => format!("extends: the policy file is not UTF-8 text: {e}"),
        };
        fail(path.clone(), why)
    })?;
    Ok((text, path))
}

/// [`validate`] with the config's `extends` resolved and merged.
pub fn resolve(
    raw: RawConfig,
    path: &Path,
    overrides: &Overrides,
    origin: &Origin,
) -> Result<Spec, ConfigError> {
    if raw.extends.is_empty() {
        let mut spec = validate(raw, path, overrides)?;
        spec.gate_sources = vec![LOCAL.to_string(); spec.gates.len()];
        return Ok(spec);
    }
    let mut merged: Vec<(super::GateSpec, String)> = Vec::new();
    let mut first_policy_gates = None;
    let mut policies: Vec<(String, String)> = Vec::new();
    for entry in &raw.extends {
        let (text, ppath) = policy_text(entry, path, origin)?;
        policies.push((
            entry.clone(),
            format!("{:x}", Sha256::digest(text.as_bytes())),
        ));
        let policy: RawPolicy = serde_saphyr::from_str(&text).map_err(|e| ConfigError {
            path: ppath.clone(),
            line: None,
            message: format!("not a policy file (`version: 1` and `gates:` only): {e}"),
        })?;
        if policy.version != 1 {
            return Err(ConfigError {
                path: ppath,
                line: None,
                message: format!(
                    "policy version {} is not supported; use `version: 1`",
                    policy.version
                ),
            });
        }
        let mut as_config = raw.clone();
        as_config.extends = Vec::new();
        as_config.waivers = Vec::new();
        as_config.gates = policy.gates.clone();
        first_policy_gates.get_or_insert_with(|| policy.gates.clone());
        // Errors name the policy file and its line; data paths are not read here.
        let spec = validate(as_config, &ppath, overrides)?;
        for g in spec.gates {
            upsert(&mut merged, g, entry.clone());
        }
    }
    let mut local = raw;
    local.extends = Vec::new();
    let had_local = !local.gates.is_empty();
    if !had_local {
        // Only the policies' gates: validate the rest of the config with them in place.
        local.gates = first_policy_gates.unwrap_or_default();
    }
    let mut spec = validate(local, path, overrides)?;
    if had_local {
        for g in std::mem::take(&mut spec.gates) {
            upsert(&mut merged, g, LOCAL.to_string());
        }
    }
    let (gates, sources) = merged.into_iter().unzip();
    spec.gates = gates;
    spec.gate_sources = sources;
    spec.policies = policies;
    Ok(spec)
}

/// Adds `g`, replacing (in place) an earlier gate with its id.
fn upsert(merged: &mut Vec<(super::GateSpec, String)>, g: super::GateSpec, source: String) {
    match merged.iter_mut().find(|(m, _)| m.id == g.id) {
        Some(slot) => *slot = (g, source),
        None => merged.push((g, source)),
    }
}

/// `validate --print-merged`: the merged gates as YAML, each with where it came from.
pub fn print_merged(spec: &Spec) -> String {
    let mut s = format!(
        "# merged gates of {} (extends resolved; local gates override policy gates by id)\nversion: 1\nname: {}\ngates:\n",
        spec.path.display(),
        yaml_str(&spec.name)
    );
    for (g, src) in spec.gates.iter().zip(&spec.gate_sources) {
        s.push_str(&format!("  - id: {}   # from {src}\n", yaml_str(&g.id)));
        s.push_str(&format!(
            "    metric: {}\n",
            yaml_str(&g.metric.to_string())
        ));
        s.push_str(&format!("    {}: {}\n", g.rule.as_str(), g.limit));
        s.push_str(&format!("    evidence: {}\n", g.evidence.as_str()));
        s.push_str(&format!("    test: {}\n", g.test.as_str()));
        s.push_str(&format!("    severity: {}\n", g.severity.as_str()));
        if !g.by.is_empty() {
            let by: Vec<String> = g.by.iter().map(|b| yaml_str(b)).collect();
            s.push_str(&format!("    by: [{}]\n", by.join(", ")));
        }
    }
    s
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}
