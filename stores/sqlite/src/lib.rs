//! The embedded session store: one SQLite database per project, at `.confab/sessions.db`.
//!
//! SQLite is compiled into the binary (rusqlite's `bundled` feature), so a store needs no server
//! and no system library, and a project's sessions are one file that can be backed up or deleted.
//!
//! Concurrency is normal: an editor plugin may chat while a shell imports. The database runs in
//! WAL mode (readers never block the writer), every write is one `BEGIN IMMEDIATE` transaction
//! (the write lock is taken up front, so two writers queue instead of deadlocking on a lock
//! upgrade), and a busy timeout makes a writer wait its turn rather than fail with "database is
//! locked".
//!
//! `list` reads only the `sessions` table: each session keeps its `message_count`, updated in the
//! same transaction as its messages, so listing cost does not grow with conversation length.
//!
//! The full-text index is not written inside those transactions: it catches up after the commit
//! ([`SqliteStore::update_index`]), and a search is exact even before it has (`index.rs` says
//! how and why).

mod index;
mod migrations;
mod open;
mod rows;
mod search;
#[cfg(feature = "test-support")]
pub mod test_support;
mod trash;
mod usage;

use std::cmp::Ordering;
use std::time::Duration;

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{
    CleanRule, Disposal, Message, RestoreRequest, Restored, SearchHit, SearchQuery, Session,
    SessionStore, SessionSummary, SessionUpdate, StoreError, TrashEntry, TrashReason,
    validate_session_name,
};
use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;

