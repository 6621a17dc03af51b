//! Checkpoints that Atmos imports: tool traffic folded into message text.
//!
//! confab's checkpoint is Atmos's `atmos ai sessions` file, version `"1.0"`, with optional
//! extensions. A session imported from Claude Code or Codex, or chatted with tools, holds messages
//! with role `tool` and assistant messages whose only content is a tool call: Atmos refuses the
//! first and would show the second as an empty answer. [`for_atmos`] rewrites a checkpoint into
//! one Atmos accepts, and [`atmos_problems`] says what Atmos would refuse in any checkpoint.
//!
//! # What Atmos checks
//!
//! Read from cloudposse/atmos at commit `0a1cb448` (2026-08-21), `pkg/ai/session/import.go`
//! (`validateCheckpoint` and the functions it calls), with the types of
//! `pkg/ai/session/checkpoint.go`. Atmos refuses a file, at the first rule broken, in this order:
//!
//! 1. `version` is missing (empty), or is not `"1.0"`;
//! 2. `session.name`, `session.provider` or `session.model` is empty (an exact empty-string test:
//!    a name of spaces passes);
//! 3. `messages` is empty;
//! 4. a message's `role` is empty, or is not one of `user`, `assistant`, `system` (the error names
//!    the message, counting from 1: "message 3 has role 'tool'");
//! 5. `statistics.message_count` is not the number of messages. A file without `statistics` reads
//!    as a count of 0, so it is refused too.
//!
//! Each rule is an [`AtmosProblem`]. An empty role cannot arise here ([`Role`] has no empty
//! spelling), so the checker has no variant for it.
//!
//! Before those rules, the file must parse into Atmos's Go types (`encoding/json` or
//! `gopkg.in/yaml.v3`): `content` a string, times RFC 3339, `archived` a boolean, counts integers.
//! confab's model has the same types and writes times in RFC 3339, so a checkpoint confab writes
//! always parses (YAML times are quoted strings, which yaml.v3 hands to `time.Time`'s
//! `UnmarshalText`: `decoder.scalar` in go-yaml v3's `decode.go`). Atmos chooses the parser by the file name (`detectFormatFromPath` in
//! `pkg/ai/session/export.go`, used by `loadCheckpoint`): `.yaml` and `.yml` are YAML, `.md` and
//! `.markdown` are refused, anything else is read as JSON; [`atmos_parser_for`] says which.
//!
//! # What Atmos ignores
//!
//! Unknown keys, in JSON and in YAML: every confab extension (`tool_calls`, `tool_call_id`,
//! `usage`, a message's `model` and `provider`, `statistics.usage`, the session's `created_by` and
//! `updated_by`). It also does not check the
//! content of a message (empty content is accepted), the order or alternation of roles (two
//! assistant messages in a row are accepted), `statistics.user_messages`, `assistant_messages`,
//! `total_tokens` and `tool_calls`, `exported_at`, `exported_by` or `context`. On import it takes
//! `name`, `provider`, `model`, `skill` and `metadata` of the session and `role`, `content`,
//! `created_at` and `archived` of each message; the session's times become the time of import, and
//! Atmos lists messages by `created_at` when it loads them (`GetMessages` in
//! `pkg/ai/session/sqlite.go`).
//!
//! # How tool traffic is folded
//!
//! Atmos records a tool-using answer as *one* assistant message: its chat loop (`pkg/ai/tui/
//! chat_ai.go`) stores the model's text, each tool with its parameters and its output in a code
//! block, and the final answer, joined into a single message. [`for_atmos`] writes the same shape,
//! so a folded session reads in Atmos like one Atmos recorded:
//!
//! - an assistant message with tool calls keeps its text, followed by each call: the tool's name
//!   and id, its arguments in a fenced block (JSON pretty-printed; a string argument, such as a
//!   patch, as it is), then the result the call received, paired by `tool_call_id`;
//! - `tool` messages are folded into that assistant message, not turned into `user` messages: a
//!   tool result is not something the person said, and as user turns they would be shown and
//!   counted as the person's words;
//! - the assistant messages that continue the turn after the results (the model's next step or
//!   final answer), and an assistant message right before the one that calls (some tools record
//!   "Let me look." apart from the call), are joined to it, as Atmos joins them; their usage is
//!   added up, so the token totals do not change. Messages that tool traffic does not join stay
//!   as they are;
//! - a tool result that no assistant message before it can take (the session starts with one, or
//!   it follows a user message, or one is archived and the other is not) becomes a `user`
//!   message headed "Tool result", the one place a tool's words are sent as the person's turn;
//! - fences are longer than any run of backticks in what they hold, so no output can end a block
//!   early;
//! - `archived` is kept as it is: it is Atmos's own field, and Atmos writes archived messages in
//!   its own exports. A turn is never joined across an archived and a live message;
//! - `statistics` are recounted for the folded messages.
//!
//! # What else Atmos does with a session, and what that asks of the file
//!
//! - Atmos continues a session with the provider the session names (`getCurrentProvider` in
//!   `pkg/ai/tui/chat_providers.go`), by Atmos's provider names (`ProviderName` in each
//!   `pkg/ai/agent/*/client.go`). Those are confab's too, except for Google's Gemini API, which
//!   confab calls `google` and Atmos `gemini`: the session's provider is written as Atmos names it
//!   ([`ATMOS_PROVIDER_NAMES`]), with a note.
//! - System messages are kept as they are. Atmos imports them and shows them, but treats them as
//!   notices: it does not send them to its model (`buildFilteredMessages` in
//!   `pkg/ai/tui/chat_ai.go`), and nothing in a checkpoint reaches Atmos's instructions (its own
//!   prompt and `ATMOS.md`; import ignores `context`). Moving a system prompt into a user message
//!   would change what the person said, so it is not done.
//!
//! Messages without tool traffic, and the session, context and metadata, are left exactly as they
//! were: a checkpoint Atmos wrote comes out unchanged.

