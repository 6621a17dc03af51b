//! A checkpoint as a Codex rollout that `codex resume <id>` continues.
//!
//! The lines mirror what Codex 0.171.0 writes itself (`tests/fixtures/recorded/`): one
//! `{timestamp, ordinal, type, payload}` object per line, a `session_meta` first (the session
//! `id`, `timestamp`, `cwd`, `originator`, `cli_version`, `source`), then per turn a
//! `turn_context` (model, cwd, policies) and the turn's `response_item`s. When Codex resumes a
//! rollout it rebuilds the conversation it sends to the model from the `response_item`s, in
//! file order, so what those hold is what the model sees; the `event_msg` records are what the
//! terminal shows of the history.
//!
//! # Mapping
//!
//! - **User** messages become `message` items with role `user` and one `input_text`, marked as
//!   typed (`content_item_kinds: ["user.text"]`, provenance `user`) as Codex marks a prompt,
//!   each followed by the `item_completed` `UserMessage` event Codex writes for one.
//! - **Assistant** messages become a `message` item with role `assistant` and one
//!   `output_text` (and its `AgentMessage` event), then one `function_call` per tool call
//!   (`name`, `arguments` as a string of JSON, `call_id`; a freeform `apply_patch` patch as a
//!   `custom_tool_call` with its `input`, as Codex writes one); their usage becomes a
//!   `token_usage_record` in Codex's terms (the input counts the cached part, so for providers
//!   that count it apart, Anthropic's, it is added back).
//! - **Tool results** become `function_call_output` items paired by `call_id` with the call,
//!   directly after the calls of their answer (the Responses API refuses a `function_call`
//!   left unanswered). A call left without a result gets a placeholder output saying so, with
//!   a note.
//! - **Tool calls to tools Codex does not have** (Claude Code's `Bash` or `Read`, Gemini's
//!   `run_shell_command`, an Atmos tool) would be calls to no tool: they are written as text in
//!   the assistant's answer (`[tool call NAME (ID)]` and the arguments as JSON), and their
//!   results as a user text (`[tool result for NAME (ID)]` and the output), so the model and
//!   the person still see what was run and what came back.
//! - **System** messages become `developer` messages, where Codex keeps instructions that are
//!   part of the conversation (its own skills and permission texts are developer messages):
//!   the resumed session replays them to the model, and the decoder reads them back as system
//!   messages. The project instructions of the session's context are written as the session
//!   meta's `instructions`, which the decoder reads back; no `base_instructions` are written,
//!   so Codex uses its own system prompt.
//! - **Archived** messages (no longer sent to the model in confab) are left out, with a note:
//!   the model did not see them, and neither will Codex's.
//!
//! What is left out or changed is reported by [`rollout`] as notes, which `export` prints as
//! `note:` lines.

use confab_core::handoff::call_as_text;
pub use confab_core::handoff::{derived_uuid, to_jsonl, working_directory};
use confab_core::transcript::Notes;
use confab_core::{Checkpoint, Message, Role, TokenUsage, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// The Codex version whose rollouts these lines imitate, written as the session meta's
/// `cli_version`.
pub const CLIENT_VERSION: &str = "0.171.0";

/// The session meta's `originator`: who wrote the rollout.
pub const ORIGINATOR: &str = "confab";

/// The function tools Codex offers the model (0.171 offers `exec_command` and `write_stdin`
/// for the shell; earlier versions `shell` and `shell_command`; `apply_patch`, `update_plan`
/// and `view_image` as functions). A call to any other name is written as text.
pub const CODEX_TOOLS: &[&str] = &[
    "exec_command",
    "write_stdin",
    "shell",
    "shell_command",
    "apply_patch",
    "update_plan",
    "view_image",
];

/// The result a call without a recorded one is given.
const NO_RESULT: &str = "[no result recorded]";

/// Where and as what a rollout is written: the session id Codex will know it by (in the
/// file's name and the session meta) and the folder it ran in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutTarget {
    /// The session id, a UUID: `codex resume <session_id>` finds the file by it.
    pub session_id: String,
    /// The session meta's and every turn context's `cwd`.
    pub cwd: String,
}

