//! Publishing the report where reviewers are: GitHub and GitLab.
//!
//! [`publish`] takes a finished report (a [`Document`] of prioritised sections) and, on
//! the CI platform it finds (or is told), posts it as one sticky comment per gate config
//! (keyed by the config's `name`), updated in place on every push. On GitHub Actions it
//! also appends the job summary, sets step outputs and writes error annotations for the
//! failed gates; those happen even when the comment cannot be posted.
//!
//! A failure to publish never changes the gate's verdict: it is a warning in
//! [`Published::warnings`], unless [`Options::strict`] asks for an error (exit code 3).
//! A fork pull request's read-only token is expected, so it stays a warning even then.
//!
//! Every request has a deadline (body included) and a size cap on what it reads, and the
//! whole publication has a deadline of its own: a slow or hostile server costs minutes at
//! most, never the run. Every warning and error passes through one [`redact::Redactor`]
//! before it leaves this module, so a server that echoes the token cannot print it.
//!
//! This module knows nothing of how the report is made: it takes strings.

mod actions;
mod artifact;
mod env;
mod github;
mod gitlab;
pub mod mlflow;
mod redact;
mod retry;
mod sticky;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use artifact::html_report_url;
pub use env::Env;

use crate::report::Document;
use retry::Backoff;
use sticky::{Action, Upserted};

/// Where to publish (`--publish`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// GitHub Actions or GitLab CI when detected, else nothing.
    #[default]
    Auto,
    /// Publish nothing.
    None,
    /// A sticky pull-request comment, job summary and outputs on GitHub.
    #[value(name = "github")]
    GitHub,
    /// A sticky merge-request note on GitLab.
    #[value(name = "gitlab")]
    GitLab,
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Mode::Auto),
            "none" => Ok(Mode::None),
            "github" => Ok(Mode::GitHub),
            "gitlab" => Ok(Mode::GitLab),
            other => Err(format!(
                "unknown publish mode {other:?}: use auto, none, github or gitlab"
            )),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Auto => "auto",
            Mode::None => "none",
            Mode::GitHub => "github",
            Mode::GitLab => "gitlab",
        })
    }
}

/// What to publish.
#[derive(Debug, Clone, Copy)]
pub struct Publication<'a> {
    /// The config's `name`: the key of the sticky comment.
    pub name: &'a str,
    /// The report, already escaped for Markdown by the report stage.
    pub document: &'a Document,
    /// `"pass"`, `"warn"` or `"fail"`.
    pub verdict: &'a str,
    /// The gate's exit code (0 or 1).
    pub exit_code: i32,
    /// The JSON (or Markdown) report file, for the step output `report-path`.
    pub report_path: Option<&'a Path>,
    /// One per failed gate, for GitHub annotations.
    pub annotations: &'a [Annotation],
}

pub use crate::report::{Annotation, Level};

/// How to publish.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Where to publish.
    pub mode: Mode,
    /// The pull request (GitHub) or merge request IID (GitLab), overriding detection.
    pub pr: Option<u64>,
    /// `--strict-publish`: a failure to publish is an error (exit 3), not a warning.
    pub strict: bool,
    /// `--commit-status`: also set a commit status `modelgate/<name>` on the pull request's
    /// head commit (GitHub), so a privileged `workflow_run` job's verdict, from the trusted
    /// config, can be the required check.
    pub commit_status: bool,
}

/// What was published.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Where the comment went (`owner/repo#12`, `project!7`); `None` when nowhere.
    pub target: Option<String>,
    /// The comment's web address.
    pub comment_url: Option<String>,
    /// The comment's (note's) id.
    pub comment_id: Option<String>,
    /// What went wrong but does not fail the run; print them as warnings.
    pub warnings: Vec<String>,
    /// What was done (comment created, updated, unchanged), for the terminal.
    pub notes: Vec<String>,
}

