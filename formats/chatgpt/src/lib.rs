//! ChatGPT data exports: the `conversations.json` of Settings → Data controls → Export data.
//!
//! # The source format
//!
//! The export is a zip; its `conversations.json` is a JSON array with one object per
//! conversation: `title`, `create_time` and `update_time` (Unix seconds, as floats),
//! `conversation_id` (older exports: only `id`), `default_model_slug`, `current_node`, and
//! `mapping`, the conversation as a *tree*: `{node_id: {id, message, parent, children}}`. A
//! conversation is a tree because ChatGPT keeps every version of it: editing a prompt or asking
//! for another answer adds a sibling branch, and `current_node` is the leaf of the branch the
//! person last looked at. The root node has no message; the next is usually an empty, hidden
//! `system` message.
//!
//! A `message` is `{id, author: {role, name}, create_time, content, metadata, recipient, ...}`.
//! `content.content_type` says what it holds: `text` and `multimodal_text` (`parts`: strings,
//! or objects such as `image_asset_pointer`), `code` (`text`: what the model sends to a tool),
//! `execution_output` (`text`: what the code printed), `tether_quote` and
//! `tether_browsing_display` (browsing results), `thoughts` and `reasoning_recap` (the
//! reasoning of o-series models and its "Thought for 8s" line), `user_editable_context` (the
//! custom instructions), `system_error`, and more. An assistant message whose `recipient` is
//! not `all` is addressed to a tool (`python`, `browser`, `dalle.text2im`, `web.run`, ...); the
//! tool answers with a message whose author has role `tool` and that tool's `name`.
//!
//! # Mapping
//!
//! - One session per conversation, in the file's order: the file decodes as a
//!   [`Decoded::Collection`].
//! - Only the branch that ends at `current_node` is imported, walked from that leaf up to the
//!   root; it is what ChatGPT shows when the conversation is opened. The messages on other
//!   branches (earlier versions of an edited prompt, regenerated answers) are counted in a note.
//!   A conversation without a usable `current_node` follows the newest child from the root,
//!   with a note.
//! - `user`, `assistant` and `system` authors keep their roles. Text parts are joined with
//!   newlines. Images and audio cannot live in a checkpoint's text: each becomes a placeholder
//!   (`[image omitted]`), and files attached to a prompt (named in `metadata.attachments`, not
//!   contained in the file) a line `[attachment omitted: NAME]`, both counted in notes.
//! - An assistant message addressed to a tool becomes an assistant message with one tool call:
//!   the call's name is the `recipient`, its id the message id (ChatGPT has no call ids), its
//!   arguments the message's text parsed when it is a JSON object, or the text itself as a
//!   string otherwise (Python code). A `tool` message becomes a tool message answering the oldest
//!   unanswered call to the tool its author names; further results of the same tool right after
//!   it answer the same call. A tool message that answers no call is kept as a tool message
//!   without `tool_call_id`, with a note. Its content is the tool output as text
//!   (`execution_output`'s text, a quote's title, address and text, a browsing result).
//! - Messages ChatGPT does not show are skipped: those flagged
//!   `is_visually_hidden_from_conversation`, empty system and assistant messages, empty tool
//!   results (the "searching…" display of a browsing call) and empty prompts. Hidden ones, the
//!   custom instructions (`user_editable_context`) and empty prompts are counted in notes. The reasoning (`thoughts`,
//!   `reasoning_recap`) is not imported, counted in a note.
//! - Times are the messages' `create_time`, and the conversation's `create_time` and
//!   `update_time` for the session.
//! - Provider `openai`. Each assistant message keeps its `metadata.model_slug` as its model. The
//!   session's model is `default_model_slug`, unless that is missing or `auto` (the model
//!   picker's setting, not a model): then the last model an answer names, else `unknown` with a
//!   note. The export holds no token counts.
//! - Session names come from the title (`chatgpt-fix-the-vpc-peering`), else from the
//!   conversation id (`chatgpt-6a1f22c3`), else from the position in the file (`chatgpt-3`),
//!   made unique within the file. The title itself, which the name may not spell (it keeps ASCII
//!   letters and digits only), is kept as `session.metadata.title`, and the id as
//!   `session.metadata.conversation_id`.
//!
//! A conversation with nothing to import (no message on its branch) is left out, and so is one
//! without a `mapping`; the first session of the file carries a note naming each such
//! conversation. Content types this crate does not know are imported from their `parts` or
//! `text` when they have some, and otherwise skipped; both are counted in notes.
//!
//! # Detection
//!
//! The extension `.chatgpt` selects this format. A `.json` file is recognised by its content: a
//! top-level array whose first element is an object with a `mapping` object and a
//! `current_node` or a `title`. When that first conversation is longer than what sniffing reads,
//! the visible part must open with a conversation's key and show `"mapping"`, `"author"` and
//! `"content_type"`.
//!
//! [`Decoded::Collection`]: confab_core::Decoded::Collection

