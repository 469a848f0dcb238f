//! GitHub: the pull request from the event payload, the sticky comment through octocrab.
//!
//! Requests go through octocrab's raw methods (`_get`, `_post`, …) with its own retry
//! turned off, so that [`retry`](super::retry) decides what is safe to send again.

use std::time::Duration;

use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use serde_json::{Value, json};

use super::PublishError;
use super::env::Env;
use super::retry::{self, Backoff, MAX_BODY_BYTES, Reply, Sent, Verb};
use super::sticky::{Comment, Identity, Thread, WriteError};

const PLATFORM: &str = "GitHub";

/// Comments list at most this many pages of 100 (a runaway `Link` chain stops here).
const MAX_PAGES: usize = 200;

/// What a run's environment says about where it runs.
#[derive(Debug)]
pub(crate) struct Context {
    pub api_url: String,
    pub graphql_url: String,
    /// `owner/name`.
    pub repo: String,
    pub event_name: Option<String>,
    pub payload: Option<Value>,
    /// Why `GITHUB_EVENT_PATH` could not be read, if it could not.
    pub payload_error: Option<PublishError>,
    /// `GITHUB_ACTOR`.
    pub actor: Option<String>,
}

impl Context {
    pub(crate) fn from_env(env: &Env) -> Result<Self, PublishError> {
        let repo = env
            .get("GITHUB_REPOSITORY")
            .filter(|r| r.split('/').count() == 2)
            .ok_or_else(|| {
                PublishError::Context(
                    "GITHUB_REPOSITORY (owner/name) is not set: not a GitHub Actions run?".into(),
                )
            })?
            .to_string();
        // A payload that cannot be read only matters when it is needed (no `--pr`).
        let (payload, payload_error) = match env.get("GITHUB_EVENT_PATH").map(read_payload) {
            Some(Ok(v)) => (Some(v), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        Ok(Context {
            api_url: trim_url(
                env.get("GITHUB_API_URL")
                    .unwrap_or("https://api.github.com"),
            ),
            graphql_url: trim_url(
                env.get("GITHUB_GRAPHQL_URL")
                    .unwrap_or("https://api.github.com/graphql"),
            ),
            repo,
            event_name: env.get("GITHUB_EVENT_NAME").map(str::to_string),
            payload,
            payload_error,
            actor: env.get("GITHUB_ACTOR").map(str::to_string),
        })
    }

    /// Whether the event is a pull request from a fork (whose token is read-only).
    fn fork_pr(&self) -> bool {
        let Some(pr) = self.payload.as_ref().and_then(|p| p.get("pull_request")) else {
            return false;
        };
        let head = &pr["head"]["repo"];
        head.is_null() || head["full_name"] != pr["base"]["repo"]["full_name"]
    }
}

/// The largest event payload read: GitHub's are a few hundred kilobytes at most.
pub(crate) const MAX_EVENT_BYTES: u64 = 16 << 20;

fn read_payload(path: &str) -> Result<Value, PublishError> {
    use std::io::Read as _;
    let fail = |message: String| PublishError::File {
        path: path.into(),
        message,
    };
    // At most one byte past the cap: `GITHUB_EVENT_PATH=/dev/zero` must not fill memory.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_EVENT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read the event payload: {e}")))?;
    if bytes.len() as u64 > MAX_EVENT_BYTES {
        return Err(fail(format!(
            "the event payload is larger than {} MiB; not read (pass --pr N to name the pull request)",
            MAX_EVENT_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| fail(format!("the event payload is not UTF-8: {e}")))?;
    serde_json::from_str(&text).map_err(|e| PublishError::File {
        path: path.into(),
        message: format!("the event payload is not JSON: {e}"),
    })
}

fn trim_url(u: &str) -> String {
    u.trim().trim_end_matches('/').to_string()
}

/// The run's page, where the full report (log, artifacts, summary) lives.
pub(crate) fn run_url(env: &Env) -> Option<String> {
    let server = env.get("GITHUB_SERVER_URL").unwrap_or("https://github.com");
    let repo = env.get("GITHUB_REPOSITORY")?;
    let run = env.get("GITHUB_RUN_ID")?;
    let mut url = format!("{}/{repo}/actions/runs/{run}", trim_url(server));
    if let Some(attempt) = env.get("GITHUB_RUN_ATTEMPT").filter(|a| *a != "1") {
        url.push_str(&format!("/attempts/{attempt}"));
    }
    Some(url)
}

/// Where the event payload says the pull request is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Number(u64),
    /// A `workflow_run` whose payload lists no pull request (always so for forks): find it
    /// by the head commit, and failing that by the head branch.
    HeadSha {
        sha: String,
        owner: Option<String>,
        branch: Option<String>,
    },
    /// The run has no pull request; the reason says why.
    NotAPullRequest(String),
}

/// The pull request of this run, from the event payload only.
///
/// Never from `GITHUB_REF`: a `pull_request_target` run's ref is the base branch, and the
/// payload is the one source that is right for every event.
pub(crate) fn lookup(event_name: Option<&str>, payload: Option<&Value>) -> Lookup {
    let Some(event) = event_name else {
        return Lookup::NotAPullRequest("GITHUB_EVENT_NAME is not set".into());
    };
    let Some(p) = payload else {
        return Lookup::NotAPullRequest(format!("no event payload for the `{event}` run"));
    };
    match event {
        "pull_request"
        | "pull_request_target"
        | "pull_request_review"
        | "pull_request_review_comment" => match p["pull_request"]["number"].as_u64() {
            Some(n) => Lookup::Number(n),
            None => Lookup::NotAPullRequest(format!("the `{event}` payload has no pull_request")),
        },
        "issue_comment" => {
            let issue = &p["issue"];
            match (issue.get("pull_request"), issue["number"].as_u64()) {
                (Some(pr), Some(n)) if !pr.is_null() => Lookup::Number(n),
                _ => {
                    Lookup::NotAPullRequest("the comment is on an issue, not a pull request".into())
                }
            }
        }
        "workflow_run" => {
            let run = &p["workflow_run"];
            let sha = run["head_sha"].as_str().unwrap_or_default();
            let listed = run["pull_requests"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let pick = listed
                .iter()
                .find(|pr| !sha.is_empty() && pr["head"]["sha"] == sha)
                .or_else(|| listed.first())
                .and_then(|pr| pr["number"].as_u64());
            match pick {
                Some(n) => Lookup::Number(n),
                None if !sha.is_empty() => Lookup::HeadSha {
                    sha: sha.to_string(),
                    owner: run["head_repository"]["owner"]["login"]
                        .as_str()
                        .map(str::to_string),
                    branch: run["head_branch"].as_str().map(str::to_string),
                },
                None => Lookup::NotAPullRequest(
                    "the workflow_run payload names no pull request or head commit".into(),
                ),
            }
        }
        other => Lookup::NotAPullRequest(format!("a `{other}` run has no pull request")),
    }
}

/// Percent-encode a URL path segment or query value.
pub(crate) fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A token usable in an HTTP header: trimmed, printable ASCII only. The token itself never
/// appears in an error.
pub(crate) fn clean_token(raw: &str, var: &str) -> Result<String, PublishError> {
    let t = raw.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PublishError::Context(format!(
            "{var} is not a valid token (it contains spaces or control characters)"
        )));
    }
    Ok(t.to_string())
}

/// The message of an error and its sources, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let m = inner.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = inner.source();
    }
    s
}

/// The GitHub API, as one repository's client.
pub(crate) struct Client {
    rest: Octocrab,
    graphql: Octocrab,
    graphql_route: String,
    backoff: Backoff,
    repo: String,
}

fn build(base: &str, token: &str) -> Result<Octocrab, PublishError> {
    let ctx = |e: &dyn std::error::Error| {
        PublishError::Context(format!(
            "cannot set up the GitHub client for {base}: {}",
            chain(e)
        ))
    };
    Octocrab::builder()
        // Off: octocrab's retry would re-send POSTs. See `retry`.
        .add_retry_config(RetryConfig::None)
        // Per read and write; the whole request's deadline is `retry::within`.
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(30)))
        .set_write_timeout(Some(Duration::from_secs(30)))
        .add_header(ACCEPT, "application/vnd.github+json".into())
        .personal_token(token.to_string())
        .base_uri(base)
        .map_err(|e| ctx(&e))?
        .build()
        .map_err(|e| ctx(&e))
}

