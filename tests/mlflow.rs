//! MLflow inputs, promotion and run logging.
//!
//! Against a real MLflow tracking server (`mlflow server`, SQLite backend,
//! `--serve-artifacts`, 127.0.0.1, random port) started once for this module by a Python
//! launcher that kills it when the test process ends; seeded and inspected with MLflow's
//! own Python client (`tests/mlflow/seed.py`, `tests/mlflow/read_back.py`). Skipped with a
//! visible line when no Python with `mlflow` is found (`.ci/run` installs it).
//! Hostile answers (401/403 echoing the token, path traversal in a listing, an unreachable
//! server) come from wiremock stand-ins with MLflow's real error bodies.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{modelgate, python_with, rows, write_pair};

const MODEL: &str = "fraud-scorer";

/// The seeded server: runs 0 (baseline, v1), 1 (good candidate, v2), 2 (bad candidate,
/// v3), 3 (a folder of parts, not registered); alias `champion` → 1 at the start.
struct Seeded {
    uri: String,
    python: PathBuf,
    runs: Vec<String>,
    _dir: TempDir,
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `mlflow server` through a launcher that stops it (its whole process group) when
/// this test process exits; waits for `/health` (up to 5 minutes on a busy machine).
fn start_server(python: &Path, dir: &Path) -> Option<String> {
    let port = free_port();
    let launcher = r#"
import os, signal, subprocess, sys, time
port, root, parent = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = open(os.path.join(root, "server.log"), "w")
p = subprocess.Popen([sys.executable, "-m", "mlflow", "server",
    "--backend-store-uri", "sqlite:///" + os.path.join(root, "mlflow.db"),
    "--artifacts-destination", os.path.join(root, "artifacts"), "--serve-artifacts",
    "--host", "127.0.0.1", "--port", port, "--workers", "1"],
    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
while p.poll() is None and alive(parent) and os.getppid() != 1:
    time.sleep(0.5)
try:
    os.killpg(p.pid, signal.SIGTERM)
    time.sleep(2)
    os.killpg(p.pid, signal.SIGKILL)
except OSError:
    pass
"#;
    let child = Command::new(python)
        .args(["-c", launcher])
        .arg(port.to_string())
        .arg(dir)
        .arg(std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Err(e) = child {
        eprintln!("SKIPPED mlflow server tests: cannot start the launcher: {e}");
        return None;
    }
    let uri = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(300) {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = write!(s, "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.") && answer.contains(" 200 ") {
                return Some(uri);
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    panic!("mlflow server did not become healthy within 300 s; its log:\n{log}");
}

/// Writes a predictions CSV of `rows` with the given score per row.
fn write_scores(
    path: &Path,
    rows: &[crate::common::Row],
    score: impl Fn(&crate::common::Row) -> f64,
) {
    let mut s = String::from("id,label,score,country\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{}\n",
            r.id,
            r.label,
            score(r),
            r.country
        ));
    }
    std::fs::write(path, s).expect("write predictions");
}

fn seeded() -> Option<&'static Seeded> {
    static SEEDED: OnceLock<Option<Seeded>> = OnceLock::new();
    SEEDED
        .get_or_init(|| {
            let python = python_with("mlflow server tests", &["mlflow"])?;
            let dir = TempDir::new().expect("tempdir");
            let uri = start_server(&python, dir.path())?;
            let data = dir.path().join("data");
            std::fs::create_dir_all(data.join("parts")).expect("mkdir");
            let rs = rows(3000, 0.1, 1.0, 11);
            let (cand, base) = write_pair(&data, &rs);
            let bad = data.join("bad.csv");
            write_scores(&bad, &rs, |r| ((1.0 - r.cand) * 1e6).round() / 1e6);
            let (half_a, half_b) = rs.split_at(1500);
            write_scores(&data.join("parts/part-0.csv"), half_a, |r| r.cand);
            write_scores(&data.join("parts/part-1.csv"), half_b, |r| r.cand);
            // Every model's predictions under the same artifact path, as a team would log them.
            let named = |src: &Path, name: &str| {
                let d = data.join(name);
                std::fs::create_dir_all(&d).expect("mkdir");
                let p = d.join("predictions.csv");
                std::fs::copy(src, &p).expect("copy");
                p
            };
            let (b, c, x) = (named(&base, "v1"), named(&cand, "v2"), named(&bad, "v3"));
            let s = |p: &Path| p.display().to_string();
            let spec = json!({
                "experiment": "modelgate-tests",
                "model": MODEL,
                "runs": [
                    {"name": "baseline", "artifacts": [[s(&b), "eval"]]},
                    {"name": "candidate-good", "artifacts": [[s(&c), "eval"]]},
                    {"name": "candidate-bad", "artifacts": [[s(&x), "eval"]]},
                    {"name": "parts", "artifacts": [[s(&data.join("parts")), "eval/parts"], [s(&b), "eval"]]},
                ],
                "register": [0, 1, 2],
                "aliases": {"champion": 1},
            });
            let out = python_json(&python, "seed.py", &uri, &spec);
            let runs = out["runs"]
                .as_array()
                .expect("runs")
                .iter()
                .map(|r| r.as_str().expect("run id").to_string())
                .collect();
            assert_eq!(out["versions"], json!([1, 2, 3]), "{out}");
            Some(Seeded {
                uri,
                python,
                runs,
                _dir: dir,
            })
        })
        .as_ref()
}

/// Runs `tests/mlflow/<script> URI SPEC` and parses its last stdout line as JSON.
fn python_json(python: &Path, script: &str, uri: &str, spec: &Value) -> Value {
    let spec_file = tempfile::NamedTempFile::new().expect("spec file");
    std::fs::write(spec_file.path(), spec.to_string()).expect("write spec");
    let out = Command::new(python)
        .arg(manifest().join("tests/mlflow").join(script))
        .arg(uri)
        .arg(spec_file.path())
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("null");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{script}: {e}: {stdout}"))
}

fn config(dir: &Path, candidate: &str, baseline: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: mlflow-test\ncandidate: {candidate}\nbaseline: {baseline}\ncolumns:\n  label: label\n  score: score\n  id: id\nseed: 7\nbootstrap: {{replicates: 200}}\ngates:\n  - metric: roc_auc\n    max_regression: 0.01\n"
    );
    let p = dir.join("modelgate.yaml");
    std::fs::write(&p, text).expect("config");
    p
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `modelgate check --config cfg` against the MLflow server at `uri`, with `env` set.
fn check_at(uri: &str, cfg: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = modelgate();
    cmd.env("MLFLOW_TRACKING_URI", uri);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(["check", "--config"])
        .arg(cfg)
        .output()
        .expect("run")
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn gates_through_the_registry_promotes_on_pass_and_not_on_block() {
    let Some(s) = seeded() else { return };
    let dir = TempDir::new().expect("tempdir");
    let baseline = format!("models:/{MODEL}@champion/eval/predictions.csv");

    // A better candidate (version 2) against the champion (version 1): pass, promoted.
    let cfg = config(
        dir.path(),
        &format!("models:/{MODEL}/2/eval/predictions.csv"),
        &baseline,
    );
    let json_path = dir.path().join("pass.json");
    let md_path = dir.path().join("pass.md");
    let out = modelgate()
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&json_path)
        .arg("--markdown")
        .arg(&md_path)
        .arg("--strict-publish")
        .args(["--promote", &format!("models:/{MODEL}/2@champion")])
        .args(["--log-run", &s.runs[1]])
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("alias `champion` of `fraud-scorer` now points at version 2"),
        "{err}"
    );
    let md = std::fs::read_to_string(&md_path).expect("markdown");
    assert!(
        md.contains(&format!(
            "MLflow model fraud-scorer version 1, run {}",
            s.runs[0]
        )),
        "{md}"
    );
    let text = std::fs::read(&json_path).expect("json");
    let result: Value = serde_json::from_slice(&text).expect("json");
    let base = &result["inputs"]["baseline"];
    assert_eq!(base["path"], json!(baseline));
    assert_eq!(base["mlflow"]["uri"], json!(baseline));
    assert_eq!(base["mlflow"]["model"], json!(MODEL));
    assert_eq!(base["mlflow"]["alias"], json!("champion"));
    assert_eq!(base["mlflow"]["version"], json!("1"));
    assert_eq!(base["mlflow"]["run_id"], json!(s.runs[0]));
    assert_eq!(base["files"][0]["path"], json!("eval/predictions.csv"));
    let cand = &result["inputs"]["candidate"];
    assert_eq!(cand["mlflow"]["version"], json!("2"));
    assert_eq!(cand["mlflow"]["alias"], Value::Null);
    assert_eq!(cand["mlflow"]["run_id"], json!(s.runs[1]));
    // The hash is of the bytes that were logged.
    let local = s._dir.path().join("data/v1/predictions.csv");
    let expected = sha256_hex(&std::fs::read(local).expect("baseline file"));
    assert_eq!(base["files"][0]["sha256"], json!(expected));
    let config_sha = sha256_hex(&std::fs::read(&cfg).expect("config"));
    let result_sha = sha256_hex(&text);

    // A worse candidate (version 3) against the new champion (version 2): blocked, alias stays.
    let cfg = config(
        dir.path(),
        &format!("models:/{MODEL}/3/eval/predictions.csv"),
        &baseline,
    );
    let out = modelgate()
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .args(["check", "--config"])
        .arg(&cfg)
        .args(["--markdown", "/dev/null", "--strict-publish"])
        .args(["--promote", &format!("models:/{MODEL}/3@champion")])
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("did not move"), "{err}");