impl RolloutTarget {
    /// The target `export` writes to: an id derived from the session's name and creation time
    /// (the same session exports to the same file), and the session's working directory (its
    /// context's, else its project path), `.` when it has none.
    pub fn for_export(checkpoint: &Checkpoint) -> RolloutTarget {
        let created = checkpoint
            .session
            .created_at
            .map(|at| at.to_string())
            .unwrap_or_default();
        RolloutTarget {
            session_id: derived_uuid(&format!("{}\n{created}", checkpoint.session.name), 0),
            cwd: working_directory(checkpoint).unwrap_or_else(|| ".".to_owned()),
        }
    }
}

/// The file name Codex gives a rollout started at `at` with id `session_id`:
/// `rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl`, in UTC.
pub fn file_name(at: Timestamp, session_id: &str) -> String {
    format!(
        "rollout-{}-{session_id}.jsonl",
        at.strftime("%Y-%m-%dT%H-%M-%S")
    )
}

/// The lines of `checkpoint` as a rollout for `target`, and what they could not hold.
pub fn rollout(checkpoint: &Checkpoint, target: &RolloutTarget) -> (Vec<Value>, Vec<String>) {
    let started = checkpoint
        .session
        .created_at
        .or(checkpoint.session.updated_at)
        .or(checkpoint.exported_at)
        .unwrap_or_else(Timestamp::now);
    let mut writer = Writer {
        target,
        lines: Vec::new(),
        notes: Notes::default(),
        pending: Vec::new(),
        as_text: Vec::new(),
        deferred: Vec::new(),
        last_time: started,
        provider: checkpoint.session.provider.clone(),
        session_model: checkpoint.session.model.clone(),
        turn_model: None,
        turns: 0,
        answers: 0,
        thread_usage: TokenUsage::default(),
    };
    let mut meta = Map::new();
    meta.insert("id".into(), Value::from(target.session_id.as_str()));
    meta.insert("session_id".into(), Value::from(target.session_id.as_str()));
    meta.insert("timestamp".into(), Value::from(started.to_string()));
    meta.insert("cwd".into(), Value::from(target.cwd.as_str()));
    meta.insert("originator".into(), Value::from(ORIGINATOR));
    meta.insert("cli_version".into(), Value::from(CLIENT_VERSION));
    meta.insert("source".into(), Value::from("cli"));
    if let Some(instructions) = checkpoint
        .context
        .as_ref()
        .and_then(|context| context.project_instructions.as_deref())
        .filter(|text| !text.is_empty())
    {
        meta.insert("instructions".into(), Value::from(instructions));
    }
    writer.line("session_meta", Value::Object(meta));
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
    (writer.lines, writer.notes.into_vec())
}

/// A call written as a `function_call` (or `custom_tool_call`), not answered yet.
#[derive(Debug)]
struct Pending {
    id: String,
    /// Answered by a `custom_tool_call_output`.
    custom: bool,
}

struct Writer<'a> {
    target: &'a RolloutTarget,
    lines: Vec<Value>,
    notes: Notes,
    /// Calls of the last assistant message written as `function_call`, not yet answered.
    pending: Vec<Pending>,
    /// Calls written as text (tool unknown to Codex): (id, name).
    as_text: Vec<(String, String)>,
    /// Results written as text that arrived while `function_call`s still wait for theirs.
    deferred: Vec<String>,
    last_time: Timestamp,
    provider: String,
    session_model: String,
    /// The model of the last `turn_context` written.
    turn_model: Option<String>,
    turns: u64,
    answers: u64,
    thread_usage: TokenUsage,
}

