//! `confab sessions fork NAME NEW [--at N]`: a new session that starts as a copy of another, to
//! try a different turn without losing the first.
//!
//! The fork holds messages 1 to N of NAME (numbered from 1, as `sessions show` numbers them; all
//! of them without `--at`), with the same provider, model, skill, project context and custom
//! metadata. It is a session of its own from then on: it is created now (its `created_at` and
//! `updated_at`), it was never imported, its message count is that of the copy, and chatting in
//! it appends to it alone. It is stored in one transaction, like any new session.
//!
//! Its metadata says where it came from, `forked_from: {"session": NAME, "at": N}`, and drops
//! the original's `imported_from`: that record is how `import --from` finds the session a file
//! became, and two sessions claiming the same file would make the next import update the fork in
//! place of the original (or refuse to update either). The fork is a copy made here; the
//! original stays the one its source file updates.

use std::io::Write;

use clap::Args;
use confab_core::{Quoted, Session, SessionStore, StoreError, validate_session_name};
use serde_json::json;

use crate::commands::sessions::import::IMPORTED_FROM;
use crate::commands::sessions::{existing_names, not_found};
use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;

/// The metadata key recording which session, up to which message, a fork copies.
pub(crate) const FORKED_FROM: &str = "forked_from";

/// Arguments of `confab sessions fork`.
#[derive(Debug, Args)]
pub(crate) struct ForkArgs {
    /// The session to copy.
    name: String,

    /// The new session's name.
    new: String,

    /// Copy messages 1 to N only, numbered as `confab sessions show` numbers them [default: all
    /// of them].
    #[arg(long, value_name = "N")]
    at: Option<usize>,
}

pub(crate) fn run(args: &ForkArgs) -> Result<(), CliError> {
    validate_session_name(&args.new)
        .map_err(|error| CliError::usage(&error).hint("choose a NEW name that follows the rule"))?;
    if args.at == Some(0) {
        return Err(
            CliError::usage("--at 0 would copy no message: messages are numbered from 1")
                .hint(format!("`confab sessions show {}` numbers them", args.name)),
        );
    }
    let project = Project::discover()?;
    let Some(mut store) = project.open_existing_store()? else {
        return Err(not_found(&args.name, &[]));
    };
    let original = store.get(&args.name).map_err(|error| match error {
        StoreError::NotFound { name } => not_found(&name, &existing_names(&store)),
        other => other.into(),
    })?;
    let total = original.messages.len();
    if let Some(at) = args.at.filter(|at| *at > total) {
        return Err(CliError::usage(format!(
            "--at {at} is past the end: {} has {}",
            args.name,
            crate::display::messages(total)
        ))
        .hint(format!(
            "`confab sessions show {}` numbers its messages",
            args.name
        )));
    }
    let mut fork = forked(original, &args.new, args.at, jiff::Timestamp::now());
    // A fork is a session of its own, and whoever forked it made it.
    fork.created_by = Some(project.user_name().to_owned());
    fork.updated_by.clone_from(&fork.created_by);
    store.create(&fork).map_err(|error| match error {
        StoreError::AlreadyExists { name } => {
            CliError::failure(format!("a session named {} already exists", Quoted(&name)))
                .hint("choose another name for the fork")
        }
        other => other.into(),
    })?;
    let mut err = stderr();
    writeln!(
        err,
        "Forked {} into {} ({})",
        args.name,
        args.new,
        crate::display::messages(fork.messages.len())
    )?;
    crate::commands::chat::write_resume_hint(&mut err, &project, &fork)?;
    Ok(())
}

/// `original` as a new session called `name`, made `now`, holding its first `at` messages (all
/// when `None`).
fn forked(original: Session, name: &str, at: Option<usize>, now: jiff::Timestamp) -> Session {
    let mut messages = original.messages;
    let at = at.unwrap_or(messages.len()).min(messages.len());
    messages.truncate(at);
    let mut metadata = original.metadata.unwrap_or_default();
    metadata.remove(IMPORTED_FROM);
    metadata.insert(
        FORKED_FROM.to_owned(),
        json!({"session": original.name, "at": at}),
    );
    Session {
        name: name.to_owned(),
        provider: original.provider,
        model: original.model,
        skill: original.skill,
        project_path: original.project_path,
        created_at: now,
        updated_at: now,
        imported_at: None,
        created_by: None,
        updated_by: None,
        metadata: Some(metadata),
        context: original.context,
        messages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_core::{Message, Role};

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn a_fork_copies_the_first_messages_and_records_its_origin() {
        let mut metadata = serde_json::Map::new();
        metadata.insert("ticket".into(), json!("OPS-1"));
        metadata.insert(IMPORTED_FROM.into(), json!({"tool": "codex", "path": "/x"}));
        let original = Session {
            name: "incident".into(),
            provider: "openai".into(),
            model: "gpt-4o".into(),
            skill: Some("sre".into()),
            project_path: Some("/srv".into()),
            created_at: at("2025-01-01T00:00:00Z"),
            updated_at: at("2025-01-02T00:00:00Z"),
            imported_at: Some(at("2025-01-03T00:00:00Z")),
            created_by: None,
            updated_by: None,
            metadata: Some(metadata),
            context: None,
            messages: vec![
                Message::new(Role::User, "one"),
                Message::new(Role::Assistant, "two"),
                Message::new(Role::User, "three"),
            ],
        };
        let now = at("2026-06-01T12:00:00Z");
        let fork = forked(original.clone(), "retry", Some(2), now);
        assert_eq!(fork.name, "retry");
        assert_eq!(fork.messages, original.messages[..2]);
        assert_eq!((fork.created_at, fork.updated_at), (now, now));
        assert_eq!(fork.imported_at, None);
        assert_eq!(
            (fork.provider.as_str(), fork.model.as_str(), fork.skill),
            ("openai", "gpt-4o", Some("sre".to_owned()))
        );
        let metadata = fork.metadata.expect("metadata");
        assert_eq!(metadata["ticket"], "OPS-1", "custom metadata comes along");
        assert!(!metadata.contains_key(IMPORTED_FROM), "{metadata:?}");
        assert_eq!(
            metadata[FORKED_FROM],
            json!({"session": "incident", "at": 2})
        );

        let whole = forked(original, "copy", None, now);
        assert_eq!(whole.messages.len(), 3);
        assert_eq!(
            whole.metadata.expect("metadata")[FORKED_FROM]["at"],
            3,
            "without --at, every message"
        );
    }
}
