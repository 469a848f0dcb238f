//! GitLab publishing against a wiremock server that answers like GitLab's REST API (full
//! user and note objects, `x-next-page` and `Link` pagination, real error bodies).

use std::path::Path;

use modelgate::publish::{Env, Mode, Options, Publication, Published, publish_with};
use modelgate::report::{Document, Section};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "glpat-xR4bQ2mZ7kLp9vT1nW3y";
const NOTES: &str = "/api/v4/projects/42/merge_requests/7/notes";

fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gitlab")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A full note object, as `GET /projects/:id/merge_requests/:iid/notes` returns it.
fn note(id: u64, bot: bool, body: &str) -> Value {
    let mut n = fixture("note.json");
    n["id"] = json!(id);
    n["body"] = json!(body);
    n["author"] = if bot {
        let u = fixture("user_bot.json");
        json!({"id": u["id"], "username": u["username"], "name": u["name"], "state": u["state"],
               "locked": u["locked"], "avatar_url": u["avatar_url"], "web_url": u["web_url"]})
    } else {
        fixture("author_human.json")
    };
    n
}

fn system_note(id: u64, body: &str) -> Value {
    let mut n = note(id, true, body);
    n["system"] = json!(true);
    n
}

struct Gl {
    rt: tokio::runtime::Runtime,
    server: MockServer,
    env: Env,
}

impl Gl {
    /// A merge request pipeline for MR !7 of project 42, run in a fork (project 99).
    fn new() -> Gl {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt.block_on(MockServer::start());
        let uri = server.uri();
        let env = Env::from_pairs([
            ("GITLAB_CI", "true".to_string()),
            ("CI", "true".into()),
            ("CI_API_V4_URL", format!("{uri}/api/v4")),
            ("CI_PIPELINE_SOURCE", "merge_request_event".into()),
            ("CI_MERGE_REQUEST_IID", "7".into()),
            ("CI_MERGE_REQUEST_PROJECT_ID", "42".into()),
            (
                "CI_MERGE_REQUEST_PROJECT_URL",
                "https://gitlab.example.com/ml/fraud-model".into(),
            ),
            ("CI_PROJECT_ID", "99".into()),
            (
                "CI_PROJECT_URL",
                "https://gitlab.example.com/forker/fraud-model".into(),
            ),
            (
                "CI_JOB_URL",
                "https://gitlab.example.com/forker/fraud-model/-/jobs/8812".into(),
            ),
            ("CI_JOB_TOKEN", "glcbt-64_jobtokenvalue".into()),
            ("MODELGATE_TOKEN", TOKEN.into()),
            ("MODELGATE_RETRY_BASE_MS", "1".into()),
        ]);
        let gl = Gl { rt, server, env };
        gl.mount(
            Mock::given(method("GET"))
                .and(path("/api/v4/user"))
                .and(header("private-token", TOKEN))
                .respond_with(ResponseTemplate::new(200).set_body_json(fixture("user_bot.json"))),
        );
        gl
    }

    fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    fn list(&self, notes: Vec<Value>) {
        self.mount(
            Mock::given(method("GET"))
                .and(path(NOTES))
                .and(query_param("per_page", "100"))
                .and(query_param("sort", "asc"))
                .respond_with(ResponseTemplate::new(200).set_body_json(notes)),
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

    fn run(&self, doc: &Document, strict: bool) -> Result<Published, String> {
        let p = Publication {
            name: "fraud-scorer",
            document: doc,
            verdict: "fail",
            exit_code: 1,
            report_path: None,
            annotations: &[],
        };
        let opts = Options {
            commit_status: false,
            mode: Mode::Auto,
            pr: None,
            strict,
        };
        let mut commands = Vec::new();
        let out = publish_with(&p, &self.env, &opts, &mut commands).map_err(|e| e.to_string());
        assert!(commands.is_empty(), "no GitHub workflow commands on GitLab");
        out
    }
}

const MARKER: &str = "<!-- modelgate:fraud-scorer -->";

fn doc() -> Document {
    Document {
        sections: vec![
            Section::new(0, "## ❌ fraud-scorer: fail"),
            Section::new(0, "| gate | status |\n| --- | --- |\n| roc_auc | fail |"),
        ],
    }
}

fn body_of(d: &Document) -> String {
    format!("{MARKER}\n{}", d.render())
}

fn json_body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).expect("json body")
}

