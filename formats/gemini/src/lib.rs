//! Gemini CLI chats: the session recordings Gemini CLI keeps by itself, the JSON that
//! `/chat share file.json` writes, and saved chat checkpoints.
//!
//! # The source files
//!
//! [Gemini CLI] writes three kinds of file that hold a chat; this format reads all of them.
//!
//! 1. **Session recordings**, `~/.gemini/tmp/<project>/chats/session-<start minute>-<first 8 of
//!    the session id>.jsonl`, written for every session without being asked (0.61 and later;
//!    older versions wrote one JSON document, `session-*.json`, which is read too). A recording
//!    is a log of JSON lines that Gemini CLI replays to load the session
//!    ([`chatRecordingService.ts`]), and this format replays it the same way:
//!    - a header `{sessionId, projectHash, startTime, lastUpdated, kind}` opens the file; a
//!      resume within the same minute appends a second one (the file name is the same);
//!    - a message record `{id, timestamp, type, content, ...}` adds a message, or replaces the
//!      one with the same id where it stands (Gemini CLI appends a model turn again when it
//!      learns its tokens or tool calls);
//!    - `{"$set": {...}}` updates the header's keys (`lastUpdated`, `summary`, `sessionId` on a
//!      resume, ...), and a `$set` of `messages` replaces the whole conversation so far;
//!    - `{"$rewindTo": id}` (`/rewind`) takes back that message and everything after it.
//! 2. **Shared chats**, what `/chat share file.json` writes: the Gemini API's `Content[]`
//!    history as it is (`JSON.stringify(history)` in [`chatCommand.ts`]), an array of
//!    `{"role": "user" | "model", "parts": [...]}`, where a part is `{"text": ...}` (with
//!    `"thought": true` for reasoning), `{"functionCall": {"id"?, "name", "args"}}`,
//!    `{"functionResponse": {"id"?, "name", "response"}}`, or media (`inlineData`, `fileData`).
//! 3. **Saved checkpoints**, `checkpoint-<tag>.json` in the project's temp directory, written by
//!    `/chat save <tag>`: `{"history": [...], "authType": ...}` with the same `Content[]`
//!    history; older versions wrote the bare array there too ([`logger.ts`] reads both).
//!
//! The `logs.json` beside them is the prompt log (every line typed, slash commands included),
//! not a chat: this format does not claim it.
//!
//! [Gemini CLI]: https://github.com/google-gemini/gemini-cli/blob/main/docs/cli/commands.md
//! [`chatRecordingService.ts`]: https://github.com/google-gemini/gemini-cli/blob/main/packages/core/src/services/chatRecordingService.ts
//! [`chatCommand.ts`]: https://github.com/google-gemini/gemini-cli/blob/main/packages/cli/src/ui/commands/chatCommand.ts
//! [`logger.ts`]: https://github.com/google-gemini/gemini-cli/blob/main/packages/core/src/core/logger.ts
//!
//! # Mapping of session recordings
//!
//! - The conversation is the one the replay leaves. When a `$set` of `messages` lists a message
//!   that was appended before under the same id and type, the appended record is imported:
//!   Gemini CLI writes messages back there as the model's history holds them (thoughts and calls
//!   as parts, tool output possibly masked), after a resume without their tokens, model and tool
//!   calls, and with the time of the rewrite instead of the message's own.
//! - `user` messages become user messages, at their `timestamp`. The first one is the context
//!   Gemini CLI sends before the first prompt (see below).
//! - `gemini` messages become assistant messages: `content` (a string or parts) is the text,
//!   `model` the message's model, `timestamp` its time, and `tokens` its usage: `input` →
//!   `input_tokens` (Gemini's `promptTokenCount`, cached tokens included), `output` →
//!   `output_tokens`, `cached` → `cached_input_tokens`, `thoughts` → `reasoning_tokens` (beside
//!   the output, as Gemini counts them). `tool` (`toolUsePromptTokenCount`) has no place and is
//!   summed in a note when it is not zero; `total` is the sum of the others.
//! - Each of a `gemini` message's `toolCalls` (`{id, name, args, result, status, timestamp}`)
//!   becomes a tool call with Gemini CLI's id, and its `result` (the `functionResponse` parts
//!   sent back to the model) a `tool` message answering that id, at the call's `timestamp`. Its
//!   content is the response's `output` when that is all it holds, and the response as JSON text
//!   otherwise (a failed call's is `{"error": ...}`).
//! - Gemini CLI records each result a second time, as a `user` message of `functionResponse`
//!   parts after the call; a response to a call answered already is not imported again. A
//!   response to a call with no recorded result becomes its `tool` message.
//! - `info`, `warning` and `error` messages are Gemini CLI's own notices on screen ("Conversation
//!   checkpoint saved ..."), never sent to the model: they are skipped and counted in a note.
//! - The session is named `gemini-` and the first eight letters and digits of `sessionId`, so a
//!   resumed session imports under the same name. `session.metadata` keeps `session_id`,
//!   `project_hash` (Gemini CLI's hash of the project's folder), `title` (the `summary` Gemini CLI
//!   writes for `/resume`) and `session_kind` (`main` or `subagent`).
//! - `session.created_at` is the first header's `startTime`, `session.updated_at` the last
//!   `lastUpdated`; the session's model is the last model message's.
//! - A recording that holds nothing but the startup context is refused: a resume in a later
//!   minute leaves such a file (a header and the context) beside the recording that goes on, and
//!   importing it would add an empty session under the same name.
//!
//! # Mapping of shared chats and saved checkpoints
//!
//! - `model` entries become assistant messages; their text parts are concatenated (a streamed
//!   answer is stored as several parts of one text) and their `functionCall`s become tool calls.
//!   A call without an `id` (older versions never wrote one) gets `call_N`.
//! - `user` entries become user messages, except that each `functionResponse` becomes a `tool`
//!   message, placed before the entry's text. It answers the call with its `id`, or else the
//!   oldest unanswered call to the same tool. Its content is mapped as in recordings.
//! - Provider `google`. The files name no model, so the model is `unknown` (with a note), and
//!   they hold no timestamps or token counts, so messages have none.
//! - The session is named `gemini-` and eight hex digits of an FNV-1a hash of the file, so the
//!   same file always imports under the same name. A saved checkpoint's `authType` is kept as
//!   `session.metadata.auth_type`.
//!
//! # The startup context, in every kind of file
//!
//! The first user entry of every Gemini CLI chat is not typed by the user: the CLI sends the
//! date, the OS and the folder structure ("This is the Gemini CLI. We are setting up the context
//! for our chat."), in newer versions inside `<session_context>…</session_context>`. It becomes a
//! `system` message (with a note), and the first workspace directory it names becomes
//! `context.working_directory` (in recordings, else the first of the header's `directories`).
//! When the first prompt was sent in the same entry (as saved checkpoints hold it: the block
//! and the prompt as two text parts), what follows `</session_context>` becomes a `user`
//! message of its own.
//!
//! # Not mapped
//!
//! Each is counted in `session.metadata.import_notes`: thoughts (the model's reasoning, as
//! `thought` parts or a recording's `thoughts` summaries), media and code-execution parts
//! (replaced by placeholders like `[inlineData omitted]`), parts of kinds this crate does not
//! know, model turns that left neither text nor a tool call, messages taken back by `/rewind`,
//! recorded messages that a later rewrite of the conversation no longer lists (Gemini CLI rolls
//! a cancelled turn back that way, and `/compress` replaces the history), `tokens.tool`, and
//! calls with no recorded response. A user message's `displayContent` (what the screen
//! showed, when it differs from what was sent) is not imported.
//!
//! # Writing
//!
//! The format also encodes: [`encode`] writes a checkpoint as a session recording (the JSON Lines
//! file above) that `gemini --resume <id>` continues (`confab sessions export --format gemini`,
//! `confab resume --with gemini`), and says in notes what a recording cannot hold (system
//! prompts, calls to tools Gemini CLI does not have, archived messages). A system message it
//! wrote as a user entry in `<confab-system-message>` tags reads back as a system message.
//!
//! # Detection
//!
//! The extension `.gemini` selects this format; `.json` and `.jsonl` files are recognised by
//! their content: a first line that is a recording's header (`sessionId` and `projectHash`),
//! a whole recording in one document, a top-level array whose first element has `role` and
//! `parts`, or an object whose `history` is such an array. Claude Code's and Codex's `.jsonl`
//! files have no `projectHash` and are not claimed.

