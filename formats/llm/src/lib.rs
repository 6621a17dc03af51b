//! The logs of [llm], Simon Willison's command-line tool: what `llm logs --json` prints.
//!
//! # The source format
//!
//! llm logs every prompt and its response to a SQLite database; `llm logs --json` (`-n 0` for
//! all of them, `--cid ID` for one conversation) prints them as a JSON array of responses,
//! oldest first. Each is one exchange with the model: `id`, `conversation_id`,
//! `conversation_name` (the first prompt, cut to about 32 characters), `model` (and
//! `resolved_model`, the model the alias stood for), `datetime_utc`, `duration_ms`, `prompt`,
//! `system`, `response`, `input_tokens`, `output_tokens`, `token_details` (a string of JSON from
//! the provider), `reasoning`, `tool_calls` (`{name, arguments, tool_call_id}`), `tool_results`
//! (`{name, output, tool_call_id, exception}`), `attachments`, and `prompt_fragments` and
//! `system_fragments` (from `-f`). A tool run is two responses: the first answers with
//! `tool_calls` and no text; llm runs the tools and sends their results as the next response's
//! input, with an empty `prompt` and the `tool_results`.
//!
//! [llm]: https://llm.datasette.io/en/stable/logging.html
//!
//! # Mapping
//!
//! - Responses are grouped by `conversation_id` into one session each (a response without one is
//!   a conversation of its own), ordered by `datetime_utc` within each, and sessions by the time
//!   of their first response: the file decodes as a [`Decoded::Collection`].
//! - Each response becomes, in order: a `system` message when its system prompt differs from the
//!   one before (llm repeats it on every response), a `tool` message for each tool result
//!   (answering the call with its `tool_call_id`; an exception becomes `error: ...`), a `user`
//!   message for a non-empty `prompt`, and an `assistant` message with the `response` and its
//!   `tool_calls`. So user messages are the prompts a person typed; the responses that only
//!   carry tool results add none.
//! - The user message has the response's `datetime_utc` (when the prompt was sent), the
//!   assistant message that time plus `duration_ms` (when the answer was complete). Times
//!   without an offset, as older versions of llm wrote them, are read as UTC.
//! - Usage: `input_tokens` and `output_tokens` as llm logged them, plus from `token_details`
//!   the cached input (`prompt_tokens_details.cached_tokens` from OpenAI, counted inside the
//!   input; `cache_read_input_tokens` from Anthropic, not inside), Anthropic's cache writes
//!   (`cache_creation_input_tokens`) and the reasoning (`completion_tokens_details.
//!   reasoning_tokens` from OpenAI, inside the output; `thoughtsTokenCount` from Gemini).
//! - Each assistant message keeps its model (`resolved_model`, else `model`). The session's model
//!   is `conversation_model`, else the first response's. llm does not log which provider served
//!   a model, so the provider is told by the model's name (`gpt-*` is `openai`, `claude-*`
//!   `anthropic`, `gemini-*` `google`), else it is `unknown`, with a note.
//! - Session names come from `conversation_name` (`llm-hello-who-are-you`), else the
//!   conversation id, else the position (`llm-3`), made unique within the file. The name itself
//!   is kept as `session.metadata.title` and the id as `session.metadata.conversation_id`.
//!
//! Not mapped, each counted in a note: the model's `reasoning` text, attachments (replaced by
//! `[attachment omitted: PATH]`, since the logs name them but do not hold them), and prompt and
//! system fragments (whose content `llm logs --json` cuts short unless run with `--expand`).
//! Options (`options_json`), schemas and tool definitions are ignored.
//!
//! # Detection
//!
//! The extension `.llm` selects this format. A `.json` file is recognised by its content: a
//! top-level array whose first element is an object with `prompt`, `response`, `model` and
//! `conversation_id`. When that first response is longer than what sniffing reads, the visible
//! part must open with `"id"` and show `"conversation_id"`, `"datetime_utc"` and `"prompt"`.
//!
//! [`Decoded::Collection`]: confab_core::Decoded::Collection

mod decode;

use confab_core::{Decode, DecodeError, Decoded, MessageSink, Sniff};
use serde_json::Value;

use confab_core::transcript::sniff_first_array_element;

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "llm";

confab_core::declare_format! {
    /// The `llm logs --json` format.
    LlmFormat {
        name: NAME,
        // `llm logs --json` prints to standard output, usually saved as `.json`, which belongs
        // to the JSON checkpoint format: those files are found by sniffing.
        extensions: ["llm"],
        description: "The logs of the llm CLI, as `llm logs --json` prints them, one session per conversation (import only)",
        capabilities: [decode],
    }
}

impl Decode for LlmFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode(bytes).map(Decoded::Collection)
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        sniff_first_array_element(bytes, is_response, looks_like_response)
    }
}

/// Whether `value` is one logged response.
fn is_response(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        ["prompt", "response", "model", "conversation_id"]
            .iter()
            .all(|key| object.contains_key(*key))
    })
}

/// What can be seen of a first response that the window cuts off.
fn looks_like_response(text: &str) -> Sniff {
    let opens_with_id = text
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|object| object.trim_start().starts_with("\"id\""));
    let shows = |key: &str| text.contains(&format!("\"{key}\""));
    if opens_with_id && shows("conversation_id") && shows("datetime_utc") && shows("prompt") {
        Sniff::Yes
    } else {
        Sniff::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_logs() {
        assert_eq!(
            FORMAT.sniff(
                br#"[{"id": "r", "model": "m", "conversation_id": "c", "prompt": "hi", "response": "yo"}]"#
            ),
            Sniff::Yes
        );
    }

    #[test]
    fn does_not_sniff_other_formats() {
        // OpenAI messages, Gemini history, a confab checkpoint, ChatGPT and Claude.ai exports.
        for other in [
            &br#"[{"role": "user", "content": "hi"}]"#[..],
            br#"[{"role": "user", "parts": [{"text": "hi"}]}]"#,
            br#"{"version": "1.0", "session": {}, "messages": []}"#,
            br#"[{"title": "x", "mapping": {}, "current_node": "a"}]"#,
            br#"[{"uuid": "u", "name": "x", "chat_messages": []}]"#,
            br#"[{"prompt": "hi", "response": "yo"}]"#,
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
    fn a_first_response_longer_than_the_window_is_judged_by_its_start() {
        let long = "x".repeat(confab_core::transcript::SNIFF_WINDOW);
        let logs = format!(
            r#"[{{"id": "r", "model": "m", "conversation_id": "c", "datetime_utc": "2025-01-01T00:00:00", "prompt": "{long}", "response": ""}}]"#
        );
        assert_eq!(FORMAT.sniff(logs.as_bytes()), Sniff::Yes);
        let other = format!(r#"[{{"role": "user", "content": "\"conversation_id\" {long}"}}]"#);
        assert_eq!(FORMAT.sniff(other.as_bytes()), Sniff::No);
    }
}