    // What MLflow's own client sees.
    let seen = python_json(
        &s.python,
        "read_back.py",
        &s.uri,
        &json!({"model": MODEL, "versions": [2, 3], "aliases": ["champion", "dryrun"], "run": s.runs[1]}),
    );
    assert_eq!(seen["aliases"]["champion"], json!("2"), "{seen}");
    let v2 = &seen["versions"]["2"];
    assert_eq!(v2["modelgate.verdict"], json!("pass"), "{seen}");
    assert_eq!(v2["modelgate.config_sha256"], json!(config_sha), "{seen}");
    assert_eq!(v2["modelgate.result_sha256"], json!(result_sha), "{seen}");
    assert_eq!(
        seen["versions"]["3"]["modelgate.verdict"],
        json!("blocked"),
        "{seen}"
    );
    let run = &seen["run"];
    assert_eq!(run["tags"]["modelgate.verdict"], json!("pass"), "{seen}");
    assert_eq!(
        run["tags"]["modelgate.roc_auc-max_regression.status"],
        json!("pass"),
        "{seen}"
    );
    let gate = &result["gates"][0];
    for (metric, field) in [("candidate", "candidate"), ("delta", "delta")] {
        let logged = run["metrics"][format!("modelgate.roc_auc-max_regression.{metric}")].as_f64();
        let reported = gate[field].as_f64();
        assert!(
            matches!((logged, reported), (Some(a), Some(b)) if (a - b).abs() < 1e-9),
            "{metric}: {logged:?} vs {reported:?}: {seen}"
        );
    }
    assert_eq!(
        run["artifacts"],
        json!(["modelgate/report.md", "modelgate/result.json"]),
        "{seen}"
    );
    assert_eq!(run["result_json_sha256"], json!(result_sha), "{seen}");
}

