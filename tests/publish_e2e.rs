//! End to end: `modelgate check` as a CI runner starts it (its environment variables only),
//! publishing to wiremock servers that answer like GitHub and GitLab.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const REPO: &str = "octo-org/fraud-model";
const GH_TOKEN: &str = "ghs_e2eTokenValue0123456789abcdef";
const GL_TOKEN: &str = "glpat-e2eTokenValue0123";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(dir: &str, name: &str) -> Value {
    let p = manifest().join("tests/fixtures").join(dir).join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn gh_comment(id: u64, body: &str) -> Value {
    let mut c = fixture("github", "comment.json");
    c["id"] = json!(id);
    c["body"] = json!(body);
    c["html_url"] = json!(format!(
        "https://github.com/{REPO}/pull/12#issuecomment-{id}"
    ));
    c["user"] = fixture("github", "user_bot.json");
    c
}

fn gl_note(id: u64, body: &str) -> Value {
    let mut n = fixture("gitlab", "note.json");
    let u = fixture("gitlab", "user_bot.json");
    n["id"] = json!(id);
    n["body"] = json!(body);
    n["author"] = json!({"id": u["id"], "username": u["username"], "name": u["name"]});
    n
}

/// A project with hostile slice values, and gates that fail on some of them.
fn hostile_project(dir: &Path) -> PathBuf {
    let segments = [
        "@team",
        "<img src=x onerror=alert(1)>",
        "a|b",
        "/merge",
        "`tick`",
    ];
    let mut cand = String::from("id,label,score,segment\n");
    let mut base = cand.clone();
    for i in 0..2_000u64 {
        let seg = segments[(i % 5) as usize];
        let label = u64::from(((i / 5) * 7919) % 10 < 3);
        // Deterministic noise in [0, 0.5).
        let noise = ((i * 2_654_435_761) % 1_000) as f64 / 2_000.0;
        let good = if label == 1 { 0.5 + noise } else { noise };
        let bad = if label == 1 { noise } else { 0.5 + noise }; // ranks inverted
        let c = if seg == "/merge" || seg == "@team" {
            bad
        } else {
            good
        };
        let quoted = format!("\"{}\"", seg.replace('"', "\"\""));
        cand.push_str(&format!("{i},{label},{c:.4},{quoted}\n"));
        base.push_str(&format!("{i},{label},{good:.4},{quoted}\n"));
    }
    std::fs::write(dir.join("candidate.csv"), cand).expect("write");
    std::fs::write(dir.join("baseline.csv"), base).expect("write");
    let config = dir.join("modelgate.yaml");
    std::fs::write(
        &config,
        r#"version: 1
name: "hostile --> <b>@team</b>"
candidate: candidate.csv
baseline: baseline.csv
columns: {label: label, score: score, id: id}
seed: 3
min_slice: {rows: 10, positives: 2, negatives: 2}
gates:
  - metric: roc_auc
    max_regression: 0.01
    by: segment
"#,
    )
    .expect("write");
    config
}

fn fraud_config() -> PathBuf {
    manifest().join("examples/fraud/modelgate.yaml")
}

struct Run {
    rt: tokio::runtime::Runtime,
    server: MockServer,
    dir: TempDir,
}

impl Run {
    fn new() -> Run {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt.block_on(MockServer::start());
        Run {
            rt,
            server,
            dir: TempDir::new().expect("tempdir"),
        }
    }

    fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    fn requests(&self, verb: &str, suffix: &str) -> Vec<Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == verb && r.url.path().ends_with(suffix))
            .collect()
    }

    /// What a GitHub-hosted runner sets for a `pull_request` run (a subset; the rest of
    /// the process environment is cleared so the host's own CI variables cannot leak in).
    fn github_env(&self, payload: &str) -> Vec<(String, String)> {
        let event = self.dir.path().join("event.json");
        std::fs::copy(
            manifest().join("tests/fixtures/github").join(payload),
            &event,
        )
        .expect("payload");
        let uri = self.server.uri();
        let d = self.dir.path();
        [
            ("CI", "true".to_string()),
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_REPOSITORY", REPO.into()),
            ("GITHUB_REPOSITORY_OWNER", "octo-org".into()),
            ("GITHUB_EVENT_NAME", "pull_request".into()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_REF", "refs/pull/12/merge".into()),
            (
                "GITHUB_SHA",
                "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b".into(),
            ),
            ("GITHUB_API_URL", uri.clone()),
            ("GITHUB_GRAPHQL_URL", format!("{uri}/graphql")),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_RUN_ID", "13250000000".into()),
            ("GITHUB_RUN_ATTEMPT", "1".into()),
            ("GITHUB_ACTOR", "octocat".into()),
            ("GITHUB_WORKSPACE", d.display().to_string()),
            (
                "GITHUB_STEP_SUMMARY",
                d.join("summary.md").display().to_string(),
            ),
            ("GITHUB_OUTPUT", d.join("output").display().to_string()),
            ("RUNNER_OS", "Linux".into()),
            ("RUNNER_TEMP", d.display().to_string()),
            ("GITHUB_TOKEN", GH_TOKEN.into()),
            ("MODELGATE_RETRY_BASE_MS", "1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn gitlab_env(&self) -> Vec<(String, String)> {
        let uri = self.server.uri();
        [
            ("CI", "true".to_string()),
            ("GITLAB_CI", "true".into()),
            ("CI_API_V4_URL", format!("{uri}/api/v4")),
            ("CI_SERVER_URL", uri.clone()),
            ("CI_PIPELINE_SOURCE", "merge_request_event".into()),
            ("CI_MERGE_REQUEST_IID", "7".into()),
            ("CI_MERGE_REQUEST_PROJECT_ID", "42".into()),
            (
                "CI_MERGE_REQUEST_PROJECT_URL",
                "https://gitlab.example.com/ml/fraud-model".into(),
            ),
            ("CI_PROJECT_ID", "42".into()),
            (
                "CI_JOB_URL",
                "https://gitlab.example.com/ml/fraud-model/-/jobs/8812".into(),
            ),
            ("CI_JOB_TOKEN", "glcbt-64_jobtoken".into()),
            ("MODELGATE_TOKEN", GL_TOKEN.into()),
            ("MODELGATE_RETRY_BASE_MS", "1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn check(&self, config: &Path, env: &[(String, String)], extra: &[&str]) -> Output {
        let d = self.dir.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_modelgate"));
        cmd.env_clear()
            .args(["check", "--config"])
            .arg(config)
            .arg("--json")
            .arg(d.join("result.json"))
            .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run modelgate")
    }

    fn mock_github(&self, existing: Vec<Value>) {
        self.mount(
            Mock::given(method("POST"))
                .and(path("/graphql"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(fixture("github", "viewer.json")),
                ),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!("/repos/{REPO}/issues/12/comments")))
                .respond_with(ResponseTemplate::new(200).set_body_json(existing)),
        );
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn body(r: &Request) -> String {
    let v: Value = serde_json::from_slice(&r.body).expect("json");
    v["body"].as_str().expect("body").to_string()
}

#[test]
fn github_pull_request_run_creates_then_leaves_an_unchanged_comment() {
    let run = Run::new();
    run.mock_github(vec![]);
    run.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(201).set_body_json(gh_comment(901, "x")))
            .expect(1),
    );
    let env = run.github_env("event_pull_request.json");
    let md = run.dir.path().join("report.md");
    let out = run.check(
        &fraud_config(),
        &env,
        &["--markdown", &md.display().to_string()],
    );
    let verdict: Value = serde_json::from_str(&run.file("result.json")).expect("result json");
    let code = verdict["exit_code"].as_i64().expect("exit code");
    assert_eq!(out.status.code(), Some(code as i32), "{}", stderr(&out));

    let posts = run.requests("POST", "/comments");
    assert_eq!(posts.len(), 1);
    let posted = body(&posts[0]);
    assert!(
        posted.starts_with("<!-- modelgate:fraud-scorer -->\n"),
        "{posted:.200}"
    );
    assert!(posted.chars().count() <= 65_536);
    let summary = run.file("summary.md");
    let headline = summary.lines().next().expect("a job summary");
    assert!(posted.contains(headline), "the summary is the same report");

    let outputs = run.file("output");
    assert!(outputs.contains("verdict<<"), "{outputs}");
    assert!(outputs.contains(&format!(
        "\n{}\n",
        verdict["verdict"].as_str().expect("verdict")
    )));
    assert!(outputs.contains("\n901\n"), "comment id in the outputs");
    assert!(outputs.contains(&md.display().to_string()));
    assert!(!stderr(&out).contains(GH_TOKEN));

    // The next push with the same predictions: the comment exists and is unchanged.
    let again = Run::new();
    again.mock_github(vec![gh_comment(901, &posted)]);
    let env = again.github_env("event_pull_request.json");
    let out2 = again.check(&fraud_config(), &env, &["--markdown", "/dev/null"]);
    assert_eq!(out2.status.code(), Some(code as i32), "{}", stderr(&out2));
    assert!(
        again.requests("POST", "/comments").is_empty(),
        "{}",
        stderr(&out2)
    );
    assert!(again.requests("PATCH", "").is_empty());
}

#[test]
fn github_hostile_slices_reach_the_comment_inert_and_annotations_escaped() {
    let run = Run::new();
    let config = hostile_project(run.dir.path());
    run.mock_github(vec![]);
    run.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(201).set_body_json(gh_comment(902, "x"))),
    );
    let out = run.check(&config, &run.github_env("event_pull_request.json"), &[]);
    assert_eq!(out.status.code(), Some(1), "gates fail: {}", stderr(&out));
    let posted = body(&run.requests("POST", "/comments")[0]);
    let first = posted.lines().next().expect("marker");
    assert!(first.starts_with("<!-- modelgate:") && first.ends_with(" -->"));
    assert_eq!(first.matches("-->").count(), 1, "{first}");
    assert!(!posted.contains("@team"), "a live mention");
    assert!(!posted.contains("<img"), "live HTML");
    for line in posted.lines() {
        assert!(
            !line.trim_start().starts_with('/'),
            "a line starting with '/': {line:?}"
        );
        if line.starts_with('|') {
            // Every row of a table keeps the header's column count: `|` in data is escaped.
            let cells = line.replace("\\|", "").matches('|').count();
            assert!(cells >= 3, "{line}");
        }
    }
    // Annotations: one line each, workflow-command escaped.
    let err = stderr(&out);
    let annotations: Vec<&str> = err.lines().filter(|l| l.starts_with("::error")).collect();
    assert!(!annotations.is_empty(), "{err}");
    assert!(
        err.lines()
            .filter(|l| l.starts_with("::"))
            .all(|l| l.starts_with("::error ") || l.starts_with("::notice "))
    );
}

#[test]
fn github_fork_403_keeps_the_gate_exit_code_even_when_strict() {
    let run = Run::new();
    run.mock_github(vec![]);
    run.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(fixture("github", "error_403_integration.json")),
            ),
    );
    let config = hostile_project(run.dir.path());
    let env = run.github_env("event_pull_request_fork.json");
    let out = run.check(
        &config,
        &env,
        &["--markdown", "/dev/null", "--strict-publish"],
    );
    let verdict: Value = serde_json::from_str(&run.file("result.json")).expect("result json");
    assert_eq!(
        out.status.code(),
        verdict["exit_code"].as_i64().map(|c| c as i32),
        "{}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("workflow_run"), "{err}");
    assert!(
        !run.file("summary.md").is_empty(),
        "job summary still written"
    );
}

