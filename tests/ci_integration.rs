//! The integrations as people wire them (issue 11): GitHub Actions files under
//! `--publish none`, warning annotations, the stderr summary, `validate --config-only`, the
//! shipped workflow/pre-commit/GitLab files, and the starter config.

use std::collections::BTreeMap;
use std::path::Path;

use tempfile::TempDir;

use crate::common::{modelgate, rows, write_config, write_pair};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `$GITHUB_OUTPUT` heredoc blocks as a map.
fn outputs(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some((key, delim)) = line.split_once("<<") else {
            continue;
        };
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delim {
                break;
            }
            value.push(l);
        }
        map.insert(key.to_string(), value.join("\n"));
    }
    map
}

/// A project whose blocking gate passes and whose warn gate fails on every slice.
fn warn_project(dir: &Path) -> std::path::PathBuf {
    write_pair(dir, &rows(2_000, 0.3, 0.8, 11));
    write_config(
        dir,
        "",
        "  - metric: roc_auc\n    max_regression: 0.05\n  - metric: roc_auc\n    min_improvement: 0.5\n    severity: warn\n",
    )
}

/// Bug 1: `--publish none` (the fork-safe required check) on Actions still writes the step
/// outputs, the job summary and the annotations.
#[test]
fn publish_none_on_actions_writes_outputs_summary_and_annotations() {
    let dir = TempDir::new().unwrap();
    let config = warn_project(dir.path());
    let output = dir.path().join("github_output");
    let summary = dir.path().join("step_summary.md");
    let json = dir.path().join("result.json");
    let out = modelgate()
        .args(["check", "--publish", "none", "--config"])
        .arg(&config)
        .arg("--json")
        .arg(&json)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_REPOSITORY", "octo-org/fraud-model")
        .env("GITHUB_TOKEN", "ghs_neverUsedInThisTest0123456789")
        .env("GITHUB_API_URL", "http://127.0.0.1:9") // nothing may be contacted
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let o = outputs(&std::fs::read_to_string(&output).expect("GITHUB_OUTPUT written"));
    assert_eq!(o["verdict"], "warn");
    assert_eq!(o["exit-code"], "0");
    assert!(o["report-path"].ends_with("result.json"), "{o:?}");
    assert_eq!(o["comment-id"], "");
    let s = std::fs::read_to_string(&summary).expect("step summary written");
    assert!(s.contains("modelgate · test-model"), "{s}");
    assert!(
        stderr.contains("::warning title=modelgate%3A roc_auc-min_improvement"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("comment"),
        "no comment attempted: {stderr}"
    );
}

/// Bug 1, the other side: outside Actions `--publish none` writes no CI files.
#[test]
fn publish_none_outside_actions_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let config = warn_project(dir.path());
    let output = dir.path().join("github_output");
    let out = modelgate()
        .args(["check", "--publish", "none", "--config"])
        .arg(&config)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!output.exists());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("::"));
}

/// Bug 3: warn-severity failures are `::warning` annotations, a blocking one `::error`,
/// and the summary counts failed, warned and skipped apart.
#[test]
fn warnings_annotate_as_warnings_and_are_counted_apart() {
    let dir = TempDir::new().unwrap();
    let config = warn_project(dir.path());
    let out = modelgate()
        .args(["check", "--publish", "none", "--config"])
        .arg(&config)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("::error"), "{stderr}");
    assert!(
        stderr.contains("2 judged, 0 failed, 1 warned, 0 skipped"),
        "{stderr}"
    );

    // The same run with the warn gate made blocking: an error, counted as failed.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("    severity: warn\n", "");
    std::fs::write(&config, text).unwrap();
    let out = modelgate()
        .args(["check", "--publish", "none", "--config"])
        .arg(&config)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("::error title=modelgate%3A roc_auc-min_improvement"),
        "{stderr}"
    );
    assert!(!stderr.contains("::warning"), "{stderr}");
    assert!(
        stderr.contains("2 judged, 1 failed, 0 warned, 0 skipped"),
        "{stderr}"
    );
}

