//! modelgate as a pipeline step: the container's entry point, the Kubeflow component and
//! the Python (Metaflow) wrapper, each run for real against the test build.
//!
//! No container builder runs on the test machine, so the image's ENTRYPOINT and CMD are
//! read from the Dockerfile and run with the same arguments against the test binary; the
//! Kubeflow component's shell command is run as KFP would (placeholders replaced by paths
//! without extensions, output folders missing), and a pipeline using it is compiled with
//! the real `kfp` SDK (skipped visibly without it).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::{python_with, rows, write_config, write_pair};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_modelgate"))
}

/// A passing (`edge` > 0) or blocked (`edge` < 0) pair and its config in `dir`.
fn gate_dir(dir: &Path, edge: f64) -> PathBuf {
    let rs = rows(2000, 0.1, edge, 3);
    write_pair(dir, &rs);
    write_config(dir, "", "  - metric: roc_auc\n    max_regression: 0.01\n")
}

/// The JSON array after `instruction` in the Dockerfile (exec form).
fn exec_form(dockerfile: &str, instruction: &str) -> Vec<String> {
    let line = dockerfile
        .lines()
        .find(|l| l.starts_with(&format!("{instruction} ")))
        .unwrap_or_else(|| panic!("no {instruction} in the Dockerfile"));
    serde_json::from_str(line[instruction.len()..].trim())
        .unwrap_or_else(|e| panic!("{instruction} is not in exec form: {e}"))
}

#[test]
fn dockerfile_is_multi_stage_non_root_labelled_and_its_entry_point_gates() {
    let text = std::fs::read_to_string(manifest().join("Dockerfile")).expect("Dockerfile");
    let froms = text.lines().filter(|l| l.starts_with("FROM ")).count();
    assert!(froms >= 2, "multi-stage: {froms} FROM lines");
    assert!(text.contains("--profile dist"), "the stripped, LTO build");
    assert!(text.contains("-alpine"), "a musl (static) build stage");
    let user = text
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER line");
    let uid: u32 = user[5..]
        .split(':')
        .next()
        .and_then(|u| u.trim().parse().ok())
        .expect("a numeric user");
    assert_ne!(uid, 0, "non-root");
    for label in ["title", "version", "revision", "source", "licenses"] {
        assert!(
            text.contains(&format!("org.opencontainers.image.{label}=")),
            "OCI label {label}"
        );
    }
    let entry = exec_form(&text, "ENTRYPOINT");
    let cmd = exec_form(&text, "CMD");
    assert_eq!(entry, ["/usr/local/bin/modelgate"]);
    // The image's default command, in its WORKDIR holding a config: pass and block.
    for (edge, code) in [(1.0, 0), (-1.5, 1)] {
        let dir = TempDir::new().expect("tempdir");
        gate_dir(dir.path(), edge);
        let out = Command::new(binary())
            .args(&cmd)
            .current_dir(dir.path())
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITLAB_CI")
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The component's `command` and `args`, parsed.
fn component() -> (Vec<String>, Vec<Value>) {
    let text = std::fs::read_to_string(manifest().join("integrations/kubeflow/component.yaml"))
        .expect("component.yaml");
    let doc: Value = serde_saphyr::from_str(&text).expect("component.yaml is YAML");
    let c = &doc["implementation"]["container"];
    let command = c["command"]
        .as_array()
        .expect("command")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect();
    let args = c["args"].as_array().expect("args").clone();
    (command, args)
}

/// Runs the component's command as KFP would; returns (exit code, verdict, outputs dir).
fn run_component(dir: &Path, format: &str) -> (Option<i32>, String, PathBuf) {
    let (command, args) = component();
    // KFP gives artifacts as files without extensions.
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).expect("mkdir");
    std::fs::copy(dir.join("candidate.csv"), inputs.join("candidate")).expect("copy");
    std::fs::copy(dir.join("baseline.csv"), inputs.join("baseline")).expect("copy");
    std::fs::copy(dir.join("modelgate.yaml"), inputs.join("config")).expect("copy");
    let outputs = dir.join("outputs");
    let resolved: Vec<String> = args
        .iter()
        .map(|a| {
            let (kind, name) = a
                .as_object()
                .and_then(|o| o.iter().next())
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .expect("a placeholder");
            match kind.as_str() {
                "inputPath" => inputs.join(&name).display().to_string(),
                "inputValue" if name == "format" => format.to_string(),
                "outputPath" => outputs.join(&name).join("data").display().to_string(),
                other => panic!("unexpected placeholder {other}"),
            }
        })
        .collect();
    let bin_dir = binary().parent().expect("bin dir").to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(&command[0])
        .args(&command[1..])
        .args(&resolved)
        .env("PATH", path)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .output()
        .expect("sh");
    let verdict = std::fs::read_to_string(outputs.join("verdict/data")).unwrap_or_default();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), verdict, outputs)
}

