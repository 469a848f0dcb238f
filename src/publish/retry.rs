//! Our own retry: reads and idempotent writes only, with backoff, jitter and rate limits.
//!
//! A client library's blanket retry would re-send a `POST` that the server may already
//! have applied (a 502 from a proxy after the comment was created), leaving a duplicate.
//! Here every request says whether it is idempotent; only those are retried on server
//! errors and broken connections. A rate-limit refusal is retried for any request, since
//! the server did not act on it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

use super::env::Env;

/// An HTTP method, as the platform clients need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// A response, read in full.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok().map(str::trim)
    }

    fn header_u64(&self, name: &str) -> Option<u64> {
        self.header(name)?.parse().ok()
    }

    /// The `message` field of a JSON error body, or the start of the body.
    pub(crate) fn message(&self) -> String {
        let parsed: Option<serde_json::Value> = serde_json::from_str(&self.body).ok();
        let from_json = parsed.as_ref().and_then(|v| {
            let m = v.get("message").or_else(|| v.get("error"))?;
            Some(match m {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        });
        let text = from_json.unwrap_or_else(|| self.body.trim().to_string());
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 300 {
            one_line.chars().take(300).chain("…".chars()).collect()
        } else {
            one_line
        }
    }

    /// When the server refused for a rate limit: how long it asks us to wait.
    ///
    /// GitHub: `retry-after`, or `x-ratelimit-remaining: 0` with `x-ratelimit-reset` (epoch
    /// seconds), or a 403 whose message names the secondary rate limit. GitLab: the same
    /// `retry-after`, or `ratelimit-remaining: 0` with `ratelimit-reset`.
    fn rate_limit_wait(&self, now_epoch: u64) -> Option<Duration> {
        if self.status != 429 && self.status != 403 {
            return None;
        }
        if let Some(secs) = self.header_u64("retry-after") {
            return Some(Duration::from_secs(secs));
        }
        for (remaining, reset) in [
            ("x-ratelimit-remaining", "x-ratelimit-reset"),
            ("ratelimit-remaining", "ratelimit-reset"),
        ] {
            if self.header_u64(remaining) == Some(0)
                && let Some(at) = self.header_u64(reset)
            {
                return Some(Duration::from_secs(at.saturating_sub(now_epoch) + 1));
            }
        }
        if self.status == 429 {
            return Some(Duration::ZERO); // no hint: the caller's backoff decides
        }
        // GitHub documents waiting at least a minute for a secondary limit without headers.
        let secondary = self
            .body
            .to_ascii_lowercase()
            .contains("secondary rate limit");
        secondary.then(|| Duration::from_secs(60))
    }
}

/// What one attempt produced.
pub(crate) enum Sent {
    Reply(Reply),
    /// The request failed before a full response arrived (connection, timeout, TLS).
    Transport(String),
}

/// The largest response body read, in bytes: a comment page is well under 1 MiB; a server
/// that sends more is cut off with an error instead of filling memory.
pub(crate) const MAX_BODY_BYTES: usize = 8 << 20;

/// Default deadline of one request, from connecting to the last byte of the body.
const REQUEST_TIMEOUT_SECS: u64 = 30;

/// Default deadline of the whole publication (every request, retry and wait).
const PUBLISH_TIMEOUT_SECS: u64 = 180;

/// Retry and deadline tuning. Tests shrink the delays through the environment.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    /// The first backoff delay; doubled on every further attempt, with jitter.
    pub base: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The longest wait we accept; a rate limit asking for more fails the request.
    pub max_wait: Duration,
    /// One attempt's deadline, body included: a server trickling bytes cannot hold it.
    pub request_timeout: Duration,
    /// The whole publication's deadline.
    pub total_timeout: Duration,
}