#[test]
fn a_folder_of_parts_from_a_run_reads_like_a_local_folder() {
    let Some(s) = seeded() else { return };
    let dir = TempDir::new().expect("tempdir");
    let run = &s.runs[3];
    let cfg = config(
        dir.path(),
        &format!("runs:/{run}/eval/parts"),
        &format!("runs:/{run}/eval/predictions.csv"),
    );
    let json_path = dir.path().join("r.json");
    let out = modelgate()
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&json_path)
        .args(["--markdown", "/dev/null"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let result: Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("json")).expect("json");
    let cand = &result["inputs"]["candidate"];
    assert_eq!(cand["rows"], json!(3000));
    let files: Vec<&str> = cand["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    assert_eq!(files, ["eval/parts/part-0.csv", "eval/parts/part-1.csv"]);
    assert_eq!(cand["mlflow"]["run_id"], json!(run));
    // The audit hash of several files: the sha256sum manifest of their artifact paths.
    let manifest: String = cand["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            format!(
                "{}  {}\n",
                f["sha256"].as_str().expect("sha"),
                f["path"].as_str().expect("path")
            )
        })
        .collect();
    assert_eq!(cand["sha256"], json!(sha256_hex(manifest.as_bytes())));
    assert_eq!(cand["mlflow"]["model"], Value::Null);
    // Same inputs and seed, same bytes: no temporary path leaks into the JSON.
    let again = dir.path().join("again.json");
    let out = modelgate()
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .args(["check", "--config"])
        .arg(&cfg)
        .arg("--json")
        .arg(&again)
        .args(["--markdown", "/dev/null"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let first = std::fs::read_to_string(&json_path).expect("json");
    let second = std::fs::read_to_string(&again).expect("json");
    let differ: Vec<(&str, &str)> = first
        .lines()
        .zip(second.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        differ.is_empty() && first.len() == second.len(),
        "{differ:?}"
    );
}

#[test]
fn registry_mistakes_are_exit_2_naming_the_fix() {
    let Some(s) = seeded() else { return };
    let dir = TempDir::new().expect("tempdir");
    let cases = [
        (
            format!("models:/{MODEL}@nope/eval/predictions.csv"),
            vec!["alias `nope`", "not found"],
        ),
        (
            format!("models:/{MODEL}/99/eval/predictions.csv"),
            vec!["version 99", "not found"],
        ),
        (
            "models:/no-such-model/1/eval/predictions.csv".to_string(),
            vec!["no-such-model", "not found"],
        ),
        (
            format!("models:/{MODEL}/1/eval/predictions.parquet"),
            vec![
                "no artifact `eval/predictions.parquet`",
                "eval/predictions.csv",
            ],
        ),
        (
            format!("models:/{MODEL}/1/evaluation/predictions.csv"),
            vec!["run's artifact root holds: eval/"],
        ),
    ];
    // Promoting another version than the one gated is refused before judging.
    let v2 = format!("models:/{MODEL}/2/eval/predictions.csv");
    for (candidate, promote) in [
        (v2.clone(), format!("models:/{MODEL}/3@champion")),
        (
            format!("runs:/{}/eval/predictions.csv", s.runs[1]),
            format!("models:/{MODEL}/3@champion"),
        ),
    ] {
        let cfg = config(dir.path(), &candidate, &v2);
        let out = modelgate()
            .env("MLFLOW_TRACKING_URI", &s.uri)
            .args(["check", "--config"])
            .arg(&cfg)
            .args(["--promote", &promote])
            .output()
            .expect("run");
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{candidate}: {err}");
        assert!(err.contains("promote the version that was gated"), "{err}");
    }
    // A data error in a downloaded file names the URI and the artifact path.
    let cfg = config(
        dir.path(),
        &format!("runs:/{}/eval/predictions.csv", s.runs[3]),
        &format!("runs:/{}/eval/parts", s.runs[3]),
    );
    let text = std::fs::read_to_string(&cfg)
        .expect("config")
        .replace("id: id", "id: txn");
    std::fs::write(&cfg, text).expect("config");
    let out = check_at(&s.uri, &cfg, &[]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "runs:/{}/eval/predictions.csv (artifact eval/predictions.csv)",
            s.runs[3]
        )),
        "{err}"
    );
    assert!(!err.contains("modelgate-mlflow-"), "{err}");
    for (uri, needles) in cases {
        let cfg = config(
            dir.path(),
            &uri,
            &format!("models:/{MODEL}/1/eval/predictions.csv"),
        );
        let out = check_at(&s.uri, &cfg, &[]);
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{uri}: {err}");
        for n in needles {
            assert!(err.contains(n), "{uri}: `{n}` not in {err}");
        }
    }
}