mod decode;
pub mod encode;
mod recording;

use std::io::Write;

use confab_core::{
    Checkpoint, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions, MessageSink,
    Sniff,
};
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
        description: "Gemini CLI chats: its session recordings (chats/session-*.jsonl), `/chat share file.json` and `/chat save`",
        capabilities: [decode, encode],
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
            b'{' => match sniff_recording(&window[start..], window.len() == bytes.len()) {
                Sniff::No => sniff_checkpoint(&window[start..]),
                sure_or_maybe => sure_or_maybe,
            },
            _ => Sniff::No,
        }
    }
}

/// Writes a session recording `gemini --resume` continues (see [`encode`]), under an id derived
/// from the session ([`encode::RecordingTarget::for_export`]); `confab resume` chooses its own.
impl Encode for GeminiFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let target = encode::RecordingTarget::for_export(checkpoint);
        let (lines, _) = encode::recording(checkpoint, &target);
        out.write_all(&encode::to_jsonl(&lines))?;
        out.flush()?;
        Ok(())
    }

    fn notes(&self, checkpoint: &Checkpoint, _options: &EncodeOptions) -> Vec<String> {
        let target = encode::RecordingTarget::for_export(checkpoint);
        let (_, mut notes) = encode::recording(checkpoint, &target);
        if encode::working_directory(checkpoint).is_none() {
            notes.push(
                "the session records no working directory: the project folder written as \".\" \
                 (confab resume writes the folder Gemini CLI will run in)"
                    .to_owned(),
            );
        }
        notes
    }
}

/// `text` starts with `{`: a JSON Lines session recording opens with its header line,
/// `{"sessionId": ..., "projectHash": ..., ...}`, and so does a whole recording in one document.
/// `whole` says whether `text` is all of the input.
fn sniff_recording(text: &[u8], whole: bool) -> Sniff {
    let end = text.iter().position(|&byte| byte == b'\n');
    if let Some(first) = end.map(|end| &text[..end]).or(whole.then_some(text))
        && let Ok(Value::Object(header)) = serde_json::from_slice::<Value>(first)
    {
        return if recording::is_header(&header) {
            Sniff::Yes
        } else {
            Sniff::No
        };
    }
    // A first line that does not parse: a document written over many lines, or a header cut
    // off by the window. `JSON.stringify` writes `sessionId` and `projectHash` first.
    let text = String::from_utf8_lossy(text);
    let near_the_start = |key: &str| text.find(key).is_some_and(|position| position < 512);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(document)) if recording::is_header(&document) => Sniff::Yes,
        Err(error)
            if error.is_eof()
                && near_the_start("\"sessionId\"")
                && near_the_start("\"projectHash\"") =>
        {
            Sniff::Maybe
        }
        _ => Sniff::No,
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
