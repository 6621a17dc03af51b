//! Converting between rows and the core types.

use confab_core::{Context, Message, Role, Session, StoreError, TokenUsage, ToolCall};
use jiff::Timestamp;
use rusqlite::{Connection, Row, params};
use serde_json::{Map, Value};

/// A backend error with what we were doing.
pub(crate) fn backend(doing: impl Into<String>, error: rusqlite::Error) -> StoreError {
    let message = format!("{}: {error}", doing.into());
    StoreError::Backend {
        message,
        source: Some(Box::new(error)),
    }
}

/// A timestamp as the two integer columns that store it.
pub(crate) fn split_time(time: Timestamp) -> (i64, i32) {
    (time.as_second(), time.subsec_nanosecond())
}

/// The timestamp two integer columns hold.
pub(crate) fn time_from(seconds: i64, nanos: i64) -> Result<Timestamp, StoreError> {
    i32::try_from(nanos)
        .ok()
        .and_then(|nanos| Timestamp::new(seconds, nanos).ok())
        .ok_or_else(|| {
            StoreError::Unstorable(format!("corrupt timestamp {seconds}.{nanos} in the store"))
        })
}

fn optional_time(
    seconds: Option<i64>,
    nanos: Option<i64>,
) -> Result<Option<Timestamp>, StoreError> {
    seconds
        .map(|seconds| time_from(seconds, nanos.unwrap_or(0)))
        .transpose()
}

/// A value as a JSON text column (`NULL` for `None`).
pub(crate) fn json_column<T: serde::Serialize>(
    value: Option<&T>,
) -> Result<Option<String>, StoreError> {
    value
        .map(|value| {
            serde_json::to_string(value)
                .map_err(|error| StoreError::Unstorable(format!("cannot encode a value: {error}")))
        })
        .transpose()
}

fn from_json_column<T: serde::de::DeserializeOwned>(
    text: Option<String>,
) -> Result<Option<T>, StoreError> {
    text.map(|text| {
        serde_json::from_str(&text)
            .map_err(|error| StoreError::Unstorable(format!("corrupt JSON in the store: {error}")))
    })
    .transpose()
}

/// The `sessions` columns of one session, before its messages are read: one named field per
/// column, like [`MessageRow`].
pub(crate) struct SessionRow {
    pub(crate) id: i64,
    name: String,
    provider: String,
    model: String,
    skill: Option<String>,
    project_path: Option<String>,
    created_at: i64,
    created_at_ns: i64,
    updated_at: i64,
    updated_at_ns: i64,
    imported_at: Option<i64>,
    imported_at_ns: Option<i64>,
    created_by: Option<String>,
    updated_by: Option<String>,
    metadata: Option<String>,
    context: Option<String>,
}

impl SessionRow {
    /// The columns [`SessionRow::read`] reads.
    pub(crate) const COLUMNS: &'static str = "id, name, provider, model, skill, project_path,
         created_at, created_at_ns, updated_at, updated_at_ns,
         imported_at, imported_at_ns, created_by, updated_by, metadata, context";

    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
        Ok(SessionRow {
            id: row.get("id")?,
            name: row.get("name")?,
            provider: row.get("provider")?,
            model: row.get("model")?,
            skill: row.get("skill")?,
            project_path: row.get("project_path")?,
            created_at: row.get("created_at")?,
            created_at_ns: row.get("created_at_ns")?,
            updated_at: row.get("updated_at")?,
            updated_at_ns: row.get("updated_at_ns")?,
            imported_at: row.get("imported_at")?,
            imported_at_ns: row.get("imported_at_ns")?,
            created_by: row.get("created_by")?,
            updated_by: row.get("updated_by")?,
            metadata: row.get("metadata")?,
            context: row.get("context")?,
        })
    }

    pub(crate) fn into_session(self, messages: Vec<Message>) -> Result<Session, StoreError> {
        Ok(Session {
            name: self.name,
            provider: self.provider,
            model: self.model,
            skill: self.skill,
            project_path: self.project_path,
            created_at: time_from(self.created_at, self.created_at_ns)?,
            updated_at: time_from(self.updated_at, self.updated_at_ns)?,
            imported_at: optional_time(self.imported_at, self.imported_at_ns)?,
            created_by: self.created_by,
            updated_by: self.updated_by,
            metadata: from_json_column::<Map<String, Value>>(self.metadata)?,
            context: from_json_column::<Context>(self.context)?,
            messages,
        })
    }
}