#[test]
fn dry_run_prints_the_change_and_makes_none() {
    let Some(s) = seeded() else { return };
    let dir = TempDir::new().expect("tempdir");
    // Version 2 against itself (a pass): the dry run would move a fresh alias.
    let v2 = format!("models:/{MODEL}/2/eval/predictions.csv");
    let cfg = config(dir.path(), &v2, &v2);
    let out = modelgate()
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .args(["check", "--config"])
        .arg(&cfg)
        .args(["--markdown", "/dev/null", "--dry-run"])
        .args(["--promote", &format!("models:/{MODEL}/2@dryrun")])
        .args(["--log-run", &s.runs[2]])
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("dry run: would move alias `dryrun` of `fraud-scorer` to version 2"),
        "{err}"
    );
    assert!(err.contains("dry run: would log"), "{err}");
    // The alias does not exist on the server (checked in the promotion test's inspection
    // too; here through the REST API the binary uses).
    let out = modelgate()
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .args(["check", "--config"])
        .arg(config(
            dir.path(),
            &format!("models:/{MODEL}@dryrun/eval/predictions.csv"),
            &v2,
        ))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

// ---- stand-ins: hostile or broken servers ------------------------------------------

const TOKEN: &str = "mlflow-tok-9f8e7d6c5b4a";