impl Client {
    pub(crate) fn new(ctx: &Context, token: &str, backoff: Backoff) -> Result<Self, PublishError> {
        // Octocrab joins routes to the base path, so the GraphQL endpoint gets its own
        // client whose base is the URL's parent (`https://ghe/api` for `/api/graphql`).
        let (gbase, groute) = match ctx.graphql_url.rfind('/') {
            Some(i) if i > ctx.graphql_url.find("://").map_or(0, |s| s + 3) => {
                ctx.graphql_url.split_at(i)
            }
            _ => (ctx.graphql_url.as_str(), "/graphql"),
        };
        Ok(Client {
            rest: build(&ctx.api_url, token)?,
            graphql: build(gbase, token)?,
            graphql_route: groute.to_string(),
            backoff,
            repo: ctx.repo.clone(),
        })
    }

    async fn send_once(client: &Octocrab, verb: Verb, uri: &str, body: Option<&Value>) -> Sent {
        let res = match verb {
            Verb::Get => client._get(uri).await,
            Verb::Post => client._post(uri, body).await,
            Verb::Put => client._put(uri, body).await,
            Verb::Patch => client._patch(uri, body).await,
            Verb::Delete => client._delete(uri, body).await,
        };
        match res {
            Err(e) => Sent::Transport(chain(&e)),
            Ok(resp) => {
                use http_body_util::{BodyExt as _, LengthLimitError, Limited};
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                match Limited::new(resp.into_body(), MAX_BODY_BYTES)
                    .collect()
                    .await
                {
                    Ok(collected) => Sent::Reply(Reply {
                        status,
                        headers,
                        body: String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
                    }),
                    Err(e) if e.is::<LengthLimitError>() => {
                        Sent::Transport(retry::body_too_large())
                    }
                    Err(e) => Sent::Transport(chain(e.as_ref())),
                }
            }
        }
    }

