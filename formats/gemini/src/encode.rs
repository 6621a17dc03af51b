//! A checkpoint as a Gemini CLI session recording that `gemini --resume <id>` continues.
//!
//! The lines mirror what Gemini CLI 0.61.0 writes itself (`tests/fixtures/recorded/`), in the
//! shape its `chatRecordingService.ts` replays (see the crate's documentation): a header
//! `{sessionId, projectHash, startTime, lastUpdated, kind: "main", directories}`, then one
//! message record per message, `{id, timestamp, type, content, ...}`, and no `$set` or
//! `$rewindTo` (the file is written whole, so each message is final as it is written). Gemini CLI
//! rebuilds the model's history from those records when it resumes, so what a record holds is
//! what the model sees.
//!
//! # Mapping
//!
//! - **The startup context** comes first, as in every recording Gemini CLI writes: a `user`
//!   record with the id Gemini CLI gives it ([`ENVIRONMENT_CONTEXT_ID`]) holding a
//!   `<session_context>` block. Resuming, Gemini CLI keeps a history that opens with that id as
//!   it is, and otherwise puts a context of its own before it, which would add a message to the
//!   recording ahead of the ones confab wrote (and `import --from gemini` counts messages to
//!   find what was added). A session imported from Gemini CLI opens with its recorded context,
//!   which is written back; any other gets one naming where it came from and the project folder
//!   (it reads back as a system message, and the decoder takes the folder from it). Gemini CLI
//!   sends the model a fresh context in its place (today's date, the folder it runs in): the
//!   recorded one is not sent.
//! - **User** messages become `user` records whose `content` is `[{"text": ...}]`, as typed
//!   prompts are.
//! - **Assistant** messages become `gemini` records: `content` the text, `model` the message's
//!   model (else the session's), `tokens` its usage in Gemini's terms (`input` is the prompt
//!   with the cached part inside it, so for providers that count the cache apart, Anthropic's,
//!   the cached tokens are added to it; `total` is input, output and thoughts), and each tool
//!   call a `toolCalls` entry `{id, name, args, result, status, timestamp}` whose `result` is the
//!   `functionResponse` part the tool's answer became: Gemini CLI keeps a call and its response
//!   together in the model turn, and sends them as a `functionCall` answered by the next user
//!   turn's `functionResponse` with the same id. The response is `{"output": text}`, as Gemini
//!   CLI's own tools answer. A call left without a result gets the output
//!   `[no result recorded]`, with a note (the API refuses a call without its response).
//! - **Tool calls to tools Gemini CLI does not have** (Claude Code's `Bash`, Codex's `shell`, an
//!   Atmos tool), or whose arguments are not a JSON object (a `functionCall`'s `args` must be
//!   one), are written as text in the model's answer (`[tool call NAME (ID)]` and the arguments
//!   as JSON), and their results as a user text (`[tool result for NAME (ID)]` and the output),
//!   so the model and the person still see what was run and what came back.
//! - **System** messages: Gemini CLI keeps its instructions outside the recording (its own
//!   system prompt, and `GEMINI.md` files it reads at every start), so the place the session
//!   carries them is the conversation. Gemini CLI's own startup context is written as above;
//!   any other system message becomes a `user` record wrapped in
//!   `<confab-system-message>` tags, which the model reads as the instructions they were and
//!   which the decoder turns back into a system message.
//! - **Archived** messages (no longer sent to the model in confab) are left out, with a note.
//!
//! Every record gets a time: the message's own, else the last one before it, else the
//! session's creation. Record ids are derived from the session id and the record's place, so
//! the same checkpoint always encodes to the same file.

use std::fmt::Write as _;