/// Inserts `messages` after the first `first_seq` messages of session `id`.
///
/// The messages get ids above every id the search index covers (see `index.rs`), so the
/// index's catch-up finds them.
pub(crate) fn insert_messages(
    connection: &Connection,
    id: i64,
    first_seq: i64,
    messages: &[Message],
) -> Result<(), StoreError> {
    let first_id = crate::index::next_message_id(connection)?;
    let mut statement = connection
        .prepare_cached(
            "INSERT INTO messages (id, session_id, seq, role, content, created_at, created_at_ns,
                 archived, model, input_tokens, output_tokens, tool_calls, tool_call_id, provider,
                 cached_input_tokens, cache_write_tokens, reasoning_tokens)
             VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?15, ?16, ?17)",
        )
        .map_err(|error| backend("cannot store messages", error))?;
    for (offset, message) in messages.iter().enumerate() {
        let created = message.created_at.map(split_time);
        let usage = message.usage.unwrap_or_default();
        let tool_calls = if message.tool_calls.is_empty() {
            None
        } else {
            json_column(Some(&message.tool_calls))?
        };
        let tokens = |count: Option<u64>| -> Result<Option<i64>, StoreError> {
            count
                .map(|count| {
                    i64::try_from(count).map_err(|_| {
                        StoreError::Unstorable(format!("token count {count} is too large to store"))
                    })
                })
                .transpose()
        };
        statement
            .execute(params![
                id,
                first_seq + offset as i64,
                message.role.as_str(),
                message.content,
                created.map(|(seconds, _)| seconds),
                created.map(|(_, nanos)| nanos),
                message.archived,
                message.model,
                tokens(usage.input_tokens)?,
                tokens(usage.output_tokens)?,
                tool_calls,
                message.tool_call_id,
                message.provider,
                first_id + offset as i64,
                tokens(usage.cached_input_tokens)?,
                tokens(usage.cache_write_tokens)?,
                tokens(usage.reasoning_tokens)?,
            ])
            .map_err(|error| backend("cannot store messages", error))?;
    }
    Ok(())
}

/// The `messages` columns of one message, as stored: one named field per column, so a new
/// column is one new field here, in [`MessageRow::COLUMNS`] and in [`MessageRow::read`].
struct MessageRow {
    role: String,
    content: String,
    created_at: Option<i64>,
    created_at_ns: Option<i64>,
    archived: bool,
    model: Option<String>,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cached_input_tokens: Option<i64>,
    cache_write_tokens: Option<i64>,
    reasoning_tokens: Option<i64>,
    tool_calls: Option<String>,
    tool_call_id: Option<String>,
    provider: Option<String>,
}

impl MessageRow {
    /// The columns [`MessageRow::read`] reads, in its order.
    const COLUMNS: &'static str = "role, content, created_at, created_at_ns, archived, model,
         input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
         tool_calls, tool_call_id, provider";

    fn read(row: &Row<'_>) -> rusqlite::Result<MessageRow> {
        Ok(MessageRow {
            role: row.get("role")?,
            content: row.get("content")?,
            created_at: row.get("created_at")?,
            created_at_ns: row.get("created_at_ns")?,
            archived: row.get("archived")?,
            model: row.get("model")?,
            input_tokens: row.get("input_tokens")?,
            output_tokens: row.get("output_tokens")?,
            cached_input_tokens: row.get("cached_input_tokens")?,
            cache_write_tokens: row.get("cache_write_tokens")?,
            reasoning_tokens: row.get("reasoning_tokens")?,
            tool_calls: row.get("tool_calls")?,
            tool_call_id: row.get("tool_call_id")?,
            provider: row.get("provider")?,
        })
    }

    fn into_message(self) -> Result<Message, StoreError> {
        let role = Role::parse(&self.role).ok_or_else(|| {
            StoreError::Unstorable(format!("corrupt role {:?} in the store", self.role))
        })?;
        let count = |column: Option<i64>| column.map(|count| count.max(0) as u64);
        let usage = TokenUsage {
            input_tokens: count(self.input_tokens),
            output_tokens: count(self.output_tokens),
            cached_input_tokens: count(self.cached_input_tokens),
            cache_write_tokens: count(self.cache_write_tokens),
            reasoning_tokens: count(self.reasoning_tokens),
        };
        let usage = (usage != TokenUsage::default()).then_some(usage);
        Ok(Message {
            role,
            content: self.content,
            created_at: optional_time(self.created_at, self.created_at_ns)?,
            archived: self.archived,
            model: self.model,
            provider: self.provider,
            usage,
            tool_calls: from_json_column::<Vec<ToolCall>>(self.tool_calls)?.unwrap_or_default(),
            tool_call_id: self.tool_call_id,
        })
    }
}

/// Every message of session `id`, in order.
pub(crate) fn read_messages(connection: &Connection, id: i64) -> Result<Vec<Message>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {} FROM messages WHERE session_id = ?1 ORDER BY seq",
            MessageRow::COLUMNS
        ))
        .map_err(|error| backend("cannot read messages", error))?;
    let rows = statement
        .query_map(params![id], MessageRow::read)
        .map_err(|error| backend("cannot read messages", error))?;
    rows.map(|row| {
        row.map_err(|error| backend("cannot read messages", error))?
            .into_message()
    })
    .collect()
}