impl Backoff {
    /// Defaults, overridden by `MODELGATE_RETRY_BASE_MS`, `MODELGATE_RETRY_ATTEMPTS`,
    /// `MODELGATE_RETRY_MAX_WAIT_SECS`, `MODELGATE_HTTP_TIMEOUT_SECS` (one request, default
    /// 30) and `MODELGATE_PUBLISH_TIMEOUT_SECS` (everything, default 180). Deadlines are
    /// at least 1 s and at most 1 h.
    pub(crate) fn from_env(env: &Env) -> Self {
        let num = |k: &str| env.get(k).and_then(|v| v.trim().parse::<u64>().ok());
        let secs =
            |k: &str, default: u64| Duration::from_secs(num(k).unwrap_or(default).clamp(1, 3600));
        Backoff {
            base: Duration::from_millis(num("MODELGATE_RETRY_BASE_MS").unwrap_or(500)),
            attempts: num("MODELGATE_RETRY_ATTEMPTS").map_or(4, |n| n.clamp(1, 10) as u32),
            max_wait: Duration::from_secs(num("MODELGATE_RETRY_MAX_WAIT_SECS").unwrap_or(60)),
            request_timeout: secs("MODELGATE_HTTP_TIMEOUT_SECS", REQUEST_TIMEOUT_SECS),
            total_timeout: secs("MODELGATE_PUBLISH_TIMEOUT_SECS", PUBLISH_TIMEOUT_SECS),
        }
    }

    /// The exponential delay before attempt `attempt + 1`, with "equal jitter": half fixed,
    /// half random, so clients that failed together do not retry together.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let full = self.base.saturating_mul(1u32 << attempt.min(16));
        let half = full / 2;
        half + half.mul_f64(jitter(attempt))
    }
}