pub use crate::index::IndexBacklog;
use crate::migrations::{MIGRATIONS, MigrationError};
pub use crate::open::OpenError;
use crate::rows::{backend, insert_messages, read_messages, split_time, time_from};

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A session store in one SQLite file.
pub struct SqliteStore {
    connection: Connection,
    path: Utf8PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file (and its folder) if needed, and brings its
    /// schema up to date.
    pub fn open(path: &Utf8Path) -> Result<SqliteStore, StoreError> {
        open::refuse_symlinks(path)?;
        if let Some(parent) = path.parent().filter(|parent| !parent.as_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| StoreError::Backend {
                message: format!("cannot create the folder {parent}: {error}"),
                source: Some(Box::new(error)),
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        SqliteStore::open_writable(path, flags)
    }

    /// Opens the store at `path` for reading and writing if the file exists; `Ok(None)` if it
    /// does not. For commands that change sessions but never create a store.
    pub fn open_existing(path: &Utf8Path) -> Result<Option<SqliteStore>, StoreError> {
        open::refuse_symlinks(path)?;
        if !path.exists() {
            return Ok(None);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        SqliteStore::open_writable(path, flags).map(Some)
    }

    /// Opens the store at `path` read-only if the file exists; `Ok(None)` if it does not. For
    /// commands that only read: they create nothing, change nothing, and work on a read-only
    /// filesystem or a full disk. Writes through the returned store fail.
    ///
    /// A store with an older schema is upgraded first, which needs a writable store.
    pub fn open_read_only(path: &Utf8Path) -> Result<Option<SqliteStore>, StoreError> {
        open::refuse_symlinks(path)?;
        if !path.exists() {
            return Ok(None);
        }
        if open::wal_has_frames(path) {
            open::check_wal_replay(path)?;
        }
        let connection = open::read_only_connection(path)?;
        match schema_version(&connection, path)? {
            Ordering::Equal => Ok(Some(SqliteStore::ready(connection, path)?)),
            // Reading an old schema with this build's queries would fail: upgrade it (a write).
            _ => SqliteStore::open_existing(path),
        }
    }

    fn open_writable(path: &Utf8Path, flags: OpenFlags) -> Result<SqliteStore, StoreError> {
        let fail = |error: rusqlite::Error| open::diagnose(path, error);
        if open::wal_has_frames(path) {
            open::check_wal_replay(path)?;
        }
        let mut connection = open::writable_connection(path, flags)?;
        // Nothing is written before the version is known: a newer store stays as it is.
        schema_version(&connection, path)?;
        // WAL: readers and one writer at once. NORMAL sync is durable in WAL mode except for the
        // last transactions on power loss, never corrupt.
        connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(fail)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        // Freed pages and cells are zeroed, so a deleted session is not left readable in the file.
        connection
            .pragma_update(None, "secure_delete", true)
            .map_err(fail)?;
        migrations::migrate(&mut connection, MIGRATIONS).map_err(|error| match error {
            MigrationError::Newer { found, supported } => StoreError::NewerSchema {
                path: path.to_string(),
                found,
                supported,
            },
            MigrationError::Sqlite(error) => backend(format!("cannot upgrade {path}"), error),
        })?;
        SqliteStore::ready(connection, path)
    }

    /// The store around an open connection with an up-to-date schema.
    fn ready(connection: Connection, path: &Utf8Path) -> Result<SqliteStore, StoreError> {
        let fail = |error: rusqlite::Error| backend(format!("cannot open {path}"), error);
        connection.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(fail)?;
        Ok(SqliteStore {
            connection,
            path: path.to_owned(),
        })
    }

    /// Where the store's file is.
    pub fn path(&self) -> &Utf8Path {
        &self.path
    }

    /// Deletes every session inactive since before `before` (its [last
    /// activity](SessionSummary::last_activity) is earlier), or every session when `before` is
    /// `None`, and returns what it deleted, sorted by name.
    ///
    /// Choosing and deleting are one write transaction: a session imported again or chatted in
    /// since anyone looked is judged by its new activity and kept, and a session another process
    /// deleted meanwhile is simply not there (not an error).
    pub fn delete_inactive(
        &mut self,
        before: Option<Timestamp>,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let rule = CleanRule {
            inactive_before: before,
            keep: 0,
            only: None,
        };
        self.clean(&rule, Disposal::Purge)
    }

    /// Brings the full-text index up to date with every committed message, calling `progress`
    /// with the number of messages indexed so far after each batch. Safe to interrupt: what was
    /// indexed stays indexed, and the next call goes on from there.
    pub fn update_index_with(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64, StoreError> {
        index::catch_up(&mut self.connection, progress)
    }

    /// How many committed messages the full-text index does not cover yet. Reads only ids.
    pub fn index_backlog(&self) -> Result<IndexBacklog, StoreError> {
        index::backlog(&self.connection)
    }

    /// Makes deleted sessions unreadable from the files: the full-text index is rewritten
    /// without them (until then its segments keep the deleted words), and the `-wal`, which
    /// keeps every page as it was written, is copied into the file and emptied. The pages
    /// themselves were zeroed as they were freed (`secure_delete`).
    ///
    /// The `-wal` cannot be emptied while another process reads an older snapshot; it is then
    /// overwritten as the store is used, and emptied by the next delete or the last close.
    fn forget_deleted(&mut self, removal: Removal) -> Result<(), StoreError> {
        if removal == Removal::Nothing {
            return Ok(());
        }
        if removal == Removal::Emptied {
            // The freed pages were not zeroed one by one: the file is rewritten with only what
            // stays, and shrinks to it.
            self.connection
                .execute_batch("VACUUM")
                .map_err(|error| backend("cannot compact the store", error))?;
        }
        // A large delete emptied the index: the survivors are indexed again first, so the index
        // is whole when the command ends.
        index::catch_up(&mut self.connection, &mut |_| {})?;
        let transaction = self.write()?;
        index::optimize(&transaction)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))?;
        self.empty_wal()
    }

    /// Copies the `-wal` into the file and empties it, so the pages it kept as they were
    /// written (deleted text among them) are gone.
    fn empty_wal(&mut self) -> Result<(), StoreError> {
        self.connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|error| backend("cannot checkpoint the store", error))
    }

    fn write(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        self.connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|error| backend("cannot start a write", error))
    }
}