    /// One request with our retry policy; a transport failure after retries is an error.
    async fn request(
        &self,
        verb: Verb,
        uri: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Reply, String> {
        let client = if uri == self.graphql_route {
            &self.graphql
        } else {
            &self.rest
        };
        let limit = self.backoff.request_timeout;
        retry::run(&self.backoff, idempotent, || {
            retry::within(limit, Self::send_once(client, verb, uri, body))
        })
        .await
    }

    /// A read that must succeed: any failure becomes an error naming `what`.
    async fn read(
        &self,
        verb: Verb,
        uri: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<Reply, PublishError> {
        let reply = self
            .request(verb, uri, body, true)
            .await
            .map_err(|message| PublishError::Transport {
                platform: PLATFORM,
                action: what.to_string(),
                message,
            })?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(api_error(what, &reply))
        }
    }

    /// The pull request for `lookup`, asking the API when only the head commit is known.
    pub(crate) async fn resolve(
        &self,
        lookup: Lookup,
    ) -> Result<Result<u64, String>, PublishError> {
        let (sha, owner, branch) = match lookup {
            Lookup::Number(n) => return Ok(Ok(n)),
            Lookup::NotAPullRequest(why) => return Ok(Err(why)),
            Lookup::HeadSha { sha, owner, branch } => (sha, owner, branch),
        };
        #[derive(Deserialize)]
        struct Pr {
            number: u64,
            #[serde(default)]
            state: String,
            head: Head,
        }
        #[derive(Deserialize)]
        struct Head {
            sha: String,
        }
        let pick = |prs: Vec<Pr>| {
            let matching: Vec<&Pr> = prs.iter().filter(|p| p.head.sha == sha).collect();
            matching
                .iter()
                .find(|p| p.state == "open")
                .or(matching.first())
                .map(|p| p.number)
        };
        let uri = format!(
            "/repos/{}/commits/{}/pulls?per_page=100",
            self.repo,
            pct(&sha)
        );
        let reply = self
            .read(
                Verb::Get,
                &uri,
                None,
                "finding the pull request of the head commit",
            )
            .await?;
        if let Some(n) = serde_json::from_str::<Vec<Pr>>(&reply.body)
            .ok()
            .and_then(pick)
        {
            return Ok(Ok(n));
        }
        // A fork's commit is often not associated with the base repository yet: ask by
        // head branch (`owner:branch`).
        if let (Some(owner), Some(branch)) = (owner, branch) {
            let uri = format!(
                "/repos/{}/pulls?state=all&per_page=100&head={}",
                self.repo,
                pct(&format!("{owner}:{branch}"))
            );
            let reply = self
                .read(
                    Verb::Get,
                    &uri,
                    None,
                    "finding the pull request of the head branch",
                )
                .await?;
            if let Some(n) = serde_json::from_str::<Vec<Pr>>(&reply.body)
                .ok()
                .and_then(pick)
            {
                return Ok(Ok(n));
            }
        }
        Ok(Err(format!("no pull request has head commit {sha}")))
    }
}

/// An error reply as a [`PublishError`].
fn api_error(action: &str, reply: &Reply) -> PublishError {
    let mut message = reply.message();
    if reply.status == 401 {
        message.push_str(" (is the token valid and unexpired?)");
    } else if reply.status == 403 || reply.status == 404 {
        message.push_str(
            " (the token needs `pull-requests: write`, or `issues: write`, on this repository)",
        );
    }
    PublishError::Api {
        platform: PLATFORM,
        action: action.to_string(),
        status: reply.status,
        message,
    }
}

#[derive(Deserialize)]
struct GhUser {
    id: u64,
    login: String,
}

#[derive(Deserialize)]
struct GhComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    user: Option<GhUser>,
}

