//! The checkpoint model: one session, as it travels between stores, people and tools.
//!
//! The field names and their nesting are those of Atmos's `atmos ai sessions export` files, version
//! `"1.0"`, so that a file written by either tool imports into the other. Everything confab knows
//! that Atmos does not (per-message token usage, tool calls, the model of each message) is an
//! optional field that is left out when empty: Atmos ignores unknown keys, and so do we, in both
//! directions.
//!
//! Timestamps are [`jiff::Timestamp`]s. They are read from any RFC 3339 offset with their full
//! (nanosecond) precision and always written back in UTC (`...Z`), so the same instant always has
//! the same spelling and an export → import → export round trip is byte-stable.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The checkpoint versions this build reads and writes.
pub const SUPPORTED_VERSIONS: &[&str] = &[CURRENT_VERSION];

/// Key in `session.metadata` under which importers of other tools' files list, as strings, what
/// they could not map (`import` prints them as notes).
pub const IMPORT_NOTES_KEY: &str = "import_notes";

/// The version every checkpoint is written with.
pub const CURRENT_VERSION: &str = "1.0";

/// A whole session as a file carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Format version, `"1.0"`.
    pub version: String,
    /// When the checkpoint was written; absent when exported without metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<Timestamp>,
    /// Who wrote the checkpoint; absent when exported without metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_by: Option<String>,
    /// The session's identity and settings.
    pub session: SessionInfo,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
    /// The project context, when exported with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Summary counts. Always written; optional on read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Statistics>,
}

impl Checkpoint {
    /// A copy of everything but the messages: for work on the envelope alone (checking it,
    /// writing it ahead of a message stream), where a second copy of the messages would cost as
    /// much as the session.
    pub fn envelope(&self) -> Checkpoint {
        Checkpoint {
            version: self.version.clone(),
            exported_at: self.exported_at,
            exported_by: self.exported_by.clone(),
            session: self.session.clone(),
            messages: Vec::new(),
            context: self.context.clone(),
            statistics: self.statistics,
        }
    }
}

/// The identity and settings of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Unique name within a store.
    pub name: String,
    /// The AI provider, e.g. `anthropic`.
    pub provider: String,
    /// The model, e.g. `claude-sonnet-4-6`.
    pub model: String,
    /// The Atmos skill the session ran with. Also read from `agent`, its name in older Atmos.
    #[serde(default, alias = "agent", skip_serializing_if = "Option::is_none")]
    pub skill: Option<String>,
    /// The project directory the session belonged to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_path: Option<String>,
    /// When the session was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// When the session last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// confab extension: who created the session (a user name, as `exported_by` holds one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// confab extension: who last added to the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Free-form custom metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person using the tool.
    User,
    /// The model.
    Assistant,
    /// Instructions given to the model.
    System,
    /// The result of a tool call, fed back to the model.
    Tool,
}

impl Role {
    /// Every role, in the order reports list them.
    pub const ALL: [Role; 4] = [Role::User, Role::Assistant, Role::System, Role::Tool];

    /// The role as it is spelled in checkpoints and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::System => "system",
            Role::Tool => "tool",
        }
    }

    /// Parses the spelling [`Role::as_str`] gives.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// The text, possibly empty (an assistant turn that only calls tools).
    #[serde(default)]
    pub content: String,
    /// When it was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Archived messages are kept for the record but no longer sent to the model.
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
    /// confab extension: the model that wrote this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// confab extension: the provider that served the model (`openai`, `ollama`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// confab extension: token usage the provider reported for this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// confab extension: tool calls an assistant message made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// confab extension: on a tool message, the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A message with just a role and content; every optional field empty.
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
            created_at: None,
            archived: false,
            model: None,
            provider: None,
            usage: None,
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Token usage of one message, as the provider reported it.
///
/// Counts are kept as the source wrote them, not normalised, because providers disagree on what
/// `input_tokens` holds and a converted session should still match the tool's own totals:
///
/// | source | `input_tokens` | `cached_input_tokens` | `reasoning_tokens` |
/// |---|---|---|---|
/// | Claude (Anthropic, Claude Code) | uncached input only | cache reads, *not* in `input_tokens` | thinking, *inside* `output_tokens` |
/// | Codex, OpenAI | all input | the cached part, *inside* `input_tokens` | *inside* `output_tokens` |
/// | Gemini | all input (`promptTokenCount`) | the cached part, *inside* `input_tokens` | *beside* `output_tokens` |
/// | opencode | uncached input only (opencode's own counts) | cache reads, *not* in `input_tokens` | *beside* `output_tokens` |
/// | llm | as the provider behind it counts (one of the rows above) | | |
///
/// `cache_write_tokens` is Anthropic's cache creation (and Codex's cache writes), not in
/// `input_tokens`. Every count beyond input and output is a confab extension and optional, so
/// version "1.0" files stay Atmos's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens sent to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Tokens the model generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Input tokens read from the provider's prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_tokens: Option<u64>,
    /// Input tokens written to the provider's prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
    /// Tokens the model spent reasoning ("thinking") before it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

impl TokenUsage {
    /// Each count of `self` and `other` added, a count unknown to both staying unknown.
    pub fn plus(&self, other: &TokenUsage) -> TokenUsage {
        let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
        TokenUsage {
            input_tokens: add(self.input_tokens, other.input_tokens),
            output_tokens: add(self.output_tokens, other.output_tokens),
            cached_input_tokens: add(self.cached_input_tokens, other.cached_input_tokens),
            cache_write_tokens: add(self.cache_write_tokens, other.cache_write_tokens),
            reasoning_tokens: add(self.reasoning_tokens, other.reasoning_tokens),
        }
    }

