//! The PostgreSQL session store of confab: one session library for a whole team, with the
//! guarantees of the SQLite store (the same [`SessionStore`] trait, the same conformance suite,
//! `confab_core::conformance`).
//!
//! # Why the `postgres` crate
//! [`SessionStore`] is synchronous, and so is the CLI: it has no async runtime and needs none.
//! The `postgres` crate is the synchronous face of `tokio-postgres`, kept by the same people
//! (rust-postgres): the protocol code is the well-used async one, and it runs on a private
//! current-thread runtime inside the client, so nothing async leaks into confab. `sqlx` would
//! bring its own runtime choice, macros and a compile-time database; an ORM adds nothing here.
//!
//! # Layout
//! - `sessions`: one row per session: the name (unique), provider, model, message count, the
//!   update time as exact nanoseconds (`numeric`: timestamps go back to year 1 with nanoseconds,
//!   more than `timestamptz` holds), who created it and who last added to it (`created_by`,
//!   `updated_by`: the only copy of those two) and `header`, the session's other fields as JSON
//!   text (JSON text, not `jsonb`, so a session reads back byte for byte as written). `list`
//!   reads these columns only, never a message.
//! - `messages`: one row per message with its JSON, its text, and a generated `tsvector` of the
//!   text under a GIN index; rows go with their session (`ON DELETE CASCADE`).
//! - `trash`: one row per removal, the whole session as one JSON document, as in SQLite.
//! - `schema_migrations`: the versions applied. Migrating takes a transaction-scoped advisory
//!   lock, so two processes opening a new database at once migrate it once.
//!
//! Names sort as bytes (`COLLATE "C"`), as in SQLite, whatever the database's collation.
//!
//! Every write is one transaction. A deleted or purged session is deleted (`DELETE`): no query
//! can see it again; its bytes stay in the table's pages until (auto)vacuum reuses them, as
//! with any PostgreSQL delete, and a `VACUUM FULL` rewrites the table without them.
//!
//! # Search
//! PostgreSQL's full-text search with the `english` configuration. The user's text is split
//! into words of letters and digits here, so no character of it is ever query syntax; every word
//! must match and matches the words it begins and its stemmed forms (`pod` finds `pods`,
//! `clust` finds `cluster`); `"quoted words"` must follow each other. Differences from the SQLite
//! store: English stop words (`the`, `or`, `in`, ...) are not searched for, and a phrase skips
//! them (`"pods in cluster"` finds `pods in the cluster`); stems are English ones for every
//! language. As in SQLite, a word of one character is a whole word only, a word given twice is
//! one term, and a session's name is found when it contains the trimmed text (any case), shortest
//! name first. Message hits are ranked with `ts_rank`, so hits that are equally relevant may
//! come in another order than SQLite's `bm25` gives them. A hit found by both stores shows the
//! same snippet: the message's own text (never `ts_headline`'s, which drops markup),
//! its matched words chosen from PostgreSQL's own lexemes and the window cut by the code the
//! SQLite store uses (`confab_core::snippet`): see the `search` module.
//!
//! # Connecting
//! [`PostgresStore::connect`] takes what `psql` takes: a `postgres://`/`postgresql://` URL or
//! `key=value` words, completed from the `PG…` environment variables and the password file
//! (`~/.pgpass`) as libpq completes them; [`connect`] has the rules and the defaults
//! (`application_name=confab`, a 10 s `connect_timeout` bounding the whole connection, TCP
//! keepalives). [`display_url`] shows a location without its user information and password.
//!
//! # TLS
//! rustls (`tokio-postgres-rustls`, with the `ring` provider that confab's HTTP client already
//! builds), as libpq's `sslmode` says: `disable` never tries TLS; `allow` tries plain text first
//! and TLS when the server refuses it; `prefer` (the default) tries TLS and falls back to plain
//! text on a server without it; `require` refuses such a server; `verify-ca` also checks that a
//! trusted root signed the server's certificate, `verify-full` also that it is made out to the
//! host; over a Unix socket there is no TLS, as in libpq. `prefer` and `require` check no
//! certificate (as in psql: they encrypt, but cannot tell the server from an impostor), unless
//! a root file is given, when they check as `verify-ca`; the handshake's signatures are always
//! checked. Modes and roots are [`connect`]'s, the certificate checks `tls.rs`'s.
//! The roots: `sslrootcert` (the parameter or `PGSSLROOTCERT`; a PEM file, or `system` for the
//! Mozilla roots of `webpki-roots`, which makes `verify-full` the default and weaker modes an
//! error, as in libpq 16), else `~/.postgresql/root.crt` when it exists, else the Mozilla roots.
//! Differences from libpq: `verify-ca`/`verify-full` without a root file use the Mozilla roots
//! where libpq refuses; a `prefer` connection whose certificate fails a check it was asked to
//! make stops with the error rather than retrying in plain text; an `sslrootcert` file that does
//! not exist is an error in every mode but `disable`; no client certificates.