struct Stub {
    rt: tokio::runtime::Runtime,
    server: MockServer,
}

impl Stub {
    fn new() -> Stub {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt.block_on(MockServer::start());
        Stub { rt, server }
    }
    fn mount(&self, m: Mock) {
        self.rt.block_on(m.mount(&self.server));
    }
    fn version_ok(&self) {
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/2.0/mlflow/model-versions/get"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "model_version": {"name": "m", "version": "1", "run_id": "abc123",
                        "source": "mlflow-artifacts:/1/abc123/artifacts/eval", "status": "READY", "aliases": []}
                }))),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path("/api/2.0/mlflow/runs/get"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "run": {"info": {"run_id": "abc123", "artifact_uri": "mlflow-artifacts:/1/abc123/artifacts"}, "data": {}}
                }))),
        );
    }
}

fn local_pair(dir: &Path) -> PathBuf {
    let rs = rows(400, 0.2, 1.0, 5);
    write_pair(dir, &rs);
    config(dir, "candidate.csv", "baseline.csv")
}

#[test]
fn unauthorized_is_exit_2_and_never_prints_the_token() {
    let stub = Stub::new();
    // A proxy that echoes the request's Authorization header in its error body.
    stub.mount(
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error_code": "UNAUTHENTICATED",
            "message": format!("Invalid credentials: Authorization: Bearer {TOKEN}")
        }))),
    );
    let dir = TempDir::new().expect("tempdir");
    let cfg = config(
        dir.path(),
        "models:/m@champion/eval/p.csv",
        "models:/m/1/eval/p.csv",
    );
    let out = check_at(
        &stub.server.uri(),
        &cfg,
        &[("MLFLOW_TRACKING_TOKEN", TOKEN)],
    );
    let err = stderr_of(&out);
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("HTTP 401") && err.contains("MLFLOW_TRACKING_TOKEN"),
        "{err}"
    );
    assert!(!all.contains("9f8e7d6c5b4a"), "token printed: {all}");
    // The token went out as a bearer header.
    let got = stub
        .rt
        .block_on(stub.server.received_requests())
        .unwrap_or_default();
    assert!(got.iter().all(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v.to_str().ok() == Some(&format!("Bearer {TOKEN}")))
    }));
}

/// A body that echoes the bare token where the 300-character message cut falls: the
/// part of the token before the cut is a piece of a secret and is redacted too.
#[test]
fn a_token_cut_by_the_message_limit_is_still_redacted() {
    let stub = Stub::new();
    for cut in [290usize, 295, 299] {
        let body = format!("{} {TOKEN} trailing", "x".repeat(cut));
        stub.mount(
            Mock::given(method("GET"))
                .respond_with(ResponseTemplate::new(401).set_body_string(body)),
        );
        let dir = TempDir::new().expect("tempdir");
        let cfg = config(
            dir.path(),
            "models:/m@champion/eval/p.csv",
            "models:/m/1/eval/p.csv",
        );
        let out = check_at(
            &stub.server.uri(),
            &cfg,
            &[("MLFLOW_TRACKING_TOKEN", TOKEN)],
        );
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        let head: String = TOKEN.chars().take(6).collect();
        assert!(
            !err.contains(&head),
            "cut at {cut}: a piece of the token printed: {err}"
        );
        stub.rt.block_on(stub.server.reset());
    }
}

