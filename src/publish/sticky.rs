//! The sticky comment: one per gate config, found by a marker and by who wrote it.
//!
//! The marker alone proves nothing (anyone can paste it into a comment), so a comment is
//! ours only when its first line is the marker AND its author is the token's own identity.
//! The oldest of ours is updated in place; later duplicates (from a race between two runs)
//! are deleted; an unchanged body is not rewritten, so reviewers get no notification noise.

use super::PublishError;
use super::retry::Backoff;

/// The hidden first line that keys a comment to a gate config's `name`.
///
/// The name is sanitised so it cannot end the HTML comment (`-->`) or inject anything:
/// every character outside `[A-Za-z0-9._-]` is percent-encoded, which keeps distinct
/// names distinct.
pub(crate) fn marker(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for b in name.trim().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            key.push(b as char);
        } else {
            key.push_str(&format!("%{b:02X}"));
        }
    }
    if key.is_empty() {
        key.push_str("default");
    }
    format!("<!-- modelgate:{key} -->")
}

/// Who the token is.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// Numeric user id (GitHub `databaseId`, GitLab `id`), when known.
    pub id: Option<u64>,
    pub login: String,
}

impl Identity {
    fn wrote(&self, c: &Comment) -> bool {
        match (self.id, c.author_id) {
            (Some(a), Some(b)) => a == b,
            // GitHub's GraphQL names a bot `x`, REST `x[bot]`.
            _ => {
                let strip = |s: &str| s.trim_end_matches("[bot]").to_ascii_lowercase();
                !self.login.is_empty() && strip(&self.login) == strip(&c.author_login)
            }
        }
    }
}

/// A comment (GitHub issue comment, GitLab note) as the sticky logic needs it.
#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub id: u64,
    pub author_id: Option<u64>,
    pub author_login: String,
    pub body: String,
    /// GitLab system notes ("added 1 commit") are never ours.
    pub system: bool,
    pub url: Option<String>,
}

/// Why a write failed, and whether it may have taken effect anyway.
#[derive(Debug)]
pub(crate) struct WriteError {
    pub error: PublishError,
    /// A server error or broken connection: the write may or may not have been applied.
    pub ambiguous: bool,
    /// The platform rejected the body as too long.
    pub too_long: bool,
}

impl From<PublishError> for WriteError {
    fn from(error: PublishError) -> Self {
        WriteError {
            error,
            ambiguous: false,
            too_long: false,
        }
    }
}

/// A comment thread on one pull request or merge request.
pub(crate) trait Thread {
    /// The token's own identity.
    async fn identity(&self) -> Result<Identity, PublishError>;
    /// Every comment, oldest first, all pages.
    async fn list(&self) -> Result<Vec<Comment>, PublishError>;
    /// Create a comment. Sent once: a non-idempotent write is never blindly retried.
    async fn create(&self, body: &str) -> Result<Comment, WriteError>;
    /// Replace a comment's body (idempotent, retried).
    async fn update(&self, id: u64, body: &str) -> Result<Comment, WriteError>;
    /// Delete a comment (idempotent; a comment already gone counts as deleted).
    async fn delete(&self, id: u64) -> Result<(), PublishError>;
}

/// What the listing says to do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    Create,
    Update { id: u64, duplicates: Vec<u64> },
    Unchanged { id: u64, duplicates: Vec<u64> },
}

fn same_body(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    norm(a) == norm(b)
}

/// Our comments (marker on the first line, written by `me`), oldest first.
fn ours<'c>(comments: &'c [Comment], me: &Identity, marker: &str) -> Vec<&'c Comment> {
    let mut mine: Vec<&Comment> = comments
        .iter()
        .filter(|c| !c.system && me.wrote(c))
        .filter(|c| {
            c.body
                .lines()
                .next()
                .is_some_and(|l| l.trim_end() == marker)
        })
        .collect();
    // Ids increase with creation time on both platforms.
    mine.sort_by_key(|c| c.id);
    mine
}

pub(crate) fn plan(comments: &[Comment], me: &Identity, marker: &str, body: &str) -> Plan {
    let mine = ours(comments, me, marker);
    let Some((first, rest)) = mine.split_first() else {
        return Plan::Create;
    };
    let duplicates = rest.iter().map(|c| c.id).collect();
    if same_body(&first.body, body) {
        Plan::Unchanged {
            id: first.id,
            duplicates,
        }
    } else {
        Plan::Update {
            id: first.id,
            duplicates,
        }
    }
}

/// What [`upsert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Created,
    Updated,
    Unchanged,
}

/// The result of [`upsert`].
#[derive(Debug)]
pub(crate) struct Upserted {
    pub id: u64,
    pub url: Option<String>,
    pub action: Action,
    pub deleted: usize,
    pub warnings: Vec<String>,
}

