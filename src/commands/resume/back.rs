//! Coming back: the turns added in another tool to a session confab handed to it, appended to
//! the session it came from.
//!
//! `confab sessions import --from TOOL` finds every session file of the tool; those that
//! `confab resume` wrote are known by the session's `handoffs` record (the file's path, or for
//! a file that moved, its id). They are not imported as sessions of their own: each is read
//! with the tool's format, and the messages past `taken` (the count the file held when confab
//! wrote it, or when it last took turns back from it) are appended to the confab session in one
//! transaction that also moves `taken` on, so a file that grows again gives only its new turns
//! the next time, and an unchanged one gives nothing. What the tool adds of its own rather than
//! of the conversation (Codex's injected context) is left out ([`conversation`]).

use std::io::Write;

use confab_core::{Message, SessionStore, SessionUpdate};
use serde_json::Value;

use super::HANDOFFS;
use crate::error::CliError;
use crate::history::{Found, Tool};
use crate::output::{stderr, stdout};
use crate::project::Project;

/// A hand-off recorded in a session's metadata.
#[derive(Debug, Clone)]
struct Link {
    session: String,
    /// Its place in the session's `handoffs` list.
    index: usize,
    id: String,
    path: String,
    taken: usize,
}

/// What [`take_back`] did.
#[derive(Debug, Default)]
pub(crate) struct TakenBack {
    /// Hand-off files that held new turns (appended, or with `--dry-run` listed).
    pub(crate) grown: usize,
    /// Hand-off files without new turns.
    pub(crate) unchanged: usize,
}

/// Takes the files confab handed to `tool` out of `found`, and appends what was added to each
/// to its session (with `dry_run`, only says what it would append).
pub(crate) fn take_back(
    project: &Project,
    tool: Tool,
    found: &mut Vec<(Found, Option<String>)>,
    dry_run: bool,
) -> Result<TakenBack, CliError> {
    let mut done = TakenBack::default();
    let links = {
        let Some(store) = project.open_store_read_only()? else {
            return Ok(done);
        };
        links(&store, tool)?
    };
    if links.is_empty() {
        return Ok(done);
    }
    let mut returned = Vec::new();
    found.retain(|(file, _)| {
        let stem = file.path.file_stem().unwrap_or_default();
        match links
            .iter()
            .find(|link| link.path == file.path.as_str() || names_id(stem, &link.id))
        {
            Some(link) => {
                returned.push((file.clone(), link.clone()));
                false
            }
            None => true,
        }
    });
    if returned.is_empty() {
        return Ok(done);
    }
    let Some(decoder) = confab_core::format_by_name(tool.name()).and_then(|f| f.decoder()) else {
        return Ok(done);
    };
    let mut store = if dry_run {
        None
    } else {
        project.open_existing_store()?
    };
    let mut err = stderr();
    for (file, link) in returned {
        let messages = match std::fs::read(&file.path)
            .map_err(|error| error.to_string())
            .and_then(|bytes| {
                confab_core::read_checkpoint(file.path.as_str(), &bytes, decoder)
                    .map(|read| read.checkpoint.messages)
                    .map_err(|error| format!("{error:?}"))
            }) {
            Ok(messages) => messages,
            Err(reason) => {
                writeln!(
                    err,
                    "warning: could not read {}, handed off from {}: {}",
                    file.path,
                    crate::sanitize::sanitize(&link.session),
                    crate::sanitize::sanitize(&reason)
                )?;
                continue;
            }
        };
        if messages.len() < link.taken {
            writeln!(
                err,
                "warning: {} holds fewer messages than confab handed to {}; not taken back",
                file.path,
                tool.name()
            )?;
            continue;
        }
        let added = conversation(tool, &messages[link.taken..]);
        if added.is_empty() {
            done.unchanged += 1;
            continue;
        }
        done.grown += 1;
        let Some(store) = store.as_mut() else {
            writeln!(
                stdout(),
                "would add {} to {} from {}",
                crate::display::messages(added.len()),
                crate::sanitize::sanitize(&link.session),
                file.path
            )?;
            continue;
        };
        if !append(store, &link, &added, messages.len())? {
            continue;
        }
        writeln!(
            err,
            "Added {} to {} from {} (session {})",
            crate::display::messages(added.len()),
            crate::sanitize::sanitize(&link.session),
            tool.name(),
            link.id
        )?;
    }
    Ok(done)
}

/// What of the messages added in `tool` is conversation. Codex begins every turn it runs in a
/// session it did not start with its own context (the skills it offers as a developer message,
/// an `<environment_context>`, a `<model_switch>` notice when the model differs), which its
/// format reads as system messages: they are the tool's, not turns of the session, and would
/// be sent back to it with the rest on the next hand-off, so they are left out.
fn conversation(tool: Tool, added: &[Message]) -> Vec<Message> {
    added
        .iter()
        .filter(|message| !(tool == Tool::Codex && message.role == confab_core::Role::System))
        .cloned()
        .collect()
}

/// Whether a file named `stem` (without its extension) is the session `id`: Claude Code names
/// a file by the id alone, Codex ends `rollout-<time>-<id>` with it.
fn names_id(stem: &str, id: &str) -> bool {
    !id.is_empty()
        && stem
            .strip_suffix(id)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('-'))
}