/// Bug 7: `metrics` has no config file; its errors name the flags instead.
#[test]
fn metrics_errors_speak_of_flags_not_a_config_file() {
    let dir = TempDir::new().unwrap();
    let words = dir.path().join("words.csv");
    std::fs::write(&words, "label,score\nyes,0.9\nno,0.1\nyes,0.7\n").unwrap();
    let out = modelgate().arg("metrics").arg(&words).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--positive"), "{stderr}");
    assert!(!stderr.contains("config"), "{stderr}");

    let out = modelgate()
        .args(["metrics", "--positive", "maybe"])
        .arg(&words)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("config"), "{stderr}");

    let out = modelgate()
        .arg("metrics")
        .arg(dir.path().join("missing.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("config"), "{stderr}");
}

/// Bug 7: the starter config links to a README anchor that exists.
#[test]
fn starter_config_links_to_an_existing_readme_anchor() {
    let dir = TempDir::new().unwrap();
    let out_path = dir.path().join("modelgate.yaml");
    let out = modelgate()
        .args(["init", "--out"])
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let starter = std::fs::read_to_string(&out_path).unwrap();
    let readme = std::fs::read_to_string(manifest().join("README.md")).unwrap();
    let anchors: Vec<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### ")))
        .map(github_anchor)
        .collect();
    let links: Vec<&str> = starter
        .split("github.com/modelgate/modelgate#")
        .skip(1)
        .map(|rest| rest.split(|c: char| c.is_whitespace()).next().unwrap_or(""))
        .collect();
    assert!(!links.is_empty(), "the starter links to its reference");
    for link in links {
        assert!(
            anchors.iter().any(|a| a == link),
            "#{link} not in {anchors:?}"
        );
    }
}

/// GitHub's heading anchor: lower case, punctuation dropped, spaces as `-`.
fn github_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Bug 4: `validate --config-only` checks the config without the prediction files (which
/// exist only in CI), and still refuses a bad config.
#[test]
fn validate_config_only_needs_no_data() {
    let dir = TempDir::new().unwrap();
    let config = write_config(
        dir.path(),
        "",
        "  - metric: roc_auc\n    max_regression: 0.01\n",
    );
    // No candidate.csv / baseline.csv: the plain validate fails, --config-only passes.
    let out = modelgate()
        .args(["validate", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = modelgate()
        .args(["validate", "--config-only", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("config valid. 1 gate rule(s)"), "{stdout}");
    assert!(stdout.contains("not read"), "{stdout}");

    // An unknown metric, two roles on one column: still exit 2 naming the line.
    for (gates, needle) in [
        ("  - metric: roc_acu\n    min: 0.5\n", "roc_acu"),
        (
            "  - metric: roc_auc\n    min: 0.5\n    by: label\n",
            "label",
        ),
    ] {
        let config = write_config(dir.path(), "", gates);
        let out = modelgate()
            .args(["validate", "--config-only", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(needle) && stderr.contains("modelgate.yaml:"),
            "{stderr}"
        );
    }
}

fn yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Bug 4: the default pre-commit hooks check the config only, and none builds with
/// pre-commit's `language: rust` (which runs `cargo install` without `--locked`).
#[test]
fn pre_commit_hooks_default_to_config_only_and_build_locked() {
    let hooks = yaml(&manifest().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_array().expect("a list of hooks");
    let by_id = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("hook {id}"))
    };
    for h in hooks {
        assert_ne!(h["language"], "rust", "{h}");
    }
    for id in ["modelgate-validate", "modelgate-validate-system"] {
        let entry = by_id(id)["entry"].as_str().unwrap();
        assert!(entry.ends_with("validate --config-only"), "{id}: {entry}");
    }
    let data = by_id("modelgate-validate-data")["entry"].as_str().unwrap();
    assert!(!data.contains("--config-only"), "{data}");

    // The script hook, with a stand-in `cargo` that records its arguments and "installs"
    // the binary under test: built once with --locked, then reused.
    let dir = TempDir::new().unwrap();
    let repo = dir.path().join("hook-repo");
    std::fs::create_dir_all(repo.join("scripts")).unwrap();
    let script = repo.join("scripts/pre-commit-hook");
    std::fs::copy(manifest().join("scripts/pre-commit-hook"), &script).unwrap();
    let stubs = dir.path().join("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    let log = dir.path().join("cargo.log");
    let cargo = stubs.join("cargo");
    std::fs::write(
        &cargo,
        "#!/bin/sh\necho \"$@\" >> \"$STUB_LOG\"\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=\"$2\"; shift; done\nmkdir -p \"$root/bin\" && ln -s \"$REAL_BIN\" \"$root/bin/modelgate\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for f in [&cargo, &script] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let config = write_config(&project, "", "  - metric: roc_auc\n    min: 0.6\n");
    let path = format!(
        "{}:{}",
        stubs.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = || {
        std::process::Command::new(&script)
            .args(["validate", "--config-only", "--config"])
            .arg(&config)
            .env("PATH", &path)
            .env("STUB_LOG", &log)
            .env("REAL_BIN", assert_cmd::cargo::cargo_bin("modelgate"))
            .env_remove("MODELGATE_BIN")
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("config valid"));
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.starts_with("install --locked "), "{calls}");
    assert!(
        calls.contains(&format!("--path {}", repo.display())),
        "{calls}"
    );
    let out = run();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap().lines().count(),
        1,
        "built once, then reused"
    );
}

/// Bug 5: the example that says "make this a required check" must not filter by path:
/// a required check skipped by `paths:` waits for ever.
#[test]
fn required_check_example_has_no_path_filter() {
    for file in [
        "examples/github/modelgate.yml",
        "examples/github/fork-safe/modelgate-eval.yml",
    ] {
        let wf = yaml(&manifest().join(file));
        // YAML 1.1 readers turn the key `on` into `true`; accept either spelling.
        let on = wf.get("on").or_else(|| wf.get("true")).expect(file);
        for event in ["pull_request", "pull_request_target"] {
            if let Some(e) = on.get(event).filter(|e| e.is_object()) {
                assert!(
                    e.get("paths").is_none() && e.get("paths-ignore").is_none(),
                    "{file}: {event} has a path filter"
                );
            }
        }
    }
}

/// Bug 6: the GitLab example includes the component (not a file of this repository), and
/// every component input has a description and a type.
#[test]
fn gitlab_component_inputs_are_typed_and_documented() {
    let text = std::fs::read_to_string(manifest().join("templates/modelgate.yml")).unwrap();
    let header = text.split("\n---\n").next().unwrap();
    let spec: serde_json::Value = serde_saphyr::from_str(header).unwrap();
    let inputs = spec["spec"]["inputs"].as_object().expect("inputs");
    assert!(inputs.len() >= 8);
    for (name, input) in inputs {
        let ty = input["type"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: type"));
        assert!(
            ["string", "boolean", "number", "array"].contains(&ty),
            "{name}"
        );
        let d = input["description"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: description"));
        assert!(d.len() > 10, "{name}");
    }
    let example = yaml(&manifest().join("examples/gitlab/.gitlab-ci.yml"));
    let includes = example["include"].as_array().expect("include list");
    assert!(
        includes.iter().all(|i| i.get("local").is_none()),
        "{includes:?}"
    );
    assert!(includes.iter().any(|i| {
        i["component"]
            .as_str()
            .is_some_and(|c| c.ends_with("/modelgate@1.0.0"))
    }));

    // The docs say what GitLab users trip over.
    let docs = std::fs::read_to_string(manifest().join("docs/ci.md")).unwrap();
    for needle in ["paid tier", "protected", "fork"] {
        assert!(docs.contains(needle), "docs/ci.md: {needle}");
    }
}

/// On a terminal (stdout a TTY, faked with util-linux `script`), `check` prints a plain
/// table without Markdown escapes; through a pipe it keeps printing Markdown.
#[test]
fn a_terminal_gets_a_plain_table_and_a_pipe_gets_markdown() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED a_terminal_gets_a_plain_table: needs util-linux `script`");
        return;
    }
    let dir = TempDir::new().unwrap();
    let config = warn_project(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("modelgate");
    let cmd = format!(
        "{} check --publish none --config {} 2>/dev/null",
        bin.display(),
        config.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(
        tty.contains("modelgate · test-model — PASSED WITH WARNINGS"),
        "{tty}"
    );
    assert!(tty.contains("STATUS  GATE"), "{tty}");
    assert!(
        tty.contains("roc_auc-min_improvement"),
        "no Markdown escapes: {tty}"
    );
    assert!(!tty.contains("\\_") && !tty.contains("|---"), "{tty}");
    assert!(!tty.contains('\x1b'), "NO_COLOR=1: no colour: {tty}");

    // Colour on a terminal when NO_COLOR is unset or empty.
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("NO_COLOR", "")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[1;33m"));

    let piped = modelgate()
        .args(["check", "--publish", "none", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&piped.stdout);
    assert!(md.starts_with("## ⚠️ modelgate · test-model"), "{md}");
    assert!(md.contains("roc\\_auc-min\\_improvement"), "{md}");
}

/// Shell completions come from the clap definition, for every subcommand.
#[test]
fn completions_for_bash_zsh_and_fish() {
    for (shell, marker) in [
        ("bash", "_modelgate()"),
        ("zsh", "#compdef modelgate"),
        ("fish", "complete -c modelgate"),
    ] {
        let out = modelgate().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["check", "validate", "config-only", "strict-publish"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let out = modelgate().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `--help` has an Environment section: the token variables and exit code 3.
#[test]
fn help_names_the_environment_and_exit_codes() {
    let out = modelgate().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Environment:",
        "MODELGATE_TOKEN",
        "GITHUB_TOKEN",
        "GITLAB_TOKEN",
        "MODELGATE_PUBLISH_TIMEOUT_SECS",
        "3 publishing failed under --strict-publish",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

/// `cargo binstall` finds the archive the release workflow publishes.
#[test]
fn binstall_metadata_matches_the_release_archives() {
    let cargo = std::fs::read_to_string(manifest().join("Cargo.toml")).unwrap();
    for key in [
        "repository = ",
        "keywords = ",
        "categories = ",
        "[package.metadata.binstall]",
    ] {
        assert!(cargo.contains(key), "{key}");
    }
    assert!(cargo.contains(
        r#"pkg-url = "{ repo }/releases/download/v{ version }/{ name }-{ target }.tar.gz""#
    ));
    let release =
        std::fs::read_to_string(manifest().join(".github/workflows/release.yml")).unwrap();
    assert!(
        release.contains(
            r#"tar -czf "dist/modelgate-$TARGET.tar.gz" -C "target/$TARGET/dist" "$exe""#
        )
    );
    let readme = std::fs::read_to_string(manifest().join("README.md")).unwrap();
    let install = readme
        .split("\n## Install")
        .nth(1)
        .expect("README section Install");
    for needle in [
        "cargo install --locked modelgate",
        "cargo binstall modelgate",
        "releases",
        "modelgate/modelgate@v1",
        "component:",
        "modelgate completions",
    ] {
        assert!(install.contains(needle), "Install lacks {needle}");
    }
}

/// The fork-safe pair: the eval job judges with the base branch's config; the privileged
/// job downloads into its own temporary folder and sets the head commit's status.
#[test]
fn fork_safe_examples_use_the_trusted_config_and_a_commit_status() {
    let eval =
        std::fs::read_to_string(manifest().join("examples/github/fork-safe/modelgate-eval.yml"))
            .unwrap();
    assert!(eval.contains("--config-from origin/${{ github.base_ref }}"));
    let wf = yaml(&manifest().join("examples/github/fork-safe/modelgate-comment.yml"));
    assert_eq!(wf["permissions"]["statuses"], "write");
    let steps = wf["jobs"]["comment"]["steps"].as_array().unwrap();
    let download = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/download-artifact"))
        })
        .unwrap();
    assert!(
        download["with"]["path"]
            .as_str()
            .unwrap()
            .starts_with("${{ runner.temp }}")
    );
    let gate = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("modelgate/modelgate"))
        })
        .unwrap();
    assert!(
        gate["with"]["args"]
            .as_str()
            .unwrap()
            .contains("--commit-status")
    );
}

/// A waiver naming no gate id would waive nothing in CI: `validate --config-only` (the
/// pre-commit hook) says so.
#[test]
fn validate_config_only_warns_of_a_waiver_naming_no_gate() {
    let dir = TempDir::new().unwrap();
    let config = write_config(
        dir.path(),
        "waivers:\n  - {gate: roc_acu-max_regression, owner: '@t', reason: r, expires: 2999-01-01}\n",
        "  - metric: roc_auc\n    max_regression: 0.01\n",
    );
    let out = modelgate()
        .args(["validate", "--config-only", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("the waiver of `roc_acu-max_regression` (config line")
            && stdout.contains("names no gate; the gate ids are roc_auc-max_regression"),
        "{stdout}"
    );
}

/// `--commit-status` outside GitHub mode would leave the required check pending for ever:
/// refused before judging, naming the fix.
#[test]
fn commit_status_without_github_publishing_is_refused() {
    let dir = TempDir::new().unwrap();
    let config = write_config(
        dir.path(),
        "",
        "  - metric: roc_auc\n    max_regression: 0.01\n",
    );
    for publish in ["none", "gitlab", "auto"] {
        let out = modelgate()
            .args(["check", "--publish", publish, "--commit-status", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{publish}: {stderr}");
        assert!(stderr.contains("--publish github"), "{stderr}");
    }
}
