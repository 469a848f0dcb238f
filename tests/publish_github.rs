//! GitHub publishing against a wiremock server that answers like GitHub's REST and GraphQL
//! APIs (full comment and user objects, `Link` pagination, real error bodies).

use std::path::Path;
use std::time::{Duration, Instant};

use modelgate::publish::{
    Annotation, Env, Level, Mode, Options, Publication, Published, publish_with,
};
use modelgate::report::{Document, Section};
use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const REPO: &str = "octo-org/fraud-model";
const TOKEN: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/github")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A full issue comment object, as `GET /repos/{o}/{r}/issues/{n}/comments` returns it.
fn comment(id: u64, bot: bool, body: &str) -> Value {
    let mut c = fixture("comment.json");
    c["id"] = json!(id);
    c["body"] = json!(body);
    c["url"] = json!(format!(
        "https://api.github.com/repos/{REPO}/issues/comments/{id}"
    ));
    c["html_url"] = json!(format!(
        "https://github.com/{REPO}/pull/12#issuecomment-{id}"
    ));
    c["user"] = fixture(if bot {
        "user_bot.json"
    } else {
        "user_octocat.json"
    });
    if !bot {
        c["performed_via_github_app"] = Value::Null;
        c["author_association"] = json!("MEMBER");
    }
    c
}

/// A setup-only runtime: `publish` builds its own, and must not run inside another.
fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

struct Gh {
    rt: tokio::runtime::Runtime,
    server: MockServer,
    dir: TempDir,
    env: Env,
}

impl Gh {
    /// A GitHub Actions environment for a `pull_request` run on PR 12 of the base repo.
    fn new(event: &str, payload: &str) -> Gh {
        let rt = rt();
        let server = rt.block_on(MockServer::start());
        let dir = TempDir::new().expect("tempdir");
        let event_path = dir.path().join("event.json");
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/github")
                .join(payload),
            &event_path,
        )
        .expect("copy payload");
        let uri = server.uri();
        let env = Env::from_pairs([
            ("GITHUB_ACTIONS", "true".to_string()),
            ("CI", "true".into()),
            ("GITHUB_REPOSITORY", REPO.into()),
            ("GITHUB_EVENT_NAME", event.into()),
            ("GITHUB_EVENT_PATH", event_path.display().to_string()),
            ("GITHUB_API_URL", uri.clone()),
            ("GITHUB_GRAPHQL_URL", format!("{uri}/graphql")),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_RUN_ID", "13250000000".into()),
            ("GITHUB_RUN_ATTEMPT", "1".into()),
            ("GITHUB_REF", "refs/pull/12/merge".into()),
            ("GITHUB_ACTOR", "octocat".into()),
            ("GITHUB_TOKEN", TOKEN.into()),
            (
                "GITHUB_STEP_SUMMARY",
                dir.path().join("summary.md").display().to_string(),
            ),
            (
                "GITHUB_OUTPUT",
                dir.path().join("output").display().to_string(),
            ),
            ("MODELGATE_RETRY_BASE_MS", "1".into()),
        ]);
        let gh = Gh {
            rt,
            server,
            dir,
            env,
        };
        gh.mount(
            Mock::given(method("POST"))
                .and(path("/graphql"))
                .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(fixture("viewer.json"))),
        );
        gh
    }

    fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    fn list(&self, pr: u64, comments: Vec<Value>) {
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!("/repos/{REPO}/issues/{pr}/comments")))
                .and(query_param("per_page", "100"))
                .respond_with(ResponseTemplate::new(200).set_body_json(comments)),
        );
    }

    fn requests(&self, verb: &str) -> Vec<Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == verb)
            .collect()
    }

    fn run(&self, doc: &Document, opts: &Options) -> (Result<Published, String>, String) {
        let anns = vec![Annotation {
            level: Level::Error,
            title: "roc_auc: fail".into(),
            message: "roc_auc fell by 0.0093, more than the allowed 0.005".into(),
        }];
        let report = self.dir.path().join("report.json");
        let p = Publication {
            name: "fraud-scorer",
            document: doc,
            verdict: "fail",
            exit_code: 1,
            report_path: Some(&report),
            annotations: &anns,
        };
        let mut commands = Vec::new();
        let out = publish_with(&p, &self.env, opts, &mut commands).map_err(|e| e.to_string());
        (out, String::from_utf8(commands).expect("utf-8"))
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

fn opts() -> Options {
    Options {
        commit_status: false,
        mode: Mode::Auto,
        pr: None,
        strict: false,
    }
}

fn strict() -> Options {
    Options {
        commit_status: false,
        strict: true,
        ..opts()
    }
}

fn small_doc() -> Document {
    Document {
        sections: vec![
            Section::new(
                0,
                "## ❌ fraud-scorer: fail\n\n1 of 2 blocking gates failed.",
            ),
            Section::new(0, "| gate | status |\n| --- | --- |\n| roc_auc | fail |"),
        ],
    }
}

const MARKER: &str = "<!-- modelgate:fraud-scorer -->";

fn body_of(doc: &Document) -> String {
    format!("{MARKER}\n{}", doc.render())
}

fn json_body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).expect("json body")
}