impl From<GhComment> for Comment {
    fn from(c: GhComment) -> Self {
        Comment {
            id: c.id,
            author_id: c.user.as_ref().map(|u| u.id),
            author_login: c.user.map(|u| u.login).unwrap_or_default(),
            body: c.body.unwrap_or_default(),
            system: false,
            url: c.html_url,
        }
    }
}

/// The `rel="next"` target of a `Link` header.
pub(crate) fn next_link(reply: &Reply) -> Option<String> {
    let link = reply.headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

/// One pull request's comment thread.
pub(crate) struct PrThread<'a> {
    pub client: &'a Client,
    pub number: u64,
    /// The run's token is read-only by design ([`read_only_token`]): a 403 on a write is
    /// expected, not a misconfiguration.
    pub read_only: bool,
}

impl PrThread<'_> {
    fn write_error(&self, action: &str, outcome: Result<Reply, String>) -> WriteError {
        match outcome {
            Err(message) => WriteError {
                error: PublishError::Transport {
                    platform: PLATFORM,
                    action: action.into(),
                    message,
                },
                ambiguous: true,
                too_long: false,
            },
            Ok(reply) => {
                let error = if reply.status == 403 && self.read_only {
                    PublishError::ForkReadOnly {
                        platform: PLATFORM,
                        message: format!("HTTP 403: {}", reply.message()),
                    }
                } else {
                    api_error(action, &reply)
                };
                WriteError {
                    error,
                    ambiguous: reply.status >= 500,
                    too_long: reply.status == 422
                        && reply.body.to_ascii_lowercase().contains("too long"),
                }
            }
        }
    }

    fn parse(&self, action: &str, reply: &Reply) -> Result<Comment, WriteError> {
        serde_json::from_str::<GhComment>(&reply.body)
            .map(Comment::from)
            .map_err(|e| {
                WriteError::from(PublishError::Api {
                    platform: PLATFORM,
                    action: action.into(),
                    status: reply.status,
                    message: format!("unexpected response: {e}"),
                })
            })
    }
}

