//! The publisher's use of [`crate::redact`]: a redactor for the CI tokens of the
//! environment, and errors with every message redacted.

pub(crate) use crate::redact::Redactor;

use super::PublishError;
use super::env::Env;

/// A redactor for the tokens the environment holds.
pub(crate) fn from_env(env: &Env) -> Redactor {
    let mut r = Redactor::default();
    for var in crate::redact::TOKEN_VARS {
        if let Some(v) = env.get(var) {
            r.add(v);
        }
    }
    r
}

/// The error with every message redacted.
pub(crate) fn error(redactor: &Redactor, e: PublishError) -> PublishError {
    let r = |s: String| redactor.redact(&s);
    match e {
        PublishError::Context(m) => PublishError::Context(r(m)),
        PublishError::Api {
            platform,
            action,
            status,
            message,
        } => PublishError::Api {
            platform,
            action: r(action),
            status,
            message: r(message),
        },
        PublishError::ForkReadOnly { platform, message } => PublishError::ForkReadOnly {
            platform,
            message: r(message),
        },
        PublishError::Transport {
            platform,
            action,
            message,
        } => PublishError::Transport {
            platform,
            action: r(action),
            message: r(message),
        },
        PublishError::File { path, message } => PublishError::File {
            path,
            message: r(message),
        },
    }
}
