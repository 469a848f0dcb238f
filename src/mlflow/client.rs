//! The HTTP side: MLflow's REST API (2.x and 3.x) and the proxied artifact store.
//!
//! Endpoints, as `mlflow server --serve-artifacts` answers them:
//! `GET registered-models/alias`, `GET model-versions/get` (its `run_id`), `GET runs/get`
//! (its `artifact_uri`, `mlflow-artifacts:/<exp>/<run>/artifacts`), `GET artifacts/list`,
//! `GET/PUT /api/2.0/mlflow-artifacts/artifacts/<path under the artifact root>`,
//! `POST registered-models/alias`, `POST model-versions/set-tag`, `POST runs/log-batch`.
//!
//! Every request has a deadline; API answers are read up to 8 MiB; downloads stream to
//! disk chunk by chunk, each chunk under the deadline, the input's total under a byte cap.
//! Reads are retried (three attempts) on transport errors and 5xx; writes are not. A
//! listed artifact path is used locally only after it is checked to lie below the folder
//! asked for, so a hostile server cannot write outside the download folder.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::uri::{InputUri, Source, VersionRef, check_artifact_path};
use super::{Error, Settings};

/// Largest API answer read, as `publish` does.
const MAX_API_BYTES: usize = 8 << 20;
/// Most files one input may hold.
const MAX_FILES: usize = 10_000;
/// Most listing requests one client may make (folders and pages, all inputs).
const MAX_LISTINGS: usize = 2_000;
/// Attempts of a read.
const READ_ATTEMPTS: u32 = 3;

/// A registered model version, as the registry answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    /// The registered model.
    pub name: String,
    /// The version number, as text (MLflow's REST form).
    pub version: String,
    /// The run that produced it.
    pub run_id: String,
    /// Aliases pointing at it.
    pub aliases: Vec<String>,
}

/// A run's id and artifact root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// The run id.
    pub run_id: String,
    /// Its artifact root, e.g. `mlflow-artifacts:/1/<run>/artifacts`.
    pub artifact_uri: String,
}

/// One entry of an artifact listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactEntry {
    /// Path under the run's artifact root.
    pub path: String,
    /// A folder.
    pub is_dir: bool,
    /// Size in bytes, when the server says.
    pub size: Option<u64>,
}

/// A downloaded input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The local file, or folder of files, to read.
    pub local: PathBuf,
    /// The run whose artifacts were read.
    pub run_id: String,
    /// The model version, for a `models:/` URI.
    pub version: Option<ModelVersion>,
    /// Files written, with their artifact paths.
    pub files: Vec<String>,
    /// Bytes downloaded.
    pub bytes: u64,
}

/// The value of a basic `Authorization` header (for redaction): base64 of `user:pass`.
pub(crate) fn basic_value(user: &str, pass: &str) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{pass}").into_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An MLflow tracking server.
pub struct Client {
    settings: Settings,
    base: reqwest::Url,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    timeout: Duration,
    /// The end of all this client's work ([`Settings::total_timeout_secs`]): a server that
    /// trickles bytes or pages cannot hold the gate longer.
    deadline: tokio::time::Instant,
    /// Listing requests made so far, against [`MAX_LISTINGS`] for the client's whole work.
    listings: std::cell::Cell<usize>,
}