    /// Input plus output, counting an unknown side as zero.
    pub fn total(&self) -> u64 {
        self.input_tokens
            .unwrap_or(0)
            .saturating_add(self.output_tokens.unwrap_or(0))
    }
}

/// One tool call made by an assistant message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The provider's id for the call.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments, any JSON value.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub arguments: Value,
}

/// The project context a session ran in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The content of the project's instructions file. Also read from `project_memory`, its
    /// name in older Atmos.
    #[serde(
        default,
        alias = "project_memory",
        skip_serializing_if = "Option::is_none"
    )]
    pub project_instructions: Option<String>,
    /// Files the session read or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files_accessed: Vec<String>,
    /// The directory the session ran in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

impl Context {
    /// True when the context carries nothing.
    pub fn is_empty(&self) -> bool {
        self.project_instructions.is_none()
            && self.files_accessed.is_empty()
            && self.working_directory.is_none()
    }
}

/// Summary counts of a checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    /// Number of messages.
    pub message_count: u64,
    /// Messages with role `user`.
    pub user_messages: u64,
    /// Messages with role `assistant`.
    pub assistant_messages: u64,
    /// Input plus output tokens over all messages, when any message reports usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    /// Number of tool calls, when any message made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<u64>,
    /// Each token count summed over the messages that report it, when any message reports
    /// usage (a confab extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
}

impl Statistics {
    /// Counts the statistics of a conversation.
    pub fn of<'a>(messages: impl IntoIterator<Item = &'a Message>) -> Statistics {
        let mut stats = Statistics::default();
        let mut tokens: Option<u64> = None;
        let mut calls: Option<u64> = None;
        let mut usage_sum: Option<TokenUsage> = None;
        for message in messages {
            stats.message_count += 1;
            match message.role {
                Role::User => stats.user_messages += 1,
                Role::Assistant => stats.assistant_messages += 1,
                Role::System | Role::Tool => {}
            }
            if let Some(usage) = message.usage {
                tokens = Some(tokens.unwrap_or(0).saturating_add(usage.total()));
                usage_sum = Some(usage_sum.unwrap_or_default().plus(&usage));
            }
            if !message.tool_calls.is_empty() {
                calls = Some(calls.unwrap_or(0) + message.tool_calls.len() as u64);
            }
        }
        stats.total_tokens = tokens;
        stats.tool_calls = calls;
        stats.usage = usage_sum;
        stats
    }
}

impl Checkpoint {
    /// The reasons this checkpoint could not be imported back, if any (Atmos and confab both
    /// refuse a checkpoint without messages or without a model).
    pub fn import_blockers(&self) -> Vec<&'static str> {
        let mut blockers = Vec::new();
        if self.messages.is_empty() {
            blockers.push("it has no messages");
        }
        if self.session.model.is_empty() {
            blockers.push("it names no model");
        }
        if self.session.provider.is_empty() {
            blockers.push("it names no provider");
        }
        blockers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_count_roles_tokens_and_tool_calls() {
        let mut answer = Message::new(Role::Assistant, "");
        answer.usage = Some(TokenUsage {
            input_tokens: Some(10),
            output_tokens: Some(5),
            ..TokenUsage::default()
        });
        answer.tool_calls.push(ToolCall {
            id: "c1".into(),
            name: "ls".into(),
            arguments: Value::Null,
        });
        let messages = [
            Message::new(Role::System, "be brief"),
            Message::new(Role::User, "hi"),
            answer,
            Message::new(Role::Tool, "a b c"),
        ];
        let stats = Statistics::of(&messages);
        assert_eq!(stats.message_count, 4);
        assert_eq!(stats.user_messages, 1);
        assert_eq!(stats.assistant_messages, 1);
        assert_eq!(stats.total_tokens, Some(15));
        assert_eq!(stats.tool_calls, Some(1));
    }

    #[test]
    fn statistics_leave_unknown_totals_out() {
        let stats = Statistics::of(&[Message::new(Role::User, "hi")]);
        assert_eq!(stats.total_tokens, None);
        assert_eq!(stats.tool_calls, None);
        let json = serde_json::to_value(stats).expect("statistics serialize");
        assert!(json.get("total_tokens").is_none());
    }

    #[test]
    fn timestamps_are_read_with_any_offset_and_written_in_utc() {
        let message: Message = serde_json::from_str(
            r#"{"role":"user","content":"x","created_at":"2025-10-29T11:20:05.000211-04:00"}"#,
        )
        .expect("valid message");
        let json = serde_json::to_string(&message).expect("serialize");
        assert!(
            json.contains(r#""created_at":"2025-10-29T15:20:05.000211Z""#),
            "{json}"
        );
    }

    #[test]
    fn older_atmos_key_names_are_read() {
        let context: Context =
            serde_json::from_str(r##"{"project_memory": "# ATMOS.md"}"##).expect("valid");
        assert_eq!(context.project_instructions.as_deref(), Some("# ATMOS.md"));
        let info: SessionInfo =
            serde_json::from_str(r#"{"name":"n","provider":"p","model":"m","agent":"sre"}"#)
                .expect("valid");
        assert_eq!(info.skill.as_deref(), Some("sre"));
        let json = serde_json::to_string(&info).expect("serialize");
        assert!(
            json.contains(r#""skill":"sre""#),
            "written under the current name: {json}"
        );
    }

    #[test]
    fn roles_round_trip_their_spelling() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("robot"), None);
    }
}
