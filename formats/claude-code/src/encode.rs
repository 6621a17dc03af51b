//! A checkpoint as a Claude Code transcript that `claude --resume <id>` continues.
//!
//! The records mirror what Claude Code 2.1.332 writes itself (`tests/fixtures/recorded/`): one
//! JSON object per line, each `user` or `assistant` record with `parentUuid` naming the record
//! before it (one linear chain, so the conversation Claude Code rebuilds from the last record
//! is the whole of it), `isSidechain: false`, `sessionId`, `cwd`, `timestamp`, `version`,
//! `userType` and a `message` in the Anthropic Messages shape. Claude Code replays exactly those
//! records to the model when it resumes, so what a record holds is what the model sees.
//!
//! # Mapping
//!
//! - **User** messages become `user` records whose `message.content` is the text, as typed
//!   prompts are.
//! - **Assistant** messages become one `assistant` record per content block (`text`, then each
//!   `tool_use` with its `id`, `name` and `input`), all with the same `message.id`, `model`,
//!   `stop_reason` and `usage`, as Claude Code splits one API answer. Usage is written in
//!   Anthropic's terms: `input_tokens` is the uncached input, so for providers that count the
//!   cache inside the input (OpenAI, Codex, Gemini) the cached part is taken out of it and
//!   written as `cache_read_input_tokens`.
//! - **Tool results** become `user` records holding one `tool_result` block paired by
//!   `tool_use_id` with the call, directly after the assistant record that made it (the API
//!   refuses a `tool_use` not answered by the next user message). A call left without a result
//!   gets a placeholder result saying so, with a note.
//! - **Tool calls to tools Claude Code does not have** (Codex's `shell`, Gemini's
//!   `run_shell_command`, an Atmos tool) would be calls to no tool: they are written as text in
//!   the assistant's answer (`[tool call NAME (ID)]` and the arguments as JSON), and their
//!   results as a user text (`[tool result for NAME (ID)]` and the output), so the model and
//!   the person still see what was run and what came back. Tool ids the API would refuse are
//!   made safe (letters, digits, `_` and `-`).
//! - **System** messages: a transcript has no place for a system prompt (Claude Code builds its
//!   own for every request), so each becomes a `user` record wrapped in
//!   `<confab-system-message>` tags, which the model reads as the instructions they were and
//!   which the decoder turns back into a system message.
//! - **Archived** messages (no longer sent to the model in confab) are left out, with a note:
//!   the model did not see them, and neither will Claude Code's.
//!
//! What is left out or changed is reported by [`transcript`] as notes, which `export` prints
//! as `note:` lines.

use confab_core::handoff::call_as_text;
pub use confab_core::handoff::{derived_uuid, format_uuid, to_jsonl, working_directory};
use confab_core::transcript::Notes;
use confab_core::{Checkpoint, Message, Role, TokenUsage, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// The Claude Code version whose transcripts these records imitate, written as each record's
/// `version` (the client checks nothing against it; it is what the fixtures were recorded with).
pub const CLIENT_VERSION: &str = "2.1.332";

/// The tag pair a system message is wrapped in, as a user record.
pub(crate) const SYSTEM_OPEN: &str = "<confab-system-message>";
/// See [`SYSTEM_OPEN`].
pub(crate) const SYSTEM_CLOSE: &str = "</confab-system-message>";

/// The tools Claude Code offers the model: those 2.1.332 lists in its requests (deferred ones
/// included, as its `deferred_tools_delta` attachments name them), and those earlier 2.x
/// versions offered, which its own older transcripts call and which 2.1.332 replays as they are
/// (checked by hand with `Grep` and `TodoWrite`). A call to any other name is written as text.
pub const CLAUDE_CODE_TOOLS: &[&str] = &[
    // Offered by 2.1.332.
    "Agent",
    "Bash",
    "CronCreate",
    "CronDelete",
    "CronList",
    "Edit",
    "EnterWorktree",
    "ExitWorktree",
    "ListAgents",
    "Monitor",
    "NotebookEdit",
    "Read",
    "SendMessage",
    "Skill",
    "TaskStop",
    "ToolSearch",
    "WebFetch",
    "WebSearch",
    "Workflow",
    "Write",
    // Offered by earlier 2.x versions.
    "AskUserQuestion",
    "BashOutput",
    "ExitPlanMode",
    "Glob",
    "Grep",
    "KillShell",
    "LS",
    "MultiEdit",
    "NotebookRead",
    "SlashCommand",
    "Task",
    "TodoWrite",
];

/// Where and as what a transcript is written: the session id Claude Code will know it by (the
/// file's name) and the folder it ran in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptTarget {
    /// The `sessionId`, a UUID: `claude --resume <session_id>` finds the file by it.
    pub session_id: String,
    /// The `cwd` of every record: Claude Code looks for the file in the project folder of the
    /// directory it is started in, so this should be where `claude` will run.
    pub cwd: String,
}