use confab_core::handoff::call_as_text;
pub use confab_core::handoff::{derived_uuid, to_jsonl, working_directory};
use confab_core::transcript::Notes;
use confab_core::{Checkpoint, Message, Role, TokenUsage, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The tag pair a system message is wrapped in, as a user record.
pub(crate) const SYSTEM_OPEN: &str = "<confab-system-message>";
/// See [`SYSTEM_OPEN`].
pub(crate) const SYSTEM_CLOSE: &str = "</confab-system-message>";

/// The id Gemini CLI gives the startup context, the first user entry of every chat: the first
/// 32 hex digits of the SHA-256 of `environment-context` (`deriveStableId` in 0.61). Resuming,
/// it keeps a history whose first entry has this id as it is, and puts a new context before any
/// other.
pub const ENVIRONMENT_CONTEXT_ID: &str = "d04923d38bb0f6017037e74183378ef4";

/// How Gemini CLI's startup context opens.
const CONTEXT_OPENING: &str = "This is the Gemini CLI. We are setting up the context for our chat.";

/// Whether `message` is Gemini CLI's startup context, as the decoder imports it.
fn is_startup_context(message: &Message) -> bool {
    message.role == Role::System && message.content.contains(crate::decode::SETUP_MARKER)
}

/// The tools Gemini CLI offers the model (the built-in tools of 0.61, and the names earlier
/// versions used, which its older recordings call). A call to any other name is written as text.
pub const GEMINI_CLI_TOOLS: &[&str] = &[
    "activate_skill",
    "ask_user",
    "enter_plan_mode",
    "exit_plan_mode",
    "glob",
    "google_web_search",
    "grep_search",
    "list_directory",
    "read_file",
    "read_many_files",
    "replace",
    "run_shell_command",
    "save_memory",
    "search_file_content",
    "web_fetch",
    "write_file",
    "write_todos",
];

/// Where and as what a recording is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingTarget {
    /// The `sessionId`, a UUID: `gemini --resume <session_id>` finds the recording by it.
    pub session_id: String,
    /// The project's folder: its SHA-256 is the header's `projectHash`, and it is the header's
    /// one `directories` entry. Gemini CLI files the recording under this folder's project.
    pub project_root: String,
}

impl RecordingTarget {
    /// The target `export` writes to: an id derived from the session's name and creation time
    /// (the same session exports to the same file), and the session's working directory, `.`
    /// when it has none.
    pub fn for_export(checkpoint: &Checkpoint) -> RecordingTarget {
        let created = checkpoint
            .session
            .created_at
            .map(|at| at.to_string())
            .unwrap_or_default();
        RecordingTarget {
            session_id: derived_uuid(&format!("{}\n{created}", checkpoint.session.name), 0),
            project_root: working_directory(checkpoint).unwrap_or_else(|| ".".to_owned()),
        }
    }
}

/// The lines of `checkpoint` as a recording for `target`, and what they could not hold.
pub fn recording(checkpoint: &Checkpoint, target: &RecordingTarget) -> (Vec<Value>, Vec<String>) {
    let start = checkpoint
        .session
        .created_at
        .or(checkpoint.session.updated_at)
        .or(checkpoint.exported_at)
        .unwrap_or_else(Timestamp::now);
    let mut writer = Writer {
        target,
        records: Vec::new(),
        notes: Notes::default(),
        open: None,
        as_text: Vec::new(),
        deferred: Vec::new(),
        last_time: start,
        provider: checkpoint.session.provider.clone(),
        model: checkpoint.session.model.clone(),
    };
    let opens_with_context = checkpoint
        .messages
        .iter()
        .find(|message| !message.archived)
        .is_some_and(is_startup_context);
    if !opens_with_context {
        writer.startup_context(checkpoint);
    }
    for message in &checkpoint.messages {
        if message.archived {
            writer.notes.tally(
                "archived messages left out (confab no longer sent them to the model either)",
            );
            continue;
        }
        writer.message(message);
    }
    writer.close_answer();
    let last = writer.last_time;
    let mut header = Map::new();
    header.insert("sessionId".into(), Value::from(target.session_id.as_str()));
    header.insert(
        "projectHash".into(),
        Value::from(sha256_hex(target.project_root.as_bytes())),
    );
    header.insert("startTime".into(), Value::from(gemini_time(start)));
    header.insert("lastUpdated".into(), Value::from(gemini_time(last)));
    header.insert("kind".into(), Value::from("main"));
    header.insert("directories".into(), json!([target.project_root.as_str()]));
    let mut lines = vec![Value::Object(header)];
    lines.extend(writer.records);
    (lines, writer.notes.into_vec())
}

/// A model turn being written: its record waits for the results of its calls.
struct OpenAnswer {
    record: Map<String, Value>,
    /// The `toolCalls` entries, in order, each waiting for its `result`.
    calls: Vec<Map<String, Value>>,
}

struct Writer<'a> {
    target: &'a RecordingTarget,
    records: Vec<Value>,
    notes: Notes,
    /// The last model turn, while tool results may still answer its calls.
    open: Option<OpenAnswer>,
    /// Calls written as text (tool unknown to Gemini CLI): (id, name).
    as_text: Vec<(String, String)>,
    /// Results written as text while the open turn still waits: they follow it.
    deferred: Vec<(String, Timestamp)>,
    last_time: Timestamp,
    provider: String,
    model: String,
}