impl Thread for PrThread<'_> {
    async fn identity(&self) -> Result<Identity, PublishError> {
        // GraphQL `viewer` works for every token; REST `/user` is forbidden to the
        // installation tokens of GitHub Actions.
        let query = json!({"query": "query { viewer { login databaseId } }"});
        let c = self.client;
        let reply = c
            .read(
                Verb::Post,
                &c.graphql_route,
                Some(&query),
                "asking GraphQL who the token is",
            )
            .await?;
        let v: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        let viewer = &v["data"]["viewer"];
        match viewer["login"].as_str() {
            Some(login) => Ok(Identity {
                id: viewer["databaseId"].as_u64(),
                login: login.to_string(),
            }),
            None => Err(PublishError::Api {
                platform: PLATFORM,
                action: "asking GraphQL who the token is".into(),
                status: reply.status,
                message: v["errors"][0]["message"]
                    .as_str()
                    .unwrap_or("no viewer in the GraphQL response")
                    .to_string(),
            }),
        }
    }

    async fn list(&self) -> Result<Vec<Comment>, PublishError> {
        let c = self.client;
        let mut uri = format!(
            "/repos/{}/issues/{}/comments?per_page=100",
            c.repo, self.number
        );
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let reply = c
                .read(Verb::Get, &uri, None, "listing the pull request's comments")
                .await?;
            let page: Vec<GhComment> =
                serde_json::from_str(&reply.body).map_err(|e| PublishError::Api {
                    platform: PLATFORM,
                    action: "listing the pull request's comments".into(),
                    status: reply.status,
                    message: format!("unexpected response: {e}"),
                })?;
            out.extend(page.into_iter().map(Comment::from));
            match next_link(&reply) {
                Some(next) => uri = next,
                None => break,
            }
        }
        Ok(out)
    }

    async fn create(&self, body: &str) -> Result<Comment, WriteError> {
        let c = self.client;
        let uri = format!("/repos/{}/issues/{}/comments", c.repo, self.number);
        let action = "creating the comment";
        let outcome = c
            .request(Verb::Post, &uri, Some(&json!({"body": body})), false)
            .await;
        match outcome {
            Ok(reply) if reply.ok() => self.parse(action, &reply),
            other => Err(self.write_error(action, other)),
        }
    }

    async fn update(&self, id: u64, body: &str) -> Result<Comment, WriteError> {
        let c = self.client;
        let uri = format!("/repos/{}/issues/comments/{id}", c.repo);
        let action = "updating the comment";
        let outcome = c
            .request(Verb::Patch, &uri, Some(&json!({"body": body})), true)
            .await;
        match outcome {
            Ok(reply) if reply.ok() => self.parse(action, &reply),
            other => Err(self.write_error(action, other)),
        }
    }

    async fn delete(&self, id: u64) -> Result<(), PublishError> {
        let c = self.client;
        let uri = format!("/repos/{}/issues/comments/{id}", c.repo);
        match c.request(Verb::Delete, &uri, None, true).await {
            Ok(r) if r.ok() || r.status == 404 => Ok(()),
            other => Err(self
                .write_error("deleting a duplicate comment", other)
                .error),
        }
    }
}

