//! Helpers for tests of programs that use the store (feature `test-support`): the few things a
//! test needs to see or do in a store file that the [`SessionStore`](confab_core::SessionStore)
//! API does not offer, so that the SQL stays in this crate.

use camino::Utf8Path;
use rusqlite::{Connection, params};

use crate::rows::backend;
use confab_core::StoreError;

fn open(path: &Utf8Path) -> Result<Connection, StoreError> {
    Connection::open(path).map_err(|error| backend(format!("cannot open {path}"), error))
}

/// What SQLite's `PRAGMA integrity_check` says: `"ok"` for a sound file.
pub fn integrity_check(path: &Utf8Path) -> Result<String, StoreError> {
    open(path)?
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(|error| backend("cannot check the store", error))
}

/// One session's message count as recorded on the session, and as counted in `messages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageCounts {
    /// The session's name.
    pub name: String,
    /// `sessions.message_count`.
    pub recorded: i64,
    /// The rows of `messages` that belong to the session.
    pub stored: i64,
}

/// [`MessageCounts`] of every session, by name.
pub fn message_counts(path: &Utf8Path) -> Result<Vec<MessageCounts>, StoreError> {
    let connection = open(path)?;
    let mut statement = connection
        .prepare(
            "SELECT name, message_count,
                    (SELECT count(*) FROM messages WHERE session_id = sessions.id)
             FROM sessions ORDER BY name",
        )
        .map_err(|error| backend("cannot count messages", error))?;
    let rows = statement
        .query_map([], |row| {
            Ok(MessageCounts {
                name: row.get(0)?,
                recorded: row.get(1)?,
                stored: row.get(2)?,
            })
        })
        .map_err(|error| backend("cannot count messages", error))?;
    rows.collect::<Result<_, _>>()
        .map_err(|error| backend("cannot count messages", error))
}

/// Every message row in the store.
pub fn total_messages(path: &Utf8Path) -> Result<i64, StoreError> {
    open(path)?
        .query_row("SELECT count(*) FROM messages", [], |row| row.get(0))
        .map_err(|error| backend("cannot count messages", error))
}

/// Moves a session's last update and import back by `seconds`, as if time had passed. Returns
/// whether the session exists.
pub fn age_session(path: &Utf8Path, name: &str, seconds: i64) -> Result<bool, StoreError> {
    let changed = open(path)?
        .execute(
            "UPDATE sessions SET updated_at = unixepoch() - ?2, imported_at = unixepoch() - ?2
             WHERE name = ?1",
            params![name, seconds],
        )
        .map_err(|error| backend("cannot age the session", error))?;
    Ok(changed == 1)
}

/// Deletes every message of session `name`, leaving an empty session (as a chat that never got a
/// message is). Returns whether the session exists.
pub fn empty_session(path: &Utf8Path, name: &str) -> Result<bool, StoreError> {
    let mut connection = open(path)?;
    let transaction = connection
        .transaction()
        .map_err(|error| backend("cannot start a write", error))?;
    transaction
        .execute(
            "DELETE FROM messages WHERE session_id = (SELECT id FROM sessions WHERE name = ?1)",
            [name],
        )
        .map_err(|error| backend("cannot empty the session", error))?;
    let changed = transaction
        .execute(
            "UPDATE sessions SET message_count = 0 WHERE name = ?1",
            [name],
        )
        .map_err(|error| backend("cannot empty the session", error))?;
    transaction
        .commit()
        .map_err(|error| backend("cannot commit", error))?;
    Ok(changed == 1)
}

/// Moves the time every trash entry of `name` was trashed back by `seconds`, as if time had
/// passed. Returns how many entries there are.
pub fn age_trash(path: &Utf8Path, name: &str, seconds: i64) -> Result<usize, StoreError> {
    open(path)?
        .execute(
            "UPDATE trash SET trashed_at = trashed_at - ?2 WHERE name = ?1",
            params![name, seconds],
        )
        .map_err(|error| backend("cannot age the trash", error))
}
