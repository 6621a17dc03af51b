//! Gemini CLI's session recordings (`~/.gemini/tmp/<project>/chats/session-*.jsonl`) to the
//! checkpoint document.
//!
//! A recording is a log, not a document: Gemini CLI appends a record whenever something changes,
//! and rebuilds the conversation by replaying the log. This module replays it the same way
//! ([`Replay`]), then converts the messages that are left ([`convert`]).

use std::collections::{HashMap, HashSet};

use confab_core::transcript::{
    Envelope, Notes, lines, model_or_unknown, parse_line, session_name, timestamp,
};
use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, TokenUsage, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::decode::{Decoder, Parts};

/// Whether `bytes` are a JSON Lines recording: their first line is one of its records.
pub(crate) fn is_recording(bytes: &[u8]) -> bool {
    let Some((_, first)) = lines(bytes).next() else {
        return false;
    };
    match serde_json::from_slice::<Value>(first) {
        Ok(Value::Object(record)) => {
            is_header(&record)
                || record.get("$set").is_some_and(Value::is_object)
                || record.get("$rewindTo").is_some_and(Value::is_string)
                || (record.get("id").is_some_and(Value::is_string)
                    && record.get("type").is_some_and(Value::is_string))
        }
        _ => false,
    }
}

/// Whether `record` is the line that opens a recording (`{sessionId, projectHash, ...}`).
pub(crate) fn is_header(record: &Map<String, Value>) -> bool {
    record.get("sessionId").is_some_and(Value::is_string)
        && record.get("projectHash").is_some_and(Value::is_string)
}

/// A JSON Lines recording.
pub(crate) fn decode_lines(bytes: &[u8]) -> Result<DecodeOutcome, DecodeError> {
    let mut replay = Replay::default();
    for (number, line) in lines(bytes) {
        replay.record(parse_line(number, line)?);
    }
    convert(bytes, replay)
}

/// A whole recording in one JSON document (`{sessionId, projectHash, ..., messages: [...]}`), as
/// versions before the JSON Lines recordings wrote `session-*.json`.
pub(crate) fn decode_document(
    bytes: &[u8],
    document: &Map<String, Value>,
) -> Result<DecodeOutcome, DecodeError> {
    let mut replay = Replay::default();
    replay.header(document.clone());
    convert(bytes, replay)
}

/// The recording replayed as Gemini CLI replays it when it loads or resumes the session.
#[derive(Debug, Default)]
struct Replay {
    /// The conversation: message ids in order, each with its record.
    messages: Vec<(String, Map<String, Value>)>,
    /// Each message as first recorded: the last record appended under its id, which has every
    /// field Gemini CLI gave the message, or else the first record that listed it.
    recorded: HashMap<String, Map<String, Value>>,
    /// The session's metadata: the header's keys, updated by each `$set`.
    metadata: Map<String, Value>,
    /// The first header's start, before any resume's header.
    start_time: Option<Value>,
    /// Every session id the file names, first first.
    session_ids: Vec<String>,
    rewinds: usize,
    /// Ids of the messages appended with a line of their own.
    appended: HashSet<String>,
    /// Ids of the messages a rewind took back.
    rewound: HashSet<String>,
    notes: Notes,
}

impl Replay {
    fn record(&mut self, record: Map<String, Value>) {
        if let Some(target) = record.get("$rewindTo").and_then(Value::as_str) {
            // `/rewind`: the message and everything after it are taken back; an unknown id
            // takes back everything, as Gemini CLI does.
            let position = self.messages.iter().position(|(id, _)| id == target);
            let taken_back = self.messages.split_off(position.unwrap_or(0));
            self.rewound
                .extend(taken_back.into_iter().map(|(id, _)| id));
            self.rewinds += 1;
        } else if record.get("id").is_some_and(Value::is_string) {
            self.message(record, true);
        } else if let Some(Value::Object(updates)) = record.get("$set") {
            self.update(updates.clone());
        } else if is_header(&record) {
            self.header(record);
        } else {
            self.notes.tally("lines of an unknown kind skipped");
        }
    }