/// A number in [0, 1) that differs between processes and calls. `RandomState` is seeded
/// randomly per process; the clock separates calls.
fn jitter(salt: u32) -> f64 {
    let mut h = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    h.write_u32(salt);
    h.write_u32(std::process::id());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `attempt` with the request deadline: past it the attempt is a transport failure.
pub(crate) async fn within<F: Future<Output = Sent>>(limit: Duration, attempt: F) -> Sent {
    match tokio::time::timeout(limit, attempt).await {
        Ok(sent) => sent,
        Err(_) => Sent::Transport(format!(
            "no complete response within {} s (the request deadline, MODELGATE_HTTP_TIMEOUT_SECS)",
            limit.as_secs()
        )),
    }
}

/// A body longer than [`MAX_BODY_BYTES`], as a transport failure message.
pub(crate) fn body_too_large() -> String {
    format!(
        "the response body is larger than {} MiB; not read further",
        MAX_BODY_BYTES >> 20
    )
}

/// The outcome of a request after retries: the last reply, or the last transport error.
pub(crate) type Outcome = Result<Reply, String>;

/// Run `attempt` until it yields a final answer.
///
/// Retried: rate-limit refusals (any request; waits what the server asks, up to
/// `max_wait`), and for `idempotent` requests also 5xx replies and transport errors.
/// Everything else (success, 4xx, a non-idempotent request's 5xx) is returned as is.
pub(crate) async fn run<F, Fut>(backoff: &Backoff, idempotent: bool, mut attempt: F) -> Outcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Sent>,
{
    let mut n = 0u32;
    loop {
        let sent = attempt().await;
        let last = n + 1 >= backoff.attempts;
        let wait = match &sent {
            Sent::Reply(r) => match r.rate_limit_wait(now_epoch()) {
                Some(w) if w > backoff.max_wait => None,
                Some(w) => Some(w.max(backoff.delay(n))),
                None if idempotent && r.status >= 500 => Some(backoff.delay(n)),
                None => None,
            },
            Sent::Transport(_) if idempotent => Some(backoff.delay(n)),
            Sent::Transport(_) => None,
        };
        match (wait, last) {
            (Some(w), false) => {
                tokio::time::sleep(w).await;
                n += 1;
            }
            _ => {
                return match sent {
                    Sent::Reply(r) => Ok(r),
                    Sent::Transport(e) => Err(e),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().expect("test header"));
        }
        Reply {
            status,
            headers: map,
            body: body.into(),
        }
    }

    fn quick() -> Backoff {
        Backoff {
            base: Duration::from_millis(1),
            attempts: 4,
            max_wait: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(10),
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// Runs a scripted sequence of statuses; returns (final status, attempts made).
    fn script(idempotent: bool, statuses: &[u16]) -> (Option<u16>, usize) {
        let calls = Cell::new(0usize);
        let out = rt().block_on(run(&quick(), idempotent, || {
            let i = calls.get();
            calls.set(i + 1);
            let s = statuses[i.min(statuses.len() - 1)];
            async move {
                if s == 0 {
                    Sent::Transport("connection reset".into())
                } else {
                    Sent::Reply(reply(s, &[], "{}"))
                }
            }
        }));
        (out.ok().map(|r| r.status), calls.get())
    }

    #[test]
    fn idempotent_requests_retry_server_and_transport_errors() {
        assert_eq!(script(true, &[502, 0, 200]), (Some(200), 3));
        assert_eq!(script(true, &[500, 500, 500, 500, 200]), (Some(500), 4));
        assert_eq!(script(true, &[404]), (Some(404), 1));
    }

    #[test]
    fn posts_are_not_retried_on_server_errors() {
        assert_eq!(script(false, &[502, 201]), (Some(502), 1));
        assert_eq!(script(false, &[0, 201]), (None, 1));
        // A rate-limit refusal was not acted on: safe to send again.
        assert_eq!(script(false, &[429, 201]), (Some(201), 2));
    }

    #[test]
    fn rate_limit_headers() {
        let now = 1_700_000_000;
        let r = reply(403, &[("retry-after", "7")], "");
        assert_eq!(r.rate_limit_wait(now), Some(Duration::from_secs(7)));
        let reset = (now + 30).to_string();
        let r = reply(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
            "",
        );
        assert_eq!(r.rate_limit_wait(now), Some(Duration::from_secs(31)));
        let r = reply(
            429,
            &[("ratelimit-remaining", "0"), ("ratelimit-reset", &reset)],
            "",
        );
        assert_eq!(r.rate_limit_wait(now), Some(Duration::from_secs(31)));
        // A plain 403 is a permission problem, not a rate limit.
        let r = reply(
            403,
            &[("x-ratelimit-remaining", "4999")],
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert_eq!(r.rate_limit_wait(now), None);
        let r = reply(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        );
        assert_eq!(r.rate_limit_wait(now), Some(Duration::from_secs(60)));
    }

    #[test]
    fn rate_limit_beyond_max_wait_gives_up() {
        let calls = Cell::new(0);
        let out = rt().block_on(run(&quick(), true, || {
            calls.set(calls.get() + 1);
            async { Sent::Reply(reply(429, &[("retry-after", "3600")], "")) }
        }));
        assert_eq!(out.ok().map(|r| r.status), Some(429));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn delay_grows_with_jitter() {
        let b = Backoff {
            base: Duration::from_millis(100),
            ..quick()
        };
        for attempt in 0..4 {
            let full = Duration::from_millis(100 << attempt);
            let d = b.delay(attempt);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
        let spread: std::collections::BTreeSet<Duration> = (0..20).map(|_| b.delay(3)).collect();
        assert!(spread.len() > 1, "jitter varies");
    }

    #[test]
    fn message_reads_json_or_text() {
        let r = reply(422, &[], r#"{"message":"Validation Failed","errors":[]}"#);
        assert_eq!(r.message(), "Validation Failed");
        let r = reply(502, &[], "<html>\n Bad   gateway\n</html>");
        assert_eq!(r.message(), "<html> Bad gateway </html>");
        let r = reply(400, &[], r#"{"message":{"note":["is too long"]}}"#);
        assert!(r.message().contains("is too long"));
    }
}