fn created(id: u64, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(comment(id, true, body))
}

/// Step outputs as a map (heredoc form).
fn outputs(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut lines = text.lines();
    while let Some(head) = lines.next() {
        let (key, delim) = head.split_once("<<").expect("heredoc form");
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delim {
                break;
            }
            value.push(l);
        }
        out.insert(key.to_string(), value.join("\n"));
    }
    out
}

#[test]
fn creates_the_comment_when_none_exists() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(12, vec![comment(1, false, "LGTM, waiting for the gate")]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(created(2650000100, &body_of(&small_doc())))
            .expect(1),
    );
    let (out, commands) = gh.run(&small_doc(), &opts());
    let out = out.expect("published");
    assert_eq!(out.target.as_deref(), Some("octo-org/fraud-model#12"));
    assert_eq!(out.comment_id.as_deref(), Some("2650000100"));
    assert_eq!(
        out.comment_url.as_deref(),
        Some("https://github.com/octo-org/fraud-model/pull/12#issuecomment-2650000100")
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert!(out.notes[0].starts_with("comment created on octo-org/fraud-model#12"));

    let posts = gh.requests("POST");
    let post = posts
        .iter()
        .find(|r| r.url.path().ends_with("/comments"))
        .expect("post");
    let body = json_body(post)["body"].as_str().expect("body").to_string();
    assert_eq!(body, body_of(&small_doc()));
    assert!(body.starts_with(MARKER));

    // The job summary, outputs and annotations.
    assert_eq!(gh.file("summary.md"), format!("{}\n", small_doc().render()));
    let o = outputs(&gh.file("output"));
    assert_eq!(o["verdict"], "fail");
    assert_eq!(o["exit-code"], "1");
    assert_eq!(o["comment-id"], "2650000100");
    assert!(o["report-path"].ends_with("report.json"));
    assert!(o["comment-url"].ends_with("#issuecomment-2650000100"));
    assert_eq!(
        commands,
        "::error title=roc_auc%3A fail::roc_auc fell by 0.0093, more than the allowed 0.005\n"
    );
}

#[test]
fn updates_the_oldest_own_comment_and_leaves_a_spoofed_marker_alone() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(
        12,
        vec![
            comment(
                100,
                false,
                &format!("{MARKER}\n## ✅ pass (spoofed by a human)"),
            ),
            comment(101, true, &format!("{MARKER}\nold report")),
            comment(
                102,
                true,
                "<!-- modelgate:other-model -->\nanother gate's comment",
            ),
            comment(
                103,
                true,
                &format!("{MARKER}\nduplicate from a concurrent run"),
            ),
        ],
    );
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("/repos/{REPO}/issues/comments/101")))
            .and(body_partial_json(json!({"body": body_of(&small_doc())})))
            .respond_with(ResponseTemplate::new(200).set_body_json(comment(
                101,
                true,
                &body_of(&small_doc()),
            )))
            .expect(1),
    );
    gh.mount(
        Mock::given(method("DELETE"))
            .and(path(format!("/repos/{REPO}/issues/comments/103")))
            .respond_with(ResponseTemplate::new(204))
            .expect(1),
    );
    let (out, _) = gh.run(&small_doc(), &opts());
    let out = out.expect("published");
    assert_eq!(out.comment_id.as_deref(), Some("101"));
    assert!(out.notes[0].contains("updated") && out.notes[0].contains("1 duplicate deleted"));
    // Nothing was created, and neither the human's nor the other gate's comment touched.
    assert!(
        gh.requests("POST")
            .iter()
            .all(|r| r.url.path() == "/graphql")
    );
    let deleted: Vec<String> = gh
        .requests("DELETE")
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(deleted, [format!("/repos/{REPO}/issues/comments/103")]);
    assert_eq!(gh.requests("PATCH").len(), 1);
}