impl TranscriptTarget {
    /// The target `export` writes to: an id derived from the session's name and creation time
    /// (the same session exports to the same file), and the session's working directory (its
    /// context's, else its project path), `.` when it has none.
    pub fn for_export(checkpoint: &Checkpoint) -> TranscriptTarget {
        let created = checkpoint
            .session
            .created_at
            .map(|at| at.to_string())
            .unwrap_or_default();
        TranscriptTarget {
            session_id: derived_uuid(&format!("{}\n{created}", checkpoint.session.name), 0),
            cwd: working_directory(checkpoint).unwrap_or_else(|| ".".to_owned()),
        }
    }
}

/// The records of `checkpoint` as a transcript for `target`, and what they could not hold.
pub fn transcript(checkpoint: &Checkpoint, target: &TranscriptTarget) -> (Vec<Value>, Vec<String>) {
    let mut writer = Writer {
        target,
        records: Vec::new(),
        notes: Notes::default(),
        parent: None,
        pending: Vec::new(),
        as_text: Vec::new(),
        deferred: Vec::new(),
        last_time: checkpoint
            .session
            .created_at
            .or(checkpoint.session.updated_at)
            .or(checkpoint.exported_at),
        provider: checkpoint.session.provider.clone(),
        model: checkpoint.session.model.clone(),
        answers: 0,
    };
    for message in &checkpoint.messages {
        if message.archived {
            writer.notes.tally(
                "archived messages left out (confab no longer sent them to the model either)",
            );
            continue;
        }
        writer.message(message);
    }
    writer.answer_pending();
    (writer.records, writer.notes.into_vec())
}

/// A tool call written as a `tool_use` and not answered yet: its id in the checkpoint and in
/// the transcript.
#[derive(Debug)]
struct Pending {
    original: String,
    written: String,
    name: String,
    assistant_uuid: String,
}

struct Writer<'a> {
    target: &'a TranscriptTarget,
    records: Vec<Value>,
    notes: Notes,
    parent: Option<String>,
    /// Calls of the last assistant message written as `tool_use`, not yet answered.
    pending: Vec<Pending>,
    /// Calls written as text (tool unknown to Claude Code): (id, name).
    as_text: Vec<(String, String)>,
    /// Results written as text that arrived while `tool_use` calls still wait for theirs: they
    /// follow those results, which must come first.
    deferred: Vec<String>,
    last_time: Option<Timestamp>,
    provider: String,
    model: String,
    answers: u64,
}

