//! A session as a store keeps it, and its conversions to and from checkpoints.
//!
//! A [`Checkpoint`] is a snapshot in transit: it carries who exported it and when, and statistics
//! that can be recomputed. A [`Session`] is what a store owns: the same identity, context and
//! messages, plus when it was imported. Stores hold sessions; files hold checkpoints.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::checkpoint::{CURRENT_VERSION, Checkpoint, Context, Message, SessionInfo, Statistics};

/// A whole session, as a store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Unique name within the store (see [`crate::validate_session_name`]).
    pub name: String,
    /// The AI provider.
    pub provider: String,
    /// The model.
    pub model: String,
    /// The Atmos skill, if any.
    pub skill: Option<String>,
    /// The project directory the session belonged to.
    pub project_path: Option<String>,
    /// When the session was created.
    pub created_at: Timestamp,
    /// When the session last changed.
    pub updated_at: Timestamp,
    /// When the session was imported into this store, if it was.
    pub imported_at: Option<Timestamp>,
    /// Who created the session, if known: in a team's shared store, whose it is.
    pub created_by: Option<String>,
    /// Who last added to the session, if known.
    pub updated_by: Option<String>,
    /// Free-form custom metadata.
    pub metadata: Option<Map<String, Value>>,
    /// The project context the session ran in.
    pub context: Option<Context>,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
}

/// What a listing shows of a session; never its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// Unique name.
    pub name: String,
    /// The AI provider.
    pub provider: String,
    /// The model.
    pub model: String,
    /// When the session was created.
    pub created_at: Timestamp,
    /// When the session last changed.
    pub updated_at: Timestamp,
    /// When it was imported into this store, if it was.
    pub imported_at: Option<Timestamp>,
    /// Who created the session, if known.
    pub created_by: Option<String>,
    /// Who last added to the session, if known.
    pub updated_by: Option<String>,
    /// Number of messages.
    pub message_count: u64,
}

impl SessionSummary {
    /// Whether `person` created the session or changed it last: whose session it is, on a
    /// team's shared store.
    pub fn is_by(&self, person: &str) -> bool {
        [&self.created_by, &self.updated_by]
            .into_iter()
            .any(|by| by.as_deref() == Some(person))
    }

    /// The session's last activity in this store: the later of its last update and its import.
    pub fn last_activity(&self) -> Timestamp {
        self.imported_at
            .map_or(self.updated_at, |imported| imported.max(self.updated_at))
    }
}

/// How a session is turned into a checkpoint, from `export`'s flags.
#[derive(Debug, Clone, Default)]
pub struct ExportSettings {
    /// Export metadata (`exported_at`, `exported_by`) and the session's custom metadata; `None`
    /// leaves both out (`--metadata=false`).
    pub metadata: Option<ExportMetadata>,
    /// The project context to include (`--context`); `None` leaves it out.
    pub context: Option<Context>,
}

/// When and by whom a checkpoint was exported.
#[derive(Debug, Clone)]
pub struct ExportMetadata {
    /// The export time.
    pub exported_at: Timestamp,
    /// The exporting user's name.
    pub exported_by: String,
}

impl Session {
    /// A session from an imported checkpoint. Missing session times are taken from the messages,
    /// else from `imported_at`, so that a stored session always has both.
    pub fn from_checkpoint(checkpoint: Checkpoint, imported_at: Timestamp) -> Session {
        let message_times = || {
            checkpoint
                .messages
                .iter()
                .filter_map(|message| message.created_at)
        };
        let created_at = checkpoint
            .session
            .created_at
            .or_else(|| message_times().min())
            .unwrap_or(imported_at);
        let updated_at = checkpoint
            .session
            .updated_at
            .or_else(|| message_times().max())
            .unwrap_or(created_at);
        Session {
            name: checkpoint.session.name,
            provider: checkpoint.session.provider,
            model: checkpoint.session.model,
            skill: checkpoint.session.skill,
            project_path: checkpoint.session.project_path,
            created_at,
            updated_at,
            imported_at: Some(imported_at),
            created_by: checkpoint.session.created_by,
            updated_by: checkpoint.session.updated_by,
            metadata: checkpoint.session.metadata,
            context: checkpoint.context.filter(|context| !context.is_empty()),
            messages: checkpoint.messages,
        }
    }

