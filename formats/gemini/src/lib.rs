//! Gemini CLI chats: the JSON that `/chat share file.json` writes, and saved chat checkpoints.
//!
//! # The source format
//!
//! [Gemini CLI] keeps a chat as the Gemini API's `Content[]` history: an array of
//! `{"role": "user" | "model", "parts": [...]}`, where a part is `{"text": ...}` (with
//! `"thought": true` for reasoning), `{"functionCall": {"id"?, "name", "args"}}`,
//! `{"functionResponse": {"id"?, "name", "response"}}`, or media (`inlineData`, `fileData`).
//! `/chat share file.json` writes that array as it is (`JSON.stringify(history)` in
//! [`chatCommand.ts`]); `/chat save <tag>` writes `checkpoint-<tag>.json` in the project's temp
//! directory as `{"history": [...], "authType": ...}`, and older versions wrote the bare array
//! there too ([`logger.ts`] reads both). This format reads all three.
//!
//! [Gemini CLI]: https://github.com/google-gemini/gemini-cli/blob/main/docs/cli/commands.md
//! [`chatCommand.ts`]: https://github.com/google-gemini/gemini-cli/blob/main/packages/cli/src/ui/commands/chatCommand.ts
//! [`logger.ts`]: https://github.com/google-gemini/gemini-cli/blob/main/packages/core/src/core/logger.ts
//!
//! # Mapping
//!
//! - `model` entries become assistant messages; their text parts are concatenated (a streamed
//!   answer is stored as several parts of one text) and their `functionCall`s become tool calls.
//!   A call without an `id` (older versions never wrote one) gets `call_N`.
//! - `user` entries become user messages, except that each `functionResponse` becomes a `tool`
//!   message, placed before the entry's text. It answers the call with its `id`, or else the
//!   oldest unanswered call to the same tool. Its content is the response's `output` when that is
//!   all it holds, and the response as JSON text otherwise.
//! - The first entry of every Gemini CLI chat is not typed by the user: the CLI sends the date,
//!   the OS and the folder structure ("This is the Gemini CLI. We are setting up the context for
//!   our chat."). It becomes a `system` message, and the working directory it names becomes
//!   `context.working_directory`.
//! - Provider `google`. The files name no model, so the model is `unknown` (with a note), and
//!   they hold no timestamps or token counts, so messages have none.
//! - The session is named `gemini-` and eight hex digits of an FNV-1a hash of the file, so the
//!   same file always imports under the same name.
//!
//! Not mapped, each counted in `session.metadata.import_notes`: thought parts (the model's
//! reasoning), media and code-execution parts (replaced by placeholders like
//! `[inlineData omitted]`), and parts of kinds this crate does not know. A saved checkpoint's
//! `authType` is kept as `session.metadata.auth_type`.
//!
//! The session recordings newer versions keep under `~/.gemini/tmp/<project>/chats/` have a
//! different shape (`{"sessionId", "messages": [...]}`) and are refused with a clear error.
//!
//! # Detection
//!
//! The extension `.gemini` selects this format; a `.json` file is recognised by its content: a
//! top-level array whose first element has `role` and `parts`, or an object whose `history` is
//! such an array.

mod decode;

use confab_core::{Decode, DecodeError, Decoded, MessageSink, Sniff};
use serde::Deserialize;
use serde_json::Value;

use confab_core::transcript::without_bom;

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "gemini";

/// How much of the input [`Decode::sniff`] looks at.
const SNIFF_WINDOW: usize = 64 * 1024;

confab_core::declare_format! {
    /// The Gemini CLI chat format.
    GeminiFormat {
        name: NAME,
        // Gemini CLI writes `.json`, which belongs to the JSON checkpoint format: those files are
        // found by sniffing.
        extensions: ["gemini"],
        description: "Gemini CLI chat history, as `/chat share file.json` and `/chat save` write it (import only)",
        capabilities: [decode],
    }
}

