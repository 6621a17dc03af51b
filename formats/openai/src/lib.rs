//! The OpenAI Chat Completions format: the `messages` array every OpenAI-compatible API speaks.
//!
//! # The source format
//!
//! A conversation as the [Chat Completions API] takes it: either a bare JSON array of messages,
//! or a request body, an object with a `messages` array and usually a `model`. Each message has a
//! `role` (`system`, `developer`, `user`, `assistant`, `tool`, or the legacy `function`) and a
//! `content` that is a string, `null`, or an array of parts (`{"type": "text", "text": ...}`,
//! `image_url`, `input_audio`, `file`, `refusal`). Assistant messages carry `tool_calls`
//! (`{id, type: "function", function: {name, arguments}}`, where `arguments` is a *string* of
//! JSON); tool messages answer one through `tool_call_id`. Many tools log or export conversations
//! in this shape, which is why it is worth reading and writing.
//!
//! [Chat Completions API]: https://platform.openai.com/docs/api-reference/chat/create
//!
//! # Import
//!
//! - Roles map one to one; `developer` (the newer name for `system`) becomes `system`, and a
//!   legacy `function` message becomes a `tool` message answering the `function_call` before it.
//! - Text parts are joined with newlines. Parts that are not text cannot live in a checkpoint's
//!   text: each becomes a placeholder such as `[image_url omitted]`, and a note counts them.
//! - Tool call arguments are parsed from their JSON string; arguments that are not valid JSON
//!   are kept as a JSON string so nothing is lost. A call without an id gets `call_N`.
//! - The model is the body's `model`, or `unknown` (with a note) for a bare array. The provider
//!   is told by the model's name (`claude-*` is `anthropic`, `gemini-*` is `google`; see
//!   `transcript::provider_of_model`), else `openai`: many providers speak this shape. There are
//!   no timestamps in this format, so messages have none.
//! - The session is named `openai-` and eight hex digits of an FNV-1a hash of the input, so the
//!   same file always imports under the same name.
//!
//! Not mapped, each named in `session.metadata.import_notes`: a message's `name`, assistant
//! `audio`, the request's `tools` definitions, and the content of non-text parts. Other request
//! parameters (`temperature`, ...) are ignored.
//!
//! # Export
//!
//! A request body `{"model": ..., "messages": [...]}`, pretty-printed with a final newline, that
//! can be sent back to the API: content as a string (`null` for an assistant turn that only calls
//! tools), tool call arguments serialized back to a string. What a request cannot say is left
//! out: timestamps, per-message models and token usage, the `archived` flag (archived messages are
//! written like the others), and the session's metadata and context.
//!
//! # Detection
//!
//! The extension `.openai` selects this format. A `.json` file is recognised by its content: a
//! top-level array whose first element is an object with a chat `role` and `content` (or
//! `tool_calls`) but no Gemini-style `parts`; or an object with such a `messages` array and
//! no `version` or `session` key (a confab checkpoint).

mod decode;
mod encode;

use std::io::{self, Write};

use confab_core::{
    Checkpoint, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions, MessageSink,
    Sniff,
};
use serde::Deserialize;
use serde_json::Value;

use confab_core::transcript::without_bom;

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "openai";

/// How much of the input [`Decode::sniff`] looks at.
const SNIFF_WINDOW: usize = 64 * 1024;

confab_core::declare_format! {
    /// The OpenAI Chat Completions format.
    OpenAiFormat {
        name: NAME,
        // `.json` belongs to the JSON checkpoint format; a `.json` file in this format is found
        // by sniffing.
        extensions: ["openai"],
        description: "OpenAI Chat Completions messages (a request body or a bare messages array)",
        capabilities: [decode, encode],
    }
}

impl Decode for OpenAiFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode(bytes).map(|outcome| Decoded::Converted(Box::new(outcome)))
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        let bytes = without_bom(bytes);
        let window = &bytes[..bytes.len().min(SNIFF_WINDOW)];
        let Some(start) = window.iter().position(|byte| !byte.is_ascii_whitespace()) else {
            return Sniff::No;
        };
        match window[start] {
            b'[' => sniff_first_element(&window[start + 1..]),
            b'{' => sniff_body(&window[start..]),
            _ => Sniff::No,
        }
    }
}