#[test]
fn github_persistent_failure_is_a_warning_or_exit_3_with_strict() {
    let run = Run::new();
    run.mock_github(vec![]);
    run.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(422).set_body_json(json!({
                "message": "Validation Failed",
                "errors": [{"resource": "IssueComment", "code": "unprocessable", "field": "data"}],
                "status": "422"
            }))),
    );
    let config = hostile_project(run.dir.path());
    let env = run.github_env("event_pull_request.json");
    let lenient = run.check(&config, &env, &["--markdown", "/dev/null"]);
    let verdict: Value = serde_json::from_str(&run.file("result.json")).expect("result json");
    assert_eq!(
        lenient.status.code(),
        verdict["exit_code"].as_i64().map(|c| c as i32)
    );
    assert!(stderr(&lenient).contains("Validation Failed"));
    let strict = run.check(
        &config,
        &env,
        &["--markdown", "/dev/null", "--strict-publish"],
    );
    assert_eq!(strict.status.code(), Some(3), "{}", stderr(&strict));
}

#[test]
fn gitlab_merge_request_pipeline_posts_an_inert_note() {
    let run = Run::new();
    let config = hostile_project(run.dir.path());
    run.mount(
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("gitlab", "user_bot.json")),
            ),
    );
    run.mount(
        Mock::given(method("GET"))
            .and(path("/api/v4/projects/42/merge_requests/7/notes"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(vec![gl_note(5, "<!-- modelgate:other -->\nx")]),
            ),
    );
    run.mount(
        Mock::given(method("POST"))
            .and(path("/api/v4/projects/42/merge_requests/7/notes"))
            .respond_with(ResponseTemplate::new(201).set_body_json(gl_note(903, "x")))
            .expect(1),
    );
    let out = run.check(&config, &run.gitlab_env(), &["--metrics-txt", "/dev/null"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let posted = body(&run.requests("POST", "/notes")[0]);
    let mut in_code = false;
    for line in posted.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            assert!(
                !line.trim_start().starts_with('/'),
                "quick action: {line:?}"
            );
        }
    }
    assert!(!posted.contains("@team") && !posted.contains("<img"));
    assert!(
        !stderr(&out).contains("::error"),
        "no GitHub commands on GitLab"
    );
    assert!(!stderr(&out).contains(GL_TOKEN));
}

