//! The GitHub Action's installer (`scripts/action-install.sh`, issue 11 bug 2), run for real
//! with bash and git against a local "GitHub": a git repository with release tags served
//! through `file://`, and a stand-in `curl` that answers from a folder of release assets
//! (200, 404 or 500 as a release server would). `cargo` is a stand-in that records what it
//! was asked to build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-install.sh")
}

fn sh(dir: &Path, cmd: &str) -> String {
    let out = Command::new("bash")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write_exec(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The stand-in world: server root, the repository's commits, stubs, a runner.
struct World {
    dir: TempDir,
    /// Commit of v1.2.0.
    a: String,
    /// Commit of v1.10.0 (annotated).
    b: String,
    /// Commit of v2.0.0 and v2.1.0-rc.1.
    c: String,
    /// A commit with no tag.
    d: String,
}

impl World {
    fn new() -> Option<World> {
        if Command::new("git").arg("--version").output().is_err() {
            eprintln!("SKIPPED action_install: needs git");
            return None;
        }
        let dir = TempDir::new().unwrap();
        let repo = dir.path().join("srv/modelgate/modelgate");
        std::fs::create_dir_all(&repo).unwrap();
        let commit = |msg: &str| {
            sh(
                &repo,
                &format!("git commit -q --allow-empty -m {msg} && git rev-parse HEAD"),
            )
        };
        sh(&repo, "git init -q .");
        let a = commit("a");
        sh(&repo, "git tag v1.2.0");
        let b = commit("b");
        sh(&repo, "git tag -a v1.10.0 -m release");
        let c = commit("c");
        sh(&repo, "git tag v2.0.0 && git tag v2.1.0-rc.1");
        let d = commit("d");
        // Release assets: v1.10.0 and v2.0.0 have a Linux x64 archive; v1.2.0 has none.
        for (v, ok) in [("v1.10.0", true), ("v2.0.0", true)] {
            let rel = repo.join("releases/download").join(v);
            std::fs::create_dir_all(&rel).unwrap();
            write_exec(
                &rel.join("modelgate"),
                &format!("#!/bin/sh\necho \"modelgate {}\"\n", &v[1..]),
            );
            sh(
                &rel,
                "tar -czf modelgate-x86_64-unknown-linux-musl.tar.gz modelgate && rm modelgate \
                 && sha256sum modelgate-x86_64-unknown-linux-musl.tar.gz > SHA256SUMS",
            );
            assert!(ok);
        }
        // Stubs: curl serves file:// URLs from the folder, logging each call.
        let stubs = dir.path().join("stubs");
        std::fs::create_dir_all(&stubs).unwrap();
        write_exec(
            &stubs.join("curl"),
            r#"#!/bin/bash
echo "curl $*" >> "$STUB_LOG"
out="" url=""
while [ $# -gt 0 ]; do
  case "$1" in -o) out="$2"; shift ;; -w|--proto|--retry) shift ;; -*) ;; *) url="$1" ;; esac
  shift
done
path="${url#file://}"
if [ -n "${STUB_HTTP_500:-}" ] && [[ "$url" == *"$STUB_HTTP_500"* ]]; then printf 500; exit 0; fi
if [ -f "$path" ]; then cp "$path" "$out"; printf 200; else echo "Not Found" > "$out"; printf 404; fi
"#,
        );
        write_exec(
            &stubs.join("cargo"),
            r#"#!/bin/bash
echo "cargo $*" >> "$STUB_LOG"
while [ $# -gt 0 ]; do [ "$1" = --root ] && root="$2"; shift; done
mkdir -p "$root/bin"
printf '#!/bin/sh\necho "modelgate built"\n' > "$root/bin/modelgate"
chmod +x "$root/bin/modelgate"
"#,
        );
        Some(World { dir, a, b, c, d })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs the installer as the action at `ref_` with `version` input; returns the output,
    /// the `bin=` output and the stub log.
    fn install(
        &self,
        ref_: &str,
        version: &str,
        extra: &[(&str, &str)],
    ) -> (Output, String, String) {
        let action = self
            .path("runner/_work/_actions/modelgate/modelgate")
            .join(ref_);
        std::fs::create_dir_all(&action).unwrap();
        let gh_output = self.path("gh_output");
        let log = self.path("stub.log");
        let _ = std::fs::remove_file(&gh_output);
        let _ = std::fs::remove_file(&log);
        let path = format!(
            "{}:{}",
            self.path("stubs").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(script())
            .env("PATH", path)
            .env("GITHUB_ACTION_PATH", &action)
            .env("RUNNER_TEMP", self.path("runner/temp"))
            .env("RUNNER_TOOL_CACHE", self.path("runner/tool-cache"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env(
                "GITHUB_SERVER_URL",
                format!("file://{}", self.path("srv").display()),
            )
            .env("MODELGATE_CURL_PROTO", "=file")
            .env("GITHUB_OUTPUT", &gh_output)
            .env("INPUT_VERSION", version)
            .env("STUB_LOG", &log);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let bin = std::fs::read_to_string(&gh_output)
            .unwrap_or_default()
            .trim()
            .trim_start_matches("bin=")
            .to_string();
        (out, bin, std::fs::read_to_string(&log).unwrap_or_default())
    }
}

/// Everything the step printed (workflow commands count on stdout and stderr).
fn stdout(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn v1_installs_the_newest_v1_release_then_reuses_the_tool_cache() {
    let Some(w) = World::new() else { return };
    let (out, bin, log) = w.install("v1", "", &[]);
    assert!(
        out.status.success(),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    // v1.10.0, not v1.2.0 (version order, not text order), and not latest (v2.0.0).
    assert!(
        stdout(&out).contains("modelgate 1.10.0 (release v1.10.0"),
        "{}",
        stdout(&out)
    );
    assert!(
        log.contains("releases/download/v1.10.0/modelgate-x86_64-unknown-linux-musl.tar.gz"),
        "{log}"
    );
    assert!(!log.contains("cargo"), "{log}");
    assert!(
        bin.contains("tool-cache/modelgate/1.10.0/x64/modelgate"),
        "{bin}"
    );
    assert!(
        w.path("runner/tool-cache/modelgate/1.10.0/x64.complete")
            .exists()
    );

    let (out, _, log) = w.install("v1", "", &[]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("from the tool cache"),
        "{}",
        stdout(&out)
    );
    assert!(!log.contains("curl"), "no download the second time: {log}");
}

#[test]
fn a_sha_pin_installs_the_release_tagged_at_that_commit() {
    let Some(w) = World::new() else { return };
    // The annotated tag v1.10.0 points at commit b (peeled).
    let (out, _, _) = w.install(&w.b, "", &[]);
    assert!(
        stdout(&out).contains("modelgate 1.10.0 (release v1.10.0"),
        "{}",
        stdout(&out)
    );
    // Commit c carries v2.0.0 and a pre-release: the stable one.
    let (out, _, _) = w.install(&w.c, "", &[]);
    assert!(
        stdout(&out).contains("modelgate 2.0.0 (release v2.0.0"),
        "{}",
        stdout(&out)
    );
    // Commit d has no release: built from the action's checkout, which is that commit.
    let (out, _, log) = w.install(&w.d, "", &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(log.contains("cargo install --locked"), "{log}");
    assert!(
        log.contains(&format!(
            "--path {}",
            w.path("runner/_work/_actions/modelgate/modelgate")
                .join(&w.d)
                .display()
        )),
        "{log}"
    );
    assert!(!log.contains("curl"), "{log}");
    let _ = &w.a;
}

#[test]
fn a_404_builds_that_exact_version_and_other_failures_fail() {
    let Some(w) = World::new() else { return };
    // v1.2.0 has no archive: a 404 of that exact version builds v1.2.0, locked.
    let (out, _, log) = w.install("v2", "v1.2.0", &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    let cargo: Vec<&str> = log.lines().filter(|l| l.starts_with("cargo ")).collect();
    assert_eq!(cargo.len(), 1, "{log}");
    assert!(cargo[0].starts_with("cargo install --locked"), "{log}");
    assert!(cargo[0].contains("--tag v1.2.0"), "{log}");
    assert!(cargo[0].contains("/modelgate/modelgate"), "{log}");

    // A server error is not a 404: the step fails and builds nothing.
    let (out, _, log) = w.install("v2", "v2.0.0", &[("STUB_HTTP_500", "modelgate-x86_64")]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("HTTP 500"), "{}", stdout(&out));
    assert!(!log.contains("cargo"), "{log}");

    // A tampered archive fails, never falls back.
    let sums = w.path("srv/modelgate/modelgate/releases/download/v2.0.0/SHA256SUMS");
    std::fs::write(
        &sums,
        format!(
            "{}  modelgate-x86_64-unknown-linux-musl.tar.gz\n",
            "0".repeat(64)
        ),
    )
    .unwrap();
    let (out, _, log) = w.install("v2", "v2.0.0", &[]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("checksum mismatch"),
        "{}",
        stdout(&out)
    );
    assert!(!log.contains("cargo"), "{log}");

    // An unknown major is an error naming it.
    let (out, _, _) = w.install("v9", "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("no release matches v9"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn without_curl_the_step_says_so() {
    let Some(w) = World::new() else { return };
    // A PATH with everything of /usr/bin and /bin but curl (and the cargo stub).
    let farm = w.path("farm");
    std::fs::create_dir_all(&farm).unwrap();
    for d in ["/usr/bin", "/bin"] {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let name = e.file_name();
            if name != "curl" && !farm.join(&name).exists() {
                let _ = std::os::unix::fs::symlink(e.path(), farm.join(&name));
            }
        }
    }
    let _ = std::os::unix::fs::symlink(w.path("stubs/cargo"), farm.join("cargo"));
    let (out, _, log) = w.install("v2", "v2.0.0", &[("PATH", farm.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stdout(&out).contains("curl is needed"), "{}", stdout(&out));
    assert!(!log.contains("cargo"), "{log}");
}

/// The release workflow moves the major tag, so `@v1` follows the newest v1 release.
#[test]
fn the_release_workflow_moves_the_major_tag() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml"),
    )
    .unwrap();
    let wf: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let job = &wf["jobs"]["major-tag"];
    assert_eq!(job["needs"], "release");
    assert_eq!(job["permissions"]["contents"], "write");
    let run = job["steps"][1]["run"].as_str().unwrap();
    assert!(run.contains("git tag -f \"$major\"") && run.contains("git push -f origin"));
}
