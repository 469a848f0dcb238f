//! GitLab: merge request notes through the REST API (reqwest).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use super::PublishError;
use super::env::Env;
use super::github::{next_link, pct};
use super::retry::{self, Backoff, MAX_BODY_BYTES, Reply, Sent, Verb};
use super::sticky::{Comment, Identity, Thread, WriteError};

const PLATFORM: &str = "GitLab";

/// Notes list at most this many pages of 100.
const MAX_PAGES: usize = 200;

/// Where the merge request is, from the variables of a merge request pipeline.
#[derive(Debug)]
pub(crate) struct Context {
    pub api_url: String,
    /// The target project (also for a merge request from a fork).
    pub project: String,
    pub iid: u64,
    /// `https://gitlab.example.com/group/project`, for a link to the note.
    pub project_url: Option<String>,
}

impl Context {
    /// `Ok(None)` when this is not a merge request pipeline (nothing to comment on).
    pub(crate) fn from_env(
        env: &Env,
        iid_override: Option<u64>,
    ) -> Result<Option<Self>, PublishError> {
        let api_url = env
            .get("CI_API_V4_URL")
            .ok_or_else(|| {
                PublishError::Context("CI_API_V4_URL is not set: not a GitLab CI job?".into())
            })?
            .trim_end_matches('/')
            .to_string();
        let iid = match iid_override {
            Some(n) => n,
            None => match env.get("CI_MERGE_REQUEST_IID") {
                None => return Ok(None),
                Some(v) => v.trim().parse().map_err(|_| {
                    PublishError::Context(format!("CI_MERGE_REQUEST_IID is not a number: {v:?}"))
                })?,
            },
        };
        let project = env
            .get("CI_MERGE_REQUEST_PROJECT_ID")
            .or_else(|| env.get("CI_PROJECT_ID"))
            .ok_or_else(|| PublishError::Context("CI_MERGE_REQUEST_PROJECT_ID is not set".into()))?
            .to_string();
        let project_url = env
            .get("CI_MERGE_REQUEST_PROJECT_URL")
            .or_else(|| env.get("CI_PROJECT_URL"))
            .map(|u| u.trim_end_matches('/').to_string());
        Ok(Some(Context {
            api_url,
            project,
            iid,
            project_url,
        }))
    }
}

/// The token that may write notes: `MODELGATE_TOKEN` or `GITLAB_TOKEN`. The job token
/// cannot, so its presence alone gets its own explanation.
pub(crate) fn token(env: &Env) -> Result<String, PublishError> {
    for var in ["MODELGATE_TOKEN", "GITLAB_TOKEN"] {
        if let Some(t) = env.get(var) {
            return super::github::clean_token(t, var);
        }
    }
    let hint = if env.get("CI_JOB_TOKEN").is_some() {
        "only CI_JOB_TOKEN is available, and a job token cannot write merge request notes"
    } else {
        "no token found"
    };
    Err(PublishError::Context(format!(
        "{hint}: set MODELGATE_TOKEN (or GITLAB_TOKEN) to a project access token with the `api` \
         scope, as a masked CI/CD variable"
    )))
}

/// Make note text inert for GitLab quick actions: a line that starts with `/` (after
/// indentation) outside a code fence gets a backslash, which Markdown renders as nothing.
/// GitLab ignores quick actions inside code blocks, so those lines are left alone.
pub(crate) fn inert_quick_actions(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut fence: Option<(u8, usize)> = None;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        let run = |c: u8| t.bytes().take_while(|&b| b == c).count();
        match fence {
            Some((c, n)) => {
                if run(c) >= n && t[run(c)..].trim().is_empty() {
                    fence = None;
                }
            }
            None => {
                if let Some(c) = [b'`', b'~'].into_iter().find(|&c| run(c) >= 3) {
                    fence = Some((c, run(c)));
                } else if t.starts_with('/') {
                    out.push_str(indent);
                    out.push('\\');
                    out.push_str(t);
                    continue;
                }
            }
        }
        out.push_str(line);
    }
    out
}

/// The GitLab API for one merge request.
pub(crate) struct MergeRequest {
    http: reqwest::Client,
    backoff: Backoff,
    ctx: Context,
}