impl SessionStore for SqliteStore {
    fn create(&mut self, session: &Session) -> Result<(), StoreError> {
        validate_session_name(&session.name)?;
        let transaction = self.write()?;
        if session_id(&transaction, &session.name)?.is_some() {
            return Err(StoreError::AlreadyExists {
                name: session.name.clone(),
            });
        }
        insert_session(&transaction, session)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))
    }

    fn get(&self, name: &str) -> Result<Session, StoreError> {
        // One read transaction, so the session row and its messages are one snapshot.
        let transaction = self
            .connection
            .unchecked_transaction()
            .map_err(|error| backend("cannot start a read", error))?;
        let row = transaction
            .query_row(
                &format!(
                    "SELECT {} FROM sessions WHERE name = ?1",
                    rows::SessionRow::COLUMNS
                ),
                [name],
                rows::SessionRow::read,
            )
            .optional()
            .map_err(|error| backend("cannot read the session", error))?
            .ok_or_else(|| StoreError::NotFound {
                name: name.to_owned(),
            })?;
        let messages = read_messages(&transaction, row.id)?;
        row.into_session(messages)
    }

    fn exists(&self, name: &str) -> Result<bool, StoreError> {
        self.connection
            .prepare_cached("SELECT 1 FROM sessions WHERE name = ?1 LIMIT 1")
            .and_then(|mut statement| statement.exists([name]))
            .map_err(|error| backend("cannot read the session", error))
    }

    fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        list_sessions(&self.connection)
    }

    fn append_messages(
        &mut self,
        name: &str,
        messages: &[Message],
        update: &SessionUpdate,
    ) -> Result<(), StoreError> {
        // The write lock is taken before the count is read (`BEGIN IMMEDIATE`): no other
        // process can append between the check of `expected_messages` and this append.
        let transaction = self.write()?;
        let (id, count): (i64, i64) = transaction
            .query_row(
                "SELECT id, message_count FROM sessions WHERE name = ?1",
                [name],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|error| backend("cannot read the session", error))?
            .ok_or_else(|| StoreError::NotFound {
                name: name.to_owned(),
            })?;
        if let Some(conflict) = update.conflict(name, count.max(0) as u64) {
            return Err(conflict);
        }
        insert_messages(&transaction, id, count, messages)?;
        let (seconds, nanos) = split_time(update.updated_at);
        transaction
            .execute(
                "UPDATE sessions SET message_count = message_count + ?2,
                        updated_at = ?3, updated_at_ns = ?4,
                        updated_by = coalesce(?5, updated_by)
                 WHERE id = ?1",
                params![id, messages.len() as i64, seconds, nanos, update.by],
            )
            .map_err(|error| backend("cannot update the session", error))?;
        if let Some((provider, model)) = &update.provider_model {
            transaction
                .execute(
                    "UPDATE sessions SET provider = ?2, model = ?3 WHERE id = ?1",
                    params![id, provider, model],
                )
                .map_err(|error| backend("cannot update the session", error))?;
        }
        if let Some(metadata) = &update.metadata {
            transaction
                .execute(
                    "UPDATE sessions SET metadata = ?2 WHERE id = ?1",
                    params![id, rows::json_column(Some(metadata))?],
                )
                .map_err(|error| backend("cannot update the session", error))?;
        }
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))
    }

    fn replace(&mut self, session: &Session) -> Result<(), StoreError> {
        validate_session_name(&session.name)?;
        let transaction = self.write()?;
        if let Some(id) = session_id(&transaction, &session.name)? {
            remove_sessions(&transaction, &[id], Compact::Never)?;
        }
        insert_session(&transaction, session)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))
    }

    fn metadata_values(&self, key: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT name, json_extract(metadata, ?1), json_type(metadata, ?1) FROM sessions
                 WHERE json_extract(metadata, ?1) IS NOT NULL ORDER BY name",
            )
            .map_err(|error| backend("cannot read session metadata", error))?;
        // A quoted member name: any key, also one with dots or brackets.
        let path = format!("$.{}", Value::String(key.to_owned()));
        let rows = statement
            .query_map([path], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, rusqlite::types::Value>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(|error| backend("cannot read session metadata", error))?;
        rows.map(|row| {
            let (name, value, kind) =
                row.map_err(|error| backend("cannot read session metadata", error))?;
            // json_extract gives objects and arrays as their JSON text, booleans as 1 and 0.
            let value = match (kind.as_str(), value) {
                ("true", _) => Value::Bool(true),
                ("false", _) => Value::Bool(false),
                ("object" | "array", rusqlite::types::Value::Text(text)) => {
                    serde_json::from_str(&text).unwrap_or(Value::Null)
                }
                (_, rusqlite::types::Value::Integer(number)) => Value::from(number),
                (_, rusqlite::types::Value::Real(number)) => Value::from(number),
                (_, rusqlite::types::Value::Text(text)) => Value::String(text),
                (_, rusqlite::types::Value::Null | rusqlite::types::Value::Blob(_)) => Value::Null,
            };
            Ok((name, value))
        })
        .collect()
    }

    fn store_all(&mut self, sessions: &[Session], overwrite: bool) -> Result<(), StoreError> {
        for session in sessions {
            validate_session_name(&session.name)?;
        }
        let transaction = self.write()?;
        for session in sessions {
            match session_id(&transaction, &session.name)? {
                Some(id) if overwrite => {
                    remove_sessions(&transaction, &[id], Compact::Never)?;
                }
                Some(_) => {
                    return Err(StoreError::AlreadyExists {
                        name: session.name.clone(),
                    });
                }
                None => {}
            }
            insert_session(&transaction, session)?;
        }
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))
    }

    fn rename(&mut self, old: &str, new: &str) -> Result<(), StoreError> {
        validate_session_name(new)?;
        let transaction = self.write()?;
        let id = session_id(&transaction, old)?.ok_or_else(|| StoreError::NotFound {
            name: old.to_owned(),
        })?;
        if old == new {
            return Ok(());
        }
        if session_id(&transaction, new)?.is_some() {
            return Err(StoreError::AlreadyExists {
                name: new.to_owned(),
            });
        }
        // Messages and their index entries point at the session's id, not its name, and name
        // matches in a search read the `sessions` row itself: one row changes, and nothing else
        // needs to follow.
        transaction
            .execute(
                "UPDATE sessions SET name = ?2 WHERE id = ?1",
                params![id, new],
            )
            .map_err(|error| backend("cannot rename the session", error))?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))
    }

    fn delete(&mut self, names: &[String]) -> Result<(), StoreError> {
        let transaction = self.write()?;
        // Dropping the transaction on an unknown name deletes nothing.
        let ids = session_ids(&transaction, names)?;
        let removal = remove_sessions(&transaction, &ids, Compact::After)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))?;
        self.forget_deleted(removal)
    }

    fn trash(&mut self, names: &[String], trashed_at: Timestamp) -> Result<(), StoreError> {
        let transaction = self.write()?;
        let ids = session_ids(&transaction, names)?;
        trash::keep(&transaction, &ids, TrashReason::Deleted, trashed_at)?;
        let removal = remove_sessions(&transaction, &ids, Compact::After)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))?;
        // The text lives on in the trash, but the index and the freed pages are cleared as for
        // a delete: when the trash is purged, nothing else may still hold it.
        self.forget_deleted(removal)
    }

    fn clean(
        &mut self,
        rule: &CleanRule,
        disposal: Disposal,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        let transaction = self.write()?;
        let stale = rule.select(list_sessions(&transaction)?);
        let mut ids = Vec::with_capacity(stale.len());
        for session in &stale {
            ids.extend(session_id(&transaction, &session.name)?);
        }
        if let Disposal::Trash { trashed_at } = disposal {
            trash::keep(&transaction, &ids, TrashReason::Cleaned, trashed_at)?;
        }
        let removal = remove_sessions(&transaction, &ids, Compact::After)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))?;
        self.forget_deleted(removal)?;
        Ok(stale)
    }

    fn trash_list(&self) -> Result<Vec<TrashEntry>, StoreError> {
        trash::entries(&self.connection, None)
    }

    fn restore(&mut self, requests: &[RestoreRequest]) -> Result<Vec<Restored>, StoreError> {
        let transaction = self.write()?;
        let restored = trash::restore(&transaction, requests)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))?;
        Ok(restored)
    }

    fn purge_trash(
        &mut self,
        trashed_before: Option<Timestamp>,
    ) -> Result<Vec<TrashEntry>, StoreError> {
        let transaction = self.write()?;
        let purged = trash::purge(&transaction, trashed_before)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))?;
        if !purged.is_empty() {
            // The rows' cells and pages were zeroed as they were freed (`secure_delete`); the
            // `-wal` still holds them as they were written.
            self.empty_wal()?;
        }
        Ok(purged)
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        search::search(&self.connection, query)
    }

    fn usage(
        &self,
        query: &confab_core::UsageQuery,
    ) -> Result<Vec<confab_core::UsageBucket>, StoreError> {
        usage::usage(&self.connection, query)
    }

    fn update_index(&mut self) -> Result<(), StoreError> {
        self.update_index_with(&mut |_| {}).map(drop)
    }
}