    /// A message appended (`appended`), or listed by a header or an update: a message with an
    /// id seen before replaces it where it stands.
    fn message(&mut self, record: Map<String, Value>, appended: bool) {
        let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_owned) else {
            self.notes.tally("messages without an id skipped");
            return;
        };
        if appended {
            self.appended.insert(id.clone());
            self.recorded.insert(id.clone(), record.clone());
        } else {
            self.recorded
                .entry(id.clone())
                .or_insert_with(|| record.clone());
        }
        match self.messages.iter_mut().find(|(known, _)| *known == id) {
            Some((_, known)) => *known = record,
            None => self.messages.push((id, record)),
        }
    }

    /// A `$set`: `messages` replaces the conversation so far, every other key the metadata's.
    fn update(&mut self, mut updates: Map<String, Value>) {
        if let Some(Value::Array(messages)) = updates.remove("messages") {
            self.messages.clear();
            self.listed(messages);
        }
        self.session_id(updates.get("sessionId"));
        self.metadata.extend(updates);
    }

    /// The line that opens the file, or a later one that a resume wrote.
    fn header(&mut self, mut header: Map<String, Value>) {
        if self.start_time.is_none() {
            self.start_time = header.get("startTime").cloned();
        }
        self.session_id(header.get("sessionId"));
        let messages = header.remove("messages");
        self.metadata.extend(header);
        if let Some(Value::Array(messages)) = messages {
            self.listed(messages);
        }
    }

    fn listed(&mut self, messages: Vec<Value>) {
        for message in messages {
            match message {
                Value::Object(message) => self.message(message, false),
                _ => self
                    .notes
                    .tally("messages that are not JSON objects skipped"),
            }
        }
    }

    fn session_id(&mut self, id: Option<&Value>) {
        if let Some(id) = id.and_then(Value::as_str)
            && !self.session_ids.iter().any(|known| known == id)
        {
            self.session_ids.push(id.to_owned());
        }
    }

    /// How many appended messages the conversation no longer lists, though no rewind took them
    /// back: Gemini CLI's own rewrites dropped them (a cancelled turn rolled back, `/compress`).
    fn dropped(&self) -> usize {
        let listed: HashSet<&str> = self.messages.iter().map(|(id, _)| id.as_str()).collect();
        self.appended
            .iter()
            .filter(|id| !listed.contains(id.as_str()) && !self.rewound.contains(*id))
            .count()
    }

    /// The record to import for the message `id` that the conversation lists as `listed`.
    ///
    /// When Gemini CLI rewrites the conversation (`$set` of `messages`, after a resume or when it
    /// masks old tool output) it may write a message back with less than it first recorded: the
    /// content as the model's history holds it, without tokens, model or tool calls, and with
    /// the time of the rewrite. The message as first recorded has all of that.
    fn best<'a>(&'a self, id: &str, listed: &'a Map<String, Value>) -> &'a Map<String, Value> {
        match self.recorded.get(id) {
            Some(recorded) if recorded.get("type") == listed.get("type") => recorded,
            _ => listed,
        }
    }
}

