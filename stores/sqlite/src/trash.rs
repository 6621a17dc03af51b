//! The trash: sessions that `delete` and `clean` removed, kept whole until they are restored or
//! purged.
//!
//! A trashed session leaves `sessions` and `messages` exactly as a deleted one does (so the
//! search index forgets it and its name is free again), and is kept in the `trash` table as one
//! JSON document: the session's fields and its messages in the checkpoint's message shape. One
//! row per removal, so the same name can be in the trash more than once; each row has an id that
//! is never given again. `trash list` reads only the small columns beside the document.
//!
//! Purging deletes rows with `secure_delete` on (freed cells and pages are zeroed), and the
//! caller then empties the `-wal`, so purged text is left nowhere in the store's files.

use confab_core::{
    Context, Message, RestoreRequest, Restored, Session, StoreError, TrashEntry, TrashPick,
    TrashReason, validate_session_name,
};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::rows::{self, backend, split_time, time_from};

/// A session as the trash keeps it: every field of [`Session`], so a restore gives back the
/// very session that was removed.
#[derive(Serialize, Deserialize)]
struct TrashedSession {
    name: String,
    provider: String,
    model: String,
    skill: Option<String>,
    project_path: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    imported_at: Option<Timestamp>,
    // Absent from what a store of schema version 7 trashed: nobody known.
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    updated_by: Option<String>,
    metadata: Option<Map<String, Value>>,
    context: Option<Context>,
    messages: Vec<Message>,
}

impl From<Session> for TrashedSession {
    fn from(session: Session) -> TrashedSession {
        TrashedSession {
            name: session.name,
            provider: session.provider,
            model: session.model,
            skill: session.skill,
            project_path: session.project_path,
            created_at: session.created_at,
            updated_at: session.updated_at,
            imported_at: session.imported_at,
            created_by: session.created_by,
            updated_by: session.updated_by,
            metadata: session.metadata,
            context: session.context,
            messages: session.messages,
        }
    }
}

impl From<TrashedSession> for Session {
    fn from(trashed: TrashedSession) -> Session {
        Session {
            name: trashed.name,
            provider: trashed.provider,
            model: trashed.model,
            skill: trashed.skill,
            project_path: trashed.project_path,
            created_at: trashed.created_at,
            updated_at: trashed.updated_at,
            imported_at: trashed.imported_at,
            created_by: trashed.created_by,
            updated_by: trashed.updated_by,
            metadata: trashed.metadata,
            context: trashed.context,
            messages: trashed.messages,
        }
    }
}

/// Copies the sessions with ids `ids` into the trash, in the caller's transaction; the caller
/// then removes them from `sessions` as a delete does.
pub(crate) fn keep(
    transaction: &Connection,
    ids: &[i64],
    reason: TrashReason,
    trashed_at: Timestamp,
) -> Result<(), StoreError> {
    let (seconds, nanos) = split_time(trashed_at);
    let mut insert = transaction
        .prepare_cached(
            "INSERT INTO trash (name, trashed_at, trashed_at_ns, reason, message_count, size,
                 last_active_at, last_active_at_ns, session)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(|error| backend("cannot move to the trash", error))?;
    for &id in ids {
        let session = read_session(transaction, id)?;
        let summary = session.summary();
        let document = serde_json::to_string(&TrashedSession::from(session)).map_err(|error| {
            StoreError::Unstorable(format!("cannot encode the session: {error}"))
        })?;
        let (active, active_ns) = split_time(summary.last_activity());
        insert
            .execute(params![
                summary.name,
                seconds,
                nanos,
                reason.as_str(),
                summary.message_count as i64,
                document.len() as i64,
                active,
                active_ns,
                document,
            ])
            .map_err(|error| backend("cannot move to the trash", error))?;
    }
    Ok(())
}

fn read_session(connection: &Connection, id: i64) -> Result<Session, StoreError> {
    let row = connection
        .query_row(
            &format!(
                "SELECT {} FROM sessions WHERE id = ?1",
                rows::SessionRow::COLUMNS
            ),
            [id],
            rows::SessionRow::read,
        )
        .map_err(|error| backend("cannot read the session", error))?;
    let messages = rows::read_messages(connection, id)?;
    row.into_session(messages)
}

const ENTRY_COLUMNS: &str = "id, name, trashed_at, trashed_at_ns, reason, message_count, size,
     last_active_at, last_active_at_ns";