/// Create, update or leave the sticky comment, and delete our duplicates.
///
/// `body(level)` gives the comment body at shrink level 0, 1, 2… (`None` when it cannot
/// shrink further); a "body too long" rejection moves to the next level.
pub(crate) async fn upsert<T: Thread>(
    thread: &T,
    backoff: &Backoff,
    marker: &str,
    body: impl Fn(usize) -> Option<String>,
) -> Result<Upserted, PublishError> {
    let me = thread.identity().await?;
    let mut level = 0usize;
    let mut text = body(0).ok_or_else(|| PublishError::Context("empty report".into()))?;
    let mut comments = thread.list().await?;
    let mut creates = 0u32;
    loop {
        let step = plan(&comments, &me, marker, &text);
        let (id, duplicates, written) = match step {
            Plan::Unchanged { id, duplicates } => {
                let url = ours(&comments, &me, marker)
                    .first()
                    .and_then(|c| c.url.clone());
                (id, duplicates, Ok((url, Action::Unchanged)))
            }
            Plan::Update { id, duplicates } => match thread.update(id, &text).await {
                Ok(c) => (id, duplicates, Ok((c.url, Action::Updated))),
                Err(e) => (id, duplicates, Err(e)),
            },
            Plan::Create => match thread.create(&text).await {
                Ok(c) => (c.id, Vec::new(), Ok((c.url, Action::Created))),
                Err(e) => {
                    creates += 1;
                    if e.ambiguous && creates < backoff.attempts {
                        // The comment may exist now: look before writing again.
                        tokio::time::sleep(backoff.delay(creates - 1)).await;
                        comments = thread.list().await?;
                        continue;
                    }
                    (0, Vec::new(), Err(e))
                }
            },
        };
        match written {
            Ok((url, action)) => {
                let mut warnings = Vec::new();
                let mut deleted = 0;
                for dup in duplicates {
                    match thread.delete(dup).await {
                        Ok(()) => deleted += 1,
                        Err(e) => {
                            warnings.push(format!("could not delete duplicate comment {dup}: {e}"))
                        }
                    }
                }
                if level > 0 {
                    warnings.push(
                        "the report was shortened further after the platform rejected its length"
                            .into(),
                    );
                }
                // After an ambiguous create, finding the comment means that create worked.
                let action = match action {
                    Action::Unchanged if creates > 0 => Action::Created,
                    a => a,
                };
                return Ok(Upserted {
                    id,
                    url,
                    action,
                    deleted,
                    warnings,
                });
            }
            Err(e) if e.too_long => {
                level += 1;
                text = body(level).ok_or(e.error)?;
            }
            Err(e) => return Err(e.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: u64, author: u64, body: &str) -> Comment {
        Comment {
            id,
            author_id: Some(author),
            author_login: format!("user{author}"),
            body: body.into(),
            system: false,
            url: None,
        }
    }

    #[test]
    fn marker_is_sanitised_and_distinct() {
        assert_eq!(marker("fraud-scorer"), "<!-- modelgate:fraud-scorer -->");
        let hostile = marker("x --> <img src=x onerror=alert(1)> @team");
        assert!(!hostile[4..hostile.len() - 3].contains("-->"), "{hostile}");
        assert!(!hostile.contains('<') || hostile.matches('<').count() == 1);
        assert!(!hostile.contains('@'));
        assert_ne!(marker("a b"), marker("a-b"));
        assert_ne!(marker("a/b"), marker("a_b"));
        assert_eq!(marker("  "), "<!-- modelgate:default -->");
        assert_eq!(marker("é"), "<!-- modelgate:%C3%A9 -->");
    }

    #[test]
    fn plan_matches_marker_and_author() {
        let me = Identity {
            id: Some(41898282),
            login: "github-actions".into(),
        };
        let m = marker("fraud");
        let body = format!("{m}\nnew");
        let comments = vec![
            c(1, 7, &format!("{m}\nspoofed by someone else")),
            c(2, 41898282, "plain comment by the bot"),
            c(3, 41898282, &format!("quoting\n{m}")), // marker not on the first line
            c(4, 41898282, &format!("{}\nother gate", marker("other"))),
            c(9, 41898282, &format!("{m}\nold")),
            c(5, 41898282, &format!("{m}\r\nolder")),
        ];
        assert_eq!(
            plan(&comments, &me, &m, &body),
            Plan::Update {
                id: 5,
                duplicates: vec![9]
            }
        );
        assert_eq!(plan(&comments[..4], &me, &m, &body), Plan::Create);
        let same = vec![c(5, 41898282, &format!("{m}\r\nnew\n"))];
        assert_eq!(
            plan(&same, &me, &m, &body),
            Plan::Unchanged {
                id: 5,
                duplicates: vec![]
            }
        );
    }

    #[test]
    fn login_fallback_when_ids_unknown() {
        let me = Identity {
            id: None,
            login: "github-actions".into(),
        };
        let mut x = c(1, 0, "<!-- modelgate:a -->");
        x.author_id = None;
        x.author_login = "github-actions[bot]".into();
        assert!(me.wrote(&x));
        x.author_login = "github-actions-impostor".into();
        assert!(!me.wrote(&x));
    }

    #[test]
    fn system_notes_are_never_ours() {
        let me = Identity {
            id: Some(1),
            login: "bot".into(),
        };
        let m = marker("a");
        let mut n = c(1, 1, &m);
        n.system = true;
        assert_eq!(plan(&[n], &me, &m, "x"), Plan::Create);
    }
}
