//! A request for the next answer, and the answer.

use confab_core::{Message, Role, TokenUsage, ToolCall};
use jiff::Timestamp;

/// What to ask a provider: the model, and the conversation so far, ending with the user's new
/// message.
#[derive(Debug, Clone, Copy)]
pub struct ChatRequest<'a> {
    /// The model to ask.
    pub model: &'a str,
    /// The conversation, oldest first. Archived messages are not sent.
    pub messages: &'a [Message],
    /// The most tokens the answer may have; Anthropic requires a limit, OpenAI does not.
    pub max_tokens: Option<u32>,
    /// Stream the answer as it is written (server-sent events) rather than wait for all of it.
    pub stream: bool,
}

/// A complete answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// The answer's text (empty when the model only called tools).
    pub text: String,
    /// The model that answered, as the provider names it (often more precise than the model
    /// asked for, e.g. `gpt-4o-2024-08-06`).
    pub model: Option<String>,
    /// Token usage, when the provider reports it.
    pub usage: Option<TokenUsage>,
    /// Tool calls the model made.
    pub tool_calls: Vec<ToolCall>,
    /// Why the model stopped (`stop`, `end_turn`, `length`, `max_tokens`, ...).
    pub stop_reason: Option<String>,
}

impl Reply {
    /// The assistant message to record: the text, the provider, the model (the one that
    /// answered, else the one asked), the usage and the tool calls.
    pub fn into_message(self, provider: &str, asked_model: &str, at: Timestamp) -> Message {
        let mut message = Message::new(Role::Assistant, self.text);
        message.created_at = Some(at);
        message.provider = Some(provider.to_owned());
        // A provider that names its model "" has not named it.
        let answered = self.model.filter(|model| !model.trim().is_empty());
        message.model = Some(answered.unwrap_or_else(|| asked_model.to_owned()));
        message.usage = self.usage;
        message.tool_calls = self.tool_calls;
        message
    }

    /// Why the answer cannot be recorded, if it cannot: a tool call without a name (the
    /// checkpoint schema requires one, so the session would no longer export importable).
    pub(crate) fn unrecordable(&self) -> Option<String> {
        self.tool_calls
            .iter()
            .any(|call| call.name.trim().is_empty())
            .then(|| "a tool call in it has no name".to_owned())
    }

    /// Whether the answer stopped because it reached the token limit.
    pub fn hit_token_limit(&self) -> bool {
        matches!(self.stop_reason.as_deref(), Some("length" | "max_tokens"))
    }
}

/// Token usage from a provider's two counts, `None` when it reported neither.
pub(crate) fn usage(input: Option<u64>, output: Option<u64>) -> Option<TokenUsage> {
    (input.is_some() || output.is_some()).then_some(TokenUsage {
        input_tokens: input,
        output_tokens: output,
        ..TokenUsage::default()
    })
}

/// A tool call's arguments: JSON when the provider's string parses, the string itself otherwise
/// (a model can write broken JSON; the record keeps what it wrote).
pub(crate) fn tool_arguments(text: &str) -> serde_json::Value {
    if text.trim().is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

/// A tool call whose pieces are still arriving in a stream.
#[derive(Debug, Default)]
pub(crate) struct PartialCall {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The arguments' JSON text so far.
    pub(crate) arguments: String,
}

impl PartialCall {
    pub(crate) fn finish(self) -> ToolCall {
        ToolCall {
            id: self.id,
            name: self.name,
            arguments: tool_arguments(&self.arguments),
        }
    }
}

/// The string at `pointer` in a provider's JSON, empty when absent (`content: null` included).
pub(crate) fn text_at(value: &serde_json::Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_message_prefers_the_model_that_answered() {
        let at: Timestamp = "2026-11-25T10:00:00Z".parse().expect("time");
        let reply = Reply {
            text: "hi".into(),
            model: Some("gpt-4o-2024-08-06".into()),
            usage: usage(Some(3), Some(1)),
            ..Reply::default()
        };
        let message = reply.into_message("openai", "gpt-4o", at);
        assert_eq!(message.role, Role::Assistant);
        assert_eq!(message.provider.as_deref(), Some("openai"));
        assert_eq!(message.model.as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(message.usage.map(|usage| usage.total()), Some(4));
        assert_eq!(message.created_at, Some(at));
        let message = Reply::default().into_message("ollama", "llama3.2", at);
        assert_eq!(message.model.as_deref(), Some("llama3.2"));
        let unnamed = Reply {
            model: Some(" ".into()),
            ..Reply::default()
        };
        let message = unnamed.into_message("ollama", "llama3.2", at);
        assert_eq!(message.model.as_deref(), Some("llama3.2"));
        assert_eq!(message.usage, None);
    }

    #[test]
    fn tool_arguments_keep_what_does_not_parse() {
        assert_eq!(tool_arguments(r#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(tool_arguments("{broken"), serde_json::json!("{broken"));
        assert_eq!(tool_arguments(""), serde_json::Value::Null);
    }
}