impl Encode for OpenAiFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let body = encode::request_body(checkpoint);
        let mut out = io::BufWriter::new(out);
        serde_json::to_writer_pretty(&mut out, &body).map_err(|error| {
            match error.io_error_kind() {
                Some(kind) => EncodeError::Io(io::Error::new(kind, error)),
                None => EncodeError::Format(error.to_string()),
            }
        })?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }
}

/// Whether `value` looks like one Chat Completions message.
fn is_message(value: &Value) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    let known_role = object
        .get("role")
        .and_then(Value::as_str)
        .is_some_and(|role| {
            matches!(
                role,
                "system" | "developer" | "user" | "assistant" | "tool" | "function"
            )
        });
    known_role
        && (object.contains_key("content") || object.contains_key("tool_calls"))
        && !object.contains_key("parts")
}

/// `rest` follows a top-level `[`: reads just its first element, which may be cut off.
fn sniff_first_element(rest: &[u8]) -> Sniff {
    let mut deserializer = serde_json::Deserializer::from_slice(rest);
    match Value::deserialize(&mut deserializer) {
        Ok(first) if is_message(&first) => Sniff::Yes,
        Ok(_) => Sniff::No,
        // The first message is longer than the window: judge by what can be seen of it.
        Err(error) if error.is_eof() => {
            let text = String::from_utf8_lossy(rest);
            let text = text.trim_start();
            if text.starts_with('{') && text.contains("\"role\"") && !text.contains("\"parts\"") {
                Sniff::Maybe
            } else {
                Sniff::No
            }
        }
        Err(_) => Sniff::No,
    }
}

/// `text` starts with `{`: a request body has a `messages` array of chat messages.
fn sniff_body(text: &[u8]) -> Sniff {
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Object(body)) => {
            let checkpoint = body.contains_key("version") || body.contains_key("session");
            let first = body
                .get("messages")
                .and_then(Value::as_array)
                .and_then(|messages| messages.first());
            if !checkpoint && first.is_some_and(is_message) {
                Sniff::Yes
            } else {
                Sniff::No
            }
        }
        Err(error) if error.is_eof() => {
            let text = String::from_utf8_lossy(text);
            let looks_like_body = text.contains("\"messages\"")
                && text.contains("\"role\"")
                && !text.contains("\"parts\"")
                && !text.contains("\"version\"")
                && !text.contains("\"session\"");
            if looks_like_body {
                Sniff::Maybe
            } else {
                Sniff::No
            }
        }
        _ => Sniff::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_message_arrays_and_request_bodies() {
        assert_eq!(
            FORMAT.sniff(br#" [{"role": "user", "content": "hi"}]"#),
            Sniff::Yes
        );
        assert_eq!(
            FORMAT
                .sniff(br#"{"model": "gpt-4o", "messages": [{"role": "system", "content": "x"}]}"#),
            Sniff::Yes
        );
        assert_eq!(
            FORMAT.sniff(br#"[{"role": "assistant", "content": null, "tool_calls": []}]"#),
            Sniff::Yes
        );
    }

    #[test]
    fn does_not_sniff_other_formats() {
        // Gemini CLI history.
        assert_eq!(
            FORMAT.sniff(br#"[{"role": "user", "parts": [{"text": "hi"}]}]"#),
            Sniff::No
        );
        // A confab checkpoint.
        assert_eq!(
            FORMAT.sniff(
                br#"{"version": "1.0", "session": {}, "messages": [{"role": "user", "content": "hi"}]}"#
            ),
            Sniff::No
        );
        assert_eq!(FORMAT.sniff(b"[]"), Sniff::No);
        assert_eq!(FORMAT.sniff(b"[1, 2]"), Sniff::No);
        assert_eq!(FORMAT.sniff(b"version: '1.0'"), Sniff::No);
        assert_eq!(FORMAT.sniff(b""), Sniff::No);
        assert_eq!(FORMAT.sniff(b"{\"type\":\"session_meta\"}\n"), Sniff::No);
    }

    #[test]
    fn a_first_message_longer_than_the_window_is_a_maybe() {
        let long = format!(
            r#"[{{"role": "system", "content": "{}"}}]"#,
            "x".repeat(SNIFF_WINDOW)
        );
        assert_eq!(FORMAT.sniff(long.as_bytes()), Sniff::Maybe);
    }
}