mod decode;

use confab_core::{Decode, DecodeError, Decoded, MessageSink, Sniff};
use serde_json::Value;

use confab_core::transcript::sniff_first_array_element;

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "chatgpt";

/// Keys a ChatGPT conversation object starts with, in exports old and new.
const CONVERSATION_KEYS: &[&str] = &[
    "title",
    "id",
    "conversation_id",
    "create_time",
    "update_time",
    "mapping",
    "current_node",
];

confab_core::declare_format! {
    /// The ChatGPT data export format.
    ChatGptFormat {
        name: NAME,
        // The export's file is `conversations.json`, and `.json` belongs to the JSON checkpoint
        // format: exports are found by sniffing.
        extensions: ["chatgpt"],
        description: "ChatGPT data export (conversations.json), one session per conversation (import only)",
        capabilities: [decode],
    }
}

impl Decode for ChatGptFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode(bytes).map(Decoded::Collection)
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        sniff_first_array_element(bytes, is_conversation, looks_like_conversation)
    }
}

/// Whether `value` is a ChatGPT conversation.
fn is_conversation(value: &Value) -> bool {
    value.get("mapping").is_some_and(Value::is_object)
        && (value.get("current_node").is_some() || value.get("title").is_some())
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
    let shows = |key: &str| text.contains(&format!("\"{key}\""));
    if opens_with_a_conversation_key && shows("mapping") && shows("author") && shows("content_type")
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
            FORMAT.sniff(br#" [{"title": "x", "mapping": {}, "current_node": "a"}]"#),
            Sniff::Yes
        );
        assert_eq!(
            FORMAT.sniff(b"\xEF\xBB\xBF[{\"mapping\": {\"a\": {}}, \"title\": null}]"),
            Sniff::Yes
        );
    }

    #[test]
    fn does_not_sniff_other_formats() {
        // OpenAI messages, Gemini history, a confab checkpoint, a Claude.ai export, llm logs.
        for other in [
            &br#"[{"role": "user", "content": "hi"}]"#[..],
            br#"[{"role": "user", "parts": [{"text": "hi"}]}]"#,
            br#"{"version": "1.0", "session": {}, "messages": []}"#,
            br#"[{"uuid": "u", "name": "x", "chat_messages": []}]"#,
            br#"[{"id": "r", "prompt": "hi", "response": "yo", "conversation_id": "c"}]"#,
            b"[]",
            b"[1]",
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
            r#"[{{"title": "t", "create_time": 1.5, "mapping": {{"a": {{"message": {{"author": {{"role": "user"}}, "content": {{"content_type": "text", "parts": ["{long}"]}}}}}}}}}}]"#
        );
        assert_eq!(FORMAT.sniff(export.as_bytes()), Sniff::Yes);
        let other = format!(r#"[{{"role": "user", "content": "\"mapping\" {long}"}}]"#);
        assert_eq!(FORMAT.sniff(other.as_bytes()), Sniff::No);
    }
}