impl Writer<'_> {
    fn message(&mut self, message: &Message) {
        if let Some(at) = message.created_at {
            self.last_time = at;
        }
        match message.role {
            Role::User => {
                self.close_answer();
                if message.content.is_empty() {
                    self.notes.tally("empty user messages left out");
                    return;
                }
                self.user(&message.content);
            }
            Role::System => {
                self.close_answer();
                if self.records.is_empty() && is_startup_context(message) {
                    // Gemini CLI's own startup context, back where it keeps it.
                    self.record_user(ENVIRONMENT_CONTEXT_ID.to_owned(), &message.content);
                    return;
                }
                self.notes.tally(
                    "system messages written as user messages in <confab-system-message> tags \
                     (a Gemini CLI recording keeps no system prompt)",
                );
                let text = format!("{SYSTEM_OPEN}\n{}\n{SYSTEM_CLOSE}", message.content);
                self.user(&text);
            }
            Role::Assistant => {
                self.close_answer();
                self.answer(message);
            }
            Role::Tool => self.tool_result(message),
        }
    }

    fn time(&self) -> String {
        gemini_time(self.last_time)
    }

    fn next_id(&self) -> String {
        derived_uuid(&self.target.session_id, self.records.len() as u64 + 1)
    }

    fn user(&mut self, text: &str) {
        self.record_user(self.next_id(), text);
    }

    /// The startup context Gemini CLI would have sent, for a session that did not begin there:
    /// the marker sentence, where the session came from, and the project folder.
    fn startup_context(&mut self, checkpoint: &Checkpoint) {
        let text = format!(
            "<session_context>\n{CONTEXT_OPENING}\nThis conversation began with {} (model {}) \
             and was handed to Gemini CLI by confab; its history follows.\n\
             - **Workspace Directories:**\n  - {}\n</session_context>",
            checkpoint.session.provider, checkpoint.session.model, self.target.project_root
        );
        self.record_user(ENVIRONMENT_CONTEXT_ID.to_owned(), &text);
    }

    fn record_user(&mut self, id: String, text: &str) {
        let mut record = Map::new();
        record.insert("id".into(), Value::from(id));
        record.insert("timestamp".into(), Value::from(self.time()));
        record.insert("type".into(), Value::from("user"));
        record.insert("content".into(), json!([{ "text": text }]));
        self.records.push(Value::Object(record));
    }

    fn answer(&mut self, message: &Message) {
        let mut text = message.content.clone();
        let mut calls = Vec::new();
        for call in &message.tool_calls {
            match call_args(call) {
                Some(args) if GEMINI_CLI_TOOLS.contains(&call.name.as_str()) => {
                    let mut entry = Map::new();
                    entry.insert("id".into(), Value::from(call.id.as_str()));
                    entry.insert("name".into(), Value::from(call.name.as_str()));
                    entry.insert("args".into(), args);
                    calls.push(entry);
                }
                _ => {
                    self.notes.tally(
                        "tool calls to tools Gemini CLI does not have written as text, with \
                         their results",
                    );
                    if !text.is_empty() {
                        text.push_str("\n\n");
                    }
                    text.push_str(&call_as_text(call));
                    self.as_text.push((call.id.clone(), call.name.clone()));
                }
            }
        }
        if text.is_empty() && calls.is_empty() {
            self.notes
                .tally("empty assistant messages left out (no text, no tool call)");
            return;
        }
        let model = message.model.clone().unwrap_or_else(|| self.model.clone());
        let provider = message.provider.as_deref().unwrap_or(&self.provider);
        let mut record = Map::new();
        record.insert("id".into(), Value::from(self.next_id()));
        record.insert("timestamp".into(), Value::from(self.time()));
        record.insert("type".into(), Value::from("gemini"));
        record.insert("content".into(), Value::from(text));
        if let Some(usage) = &message.usage {
            record.insert("tokens".into(), gemini_tokens(usage, provider));
        }
        record.insert("model".into(), Value::from(model));
        // A placeholder keeps the record's place among the records; `close_answer` fills it.
        self.records.push(Value::Null);
        self.open = Some(OpenAnswer { record, calls });
    }

    fn tool_result(&mut self, message: &Message) {
        let id = message.tool_call_id.as_deref().unwrap_or_default();
        let time = self.time();
        if let Some(open) = &mut self.open
            && let Some(call) = open
                .calls
                .iter_mut()
                .find(|call| call.get("id").and_then(Value::as_str) == Some(id))
            && !call.contains_key("result")
        {
            let name = call.get("name").cloned().unwrap_or(Value::Null);
            answer_call(call, &name, &message.content, "success", time);
            return;
        }
        // Results of calls written as text, and results of no known call, are text too.
        let header = match self.as_text.iter().find(|(known, _)| known == id) {
            Some((_, name)) => format!("[tool result for {name} ({id})]"),
            None => {
                self.notes.tally(
                    "tool results that answer no tool call before them written as user text",
                );
                if id.is_empty() {
                    "[tool result]".to_owned()
                } else {
                    format!("[tool result ({id})]")
                }
            }
        };
        let text = format!("{header}\n{}", message.content);
        if self.open.is_some() {
            self.deferred.push((text, self.last_time));
        } else {
            self.user(&text);
        }
    }

    /// Writes the open model turn, answering calls still waiting with a placeholder, then the
    /// results written as text that waited for it.
    fn close_answer(&mut self) {
        if let Some(OpenAnswer { mut record, calls }) = self.open.take() {
            let time = self.time();
            let mut entries = Vec::new();
            for mut call in calls {
                if !call.contains_key("result") {
                    self.notes.tally(
                        "tool calls without a recorded result given the result \"[no result \
                         recorded]\"",
                    );
                    let name = call.get("name").cloned().unwrap_or(Value::Null);
                    answer_call(
                        &mut call,
                        &name,
                        "[no result recorded]",
                        "error",
                        time.clone(),
                    );
                }
                entries.push(Value::Object(call));
            }
            if !entries.is_empty() {
                record.insert("toolCalls".into(), Value::Array(entries));
            }
            if let Some(slot) = self.records.iter_mut().rev().find(|slot| slot.is_null()) {
                *slot = Value::Object(record);
            }
        }
        let last_time = self.last_time;
        for (text, at) in std::mem::take(&mut self.deferred) {
            self.last_time = at;
            self.user(&text);
        }
        self.last_time = last_time;
    }
}