impl Writer<'_> {
    fn message(&mut self, message: &Message) {
        if let Some(at) = message.created_at {
            self.last_time = Some(at);
        }
        match message.role {
            Role::User => {
                self.answer_pending();
                if message.content.is_empty() {
                    self.notes.tally("empty user messages left out");
                    return;
                }
                self.user(Value::from(message.content.as_str()), Map::new());
            }
            Role::System => {
                self.answer_pending();
                self.notes.tally(
                    "system messages written as user messages in <confab-system-message> tags \
                     (a Claude Code transcript keeps no system prompt)",
                );
                let text = format!("{SYSTEM_OPEN}\n{}\n{SYSTEM_CLOSE}", message.content);
                self.user(Value::from(text), Map::new());
            }
            Role::Assistant => {
                self.answer_pending();
                self.assistant(message);
            }
            Role::Tool => self.tool_result(message),
        }
    }

    fn timestamp(&self) -> String {
        self.last_time.unwrap_or_else(Timestamp::now).to_string()
    }

    /// Appends a record of `kind` holding `message`, chained to the one before; returns its uuid.
    fn record(&mut self, kind: &str, message: Value, extra: Map<String, Value>) -> String {
        let uuid = derived_uuid(&self.target.session_id, self.records.len() as u64 + 1);
        let mut record = Map::new();
        record.insert(
            "parentUuid".into(),
            self.parent.clone().map_or(Value::Null, Value::from),
        );
        record.insert("isSidechain".into(), Value::Bool(false));
        record.insert("type".into(), Value::from(kind));
        record.insert("message".into(), message);
        record.insert("uuid".into(), Value::from(uuid.as_str()));
        record.insert("timestamp".into(), Value::from(self.timestamp()));
        record.extend(extra);
        record.insert("userType".into(), Value::from("external"));
        record.insert("cwd".into(), Value::from(self.target.cwd.as_str()));
        record.insert(
            "sessionId".into(),
            Value::from(self.target.session_id.as_str()),
        );
        record.insert("version".into(), Value::from(CLIENT_VERSION));
        self.records.push(Value::Object(record));
        self.parent = Some(uuid.clone());
        uuid
    }

    fn user(&mut self, content: Value, extra: Map<String, Value>) -> String {
        self.record("user", json!({"role": "user", "content": content}), extra)
    }

    fn assistant(&mut self, message: &Message) {
        let mut text = message.content.clone();
        let mut calls = Vec::new();
        for call in &message.tool_calls {
            match tool_input(call) {
                Some(input) if CLAUDE_CODE_TOOLS.contains(&call.name.as_str()) => {
                    calls.push((call, input));
                }
                _ => {
                    self.notes.tally(
                        "tool calls to tools Claude Code does not have written as text, with \
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
        let mut blocks = Vec::new();
        if !text.is_empty() {
            blocks.push(json!({"type": "text", "text": text}));
        }
        let mut written_calls = Vec::new();
        for (index, (call, input)) in calls.into_iter().enumerate() {
            let id = safe_tool_id(&call.id, &self.target.session_id, self.answers, index);
            blocks.push(json!({"type": "tool_use", "id": id, "name": call.name, "input": input}));
            written_calls.push((call.id.clone(), id, call.name.clone()));
        }
        if blocks.is_empty() {
            self.notes
                .tally("empty assistant messages left out (no text, no tool call)");
            return;
        }
        self.answers += 1;
        let message_id = format!(
            "msg_confab{}",
            &derived_uuid(&self.target.session_id, 1_000_000 + self.answers).replace('-', "")[..20]
        );
        let stop_reason = if written_calls.is_empty() {
            "end_turn"
        } else {
            "tool_use"
        };
        let model = message.model.clone().unwrap_or_else(|| self.model.clone());
        let provider = message.provider.as_deref().unwrap_or(&self.provider);
        let usage = message
            .usage
            .as_ref()
            .map(|usage| anthropic_usage(usage, provider));
        let mut last_uuid = String::new();
        for block in blocks {
            let mut body = Map::new();
            body.insert("id".into(), Value::from(message_id.as_str()));
            body.insert("type".into(), Value::from("message"));
            body.insert("role".into(), Value::from("assistant"));
            body.insert("model".into(), Value::from(model.as_str()));
            body.insert("content".into(), Value::Array(vec![block]));
            body.insert("stop_reason".into(), Value::from(stop_reason));
            body.insert("stop_sequence".into(), Value::Null);
            if let Some(usage) = &usage {
                body.insert("usage".into(), usage.clone());
            }
            last_uuid = self.record("assistant", Value::Object(body), Map::new());
        }
        self.pending = written_calls
            .into_iter()
            .map(|(original, written, name)| Pending {
                original,
                written,
                name,
                assistant_uuid: last_uuid.clone(),
            })
            .collect();
    }

    fn tool_result(&mut self, message: &Message) {
        let id = message.tool_call_id.as_deref().unwrap_or_default();
        if let Some(index) = self.pending.iter().position(|call| call.original == id) {
            let call = self.pending.remove(index);
            self.result_record(&call, &message.content, false);
            if self.pending.is_empty() {
                self.flush_deferred();
            }
            return;
        }
        // Results of the calls written as text, and results of no known call, are text too.
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
        if self.pending.is_empty() {
            self.user(Value::from(text), Map::new());
        } else {
            self.deferred.push(text);
        }
    }

    fn flush_deferred(&mut self) {
        for text in std::mem::take(&mut self.deferred) {
            self.user(Value::from(text), Map::new());
        }
    }

    fn result_record(&mut self, call: &Pending, content: &str, placeholder: bool) {
        let mut extra = Map::new();
        if call.name == "Bash" {
            extra.insert(
                "toolUseResult".into(),
                json!({"stdout": content, "stderr": "", "interrupted": false, "isImage": false}),
            );
        }
        extra.insert(
            "sourceToolAssistantUUID".into(),
            Value::from(call.assistant_uuid.as_str()),
        );
        let block = json!({
            "tool_use_id": call.written,
            "type": "tool_result",
            "content": content,
            "is_error": placeholder,
        });
        self.user(Value::Array(vec![block]), extra);
    }

    /// Answers every call still waiting with a placeholder: the next message is not its result.
    fn answer_pending(&mut self) {
        for call in std::mem::take(&mut self.pending) {
            self.notes.tally(
                "tool calls without a recorded result given the result \"[no result recorded]\"",
            );
            self.result_record(&call, "[no result recorded]", true);
        }
        self.flush_deferred();
    }
}

/// A call's arguments as a `tool_use` input, which must be a JSON object: the object itself,
/// or a string holding one (Codex writes arguments as JSON text).
fn tool_input(call: &ToolCall) -> Option<Value> {
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

/// `id` if the API takes it as a `tool_use` id (`^[a-zA-Z0-9_-]+$`), else one made of it.
fn safe_tool_id(id: &str, session: &str, answer: u64, index: usize) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        format!(
            "toolu_confab{}",
            &derived_uuid(session, (answer << 16) + index as u64).replace('-', "")[..20]
        )
    } else {
        cleaned
    }
}

/// `usage` as Anthropic counts it (see [`TokenUsage`]): the uncached input apart from the
/// cache reads.
fn anthropic_usage(usage: &TokenUsage, provider: &str) -> Value {
    let cache_inside_input = !matches!(provider, "anthropic" | "claude" | "opencode");
    let cached = usage.cached_input_tokens.unwrap_or(0);
    let input = usage.input_tokens.map(|input| {
        if cache_inside_input {
            input.saturating_sub(cached)
        } else {
            input
        }
    });
    let mut out = Map::new();
    out.insert("input_tokens".into(), Value::from(input.unwrap_or(0)));
    out.insert(
        "cache_creation_input_tokens".into(),
        Value::from(usage.cache_write_tokens.unwrap_or(0)),
    );
    out.insert("cache_read_input_tokens".into(), Value::from(cached));
    out.insert(
        "output_tokens".into(),
        Value::from(usage.output_tokens.unwrap_or(0)),
    );
    if let Some(thinking) = usage.reasoning_tokens {
        out.insert(
            "output_tokens_details".into(),
            json!({"thinking_tokens": thinking}),
        );
    }
    Value::Object(out)
}