#[test]
fn unchanged_body_is_not_rewritten() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(12, vec![comment(101, true, &body_of(&small_doc()))]);
    let (out, _) = gh.run(&small_doc(), &opts());
    let out = out.expect("published");
    assert_eq!(out.comment_id.as_deref(), Some("101"));
    assert!(out.notes[0].contains("unchanged"));
    assert!(gh.requests("PATCH").is_empty());
    assert!(
        gh.requests("POST")
            .iter()
            .all(|r| r.url.path() == "/graphql")
    );
}

#[test]
fn follows_link_pagination() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    let page1: Vec<Value> = (0..100)
        .map(|i| comment(1_000 + i, false, "chatter"))
        .collect();
    let next = format!(
        "<{}/repositories/712345678/issues/12/comments?per_page=100&page=2>; rel=\"next\", <{}/repositories/712345678/issues/12/comments?per_page=100&page=2>; rel=\"last\"",
        gh.server.uri(),
        gh.server.uri()
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(page1)
                    .insert_header("link", next.as_str()),
            ),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path("/repositories/712345678/issues/12/comments"))
            .and(query_param("page", "2"))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(vec![comment(
                2_000,
                true,
                &format!("{MARKER}\nold"),
            )]))
            .expect(1),
    );
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("/repos/{REPO}/issues/comments/2000")))
            .respond_with(ResponseTemplate::new(200).set_body_json(comment(2_000, true, "x")))
            .expect(1),
    );
    let (out, _) = gh.run(&small_doc(), &opts());
    assert_eq!(out.expect("published").comment_id.as_deref(), Some("2000"));
}

#[test]
fn fork_token_403_keeps_exit_code_and_still_writes_summary_even_when_strict() {
    let gh = Gh::new("pull_request", "event_pull_request_fork.json");
    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(
                ResponseTemplate::new(403).set_body_json(fixture("error_403_integration.json")),
            )
            .expect(1),
    );
    let (out, commands) = gh.run(&small_doc(), &strict());
    let out = out.expect("a fork's read-only token is a warning, even with --strict-publish");
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    let w = &out.warnings[0];
    assert!(
        w.contains("fork") && w.contains("workflow_run") && w.contains("403"),
        "{w}"
    );
    assert!(!w.contains('\n'));
    assert!(
        gh.file("summary.md")
            .contains("1 of 2 blocking gates failed")
    );
    let o = outputs(&gh.file("output"));
    assert_eq!(
        (o["verdict"].as_str(), o["comment-id"].as_str()),
        ("fail", "")
    );
    assert!(commands.starts_with("::error "));
}

#[test]
fn same_repo_403_is_an_error_under_strict() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(
                ResponseTemplate::new(403).set_body_json(fixture("error_403_integration.json")),
            ),
    );
    let (out, _) = gh.run(&small_doc(), &strict());
    let e = out.expect_err("a misconfigured workflow fails under --strict-publish");
    assert!(e.contains("pull-requests: write"), "{e}");
    // Still written before the failure was reported.
    assert!(gh.file("summary.md").contains("blocking gates failed"));
    assert_eq!(outputs(&gh.file("output"))["verdict"], "fail");
}