/// Replaces the `messages` table with one holding only the messages of sessions not in
/// `temp.doomed_sessions`, keeping their ids.
///
/// The table is dropped and created again from its own schema: with foreign keys on, SQLite
/// deletes every row of a child table one by one (`DELETE FROM messages` took 0.6 s for 200,000
/// messages), while dropping it frees its pages at once (30 ms). The survivors are found through
/// the session index, so only their rows are read.
fn empty_messages(transaction: &Connection) -> Result<(), StoreError> {
    let fail = |error| backend("cannot delete", error);
    let schema: Vec<String> = transaction
        .prepare(
            "SELECT sql FROM sqlite_schema
             WHERE tbl_name = 'messages' AND sql IS NOT NULL
             ORDER BY type = 'table' DESC",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(fail)?;
    transaction
        .execute_batch(
            "CREATE TEMP TABLE kept_messages AS SELECT * FROM main.messages
                 WHERE session_id IN (SELECT id FROM main.sessions
                                      WHERE id NOT IN (SELECT id FROM temp.doomed_sessions));
             DROP TABLE main.messages;",
        )
        .map_err(fail)?;
    for sql in &schema {
        transaction.execute_batch(sql).map_err(fail)?;
    }
    transaction
        .execute_batch(
            "INSERT INTO main.messages SELECT * FROM temp.kept_messages;
             DROP TABLE temp.kept_messages;",
        )
        .map_err(fail)
}

/// How [`remove_sessions`] removed sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Removal {
    /// There were none to remove.
    Nothing,
    /// Row by row, each freed page zeroed, each indexed message tombstoned.
    OneByOne,
    /// By emptying the tables and the index and putting back what stays; with
    /// [`Compact::After`], freed pages are left as they were for a `VACUUM` to drop.
    Emptied,
}