fn read_entry(row: &Row<'_>) -> rusqlite::Result<(TrashEntry, [i64; 4], String)> {
    Ok((
        TrashEntry {
            id: row.get(0)?,
            name: row.get(1)?,
            trashed_at: Timestamp::UNIX_EPOCH,
            reason: TrashReason::Deleted,
            message_count: row.get::<_, i64>(5)?.max(0) as u64,
            size: row.get::<_, i64>(6)?.max(0) as u64,
            last_active_at: Timestamp::UNIX_EPOCH,
        },
        [row.get(2)?, row.get(3)?, row.get(7)?, row.get(8)?],
        row.get(4)?,
    ))
}

fn finish_entry(
    (mut entry, [trashed, trashed_ns, active, active_ns], reason): (TrashEntry, [i64; 4], String),
) -> Result<TrashEntry, StoreError> {
    entry.trashed_at = time_from(trashed, trashed_ns)?;
    entry.last_active_at = time_from(active, active_ns)?;
    entry.reason = TrashReason::parse(&reason).ok_or_else(|| {
        StoreError::Unstorable(format!("corrupt trash reason {reason:?} in the store"))
    })?;
    Ok(entry)
}

/// The trash entries trashed before `before` (all with `None`), oldest first.
pub(crate) fn entries(
    connection: &Connection,
    before: Option<Timestamp>,
) -> Result<Vec<TrashEntry>, StoreError> {
    let fail = |error| backend("cannot list the trash", error);
    let (seconds, nanos) = before.map_or((i64::MAX, 0), split_time);
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM trash
             WHERE (trashed_at, trashed_at_ns) < (?1, ?2)
             ORDER BY trashed_at, trashed_at_ns, id"
        ))
        .map_err(fail)?;
    let rows = statement
        .query_map(params![seconds, nanos], read_entry)
        .map_err(fail)?;
    rows.map(|row| finish_entry(row.map_err(fail)?)).collect()
}

/// Deletes the entries trashed before `before` (all with `None`), in the caller's transaction,
/// and returns them.
pub(crate) fn purge(
    transaction: &Connection,
    before: Option<Timestamp>,
) -> Result<Vec<TrashEntry>, StoreError> {
    let doomed = entries(transaction, before)?;
    let mut delete = transaction
        .prepare_cached("DELETE FROM trash WHERE id = ?1")
        .map_err(|error| backend("cannot empty the trash", error))?;
    for entry in &doomed {
        delete
            .execute([entry.id])
            .map_err(|error| backend("cannot empty the trash", error))?;
    }
    Ok(doomed)
}

/// Puts the requested sessions back, in the caller's transaction; any failure restores
/// nothing (the caller drops the transaction).
pub(crate) fn restore(
    transaction: &Connection,
    requests: &[RestoreRequest],
) -> Result<Vec<Restored>, StoreError> {
    let fail = |error| backend("cannot restore from the trash", error);
    let mut restored = Vec::with_capacity(requests.len());
    for request in requests {
        let with_document = |row: &Row<'_>| Ok((read_entry(row)?, row.get::<_, String>(9)?));
        let found = match &request.pick {
            TrashPick::Newest(name) => transaction.query_row(
                &format!(
                    "SELECT {ENTRY_COLUMNS}, session FROM trash WHERE name = ?1
                     ORDER BY trashed_at DESC, trashed_at_ns DESC, id DESC LIMIT 1"
                ),
                [name],
                with_document,
            ),
            TrashPick::Id(id) => transaction.query_row(
                &format!("SELECT {ENTRY_COLUMNS}, session FROM trash WHERE id = ?1"),
                [id],
                with_document,
            ),
        }
        .optional()
        .map_err(fail)?;
        let Some((entry, document)) = found else {
            return Err(StoreError::NotInTrash {
                pick: request.pick.clone(),
            });
        };
        let entry = finish_entry(entry)?;
        let mut session: Session = serde_json::from_str::<TrashedSession>(&document)
            .map_err(|error| {
                StoreError::Unstorable(format!("corrupt session in the trash: {error}"))
            })?
            .into();
        if let Some(name) = &request.rename {
            validate_session_name(name)?;
            session.name.clone_from(name);
        }
        if crate::session_id(transaction, &session.name)?.is_some() {
            return Err(StoreError::AlreadyExists { name: session.name });
        }
        crate::insert_session(transaction, &session)?;
        transaction
            .execute("DELETE FROM trash WHERE id = ?1", [entry.id])
            .map_err(fail)?;
        restored.push(Restored {
            entry,
            name: session.name,
        });
    }
    Ok(restored)
}
