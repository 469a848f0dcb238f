//! An MLflow tracking-server client: the registry and the run artifacts modelgate reads and
//! writes, and nothing else.
//!
//! In an MLOps setup the baseline is "the model in production" as the registry knows it.
//! This module turns the URIs of [`uri`] into model versions, runs and downloaded
//! artifact files, and performs the few writes a gate makes (an alias, version tags, run
//! metrics and tags, two artifacts). It is a bottom stage: types and HTTP only, no report
//! or gate knowledge; `app` resolves inputs with it before `data` reads files, and
//! `publish` promotes and logs with it after the verdict.
//!
//! Configuration is MLflow's own: `MLFLOW_TRACKING_URI` (http or https),
//! `MLFLOW_TRACKING_TOKEN` (a bearer token) or `MLFLOW_TRACKING_USERNAME` /
//! `MLFLOW_TRACKING_PASSWORD` (basic auth), `MLFLOW_TRACKING_INSECURE_TLS=true`.
//! Bounded like `publish`: a deadline per request (`MODELGATE_HTTP_TIMEOUT_SECS`, 30 s),
//! 8 MiB per API answer, a total download cap (`MODELGATE_MLFLOW_MAX_BYTES`, 4 GiB) and at
//! most 10,000 files per input, each written only below the download folder. Every message
//! passes [`Settings::redact`]: no token, password or basic-auth value leaves this module.

mod client;
pub mod uri;

use std::fmt;

use crate::redact::Redactor;

pub use client::{ArtifactEntry, Client, Download, ModelVersion, RunInfo};
pub use uri::{InputUri, PromoteTarget, Source, VersionRef};