/// Every hand-off to `tool` the sessions record.
fn links(store: &impl SessionStore, tool: Tool) -> Result<Vec<Link>, CliError> {
    let mut links = Vec::new();
    for (session, handoffs) in store.metadata_values(HANDOFFS)? {
        let Value::Array(handoffs) = handoffs else {
            continue;
        };
        for (index, entry) in handoffs.iter().enumerate() {
            let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_owned);
            if text("tool").as_deref() != Some(tool.name()) {
                continue;
            }
            let (Some(id), Some(path)) = (text("id"), text("path")) else {
                continue;
            };
            let taken = entry
                .get("taken")
                .and_then(Value::as_u64)
                .and_then(|taken| usize::try_from(taken).ok())
                .unwrap_or(0);
            links.push(Link {
                session: session.clone(),
                index,
                id,
                path,
                taken,
            });
        }
    }
    Ok(links)
}

/// Appends `added` to the linked session and moves its `taken` to `now_taken`, in one
/// transaction; `false` when the session's record shows another import took them meanwhile.
fn append(
    store: &mut impl SessionStore,
    link: &Link,
    added: &[Message],
    now_taken: usize,
) -> Result<bool, CliError> {
    let session = store.get(&link.session)?;
    let mut metadata = session.metadata.clone().unwrap_or_default();
    let taken_now = metadata
        .get(HANDOFFS)
        .and_then(|handoffs| handoffs.get(link.index))
        .and_then(|entry| entry.get("taken"))
        .and_then(Value::as_u64);
    if taken_now != u64::try_from(link.taken).ok() {
        // Another import took these turns back since this one looked.
        return Ok(false);
    }
    if let Some(Value::Object(entry)) = metadata
        .get_mut(HANDOFFS)
        .and_then(Value::as_array_mut)
        .and_then(|handoffs| handoffs.get_mut(link.index))
    {
        entry.insert("taken".into(), Value::from(now_taken));
        entry.insert(
            "returned_at".into(),
            Value::from(jiff::Timestamp::now().to_string()),
        );
    }
    let latest = added
        .iter()
        .filter_map(|message| message.created_at)
        .max()
        .unwrap_or_else(jiff::Timestamp::now);
    let update = SessionUpdate {
        updated_at: latest.max(session.updated_at),
        provider_model: None,
        metadata: Some(metadata),
        by: None,
        expected_messages: None,
    };
    store.append_messages(&link.session, added, &update)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use camino::Utf8PathBuf;
    use confab_core::{Role, Session};
    use confab_store_sqlite::SqliteStore;
    use serde_json::json;

    use super::*;

    fn store_with_handoff(taken: u64) -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = Utf8PathBuf::from_path_buf(dir.path().join("sessions.db")).expect("utf-8");
        let mut store = SqliteStore::open(&path).expect("store");
        let now = jiff::Timestamp::now();
        let mut metadata = serde_json::Map::new();
        metadata.insert(
            HANDOFFS.into(),
            json!([{"tool": "claude-code", "id": "x", "path": "/p/x.jsonl", "taken": taken}]),
        );
        store
            .create(&Session {
                name: "s".into(),
                provider: "openai".into(),
                model: "m".into(),
                skill: None,
                project_path: None,
                created_at: now,
                updated_at: now,
                imported_at: None,
                created_by: None,
                updated_by: None,
                metadata: Some(metadata),
                context: None,
                messages: vec![Message::new(Role::User, "hi")],
            })
            .expect("created");
        (dir, store)
    }

    #[test]
    fn the_context_codex_injects_does_not_come_back_as_turns() {
        let added = [
            Message::new(Role::System, "<environment_context>..."),
            Message::new(Role::User, "next"),
            Message::new(Role::Assistant, "answer"),
        ];
        let roles = |messages: Vec<Message>| messages.iter().map(|m| m.role).collect::<Vec<_>>();
        assert_eq!(
            roles(conversation(Tool::Codex, &added)),
            [Role::User, Role::Assistant]
        );
        assert_eq!(roles(conversation(Tool::ClaudeCode, &added)).len(), 3);
    }

    #[test]
    fn a_moved_file_is_known_by_the_id_its_name_ends_with() {
        let id = "0d1c8e0a-3b7e-4f5a-9c2d-6e8f1a2b3c4d";
        assert!(names_id(id, id));
        assert!(names_id(&format!("rollout-2026-12-07T18-20-00-{id}"), id));
        assert!(!names_id(&format!("rollout-2026-12-07T18-20-00-x{id}"), id));
        assert!(!names_id("rollout-2026-12-07T18-20-00-other", id));
        assert!(!names_id("anything", ""));
    }

    #[test]
    fn turns_another_import_took_back_meanwhile_are_not_appended_twice() {
        let (_dir, mut store) = store_with_handoff(3);
        let link = Link {
            session: "s".into(),
            index: 0,
            id: "x".into(),
            path: "/p/x.jsonl".into(),
            taken: 2,
        };
        let added = [Message::new(Role::User, "again")];
        assert!(!append(&mut store, &link, &added, 3).expect("no error"));
        assert_eq!(store.get("s").expect("session").messages.len(), 1);

        let link = Link { taken: 3, ..link };
        assert!(append(&mut store, &link, &added, 4).expect("appended"));
        let session = store.get("s").expect("session");
        assert_eq!(session.messages.len(), 2);
        assert_eq!(
            session.metadata.expect("metadata")[HANDOFFS][0]["taken"],
            json!(4)
        );
    }
}
