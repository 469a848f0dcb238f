//! Redaction: no token reaches a message, whatever a server echoes back.
//!
//! A proxy or a misbehaving server may echo the request's headers in an error body
//! (`Authorization: Bearer ghs_…`, `PRIVATE-TOKEN: glpat-…`), and that body becomes our
//! error message. [`Redactor::redact`] removes the known token values (also a part of one,
//! as a truncated body leaves it) and the value after any credential keyword, known or not.
//! One mechanism for every client that holds a credential: `publish` (GitHub, GitLab) and
//! `mlflow`.

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// Variables whose values are credentials.
pub(crate) const TOKEN_VARS: &[&str] = &[
    "MODELGATE_TOKEN",
    "GITHUB_TOKEN",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
];

/// Words after which the next word is a credential (case-insensitive), as HTTP headers
/// and their echoes write them: `Authorization: Bearer x`, `token x`, `PRIVATE-TOKEN: x`.
const KEYWORDS: &[&str] = &[
    "bearer",
    "token",
    "private-token",
    "job-token",
    "authorization",
    "basic",
];

/// Shortest run of token characters that counts as a piece of a known token.
const MIN_PIECE: usize = 6;

/// Removes credentials from text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

/// A character that continues a word (for keyword boundaries).
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// A character a credential may contain (base64 and URL-safe alphabets included).
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '/' | '=' | '~')
}

impl Redactor {
    /// Adds a secret value (trimmed; values shorter than 4 characters are ignored, they
    /// would redact ordinary words).
    pub(crate) fn add(&mut self, secret: &str) {
        let s = secret.trim();
        if s.len() >= 4 && !self.secrets.iter().any(|x| x == s) {
            self.secrets.push(s.to_string());
        }
    }

    /// `text` without any known secret, any run of token characters of at least
    /// [`MIN_PIECE`] that is part of one, and any credential-looking value after a
    /// credential keyword.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut s = text.to_string();
        for secret in &self.secrets {
            if s.contains(secret.as_str()) {
                s = s.replace(secret.as_str(), REDACTED);
            }
        }
        let s = self.redact_pieces(&s);
        redact_after_keywords(&s)
    }

    /// Runs of token characters that are a piece of a secret (a body cut at 300
    /// characters may end inside a token).
    fn redact_pieces(&self, text: &str) -> String {
        if self.secrets.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            let piece = word.len() >= MIN_PIECE
                && word != REDACTED
                && self.secrets.iter().any(|s| s.contains(word.as_str()));
            if piece {
                out.push_str(REDACTED);
            } else {
                out.push_str(word);
            }
            word.clear();
        };
        for c in text.chars() {
            if token_char(c) {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }
}

/// Replaces the value after a credential keyword: always after an auth scheme or token
/// header (`Bearer`, `Basic`, `PRIVATE-TOKEN`), and after the words `token` and
/// `authorization` when it looks like a credential, at least 8 token characters with a
/// digit (so that our own hints, "the token needs `api`", stay).
fn redact_after_keywords(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_ascii_lowercase()).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let kw = KEYWORDS.iter().find(|k| {
            let k: Vec<char> = k.chars().collect();
            let before_ok = i == 0 || !word_char(chars[i - 1]);
            before_ok
                && lower.len() >= i + k.len()
                && lower[i..i + k.len()] == k[..]
                && lower.get(i + k.len()).is_none_or(|c| !word_char(*c))
        });
        let Some(kw) = kw else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        let end_kw = i + kw.chars().count();
        out.extend(&chars[i..end_kw]);
        // Separators: spaces, `:`, `=`, quotes.
        let mut j = end_kw;
        while j < chars.len() && matches!(chars[j], ' ' | '\t' | ':' | '=' | '"' | '\'') {
            j += 1;
        }
        let mut k = j;
        while k < chars.len() && token_char(chars[k]) {
            k += 1;
        }
        let value: String = chars[j..k].iter().collect();
        // After an auth scheme or a token header the value is a credential; after the
        // plain words `token` or `authorization` only when it looks like one.
        // `Bearer` is only ever followed by a credential, whatever its length; after the
        // other schemes a short word is prose ("use basic auth").
        let strong = matches!(*kw, "basic" | "private-token" | "job-token");
        let looks_secret = if *kw == "bearer" {
            !value.is_empty()
        } else if strong {
            value.len() >= 8
        } else {
            value.len() >= 8 && value.chars().any(|c| c.is_ascii_digit())
        };
        out.extend(&chars[end_kw..j]);
        if looks_secret {
            out.push_str(REDACTED);
            i = k;
        } else {
            i = j;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

    fn r() -> Redactor {
        let mut r = Redactor::default();
        r.add(TOKEN);
        r
    }

    #[test]
    fn known_tokens_and_pieces_are_removed() {
        let s = r().redact(&format!("echo: {{\"authorization\": \"token {TOKEN}\"}}"));
        assert!(!s.contains("ghs_16C7"), "{s}");
        // A body cut inside the token.
        let s = r().redact(&format!("headers: x-auth {}…", &TOKEN[..20]));
        assert!(!s.contains(&TOKEN[..10]), "{s}");
        assert!(s.contains(REDACTED));
    }

    #[test]
    fn unknown_credentials_after_keywords_are_removed() {
        let s = Redactor::default()
            .redact("Authorization: Bearer abc123def456 and PRIVATE-TOKEN: glpat-x9y8z7w6v5");
        assert_eq!(
            s,
            "Authorization: Bearer [redacted] and PRIVATE-TOKEN: [redacted]"
        );
        let s = Redactor::default().redact("authorization=Basic dXNlcjpwYXNzMTIz");
        assert!(!s.contains("dXNlcjpw"), "{s}");
    }

    #[test]
    fn hints_stay_readable() {
        assert_eq!(r().redact("use basic auth"), "use basic auth");
        let hint = "the token needs `pull-requests: write` (is the token valid and unexpired?)";
        assert_eq!(r().redact(hint), hint);
    }
}
