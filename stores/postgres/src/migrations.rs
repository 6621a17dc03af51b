//! Versioned migrations: `schema_migrations` records each version applied; all pending ones
//! run in one transaction under an advisory lock, so two processes opening a new database at
//! once migrate it once and nobody sees half a schema.

use postgres::Client;

use confab_core::StoreError;

use crate::backend;

/// The lock every migrating process takes (an arbitrary number: "confab" in ASCII).
const MIGRATION_LOCK: i64 = 0x0000_636f_6e66_6162;

/// Each version's SQL, in order; version `n` is `MIGRATIONS[n - 1]`. Never edit one: add one.
pub(crate) const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE sessions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        provider text NOT NULL,
        model text NOT NULL,
        message_count bigint NOT NULL,
        updated_ns numeric NOT NULL,
        header text NOT NULL
    );
    CREATE TABLE messages (
        session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        position bigint NOT NULL,
        role text NOT NULL,
        provider text,
        model text,
        created_ns numeric,
        body text NOT NULL,
        content text NOT NULL,
        input_tokens bigint,
        output_tokens bigint,
        cached_input_tokens bigint,
        cache_write_tokens bigint,
        reasoning_tokens bigint,
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
        PRIMARY KEY (session_id, position)
    );
    CREATE INDEX messages_tsv ON messages USING gin (tsv);
    CREATE TABLE trash (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        trashed_ns numeric NOT NULL,
        trashed_at text NOT NULL,
        reason text NOT NULL,
        message_count bigint NOT NULL,
        last_active_at text NOT NULL,
        size bigint NOT NULL,
        document text NOT NULL
    );
    CREATE INDEX trash_name ON trash (name, id);
",
    "
    -- 2: who created a session and who last added to it (user names, NULL when unknown), as
    -- columns beside `header`: a team lists and filters by person without parsing JSON, and
    -- an append sets `updated_by` in the same UPDATE that checks and moves the count.
    ALTER TABLE sessions ADD COLUMN created_by text, ADD COLUMN updated_by text;
",
];

/// The schema version this confab writes.
pub(crate) const CURRENT: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let fail = |error| backend("cannot prepare the database", error);
    let mut transaction = client.transaction().map_err(fail)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(fail)?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version bigint PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .map_err(fail)?;
    let found: i64 = transaction
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(fail)?
        .get(0);
    if found > CURRENT {
        return Err(StoreError::NewerSchema {
            path: "the PostgreSQL database".to_owned(),
            found,
            supported: CURRENT,
        });
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        transaction.batch_execute(sql).map_err(fail)?;
        transaction
            .execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .map_err(fail)?;
    }
    transaction.commit().map_err(fail)
}
