//! Versioned schema migrations, recorded in SQLite's `user_version`.
//!
//! Each migration is SQL that takes the schema from version `n` to `n + 1`. Opening a store
//! applies the missing ones in order, all in one immediate transaction, so two processes opening
//! an old store at once cannot both upgrade it, and a failed upgrade leaves the old schema whole.
//! A store from a newer confab (a version above the last migration) is refused, not "repaired".
//!
//! Never edit a released migration: add a new one.

use rusqlite::{Connection, TransactionBehavior};

/// The migrations, oldest first; the schema version is the number applied.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: sessions and their messages. Timestamps are two integers, whole seconds since the Unix
    // epoch and nanoseconds, so they sort as numbers, keep full precision, and cover every year
    // an RFC 3339 timestamp can name (an i64 of nanoseconds ends in 2262).
    r"
    CREATE TABLE sessions (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        provider        TEXT NOT NULL,
        model           TEXT NOT NULL,
        skill           TEXT,
        project_path    TEXT,
        created_at      INTEGER NOT NULL,
        created_at_ns   INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        updated_at_ns   INTEGER NOT NULL,
        imported_at     INTEGER,
        imported_at_ns  INTEGER,
        metadata        TEXT,   -- JSON object
        context         TEXT,   -- JSON object: project_instructions, files_accessed, working_directory
        message_count   INTEGER NOT NULL DEFAULT 0  -- kept in step with messages, so list reads no messages
    );

    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        session_id      INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL,
        role            TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
        content         TEXT NOT NULL,
        created_at      INTEGER,
        created_at_ns   INTEGER,
        archived        INTEGER NOT NULL DEFAULT 0,
        model           TEXT,
        input_tokens    INTEGER,
        output_tokens   INTEGER,
        tool_calls      TEXT,   -- JSON array, NULL when the message made none
        tool_call_id    TEXT,
        UNIQUE (session_id, seq)
    );
    ",
    // 2: full-text search over message content. An external-content FTS5 index: it stores the
    // index, not a second copy of the text. Triggers keep it in step with `messages` inside the
    // very transaction that changes them (imports, overwrites, deletes, cascades from `clean`),
    // and `rebuild` indexes what a version-1 store already holds.
    r"
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content,
        content = 'messages',
        content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
    END;
    INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
    ",
    // 3: the provider that served each message's model (a chat can move between providers).
    r"
    ALTER TABLE messages ADD COLUMN provider TEXT;
    ",
    // 4: the full-text index is built after the commit, not inside it (see `index.rs`). The
    // triggers go; the index becomes contentless with deletes by rowid, so forgetting a message
    // costs a tombstone instead of tokenizing its text again; and `search_index` holds the
    // watermark: every message with an id up to `indexed_through` is in the index. Starting at 0,
    // the first catch-up indexes what the store already holds.
    r"
    DROP TRIGGER messages_fts_insert;
    DROP TRIGGER messages_fts_delete;
    DROP TRIGGER messages_fts_update;
    DROP TABLE messages_fts;
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TABLE search_index (
        id               INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_through  INTEGER NOT NULL
    );
    INSERT INTO search_index (id, indexed_through) VALUES (1, 0);
    ",
    // 5: the token counts beyond input and output that Claude, Codex, Gemini and OpenAI report
    // (see `TokenUsage`). Columns, not a JSON blob, so statistics can sum them in SQL; adding a
    // nullable column rewrites no row.
    r"
    ALTER TABLE messages ADD COLUMN cached_input_tokens INTEGER;
    ALTER TABLE messages ADD COLUMN cache_write_tokens INTEGER;
    ALTER TABLE messages ADD COLUMN reasoning_tokens INTEGER;
    ",
    // 6: words match their English inflections (`stack` finds `stacks` and `stacking`): the
    // index tokenizes with the Porter stemmer over the same `unicode61` words (see `search.rs`,
    // whose temporary indexes use the same tokenizer). A contentless index cannot be
    // re-tokenized in place, so it is made anew and the watermark goes back to zero: the next
    // catch-up (a search, an import, a chat) indexes every message again, and until then a
    // search covers them through its temporary index of the backlog.
    r"
    DROP TABLE messages_fts;
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content,
        content = '',
        contentless_delete = 1,
        tokenize = 'porter unicode61 remove_diacritics 2'
    );
    UPDATE search_index SET indexed_through = 0;
    ",
    // 7: the trash. A removed session is kept whole, as one JSON document (`trash.rs`), beside
    // what `trash list` shows without reading it. It is out of `sessions` and `messages`, so no
    // query of live sessions (list, search, names) needs to know about it, and its name is free
    // again. AUTOINCREMENT: an entry's id, which `restore --id` takes, is never given twice.
    r"
    CREATE TABLE trash (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        name                TEXT NOT NULL,
        trashed_at          INTEGER NOT NULL,
        trashed_at_ns       INTEGER NOT NULL,
        reason              TEXT NOT NULL CHECK (reason IN ('deleted', 'cleaned')),
        message_count       INTEGER NOT NULL,
        size                INTEGER NOT NULL,   -- bytes of `session`
        last_active_at      INTEGER NOT NULL,
        last_active_at_ns   INTEGER NOT NULL,
        session             TEXT NOT NULL   -- JSON: the session and its messages
    );
    CREATE INDEX trash_by_name ON trash (name);
    CREATE INDEX trash_by_time ON trash (trashed_at, trashed_at_ns);
    ",
    // 8: who created a session and who last added to it (user names, NULL when unknown), so a
    // listing can tell whose a session is without reading its messages. Nullable columns: the
    // sessions already stored are not rewritten, and their authors stay unknown.
    r"
    ALTER TABLE sessions ADD COLUMN created_by TEXT;
    ALTER TABLE sessions ADD COLUMN updated_by TEXT;
    ",
];