#[test]
fn local_run_publishes_nothing_and_prints_the_report() {
    let run = Run::new();
    let config = hostile_project(run.dir.path());
    let out = run.check(&config, &[], &[]);
    let verdict: Value = serde_json::from_str(&run.file("result.json")).expect("result json");
    assert_eq!(
        out.status.code(),
        verdict["exit_code"].as_i64().map(|c| c as i32)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("segment=/merge"),
        "the report, readable: {stdout:.300}"
    );
    assert!(
        !stdout.contains("<!-- modelgate:"),
        "no comment marker in the terminal"
    );
    assert!(
        !stderr(&out).contains("modelgate: warning"),
        "{}",
        stderr(&out)
    );
    assert!(
        run.rt
            .block_on(run.server.received_requests())
            .unwrap_or_default()
            .is_empty()
    );
}

/// The fork-safe flow's trust: the gate reads its thresholds from a git ref (`--config-from`),
/// not from the file the pull request edited, and the privileged `workflow_run` job sets the
/// verdict as a commit status on the pull request's head commit (the required check).
#[test]
fn workflow_run_judges_with_the_trusted_config_and_sets_the_head_commit_status() {
    use crate::common::{rows, write_config, write_pair};
    let run = Run::new();
    let repo = run.dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    write_pair(&repo, &rows(2_000, 0.3, 0.8, 11));
    let strict = "  - metric: roc_auc\n    min_improvement: 0.5\n";
    let config = write_config(&repo, "", strict);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(&repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output();
        match out {
            Ok(o) => o.status.success(),
            Err(_) => false,
        }
    };
    if !git(&["init", "-q", "-b", "main", "."]) {
        eprintln!("SKIPPED workflow_run_judges_with_the_trusted_config: needs git");
        return;
    }
    assert!(git(&["add", "modelgate.yaml"]) && git(&["commit", "-q", "-m", "gate"]));
    // The pull request loosens the gate in its working tree.
    let loose = std::fs::read_to_string(&config)
        .expect("config")
        .replace("min_improvement: 0.5", "min_improvement: 0");
    std::fs::write(&config, loose).expect("write");

    let sha = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";
    run.mock_github(vec![]);
    run.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/commits/{sha}/pulls")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new())),
    );
    run.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/pulls")))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("github", "pulls_by_head.json")),
            ),
    );
    run.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/issues/77/comments")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new())),
    );
    run.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/77/comments")))
            .respond_with(ResponseTemplate::new(201).set_body_json(gh_comment(902, "x"))),
    );
    run.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/statuses/{sha}")))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(json!({"id": 1, "state": "failure"})),
            )
            .expect(1),
    );
    let mut env = run.github_env("event_workflow_run_fork.json");
    env.push(("GITHUB_EVENT_NAME".into(), "workflow_run".into()));
    env.push(("PATH".into(), std::env::var("PATH").unwrap_or_default()));

    // Without --config-from the loosened working-tree config passes…
    let out = run.check(&config, &env, &["--publish", "none"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // …with it, the committed gate blocks, and the head commit gets a failure status.
    let out = run.check(
        &config,
        &env,
        &[
            "--config-from",
            "main",
            "--commit-status",
            "--strict-publish",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let result: Value = serde_json::from_str(&run.file("result.json")).expect("json");
    assert!(
        result["config"]["path"]
            .as_str()
            .expect("path")
            .starts_with("main:"),
        "{}",
        result["config"]
    );
    let statuses = run.requests("POST", &format!("/statuses/{sha}"));
    assert_eq!(statuses.len(), 1);
    let st: Value = serde_json::from_slice(&statuses[0].body).expect("json");
    assert_eq!(st["state"], "failure");
    assert_eq!(st["context"], "modelgate/test-model");
    assert_eq!(st["description"], "modelgate: promotion blocked");
    assert!(
        st["target_url"]
            .as_str()
            .expect("url")
            .contains("/actions/runs/13250000000")
    );
    assert_eq!(run.requests("POST", "/issues/77/comments").len(), 1);
    assert!(
        stderr(&out).contains("commit status modelgate/test-model = failure"),
        "{}",
        stderr(&out)
    );

    // A ref that could be an option, or one that does not exist: exit 2, nothing judged.
    for bad in ["--output=/tmp/x", "no-such-branch"] {
        let out = run.check(&config, &env, &["--publish", "none", "--config-from", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn github_comment_links_the_html_report_artifact() {
    let run = Run::new();
    run.mock_github(vec![]);
    run.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(201).set_body_json(gh_comment(902, "x")))
            .expect(1),
    );
    let env = run.github_env("event_pull_request.json");
    let html = run.dir.path().join("report.html");
    let out = run.check(
        &fraud_config(),
        &env,
        &["--html", &html.display().to_string()],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    assert!(
        html.is_file(),
        "the HTML report is written before publishing"
    );
    let posts = run.requests("POST", "/comments");
    assert_eq!(posts.len(), 1);
    let posted = body(&posts[0]);
    assert!(
        posted.contains(&format!(
            "[Charts: the HTML report](https://github.com/{REPO}/actions/runs/13250000000#artifacts)"
        )),
        "{posted:.600}"
    );
}