#[derive(Deserialize)]
struct GlUser {
    id: u64,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct GlNote {
    id: u64,
    #[serde(default)]
    body: String,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    author: Option<GlUser>,
}

impl MergeRequest {
    pub(crate) fn new(ctx: Context, token: &str, backoff: Backoff) -> Result<Self, PublishError> {
        let mut value = HeaderValue::from_str(token).map_err(|_| {
            PublishError::Context("the GitLab token is not a valid header value".into())
        })?;
        value.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("private-token", value);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("modelgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // From connecting to the body's last byte; `retry::within` bounds it too.
            .timeout(backoff.request_timeout)
            .build()
            .map_err(|e| PublishError::Context(format!("cannot set up the HTTP client: {e}")))?;
        Ok(MergeRequest { http, backoff, ctx })
    }

    /// `project!iid`, GitLab's own reference syntax.
    pub(crate) fn target(&self) -> String {
        format!("{}!{}", self.ctx.project, self.ctx.iid)
    }

    fn notes_url(&self) -> String {
        format!(
            "{}/projects/{}/merge_requests/{}/notes",
            self.ctx.api_url,
            pct(&self.ctx.project),
            self.ctx.iid
        )
    }

    fn note_url(&self, id: u64) -> Option<String> {
        let base = self.ctx.project_url.as_ref()?;
        Some(format!(
            "{base}/-/merge_requests/{}#note_{id}",
            self.ctx.iid
        ))
    }

    async fn send_once(&self, verb: Verb, url: &str, body: Option<&Value>) -> Sent {
        let method = match verb {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Put => reqwest::Method::PUT,
            Verb::Patch => reqwest::Method::PATCH,
            Verb::Delete => reqwest::Method::DELETE,
        };
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(b);
        }
        match req.send().await {
            Err(e) => Sent::Transport(describe(&e)),
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let mut body = Vec::new();
                loop {
                    match resp.chunk().await {
                        Ok(Some(chunk)) if body.len() + chunk.len() > MAX_BODY_BYTES => {
                            return Sent::Transport(retry::body_too_large());
                        }
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => return Sent::Transport(describe(&e)),
                    }
                }
                Sent::Reply(Reply {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                })
            }
        }
    }

    async fn request(
        &self,
        verb: Verb,
        url: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Reply, String> {
        let limit = self.backoff.request_timeout;
        retry::run(&self.backoff, idempotent, || {
            retry::within(limit, self.send_once(verb, url, body))
        })
        .await
    }

    async fn read(&self, url: &str, what: &str) -> Result<Reply, PublishError> {
        let reply = self
            .request(Verb::Get, url, None, true)
            .await
            .map_err(|message| PublishError::Transport {
                platform: PLATFORM,
                action: what.into(),
                message,
            })?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(api_error(what, &reply))
        }
    }

    fn to_comment(&self, n: GlNote) -> Comment {
        Comment {
            id: n.id,
            author_id: n.author.as_ref().map(|a| a.id),
            author_login: n.author.map(|a| a.username).unwrap_or_default(),
            body: n.body,
            system: n.system,
            url: self.note_url(n.id),
        }
    }

    fn written(&self, action: &str, outcome: Result<Reply, String>) -> Result<Comment, WriteError> {
        match outcome {
            Ok(reply) if reply.ok() => serde_json::from_str::<GlNote>(&reply.body)
                .map(|n| self.to_comment(n))
                .map_err(|e| {
                    WriteError::from(PublishError::Api {
                        platform: PLATFORM,
                        action: action.into(),
                        status: reply.status,
                        message: format!("unexpected response: {e}"),
                    })
                }),
            Ok(reply) => Err(WriteError {
                ambiguous: reply.status >= 500,
                too_long: (400..500).contains(&reply.status)
                    && reply.body.to_ascii_lowercase().contains("too long"),
                error: api_error(action, &reply),
            }),
            Err(message) => Err(WriteError {
                error: PublishError::Transport {
                    platform: PLATFORM,
                    action: action.into(),
                    message,
                },
                ambiguous: true,
                too_long: false,
            }),
        }
    }
}

/// A reqwest error with its causes, on one line (URLs hold no secrets: the token is a
/// header).
fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

fn api_error(action: &str, reply: &Reply) -> PublishError {
    let mut message = reply.message();
    match reply.status {
        401 => message.push_str(" (is the token valid and unexpired?)"),
        403 => message.push_str(
            " (the token needs the `api` scope and at least Reporter access to the target project)",
        ),
        _ => {}
    }
    PublishError::Api {
        platform: PLATFORM,
        action: action.into(),
        status: reply.status,
        message,
    }
}