/// Brings the schema of `connection` up to date.
pub(crate) fn migrate(
    connection: &mut Connection,
    migrations: &[&str],
) -> Result<(), MigrationError> {
    let latest = migrations.len() as i64;
    // Cheap check first: a current store needs no write lock.
    if user_version(connection)? == latest {
        return Ok(());
    }
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = user_version(&transaction)?;
    if found > latest {
        return Err(MigrationError::Newer {
            found,
            supported: latest,
        });
    }
    for (index, sql) in migrations.iter().enumerate().skip(found as usize) {
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    transaction.commit()?;
    Ok(())
}

pub(crate) fn user_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Why a migration did not happen.
#[derive(Debug)]
pub(crate) enum MigrationError {
    /// The store is newer than this build.
    Newer { found: i64, supported: i64 },
    /// SQLite failed.
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrationError {
    fn from(error: rusqlite::Error) -> MigrationError {
        MigrationError::Sqlite(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(connection: &Connection) -> Vec<String> {
        let mut statement = connection
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .expect("prepare");
        statement
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn a_new_store_gets_every_migration() {
        let mut connection = Connection::open_in_memory().expect("open");
        migrate(&mut connection, MIGRATIONS).expect("migrates");
        assert_eq!(
            user_version(&connection).expect("version"),
            MIGRATIONS.len() as i64
        );
        let tables = tables(&connection);
        assert!(
            ["messages", "messages_fts", "trash"]
                .iter()
                .all(|table| tables.contains(&(*table).to_owned())),
            "{tables:?}"
        );
        // Idempotent.
        migrate(&mut connection, MIGRATIONS).expect("migrates again");
    }

    #[test]
    fn an_old_store_is_upgraded_keeping_its_data() {
        let mut connection = Connection::open_in_memory().expect("open");
        let v1 = &["CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);"];
        migrate(&mut connection, v1).expect("v1");
        let v2 = &[v1[0], "ALTER TABLE t ADD COLUMN y INTEGER DEFAULT 8;"];
        migrate(&mut connection, v2).expect("v2");
        let row: (i64, i64) = connection
            .query_row("SELECT x, y FROM t", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .expect("row");
        assert_eq!(row, (7, 8));
        assert_eq!(user_version(&connection).expect("version"), 2);
    }

    #[test]
    fn a_failed_upgrade_changes_nothing() {
        let mut connection = Connection::open_in_memory().expect("open");
        migrate(&mut connection, &["CREATE TABLE t (x INTEGER);"]).expect("v1");
        let broken = &[
            "CREATE TABLE t (x INTEGER);",
            "CREATE TABLE u (y);",
            "NOT SQL",
        ];
        assert!(migrate(&mut connection, broken).is_err());
        assert_eq!(user_version(&connection).expect("version"), 1);
        assert_eq!(tables(&connection), ["t"]);
    }

    #[test]
    fn a_newer_store_is_refused() {
        let mut connection = Connection::open_in_memory().expect("open");
        connection
            .pragma_update(None, "user_version", 99)
            .expect("set version");
        match migrate(&mut connection, MIGRATIONS) {
            Err(MigrationError::Newer { found: 99, .. }) => {}
            other => panic!("expected Newer, got {other:?}"),
        }
    }
}
