//! Where a CI run's HTML report can be opened: the comment links to it when the CI says
//! where artifacts live.
//!
//! GitHub: artifacts are listed on the run's page (`…/actions/runs/ID#artifacts`); an
//! upload step (`actions/upload-artifact`) must name the file. GitLab: a job's artifact
//! file is served at `$CI_JOB_URL/artifacts/file/<path in the project>`; the job must list
//! the file under `artifacts: paths:`. Either way the link is only as good as that upload,
//! which the README's examples show.

use std::path::Path;

use super::Env;
use super::github;

/// The URL where the HTML report at `html` will be found once the CI has stored it, or
/// `None` outside GitHub Actions / GitLab CI (or without the variables that name the run).
pub fn html_report_url(env: &Env, html: &Path) -> Option<String> {
    if env.is_true("GITHUB_ACTIONS") {
        return github::run_url(env).map(|u| format!("{}#artifacts", clean(&u)));
    }
    if env.is_true("GITLAB_CI") {
        let job = env.get("CI_JOB_URL")?;
        // A path inside the project, relative to its root, with `/` separators.
        let rel = match (html.is_absolute(), env.get("CI_PROJECT_DIR")) {
            (true, Some(root)) => html.strip_prefix(root).ok()?.to_path_buf(),
            (true, None) => return None,
            (false, _) => html.to_path_buf(),
        };
        let parts: Vec<String> = rel
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_str().map(clean)),
                std::path::Component::CurDir => None,
                _ => Some(None),
            })
            .collect::<Option<Vec<_>>>()?;
        if parts.is_empty() {
            return None;
        }
        return Some(format!(
            "{}/artifacts/file/{}",
            clean(job.trim_end_matches('/')),
            parts.join("/")
        ));
    }
    None
}

/// Percent-encodes everything but the characters a URL needs, so that no value from the
/// environment can end a Markdown link or inject markup.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/?#=&%+@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_links_the_runs_artifacts() {
        let env = Env::from_pairs([
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/fraud"),
            ("GITHUB_RUN_ID", "42"),
        ]);
        assert_eq!(
            html_report_url(&env, Path::new("out/report.html")).as_deref(),
            Some("https://github.com/acme/fraud/actions/runs/42#artifacts")
        );
        assert_eq!(html_report_url(&Env::default(), Path::new("r.html")), None);
    }

    #[test]
    fn gitlab_links_the_jobs_artifact_file() {
        let env = Env::from_pairs([
            ("GITLAB_CI", "true"),
            ("CI_JOB_URL", "https://gitlab.example/g/p/-/jobs/7"),
            ("CI_PROJECT_DIR", "/builds/g/p"),
        ]);
        assert_eq!(
            html_report_url(&env, Path::new("/builds/g/p/out/report.html")).as_deref(),
            Some("https://gitlab.example/g/p/-/jobs/7/artifacts/file/out/report.html")
        );
        assert_eq!(
            html_report_url(&env, Path::new("./a b)[x].html")).as_deref(),
            Some("https://gitlab.example/g/p/-/jobs/7/artifacts/file/a%20b%29%5Bx%5D.html")
        );
        // Outside the project, or climbing out of it: no link rather than a wrong one.
        assert_eq!(html_report_url(&env, Path::new("/tmp/report.html")), None);
        assert_eq!(html_report_url(&env, Path::new("../report.html")), None);
    }
}
