//! The [`SessionStore`] trait: where sessions live between chats, imports and exports.
//!
//! The trait is small on purpose. Each method is one unit of work that a store performs in one
//! transaction, so a crash or a concurrent process never sees half a session. The embedded
//! SQLite store (`confab-store-sqlite`) is the one implementation today; a server-backed store
//! would implement the same methods.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::checkpoint::{Message, Role};
use crate::error::Quoted;
use crate::session::{Session, SessionSummary};
use crate::usage::{UsageBucket, UsageQuery};

/// Errors of a session store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No session has that name.
    #[error("no session named {}", Quoted(.name))]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// A session with that name exists already.
    #[error("a session named {} already exists", Quoted(.name))]
    AlreadyExists {
        /// The name asked for.
        name: String,
    },
    /// The name breaks the naming rule.
    #[error(transparent)]
    InvalidName(#[from] InvalidSessionName),
    /// The store was written by a newer confab and cannot be read safely.
    #[error(
        "the session store {path} has schema version {found}; this confab knows up to {supported}"
    )]
    NewerSchema {
        /// Where the store is.
        path: String,
        /// The store's schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A value cannot be stored (a timestamp out of range, say).
    #[error("{0}")]
    Unstorable(String),
    /// The storage backend failed (I/O, corruption, a lock held too long).
    #[error("the session store failed: {message}")]
    Backend {
        /// What the backend said.
        message: String,
        /// The backend's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// Where sessions are kept.
pub trait SessionStore {
    /// Adds a new session; fails with [`StoreError::AlreadyExists`] if the name is taken.
    fn create(&mut self, session: &Session) -> Result<(), StoreError>;

    /// The whole session called `name`, messages included.
    fn get(&self, name: &str) -> Result<Session, StoreError>;

    /// Whether a session called `name` exists. Reads no messages: cheap enough to test many
    /// names, as choosing a fresh default name does.
    fn exists(&self, name: &str) -> Result<bool, StoreError>;

    /// Summaries of every session, sorted by name. Reads no message content.
    fn list(&self) -> Result<Vec<SessionSummary>, StoreError>;

    /// The value of `session.metadata[key]` of every session that has one, with the session's
    /// name, sorted by name. Reads no message content: `import --from` finds the sessions it
    /// brought in before (under `imported_from`) this way, however many there are.
    fn metadata_values(&self, key: &str) -> Result<Vec<(String, Value)>, StoreError>;

    /// Appends messages to the session called `name` and applies `update` to it, in one
    /// transaction: a chat turn is recorded whole or not at all.
    fn append_messages(
        &mut self,
        name: &str,
        messages: &[Message],
        update: &SessionUpdate,
    ) -> Result<(), StoreError>;

    /// Stores `session` in place of the session of the same name, or adds it if there is none.
    fn replace(&mut self, session: &Session) -> Result<(), StoreError>;

    /// Stores every one of `sessions` in one transaction: each added ([`SessionStore::create`]),
    /// or with `overwrite` put in place of the session of its name ([`SessionStore::replace`]).
    /// If one cannot be stored, none is: a file holding many conversations (a ChatGPT export)
    /// is imported whole or not at all.
    fn store_all(&mut self, sessions: &[Session], overwrite: bool) -> Result<(), StoreError>;

    /// Gives the session called `old` the name `new`, in one transaction; nothing else about it
    /// changes (not its update time: a rename is not activity). Fails with
    /// [`StoreError::NotFound`] if there is no `old`, [`StoreError::AlreadyExists`] if `new` is
    /// taken by another session, [`StoreError::InvalidName`] if `new` breaks the naming rule.
    /// Renaming a session to its own name changes nothing and succeeds.
    fn rename(&mut self, old: &str, new: &str) -> Result<(), StoreError>;

    /// Deletes every session named (a name given twice is one name); if any name is unknown,
    /// deletes nothing.
    fn delete(&mut self, names: &[String]) -> Result<(), StoreError>;

    /// Messages and session names matching `query`, best first. Exact whether or not the
    /// index is up to date: every committed message can be found, no deleted one.
    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError>;

    /// Messages and token sums by provider, model and day (UTC), sorted by day, provider and
    /// model: see [`crate::usage`] for what counts where. This default reads every session whole;
    /// a database sums in place, reading no message text.
    fn usage(&self, query: &UsageQuery) -> Result<Vec<UsageBucket>, StoreError> {
        let mut sessions = Vec::new();
        for summary in self.list()? {
            if query.sessions.is_empty() || query.sessions.contains(&summary.name) {
                sessions.push(self.get(&summary.name)?);
            }
        }
        Ok(crate::usage::usage_of(&sessions, query))
    }

    /// Brings the store's search index up to date with every committed message. A store whose
    /// writes index as they go has nothing to do; one that indexes after the commit (the SQLite
    /// store) catches up here, so that searches are fast again.
    fn update_index(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// What changes about a session when messages are appended to it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUpdate {
    /// The session's new update time.
    pub updated_at: Timestamp,
    /// The provider and model the session moves to, when a chat switched them.
    pub provider_model: Option<(String, String)>,
    /// Custom metadata to store in place of the session's, when it changed.
    pub metadata: Option<Map<String, Value>>,
}

impl SessionUpdate {
    /// An update that only moves the update time.
    pub fn at(updated_at: Timestamp) -> SessionUpdate {
        SessionUpdate {
            updated_at,
            provider_model: None,
            metadata: None,
        }
    }
}

/// What to search for, and where.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// The words to find, as the user typed them. Every word must match; `"quoted words"` match
    /// as a phrase. Query syntax of the backend never leaks through: all text is literal.
    pub text: String,
    /// Only messages with this role.
    pub role: Option<Role>,
    /// Only sessions with this provider.
    pub provider: Option<String>,
    /// Only sessions with this model.
    pub model: Option<String>,
    /// Only messages written at or after this time (the session's update time for messages
    /// without one).
    pub since: Option<Timestamp>,
    /// At most this many hits.
    pub limit: usize,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The session's name.
    pub session: String,
    /// The session's provider.
    pub provider: String,
    /// The session's model.
    pub model: String,
    /// The matching message's position (from 0) and role; `None` when the session's name matched.
    pub message: Option<(u64, Role)>,
    /// When the message was written, if known.
    pub created_at: Option<Timestamp>,
    /// The text around the match, with each match between [`HIGHLIGHT_START`] and
    /// [`HIGHLIGHT_END`].
    pub snippet: String,
}

/// Marks the start of a match in [`SearchHit::snippet`] (a private-use character, which no
/// message is expected to contain).
pub const HIGHLIGHT_START: char = '\u{E000}';
/// Marks the end of a match in [`SearchHit::snippet`].
pub const HIGHLIGHT_END: char = '\u{E001}';

/// The longest session name, in bytes.
pub const MAX_SESSION_NAME: usize = 128;

/// A session name that breaks the rule `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid session name {}: {reason}; a name starts with a letter or digit, continues with letters, digits, '.', '_' or '-', and has at most 128 characters",
    Quoted(.name)
)]
pub struct InvalidSessionName {
    /// The refused name.
    pub name: String,
    /// What exactly is wrong with it.
    pub reason: &'static str,
}