/// The replayed conversation as a checkpoint.
fn convert(bytes: &[u8], mut replay: Replay) -> Result<DecodeOutcome, DecodeError> {
    let mut decoder = Decoder::default();
    decoder.notes = std::mem::take(&mut replay.notes);
    let mut converter = Converter {
        decoder: &mut decoder,
        tool_prompt_tokens: 0,
    };
    for (id, listed) in &replay.messages {
        converter.message(replay.best(id, listed));
    }
    let tool_prompt_tokens = converter.tool_prompt_tokens;
    decoder.note_unanswered_calls();
    let Decoder {
        mut notes,
        messages,
        working_directory,
        ..
    } = decoder;
    if tool_prompt_tokens > 0 {
        notes.add(format!(
            "{tool_prompt_tokens} tool-use prompt tokens (`tokens.tool`) are not in the usage counts"
        ));
    }
    if replay.rewinds > 0 {
        notes.add(format!(
            "the conversation was rewound {} time(s); the messages taken back are left out",
            replay.rewinds
        ));
    }
    let dropped = replay.dropped();
    if dropped > 0 {
        notes.add(format!(
            "{dropped} recorded message(s) are left out: Gemini CLI's own rewrite of the \
             conversation (a cancelled turn, a compression) no longer lists them"
        ));
    }
    if replay.session_ids.len() > 1 {
        notes.add(format!(
            "the recording names {} session ids; it is imported as one session, named by the first",
            replay.session_ids.len()
        ));
    }
    if !messages.is_empty() && messages.iter().all(|message| message.role == Role::System) {
        return Err(DecodeError::new(
            "the recording holds only the context Gemini CLI sends at startup, no conversation",
        ));
    }

    let metadata = &replay.metadata;
    let session_id = replay.session_ids.first().map(String::as_str);
    let name = session_name("gemini", session_id, bytes, "the recording", &mut notes);
    let model = messages
        .iter()
        .rev()
        .find_map(|message| message.model.clone());
    let model = model_or_unknown(model, "no model turn names its model", &mut notes);
    let mut session_metadata = Map::new();
    if let Some(id) = session_id {
        session_metadata.insert("session_id".into(), Value::from(id));
    }
    for (key, name) in [
        ("projectHash", "project_hash"),
        ("summary", "title"),
        ("kind", "session_kind"),
    ] {
        if let Some(value) = metadata
            .get(key)
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
        {
            session_metadata.insert(name.into(), Value::from(value));
        }
    }
    // Directories added with `/dir add` when the context block names none.
    let working_directory = working_directory.or_else(|| {
        metadata
            .get("directories")
            .and_then(Value::as_array)
            .and_then(|directories| directories.first())
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let created_at = timestamp(replay.start_time.as_ref(), &mut notes);
    let updated_at = timestamp(metadata.get("lastUpdated"), &mut notes);
    let envelope = Envelope {
        name,
        provider: "google",
        model,
        context: Context {
            working_directory,
            ..Context::default()
        },
        metadata: session_metadata,
        created_at,
        updated_at,
    };
    confab_core::transcript::checkpoint(crate::NAME, envelope, messages, notes)
}

/// Converts message records, in order, into the decoder's messages.
struct Converter<'a> {
    decoder: &'a mut Decoder,
    /// `tokens.tool` summed: prompt tokens of tool use, which no usage count holds.
    tool_prompt_tokens: u64,
}

impl Converter<'_> {
    fn message(&mut self, record: &Map<String, Value>) {
        let created_at = timestamp(record.get("timestamp"), &mut self.decoder.notes);
        match record.get("type").and_then(Value::as_str) {
            Some("user") => self.user(record, created_at),
            Some("gemini") => self.gemini(record, created_at),
            Some("info" | "warning" | "error") => self.decoder.notes.tally(
                "Gemini CLI's own notices (info, warning and error entries, never sent to the model) skipped",
            ),
            Some(other) => self
                .decoder
                .notes
                .tally(format!("messages of unknown type {other:?} skipped")),
            None => self.decoder.notes.tally("messages without a type skipped"),
        }
    }

    fn user(&mut self, record: &Map<String, Value>, created_at: Option<Timestamp>) {
        let parts = self.parts(record.get("content"));
        // Gemini CLI also records each tool result as a user message after the call; the call's
        // own record answered it already, so only results of calls not answered yet are new.
        self.push_at(parts.responses, created_at);
        if !parts.calls.is_empty() {
            self.decoder
                .notes
                .tally("function calls in user messages skipped");
        }
        self.decoder.user_text(parts.text, created_at);
    }

    fn gemini(&mut self, record: &Map<String, Value>, created_at: Option<Timestamp>) {
        let parts = self.parts(record.get("content"));
        self.push_at(parts.responses, created_at);
        let mut calls = parts.calls;
        let mut results = Vec::new();
        for call in record
            .get("toolCalls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = call
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty());
            let name = call
                .get("name")
                .and_then(Value::as_str)
                .filter(|name| !name.is_empty());
            let (Some(id), Some(name)) = (id, name) else {
                self.decoder
                    .notes
                    .tally("tool calls without an id or a name skipped");
                continue;
            };
            if !calls.iter().any(|known| known.id == id) {
                calls.push(ToolCall {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    arguments: call.get("args").cloned().unwrap_or(Value::Null),
                });
                self.decoder.expect_response(id, name);
            }
            results.push((id, call));
        }
        let thoughts = record
            .get("thoughts")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for _ in 0..thoughts {
            self.decoder
                .notes
                .tally("thought summaries (the model's reasoning) not imported");
        }
        let usage = self.usage(record.get("tokens"));
        if parts.text.is_empty() && calls.is_empty() {
            if usage.is_some() {
                self.decoder.notes.tally(
                    "model turns without text or tool calls skipped, with their token counts",
                );
            } else if thoughts == 0 && parts.thoughts == 0 {
                self.decoder.notes.tally("empty model turns skipped");
            }
            return;
        }
        let mut message = Message::new(Role::Assistant, parts.text);
        message.created_at = created_at;
        message.model = record
            .get("model")
            .and_then(Value::as_str)
            .filter(|model| !model.trim().is_empty())
            .map(str::to_owned);
        message.usage = usage;
        message.tool_calls = calls;
        self.decoder.messages.push(message);
        for (id, call) in results {
            let at = timestamp(call.get("timestamp"), &mut self.decoder.notes).or(created_at);
            self.result(id, call.get("result"), at);
        }
    }

    /// The tool messages of one call's recorded `result`: `functionResponse` parts, with any
    /// other parts (text, media placeholders) added to the last of them.
    fn result(&mut self, id: &str, result: Option<&Value>, created_at: Option<Timestamp>) {
        if result.is_none_or(Value::is_null) {
            return;
        }
        let parts = self.parts(result);
        let mut responses = parts.responses;
        if !parts.text.is_empty() {
            match responses.last_mut() {
                Some(last) => {
                    if !last.content.is_empty() {
                        last.content.push('\n');
                    }
                    last.content.push_str(&parts.text);
                }
                None => responses.extend(self.decoder.answer_with_text(id, parts.text)),
            }
        }
        self.push_at(responses, created_at);
    }

    fn push_at(&mut self, messages: Vec<Message>, created_at: Option<Timestamp>) {
        for mut message in messages {
            message.created_at = created_at;
            self.decoder.messages.push(message);
        }
    }

    /// `content` is a `PartListUnion`: a string, a part, or a list of parts and strings.
    fn parts(&mut self, content: Option<&Value>) -> Parts {
        match content {
            None | Some(Value::Null) => Parts::default(),
            Some(Value::String(text)) => Parts {
                text: text.clone(),
                ..Parts::default()
            },
            Some(Value::Array(items)) => {
                let parts: Vec<Value> = items
                    .iter()
                    .map(|item| match item {
                        Value::String(text) => serde_json::json!({ "text": text }),
                        other => other.clone(),
                    })
                    .collect();
                self.decoder.parts(&parts)
            }
            Some(part @ Value::Object(_)) => self.decoder.parts(std::slice::from_ref(part)),
            Some(_) => {
                self.decoder
                    .notes
                    .tally("unreadable message contents skipped");
                Parts::default()
            }
        }
    }

    /// `tokens: {input, output, cached, thoughts, tool, total}`: Gemini's `promptTokenCount`
    /// (cached tokens included), `candidatesTokenCount`, `cachedContentTokenCount` and
    /// `thoughtsTokenCount` (beside the output).
    fn usage(&mut self, tokens: Option<&Value>) -> Option<TokenUsage> {
        let tokens = tokens?.as_object()?;
        let count = |key: &str| tokens.get(key).and_then(Value::as_u64);
        self.tool_prompt_tokens = self
            .tool_prompt_tokens
            .saturating_add(count("tool").unwrap_or(0));
        let usage = TokenUsage {
            input_tokens: count("input"),
            output_tokens: count("output"),
            cached_input_tokens: count("cached"),
            cache_write_tokens: None,
            reasoning_tokens: count("thoughts"),
        };
        (usage != TokenUsage::default()).then_some(usage)
    }
}