use std::cell::RefCell;
use std::collections::BTreeSet;

use confab_core::{
    CleanRule, Context, Disposal, Message, RestoreRequest, Restored, SearchHit, SearchQuery,
    Session, SessionStore, SessionSummary, SessionUpdate, StoreError, TokenUsage, TrashEntry,
    TrashPick, TrashReason, UsageBucket, UsageQuery, validate_session_name,
};
use jiff::Timestamp;
use postgres::{Client, GenericClient, Row, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod connect;
mod migrations;
mod search;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod tls;

#[cfg(test)]
use search::search_query;

pub use connect::{ConnectionSettings, Environment, display_url};

/// A [`SessionStore`] in a PostgreSQL database (13 or newer).
pub struct PostgresStore {
    // The trait reads through `&self`; a client sends through `&mut`.
    client: RefCell<Client>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

fn backend(doing: impl Into<String>, error: postgres::Error) -> StoreError {
    let doing = doing.into();
    StoreError::Backend {
        message: match error.as_db_error() {
            Some(db) => format!("{doing}: {}", db.message()),
            None => format!("{doing}: {error}"),
        },
        source: Some(Box::new(error)),
    }
}

fn unstorable(doing: &str, error: serde_json::Error) -> StoreError {
    StoreError::Unstorable(format!("{doing}: {error}"))
}

/// A time as exact nanoseconds since the epoch, the text of a `numeric`.
fn nanos(time: Timestamp) -> String {
    time.as_nanosecond().to_string()
}

/// The session's fields other than its messages, as `sessions.header` keeps them; with its
/// messages, as the trash keeps a session.
#[derive(Serialize, Deserialize)]
struct Document {
    name: String,
    provider: String,
    model: String,
    skill: Option<String>,
    project_path: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    imported_at: Option<Timestamp>,
    // Kept in the trash's documents; in `sessions` their columns hold them and `header` leaves
    // them out (see `header_of`), so there is one copy to update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    updated_by: Option<String>,
    metadata: Option<Map<String, Value>>,
    context: Option<Context>,
    #[serde(default)]
    messages: Vec<Message>,
}

impl Document {
    fn of(session: &Session, messages: Vec<Message>) -> Document {
        Document {
            name: session.name.clone(),
            provider: session.provider.clone(),
            model: session.model.clone(),
            skill: session.skill.clone(),
            project_path: session.project_path.clone(),
            created_at: session.created_at,
            updated_at: session.updated_at,
            imported_at: session.imported_at,
            created_by: session.created_by.clone(),
            updated_by: session.updated_by.clone(),
            metadata: session.metadata.clone(),
            context: session.context.clone(),
            messages,
        }
    }

    fn into_session(self) -> Session {
        Session {
            name: self.name,
            provider: self.provider,
            model: self.model,
            skill: self.skill,
            project_path: self.project_path,
            created_at: self.created_at,
            updated_at: self.updated_at,
            imported_at: self.imported_at,
            created_by: self.created_by,
            updated_by: self.updated_by,
            metadata: self.metadata,
            context: self.context,
            messages: self.messages,
        }
    }
}

fn read_document(text: &str) -> Result<Document, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Backend {
        message: format!("a stored session cannot be read: {error}"),
        source: Some(Box::new(error)),
    })
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host/db`, or `host=... dbname=...`), filling what it
    /// leaves out from the `PG…` variables and the password file as `psql` does
    /// ([`ConnectionSettings::resolve`] with [`Environment::current`]), and brings the schema up
    /// to date. Errors never show a password.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let settings =
            ConnectionSettings::resolve(url, &Environment::current()).map_err(|error| {
                StoreError::Backend {
                    message: error.to_string(),
                    source: Some(Box::new(error)),
                }
            })?;
        PostgresStore::connect_with(&settings)
    }

    /// Connects as resolved `settings` say and brings the schema up to date.
    pub fn connect_with(settings: &ConnectionSettings) -> Result<PostgresStore, StoreError> {
        PostgresStore::open(connect::open(settings)?)
    }

    /// Uses a connected client (its `search_path` chooses the schema) and brings the schema up
    /// to date.
    pub fn open(mut client: Client) -> Result<PostgresStore, StoreError> {
        migrations::migrate(&mut client)?;
        Ok(PostgresStore {
            client: RefCell::new(client),
        })
    }

    fn write<T>(
        &mut self,
        doing: &str,
        work: impl FnOnce(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let client = self.client.get_mut();
        let mut transaction = client
            .transaction()
            .map_err(|error| backend(doing.to_owned(), error))?;
        let value = work(&mut transaction)?;
        transaction
            .commit()
            .map_err(|error| backend(doing.to_owned(), error))?;
        Ok(value)
    }
}

fn session_id(
    client: &mut impl GenericClient,
    name: &str,
    lock: bool,
) -> Result<Option<i64>, StoreError> {
    let sql = if lock {
        "SELECT id FROM sessions WHERE name = $1 FOR UPDATE"
    } else {
        "SELECT id FROM sessions WHERE name = $1"
    };
    let row = client
        .query_opt(sql, &[&name])
        .map_err(|error| backend("cannot find a session", error))?;
    Ok(row.map(|row| row.get(0)))
}

/// Messages one `INSERT` of [`insert_messages`] carries at most: enough that a round trip's
/// cost (a few hundred µs, several times the server's work on a message) is paid once per
/// thousand messages, few enough that a session of millions of messages never becomes one
/// statement of gigabytes the client and the server both hold in memory at once.
const MESSAGES_PER_INSERT: usize = 1_000;

/// Inserts `messages` at positions `first`, `first + 1`, ... of session `id`, in the caller's
/// transaction.
///
/// One statement per [`MESSAGES_PER_INSERT`] messages, not one per message: each column goes as
/// one array parameter and `unnest` turns the arrays back into rows. A statement per message
/// paid a round trip per message, most of an import's time (issue 20). The arrays keep NULLs
/// (a message without usage, time, provider or model stores NULLs, as before) and the times go
/// as text, cast to `numeric` on the server, so nanoseconds stay exact.
fn insert_messages(
    client: &mut impl GenericClient,
    id: i64,
    first: usize,
    messages: &[Message],
) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    let statement = client
        .prepare(
            "INSERT INTO messages (session_id, position, role, provider, model, created_ns, \
             body, content, input_tokens, output_tokens, cached_input_tokens, \
             cache_write_tokens, reasoning_tokens) \
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], \
             $6::text[]::numeric[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], \
             $11::bigint[], $12::bigint[], $13::bigint[])",
        )
        .map_err(|error| backend("cannot store messages", error))?;
    for (batch, chunk) in messages.chunks(MESSAGES_PER_INSERT).enumerate() {
        let columns = MessageColumns::of(first + batch * MESSAGES_PER_INSERT, chunk)?;
        client
            .execute(
                &statement,
                &[
                    &id,
                    &columns.position,
                    &columns.role,
                    &columns.provider,
                    &columns.model,
                    &columns.created_ns,
                    &columns.body,
                    &columns.content,
                    &columns.input_tokens,
                    &columns.output_tokens,
                    &columns.cached_input_tokens,
                    &columns.cache_write_tokens,
                    &columns.reasoning_tokens,
                ],
            )
            .map_err(|error| backend("cannot store messages", error))?;
    }
    Ok(())
}

/// The columns of `messages` rows, one array each, as [`insert_messages`] sends them.
struct MessageColumns<'a> {
    position: Vec<i64>,
    role: Vec<&'static str>,
    provider: Vec<Option<&'a str>>,
    model: Vec<Option<&'a str>>,
    created_ns: Vec<Option<String>>,
    body: Vec<String>,
    content: Vec<&'a str>,
    input_tokens: Vec<Option<i64>>,
    output_tokens: Vec<Option<i64>>,
    cached_input_tokens: Vec<Option<i64>>,
    cache_write_tokens: Vec<Option<i64>>,
    reasoning_tokens: Vec<Option<i64>>,
}

impl<'a> MessageColumns<'a> {
    /// The rows of `messages`, the first at position `first`.
    fn of(first: usize, messages: &'a [Message]) -> Result<MessageColumns<'a>, StoreError> {
        let tokens =
            |count: Option<u64>| count.map(|count| i64::try_from(count).unwrap_or(i64::MAX));
        let mut columns = MessageColumns {
            position: Vec::with_capacity(messages.len()),
            role: Vec::with_capacity(messages.len()),
            provider: Vec::with_capacity(messages.len()),
            model: Vec::with_capacity(messages.len()),
            created_ns: Vec::with_capacity(messages.len()),
            body: Vec::with_capacity(messages.len()),
            content: Vec::with_capacity(messages.len()),
            input_tokens: Vec::with_capacity(messages.len()),
            output_tokens: Vec::with_capacity(messages.len()),
            cached_input_tokens: Vec::with_capacity(messages.len()),
            cache_write_tokens: Vec::with_capacity(messages.len()),
            reasoning_tokens: Vec::with_capacity(messages.len()),
        };
        for (offset, message) in messages.iter().enumerate() {
            let body = serde_json::to_string(message)
                .map_err(|error| unstorable("a message cannot be stored", error))?;
            let usage = message.usage.unwrap_or_default();
            columns
                .position
                .push(i64::try_from(first + offset).unwrap_or(i64::MAX));
            columns.role.push(message.role.as_str());
            columns.provider.push(message.provider.as_deref());
            columns.model.push(message.model.as_deref());
            columns.created_ns.push(message.created_at.map(nanos));
            columns.body.push(body);
            columns.content.push(&message.content);
            columns.input_tokens.push(tokens(usage.input_tokens));
            columns.output_tokens.push(tokens(usage.output_tokens));
            columns
                .cached_input_tokens
                .push(tokens(usage.cached_input_tokens));
            columns
                .cache_write_tokens
                .push(tokens(usage.cache_write_tokens));
            columns
                .reasoning_tokens
                .push(tokens(usage.reasoning_tokens));
        }
        Ok(columns)
    }
}

/// `sessions.header` of `session`: every field but the messages and the authors, which have
/// columns of their own.
fn header_of(session: &Session) -> Result<String, StoreError> {
    let mut header = Document::of(session, Vec::new());
    header.created_by = None;
    header.updated_by = None;
    serde_json::to_string(&header)
        .map_err(|error| unstorable("the session cannot be stored", error))
}

fn count(messages: usize) -> i64 {
    i64::try_from(messages).unwrap_or(i64::MAX)
}

/// Inserts `session` under its name, which must be free.
fn insert_session(client: &mut impl GenericClient, session: &Session) -> Result<(), StoreError> {
    validate_session_name(&session.name)?;
    if session_id(client, &session.name, false)?.is_some() {
        return Err(StoreError::AlreadyExists {
            name: session.name.clone(),
        });
    }
    let row = client
        .query_one(
            "INSERT INTO sessions (name, provider, model, message_count, updated_ns, header, \
             created_by, updated_by) \
             VALUES ($1, $2, $3, $4, $5::text::numeric, $6, $7, $8) RETURNING id",
            &[
                &session.name,
                &session.provider,
                &session.model,
                &count(session.messages.len()),
                &nanos(session.updated_at),
                &header_of(session)?,
                &session.created_by,
                &session.updated_by,
            ],
        )
        .map_err(|error| {
            if error.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
                StoreError::AlreadyExists {
                    name: session.name.clone(),
                }
            } else {
                backend("cannot store the session", error)
            }
        })?;
    insert_messages(client, row.get(0), 0, &session.messages)
}

fn read_messages(client: &mut impl GenericClient, id: i64) -> Result<Vec<Message>, StoreError> {
    let rows = client
        .query(
            "SELECT body FROM messages WHERE session_id = $1 ORDER BY position",
            &[&id],
        )
        .map_err(|error| backend("cannot read messages", error))?;
    rows.iter()
        .map(|row| {
            serde_json::from_str(row.get(0)).map_err(|error| StoreError::Backend {
                message: format!("a stored message cannot be read: {error}"),
                source: Some(Box::new(error)),
            })
        })
        .collect()
}

fn read_session(client: &mut impl GenericClient, name: &str) -> Result<(i64, Session), StoreError> {
    let row = client
        .query_opt(
            "SELECT id, header, created_by, updated_by FROM sessions WHERE name = $1",
            &[&name],
        )
        .map_err(|error| backend("cannot read the session", error))?
        .ok_or_else(|| StoreError::NotFound {
            name: name.to_owned(),
        })?;
    let id: i64 = row.get(0);
    let messages = read_messages(client, id)?;
    let mut document = read_document(row.get(1))?;
    document.created_by = row.get(2);
    document.updated_by = row.get(3);
    document.messages = messages;
    Ok((id, document.into_session()))
}

fn summary_of(row: &Row) -> Result<SessionSummary, StoreError> {
    let document = read_document(row.get("header"))?;
    let message_count: i64 = row.get("message_count");
    Ok(SessionSummary {
        name: row.get("name"),
        provider: row.get("provider"),
        model: row.get("model"),
        created_at: document.created_at,
        updated_at: document.updated_at,
        imported_at: document.imported_at,
        created_by: row.get("created_by"),
        updated_by: row.get("updated_by"),
        message_count: u64::try_from(message_count).unwrap_or(0),
    })
}

fn summaries(
    client: &mut impl GenericClient,
    lock: bool,
) -> Result<Vec<SessionSummary>, StoreError> {
    let sql = if lock {
        "SELECT name, provider, model, message_count, header, created_by, updated_by \
         FROM sessions ORDER BY name COLLATE \"C\" FOR UPDATE"
    } else {
        "SELECT name, provider, model, message_count, header, created_by, updated_by \
         FROM sessions ORDER BY name COLLATE \"C\""
    };
    let rows = client
        .query(sql, &[])
        .map_err(|error| backend("cannot list sessions", error))?;
    rows.iter().map(summary_of).collect()
}

/// The ids of `names` (each once), locked; the first unknown name fails.
fn ids_of(
    client: &mut impl GenericClient,
    names: &[String],
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut seen = BTreeSet::new();
    let mut ids = Vec::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            continue;
        }
        let id = session_id(client, name, true)?
            .ok_or_else(|| StoreError::NotFound { name: name.clone() })?;
        ids.push((id, name.clone()));
    }
    Ok(ids)
}

fn delete_ids(client: &mut impl GenericClient, ids: &[(i64, String)]) -> Result<(), StoreError> {
    let ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    client
        .execute("DELETE FROM sessions WHERE id = ANY($1)", &[&ids])
        .map_err(|error| backend("cannot delete sessions", error))?;
    Ok(())
}

/// Copies the sessions into the trash, as removed at `when` for `reason`.
fn keep_in_trash(
    client: &mut impl GenericClient,
    ids: &[(i64, String)],
    when: Timestamp,
    reason: TrashReason,
) -> Result<(), StoreError> {
    for (_, name) in ids {
        let (_, session) = read_session(client, name)?;
        let summary = session.summary();
        let messages = session.messages.clone();
        let document = serde_json::to_string(&Document::of(&session, messages))
            .map_err(|error| unstorable("the session cannot be trashed", error))?;
        client
            .execute(
                "INSERT INTO trash (name, trashed_ns, trashed_at, reason, message_count, \
                 last_active_at, size, document) \
                 VALUES ($1, $2::text::numeric, $3, $4, $5, $6, $7, $8)",
                &[
                    name,
                    &nanos(when),
                    &when.to_string(),
                    &reason.as_str(),
                    &count(session.messages.len()),
                    &summary.last_activity().to_string(),
                    &count(document.len()),
                    &document,
                ],
            )
            .map_err(|error| backend("cannot trash the session", error))?;
    }
    Ok(())
}

fn time_of(text: &str) -> Result<Timestamp, StoreError> {
    text.parse()
        .map_err(|error: jiff::Error| StoreError::Backend {
            message: format!("a stored time cannot be read: {error}"),
            source: Some(Box::new(error)),
        })
}

fn entry_of(row: &Row) -> Result<TrashEntry, StoreError> {
    let reason: &str = row.get("reason");
    let message_count: i64 = row.get("message_count");
    let size: i64 = row.get("size");
    Ok(TrashEntry {
        id: row.get("id"),
        name: row.get("name"),
        trashed_at: time_of(row.get("trashed_at"))?,
        reason: TrashReason::parse(reason).ok_or_else(|| StoreError::Backend {
            message: format!("unknown trash reason {reason:?}"),
            source: None,
        })?,
        message_count: u64::try_from(message_count).unwrap_or(0),
        size: u64::try_from(size).unwrap_or(0),
        last_active_at: time_of(row.get("last_active_at"))?,
    })
}

const ENTRY_COLUMNS: &str = "id, name, trashed_at, reason, message_count, size, last_active_at";

impl SessionStore for PostgresStore {
    fn create(&mut self, session: &Session) -> Result<(), StoreError> {
        self.write("cannot store the session", |tx| insert_session(tx, session))
    }

    fn get(&self, name: &str) -> Result<Session, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut transaction = client
            .build_transaction()
            .read_only(true)
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .map_err(|error| backend("cannot read the session", error))?;
        let (_, session) = read_session(&mut transaction, name)?;
        transaction
            .commit()
            .map_err(|error| backend("cannot read the session", error))?;
        Ok(session)
    }

    fn exists(&self, name: &str) -> Result<bool, StoreError> {
        Ok(session_id(&mut *self.client.borrow_mut(), name, false)?.is_some())
    }

    fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        summaries(&mut *self.client.borrow_mut(), false)
    }

    fn metadata_values(&self, key: &str) -> Result<Vec<(String, Value)>, StoreError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT name, (header::json -> 'metadata' -> $1)::text FROM sessions \
                 WHERE header::jsonb -> 'metadata' ? $1 ORDER BY name COLLATE \"C\"",
                &[&key],
            )
            .map_err(|error| backend("cannot read metadata", error))?;
        rows.iter()
            .map(|row| {
                let text: &str = row.get(1);
                let value = serde_json::from_str(text).map_err(|error| StoreError::Backend {
                    message: format!("stored metadata cannot be read: {error}"),
                    source: Some(Box::new(error)),
                })?;
                Ok((row.get(0), value))
            })
            .collect()
    }

    fn append_messages(
        &mut self,
        name: &str,
        messages: &[Message],
        update: &SessionUpdate,
    ) -> Result<(), StoreError> {
        self.write("cannot append messages", |tx| {
            // The row lock is held to the commit: another writer's append waits here and then
            // reads the count this one leaves, so `expected_messages` is checked race-free.
            let row = tx
                .query_opt(
                    "SELECT id, header, message_count FROM sessions WHERE name = $1 FOR UPDATE",
                    &[&name],
                )
                .map_err(|error| backend("cannot append messages", error))?
                .ok_or_else(|| StoreError::NotFound {
                    name: name.to_owned(),
                })?;
            let id: i64 = row.get(0);
            let before: i64 = row.get(2);
            if let Some(conflict) = update.conflict(name, u64::try_from(before).unwrap_or(0)) {
                return Err(conflict);
            }
            let mut session = read_document(row.get(1))?.into_session();
            update.apply_to(&mut session);
            let first = usize::try_from(before).unwrap_or(0);
            insert_messages(tx, id, first, messages)?;
            tx.execute(
                "UPDATE sessions SET provider = $2, model = $3, message_count = $4, \
                 updated_ns = $5::text::numeric, header = $6, \
                 updated_by = coalesce($7, updated_by) WHERE id = $1",
                &[
                    &id,
                    &session.provider,
                    &session.model,
                    &(before + count(messages.len())),
                    &nanos(session.updated_at),
                    &header_of(&session)?,
                    &update.by,
                ],
            )
            .map_err(|error| backend("cannot append messages", error))?;
            Ok(())
        })
    }

    fn replace(&mut self, session: &Session) -> Result<(), StoreError> {
        self.write("cannot replace the session", |tx| {
            validate_session_name(&session.name)?;
            if let Some(id) = session_id(tx, &session.name, true)? {
                delete_ids(tx, &[(id, session.name.clone())])?;
            }
            insert_session(tx, session)
        })
    }

    fn store_all(&mut self, sessions: &[Session], overwrite: bool) -> Result<(), StoreError> {
        self.write("cannot store the sessions", |tx| {
            for session in sessions {
                validate_session_name(&session.name)?;
                if let Some(id) = session_id(tx, &session.name, true)? {
                    if !overwrite {
                        return Err(StoreError::AlreadyExists {
                            name: session.name.clone(),
                        });
                    }
                    delete_ids(tx, &[(id, session.name.clone())])?;
                }
                insert_session(tx, session)?;
            }
            Ok(())
        })
    }

    fn rename(&mut self, old: &str, new: &str) -> Result<(), StoreError> {
        self.write("cannot rename the session", |tx| {
            validate_session_name(new)?;
            let id = session_id(tx, old, true)?.ok_or_else(|| StoreError::NotFound {
                name: old.to_owned(),
            })?;
            if old == new {
                return Ok(());
            }
            if session_id(tx, new, false)?.is_some() {
                return Err(StoreError::AlreadyExists {
                    name: new.to_owned(),
                });
            }
            let header: String = tx
                .query_one("SELECT header FROM sessions WHERE id = $1", &[&id])
                .map_err(|error| backend("cannot rename the session", error))?
                .get(0);
            let mut document = read_document(&header)?;
            document.name = new.to_owned();
            let header = serde_json::to_string(&document)
                .map_err(|error| unstorable("the session cannot be stored", error))?;
            tx.execute(
                "UPDATE sessions SET name = $2, header = $3 WHERE id = $1",
                &[&id, &new, &header],
            )
            .map_err(|error| backend("cannot rename the session", error))?;
            Ok(())
        })
    }

    fn delete(&mut self, names: &[String]) -> Result<(), StoreError> {
        self.write("cannot delete sessions", |tx| {
            let ids = ids_of(tx, names)?;
            delete_ids(tx, &ids)
        })
    }

    fn trash(&mut self, names: &[String], trashed_at: Timestamp) -> Result<(), StoreError> {
        self.write("cannot trash sessions", |tx| {
            let ids = ids_of(tx, names)?;
            keep_in_trash(tx, &ids, trashed_at, TrashReason::Deleted)?;
            delete_ids(tx, &ids)
        })
    }

    fn clean(
        &mut self,
        rule: &CleanRule,
        disposal: Disposal,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        self.write("cannot clean sessions", |tx| {
            // Every session locked: a session chatted in meanwhile is judged by its new time.
            let chosen = rule.select(summaries(tx, true)?);
            let names: Vec<String> = chosen.iter().map(|summary| summary.name.clone()).collect();
            let ids = ids_of(tx, &names)?;
            if let Disposal::Trash { trashed_at } = disposal {
                keep_in_trash(tx, &ids, trashed_at, TrashReason::Cleaned)?;
            }
            delete_ids(tx, &ids)?;
            Ok(chosen)
        })
    }

    fn trash_list(&self) -> Result<Vec<TrashEntry>, StoreError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                &format!("SELECT {ENTRY_COLUMNS} FROM trash ORDER BY id"),
                &[],
            )
            .map_err(|error| backend("cannot read the trash", error))?;
        rows.iter().map(entry_of).collect()
    }

    fn restore(&mut self, requests: &[RestoreRequest]) -> Result<Vec<Restored>, StoreError> {
        self.write("cannot restore sessions", |tx| {
            let mut restored = Vec::new();
            let mut taken_ids = BTreeSet::new();
            let mut new_names = BTreeSet::new();
            for request in requests {
                let row = match &request.pick {
                    TrashPick::Newest(name) => tx.query_opt(
                        &format!(
                            "SELECT {ENTRY_COLUMNS}, document FROM trash WHERE name = $1 \
                             AND NOT (id = ANY($2)) ORDER BY id DESC LIMIT 1 FOR UPDATE"
                        ),
                        &[name, &taken_ids.iter().copied().collect::<Vec<i64>>()],
                    ),
                    TrashPick::Id(id) => tx.query_opt(
                        &format!(
                            "SELECT {ENTRY_COLUMNS}, document FROM trash WHERE id = $1 \
                             AND NOT (id = ANY($2)) FOR UPDATE"
                        ),
                        &[id, &taken_ids.iter().copied().collect::<Vec<i64>>()],
                    ),
                }
                .map_err(|error| backend("cannot read the trash", error))?
                .ok_or_else(|| StoreError::NotInTrash {
                    pick: request.pick.clone(),
                })?;
                let entry = entry_of(&row)?;
                let name = request.rename.clone().unwrap_or_else(|| entry.name.clone());
                validate_session_name(&name)?;
                if !new_names.insert(name.clone()) || session_id(tx, &name, false)?.is_some() {
                    return Err(StoreError::AlreadyExists { name });
                }
                let mut session = read_document(row.get("document"))?.into_session();
                session.name.clone_from(&name);
                insert_session(tx, &session)?;
                tx.execute("DELETE FROM trash WHERE id = $1", &[&entry.id])
                    .map_err(|error| backend("cannot restore sessions", error))?;
                taken_ids.insert(entry.id);
                restored.push(Restored { entry, name });
            }
            Ok(restored)
        })
    }

    fn purge_trash(
        &mut self,
        trashed_before: Option<Timestamp>,
    ) -> Result<Vec<TrashEntry>, StoreError> {
        self.write("cannot purge the trash", |tx| {
            let rows = tx
                .query(
                    &format!(
                        "DELETE FROM trash WHERE $1::text IS NULL \
                         OR trashed_ns < $1::text::numeric RETURNING {ENTRY_COLUMNS}"
                    ),
                    &[&trashed_before.map(nanos)],
                )
                .map_err(|error| backend("cannot purge the trash", error))?;
            let mut entries = rows.iter().map(entry_of).collect::<Result<Vec<_>, _>>()?;
            entries.sort_by_key(|entry| entry.id);
            Ok(entries)
        })
    }

    fn usage(&self, query: &UsageQuery) -> Result<Vec<UsageBucket>, StoreError> {
        // Summed in the database from the token columns: no message text is read. `sum` is
        // NULL when no row had a count, so a count nobody reported stays unknown.
        let fail = |error| backend("cannot sum the usage", error);
        let names: Option<Vec<String>> =
            (!query.sessions.is_empty()).then(|| query.sessions.clone());
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT * FROM ( \
                 SELECT coalesce(m.provider, s.provider) AS provider, \
                        coalesce(m.model, s.model) AS model, \
                        to_char(to_timestamp(floor(coalesce(m.created_ns, s.updated_ns) \
                            / 1000000000)::float8) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
                        count(*) AS messages, sum(m.input_tokens)::bigint AS input, \
                        sum(m.output_tokens)::bigint AS output, \
                        sum(m.cached_input_tokens)::bigint AS cached, \
                        sum(m.cache_write_tokens)::bigint AS cache_write, \
                        sum(m.reasoning_tokens)::bigint AS reasoning \
                 FROM messages m JOIN sessions s ON s.id = m.session_id \
                 WHERE ($1::text IS NULL \
                        OR coalesce(m.created_ns, s.updated_ns) >= $1::text::numeric) \
                   AND ($2::text[] IS NULL OR s.name = ANY($2)) \
                 GROUP BY 3, 1, 2) buckets \
                 ORDER BY day, provider COLLATE \"C\", model COLLATE \"C\"",
                &[&query.since.map(nanos), &names],
            )
            .map_err(fail)?;
        rows.iter()
            .map(|row| {
                let count = |index| {
                    row.get::<_, Option<i64>>(index)
                        .map(|count| u64::try_from(count).unwrap_or(0))
                };
                let day: String = row.get(2);
                let messages: i64 = row.get(3);
                Ok(UsageBucket {
                    provider: row.get(0),
                    model: row.get(1),
                    day: day
                        .parse()
                        .map_err(|error: jiff::Error| StoreError::Backend {
                            message: format!("a message time has no calendar day: {error}"),
                            source: Some(Box::new(error)),
                        })?,
                    messages: u64::try_from(messages).unwrap_or(0),
                    usage: TokenUsage {
                        input_tokens: count(4),
                        output_tokens: count(5),
                        cached_input_tokens: count(6),
                        cache_write_tokens: count(7),
                        reasoning_tokens: count(8),
                    },
                })
            })
            .collect()
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        search::search(&mut self.client.borrow_mut(), query)
    }
}

#[cfg(test)]
mod parity;
#[cfg(test)]
mod tests;