/// Why publishing failed. Every variant means exit code 3 under `--strict-publish`
/// ([`PublishError::exit_code`]); without it, [`publish`] reports them as warnings.
#[derive(Debug)]
pub enum PublishError {
    /// The CI environment lacks something publishing needs (a variable, a token, a
    /// pull request), or a client cannot be set up.
    Context(String),
    /// The platform answered with an error.
    Api {
        /// `GitHub` or `GitLab`.
        platform: &'static str,
        /// What we were doing, e.g. `creating the comment`.
        action: String,
        /// The HTTP status.
        status: u16,
        /// The platform's message, with a hint where one helps.
        message: String,
    },
    /// The run's token is read-only by design (a pull request from a fork or Dependabot).
    /// Never fatal: the fix is a `workflow_run` workflow, explained in the message.
    ForkReadOnly {
        /// `GitHub`.
        platform: &'static str,
        /// The platform's answer.
        message: String,
    },
    /// The platform could not be reached, or kept failing after retries.
    Transport {
        /// `GitHub` or `GitLab`.
        platform: &'static str,
        /// What we were doing.
        action: String,
        /// The underlying error.
        message: String,
    },
    /// A CI file (event payload, job summary, step outputs) could not be read or written.
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl PublishError {
    /// The process exit code for this failure under `--strict-publish`.
    pub fn exit_code(&self) -> i32 {
        3
    }

    /// Whether `--strict-publish` turns this failure into an error. A fork's read-only
    /// token is how GitHub protects repositories, not a fault of this run.
    pub fn fails_strict(&self) -> bool {
        !matches!(self, PublishError::ForkReadOnly { .. })
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Context(m) => f.write_str(m),
            PublishError::Api {
                platform,
                action,
                status,
                message,
            } => write!(f, "{platform}: {action} failed (HTTP {status}): {message}"),
            PublishError::ForkReadOnly { platform, message } => write!(
                f,
                "{platform} refused the comment ({message}): a pull request from a fork gets a \
                 read-only token; post the comment from a `workflow_run` workflow instead \
                 (see docs/ci.md, \"Fork pull requests\")"
            ),
            PublishError::Transport {
                platform,
                action,
                message,
            } => write!(f, "{platform}: {action} failed: {message}"),
            PublishError::File { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for PublishError {}

/// GitHub's comment limit is 65,536 characters; these leave room for the marker and for
/// counting differences. Each further level is tried after a "too long" rejection.
const GITHUB_COMMENT_LIMITS: [usize; 3] = [65_000, 32_000, 8_000];
/// GitLab notes take up to 1,000,000 characters.
const GITLAB_NOTE_LIMITS: [usize; 3] = [990_000, 250_000, 32_000];

/// Publish `p` as `opts` says. Workflow commands (annotations) go to stderr.
///
/// `Ok` carries what was published and the failures that were only warnings; `Err` is a
/// failure under [`Options::strict`] (exit 3). The gate's own exit code is the caller's.
pub fn publish(p: &Publication, env: &Env, opts: &Options) -> Result<Published, PublishError> {
    publish_with(p, env, opts, &mut std::io::stderr())
}

/// Where `mode` publishes in `env`: `auto` is GitHub inside Actions, GitLab inside GitLab
/// CI, and nothing elsewhere.
pub fn resolve_mode(mode: Mode, env: &Env) -> Mode {
    match mode {
        Mode::Auto if env.is_true("GITHUB_ACTIONS") => Mode::GitHub,
        Mode::Auto if env.is_true("GITLAB_CI") => Mode::GitLab,
        Mode::Auto => Mode::None,
        m => m,
    }
}

/// [`publish`], writing GitHub workflow commands to `commands` instead of stderr.
pub fn publish_with(
    p: &Publication,
    env: &Env,
    opts: &Options,
    commands: &mut dyn Write,
) -> Result<Published, PublishError> {
    let mode = resolve_mode(opts.mode, env);
    let mut out = Published::default();
    // Outputs, job summary and annotations belong to running inside GitHub Actions, not to
    // posting a comment: `--publish none` (the fork-safe required check) still sets them.
    let actions = mode == Mode::GitHub || env.is_true("GITHUB_ACTIONS");
    let mut failures = Vec::new();
    if actions {
        failures.extend(actions_files(p, env, commands));
    }
    match mode {
        Mode::None | Mode::Auto => {}
        Mode::GitHub => failures.extend(publish_github(p, env, opts, &mut out)),
        Mode::GitLab => failures.extend(publish_gitlab(p, env, opts, &mut out)),
    }
    if actions {
        failures.extend(actions_outputs(p, env, &out));
    }
    // The one place every message leaves through: no token in any of them.
    let redactor = redact::from_env(env);
    for f in failures {
        let f = redact::error(&redactor, f);
        if opts.strict && f.fails_strict() {
            return Err(f);
        }
        out.warnings.push(f.to_string());
    }
    for text in out.warnings.iter_mut().chain(out.notes.iter_mut()) {
        *text = redactor.redact(text);
    }
    Ok(out)
}

/// Runs `work` under the publication's total deadline.
async fn deadline<T>(
    backoff: &Backoff,
    platform: &'static str,
    work: impl Future<Output = Result<T, PublishError>>,
) -> Result<T, PublishError> {
    match tokio::time::timeout(backoff.total_timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(PublishError::Transport {
            platform,
            action: "publishing the comment".into(),
            message: format!(
                "gave up after {} s (the publish deadline, MODELGATE_PUBLISH_TIMEOUT_SECS)",
                backoff.total_timeout.as_secs()
            ),
        }),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, PublishError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PublishError::Context(format!("cannot start the async runtime: {e}")))
}

/// `doc` fitted to at most `max_bytes` bytes of UTF-8 (the budget is in characters).
fn fit_bytes(doc: &Document, max_bytes: usize, run_url: Option<&str>) -> String {
    let mut limit = max_bytes;
    for _ in 0..4 {
        let text = doc.fit(limit, run_url);
        if text.len() <= max_bytes {
            return text;
        }
        // Shrink the character budget by the observed bytes-per-character.
        limit = (limit as u128 * max_bytes as u128 / text.len() as u128) as usize;
        limit = limit.saturating_sub(16);
    }
    doc.fit(max_bytes / 4, run_url) // at most 4 bytes per character
}

fn describe_upsert(u: &Upserted, target: &str) -> String {
    let what = match u.action {
        Action::Created => "created",
        Action::Updated => "updated",
        Action::Unchanged => "unchanged",
    };
    let mut s = format!("comment {what} on {target}");
    if let Some(url) = &u.url {
        s.push_str(&format!(": {url}"));
    }
    if u.deleted > 0 {
        let plural = if u.deleted == 1 { "" } else { "s" };
        s.push_str(&format!(" ({} duplicate{plural} deleted)", u.deleted));
    }
    s
}

fn record(out: &mut Published, target: String, u: Upserted) {
    out.notes.push(describe_upsert(&u, &target));
    out.warnings.extend(u.warnings);
    out.target = Some(target);
    out.comment_id = Some(u.id.to_string());
    out.comment_url = u.url;
}

/// GitHub Actions, before any network call: the job summary and the annotations.
/// Returns the failures.
fn actions_files(p: &Publication, env: &Env, commands: &mut dyn Write) -> Vec<PublishError> {
    let mut failures = Vec::new();
    let run_url = github::run_url(env);
    if let Some(path) = env.get("GITHUB_STEP_SUMMARY") {
        let path = Path::new(path);
        // Room for the separating newlines around our text.
        let room = actions::summary_room(path).saturating_sub(2);
        let text = fit_bytes(p.document, room, run_url.as_deref());
        if let Err(e) = actions::append(path, &format!("{text}\n")) {
            failures.push(PublishError::File {
                path: path.into(),
                message: format!("cannot append the job summary: {e}"),
            });
        }
    }
    if env.is_true("GITHUB_ACTIONS") {
        for line in actions::annotation_lines(p.annotations) {
            if let Err(e) = writeln!(commands, "{line}") {
                failures.push(PublishError::Context(format!(
                    "cannot write annotations: {e}"
                )));
                break;
            }
        }
    }
    failures
}

/// GitHub Actions, last: the step outputs (which name the comment, when one was posted).
fn actions_outputs(p: &Publication, env: &Env, out: &Published) -> Vec<PublishError> {
    let Some(path) = env.get("GITHUB_OUTPUT") else {
        return Vec::new();
    };
    let report = p
        .report_path
        .map(|r| r.display().to_string())
        .unwrap_or_default();
    let code = p.exit_code.to_string();
    let text = actions::output_text(&[
        ("verdict", p.verdict),
        ("exit-code", &code),
        ("report-path", &report),
        ("comment-id", out.comment_id.as_deref().unwrap_or("")),
        ("comment-url", out.comment_url.as_deref().unwrap_or("")),
    ]);
    match actions::append(Path::new(path), &text) {
        Ok(()) => Vec::new(),
        Err(e) => vec![PublishError::File {
            path: path.into(),
            message: format!("cannot write the step outputs: {e}"),
        }],
    }
}

/// GitHub: the sticky comment. Returns the failures.
fn publish_github(
    p: &Publication,
    env: &Env,
    opts: &Options,
    out: &mut Published,
) -> Vec<PublishError> {
    let run_url = github::run_url(env);
    let mut failures = match github_comment(p, env, opts, run_url.as_deref()) {
        Ok(Ok((target, u))) => {
            record(out, target, u);
            Vec::new()
        }
        Ok(Err(why)) => {
            out.warnings.push(format!(
                "no pull request to comment on ({why}); use --pr N to name one"
            ));
            Vec::new()
        }
        Err(e) => vec![e],
    };
    if opts.commit_status {
        match github_status(p, env, run_url.as_deref()) {
            Ok(note) => out.notes.push(note),
            Err(e) => failures.push(e),
        }
    }
    failures
}

/// The commit status `modelgate/<name>` on the head commit: `success` for pass and warn,
/// `failure` for a blocked run. Returns what was done.
fn github_status(
    p: &Publication,
    env: &Env,
    run_url: Option<&str>,
) -> Result<String, PublishError> {
    let ctx = github::Context::from_env(env)?;
    let sha = github::head_sha(&ctx, env).ok_or_else(|| {
        PublishError::Context(
            "--commit-status: no head commit in the event (workflow_run.head_sha, \
             pull_request.head.sha) nor a GITHUB_SHA"
                .into(),
        )
    })?;
    let token = match (env.get("MODELGATE_TOKEN"), env.get("GITHUB_TOKEN")) {
        (Some(t), _) => github::clean_token(t, "MODELGATE_TOKEN")?,
        (None, Some(t)) => github::clean_token(t, "GITHUB_TOKEN")?,
        (None, None) => {
            return Err(PublishError::Context(
                "--commit-status: no token; set GITHUB_TOKEN (the job needs `statuses: write`)"
                    .into(),
            ));
        }
    };
    let (state, words) = match p.verdict {
        "fail" => ("failure", "promotion blocked"),
        "warn" => ("success", "passed with warnings"),
        _ => ("success", "passed"),
    };
    let status = github::Status {
        sha: &sha,
        state,
        context: &github::status_context(p.name),
        description: &format!("modelgate: {words}"),
        target_url: run_url,
    };
    let backoff = Backoff::from_env(env);
    let rt = runtime()?;
    rt.block_on(deadline(&backoff, "GitHub", async {
        let client = github::Client::new(&ctx, &token, backoff.clone())?;
        client.commit_status(&status).await
    }))?;
    Ok(format!(
        "commit status {} = {state} on {}@{}",
        status.context,
        ctx.repo,
        &sha[..12]
    ))
}

/// The sticky comment on GitHub. `Ok(Err(why))`: the run has no pull request.
fn github_comment(
    p: &Publication,
    env: &Env,
    opts: &Options,
    run_url: Option<&str>,
) -> Result<Result<(String, Upserted), String>, PublishError> {
    let mut ctx = github::Context::from_env(env)?;
    let lookup = match (opts.pr, ctx.payload_error.take()) {
        (Some(n), _) => github::Lookup::Number(n),
        (None, Some(e)) => return Err(e),
        (None, None) => github::lookup(ctx.event_name.as_deref(), ctx.payload.as_ref()),
    };
    if let github::Lookup::NotAPullRequest(why) = lookup {
        return Ok(Err(why));
    }
    let token = match (env.get("MODELGATE_TOKEN"), env.get("GITHUB_TOKEN")) {
        (Some(t), _) => github::clean_token(t, "MODELGATE_TOKEN")?,
        (None, Some(t)) => github::clean_token(t, "GITHUB_TOKEN")?,
        (None, None) => {
            return Err(PublishError::Context(
                "no token to comment with: set GITHUB_TOKEN (in a workflow step: \
                 `env: GITHUB_TOKEN: ${{ github.token }}`) or MODELGATE_TOKEN"
                    .into(),
            ));
        }
    };
    let marker = sticky::marker(p.name);
    let backoff = Backoff::from_env(env);
    let rt = runtime()?;
    rt.block_on(deadline(&backoff, "GitHub", async {
        let client = github::Client::new(&ctx, &token, backoff.clone())?;
        let number = match client.resolve(lookup).await? {
            Ok(n) => n,
            Err(why) => return Ok(Err(why)),
        };
        let thread = github::PrThread {
            client: &client,
            number,
            read_only: github::read_only_token(&ctx),
        };
        let body = |level: usize| {
            let limit = *GITHUB_COMMENT_LIMITS.get(level)?;
            let fitted = p.document.fit(limit - marker.chars().count() - 1, run_url);
            Some(format!("{marker}\n{fitted}"))
        };
        let u = sticky::upsert(&thread, &backoff, &marker, body).await?;
        Ok(Ok((format!("{}#{number}", ctx.repo), u)))
    }))
}

/// GitLab: the merge request note. Returns the failures.
fn publish_gitlab(
    p: &Publication,
    env: &Env,
    opts: &Options,
    out: &mut Published,
) -> Vec<PublishError> {
    match gitlab_note(p, env, opts) {
        Ok(Ok((target, u))) => {
            record(out, target, u);
            Vec::new()
        }
        Ok(Err(why)) => {
            out.warnings.push(why);
            Vec::new()
        }
        Err(e) => vec![e],
    }
}

fn gitlab_note(
    p: &Publication,
    env: &Env,
    opts: &Options,
) -> Result<Result<(String, Upserted), String>, PublishError> {
    let Some(ctx) = gitlab::Context::from_env(env, opts.pr)? else {
        return Ok(Err(
            "not a merge request pipeline (no CI_MERGE_REQUEST_IID): nothing to comment on; \
             run the job with `rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"`"
                .into(),
        ));
    };
    let token = gitlab::token(env)?;
    let run_url = env.get("CI_JOB_URL").or_else(|| env.get("CI_PIPELINE_URL"));
    let marker = sticky::marker(p.name);
    let backoff = Backoff::from_env(env);
    let rt = runtime()?;
    rt.block_on(deadline(&backoff, "GitLab", async {
        let mr = gitlab::MergeRequest::new(ctx, &token, backoff.clone())?;
        let body = |level: usize| {
            let limit = *GITLAB_NOTE_LIMITS.get(level)?;
            let fitted = p.document.fit(limit - marker.chars().count() - 1, run_url);
            Some(format!(
                "{marker}\n{}",
                gitlab::inert_quick_actions(&fitted)
            ))
        };
        let u = sticky::upsert(&mr, &backoff, &marker, body).await?;
        Ok(Ok((mr.target(), u)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Section;

    fn doc() -> Document {
        Document {
            sections: vec![Section::new(0, "## fail")],
        }
    }

    #[test]
    fn mode_parses() {
        assert_eq!("GitHub".parse::<Mode>(), Ok(Mode::GitHub));
        assert_eq!("none".parse::<Mode>(), Ok(Mode::None));
        assert!("bitbucket".parse::<Mode>().is_err());
        assert_eq!(Mode::GitLab.to_string(), "gitlab");
    }

    #[test]
    fn auto_without_ci_publishes_nothing() {
        let d = doc();
        let p = Publication {
            name: "x",
            document: &d,
            verdict: "fail",
            exit_code: 1,
            report_path: None,
            annotations: &[],
        };
        let mut sink = Vec::new();
        let out = publish_with(&p, &Env::default(), &Options::default(), &mut sink)
            .expect("nothing to fail");
        assert_eq!(out, Published::default());
        assert!(sink.is_empty());
    }

    #[test]
    fn strict_turns_failures_into_errors_except_fork_tokens() {
        let d = doc();
        let p = Publication {
            name: "x",
            document: &d,
            verdict: "pass",
            exit_code: 0,
            report_path: None,
            annotations: &[],
        };
        // GitHub asked for, but no repository: a context failure.
        let env = Env::default();
        let mut opts = Options {
            commit_status: false,
            mode: Mode::GitHub,
            pr: Some(1),
            strict: false,
        };
        let out = publish_with(&p, &env, &opts, &mut Vec::new()).expect("a warning");
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
        assert!(out.warnings[0].contains("GITHUB_REPOSITORY"));
        opts.strict = true;
        let e = publish_with(&p, &env, &opts, &mut Vec::new()).expect_err("strict");
        assert_eq!(e.exit_code(), 3);
        let fork = PublishError::ForkReadOnly {
            platform: "GitHub",
            message: "HTTP 403".into(),
        };
        assert!(!fork.fails_strict());
        assert!(fork.to_string().contains("workflow_run"));
        assert!(!fork.to_string().contains('\n'));
    }

    #[test]
    fn fit_bytes_respects_byte_limit() {
        let d = Document {
            sections: vec![
                Section::new(0, "é".repeat(1_000)),
                Section::new(0, "| ü | ü |\n".repeat(1_000)),
            ],
        };
        let text = fit_bytes(&d, 3_000, None);
        assert!(text.len() <= 3_000 && text.len() > 2_000, "{}", text.len());
    }
}