use std::fmt;

use serde_json::Value;

use crate::checkpoint::{
    CURRENT_VERSION, Checkpoint, Message, Role, Statistics, TokenUsage, ToolCall,
};

/// One reason Atmos would refuse a checkpoint, in the order Atmos checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtmosProblem {
    /// `version` is empty.
    VersionMissing,
    /// `version` is not `"1.0"`.
    UnsupportedVersion(String),
    /// `session.name` is empty.
    NameMissing,
    /// `session.provider` is empty.
    ProviderMissing,
    /// `session.model` is empty.
    ModelMissing,
    /// `messages` is empty.
    NoMessages,
    /// A message has a role other than `user`, `assistant` and `system`.
    Role {
        /// The first such message, counting from 1 as Atmos does.
        message: usize,
        /// Its role.
        role: Role,
        /// How many more messages after it have such a role.
        more: usize,
    },
    /// `statistics.message_count` is not the number of messages.
    MessageCount {
        /// What the checkpoint says; 0 when it has no statistics, as Atmos reads it.
        stated: u64,
        /// The number of messages.
        actual: usize,
    },
}

impl AtmosProblem {
    /// True when [`for_atmos`] removes this problem (roles, the message count, the version); the
    /// others are in the session itself (no model, no messages) and no rewriting can invent them.
    pub fn is_fixed_by_folding(&self) -> bool {
        matches!(
            self,
            AtmosProblem::Role { .. }
                | AtmosProblem::MessageCount { .. }
                | AtmosProblem::VersionMissing
                | AtmosProblem::UnsupportedVersion(_)
        )
    }
}

impl fmt::Display for AtmosProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtmosProblem::VersionMissing => f.write_str("the checkpoint version is missing"),
            AtmosProblem::UnsupportedVersion(version) => write!(
                f,
                "version {version:?} is not the {CURRENT_VERSION:?} Atmos reads"
            ),
            AtmosProblem::NameMissing => f.write_str("the session name is empty"),
            AtmosProblem::ProviderMissing => f.write_str("the session provider is empty"),
            AtmosProblem::ModelMissing => f.write_str("the session model is empty"),
            AtmosProblem::NoMessages => f.write_str("it has no messages"),
            AtmosProblem::Role {
                message,
                role,
                more,
            } => {
                write!(f, "message {message} has role {:?}", role.as_str())?;
                match more {
                    0 => Ok(()),
                    1 => f.write_str(
                        " (and 1 more message has a role other than user, assistant and system)",
                    ),
                    more => write!(
                        f,
                        " (and {more} more messages have roles other than user, assistant and system)"
                    ),
                }
            }
            AtmosProblem::MessageCount { stated, actual } => write!(
                f,
                "statistics.message_count is {stated} but there are {actual} messages"
            ),
        }
    }
}