/// Why an MLflow operation failed: each names the cause and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A URI that is not one modelgate reads.
    BadUri {
        /// The URI as written.
        uri: String,
        /// What is wrong and how to write it.
        message: String,
    },
    /// The environment does not say how to reach the server, or says it wrongly.
    Config(String),
    /// The server could not be reached (connection refused, DNS, TLS, deadline).
    Unreachable {
        /// The tracking URI (without credentials).
        server: String,
        /// What we were doing.
        action: String,
        /// The transport error.
        cause: String,
    },
    /// 401 or 403.
    Denied {
        /// 401 or 403.
        status: u16,
        /// What we were doing.
        action: String,
        /// The server's message.
        message: String,
    },
    /// A registered model, alias, version or run the server does not know.
    NotFound {
        /// What we were doing.
        action: String,
        /// The server's message.
        message: String,
    },
    /// The artifact path is not among the run's artifacts.
    MissingArtifact {
        /// The run.
        run_id: String,
        /// The path asked for.
        path: String,
        /// The folder listed to help: the nearest existing parent (`""` = the root).
        near: String,
        /// What that folder holds (folders end with `/`).
        listing: Vec<String>,
    },
    /// Any other error answer, or an answer modelgate cannot use.
    Api {
        /// What we were doing.
        action: String,
        /// The HTTP status (0 when the answer itself was unusable).
        status: u16,
        /// The server's message or what was wrong with the answer.
        message: String,
    },
    /// A downloaded file could not be written locally.
    Io {
        /// What we were doing.
        action: String,
        /// The OS error.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadUri { uri, message } => write!(f, "MLflow URI `{uri}`: {message}"),
            Error::Config(m) => write!(f, "MLflow: {m}"),
            Error::Unreachable {
                server,
                action,
                cause,
            } => write!(
                f,
                "MLflow: cannot reach the tracking server at {server} while {action} ({cause}); check MLFLOW_TRACKING_URI and that the server is running and reachable from here"
            ),
            Error::Denied {
                status,
                action,
                message,
            } => {
                let fix = if *status == 401 {
                    "set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, to credentials the server accepts"
                } else {
                    "the credentials are valid but lack permission: ask for READ (inputs) or EDIT/MANAGE (promote, log) on the model or experiment"
                };
                write!(
                    f,
                    "MLflow: {action} was refused (HTTP {status}: {message}); {fix}"
                )
            }
            Error::NotFound { action, message } => write!(
                f,
                "MLflow: {action}: not found ({message}); check the model name, alias, version or run id (MLflow's UI or `mlflow models`/`MlflowClient().search_model_versions()` lists them)"
            ),
            Error::MissingArtifact {
                run_id,
                path,
                near,
                listing,
            } => {
                let folder = if near.is_empty() {
                    "the run's artifact root".to_string()
                } else {
                    format!("`{near}/`")
                };
                let shown: Vec<&str> = listing.iter().take(20).map(String::as_str).collect();
                let more = listing.len().saturating_sub(shown.len());
                let holds = if shown.is_empty() {
                    "nothing".to_string()
                } else if more > 0 {
                    format!("{} (and {more} more)", shown.join(", "))
                } else {
                    shown.join(", ")
                };
                write!(
                    f,
                    "MLflow: run {run_id} has no artifact `{path}`; {folder} holds: {holds}. Fix the artifact path in the URI, or log the predictions with `mlflow.log_artifact(..., artifact_path=...)`"
                )
            }
            Error::Api {
                action,
                status,
                message,
            } => {
                if *status == 0 {
                    write!(f, "MLflow: {action}: {message}")
                } else {
                    write!(f, "MLflow: {action} failed (HTTP {status}): {message}")
                }
            }
            Error::Io { action, message } => write!(f, "MLflow: {action}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// How to reach the tracking server, read from MLflow's environment variables.
#[derive(Clone)]
pub struct Settings {
    /// The tracking URI, `http(s)://host[:port][/prefix]`, without credentials.
    pub tracking_uri: String,
    /// `MLFLOW_TRACKING_TOKEN`.
    token: Option<String>,
    /// `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`.
    basic: Option<(String, String)>,
    /// `MLFLOW_TRACKING_INSECURE_TLS=true`.
    pub insecure_tls: bool,
    /// One request's deadline in seconds.
    pub request_timeout_secs: u64,
    /// Total bytes one input may download.
    pub max_bytes: u64,
    /// Seconds all of one client's requests and downloads may take together
    /// (`MODELGATE_MLFLOW_TIMEOUT_SECS`, default 1800): the per-request deadline alone lets
    /// a server that trickles a byte at a time hold the gate for ever.
    pub total_timeout_secs: u64,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("tracking_uri", &self.tracking_uri)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field(
                "basic",
                &self.basic.as_ref().map(|(u, _)| (u, "<redacted>")),
            )
            .field("insecure_tls", &self.insecure_tls)
            .finish()
    }
}

/// Default total download cap of one input, 4 GiB.
const DEFAULT_MAX_BYTES: u64 = 4 << 30;

impl Settings {
    /// Reads the settings through `get` (the process environment in the binary, a map in
    /// tests). Empty values count as unset.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Settings, Error> {
        let var = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let Some(raw) = var("MLFLOW_TRACKING_URI") else {
            return Err(Error::Config(
                "MLFLOW_TRACKING_URI is not set: set it to the tracking server's address, e.g. `export MLFLOW_TRACKING_URI=http://127.0.0.1:5000`".into(),
            ));
        };
        let raw = raw.trim().to_string();
        let mut url = reqwest::Url::parse(&raw).map_err(|e| {
            Error::Config(format!(
                "MLFLOW_TRACKING_URI is not a URL ({e}); use http://host:port"
            ))
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::Config(format!(
                "MLFLOW_TRACKING_URI uses `{}:`; modelgate talks to a tracking server over http or https (start one with `mlflow server --serve-artifacts` and point MLFLOW_TRACKING_URI at it)",
                url.scheme()
            )));
        }
        // Credentials in the URI itself: use them, never show them.
        let mut basic = None;
        if !url.username().is_empty() {
            let user = url.username().to_string();
            let pass = url.password().unwrap_or("").to_string();
            basic = Some((user, pass));
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        url.set_query(None);
        url.set_fragment(None);
        let tracking_uri = url.as_str().trim_end_matches('/').to_string();
        let token = var("MLFLOW_TRACKING_TOKEN").map(|t| t.trim().to_string());
        if let (Some(u), Some(p)) = (
            var("MLFLOW_TRACKING_USERNAME"),
            var("MLFLOW_TRACKING_PASSWORD"),
        ) {
            basic = Some((u, p));
        }
        let num = |k: &str| var(k).and_then(|v| v.trim().parse::<u64>().ok());
        Ok(Settings {
            tracking_uri,
            token,
            basic,
            insecure_tls: var("MLFLOW_TRACKING_INSECURE_TLS")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            request_timeout_secs: num("MODELGATE_HTTP_TIMEOUT_SECS")
                .unwrap_or(30)
                .clamp(1, 3600),
            max_bytes: num("MODELGATE_MLFLOW_MAX_BYTES")
                .unwrap_or(DEFAULT_MAX_BYTES)
                .max(1),
            total_timeout_secs: num("MODELGATE_MLFLOW_TIMEOUT_SECS")
                .unwrap_or(1800)
                .clamp(1, 86_400),
        })
    }

    /// `text` with every credential replaced by `[redacted]`: the token, the password and
    /// the basic-auth header value, also a piece of one (a message cut at 300 characters
    /// may end inside it), and the value after any credential keyword (`Bearer`, `Basic`,
    /// `token`, `authorization`), through the one [`Redactor`] every client uses.
    pub fn redact(&self, text: &str) -> String {
        let mut r = Redactor::default();
        if let Some(t) = &self.token {
            r.add(t);
        }
        if let Some((u, p)) = &self.basic {
            r.add(p);
            r.add(&client::basic_value(u, p));
        }
        r.redact(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, Error> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_env(|k| map.get(k).cloned())
    }

    #[test]
    fn needs_an_http_tracking_uri() {
        let e = settings(&[]).expect_err("unset");
        assert!(e.to_string().contains("MLFLOW_TRACKING_URI"), "{e}");
        let e = settings(&[("MLFLOW_TRACKING_URI", "file:///tmp/mlruns")]).expect_err("file");
        assert!(e.to_string().contains("http"), "{e}");
        let s = settings(&[("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000/")]).expect("ok");
        assert_eq!(s.tracking_uri, "http://127.0.0.1:5000");
    }

    #[test]
    fn credentials_never_show() {
        let s = settings(&[
            (
                "MLFLOW_TRACKING_URI",
                "https://alice:pw-in-url-99@mlflow.example/prefix",
            ),
            ("MLFLOW_TRACKING_TOKEN", "tok-secret-123456"),
        ])
        .expect("ok");
        assert_eq!(s.tracking_uri, "https://mlflow.example/prefix");
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("tok-secret") && !dbg.contains("pw-in-url"),
            "{dbg}"
        );
        let echoed = format!(
            "denied: Authorization: Bearer tok-secret-123456, basic {} and pw-in-url-99",
            client::basic_value("alice", "pw-in-url-99")
        );
        let r = s.redact(&echoed);
        assert!(!r.contains("tok-secret") && !r.contains("pw-in-url"), "{r}");
        assert!(r.contains("[redacted]"), "{r}");
        assert_eq!(s.redact("Bearer abc def"), "Bearer [redacted] def");
    }
}