#[test]
fn kubeflow_component_command_gates_and_fails_the_step_on_a_block() {
    let dir = TempDir::new().expect("tempdir");
    gate_dir(dir.path(), 1.0);
    let (code, verdict, outputs) = run_component(dir.path(), "csv");
    assert_eq!(code, Some(0));
    assert!(verdict == "pass" || verdict == "warn", "{verdict:?}");
    let json: Value = serde_json::from_slice(
        &std::fs::read(outputs.join("result_json/data")).expect("result JSON"),
    )
    .expect("JSON");
    assert_eq!(json["verdict"].as_str(), Some(verdict.as_str()));
    let md = std::fs::read_to_string(outputs.join("report_markdown/data")).expect("report");
    assert!(md.contains("modelgate"), "{md}");

    let dir = TempDir::new().expect("tempdir");
    gate_dir(dir.path(), -1.5);
    let (code, verdict, _) = run_component(dir.path(), "csv");
    assert_eq!(code, Some(1), "a block fails the step");
    assert_eq!(verdict, "fail");

    // Bad input: exit 2, verdict `error`; a bad format never reaches the binary.
    let dir = TempDir::new().expect("tempdir");
    gate_dir(dir.path(), 1.0);
    let (code, verdict, _) = run_component(dir.path(), "parquet");
    assert_eq!((code, verdict.as_str()), (Some(2), "error"));
    let (code, _, _) = run_component(dir.path(), "xlsx; rm -rf /");
    assert_eq!(code, Some(2));
}

#[test]
fn kubeflow_example_pipeline_compiles_with_the_kfp_sdk() {
    let Some(python) = python_with("kubeflow_example_pipeline_compiles", &["kfp"]) else {
        return;
    };
    let dir = TempDir::new().expect("tempdir");
    let out_file = dir.path().join("pipeline.yaml");
    let out = Command::new(python)
        .arg(manifest().join("examples/kubeflow/pipeline.py"))
        .arg(&out_file)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compiled: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&out_file).expect("compiled"))
            .expect("YAML");
    let exec = &compiled["deploymentSpec"]["executors"]["exec-modelgate-check"]["container"];
    let (command, _) = component();
    assert_eq!(
        exec["command"].as_array().map(Vec::len),
        Some(command.len())
    );
    assert_eq!(exec["command"][2].as_str(), Some(command[2].as_str()));
    assert!(
        exec["image"]
            .as_str()
            .is_some_and(|i| i.contains("modelgate")),
        "{exec}"
    );
    let comp = &compiled["components"]["comp-modelgate-check"];
    assert_eq!(
        comp["outputDefinitions"]["parameters"]["verdict"]["parameterType"].as_str(),
        Some("STRING")
    );
    for a in ["result_json", "report_markdown"] {
        assert!(
            comp["outputDefinitions"]["artifacts"][a].is_object(),
            "{a}: {comp}"
        );
    }
    // The deploy step consumes the gate's verdict, so it runs only after the gate passed.
    let text = std::fs::read_to_string(&out_file).expect("compiled");
    assert!(text.contains("producerTask: modelgate-check"), "{text}");
}

#[test]
fn metaflow_helper_runs_the_binary_and_reads_its_json() {
    let Some(python) = python_with("metaflow_helper", &["json"]) else {
        return;
    };
    for (edge, code, verdict) in [(1.0, 0, None), (-1.5, 1, Some("fail"))] {
        let dir = TempDir::new().expect("tempdir");
        let cfg = gate_dir(dir.path(), edge);
        let out = Command::new(&python)
            .arg(manifest().join("examples/metaflow/gate.py"))
            .arg(&cfg)
            .env("MODELGATE_BIN", binary())
            .output()
            .expect("python");
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
        assert_eq!(line["exit_code"], code);
        if let Some(v) = verdict {
            assert_eq!(line["verdict"], v);
            assert_eq!(line["failed"][0], "roc_auc-max_regression");
        }
    }
}

#[test]
fn metaflow_flow_deploys_after_a_pass_and_stops_on_a_block() {
    let Some(python) = python_with("metaflow_flow", &["metaflow"]) else {
        return;
    };
    for (edge, passes) in [(1.0, true), (-1.5, false)] {
        let dir = TempDir::new().expect("tempdir");
        let cfg = gate_dir(dir.path(), edge);
        let out = Command::new(&python)
            .arg(manifest().join("examples/metaflow/flow.py"))
            .args(["--no-pylint", "run", "--config"])
            .arg(&cfg)
            .current_dir(dir.path())
            .env("MODELGATE_BIN", binary())
            .env("USERNAME", "modelgate-test")
            .output()
            .expect("python");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.success(), passes, "{log}");
        assert_eq!(log.contains("deploying (gate verdict:"), passes, "{log}");
        if !passes {
            assert!(
                log.contains("modelgate blocked the model: roc_auc-max_regression"),
                "{log}"
            );
        }
    }
}