/// A tracking URI that points at a plain web server (HTML 404s) is named as the cause, not
/// reported as an unknown model.
#[test]
fn a_tracking_uri_without_the_rest_api_is_named() {
    let stub = Stub::new();
    stub.mount(Mock::given(method("GET")).respond_with(
        ResponseTemplate::new(404).set_body_string("<!DOCTYPE HTML><title>Not Found</title>"),
    ));
    let dir = TempDir::new().expect("tempdir");
    let cfg = config(
        dir.path(),
        "models:/m/1/eval/p.csv",
        "models:/m/1/eval/p.csv",
    );
    let out = check_at(&stub.server.uri(), &cfg, &[]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no MLflow REST API at this address"), "{err}");
    assert!(!err.contains("not found ("), "{err}");
}

#[test]
fn basic_auth_password_never_printed_on_403() {
    let stub = Stub::new();
    stub.mount(
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "error_code": "PERMISSION_DENIED",
            "message": "Permission denied for user alice (password hunter2-secret-pw)"
        }))),
    );
    let dir = TempDir::new().expect("tempdir");
    let cfg = config(dir.path(), "runs:/abc/eval/p.csv", "runs:/abc/eval/q.csv");
    let out = check_at(
        &stub.server.uri(),
        &cfg,
        &[
            ("MLFLOW_TRACKING_USERNAME", "alice"),
            ("MLFLOW_TRACKING_PASSWORD", "hunter2-secret-pw"),
        ],
    );
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("HTTP 403") && err.contains("permission"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn unreachable_server_is_a_fast_clear_exit_2() {
    let port = free_port(); // bound, then released: nothing listens there
    let dir = TempDir::new().expect("tempdir");
    let cfg = config(dir.path(), "models:/m@champion/eval/p.csv", "baseline.csv");
    let start = Instant::now();
    let out = modelgate()
        .env("MLFLOW_TRACKING_URI", format!("http://127.0.0.1:{port}"))
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .expect("run");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot reach the tracking server"), "{err}");
    assert!(err.contains("MLFLOW_TRACKING_URI"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    // No tracking URI at all.
    let out = modelgate()
        .env_remove("MLFLOW_TRACKING_URI")
        .args(["check", "--config"])
        .arg(&cfg)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("MLFLOW_TRACKING_URI is not set"));
}

#[test]
fn a_listing_outside_the_folder_is_refused() {
    let stub = Stub::new();
    stub.version_ok();
    stub.mount(
        Mock::given(method("GET"))
            .and(path("/api/2.0/mlflow/artifacts/list"))
            .and(query_param("path", "eval"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "files": [{"path": "eval/dir", "is_dir": true}]
            }))),
    );
    stub.mount(
        Mock::given(method("GET"))
            .and(path("/api/2.0/mlflow/artifacts/list"))
            .and(query_param("path", "eval/dir"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "files": [{"path": "eval/dir/../../../../tmp/evil.csv", "is_dir": false, "file_size": 3}]
            }))),
    );
    let dir = TempDir::new().expect("tempdir");
    let cfg = config(dir.path(), "models:/m/1/eval/dir", "models:/m/1/eval/dir");
    let out = check_at(&stub.server.uri(), &cfg, &[]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("refusing to read it"), "{err}");
    let downloads = stub
        .rt
        .block_on(stub.server.received_requests())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().contains("mlflow-artifacts"))
        .count();
    assert_eq!(downloads, 0);
}