/// What Atmos would refuse in `checkpoint`, in the order Atmos checks (Atmos itself reports only
/// the first). Empty when Atmos imports it. The rules are listed in the [module docs](self).
pub fn atmos_problems(checkpoint: &Checkpoint) -> Vec<AtmosProblem> {
    let mut problems = Vec::new();
    if checkpoint.version.is_empty() {
        problems.push(AtmosProblem::VersionMissing);
    } else if checkpoint.version != CURRENT_VERSION {
        problems.push(AtmosProblem::UnsupportedVersion(checkpoint.version.clone()));
    }
    let session = &checkpoint.session;
    for (value, problem) in [
        (&session.name, AtmosProblem::NameMissing),
        (&session.provider, AtmosProblem::ProviderMissing),
        (&session.model, AtmosProblem::ModelMissing),
    ] {
        if value.is_empty() {
            problems.push(problem);
        }
    }
    if checkpoint.messages.is_empty() {
        problems.push(AtmosProblem::NoMessages);
    }
    let mut refused = checkpoint
        .messages
        .iter()
        .enumerate()
        .filter(|(_, message)| !atmos_knows(message.role));
    if let Some((index, message)) = refused.next() {
        problems.push(AtmosProblem::Role {
            message: index + 1,
            role: message.role,
            more: refused.count(),
        });
    }
    let stated = checkpoint.statistics.map_or(0, |stats| stats.message_count);
    if usize::try_from(stated).ok() != Some(checkpoint.messages.len()) {
        problems.push(AtmosProblem::MessageCount {
            stated,
            actual: checkpoint.messages.len(),
        });
    }
    problems
}

/// The roles Atmos accepts.
fn atmos_knows(role: Role) -> bool {
    matches!(role, Role::User | Role::Assistant | Role::System)
}

/// The parser Atmos reads a file named `path` with: `"yaml"` for `.yaml` and `.yml`, `None` for
/// `.md` and `.markdown` (it refuses them), `"json"` for any other name. Atmos matches the suffix
/// exactly, so `X.YAML` is read as JSON.
pub fn atmos_parser_for(path: &str) -> Option<&'static str> {
    if path.ends_with(".yaml") || path.ends_with(".yml") {
        Some("yaml")
    } else if path.ends_with(".md") || path.ends_with(".markdown") {
        None
    } else {
        Some("json")
    }
}

/// confab's provider names that Atmos spells differently, and Atmos's spelling.
pub const ATMOS_PROVIDER_NAMES: &[(&str, &str)] = &[("google", "gemini")];

/// `checkpoint` rewritten so that Atmos imports it, with notes on what was rewritten (empty when
/// nothing was). See the [module docs](self) for the rules.
pub fn for_atmos(mut checkpoint: Checkpoint) -> (Checkpoint, Vec<String>) {
    let mut folder = Folder::default();
    for message in std::mem::take(&mut checkpoint.messages) {
        folder.push(message);
    }
    folder.close_turn();
    let Folder { out, counts, .. } = folder;
    checkpoint.messages = out;
    let mut notes = counts.notes();
    if let Some((confab, atmos)) = ATMOS_PROVIDER_NAMES
        .iter()
        .find(|(confab, _)| *confab == checkpoint.session.provider)
    {
        notes.push(format!(
            "wrote provider {atmos:?}, Atmos's name for what confab calls {confab:?}"
        ));
        (*atmos).clone_into(&mut checkpoint.session.provider);
    }
    if checkpoint.version != CURRENT_VERSION {
        CURRENT_VERSION.clone_into(&mut checkpoint.version);
    }
    // Statistics that still describe the messages are kept as they were (an Atmos file comes out
    // unchanged); after folding, or when they are missing or wrong, they are recounted.
    let stated = checkpoint.statistics.map(|stats| stats.message_count);
    if counts.folded_any() || stated != u64::try_from(checkpoint.messages.len()).ok() {
        checkpoint.statistics = Some(Statistics::of(&checkpoint.messages));
    }
    (checkpoint, notes)
}

/// What folding did, for the notes.
#[derive(Debug, Default)]
struct Counts {
    calls: usize,
    results: usize,
    joined: usize,
    results_as_user: usize,
}

impl Counts {
    fn folded_any(&self) -> bool {
        self.calls + self.results + self.joined > 0
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.calls + self.results > 0 {
            notes.push(format!(
                "folded {} and {} into message text",
                counted(self.calls, "tool call", "tool calls"),
                counted(self.results, "tool result", "tool results"),
            ));
        }
        if self.joined > 0 {
            notes.push(format!(
                "joined {} to the tool-using answer {} continued (Atmos keeps an answer as one message)",
                counted(self.joined, "assistant message", "assistant messages"),
                if self.joined == 1 { "it" } else { "they" },
            ));
        }
        if self.results_as_user > 0 {
            notes.push(format!(
                "wrote {} that no assistant message before it could take as user {}",
                counted(self.results_as_user, "tool result", "tool results"),
                if self.results_as_user == 1 {
                    "message"
                } else {
                    "messages"
                },
            ));
        }
        notes
    }
}

fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Folds messages one by one, keeping the assistant turn that tool traffic may still join.
#[derive(Debug, Default)]
struct Folder {
    out: Vec<Message>,
    turn: Option<Turn>,
    counts: Counts,
}

/// An assistant answer being assembled: the first message (its time, model and archived flag
/// stand for the whole), with the usage of every message joined to it, and the parts to render.
#[derive(Debug)]
struct Turn {
    message: Message,
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Call {
        call: ToolCall,
        result: Option<String>,
    },
    /// A result whose call is not in this turn.
    Result {
        id: Option<String>,
        content: String,
    },
}

impl Folder {
    fn push(&mut self, message: Message) {
        match message.role {
            Role::Assistant => self.push_assistant(message),
            Role::Tool => self.push_result(message),
            Role::User | Role::System => {
                self.close_turn();
                self.out.push(message);
            }
        }
    }

    fn push_assistant(&mut self, mut message: Message) {
        if let Some(turn) = self
            .turn
            .as_mut()
            .filter(|turn| turn.message.archived == message.archived)
        {
            self.counts.joined += 1;
            self.counts.calls += message.tool_calls.len();
            turn.join(message);
            return;
        }
        self.close_turn();
        if message.tool_calls.is_empty() {
            self.out.push(message);
            return;
        }
        // "Let me look." written as a message of its own before the calls is the same answer.
        if let Some(last) = self
            .out
            .pop_if(|last| last.role == Role::Assistant && last.archived == message.archived)
        {
            self.counts.joined += 1;
            self.counts.calls += message.tool_calls.len();
            let mut turn = Turn::of(last);
            turn.join(message);
            self.turn = Some(turn);
            return;
        }
        self.counts.calls += message.tool_calls.len();
        let calls = std::mem::take(&mut message.tool_calls);
        let text = std::mem::take(&mut message.content);
        let mut turn = Turn {
            message,
            parts: Vec::new(),
        };
        turn.add(text, calls);
        self.turn = Some(turn);
    }

    fn push_result(&mut self, result: Message) {
        self.counts.results += 1;
        if self.turn.is_none() {
            // A result right after an assistant message that made no recorded call: that message
            // is the answer it belongs to.
            if let Some(last) = self
                .out
                .pop_if(|last| last.role == Role::Assistant && last.archived == result.archived)
            {
                self.turn = Some(Turn::of(last));
            }
        }
        match self
            .turn
            .as_mut()
            .filter(|turn| turn.message.archived == result.archived)
        {
            Some(turn) => turn.take_result(result),
            None => {
                self.close_turn();
                self.counts.results_as_user += 1;
                let mut message = result;
                message.role = Role::User;
                message.content = render_result(message.tool_call_id.as_deref(), &message.content);
                message.tool_call_id = None;
                self.out.push(message);
            }
        }
    }

    fn close_turn(&mut self) {
        if let Some(turn) = self.turn.take() {
            self.out.push(turn.render());
        }
    }
}

impl Turn {
    /// A turn begun by an assistant message that made no calls.
    fn of(mut message: Message) -> Turn {
        let text = std::mem::take(&mut message.content);
        let mut turn = Turn {
            message,
            parts: Vec::new(),
        };
        turn.add(text, Vec::new());
        turn
    }

    fn add(&mut self, text: String, calls: Vec<ToolCall>) {
        if !text.is_empty() {
            self.parts.push(Part::Text(text));
        }
        self.parts.extend(
            calls
                .into_iter()
                .map(|call| Part::Call { call, result: None }),
        );
    }

    /// Adds the usage of a message folded into this turn, so that token totals do not change.
    fn add_usage(&mut self, usage: Option<TokenUsage>) {
        self.message.usage = match (self.message.usage, usage) {
            (Some(a), Some(b)) => Some(a.plus(&b)),
            (a, b) => a.or(b),
        };
    }

    fn join(&mut self, mut message: Message) {
        self.add_usage(message.usage);
        if self.message.model.is_none() {
            self.message.model = message.model.take();
        }
        if self.message.provider.is_none() {
            self.message.provider = message.provider.take();
        }
        if self.message.created_at.is_none() {
            self.message.created_at = message.created_at;
        }
        let calls = std::mem::take(&mut message.tool_calls);
        self.add(message.content, calls);
    }