/// One answer, read in full (API calls).
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// MLflow's `message` (or the body's start), one line, at most 300 characters.
    fn message(&self) -> String {
        let v = self.json();
        let text = match v.get("message").and_then(Value::as_str) {
            Some(m) => m.to_string(),
            None => self.body.clone(),
        };
        let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() > 300 {
            one.chars().take(300).chain("…".chars()).collect()
        } else {
            one
        }
    }

    fn error_code(&self) -> Option<String> {
        self.json()
            .get("error_code")
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

/// A reqwest error and its causes on one line, without the URL (it may carry a query).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut s = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

impl Client {
    /// A client for the server `settings` name.
    pub fn new(settings: Settings) -> Result<Client, Error> {
        let base = reqwest::Url::parse(&format!("{}/", settings.tracking_uri))
            .map_err(|e| Error::Config(format!("MLFLOW_TRACKING_URI: {e}")))?;
        let mut headers = HeaderMap::new();
        let auth = match (&settings.token, &settings.basic) {
            (Some(t), _) => Some(format!("Bearer {t}")),
            (None, Some((u, p))) => Some(format!("Basic {}", basic_value(u, p))),
            (None, None) => None,
        };
        if let Some(a) = auth {
            let mut v = HeaderValue::from_str(&a).map_err(|_| {
                Error::Config(
                    "MLFLOW_TRACKING_TOKEN (or the username/password) holds characters an HTTP header cannot carry".into(),
                )
            })?;
            v.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        let timeout = Duration::from_secs(settings.request_timeout_secs);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("modelgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .danger_accept_invalid_certs(settings.insecure_tls)
            // A redirect to another host would carry no token (reqwest drops it) and
            // could loop: a few are enough for a proxy's trailing-slash fix.
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot set up the HTTP client: {}", describe(e)))
            })?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the async runtime: {e}")))?;
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(settings.total_timeout_secs);
        Ok(Client {
            settings,
            base,
            http,
            rt,
            timeout,
            deadline,
            listings: std::cell::Cell::new(0),
        })
    }

    /// Runs `work` on the runtime, cut off at the client's overall deadline.
    fn block_on<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        // The timer is made inside the runtime (it needs its reactor).
        self.rt
            .block_on(async { tokio::time::timeout_at(self.deadline, work).await })
            .unwrap_or_else(|_| {
                Err(format!(
                    "the MLflow work took longer than {} s in all (MODELGATE_MLFLOW_TIMEOUT_SECS)",
                    self.settings.total_timeout_secs
                ))
            })
    }

    /// The settings (for redaction by callers).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn url(&self, segments: &[&str]) -> reqwest::Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    fn api(&self, endpoint: &str) -> reqwest::Url {
        let mut segs = vec!["api", "2.0", "mlflow"];
        segs.extend(endpoint.split('/'));
        self.url(&segs)
    }

    fn unreachable(&self, action: &str, cause: String) -> Error {
        Error::Unreachable {
            server: self.settings.tracking_uri.clone(),
            action: action.to_string(),
            cause: self.settings.redact(&cause),
        }
    }

    /// One request, its answer read up to [`MAX_API_BYTES`], under the deadline.
    async fn send_once(&self, req: reqwest::RequestBuilder) -> Result<Answer, String> {
        let work = async {
            let mut resp = req.send().await.map_err(describe)?;
            let status = resp.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(describe)? {
                if body.len() + chunk.len() > MAX_API_BYTES {
                    return Err(format!(
                        "the answer is larger than {} MiB; not read further",
                        MAX_API_BYTES >> 20
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "no complete answer within {} s (MODELGATE_HTTP_TIMEOUT_SECS)",
                self.timeout.as_secs()
            )),
        }
    }

    /// Sends (reads retried on transport errors and 5xx) and maps error answers.
    fn call(
        &self,
        action: &str,
        make: impl Fn() -> reqwest::RequestBuilder,
        read: bool,
    ) -> Result<Value, Error> {
        let attempts = if read { READ_ATTEMPTS } else { 1 };
        let mut last = Err(String::new());
        for n in 0..attempts {
            if n > 0 {
                std::thread::sleep(Duration::from_millis(200 << n));
            }
            last = self.block_on(self.send_once(make()));
            match &last {
                Ok(a) if a.status < 500 => break,
                _ => {}
            }
        }
        let answer = last.map_err(|cause| self.unreachable(action, cause))?;
        self.check(action, answer)
    }

    fn check(&self, action: &str, a: Answer) -> Result<Value, Error> {
        let r = |s: String| self.settings.redact(&s);
        match a.status {
            200..=299 => {
                if a.body.trim().is_empty() {
                    return Ok(json!({}));
                }
                serde_json::from_str(&a.body).map_err(|_| Error::Api {
                    action: action.to_string(),
                    status: 0,
                    message: r(format!(
                        "the server answered HTTP {} with something that is not JSON: {}; is MLFLOW_TRACKING_URI the tracking server (not its UI behind a login page)?",
                        a.status,
                        a.message()
                    )),
                })
            }
            401 | 403 => Err(Error::Denied {
                status: a.status,
                action: action.to_string(),
                message: r(a.message()),
            }),
            404 if a.error_code().as_deref() == Some("RESOURCE_DOES_NOT_EXIST") => {
                Err(Error::NotFound {
                    action: action.to_string(),
                    message: r(a.message()),
                })
            }
            // MLflow answers every missing resource with an `error_code`: a bare 404 (an HTML
            // page) means the address is not its REST API.
            404 if a.error_code().is_none() => Err(Error::Api {
                action: action.to_string(),
                status: 404,
                message: r(format!(
                    "{}; the server has no MLflow REST API at this address: is MLFLOW_TRACKING_URI the tracking server (scheme, host, port and any path prefix)?",
                    a.message()
                )),
            }),
            400 if a.error_code().as_deref() == Some("RESOURCE_DOES_NOT_EXIST")
                || a.error_code().as_deref() == Some("INVALID_PARAMETER_VALUE")
                    && a.message().contains("not found") =>
            {
                Err(Error::NotFound {
                    action: action.to_string(),
                    message: r(a.message()),
                })
            }
            status => Err(Error::Api {
                action: action.to_string(),
                status,
                message: r(a.message()),
            }),
        }
    }

    fn get(&self, endpoint: &str, query: &[(&str, &str)], action: &str) -> Result<Value, Error> {
        let url = self.api(endpoint);
        self.call(action, || self.http.get(url.clone()).query(query), true)
    }

    fn post(&self, endpoint: &str, body: &Value, action: &str) -> Result<Value, Error> {
        let url = self.api(endpoint);
        self.call(action, || self.http.post(url.clone()).json(body), false)
    }

    fn bad_answer(action: &str, what: &str) -> Error {
        Error::Api {
            action: action.to_string(),
            status: 0,
            message: format!("the answer lacks {what}"),
        }
    }

    fn model_version_of(v: &Value, action: &str) -> Result<ModelVersion, Error> {
        let mv = v
            .get("model_version")
            .ok_or_else(|| Self::bad_answer(action, "`model_version`"))?;
        let s = |k: &str| mv.get(k).and_then(Value::as_str).map(str::to_string);
        let version = match mv.get("version") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(Self::bad_answer(action, "`model_version.version`")),
        };
        let run_id = s("run_id")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::Api {
                action: action.to_string(),
                status: 0,
                message: "the model version has no run_id (it was not registered from a run), so there is no run to read artifacts from; use a `runs:/<run_id>/<path>` URI instead".into(),
            })?;
        let aliases = mv
            .get("aliases")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(ModelVersion {
            name: s("name").unwrap_or_default(),
            version,
            run_id,
            aliases,
        })
    }

    /// The version an alias points at (`GET registered-models/alias`).
    pub fn version_by_alias(&self, name: &str, alias: &str) -> Result<ModelVersion, Error> {
        let action = format!("looking up alias `{alias}` of registered model `{name}`");
        let v = self.get(
            "registered-models/alias",
            &[("name", name), ("alias", alias)],
            &action,
        )?;
        Self::model_version_of(&v, &action)
    }

    /// One model version (`GET model-versions/get`).
    pub fn version(&self, name: &str, version: u64) -> Result<ModelVersion, Error> {
        let action = format!("looking up version {version} of registered model `{name}`");
        let v = self.get(
            "model-versions/get",
            &[("name", name), ("version", &version.to_string())],
            &action,
        )?;
        Self::model_version_of(&v, &action)
    }

    /// A run's artifact root (`GET runs/get`).
    pub fn run(&self, run_id: &str) -> Result<RunInfo, Error> {
        let action = format!("looking up run {run_id}");
        let v = self.get("runs/get", &[("run_id", run_id)], &action)?;
        let uri = v
            .pointer("/run/info/artifact_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| Self::bad_answer(&action, "`run.info.artifact_uri`"))?;
        Ok(RunInfo {
            run_id: run_id.to_string(),
            artifact_uri: uri.to_string(),
        })
    }

    /// The entries of one artifact folder (`GET artifacts/list`, every page). `""` is the
    /// root. Each entry's path is checked to lie directly below `path`.
    pub fn list(&self, run_id: &str, path: &str) -> Result<Vec<ArtifactEntry>, Error> {
        let action = format!("listing the artifacts of run {run_id} under `{path}`");
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            self.listings.set(self.listings.get() + 1);
            if self.listings.get() > MAX_LISTINGS {
                return Err(Error::Api {
                    action,
                    status: 0,
                    message: format!(
                        "more than {MAX_LISTINGS} listing requests (folders and pages); refusing to list further"
                    ),
                });
            }
            let mut q = vec![("run_id", run_id)];
            if !path.is_empty() {
                q.push(("path", path));
            }
            if let Some(t) = &token {
                q.push(("page_token", t.as_str()));
            }
            let v = self.get("artifacts/list", &q, &action)?;
            for f in v
                .get("files")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let Some(p) = f.get("path").and_then(Value::as_str) else {
                    continue;
                };
                let below = if path.is_empty() {
                    Some(p)
                } else {
                    p.strip_prefix(path).and_then(|r| r.strip_prefix('/'))
                };
                let ok = below.is_some_and(|b| !b.is_empty() && !b.contains('/'))
                    && check_artifact_path("", p).is_ok();
                if !ok {
                    return Err(Error::Api {
                        action,
                        status: 0,
                        message: format!(
                            "the server listed `{p}`, which is not an entry of `{path}`; refusing to read it"
                        ),
                    });
                }
                out.push(ArtifactEntry {
                    path: p.to_string(),
                    is_dir: f.get("is_dir").and_then(Value::as_bool).unwrap_or(false),
                    size: f.get("file_size").and_then(|s| {
                        s.as_u64()
                            .or_else(|| s.as_str().and_then(|t| t.parse().ok()))
                    }),
                });
                if out.len() > MAX_FILES {
                    return Err(Error::Api {
                        action,
                        status: 0,
                        message: format!(
                            "more than {MAX_FILES} entries; modelgate reads at most {MAX_FILES} files per input"
                        ),
                    });
                }
            }
            token = v
                .get("next_page_token")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                out.sort_by(|a, b| a.path.cmp(&b.path));
                return Ok(out);
            }
        }
    }

    /// The proxied-artifact URL of `path` under a run's root (`mlflow-artifacts:` roots
    /// only: what `mlflow server --serve-artifacts` gives runs).
    fn artifact_url(&self, run: &RunInfo, path: &str) -> Result<reqwest::Url, Error> {
        let root = run.artifact_uri.as_str();
        let Some(rest) = root.strip_prefix("mlflow-artifacts:") else {
            let scheme = root.split(':').next().unwrap_or(root);
            return Err(Error::Config(format!(
                "run {}'s artifacts live at `{scheme}:` storage, which this server does not proxy; modelgate downloads artifacts through the tracking server: start it with `mlflow server --serve-artifacts` (runs created since then store `mlflow-artifacts:` URIs)",
                run.run_id
            )));
        };
        // `mlflow-artifacts:/p` or `mlflow-artifacts://host:port/p`: the path is ours.
        let rest = match rest.strip_prefix("//") {
            Some(hosted) => hosted.split_once('/').map_or("", |(_, p)| p),
            None => rest,
        };
        let mut segs: Vec<&str> = vec!["api", "2.0", "mlflow-artifacts", "artifacts"];
        let root_parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        if root_parts.iter().any(|p| *p == "." || *p == "..") {
            return Err(Error::Api {
                action: format!("reading run {}", run.run_id),
                status: 0,
                message: format!("the run's artifact root `{root}` has a `..` part; refusing it"),
            });
        }
        segs.extend(root_parts);
        segs.extend(path.split('/'));
        Ok(self.url(&segs))
    }

    /// Streams one artifact file to `dest`, adding to `*budget_used`.
    fn download_file(
        &self,
        run: &RunInfo,
        path: &str,
        dest: &Path,
        budget_used: &mut u64,
    ) -> Result<(), Error> {
        let action = format!("downloading `{path}` of run {}", run.run_id);
        let url = self.artifact_url(run, path)?;
        let io = |e: std::io::Error| Error::Io {
            action: action.clone(),
            message: e.to_string(),
        };
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let max = self.settings.max_bytes;
        let mut last_err = String::new();
        for n in 0..READ_ATTEMPTS {
            if n > 0 {
                std::thread::sleep(Duration::from_millis(200 << n));
            }
            let mut file = std::fs::File::create(dest).map_err(io)?;
            let start = *budget_used;
            let result: Result<Result<(), Error>, String> = self.block_on(async {
                let resp = tokio::time::timeout(self.timeout, self.http.get(url.clone()).send())
                    .await
                    .map_err(|_| format!("no answer within {} s", self.timeout.as_secs()))?
                    .map_err(describe)?;
                let status = resp.status().as_u16();
                if !(200..300).contains(&status) {
                    let mut resp = resp;
                    let mut body = Vec::new();
                    while let Ok(Ok(Some(c))) =
                        tokio::time::timeout(self.timeout, resp.chunk()).await
                    {
                        if body.len() > 64 << 10 {
                            break;
                        }
                        body.extend_from_slice(&c);
                    }
                    let a = Answer {
                        status,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    };
                    if status >= 500 {
                        return Err(format!("HTTP {status}: {}", a.message()));
                    }
                    return Ok(self.check(&action, a).map(|_| ()));
                }
                let mut resp = resp;
                let mut used = start;
                loop {
                    let chunk = tokio::time::timeout(self.timeout, resp.chunk())
                        .await
                        .map_err(|_| {
                            format!(
                                "the download stalled for {} s (MODELGATE_HTTP_TIMEOUT_SECS)",
                                self.timeout.as_secs()
                            )
                        })?
                        .map_err(describe)?;
                    let Some(chunk) = chunk else { break };
                    used += chunk.len() as u64;
                    if used > max {
                        return Ok(Err(Error::Api {
                            action: action.clone(),
                            status: 0,
                            message: format!(
                                "the input is larger than {max} bytes (MODELGATE_MLFLOW_MAX_BYTES); raise the cap if it is meant to be this large"
                            ),
                        }));
                    }
                    if let Err(e) = file.write_all(&chunk) {
                        return Ok(Err(io(e)));
                    }
                }
                *budget_used = used;
                Ok(Ok(()))
            });
            match result {
                Ok(r) => {
                    r?;
                    return file.sync_all().map_err(io);
                }
                Err(e) => {
                    *budget_used = start;
                    last_err = e;
                }
            }
        }
        Err(self.unreachable(&action, last_err))
    }

    /// The run behind an input URI, and the model version for a `models:/` one.
    pub fn resolve(&self, input: &InputUri) -> Result<(RunInfo, Option<ModelVersion>), Error> {
        let (run_id, version) = match &input.source {
            Source::Run { run_id } => (run_id.clone(), None),
            Source::Model { name, version } => {
                let v = match version {
                    VersionRef::Alias(a) => self.version_by_alias(name, a)?,
                    VersionRef::Number(n) => self.version(name, *n)?,
                };
                (v.run_id.clone(), Some(v))
            }
        };
        if !run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || run_id.is_empty()
        {
            return Err(Error::Api {
                action: format!("resolving {}", input.uri),
                status: 0,
                message: "the server gave a run id with characters a run id does not hold".into(),
            });
        }
        Ok((self.run(&run_id)?, version))
    }

    /// Downloads the file or folder an input URI names into `dir` and returns where it is.
    /// A missing path is [`Error::MissingArtifact`], listing the nearest existing folder.
    pub fn download(&self, input: &InputUri, dir: &Path) -> Result<Download, Error> {
        let (run, version) = self.resolve(input)?;
        let path = input.path.as_str();
        let (parent, _) = path.rsplit_once('/').unwrap_or(("", path));
        let siblings = match self.list(&run.run_id, parent) {
            Ok(s) => s,
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        let Some(entry) = siblings.iter().find(|e| e.path == path) else {
            return Err(self.missing(&run.run_id, path));
        };
        // The local name: the artifact's last part, under `dir` (checked parts only).
        let name = path.rsplit('/').next().unwrap_or(path);
        let local = dir.join(name);
        let mut used = 0u64;
        let mut files = Vec::new();
        if entry.is_dir {
            // Listing requests are capped client-wide (`list`); entries queued or read,
            // folders included, are capped here, so memory is bounded by MAX_FILES.
            let mut stack = vec![path.to_string()];
            while let Some(folder) = stack.pop() {
                for e in self.list(&run.run_id, &folder)? {
                    if files.len() + stack.len() >= MAX_FILES {
                        return Err(Error::Api {
                            action: format!("downloading `{path}` of run {}", run.run_id),
                            status: 0,
                            message: format!(
                                "more than {MAX_FILES} files; modelgate reads at most {MAX_FILES} files per input"
                            ),
                        });
                    }
                    if e.is_dir {
                        stack.push(e.path);
                        continue;
                    }
                    // `list` checked every entry lies below its folder: `rel` is clean.
                    let rel = e.path[path.len() + 1..].to_string();
                    let mut dest = local.clone();
                    for part in rel.split('/') {
                        dest.push(part);
                    }
                    self.download_file(&run, &e.path, &dest, &mut used)?;
                    files.push(e.path);
                }
            }
            if files.is_empty() {
                std::fs::create_dir_all(&local).map_err(|e| Error::Io {
                    action: "creating the download folder".into(),
                    message: e.to_string(),
                })?;
            }
        } else {
            self.download_file(&run, path, &local, &mut used)?;
            files.push(path.to_string());
        }
        files.sort();
        Ok(Download {
            local,
            run_id: run.run_id,
            version,
            files,
            bytes: used,
        })
    }

    /// [`Error::MissingArtifact`] for `path`, listing its nearest existing parent folder.
    fn missing(&self, run_id: &str, path: &str) -> Error {
        let mut near = path;
        loop {
            near = near.rsplit_once('/').map_or("", |(p, _)| p);
            if let Ok(entries) = self.list(run_id, near)
                && (!entries.is_empty() || near.is_empty())
            {
                let listing = entries
                    .iter()
                    .map(|e| {
                        if e.is_dir {
                            format!("{}/", e.path)
                        } else {
                            e.path.clone()
                        }
                    })
                    .collect();
                return Error::MissingArtifact {
                    run_id: run_id.to_string(),
                    path: path.to_string(),
                    near: near.to_string(),
                    listing,
                };
            }
            if near.is_empty() {
                return Error::MissingArtifact {
                    run_id: run_id.to_string(),
                    path: path.to_string(),
                    near: String::new(),
                    listing: Vec::new(),
                };
            }
        }
    }

    /// Points `alias` at `version` (`POST registered-models/alias`).
    pub fn set_alias(&self, name: &str, alias: &str, version: u64) -> Result<(), Error> {
        let action = format!("setting alias `{alias}` of `{name}` to version {version}");
        self.post(
            "registered-models/alias",
            &json!({"name": name, "alias": alias, "version": version.to_string()}),
            &action,
        )
        .map(|_| ())
    }

    /// Sets a tag on a model version (`POST model-versions/set-tag`).
    pub fn set_version_tag(
        &self,
        name: &str,
        version: u64,
        key: &str,
        value: &str,
    ) -> Result<(), Error> {
        let action = format!("tagging version {version} of `{name}` with `{key}`");
        self.post(
            "model-versions/set-tag",
            &json!({"name": name, "version": version.to_string(), "key": key, "value": value}),
            &action,
        )
        .map(|_| ())
    }

    /// Logs metrics and tags to a run (`POST runs/log-batch`, in MLflow's batch limits:
    /// 1,000 metrics and 100 tags per request).
    pub fn log_batch(
        &self,
        run_id: &str,
        metrics: &[(String, f64)],
        tags: &[(String, String)],
        timestamp_ms: u64,
    ) -> Result<(), Error> {
        let action = format!("logging the result to run {run_id}");
        let metric = |(k, v): &(String, f64)| json!({"key": k, "value": v, "timestamp": timestamp_ms, "step": 0});
        let tag = |(k, v): &(String, String)| json!({"key": k, "value": v});
        let mut m = metrics.chunks(1000);
        let mut t = tags.chunks(100);
        loop {
            let (mc, tc) = (m.next(), t.next());
            if mc.is_none() && tc.is_none() {
                return Ok(());
            }
            let body = json!({
                "run_id": run_id,
                "metrics": mc.unwrap_or_default().iter().map(metric).collect::<Vec<_>>(),
                "tags": tc.unwrap_or_default().iter().map(tag).collect::<Vec<_>>(),
            });
            self.post("runs/log-batch", &body, &action)?;
        }
    }

    /// Uploads `bytes` as the artifact `path` of a run (`PUT mlflow-artifacts/artifacts`).
    pub fn upload(&self, run: &RunInfo, path: &str, bytes: &[u8]) -> Result<(), Error> {
        check_artifact_path(path, path)?;
        let action = format!("uploading `{path}` to run {}", run.run_id);
        let url = self.artifact_url(run, path)?;
        let body = bytes.to_vec();
        self.call(
            &action,
            || self.http.put(url.clone()).body(body.clone()),
            false,
        )
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_value_is_base64() {
        assert_eq!(
            basic_value("Aladdin", "open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_value("a", "b"), "YTpi");
        assert_eq!(basic_value("ab", "c"), "YWI6Yw==");
    }
}