#[test]
fn promotion_failure_is_a_warning_or_exit_3_under_strict() {
    let stub = Stub::new();
    stub.version_ok();
    stub.mount(
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "error_code": "PERMISSION_DENIED",
            "message": "User alice lacks MANAGE on model m"
        }))),
    );
    let dir = TempDir::new().expect("tempdir");
    let cfg = local_pair(dir.path());
    let run = |strict: bool| {
        let mut c = modelgate();
        c.env("MLFLOW_TRACKING_URI", stub.server.uri())
            .env("MLFLOW_TRACKING_TOKEN", TOKEN)
            .args(["check", "--config"])
            .arg(&cfg)
            .args([
                "--markdown",
                "/dev/null",
                "--promote",
                "models:/m/1@champion",
            ]);
        if strict {
            c.arg("--strict-publish");
        }
        c.output().expect("run")
    };
    let out = run(false);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning") && err.contains("HTTP 403"), "{err}");
    let out = run(true);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("lacks MANAGE"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
    // No alias request was made after the tag was refused.
    let aliases = stub
        .rt
        .block_on(stub.server.received_requests())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with("registered-models/alias"))
        .count();
    assert_eq!(aliases, 0);
}

#[test]
fn malformed_mlflow_flags_are_exit_2_before_judging() {
    let dir = TempDir::new().expect("tempdir");
    let cfg = local_pair(dir.path());
    for (args, needle) in [
        (
            vec!["--promote", "models:/m@champion"],
            "models:/<name>/<version>@<alias>",
        ),
        (vec!["--log-run", "../etc"], "--log-run"),
        (vec!["--dry-run"], "--dry-run previews"),
    ] {
        let out = modelgate()
            .env("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
            .args(["check", "--config"])
            .arg(&cfg)
            .args(&args)
            .output()
            .expect("run");
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let out = modelgate()
        .env_remove("MLFLOW_TRACKING_URI")
        .args(["check", "--config"])
        .arg(&cfg)
        .args(["--promote", "models:/m/1@champion"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("MLFLOW_TRACKING_URI is not set"));
}

/// A stand-in whose `eval/p.csv` download answers `template`.
fn stub_with_artifact(template: ResponseTemplate) -> Stub {
    let stub = Stub::new();
    stub.version_ok();
    stub.mount(
        Mock::given(method("GET"))
            .and(path("/api/2.0/mlflow/artifacts/list"))
            .and(query_param("path", "eval"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "files": [{"path": "eval/p.csv", "is_dir": false, "file_size": 10}]
            }))),
    );
    stub.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/2.0/mlflow-artifacts/artifacts/1/abc123/artifacts/eval/p.csv",
            ))
            .respond_with(template),
    );
    stub
}

#[test]
fn oversized_and_slow_downloads_are_cut_off() {
    let dir = TempDir::new().expect("tempdir");
    let cfg = config(
        dir.path(),
        "models:/m/1/eval/p.csv",
        "models:/m/1/eval/p.csv",
    );
    // More bytes than the cap: refused, naming the cap and its variable.
    let big = "id,label,score\n".to_string() + &"x,1,0.5\n".repeat(2_000);
    let stub = stub_with_artifact(ResponseTemplate::new(200).set_body_string(big));
    let out = check_at(
        &stub.server.uri(),
        &cfg,
        &[("MODELGATE_MLFLOW_MAX_BYTES", "1000")],
    );
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("MODELGATE_MLFLOW_MAX_BYTES"), "{err}");
    // A server that does not answer within the deadline: exit 2 in seconds, not a hang.
    let stub = stub_with_artifact(
        ResponseTemplate::new(200)
            .set_body_string("id,label,score\n")
            .set_delay(Duration::from_secs(30)),
    );
    let start = Instant::now();
    let out = check_at(
        &stub.server.uri(),
        &cfg,
        &[("MODELGATE_HTTP_TIMEOUT_SECS", "1")],
    );
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no answer within 1 s"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
}

