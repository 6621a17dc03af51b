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
    /// Nothing in the trash answers to what was asked for.
    #[error("no session {pick} in the trash")]
    NotInTrash {
        /// What was asked for: a name (the newest entry of that name) or an entry's id.
        pick: TrashPick,
    },
    /// A value cannot be stored (a timestamp out of range, say).
    #[error("{0}")]
    Unstorable(String),
    /// An append expected the session to hold `expected` messages, and it held `found`: someone
    /// else added to it since the caller read it. Nothing was appended.
    #[error(
        "session {} changed meanwhile: expected {expected} messages, found {found}",
        Quoted(.name)
    )]
    Conflict {
        /// The session.
        name: String,
        /// The message count the append was based on.
        expected: u64,
        /// The message count the store held.
        found: u64,
    },
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
    /// transaction: a chat turn is recorded whole or not at all. With
    /// [`SessionUpdate::expected_messages`], the session's message count is checked in that same
    /// transaction, and a session that holds another count is left as it is
    /// ([`StoreError::Conflict`]): two people chatting in one shared session cannot interleave
    /// their turns unknowingly, whatever processes they run.
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

    /// Moves every session named to the trash (a name given twice is one name), as removed
    /// now, for [`TrashReason::Deleted`]; if any name is unknown, moves nothing. A trashed
    /// session is gone from `get`, `list` and `search`, and its name is free again.
    fn trash(&mut self, names: &[String], trashed_at: Timestamp) -> Result<(), StoreError>;

    /// Removes the sessions `rule` selects, to the trash ([`TrashReason::Cleaned`]) or for
    /// good, and returns them, sorted by name. Choosing and removing are one transaction: a
    /// session chatted in since anyone looked is judged by its new activity.
    fn clean(
        &mut self,
        rule: &CleanRule,
        disposal: Disposal,
    ) -> Result<Vec<SessionSummary>, StoreError>;

    /// What the trash holds, oldest first. Reads no message content.
    fn trash_list(&self) -> Result<Vec<TrashEntry>, StoreError>;

    /// Puts sessions back from the trash, all or none, in one transaction: a name asked for
    /// twice, a pick with nothing in the trash ([`StoreError::NotInTrash`]) or a live session
    /// of the name to restore to ([`StoreError::AlreadyExists`]) restores nothing.
    fn restore(&mut self, requests: &[RestoreRequest]) -> Result<Vec<Restored>, StoreError>;

    /// Deletes for good the trash entries trashed before `trashed_before` (every entry with
    /// `None`) and returns them; nothing of them stays readable in the store's files.
    fn purge_trash(
        &mut self,
        trashed_before: Option<Timestamp>,
    ) -> Result<Vec<TrashEntry>, StoreError>;

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
    /// Who is appending: becomes the session's [`Session::updated_by`]; `None` leaves it as it
    /// was.
    pub by: Option<String>,
    /// The message count the caller based the new messages on (the count it read). When set and
    /// the session holds another count at the moment of the append, nothing is appended and the
    /// store answers [`StoreError::Conflict`]; `None` appends whatever the count.
    pub expected_messages: Option<u64>,
}

impl SessionUpdate {
    /// An update that only moves the update time: no author, no check of the message count.
    pub fn at(updated_at: Timestamp) -> SessionUpdate {
        SessionUpdate {
            updated_at,
            provider_model: None,
            metadata: None,
            by: None,
            expected_messages: None,
        }
    }

    /// Applies this update to `session`'s own fields (not its messages): what an append with it
    /// changes besides adding the messages. Stores that keep a session as a document, and
    /// callers that predict what an append leaves, share this one definition.
    pub fn apply_to(&self, session: &mut Session) {
        session.updated_at = self.updated_at;
        if let Some((provider, model)) = &self.provider_model {
            session.provider.clone_from(provider);
            session.model.clone_from(model);
        }
        if let Some(metadata) = &self.metadata {
            session.metadata = Some(metadata.clone());
        }
        if let Some(by) = &self.by {
            session.updated_by = Some(by.clone());
        }
    }

    /// The conflict to report when the session `name` holds `found` messages, if this update
    /// expected another count. Every store checks with this, inside its append transaction.
    pub fn conflict(&self, name: &str, found: u64) -> Option<StoreError> {
        self.expected_messages
            .filter(|&expected| expected != found)
            .map(|expected| StoreError::Conflict {
                name: name.to_owned(),
                expected,
                found,
            })
    }
}

/// Which sessions a clean removes: those inactive since before `inactive_before` (every
/// session with `None`) that are not among the `keep` most recently active, and, with `only`,
/// are named there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CleanRule {
    /// Sessions whose [last activity](SessionSummary::last_activity) is earlier go.
    pub inactive_before: Option<Timestamp>,
    /// This many of the most recently active sessions stay, whatever their age.
    pub keep: usize,
    /// When set, no session outside these goes: the ones a person was shown and agreed to
    /// remove. A session that became stale after the question stays; one that became active
    /// stays too, since the rule no longer selects it.
    pub only: Option<std::collections::BTreeSet<String>>,
}