fn saved(id: u64, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(note(id, true, body))
}

#[test]
fn creates_a_note_on_the_target_project() {
    let gl = Gl::new();
    gl.list(vec![
        system_note(1, "added 1 commit\n\n<ul><li>9a8b7c6d - Retrain</li></ul>"),
        note(2, false, "please check recall on DE"),
    ]);
    gl.mount(
        Mock::given(method("POST"))
            .and(path(NOTES))
            .and(header("private-token", TOKEN))
            .respond_with(saved(1800300, "x"))
            .expect(1),
    );
    let out = gl.run(&doc(), true).expect("published");
    assert_eq!(out.target.as_deref(), Some("42!7"));
    assert_eq!(out.comment_id.as_deref(), Some("1800300"));
    assert_eq!(
        out.comment_url.as_deref(),
        Some("https://gitlab.example.com/ml/fraud-model/-/merge_requests/7#note_1800300")
    );
    let post = &gl.requests("POST")[0];
    assert_eq!(json_body(post)["body"], json!(body_of(&doc())));
}

#[test]
fn updates_the_oldest_own_note_skipping_system_and_spoofed_notes() {
    let gl = Gl::new();
    gl.list(vec![
        system_note(10, &format!("{MARKER}\nsystem notes are never ours")),
        note(11, false, &format!("{MARKER}\n## ✅ pass (spoofed)")),
        note(12, true, &format!("{MARKER}\nold")),
        note(13, true, &format!("{MARKER}\nduplicate")),
    ]);
    gl.mount(
        Mock::given(method("PUT"))
            .and(path(format!("{NOTES}/12")))
            .respond_with(ResponseTemplate::new(200).set_body_json(note(12, true, "new")))
            .expect(1),
    );
    gl.mount(
        Mock::given(method("DELETE"))
            .and(path(format!("{NOTES}/13")))
            .respond_with(ResponseTemplate::new(204))
            .expect(1),
    );
    let out = gl.run(&doc(), true).expect("published");
    assert_eq!(out.comment_id.as_deref(), Some("12"));
    assert!(gl.requests("POST").is_empty());
    assert_eq!(gl.requests("DELETE").len(), 1);
}

#[test]
fn unchanged_note_is_left_alone() {
    let gl = Gl::new();
    gl.list(vec![note(12, true, &body_of(&doc()))]);
    let out = gl.run(&doc(), true).expect("published");
    assert!(out.notes[0].contains("unchanged"), "{:?}", out.notes);
    assert!(gl.requests("PUT").is_empty() && gl.requests("POST").is_empty());
}

#[test]
fn follows_pagination() {
    let gl = Gl::new();
    let page1: Vec<Value> = (0..100).map(|i| note(100 + i, false, "chatter")).collect();
    gl.mount(
        Mock::given(method("GET"))
            .and(path(NOTES))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(vec![note(
                500,
                true,
                &format!("{MARKER}\nold"),
            )]))
            .expect(1)
            .with_priority(1),
    );
    // GitLab's keyset-less pagination: `x-next-page` (and a Link header we ignore here).
    gl.mount(
        Mock::given(method("GET")).and(path(NOTES)).respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page1)
                .insert_header("x-next-page", "2")
                .insert_header("x-page", "1")
                .insert_header("x-per-page", "100")
                .insert_header("x-total", "101"),
        ),
    );
    gl.mount(
        Mock::given(method("PUT"))
            .and(path(format!("{NOTES}/500")))
            .respond_with(ResponseTemplate::new(200).set_body_json(note(500, true, "new")))
            .expect(1),
    );
    assert_eq!(
        gl.run(&doc(), true)
            .expect("published")
            .comment_id
            .as_deref(),
        Some("500")
    );
}