#[test]
fn server_errors_on_reads_and_updates_are_retried() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    let html = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/github/error_502.html"),
    )
    .expect("fixture");
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(502).set_body_string(html))
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.list(12, vec![comment(101, true, &format!("{MARKER}\nold"))]);
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("/repos/{REPO}/issues/comments/101")))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("/repos/{REPO}/issues/comments/101")))
            .respond_with(ResponseTemplate::new(200).set_body_json(comment(101, true, "new"))),
    );
    let (out, _) = gh.run(&small_doc(), &strict());
    assert_eq!(out.expect("published").comment_id.as_deref(), Some("101"));
    assert_eq!(gh.requests("GET").len(), 2);
    assert_eq!(gh.requests("PATCH").len(), 2);
}

#[test]
fn a_failed_create_is_not_resent_blindly_and_makes_no_second_comment() {
    // The POST answers 502 but the comment was created: the next listing shows it.
    let gh = Gh::new("pull_request", "event_pull_request.json");
    let body = body_of(&small_doc());
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new()))
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.list(12, vec![comment(555, true, &body)]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(502))
            .expect(1),
    );
    let (out, _) = gh.run(&small_doc(), &strict());
    let out = out.expect("published");
    assert_eq!(out.comment_id.as_deref(), Some("555"));
    assert!(out.notes[0].contains("created"), "{:?}", out.notes);
    assert!(gh.requests("PATCH").is_empty());
}

#[test]
fn a_failed_create_that_did_not_happen_is_sent_once_more() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(500))
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(created(556, "x")),
    );
    let (out, _) = gh.run(&small_doc(), &opts());
    assert_eq!(out.expect("published").comment_id.as_deref(), Some("556"));
    let posts = gh
        .requests("POST")
        .into_iter()
        .filter(|r| r.url.path() != "/graphql")
        .count();
    assert_eq!(posts, 2);
    assert_eq!(
        gh.requests("GET").len(),
        2,
        "listed again before re-sending"
    );
}

#[test]
fn body_too_long_is_refitted_smaller() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(
                ResponseTemplate::new(422).set_body_json(fixture("error_422_too_long.json")),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(created(557, "x")),
    );
    let doc = big_doc(5_000);
    let (out, _) = gh.run(&doc, &opts());
    let out = out.expect("published");
    assert_eq!(out.comment_id.as_deref(), Some("557"));
    let posts: Vec<usize> = gh
        .requests("POST")
        .iter()
        .filter(|r| r.url.path() != "/graphql")
        .map(|r| json_body(r)["body"].as_str().expect("body").chars().count())
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(posts[0] <= 65_536 && posts[1] <= 32_000, "{posts:?}");
    assert!(out.warnings.iter().any(|w| w.contains("shortened")));
}

/// A report like a 5,000-slice run: verdict and gates (must keep), details, slice table.
fn big_doc(slices: usize) -> Document {
    let mut gates = String::from("| gate | slice | status | reason |\n| --- | --- | --- | --- |\n");
    for i in 0..slices {
        gates.push_str(&format!(
            "| recall_at_precision(0.9) | country=C{i:04} | pass | within 0.02 of the baseline |\n"
        ));
    }
    let mut slices_table = String::from(
        "<details><summary>All slices</summary>\n\n| slice | rows | positives | roc_auc |\n| --- | ---: | ---: | ---: |\n",
    );
    for i in 0..slices {
        slices_table.push_str(&format!("| country=C{i:04} | 1000 | 20 | 0.9{i:04} |\n"));
    }
    slices_table.push_str("\n</details>");
    Document {
        sections: vec![
            Section::new(
                0,
                "## ❌ fraud-scorer: fail\n\n1 of 5,001 blocking gates failed.",
            ),
            Section::new(0, gates),
            Section::new(
                1,
                "<details><summary>Details</summary>\n\n```text\nseed: 7\n```\n\n</details>",
            ),
            Section::new(2, slices_table),
        ],
    }
}