impl Writer<'_> {
    fn message(&mut self, message: &Message) {
        if let Some(at) = message.created_at {
            self.last_time = at;
        }
        match message.role {
            Role::User => {
                self.answer_pending();
                if message.content.is_empty() {
                    self.notes.tally("empty user messages left out");
                    return;
                }
                let model = self.turn_model.clone();
                self.turn_context(model.unwrap_or_else(|| self.session_model.clone()));
                self.user(&message.content);
            }
            Role::System => {
                self.answer_pending();
                self.notes.tally(
                    "system messages written as developer messages (where Codex keeps \
                     instructions the model is given)",
                );
                self.item(json!({
                    "type": "message",
                    "role": "developer",
                    "content": [{"type": "input_text", "text": message.content}],
                }));
            }
            Role::Assistant => {
                self.answer_pending();
                self.assistant(message);
            }
            Role::Tool => self.tool_result(message),
        }
    }

    /// Appends a line of `kind` holding `payload`.
    fn line(&mut self, kind: &str, payload: Value) {
        let ordinal = self.lines.len();
        self.lines.push(json!({
            "timestamp": self.last_time.to_string(),
            "ordinal": ordinal,
            "type": kind,
            "payload": payload,
        }));
    }

    fn item(&mut self, payload: Value) {
        self.line("response_item", payload);
    }

    fn event(&mut self, payload: Value) {
        self.line("event_msg", payload);
    }

    fn turn_id(&self) -> String {
        derived_uuid(&self.target.session_id, 1_000_000 + self.turns)
    }

    /// A new turn, run with `model`.
    fn turn_context(&mut self, model: String) {
        self.turns += 1;
        let turn_id = self.turn_id();
        self.line(
            "turn_context",
            json!({
                "turn_id": turn_id,
                "cwd": self.target.cwd,
                "approval_policy": "on-request",
                "sandbox_policy": {"type": "read-only"},
                "model": model,
                "summary": "none",
            }),
        );
        self.turn_model = Some(model);
    }

    fn user(&mut self, text: &str) {
        self.item(json!({
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
            "internal_chat_message_metadata_passthrough": {
                "turn_id": self.turn_id(),
                "content_item_kinds": ["user.text"],
                "content_item_metadata": [{"provenance": {"type": "user"}}],
            },
        }));
        self.event(json!({
            "type": "item_completed",
            "thread_id": self.target.session_id,
            "turn_id": self.turn_id(),
            "item": {
                "type": "UserMessage",
                "id": derived_uuid(&self.target.session_id, self.lines.len() as u64),
                "content": [{"type": "text", "text": text, "text_elements": []}],
            },
        }));
    }

    /// A user message that is not a prompt the person typed (a result written as text).
    fn user_text(&mut self, text: &str) {
        self.item(json!({
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }));
    }

    fn assistant(&mut self, message: &Message) {
        let model = message
            .model
            .clone()
            .unwrap_or_else(|| self.session_model.clone());
        if self.turn_model.as_deref() != Some(model.as_str()) {
            self.turn_context(model);
        }
        let mut text = message.content.clone();
        let mut calls = Vec::new();
        for call in &message.tool_calls {
            match codex_call(call) {
                Some(shape) => calls.push((call, shape)),
                None => {
                    self.notes.tally(
                        "tool calls to tools Codex does not have written as text, with their \
                         results",
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
        self.answers += 1;
        if !text.is_empty() {
            let id = format!(
                "msg_confab{}",
                derived_uuid(&self.target.session_id, 2_000_000 + self.answers).replace('-', "")
            );
            self.event(json!({
                "type": "item_completed",
                "thread_id": self.target.session_id,
                "turn_id": self.turn_id(),
                "item": {"type": "AgentMessage", "id": id, "content": [{"type": "Text", "text": text}]},
            }));
            self.item(json!({
                "type": "message",
                "status": "completed",
                "id": id,
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }));
        }
        for (call, shape) in calls {
            let custom = matches!(shape, CallShape::Custom(_));
            self.item(match shape {
                CallShape::Function(arguments) => json!({
                    "type": "function_call",
                    "status": "completed",
                    "name": call.name,
                    "arguments": arguments,
                    "call_id": call.id,
                }),
                CallShape::Custom(input) => json!({
                    "type": "custom_tool_call",
                    "status": "completed",
                    "call_id": call.id,
                    "name": call.name,
                    "input": input,
                }),
            });
            self.pending.push(Pending {
                id: call.id.clone(),
                custom,
            });
        }
        if let Some(usage) = &message.usage {
            let provider = message
                .provider
                .clone()
                .unwrap_or_else(|| self.provider.clone());
            self.usage(usage, &provider);
        }
    }

    fn usage(&mut self, usage: &TokenUsage, provider: &str) {
        let cache_apart = matches!(provider, "anthropic" | "claude" | "opencode");
        let cached = usage.cached_input_tokens.unwrap_or(0);
        let input = usage
            .input_tokens
            .unwrap_or(0)
            .saturating_add(if cache_apart { cached } else { 0 });
        let output = usage.output_tokens.unwrap_or(0);
        let this = TokenUsage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            cached_input_tokens: Some(cached),
            cache_write_tokens: Some(usage.cache_write_tokens.unwrap_or(0)),
            reasoning_tokens: Some(usage.reasoning_tokens.unwrap_or(0)),
        };
        self.thread_usage = self.thread_usage.plus(&this);
        let this = codex_counts(&this);
        let thread = codex_counts(&self.thread_usage);
        self.line(
            "token_usage_record",
            json!({
                "thread_id": self.target.session_id,
                "turn_id": self.turn_id(),
                "session_id": self.target.session_id,
                "response_id": format!("resp_confab{}", self.answers),
                "usage": this,
                "turn_token_usage": this,
                "thread_token_usage": thread,
            }),
        );
    }

    fn tool_result(&mut self, message: &Message) {
        let id = message.tool_call_id.as_deref().unwrap_or_default();
        if let Some(index) = self.pending.iter().position(|call| call.id == id) {
            let call = self.pending.remove(index);
            self.output(&call, &message.content);
            if self.pending.is_empty() {
                self.flush_deferred();
            }
            return;
        }
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
            self.user_text(&text);
        } else {
            self.deferred.push(text);
        }
    }

    fn output(&mut self, call: &Pending, output: &str) {
        let kind = if call.custom {
            "custom_tool_call_output"
        } else {
            "function_call_output"
        };
        self.item(json!({
            "type": kind,
            "call_id": call.id,
            "output": output,
        }));
    }

    fn flush_deferred(&mut self) {
        for text in std::mem::take(&mut self.deferred) {
            self.user_text(&text);
        }
    }

    /// Answers every call still waiting with a placeholder: the next message is not its result.
    fn answer_pending(&mut self) {
        for call in std::mem::take(&mut self.pending) {
            self.notes.tally(format!(
                "tool calls without a recorded result given the result \"{NO_RESULT}\""
            ));
            self.output(&call, NO_RESULT);
        }
        self.flush_deferred();
    }
}

/// Usage as Codex writes it.
fn codex_counts(usage: &TokenUsage) -> Value {
    let input = usage.input_tokens.unwrap_or(0);
    let output = usage.output_tokens.unwrap_or(0);
    json!({
        "input_tokens": input,
        "cached_input_tokens": usage.cached_input_tokens.unwrap_or(0),
        "cache_write_input_tokens": usage.cache_write_tokens.unwrap_or(0),
        "output_tokens": output,
        "reasoning_output_tokens": usage.reasoning_tokens.unwrap_or(0),
        "total_tokens": input.saturating_add(output),
    })
}

/// How a call to one of Codex's tools is written.
enum CallShape {
    /// A `function_call` with these `arguments`.
    Function(String),
    /// A `custom_tool_call` (a freeform tool, `apply_patch` since 2025) with this `input`.
    Custom(String),
}

/// How `call` is written if Codex has its tool: arguments as a string of JSON (an object
/// serialised, or the string Codex wrote itself, even one that does not parse: Codex replays
/// it as it is), or a freeform `apply_patch` patch as a custom tool call; `None` for a tool
/// Codex does not have, or arguments that are not an object.
fn codex_call(call: &ToolCall) -> Option<CallShape> {
    if !CODEX_TOOLS.contains(&call.name.as_str()) {
        return None;
    }
    match &call.arguments {
        Value::Object(_) => Some(CallShape::Function(call.arguments.to_string())),
        Value::Null => Some(CallShape::Function("{}".to_owned())),
        Value::String(text)
            if call.name == "apply_patch" && text.starts_with("*** Begin Patch") =>
        {
            Some(CallShape::Custom(text.clone()))
        }
        Value::String(text) => Some(CallShape::Function(text.clone())),
        _ => None,
    }
}