/// Whether the caller compacts the store after a removal (`VACUUM`), so that freed pages need not
/// be zeroed one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compact {
    After,
    Never,
}

/// Deletes the sessions with ids `doomed` and their messages, keeping the search index exact, in
/// the caller's transaction.
///
/// Removing rows one by one costs SQLite several microseconds a row, and forgetting them in the
/// index a tombstone each: seconds for a million messages. When the doomed sessions hold half the
/// messages or more (a `clean`), the messages to keep are copied aside instead, the table is
/// emptied, the survivors are put back with their ids, and the index is emptied to be rebuilt by
/// the catch-up: the cost follows what stays, not what goes (see [`empty_messages`]). Zeroing
/// every freed page (the store runs with `secure_delete`) would cost as much as writing the
/// deleted text again, twice with the WAL; with [`Compact::After`] the pages are only freed, and
/// the caller's `VACUUM` (whose cost also follows what stays) leaves them out of the file.
fn remove_sessions(
    transaction: &Connection,
    doomed: &[i64],
    compact: Compact,
) -> Result<Removal, StoreError> {
    if doomed.is_empty() {
        return Ok(Removal::Nothing);
    }
    let fail = |error| backend("cannot delete", error);
    transaction
        .execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS doomed_sessions (id INTEGER PRIMARY KEY);
             DELETE FROM temp.doomed_sessions;",
        )
        .map_err(fail)?;
    {
        let mut insert = transaction
            .prepare_cached("INSERT OR IGNORE INTO temp.doomed_sessions (id) VALUES (?1)")
            .map_err(fail)?;
        for id in doomed {
            insert.execute([id]).map_err(fail)?;
        }
    }
    let (doomed_messages, all_messages): (i64, i64) = transaction
        .query_row(
            "SELECT (SELECT coalesce(sum(message_count), 0) FROM sessions
                     WHERE id IN (SELECT id FROM temp.doomed_sessions)),
                    (SELECT coalesce(sum(message_count), 0) FROM sessions)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(fail)?;
    let removal = if doomed_messages > 0 && doomed_messages * 2 >= all_messages {
        if compact == Compact::After {
            transaction
                .pragma_update(None, "secure_delete", "FAST")
                .map_err(fail)?;
        }
        let emptied = index::clear(transaction).and_then(|()| empty_messages(transaction));
        // Back to zeroing whatever happened: only this removal is followed by a VACUUM.
        transaction
            .pragma_update(None, "secure_delete", true)
            .map_err(fail)?;
        emptied?;
        Removal::Emptied
    } else {
        for &id in doomed {
            index::forget_session(transaction, id)?;
        }
        Removal::OneByOne
    };
    transaction
        .execute(
            "DELETE FROM sessions WHERE id IN (SELECT id FROM temp.doomed_sessions)",
            [],
        )
        .map_err(fail)?;
    transaction
        .execute("DELETE FROM temp.doomed_sessions", [])
        .map_err(fail)?;
    Ok(removal)
}