#[test]
fn a_5000_slice_report_fits_comment_and_summary_budgets() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(created(558, "x")),
    );
    let doc = big_doc(5_000);
    assert!(doc.render().len() > 1024 * 1024 / 3);
    let (out, _) = gh.run(&doc, &opts());
    out.expect("published");
    let post = gh
        .requests("POST")
        .into_iter()
        .find(|r| r.url.path().ends_with("/comments"))
        .expect("post");
    let body = json_body(&post)["body"].as_str().expect("body").to_string();
    assert!(body.chars().count() <= 65_536, "{}", body.chars().count());
    assert!(body.starts_with(MARKER));
    assert!(body.contains("1 of 5,001 blocking gates failed"));
    assert!(body.contains(
        "see the full report https://github.com/octo-org/fraud-model/actions/runs/13250000000"
    ));
    for line in body.lines().filter(|l| l.starts_with('|')) {
        assert!(line.ends_with('|'), "cut row {line:?}");
    }
    let summary = gh.file("summary.md");
    assert!(summary.len() <= 1024 * 1024);
    assert!(
        summary.contains("country=C4999"),
        "the summary has room for all gates"
    );
}

#[test]
fn pull_request_target_uses_the_payload_not_the_ref() {
    let mut gh = Gh::new("pull_request_target", "event_pull_request_target.json");
    gh.env.set("GITHUB_REF", "refs/heads/main");
    gh.list(42, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/42/comments")))
            .respond_with(created(559, "x"))
            .expect(1),
    );
    let (out, _) = gh.run(&small_doc(), &strict());
    assert_eq!(
        out.expect("published").target.as_deref(),
        Some("octo-org/fraud-model#42")
    );
}

#[test]
fn issue_comment_on_a_pull_request() {
    let gh = Gh::new("issue_comment", "event_issue_comment.json");
    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(created(560, "x"))
            .expect(1),
    );
    gh.run(&small_doc(), &strict()).0.expect("published");
}

#[test]
fn workflow_run_from_a_fork_finds_the_pr_by_head_branch() {
    let gh = Gh::new("workflow_run", "event_workflow_run_fork.json");
    let sha = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/commits/{sha}/pulls")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new()))
            .expect(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/pulls")))
            .and(query_param("head", "forker:retrain-march"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pulls_by_head.json")))
            .expect(1),
    );
    gh.list(77, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/77/comments")))
            .respond_with(created(561, "x"))
            .expect(1),
    );
    let (out, _) = gh.run(&small_doc(), &strict());
    assert_eq!(
        out.expect("published").target.as_deref(),
        Some("octo-org/fraud-model#77")
    );
}

#[test]
fn pr_flag_overrides_and_push_runs_skip_the_comment() {
    let gh = Gh::new("push", "event_pull_request.json");
    let (out, commands) = gh.run(&small_doc(), &strict());
    let out = out.expect("no PR is not a failure");
    assert!(out.target.is_none());
    assert!(out.warnings[0].contains("push"), "{:?}", out.warnings);
    assert!(commands.starts_with("::error"), "annotations still written");
    assert!(gh.requests("GET").is_empty() && gh.requests("POST").is_empty());

    gh.list(5, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/5/comments")))
            .respond_with(created(562, "x"))
            .expect(1),
    );
    let (out, _) = gh.run(
        &small_doc(),
        &Options {
            commit_status: false,
            pr: Some(5),
            ..strict()
        },
    );
    assert_eq!(
        out.expect("published").target.as_deref(),
        Some("octo-org/fraud-model#5")
    );
}

#[test]
fn enterprise_urls_are_used_as_given() {
    let mut gh = Gh::new("pull_request", "event_pull_request.json");
    let uri = gh.server.uri();
    gh.env.set("GITHUB_API_URL", format!("{uri}/api/v3"));
    gh.env
        .set("GITHUB_GRAPHQL_URL", format!("{uri}/api/graphql"));
    gh.mount(
        Mock::given(method("POST"))
            .and(path("/api/graphql"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("viewer.json")))
            .expect(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/api/v3/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new()))
            .expect(1),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/api/v3/repos/{REPO}/issues/12/comments")))
            .respond_with(created(563, "x"))
            .expect(1),
    );
    gh.run(&small_doc(), &strict()).0.expect("published");
}

#[test]
fn retry_after_is_honoured_on_rate_limits() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(
                ResponseTemplate::new(403)
                    .insert_header("retry-after", "1")
                    .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.list(12, vec![comment(101, true, &body_of(&small_doc()))]);
    let t = Instant::now();
    let (out, _) = gh.run(&small_doc(), &strict());
    out.expect("published after the wait");
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
}

#[test]
fn token_is_never_printed() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "message": "Bad credentials",
                "documentation_url": "https://docs.github.com/rest",
                "status": "401"
            }))),
    );
    let (out, commands) = gh.run(&small_doc(), &opts());
    let out = out.expect("a warning");
    let text = format!("{out:?} {commands} {:?}", gh.env);
    assert!(text.contains("Bad credentials"));
    assert!(
        !text.contains(TOKEN) && !text.contains("ghs_16C7"),
        "{text}"
    );
    let (err, _) = gh.run(&small_doc(), &strict());
    assert!(!err.expect_err("strict").contains("ghs_16C7"));
}