    /// Puts a result beside the call it answers; a result for no open call of this turn is
    /// written where it came.
    fn take_result(&mut self, result: Message) {
        self.add_usage(result.usage);
        let id = result.tool_call_id;
        let open_call = self.parts.iter_mut().find_map(|part| match part {
            Part::Call { call, result: slot }
                if slot.is_none() && Some(&call.id) == id.as_ref() =>
            {
                Some(slot)
            }
            _ => None,
        });
        match open_call {
            Some(slot) => *slot = Some(result.content),
            None => self.parts.push(Part::Result {
                id,
                content: result.content,
            }),
        }
    }

    fn render(self) -> Message {
        let mut message = self.message;
        let parts: Vec<String> = self
            .parts
            .into_iter()
            .map(|part| match part {
                Part::Text(text) => text,
                Part::Call { call, result } => {
                    let mut text = render_call(&call);
                    text.push_str("\n\n");
                    match result {
                        Some(output) => text.push_str(&render_output("**Tool result:**", &output)),
                        None => text.push_str("**Tool result:** none recorded"),
                    }
                    text
                }
                Part::Result { id, content } => render_result(id.as_deref(), &content),
            })
            .collect();
        message.content = parts.join("\n\n");
        message.tool_calls = Vec::new();
        message.tool_call_id = None;
        message
    }
}

/// `**Tool call:** `name` (id `call_01`)` and the arguments in a fenced block.
fn render_call(call: &ToolCall) -> String {
    let mut text = format!("**Tool call:** {}", inline_code(&call.name));
    if !call.id.is_empty() {
        text.push_str(&format!(" (id {})", inline_code(&call.id)));
    }
    match &call.arguments {
        Value::Null => {}
        // A patch or a command line reads best as it is, not as a JSON string with escapes.
        Value::String(argument) => {
            text.push('\n');
            text.push_str(&fenced(argument, ""));
        }
        arguments => {
            let json =
                serde_json::to_string_pretty(arguments).unwrap_or_else(|_| arguments.to_string());
            text.push('\n');
            text.push_str(&fenced(&json, "json"));
        }
    }
    text
}

/// A result that stands apart from its call: headed with the call's id when it has one.
fn render_result(id: Option<&str>, output: &str) -> String {
    let heading = match id.filter(|id| !id.is_empty()) {
        Some(id) => format!("**Tool result** (id {}):", inline_code(id)),
        None => "**Tool result:**".to_owned(),
    };
    render_output(&heading, output)
}

fn render_output(heading: &str, output: &str) -> String {
    if output.is_empty() {
        format!("{heading} no output")
    } else {
        format!("{heading}\n{}", fenced(output, ""))
    }
}

/// `content` in a code fence longer than any run of backticks inside it, so nothing in the
/// content can close the fence early (the idea of the Markdown format's `fence` helper; core
/// cannot depend on a format crate).
fn fenced(content: &str, lang: &str) -> String {
    let marker = "`".repeat(longest_backtick_run(content).max(2) + 1);
    let newline = if content.is_empty() || content.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{marker}{lang}\n{content}{newline}{marker}")
}