/// Checks a session name against the rule. Names travel into file names, shell commands and
/// URLs, so the rule keeps them boring: no spaces, no slashes, no leading dot or dash.
pub fn validate_session_name(name: &str) -> Result<(), InvalidSessionName> {
    let refuse = |reason| {
        Err(InvalidSessionName {
            name: name.to_owned(),
            reason,
        })
    };
    let Some(first) = name.chars().next() else {
        return refuse("it is empty");
    };
    if !first.is_ascii_alphanumeric() {
        return refuse("it must start with a letter or digit");
    }
    if name.len() > MAX_SESSION_NAME {
        return refuse("it is longer than 128 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return refuse("it contains a character other than letters, digits, '.', '_' and '-'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for good in ["a", "0", "incident-42", "v1.2_final", &"x".repeat(128)] {
            assert_eq!(validate_session_name(good), Ok(()), "{good}");
        }
        for (bad, reason) in [
            ("", "empty"),
            ("-x", "start"),
            (".hidden", "start"),
            ("../x", "start"),
            ("a/b", "character"),
            ("a b", "character"),
            ("é", "start"),
            ("aé", "character"),
            (&"x".repeat(129), "longer"),
        ] {
            let error = validate_session_name(bad).expect_err(bad);
            assert!(error.reason.contains(reason), "{bad}: {}", error.reason);
            assert!(
                error.to_string().contains("at most 128"),
                "the message states the rule"
            );
        }
    }
}
