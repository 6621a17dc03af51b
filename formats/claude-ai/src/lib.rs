//! Claude.ai data exports: the `conversations.json` of Settings → Privacy → Export data.
//!
//! # The source format
//!
//! The export is a zip; its `conversations.json` is a JSON array with one object per
//! conversation: `uuid`, `name` (the title), `created_at` and `updated_at` (RFC 3339), `account`,
//! and `chat_messages`, oldest first. A message has `uuid`, `sender` (`human` or `assistant`),
//! `created_at`, `text` (the whole message as plain text), `content` (the same as typed blocks:
//! `{"type": "text", "text"}`, `{"type": "thinking", "thinking"}`, `{"type": "tool_use", "name",
//! "input", "id"?}`, `{"type": "tool_result", "name", "content", "tool_use_id"?, "is_error"}`),
//! `attachments` (pasted or uploaded documents with their `extracted_content`) and `files`
//! (uploads whose content is not in the export, such as images). Newer exports give each message
//! its `parent_message_uuid`, because Claude.ai keeps every version of an edited prompt or a
//! retried answer as a branch.
//!
//! # Mapping
//!
//! - One session per conversation, in the file's order: the file decodes as a
//!   [`Decoded::Collection`].
//! - When messages name their parents and some parent has several children (an edited prompt, a
//!   retried answer), only the branch ending at the conversation's `current_leaf_message_uuid`,
//!   else at its last message, is imported, walked up to the root; the messages on other
//!   branches are counted in a note. Otherwise every message is imported in order.
//! - `human` messages become user messages, `assistant` messages assistant messages. Their
//!   `content` blocks are read in order; `text` is used only for a message without blocks.
//!   Text blocks are joined with blank lines. A prompt with no text and no attachment is
//!   skipped, counted in a note.
//! - A `tool_use` block becomes a tool call (its `input` the arguments; a block without `id`
//!   gets `toolu_N`), and a `tool_result` block a tool message answering the call with its
//!   `tool_use_id`, else the oldest unanswered call to the tool it names. Claude.ai runs its tools
//!   (web search, analysis, artifacts) inside the answer, so an assistant message that calls and
//!   then continues is split: the text and calls before a result, the result, then the rest, as
//!   the Anthropic API would have carried them. A result's content is its text blocks joined, a
//!   search hit as its title, address and text. A result that answers no call is kept without a
//!   `tool_call_id`, with a note.
//! - An attachment's `extracted_content` is kept, after the message's text, under a line
//!   `[attachment: NAME]`; an attachment without extracted text and each entry of `files` become
//!   `[attachment omitted: NAME]`. Both are counted in notes.
//! - `thinking` blocks (the model's reasoning) are not imported, counted in a note, and so are
//!   blocks of kinds this crate does not know.
//! - Times are the messages' `created_at`, and the conversation's `created_at` and `updated_at`
//!   for the session.
//! - Provider `anthropic`. The export does not say which model answered, so the model is
//!   `unknown`, with a note, unless a conversation or message names one in `model`.
//! - Session names come from the conversation's name (`claude-ai-plan-the-offsite`), else from
//!   its uuid (`claude-ai-3f1c2b9a`), else from the position in the file (`claude-ai-3`), made
//!   unique within the file. The name itself is kept as `session.metadata.title`, the uuid as
//!   `session.metadata.conversation_uuid`, and Claude.ai's `summary`, when it has one, as
//!   `session.metadata.summary`.
//!
//! A conversation without messages (one opened and never used) is left out; the first session
//! of the file carries a note naming each one.
//!
//! # Detection
//!
//! The extension `.claude-ai` selects this format. A `.json` file is recognised by its content:
//! a top-level array whose first element is an object with a `chat_messages` array and a
//! `uuid`. When that first conversation is longer than what sniffing reads, the visible part
//! must open with a conversation's key and show `"chat_messages"` and `"sender"`.
//!
//! [`Decoded::Collection`]: confab_core::Decoded::Collection

mod decode;

use confab_core::{Decode, DecodeError, Decoded, MessageSink, Sniff};
use serde_json::Value;

use confab_core::transcript::sniff_first_array_element;

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "claude-ai";

/// Keys a Claude.ai conversation object starts with.
const CONVERSATION_KEYS: &[&str] = &[
    "uuid",
    "name",
    "summary",
    "created_at",
    "updated_at",
    "account",
    "chat_messages",
];

confab_core::declare_format! {
    /// The Claude.ai data export format.
    ClaudeAiFormat {
        name: NAME,
        // The export's file is `conversations.json`, and `.json` belongs to the JSON checkpoint
        // format: exports are found by sniffing.
        extensions: ["claude-ai"],
        description: "Claude.ai data export (conversations.json), one session per conversation (import only)",
        capabilities: [decode],
    }
}

impl Decode for ClaudeAiFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode(bytes).map(Decoded::Collection)
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        sniff_first_array_element(bytes, is_conversation, looks_like_conversation)
    }
}

/// Whether `value` is a Claude.ai conversation.
fn is_conversation(value: &Value) -> bool {
    value.get("chat_messages").is_some_and(Value::is_array)
        && value.get("uuid").is_some_and(Value::is_string)
}

/// What can be seen of a first conversation that the window cuts off.
fn looks_like_conversation(text: &str) -> Sniff {
    let Some(object) = text.trim_start().strip_prefix('{') else {
        return Sniff::No;
    };
    let opens_with_a_conversation_key = CONVERSATION_KEYS.iter().any(|key| {
        object
            .trim_start()
            .strip_prefix('"')
            .and_then(|rest| rest.strip_prefix(key))
            .is_some_and(|rest| rest.starts_with('"'))
    });
    if opens_with_a_conversation_key
        && text.contains("\"chat_messages\"")
        && text.contains("\"sender\"")
    {
        Sniff::Yes
    } else {
        Sniff::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_exports() {
        assert_eq!(
            FORMAT.sniff(br#"[{"uuid": "u", "name": "x", "chat_messages": []}]"#),
            Sniff::Yes
        );
    }

    #[test]
    fn does_not_sniff_other_formats() {
        // OpenAI messages, Gemini history, a confab checkpoint, a ChatGPT export, llm logs.
        for other in [
            &br#"[{"role": "user", "content": "hi"}]"#[..],
            br#"[{"role": "user", "parts": [{"text": "hi"}]}]"#,
            br#"{"version": "1.0", "session": {}, "messages": []}"#,
            br#"[{"title": "x", "mapping": {}, "current_node": "a"}]"#,
            br#"[{"id": "r", "prompt": "hi", "response": "yo", "conversation_id": "c"}]"#,
            br#"[{"chat_messages": []}]"#,
            b"[]",
            b"",
        ] {
            assert_eq!(
                FORMAT.sniff(other),
                Sniff::No,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }

    #[test]
    fn a_first_conversation_longer_than_the_window_is_judged_by_its_start() {
        let long = "x".repeat(confab_core::transcript::SNIFF_WINDOW);
        let export = format!(
            r#"[{{"uuid": "u", "name": "t", "chat_messages": [{{"sender": "human", "text": "{long}"}}]}}]"#
        );
        assert_eq!(FORMAT.sniff(export.as_bytes()), Sniff::Yes);
        let other = format!(r#"[{{"role": "user", "content": "\"chat_messages\" {long}"}}]"#);
        assert_eq!(FORMAT.sniff(other.as_bytes()), Sniff::No);
    }
}
