//! The full-text index, built after the commit instead of inside it.
//!
//! Tokenizing is most of what an import costs: FTS5 indexes about 20 MB of text a second, a bare
//! JSON parse of the same checkpoint runs at 200 MB/s or more, and SQLite writes the rows at a
//! few hundred MB/s. When triggers kept the index in step inside every write, importing 100 MiB
//! took twelve times as long as parsing it, and the write lock was held all that time. So a write
//! commits its messages alone, and the index catches up afterwards:
//!
//! - **The watermark.** `search_index.indexed_through` is the highest message id the index
//!   covers: every message with an id up to it is indexed, none above it is. Catching up indexes
//!   the next batch of messages above the watermark and moves it, in one transaction, so a
//!   process killed at any point leaves the index and the watermark agreeing, and whoever comes
//!   next (a search, an import, a chat turn) finishes the job.
//! - **Ids only grow past the watermark.** SQLite gives a new row the largest id plus one, which
//!   after a delete can be an id the index already covered. New messages take explicit ids above
//!   both ([`next_message_id`]), so no message is ever mistaken for indexed.
//! - **Deletes are tombstones.** The index is contentless (`content=''`) with deletes by rowid
//!   (`contentless_delete=1`): forgetting a message marks its rowid, where an index with content
//!   would tokenize the text again to find the entries to remove. Only indexed messages (ids up
//!   to the watermark) are forgotten; the rest were never in it. When a write removes half the
//!   indexed messages or more (a `clean`), [`clear`] empties the index instead and moves the
//!   watermark back to zero, so the catch-up re-indexes the survivors: cheaper than tombstoning
//!   the many, and the deleted words leave the file with the old segments.
//! - **Search is exact meanwhile.** A search runs against the index and, for messages above the
//!   watermark, against a temporary index it builds of just those (see `search.rs`), in one read
//!   snapshot: it never misses a committed message, and never returns a deleted one (a hit must
//!   join a live message row). The `search` command catches the index up first when it can write.

use confab_core::StoreError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::rows::backend;

/// How many messages one catch-up transaction indexes: large enough that FTS5 writes few
/// segments, small enough that a concurrent writer waits well under a second for the lock.
const BATCH: i64 = 10_000;

/// How far the index is behind the messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexBacklog {
    /// Committed messages not yet in the index.
    pub messages: u64,
}

/// The highest message id the index covers.
pub(crate) fn indexed_through(connection: &Connection) -> Result<i64, StoreError> {
    connection
        .prepare_cached("SELECT indexed_through FROM search_index WHERE id = 1")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)).optional())
        .map(Option::unwrap_or_default)
        .map_err(|error| backend("cannot read the search index's watermark", error))
}

/// The id for the next message written: past every message and past the watermark.
pub(crate) fn next_message_id(connection: &Connection) -> Result<i64, StoreError> {
    let largest: i64 = connection
        .prepare_cached("SELECT coalesce(max(id), 0) FROM messages")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
        .map_err(|error| backend("cannot number the messages", error))?;
    Ok(largest.max(indexed_through(connection)?) + 1)
}

/// How many committed messages the index does not cover yet.
pub(crate) fn backlog(connection: &Connection) -> Result<IndexBacklog, StoreError> {
    let through = indexed_through(connection)?;
    let messages: i64 = connection
        .prepare_cached("SELECT count(*) FROM messages WHERE id > ?1")
        .and_then(|mut statement| statement.query_row([through], |row| row.get(0)))
        .map_err(|error| backend("cannot read the search index's backlog", error))?;
    Ok(IndexBacklog {
        messages: messages.max(0) as u64,
    })
}

/// Indexes every message above the watermark, one batch per transaction, calling `progress` with
/// the number indexed after each batch. Returns how many it indexed.
pub(crate) fn catch_up(
    connection: &mut Connection,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StoreError> {
    let fail = |error| backend("cannot update the search index", error);
    let mut indexed = 0;
    loop {
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|error| backend("cannot start a write", error))?;
        // Read under the write lock: another process may have caught up meanwhile.
        let through = indexed_through(&transaction)?;
        let last: Option<i64> = transaction
            .query_row(
                "SELECT max(id) FROM (SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2)",
                params![through, BATCH],
                |row| row.get(0),
            )
            .map_err(fail)?;
        let Some(last) = last else {
            return Ok(indexed);
        };
        let added = transaction
            .execute(
                "INSERT INTO messages_fts (rowid, content)
                 SELECT id, content FROM messages WHERE id > ?1 AND id <= ?2",
                params![through, last],
            )
            .map_err(fail)?;
        set_indexed_through(&transaction, last)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot commit", error))?;
        indexed += added as u64;
        progress(indexed);
    }
}

/// Removes the indexed messages of session `session_id` from the index (tombstones). Call inside
/// the transaction that deletes them, before it does.
pub(crate) fn forget_session(connection: &Connection, session_id: i64) -> Result<(), StoreError> {
    let through = indexed_through(connection)?;
    connection
        .prepare_cached(
            "DELETE FROM messages_fts WHERE rowid IN
                 (SELECT id FROM messages WHERE session_id = ?1 AND id <= ?2)",
        )
        .and_then(|mut statement| statement.execute(params![session_id, through]))
        .map_err(|error| backend("cannot update the search index", error))?;
    Ok(())
}

/// Empties the index and moves the watermark back to zero: the catch-up indexes every message
/// again. For writes that remove most of the index.
pub(crate) fn clear(connection: &Connection) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')",
            [],
        )
        .map_err(|error| backend("cannot clear the search index", error))?;
    set_indexed_through(connection, 0)
}

/// Rewrites the index as one segment without the entries of deleted messages, whose words stay
/// in the file until then.
pub(crate) fn optimize(connection: &Connection) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')",
            [],
        )
        .map(drop)
        .map_err(|error| backend("cannot rewrite the search index", error))
}

fn set_indexed_through(connection: &Connection, through: i64) -> Result<(), StoreError> {
    connection
        .prepare_cached("UPDATE search_index SET indexed_through = ?1 WHERE id = 1")
        .and_then(|mut statement| statement.execute([through]))
        .map(drop)
        .map_err(|error| backend("cannot move the search index's watermark", error))
}