#[test]
fn hostile_data_stays_inert() {
    let gh = Gh::new("pull_request", "event_pull_request.json");
    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(created(564, "x")),
    );
    // The report stage escapes data; publishing must not undo it, and the marker key and
    // the annotations must stay inert on their own.
    let doc = Document {
        sections: vec![Section::new(
            0,
            "| slice | status |\n| --- | --- |\n| country=&#64;team &lt;img src=x&gt; \\| \\`x\\` | fail |",
        )],
    };
    let anns = [Annotation {
        level: Level::Error,
        title: "gate, with: colons".into(),
        message: "slice @team\n::set-output name=verdict::pass\n/merge `x` <img>".into(),
    }];
    let mut commands = Vec::new();
    let p = Publication {
        name: "evil --> <img src=x onerror=alert(1)> @team",
        document: &doc,
        verdict: "fail",
        exit_code: 1,
        report_path: None,
        annotations: &anns,
    };
    publish_with(&p, &gh.env, &opts(), &mut commands).expect("published");
    let post = gh
        .requests("POST")
        .into_iter()
        .find(|r| r.url.path().ends_with("/comments"))
        .expect("post");
    let body = json_body(&post)["body"].as_str().expect("body").to_string();
    let first = body.lines().next().expect("marker");
    assert!(first.starts_with("<!-- modelgate:") && first.ends_with(" -->"));
    assert_eq!(first.matches("-->").count(), 1, "{first}");
    assert!(!first.contains('<') || first.matches('<').count() == 1);
    assert!(!first.contains('@'));
    assert!(
        body.ends_with(&doc.render()),
        "the escaped report reaches GitHub unchanged"
    );
    let commands = String::from_utf8(commands).expect("utf-8");
    assert_eq!(commands.lines().count(), 1, "{commands}");
    assert!(
        commands.starts_with("::error title=gate%2C with%3A colons::slice @team%0A::set-output")
    );
}

#[test]
fn summary_respects_what_the_step_already_wrote() {
    let gh = Gh::new("push", "event_pull_request.json");
    let summary = gh.dir.path().join("summary.md");
    std::fs::write(&summary, "x".repeat(1024 * 1024 - 20_000)).expect("prefill");
    let (out, _) = gh.run(&big_doc(5_000), &opts());
    out.expect("published");
    let len = std::fs::metadata(&summary).expect("summary").len();
    assert!(len <= 1024 * 1024, "{len}");
    assert!(len > 1024 * 1024 - 20_000, "something was appended");
}

#[test]
fn unreadable_payload_only_matters_without_pr() {
    let mut gh = Gh::new("pull_request", "event_pull_request.json");
    let broken = gh.dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").expect("write");
    gh.env
        .set("GITHUB_EVENT_PATH", broken.display().to_string());
    let (out, _) = gh.run(&small_doc(), &opts());
    let w = out.expect("a warning").warnings.join("\n");
    assert!(w.contains("broken.json") && w.contains("not JSON"), "{w}");

    gh.list(12, vec![]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("/repos/{REPO}/issues/12/comments")))
            .respond_with(created(565, "x"))
            .expect(1),
    );
    let (out, _) = gh.run(
        &small_doc(),
        &Options {
            commit_status: false,
            pr: Some(12),
            ..strict()
        },
    );
    assert_eq!(out.expect("published").comment_id.as_deref(), Some("565"));
}