/// `text` as inline code: delimited by more backticks than any run inside it, padded with a
/// space where it begins or ends with a backtick (CommonMark's rule), on one line.
fn inline_code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let marker = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{marker}{pad}{text}{pad}{marker}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A checkpoint Atmos accepts: the test checkpoint with its statistics.
    fn accepted() -> Checkpoint {
        let mut checkpoint = crate::test_support::checkpoint();
        checkpoint.statistics = Some(Statistics::of(&checkpoint.messages));
        checkpoint
    }

    fn with_messages(messages: Vec<Message>) -> Checkpoint {
        let mut checkpoint = accepted();
        checkpoint.statistics = Some(Statistics::of(&messages));
        checkpoint.messages = messages;
        checkpoint
    }

    fn call(id: &str, name: &str, arguments: Value) -> ToolCall {
        ToolCall {
            id: id.to_owned(),
            name: name.to_owned(),
            arguments,
        }
    }

    fn calling(text: &str, calls: Vec<ToolCall>) -> Message {
        let mut message = Message::new(Role::Assistant, text);
        message.tool_calls = calls;
        message
    }

    fn result(id: &str, output: &str) -> Message {
        let mut message = Message::new(Role::Tool, output);
        message.tool_call_id = Some(id.to_owned());
        message
    }

    fn usage(input: u64, output: u64) -> Option<TokenUsage> {
        Some(TokenUsage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            ..TokenUsage::default()
        })
    }

    fn roles(checkpoint: &Checkpoint) -> Vec<Role> {
        checkpoint.messages.iter().map(|m| m.role).collect()
    }

    #[test]
    fn atmos_accepts_a_plain_checkpoint_with_every_role_it_knows() {
        assert_eq!(atmos_problems(&accepted()), []);
        let checkpoint = with_messages(vec![
            Message::new(Role::System, "be brief"),
            Message::new(Role::User, "hi"),
            Message::new(Role::Assistant, ""),
            Message::new(
                Role::Assistant,
                "two in a row, and one empty: Atmos does not mind",
            ),
        ]);
        assert_eq!(atmos_problems(&checkpoint), []);
    }

    #[test]
    fn each_rule_of_atmos_is_checked() {
        let broken = |change: fn(&mut Checkpoint)| {
            let mut checkpoint = accepted();
            change(&mut checkpoint);
            atmos_problems(&checkpoint)
        };
        assert_eq!(
            broken(|c| c.version = String::new()),
            [AtmosProblem::VersionMissing]
        );
        assert_eq!(
            broken(|c| c.version = "1.1".to_owned()),
            [AtmosProblem::UnsupportedVersion("1.1".to_owned())]
        );
        assert_eq!(
            broken(|c| c.session.name = String::new()),
            [AtmosProblem::NameMissing]
        );
        assert_eq!(
            broken(|c| c.session.provider = String::new()),
            [AtmosProblem::ProviderMissing]
        );
        assert_eq!(
            broken(|c| c.session.model = String::new()),
            [AtmosProblem::ModelMissing]
        );
        // Atmos tests for the empty string only.
        assert_eq!(broken(|c| c.session.model = " ".to_owned()), []);
        assert_eq!(
            broken(|c| c.messages.clear()),
            [
                AtmosProblem::NoMessages,
                AtmosProblem::MessageCount {
                    stated: 1,
                    actual: 0
                }
            ]
        );
        assert_eq!(
            broken(|c| c.statistics = None),
            [AtmosProblem::MessageCount {
                stated: 0,
                actual: 1
            }]
        );
        assert_eq!(
            broken(|c| {
                if let Some(stats) = &mut c.statistics {
                    stats.message_count = 2;
                }
            }),
            [AtmosProblem::MessageCount {
                stated: 2,
                actual: 1
            }]
        );
        let tools = with_messages(vec![
            Message::new(Role::User, "list"),
            calling("", vec![call("c1", "ls", Value::Null)]),
            result("c1", "a"),
            Message::new(Role::Tool, "b"),
        ]);
        assert_eq!(
            atmos_problems(&tools),
            [AtmosProblem::Role {
                message: 3,
                role: Role::Tool,
                more: 1
            }]
        );
    }

    #[test]
    fn problems_read_like_atmos_errors() {
        let problem = AtmosProblem::Role {
            message: 3,
            role: Role::Tool,
            more: 0,
        };
        assert_eq!(problem.to_string(), r#"message 3 has role "tool""#);
        let problem = AtmosProblem::Role {
            message: 3,
            role: Role::Tool,
            more: 11,
        };
        assert_eq!(
            problem.to_string(),
            r#"message 3 has role "tool" (and 11 more messages have roles other than user, assistant and system)"#
        );
        assert_eq!(
            AtmosProblem::MessageCount {
                stated: 0,
                actual: 4
            }
            .to_string(),
            "statistics.message_count is 0 but there are 4 messages"
        );
        assert!(problem.is_fixed_by_folding());
        assert!(!AtmosProblem::ModelMissing.is_fixed_by_folding());
    }

    #[test]
    fn atmos_chooses_its_parser_by_the_file_name() {
        assert_eq!(atmos_parser_for("s.yaml"), Some("yaml"));
        assert_eq!(atmos_parser_for("s.yml"), Some("yaml"));
        assert_eq!(atmos_parser_for("s.json"), Some("json"));
        assert_eq!(atmos_parser_for("s.txt"), Some("json"));
        assert_eq!(atmos_parser_for("s.YAML"), Some("json"));
        assert_eq!(atmos_parser_for("s.md"), None);
        assert_eq!(atmos_parser_for("s.markdown"), None);
    }

    #[test]
    fn a_tool_using_answer_becomes_one_assistant_message() {
        let mut first = calling(
            "Let me look.",
            vec![
                call("c1", "shell", json!({"command": "ls"})),
                call("c2", "read_file", json!({"path": "a.txt"})),
            ],
        );
        first.usage = usage(10, 2);
        first.model = Some("m1".to_owned());
        let mut last = Message::new(Role::Assistant, "There are two files.");
        last.usage = usage(20, 5);
        let checkpoint = with_messages(vec![
            Message::new(Role::System, "be brief"),
            Message::new(Role::User, "what is here?"),
            first,
            // Results may come in any order: each goes beside its call.
            result("c2", "hello"),
            result("c1", "a.txt\nb.txt"),
            last,
            Message::new(Role::User, "thanks"),
            Message::new(Role::Assistant, "You're welcome."),
        ]);
        let tokens_before = Statistics::of(&checkpoint.messages).total_tokens;
        let (folded, notes) = for_atmos(checkpoint);
        assert_eq!(
            roles(&folded),
            [
                Role::System,
                Role::User,
                Role::Assistant,
                Role::User,
                Role::Assistant
            ]
        );
        let answer = &folded.messages[2];
        assert_eq!(
            answer.content,
            "Let me look.\n\n\
             **Tool call:** `shell` (id `c1`)\n```json\n{\n  \"command\": \"ls\"\n}\n```\n\n\
             **Tool result:**\n```\na.txt\nb.txt\n```\n\n\
             **Tool call:** `read_file` (id `c2`)\n```json\n{\n  \"path\": \"a.txt\"\n}\n```\n\n\
             **Tool result:**\n```\nhello\n```\n\n\
             There are two files."
        );
        assert!(answer.tool_calls.is_empty());
        assert_eq!(answer.usage, usage(30, 7));
        assert_eq!(answer.model.as_deref(), Some("m1"));
        assert_eq!(folded.statistics, Some(Statistics::of(&folded.messages)));
        assert_eq!(
            folded.statistics.and_then(|s| s.total_tokens),
            tokens_before
        );
        assert_eq!(atmos_problems(&folded), []);
        assert_eq!(
            notes,
            [
                "folded 2 tool calls and 2 tool results into message text",
                "joined 1 assistant message to the tool-using answer it continued (Atmos keeps an answer as one message)",
            ]
        );
    }

    #[test]
    fn fences_outgrow_the_output_and_string_arguments_stay_as_they_are() {
        let checkpoint = with_messages(vec![
            Message::new(Role::User, "patch it"),
            calling(
                "",
                vec![call(
                    "p",
                    "apply_patch",
                    json!("*** Begin Patch\n*** End Patch"),
                )],
            ),
            result("p", "```\nnot the end\n````"),
        ]);
        let (folded, _) = for_atmos(checkpoint);
        assert_eq!(
            folded.messages[1].content,
            "**Tool call:** `apply_patch` (id `p`)\n```\n*** Begin Patch\n*** End Patch\n```\n\n\
             **Tool result:**\n`````\n```\nnot the end\n````\n`````"
        );
        assert_eq!(inline_code("a`b"), "``a`b``");
        assert_eq!(inline_code("`x"), "`` `x ``");
    }

    #[test]
    fn calls_without_results_and_results_without_calls_are_still_written() {
        let checkpoint = with_messages(vec![
            Message::new(Role::User, "go"),
            calling("", vec![call("c1", "ls", Value::Null)]),
            result("other", ""),
        ]);
        let (folded, notes) = for_atmos(checkpoint);
        assert_eq!(
            folded.messages[1].content,
            "**Tool call:** `ls` (id `c1`)\n\n**Tool result:** none recorded\n\n\
             **Tool result** (id `other`): no output"
        );
        assert_eq!(
            notes,
            ["folded 1 tool call and 1 tool result into message text"]
        );
    }

    #[test]
    fn a_plain_answer_joins_the_traffic_after_it_and_a_result_after_the_person_is_their_turn() {
        let checkpoint = with_messages(vec![
            Message::new(Role::User, "go"),
            Message::new(Role::Assistant, "Let me look."),
            calling("", vec![call("c1", "ls", Value::Null)]),
            result("c1", "a"),
        ]);
        let (folded, _) = for_atmos(checkpoint);
        assert_eq!(roles(&folded), [Role::User, Role::Assistant]);
        assert!(
            folded.messages[1]
                .content
                .starts_with("Let me look.\n\n**Tool call:** `ls`"),
            "{}",
            folded.messages[1].content
        );
        let checkpoint = with_messages(vec![
            result("early", "before anything"),
            Message::new(Role::User, "go"),
            Message::new(Role::Assistant, "running it"),
            result("r1", "done"),
        ]);
        let (folded, notes) = for_atmos(checkpoint);
        assert_eq!(roles(&folded), [Role::User, Role::User, Role::Assistant]);
        assert_eq!(
            folded.messages[0].content,
            "**Tool result** (id `early`):\n```\nbefore anything\n```"
        );
        assert_eq!(
            folded.messages[2].content,
            "running it\n\n**Tool result** (id `r1`):\n```\ndone\n```"
        );
        assert_eq!(atmos_problems(&folded), []);
        assert!(
            notes.contains(&"wrote 1 tool result that no assistant message before it could take as user message".to_owned()),
            "{notes:?}"
        );
    }

    #[test]
    fn archived_and_live_messages_are_never_joined() {
        let mut archived_call = calling("", vec![call("c1", "ls", Value::Null)]);
        archived_call.archived = true;
        let mut archived_result = result("c1", "a");
        archived_result.archived = true;
        let checkpoint = with_messages(vec![
            Message::new(Role::User, "go"),
            archived_call,
            archived_result,
            result("c2", "live"),
            Message::new(Role::Assistant, "live answer"),
        ]);
        let (folded, _) = for_atmos(checkpoint);
        assert_eq!(
            roles(&folded),
            [Role::User, Role::Assistant, Role::User, Role::Assistant]
        );
        assert!(folded.messages[1].archived);
        assert!(folded.messages[1].content.contains("```\na\n```"));
        assert!(!folded.messages[2].archived);
        assert_eq!(folded.messages[3].content, "live answer");
    }

    #[test]
    fn a_checkpoint_without_tool_traffic_comes_out_unchanged() {
        let mut checkpoint = with_messages(vec![
            Message::new(Role::System, "s"),
            Message::new(Role::User, "u"),
            Message::new(Role::Assistant, "a"),
            Message::new(Role::Assistant, "b"),
        ]);
        checkpoint.messages[3].archived = true;
        // Statistics Atmos wrote with a count it tracked are kept.
        if let Some(stats) = &mut checkpoint.statistics {
            stats.total_tokens = Some(99);
        }
        let (folded, notes) = for_atmos(checkpoint.clone());
        assert_eq!(folded, checkpoint);
        assert_eq!(notes, Vec::<String>::new());
        // Missing statistics are written.
        checkpoint.statistics = None;
        let (folded, _) = for_atmos(checkpoint.clone());
        assert_eq!(
            folded.statistics,
            Some(Statistics::of(&checkpoint.messages))
        );
    }

    #[test]
    fn providers_are_written_by_atmos_names() {
        let mut checkpoint = accepted();
        checkpoint.session.provider = "google".to_owned();
        let (folded, notes) = for_atmos(checkpoint);
        assert_eq!(folded.session.provider, "gemini");
        assert_eq!(
            notes,
            [r#"wrote provider "gemini", Atmos's name for what confab calls "google""#]
        );
        let (kept, notes) = for_atmos(accepted());
        assert_eq!(kept.session.provider, "anthropic");
        assert!(notes.is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

        /// Whatever the conversation, the folded file is one Atmos imports and confab reads back,
        /// with the same token totals, and every tool's name and output in its text.
        #[test]
        fn folded_checkpoints_are_accepted_and_keep_the_tool_traffic(
            checkpoint in crate::arbitrary::checkpoint()
        ) {
            let names: Vec<String> = checkpoint.messages.iter()
                .filter(|m| m.role == Role::Assistant)
                .flat_map(|m| m.tool_calls.iter().map(|c| c.name.clone()))
                .collect();
            let outputs: Vec<String> = checkpoint.messages.iter()
                .filter(|m| m.role == Role::Tool)
                .map(|m| m.content.clone())
                .collect();
            let tokens = Statistics::of(&checkpoint.messages).total_tokens;
            let (folded, _) = for_atmos(checkpoint);
            proptest::prop_assert_eq!(atmos_problems(&folded), Vec::<AtmosProblem>::new());
            proptest::prop_assert_eq!(crate::problems_of(&folded), Vec::new());
            proptest::prop_assert_eq!(Statistics::of(&folded.messages).total_tokens, tokens);
            let text: String = folded.messages.iter().map(|m| m.content.as_str()).collect();
            for name in &names {
                proptest::prop_assert!(text.contains(name.as_str()), "{name} in {text}");
            }
            for output in &outputs {
                proptest::prop_assert!(text.contains(output.as_str()), "{output} in {text}");
            }
        }
    }
}