#[test]
fn server_error_on_create_makes_no_second_note() {
    let gl = Gl::new();
    gl.mount(
        Mock::given(method("GET"))
            .and(path(NOTES))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1),
    );
    gl.mount(
        Mock::given(method("GET"))
            .and(path(NOTES))
            .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<Value>::new()))
            .up_to_n_times(1)
            .with_priority(2),
    );
    gl.list(vec![note(600, true, &body_of(&doc()))]);
    gl.mount(
        Mock::given(method("POST"))
            .and(path(NOTES))
            .respond_with(ResponseTemplate::new(502))
            .expect(1),
    );
    let out = gl.run(&doc(), true).expect("published");
    assert_eq!(out.comment_id.as_deref(), Some("600"));
    assert_eq!(
        gl.requests("GET")
            .iter()
            .filter(|r| r.url.path() == NOTES)
            .count(),
        3
    );
}

#[test]
fn job_token_alone_cannot_write_notes() {
    let mut gl = Gl::new();
    gl.env.set("MODELGATE_TOKEN", "");
    let out = gl.run(&doc(), false).expect("a warning");
    assert_eq!(out.warnings.len(), 1);
    assert!(out.warnings[0].contains("CI_JOB_TOKEN") && out.warnings[0].contains("api"));
    assert!(
        !out.warnings[0].contains("glcbt-64"),
        "never the token itself"
    );
    let e = gl.run(&doc(), true).expect_err("strict");
    assert!(e.contains("MODELGATE_TOKEN"));
    assert!(gl.requests("GET").is_empty(), "nothing sent");
}

#[test]
fn not_a_merge_request_pipeline() {
    let mut gl = Gl::new();
    gl.env.set("CI_MERGE_REQUEST_IID", "");
    let out = gl
        .run(&doc(), true)
        .expect("nothing to do is not a failure");
    assert!(out.target.is_none());
    assert!(out.warnings[0].contains("merge request"));
    assert!(gl.requests("GET").is_empty());
}

#[test]
fn bad_token_is_reported_without_the_token() {
    let gl = Gl::new();
    gl.mount(
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(ResponseTemplate::new(401).set_body_json(fixture("error_401.json")))
            .with_priority(1),
    );
    let e = gl.run(&doc(), true).expect_err("strict");
    assert!(e.contains("401 Unauthorized"), "{e}");
    assert!(!e.contains(TOKEN));
}

#[test]
fn quick_actions_and_mentions_stay_inert() {
    let gl = Gl::new();
    gl.list(vec![]);
    gl.mount(
        Mock::given(method("POST"))
            .and(path(NOTES))
            .respond_with(saved(700, "x")),
    );
    let d = Document {
        sections: vec![Section::new(
            0,
            "/merge\n  /approve\n| slice | status |\n| --- | --- |\n| &#64;team \\| &lt;img&gt; | fail |\n```text\n/close stays literal in code\n```",
        )],
    };
    gl.run(&d, true).expect("published");
    let body = json_body(&gl.requests("POST")[0])["body"]
        .as_str()
        .expect("body")
        .to_string();
    let mut in_code = false;
    for line in body.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        assert!(
            in_code || !line.trim_start().starts_with('/'),
            "live quick action: {line:?}"
        );
    }
    assert!(body.contains("\\/merge") && body.contains("  \\/approve"));
    assert!(body.contains("&#64;team") && !body.contains("@team"));
    assert!(body.contains("/close stays literal in code"));
}

#[test]
fn note_too_long_is_refitted() {
    let gl = Gl::new();
    gl.list(vec![]);
    gl.mount(
        Mock::given(method("POST"))
            .and(path(NOTES))
            .respond_with(
                ResponseTemplate::new(400).set_body_json(fixture("error_400_too_long.json")),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    gl.mount(
        Mock::given(method("POST"))
            .and(path(NOTES))
            .respond_with(saved(701, "x")),
    );
    let mut table = String::from("| slice | rows |\n| --- | --- |\n");
    for i in 0..20_000 {
        table.push_str(&format!("| country=C{i:05} | {} |\n", 1000 + i));
    }
    let d = Document {
        sections: vec![Section::new(0, "## fail"), Section::new(0, table)],
    };
    let out = gl.run(&d, true).expect("published");
    let lens: Vec<usize> = gl
        .requests("POST")
        .iter()
        .map(|r| json_body(r)["body"].as_str().expect("body").chars().count())
        .collect();
    assert_eq!(lens.len(), 2);
    assert!(lens[1] < lens[0] && lens[1] <= 250_000, "{lens:?}");
    assert!(out.warnings.iter().any(|w| w.contains("shortened")));
}
