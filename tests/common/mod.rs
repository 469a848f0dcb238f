//! Shared fixtures for the CLI tests: small, deterministic prediction files.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A deterministic generator (SplitMix64) so fixtures need no RNG crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One evaluation row of both models.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    pub label: u8,
    pub cand: f64,
    pub base: f64,
    pub country: String,
}

/// `n` rows at about `prevalence`, candidate better than baseline by `edge` in signal.
pub fn rows(n: usize, prevalence: f64, edge: f64, seed: u64) -> Vec<Row> {
    let mut rng = Rng::new(seed);
    let countries = ["DE", "FR", "US", "BR"];
    (0..n)
        .map(|i| {
            let label = u8::from(rng.uniform() < prevalence);
            let signal = if label == 1 { 1.0 } else { 0.0 };
            let noise_c = rng.uniform();
            let noise_b = rng.uniform();
            let shared = rng.uniform();
            let squash = |x: f64| 1.0 / (1.0 + (-x).exp());
            let cand = squash(1.2 * signal * (1.0 + edge) + 2.0 * (noise_c + shared) - 3.0);
            let base = squash(1.2 * signal + 2.0 * (noise_b + shared) - 3.0);
            Row {
                id: format!("r{i:05}"),
                label,
                cand: (cand * 1e6).round() / 1e6,
                base: (base * 1e6).round() / 1e6,
                country: countries[i % countries.len()].to_string(),
            }
        })
        .collect()
}

/// Writes `id,label,score,country` CSVs for both models.
pub fn write_pair(dir: &Path, rows: &[Row]) -> (PathBuf, PathBuf) {
    let mut c = String::from("id,label,score,country\n");
    let mut b = String::from("id,label,score,country\n");
    for r in rows {
        let _ = writeln!(c, "{},{},{},{}", r.id, r.label, r.cand, r.country);
        let _ = writeln!(b, "{},{},{},{}", r.id, r.label, r.base, r.country);
    }
    let (cp, bp) = (dir.join("candidate.csv"), dir.join("baseline.csv"));
    std::fs::write(&cp, c).unwrap();
    std::fs::write(&bp, b).unwrap();
    (cp, bp)
}

/// Writes a config next to the data; `gates` is the YAML list body.
pub fn write_config(dir: &Path, extra: &str, gates: &str) -> PathBuf {
    // `extra` may bring its own `columns:`.
    let columns = if extra.contains("columns:") {
        ""
    } else {
        "columns:\n  label: label\n  score: score\n  id: id\n"
    };
    let text = format!(
        "version: 1\nname: test-model\ncandidate: candidate.csv\nbaseline: baseline.csv\n{columns}seed: 7\nbootstrap: {{replicates: 200}}\nmin_slice: {{rows: 50, positives: 5, negatives: 5}}\n{extra}gates:\n{gates}"
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// The gates of a JSON result with `status`, each as `"<id> <slice as JSON>"`.
pub fn gates_with_status(json: &serde_json::Value, status: &str) -> Vec<String> {
    json["gates"]
        .as_array()
        .map(|gates| {
            gates
                .iter()
                .filter(|g| g["status"] == status)
                .map(|g| format!("{} {}", g["id"].as_str().unwrap_or(""), g["slice"]))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `modelgate check --config cfg --json` in `dir`; returns the exit code, the JSON
/// result (`Null` when none was written) and stderr.
pub fn check_json(
    dir: &std::path::Path,
    cfg: &std::path::Path,
) -> (i32, serde_json::Value, String) {
    let out = dir.join("result.json");
    let _ = std::fs::remove_file(&out);
    let o = modelgate()
        .current_dir(dir)
        .args(["check", "--config"])
        .arg(cfg)
        .arg("--json")
        .arg(&out)
        .output()
        .unwrap();
    let json = std::fs::read(&out)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    (
        o.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The binary under test.
pub fn modelgate() -> Command {
    let mut c = Command::cargo_bin("modelgate").unwrap();
    // Never publish from tests, whatever the environment says.
    for var in [
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "GITHUB_TOKEN",
        "MODELGATE_TOKEN",
        "GITLAB_TOKEN",
        "CI",
    ] {
        c.env_remove(var);
    }
    c
}

/// A Python interpreter that can import every module in `modules`, or `None` after printing
/// a visible skip line. Looked up in `MODELGATE_PYTHON` (set by `.ci/run`), then the venv
/// `.ci/run` prepares (`$MODELGATE_VENV`, default `~/.cache/modelgate-venv`), then `python3`.
pub fn python_with(test: &str, modules: &[&str]) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("MODELGATE_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    let venv = std::env::var_os("MODELGATE_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/modelgate-venv")));
    if let Some(v) = venv {
        candidates.push(v.join("bin/python"));
    }
    candidates.push(PathBuf::from("python3"));
    let probe = format!("import {}", modules.join(", "));
    for python in candidates {
        let ok = std::process::Command::new(&python)
            .args(["-c", &probe])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return Some(python);
        }
    }
    eprintln!(
        "SKIPPED {test}: needs the Python modules {modules:?}; `.ci/run` installs them \
         (python3 -m venv ~/.cache/modelgate-venv && ~/.cache/modelgate-venv/bin/pip install -r .ci/requirements.txt)"
    );
    None
}