/// Whether the run got a read-only token by design: a `pull_request` event from a fork or
/// from Dependabot. (A `pull_request_target` or `workflow_run` run has a writable token.)
pub(crate) fn read_only_token(ctx: &Context) -> bool {
    let pr_event = matches!(
        ctx.event_name.as_deref(),
        Some("pull_request" | "pull_request_review" | "pull_request_review_comment")
    );
    pr_event && (ctx.fork_pr() || ctx.actor.as_deref() == Some("dependabot[bot]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_request_events() {
        let p = json!({"action": "synchronize", "number": 12, "pull_request": {"number": 12}});
        assert_eq!(lookup(Some("pull_request"), Some(&p)), Lookup::Number(12));
        assert_eq!(
            lookup(Some("pull_request_target"), Some(&p)),
            Lookup::Number(12)
        );
        let c = json!({"issue": {"number": 5, "pull_request": {"url": "https://api.github.com/repos/o/r/pulls/5"}}});
        assert_eq!(lookup(Some("issue_comment"), Some(&c)), Lookup::Number(5));
        let i = json!({"issue": {"number": 6}});
        assert!(matches!(
            lookup(Some("issue_comment"), Some(&i)),
            Lookup::NotAPullRequest(_)
        ));
        let i = json!({"issue": {"number": 6, "pull_request": null}});
        assert!(matches!(
            lookup(Some("issue_comment"), Some(&i)),
            Lookup::NotAPullRequest(_)
        ));
        assert!(
            matches!(lookup(Some("push"), Some(&json!({}))), Lookup::NotAPullRequest(w) if w.contains("push"))
        );
        assert!(matches!(lookup(None, Some(&p)), Lookup::NotAPullRequest(_)));
    }

    #[test]
    fn workflow_run_prefers_listed_pr_then_head_sha() {
        let p = json!({"workflow_run": {"head_sha": "abc", "head_branch": "feat",
            "head_repository": {"owner": {"login": "forker"}},
            "pull_requests": [{"number": 3, "head": {"sha": "zzz"}}, {"number": 4, "head": {"sha": "abc"}}]}});
        assert_eq!(lookup(Some("workflow_run"), Some(&p)), Lookup::Number(4));
        let p = json!({"workflow_run": {"head_sha": "abc", "head_branch": "feat",
            "head_repository": {"owner": {"login": "forker"}}, "pull_requests": []}});
        assert_eq!(
            lookup(Some("workflow_run"), Some(&p)),
            Lookup::HeadSha {
                sha: "abc".into(),
                owner: Some("forker".into()),
                branch: Some("feat".into())
            }
        );
    }

    #[test]
    fn link_header_next() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "link",
            r#"<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=5>; rel="last""#
                .parse()
                .expect("header"),
        );
        let r = Reply {
            status: 200,
            headers,
            body: String::new(),
        };
        assert_eq!(
            next_link(&r).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3")
        );
    }

    #[test]
    fn tokens_and_encoding() {
        assert!(clean_token(" ghs_abc \n", "GITHUB_TOKEN").is_ok());
        let e = clean_token("ghs_a\nb", "GITHUB_TOKEN").expect_err("newline");
        assert!(!e.to_string().contains("ghs_a"));
        assert_eq!(pct("forker:feat/x#1"), "forker%3Afeat%2Fx%231");
    }
}

/// A commit status to set (`POST /repos/{repo}/statuses/{sha}`).
#[derive(Debug)]
pub(crate) struct Status<'a> {
    /// The full commit SHA.
    pub sha: &'a str,
    /// `success` or `failure`.
    pub state: &'a str,
    /// The check's name, e.g. `modelgate/fraud-scorer`.
    pub context: &'a str,
    /// At most 140 characters.
    pub description: &'a str,
    /// The run's page.
    pub target_url: Option<&'a str>,
}

/// The status context for a config's `name`: `modelgate/<name>`, safe characters only,
/// at most 100 characters.
pub(crate) fn status_context(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(90)
        .collect();
    format!("modelgate/{clean}")
}

/// The commit the verdict is about: the `workflow_run`'s head commit, else the pull
/// request's head commit, else `GITHUB_SHA`. Only a full 40-hex SHA is taken.
pub(crate) fn head_sha(ctx: &Context, env: &Env) -> Option<String> {
    let p = ctx.payload.as_ref();
    [
        p.and_then(|p| p.pointer("/workflow_run/head_sha")),
        p.and_then(|p| p.pointer("/pull_request/head/sha")),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_str)
    .chain(env.get("GITHUB_SHA"))
    .find(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
    .map(str::to_ascii_lowercase)
}

impl Client {
    /// Sets a commit status (idempotent: the same status twice is one status).
    pub(crate) async fn commit_status(&self, st: &Status<'_>) -> Result<(), PublishError> {
        let uri = format!("/repos/{}/statuses/{}", self.repo, st.sha);
        let description: String = st.description.chars().take(140).collect();
        let mut body = json!({
            "state": st.state,
            "context": st.context,
            "description": description,
        });
        if let Some(url) = st.target_url {
            body["target_url"] = json!(url);
        }
        self.read(Verb::Post, &uri, Some(&body), "setting the commit status")
            .await
            .map(|_| ())
    }
}