/// How the store's schema version compares with this build's; a newer store is an error.
/// Only reads.
fn schema_version(connection: &Connection, path: &Utf8Path) -> Result<Ordering, StoreError> {
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|error| backend(format!("cannot open {path}"), error))?;
    let found =
        migrations::user_version(connection).map_err(|error| open::diagnose(path, error))?;
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StoreError::NewerSchema {
            path: path.to_string(),
            found,
            supported,
        });
    }
    Ok(found.cmp(&supported))
}

fn list_sessions(connection: &Connection) -> Result<Vec<SessionSummary>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT name, provider, model, created_at, created_at_ns, updated_at,
                    updated_at_ns, imported_at, imported_at_ns, message_count,
                    created_by, updated_by
             FROM sessions
             ORDER BY name",
        )
        .map_err(|error| backend("cannot list sessions", error))?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                SessionSummary {
                    name: row.get(0)?,
                    provider: row.get(1)?,
                    model: row.get(2)?,
                    created_at: Timestamp::UNIX_EPOCH,
                    updated_at: Timestamp::UNIX_EPOCH,
                    imported_at: None,
                    created_by: row.get(10)?,
                    updated_by: row.get(11)?,
                    message_count: row.get::<_, i64>(9)?.max(0) as u64,
                },
                [row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?],
                (row.get::<_, Option<i64>>(7)?, row.get::<_, Option<i64>>(8)?),
            ))
        })
        .map_err(|error| backend("cannot list sessions", error))?;
    rows.map(|row| {
        let (mut summary, [created, created_ns, updated, updated_ns], imported) =
            row.map_err(|error| backend("cannot list sessions", error))?;
        summary.created_at = time_from(created, created_ns)?;
        summary.updated_at = time_from(updated, updated_ns)?;
        summary.imported_at = match imported {
            (Some(seconds), nanos) => Some(time_from(seconds, nanos.unwrap_or(0))?),
            (None, _) => None,
        };
        Ok(summary)
    })
    .collect()
}

/// The ids of the sessions named, each once; [`StoreError::NotFound`] for an unknown name.
fn session_ids(connection: &Connection, names: &[String]) -> Result<Vec<i64>, StoreError> {
    // A name given twice is one session.
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::new();
    for name in names.iter().filter(|name| seen.insert(name.as_str())) {
        let id = session_id(connection, name)?
            .ok_or_else(|| StoreError::NotFound { name: name.clone() })?;
        ids.push(id);
    }
    Ok(ids)
}

fn session_id(connection: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    connection
        .query_row("SELECT id FROM sessions WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .optional()
        .map_err(|error| backend("cannot read the session", error))
}

fn insert_session(connection: &Connection, session: &Session) -> Result<(), StoreError> {
    let (created, created_ns) = split_time(session.created_at);
    let (updated, updated_ns) = split_time(session.updated_at);
    let imported = session.imported_at.map(split_time);
    let metadata = rows::json_column(session.metadata.as_ref())?;
    let context = rows::json_column(session.context.as_ref())?;
    connection
        .execute(
            "INSERT INTO sessions (name, provider, model, skill, project_path,
                 created_at, created_at_ns, updated_at, updated_at_ns,
                 imported_at, imported_at_ns, metadata, context, message_count,
                 created_by, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                session.name,
                session.provider,
                session.model,
                session.skill,
                session.project_path,
                created,
                created_ns,
                updated,
                updated_ns,
                imported.map(|(seconds, _)| seconds),
                imported.map(|(_, nanos)| nanos),
                metadata,
                context,
                session.messages.len() as i64,
                session.created_by,
                session.updated_by,
            ],
        )
        .map_err(|error| backend("cannot store the session", error))?;
    let id = connection.last_insert_rowid();
    insert_messages(connection, id, 0, &session.messages)
}

#[cfg(test)]
mod tests;