impl Decode for GeminiFormat {
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
            b'[' => sniff_first_entry(&window[start + 1..]),
            b'{' => sniff_checkpoint(&window[start..]),
            _ => Sniff::No,
        }
    }
}

/// Whether `value` looks like a Gemini `Content`.
fn is_content(value: &Value) -> bool {
    value.get("role").is_some_and(Value::is_string)
        && value.get("parts").is_some_and(Value::is_array)
}

/// What can be seen of a `Content` cut off by the window.
fn looks_like_content(text: &str) -> Sniff {
    let text = text.trim_start();
    if text.starts_with('{') && text.contains("\"role\"") && text.contains("\"parts\"") {
        Sniff::Maybe
    } else {
        Sniff::No
    }
}

/// `rest` follows a top-level `[`: reads just its first element, which may be cut off.
fn sniff_first_entry(rest: &[u8]) -> Sniff {
    let mut deserializer = serde_json::Deserializer::from_slice(rest);
    match Value::deserialize(&mut deserializer) {
        Ok(first) if is_content(&first) => Sniff::Yes,
        Ok(_) => Sniff::No,
        Err(error) if error.is_eof() => looks_like_content(&String::from_utf8_lossy(rest)),
        Err(_) => Sniff::No,
    }
}

/// `text` starts with `{`: a saved checkpoint is `{"history": [Content, ...], ...}`.
fn sniff_checkpoint(text: &[u8]) -> Sniff {
    match serde_json::from_slice::<Value>(text) {
        Ok(value) => {
            let first = value
                .get("history")
                .and_then(Value::as_array)
                .and_then(|history| history.first());
            if first.is_some_and(is_content) {
                Sniff::Yes
            } else {
                Sniff::No
            }
        }
        Err(error) if error.is_eof() => {
            let text = String::from_utf8_lossy(text);
            // `JSON.stringify` writes `history` first: look at the entries after its key.
            let rest = text[1..].trim_start();
            match rest
                .strip_prefix("\"history\"")
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix('['))
            {
                Some(entries) => looks_like_content(entries),
                None => Sniff::No,
            }
        }
        Err(_) => Sniff::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_shared_chats_and_saved_checkpoints() {
        assert_eq!(
            FORMAT.sniff(
                b"\n[\n  {\n    \"role\": \"user\",\n    \"parts\": [{\"text\": \"hi\"}]\n  }\n]"
            ),
            Sniff::Yes
        );
        assert_eq!(
            FORMAT.sniff(
                br#"{"history": [{"role": "user", "parts": []}], "authType": "oauth-personal"}"#
            ),
            Sniff::Yes
        );
    }

    #[test]
    fn does_not_sniff_other_formats() {
        assert_eq!(
            FORMAT.sniff(br#"[{"role": "user", "content": "hi"}]"#),
            Sniff::No
        );
        assert_eq!(
            FORMAT.sniff(br#"{"version": "1.0", "messages": [{"role": "user", "content": "x"}]}"#),
            Sniff::No
        );
        assert_eq!(
            FORMAT.sniff(br#"{"sessionId": "x", "messages": [{"type": "user", "content": "x"}]}"#),
            Sniff::No
        );
        assert_eq!(FORMAT.sniff(b"[]"), Sniff::No);
        assert_eq!(FORMAT.sniff(b""), Sniff::No);
        assert_eq!(FORMAT.sniff(b"role: user"), Sniff::No);
    }

    #[test]
    fn a_first_entry_longer_than_the_window_is_a_maybe() {
        let text = "x".repeat(SNIFF_WINDOW);
        let shared = format!(r#"[{{"role": "user", "parts": [{{"text": "{text}"}}]}}]"#);
        assert_eq!(FORMAT.sniff(shared.as_bytes()), Sniff::Maybe);
        let saved =
            format!(r#"{{"history": [{{"role": "user", "parts": [{{"text": "{text}"}}]}}]}}"#);
        assert_eq!(FORMAT.sniff(saved.as_bytes()), Sniff::Maybe);
    }
}