impl CleanRule {
    /// The sessions of `sessions` this rule removes, sorted by name. Every store chooses with
    /// this, so that a dry run and the clean itself agree.
    pub fn select(&self, mut sessions: Vec<SessionSummary>) -> Vec<SessionSummary> {
        // Newest first; equal times by name, so which one is kept does not depend on the store.
        sessions.sort_by(|a, b| {
            b.last_activity()
                .cmp(&a.last_activity())
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut stale: Vec<SessionSummary> = sessions
            .into_iter()
            .skip(self.keep)
            .filter(|session| {
                self.inactive_before
                    .is_none_or(|before| session.last_activity() < before)
            })
            .filter(|session| {
                self.only
                    .as_ref()
                    .is_none_or(|only| only.contains(&session.name))
            })
            .collect();
        stale.sort_by(|a, b| a.name.cmp(&b.name));
        stale
    }
}

/// What happens to the sessions a clean removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposal {
    /// They go to the trash, as removed at this time, and can be restored.
    Trash {
        /// When they were removed.
        trashed_at: Timestamp,
    },
    /// They are deleted for good.
    Purge,
}

/// Why a session is in the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrashReason {
    /// `delete` removed it by name.
    Deleted,
    /// `clean` removed it as inactive.
    Cleaned,
}

impl TrashReason {
    /// `deleted` or `cleaned`, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            TrashReason::Deleted => "deleted",
            TrashReason::Cleaned => "cleaned",
        }
    }

    /// The reason `as_str` spells `text`.
    pub fn parse(text: &str) -> Option<TrashReason> {
        match text {
            "deleted" => Some(TrashReason::Deleted),
            "cleaned" => Some(TrashReason::Cleaned),
            _ => None,
        }
    }
}

/// One session in the trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrashEntry {
    /// The entry's id, unique in the store and never given again: the same name may be in the
    /// trash more than once.
    pub id: i64,
    /// The session's name when it was removed.
    pub name: String,
    /// When it was removed.
    pub trashed_at: Timestamp,
    /// Why.
    pub reason: TrashReason,
    /// Its messages.
    pub message_count: u64,
    /// The bytes it takes in the trash.
    pub size: u64,
    /// Its last activity before it was removed.
    pub last_active_at: Timestamp,
}

/// Which trash entry to restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrashPick {
    /// The newest entry of this name.
    Newest(String),
    /// The entry with this id.
    Id(i64),
}

impl std::fmt::Display for TrashPick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrashPick::Newest(name) => write!(f, "named {}", Quoted(name)),
            TrashPick::Id(id) => write!(f, "with id {id}"),
        }
    }
}

/// One session to restore from the trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreRequest {
    /// Which entry.
    pub pick: TrashPick,
    /// The name to restore it under; its own name with `None`.
    pub rename: Option<String>,
}

/// A session put back from the trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The entry it was.
    pub entry: TrashEntry,
    /// The name it has now.
    pub name: String,
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

    fn summary(name: &str, active: &str) -> SessionSummary {
        let time: Timestamp = active.parse().expect("timestamp");
        SessionSummary {
            name: name.to_owned(),
            provider: "p".into(),
            model: "m".into(),
            created_at: time,
            updated_at: time,
            imported_at: None,
            created_by: None,
            updated_by: None,
            message_count: 1,
        }
    }

    #[test]
    fn clean_rules_remove_the_old_beyond_the_newest_kept() {
        let sessions = vec![
            summary("c", "2026-01-03T00:00:00Z"),
            summary("a", "2026-01-01T00:00:00Z"),
            summary("b", "2026-01-02T00:00:00Z"),
            summary("d", "2026-01-02T00:00:00Z"),
        ];
        let names = |rule: CleanRule| -> Vec<String> {
            rule.select(sessions.clone())
                .into_iter()
                .map(|session| session.name)
                .collect()
        };
        let cutoff = Some("2026-01-02T12:00:00Z".parse().expect("timestamp"));
        assert_eq!(
            names(CleanRule {
                inactive_before: cutoff,
                keep: 0,
                only: None,
            }),
            ["a", "b", "d"]
        );
        // The two newest are c and b (b before d when equally recent): kept whatever their age.
        assert_eq!(
            names(CleanRule {
                inactive_before: cutoff,
                keep: 2,
                only: None,
            }),
            ["a", "d"]
        );
        assert_eq!(
            names(CleanRule {
                inactive_before: None,
                keep: 3,
                only: None,
            }),
            ["a"]
        );
        assert!(
            names(CleanRule {
                inactive_before: None,
                keep: 9,
                only: None,
            })
            .is_empty()
        );
        assert_eq!(names(CleanRule::default()).len(), 4);
        // Confirmed names bound the clean: `c` is old enough now, but nobody agreed to it.
        assert_eq!(
            names(CleanRule {
                inactive_before: None,
                keep: 0,
                only: Some(["a".to_owned(), "c".to_owned(), "gone".to_owned()].into()),
            }),
            ["a", "c"]
        );
        assert_eq!(
            names(CleanRule {
                inactive_before: cutoff,
                keep: 0,
                only: Some(["a".to_owned(), "c".to_owned()].into()),
            }),
            ["a"],
            "a confirmed session that became active stays"
        );
    }

    #[test]
    fn an_update_conflicts_only_with_another_expected_count() {
        let time = Timestamp::UNIX_EPOCH;
        assert!(SessionUpdate::at(time).conflict("x", 6).is_none());
        let update = SessionUpdate {
            expected_messages: Some(4),
            ..SessionUpdate::at(time)
        };
        assert!(update.conflict("x", 4).is_none());
        let conflict = update.conflict("x", 6).expect("a conflict");
        assert!(matches!(
            conflict,
            StoreError::Conflict { ref name, expected: 4, found: 6 } if name == "x"
        ));
        assert_eq!(
            conflict.to_string(),
            "session \"x\" changed meanwhile: expected 4 messages, found 6"
        );
    }

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