/// A server that sends a byte every 0.5 s, each well within the per-request deadline: the
/// overall MLflow deadline ends the download (exit 2 in seconds, not a hang until the size
/// cap). The artifact request is redirected to a plain TCP server that trickles.
#[test]
fn a_download_that_trickles_is_cut_off_by_the_overall_deadline() {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: 100000\r\n\r\n",
                );
                for _ in 0..200 {
                    if conn.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            });
        }
    });
    let stub = stub_with_artifact(ResponseTemplate::new(302).insert_header(
        "location",
        format!("http://127.0.0.1:{port}/p.csv").as_str(),
    ));
    let dir = TempDir::new().expect("tempdir");
    let cfg = config(
        dir.path(),
        "models:/m/1/eval/p.csv",
        "models:/m/1/eval/p.csv",
    );
    let start = Instant::now();
    let out = check_at(
        &stub.server.uri(),
        &cfg,
        &[
            ("MODELGATE_HTTP_TIMEOUT_SECS", "2"),
            ("MODELGATE_MLFLOW_TIMEOUT_SECS", "3"),
        ],
    );
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("MODELGATE_MLFLOW_TIMEOUT_SECS"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn the_mlflow_example_trains_registers_gates_and_promotes() {
    let Some(s) = seeded() else { return };
    // The example needs scikit-learn, pandas and pyarrow: mlflow itself depends on them.
    let Some(python) = python_with(
        "mlflow example",
        &["mlflow", "sklearn", "pandas", "pyarrow"],
    ) else {
        return;
    };
    let dir = TempDir::new().expect("tempdir");
    let out = Command::new(python)
        .arg(manifest().join("examples/mlflow/train_register_gate.py"))
        .arg(env!("CARGO_BIN_EXE_modelgate"))
        .current_dir(dir.path())
        .env("MLFLOW_TRACKING_URI", &s.uri)
        .env("MODELGATE_EXAMPLE_MODEL", "example-scorer")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .expect("python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("@champion is now version 2 (candidate was 2)"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("promoted: alias `champion` of `example-scorer` now points at version 2"),
        "{stderr}"
    );
    let result: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("result.json")).expect("json"))
            .expect("json");
    assert_eq!(
        result["inputs"]["baseline"]["mlflow"]["alias"],
        json!("champion")
    );
    assert_eq!(
        result["inputs"]["candidate"]["mlflow"]["version"],
        json!("2")
    );
}

/// An HTTPS stand-in with a self-signed certificate (openssl + Python's `ssl`) that answers
/// every GET like MLflow does for an unknown model version. `None` (skipped) without them.
fn tls_stub(dir: &Path) -> Option<(std::process::Child, u16)> {
    let python = python_with("mlflow TLS test", &["ssl", "http.server"])?;
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .is_ok_and(|o| o.status.success());
    if !made {
        eprintln!("SKIPPED mlflow TLS test: openssl cannot make a certificate");
        return None;
    }
    let port = free_port();
    let server = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Model Version (name=m, version=1) not found"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
httpd = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
"#;
    let child = Command::new(python)
        .args(["-c", server, &port.to_string()])
        .arg(&cert)
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(30) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((child, port))
}

#[test]
fn https_with_an_untrusted_certificate_needs_insecure_tls() {
    let dir = TempDir::new().expect("tempdir");
    let Some((mut child, port)) = tls_stub(dir.path()) else {
        return;
    };
    let cfg = config(
        dir.path(),
        "models:/m/1/eval/p.csv",
        "models:/m/1/eval/p.csv",
    );
    let run = |insecure: bool| {
        let mut c = modelgate();
        c.env("MLFLOW_TRACKING_URI", format!("https://127.0.0.1:{port}"))
            .args(["check", "--config"])
            .arg(&cfg);
        if insecure {
            c.env("MLFLOW_TRACKING_INSECURE_TLS", "true");
        } else {
            c.env_remove("MLFLOW_TRACKING_INSECURE_TLS");
        }
        c.output().expect("run")
    };
    let refused = run(false);
    let accepted = run(true);
    let _ = child.kill();
    let _ = child.wait();
    let err = stderr_of(&refused);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot reach the tracking server"), "{err}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // With the certificate check off, the request goes through and MLflow's answer shows.
    let err = stderr_of(&accepted);
    assert_eq!(accepted.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not found") && err.contains("version 1"),
        "{err}"
    );
}