/// Fills a `toolCalls` entry's `result` (the `functionResponse` part), `status` and `timestamp`.
fn answer_call(
    call: &mut Map<String, Value>,
    name: &Value,
    output: &str,
    status: &str,
    at: String,
) {
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    call.insert(
        "result".into(),
        json!([{"functionResponse": {"id": id, "name": name, "response": {"output": output}}}]),
    );
    call.insert("status".into(), Value::from(status));
    call.insert("timestamp".into(), Value::from(at));
}

/// A call's arguments as a `functionCall`'s `args`, which must be a JSON object: the object
/// itself, or a string holding one (Codex writes arguments as JSON text).
fn call_args(call: &ToolCall) -> Option<Value> {
    match &call.arguments {
        Value::Object(_) => Some(call.arguments.clone()),
        Value::Null => Some(json!({})),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(object @ Value::Object(_)) => Some(object),
            _ => None,
        },
        _ => None,
    }
}

/// `usage` as Gemini counts it: `input` holds the cached tokens.
fn gemini_tokens(usage: &TokenUsage, provider: &str) -> Value {
    let cache_apart = matches!(provider, "anthropic" | "claude" | "opencode");
    let cached = usage.cached_input_tokens.unwrap_or(0);
    let input = usage.input_tokens.unwrap_or(0) + if cache_apart { cached } else { 0 };
    let output = usage.output_tokens.unwrap_or(0);
    let thoughts = usage.reasoning_tokens.unwrap_or(0);
    json!({
        "input": input,
        "output": output,
        "cached": cached,
        "thoughts": thoughts,
        "tool": 0,
        "total": input + output + thoughts,
    })
}

/// A time as Gemini CLI writes it (JavaScript's `toISOString`: milliseconds, `Z`).
fn gemini_time(at: Timestamp) -> String {
    format!("{:.3}", at)
}

/// The file name Gemini CLI gives a recording: `session-<start minute>-<first 8 of the id>.jsonl`.
pub fn file_name(session_id: &str, start: Timestamp) -> String {
    let minute = start.strftime("%Y-%m-%dT%H-%M").to_string();
    let short: String = session_id.chars().take(8).collect();
    format!("session-{minute}-{short}.jsonl")
}

/// SHA-256 of `bytes` in hex: Gemini CLI's `projectHash` is that of the project's folder.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}
