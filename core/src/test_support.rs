//! Small checkpoints for unit tests.

use crate::checkpoint::{CURRENT_VERSION, Checkpoint, Message, Role, SessionInfo};

/// A minimal valid checkpoint with one user message.
pub(crate) fn checkpoint() -> Checkpoint {
    Checkpoint {
        version: CURRENT_VERSION.to_owned(),
        exported_at: None,
        exported_by: None,
        session: SessionInfo {
            name: "test".to_owned(),
            provider: "anthropic".to_owned(),
            model: "claude".to_owned(),
            skill: None,
            project_path: None,
            created_at: None,
            updated_at: None,
            created_by: None,
            updated_by: None,
            metadata: None,
        },
        messages: vec![Message::new(Role::User, "hello")],
        context: None,
        statistics: None,
    }
}

/// A stored session named `name`, made from [`checkpoint`].
pub(crate) fn session(name: &str) -> crate::session::Session {
    let mut checkpoint = checkpoint();
    checkpoint.session.name = name.to_owned();
    crate::session::Session::from_checkpoint(checkpoint, jiff::Timestamp::UNIX_EPOCH)
}