impl Thread for MergeRequest {
    async fn identity(&self) -> Result<Identity, PublishError> {
        let what = "asking who the token is (GET /user)";
        let reply = self
            .read(&format!("{}/user", self.ctx.api_url), what)
            .await?;
        let user: GlUser = serde_json::from_str(&reply.body).map_err(|e| PublishError::Api {
            platform: PLATFORM,
            action: what.into(),
            status: reply.status,
            message: format!("unexpected response: {e}"),
        })?;
        Ok(Identity {
            id: Some(user.id),
            login: user.username,
        })
    }

    async fn list(&self) -> Result<Vec<Comment>, PublishError> {
        let what = "listing the merge request's notes";
        let first = format!(
            "{}?per_page=100&sort=asc&order_by=created_at",
            self.notes_url()
        );
        let mut url = first.clone();
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let reply = self.read(&url, what).await?;
            let page: Vec<GlNote> =
                serde_json::from_str(&reply.body).map_err(|e| PublishError::Api {
                    platform: PLATFORM,
                    action: what.into(),
                    status: reply.status,
                    message: format!("unexpected response: {e}"),
                })?;
            out.extend(page.into_iter().map(|n| self.to_comment(n)));
            // GitLab sends both a `Link` header and `x-next-page`; either will do.
            let next_page = reply
                .headers
                .get("x-next-page")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            url = match (next_link(&reply), next_page) {
                (Some(link), _) => link,
                (None, Some(p)) => format!("{first}&page={p}"),
                (None, None) => break,
            };
        }
        Ok(out)
    }

    async fn create(&self, body: &str) -> Result<Comment, WriteError> {
        let outcome = self
            .request(
                Verb::Post,
                &self.notes_url(),
                Some(&json!({"body": body})),
                false,
            )
            .await;
        self.written("creating the note", outcome)
    }

    async fn update(&self, id: u64, body: &str) -> Result<Comment, WriteError> {
        let url = format!("{}/{id}", self.notes_url());
        let outcome = self
            .request(Verb::Put, &url, Some(&json!({"body": body})), true)
            .await;
        self.written("updating the note", outcome)
    }

    async fn delete(&self, id: u64) -> Result<(), PublishError> {
        let url = format!("{}/{id}", self.notes_url());
        match self.request(Verb::Delete, &url, None, true).await {
            Ok(r) if r.ok() || r.status == 404 => Ok(()),
            other => self
                .written("deleting a duplicate note", other)
                .map(|_| ())
                .map_err(|e| e.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_actions_are_made_inert_outside_fences() {
        let text = "intro\n/merge\n  /approve now\npath a/b\n```\n/not-a-command\n```\n/close";
        let out = inert_quick_actions(text);
        assert_eq!(
            out,
            "intro\n\\/merge\n  \\/approve now\npath a/b\n```\n/not-a-command\n```\n\\/close"
        );
        assert!(
            out.lines()
                .filter(|l| !l.contains("not-a-command"))
                .all(|l| !l.trim_start().starts_with('/'))
        );
    }

    #[test]
    fn job_token_alone_is_explained() {
        let env = Env::from_pairs([("CI_JOB_TOKEN", "x")]);
        let e = token(&env).expect_err("job token cannot write");
        assert!(e.to_string().contains("CI_JOB_TOKEN"), "{e}");
        let env = Env::from_pairs([("CI_JOB_TOKEN", "x"), ("GITLAB_TOKEN", "glpat-abc")]);
        assert_eq!(token(&env).ok().as_deref(), Some("glpat-abc"));
    }

    #[test]
    fn context_needs_a_merge_request() {
        let env = Env::from_pairs([("CI_API_V4_URL", "https://gitlab.example.com/api/v4/")]);
        assert!(
            Context::from_env(&env, None)
                .expect("no MR is fine")
                .is_none()
        );
        let env = Env::from_pairs([
            ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_MERGE_REQUEST_PROJECT_ID", "42"),
            ("CI_PROJECT_ID", "99"),
        ]);
        let ctx = Context::from_env(&env, None).expect("ok").expect("an MR");
        assert_eq!((ctx.project.as_str(), ctx.iid), ("42", 7));
    }
}