    /// The checkpoint `export` writes for this session. Consumes the session: a long
    /// conversation is moved into the checkpoint, not copied.
    pub fn into_checkpoint(self, settings: &ExportSettings) -> Checkpoint {
        // Who created and changed the session are names of people, like `exported_by`: they
        // travel with the export metadata and stay behind without it.
        let (exported_at, exported_by, metadata, created_by, updated_by) = match &settings.metadata
        {
            Some(export) => (
                Some(export.exported_at),
                Some(export.exported_by.clone()),
                self.metadata,
                self.created_by,
                self.updated_by,
            ),
            None => (None, None, None, None, None),
        };
        let statistics = Some(Statistics::of(&self.messages));
        Checkpoint {
            version: CURRENT_VERSION.to_owned(),
            exported_at,
            exported_by,
            session: SessionInfo {
                name: self.name,
                provider: self.provider,
                model: self.model,
                skill: self.skill,
                project_path: self.project_path,
                created_at: Some(self.created_at),
                updated_at: Some(self.updated_at),
                created_by,
                updated_by,
                metadata,
            },
            messages: self.messages,
            context: settings
                .context
                .clone()
                .filter(|context| !context.is_empty()),
            statistics,
        }
    }

    /// What a listing shows of this session.
    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            name: self.name.clone(),
            provider: self.provider.clone(),
            model: self.model.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            imported_at: self.imported_at,
            created_by: self.created_by.clone(),
            updated_by: self.updated_by.clone(),
            message_count: self.messages.len() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{Message, Role};

    fn at(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn missing_session_times_come_from_the_messages_then_the_import() {
        let mut checkpoint = crate::test_support::checkpoint();
        let mut late = Message::new(Role::Assistant, "b");
        late.created_at = Some(at("2025-01-02T00:00:00Z"));
        let mut early = Message::new(Role::User, "a");
        early.created_at = Some(at("2025-01-01T00:00:00Z"));
        checkpoint.messages = vec![early, late];
        let imported = at("2026-01-01T00:00:00Z");
        let session = Session::from_checkpoint(checkpoint.clone(), imported);
        assert_eq!(session.created_at, at("2025-01-01T00:00:00Z"));
        assert_eq!(session.updated_at, at("2025-01-02T00:00:00Z"));
        for message in &mut checkpoint.messages {
            message.created_at = None;
        }
        let session = Session::from_checkpoint(checkpoint, imported);
        assert_eq!(
            (session.created_at, session.updated_at),
            (imported, imported)
        );
    }

    #[test]
    fn export_settings_decide_metadata_and_context() {
        let mut checkpoint = crate::test_support::checkpoint();
        checkpoint.session.metadata = Some(Map::from_iter([("k".to_owned(), Value::from(1))]));
        let session = Session::from_checkpoint(checkpoint, at("2026-01-01T00:00:00Z"));
        let bare = session.clone().into_checkpoint(&ExportSettings::default());
        assert_eq!(
            (bare.exported_at, bare.session.metadata.as_ref()),
            (None, None)
        );
        assert_eq!(bare.statistics.map(|s| s.message_count), Some(1));
        let full = session.into_checkpoint(&ExportSettings {
            metadata: Some(ExportMetadata {
                exported_at: at("2026-02-01T00:00:00Z"),
                exported_by: "dana".to_owned(),
            }),
            context: Some(Context {
                working_directory: Some("/srv".to_owned()),
                ..Context::default()
            }),
        });
        assert_eq!(full.exported_by.as_deref(), Some("dana"));
        assert!(full.session.metadata.is_some());
        assert_eq!(
            full.context.and_then(|c| c.working_directory).as_deref(),
            Some("/srv")
        );
    }

    #[test]
    fn who_created_and_changed_a_session_travels_with_the_export_metadata() {
        let mut checkpoint = crate::test_support::checkpoint();
        checkpoint.session.created_by = Some("ana".to_owned());
        checkpoint.session.updated_by = Some("bo".to_owned());
        let session = Session::from_checkpoint(checkpoint, at("2026-01-01T00:00:00Z"));
        assert_eq!(
            (session.created_by.as_deref(), session.updated_by.as_deref()),
            (Some("ana"), Some("bo"))
        );
        let summary = session.summary();
        assert_eq!(
            (summary.created_by.as_deref(), summary.updated_by.as_deref()),
            (Some("ana"), Some("bo"))
        );
        let bare = session.clone().into_checkpoint(&ExportSettings::default());
        assert_eq!(
            (bare.session.created_by, bare.session.updated_by),
            (None, None)
        );
        let full = session.into_checkpoint(&ExportSettings {
            metadata: Some(ExportMetadata {
                exported_at: at("2026-02-01T00:00:00Z"),
                exported_by: "dana".to_owned(),
            }),
            context: None,
        });
        assert_eq!(
            (
                full.session.created_by.as_deref(),
                full.session.updated_by.as_deref()
            ),
            (Some("ana"), Some("bo"))
        );
    }

    #[test]
    fn last_activity_is_the_later_of_update_and_import() {
        let mut summary = crate::test_support::session("s").summary();
        summary.updated_at = at("2025-01-01T00:00:00Z");
        summary.imported_at = None;
        assert_eq!(summary.last_activity(), at("2025-01-01T00:00:00Z"));
        summary.imported_at = Some(at("2025-06-01T00:00:00Z"));
        assert_eq!(summary.last_activity(), at("2025-06-01T00:00:00Z"));
    }
}
