//! opencode sessions: the JSON that `opencode export <session-id>` writes.
//!
//! # The source format
//!
//! [opencode] keeps each session as a record of its `info` and its messages, each message a
//! record of its own `info` and its `parts`; `opencode export` writes one session as
//! `{"info": {...}, "messages": [{"info": {...}, "parts": [...]}, ...]}`. The session's `info` has
//! `id` (`ses_...`), `title`, `directory` (the project folder), `version` (of opencode), `model`
//! (`{id, providerID}`), `time` (`created`, `updated`: Unix milliseconds) and the session's
//! total `tokens`. A message's `info` has `role` (`user` or `assistant`), `time`, and for an
//! answer `modelID`, `providerID`, `path.cwd`, `tokens` and `finish`. Parts are typed: `text`
//! (`synthetic` when opencode wrote it, not the person), `reasoning`, `tool` (`tool`, `callID`,
//! `state`: `{status, input, output | error, time}`), `file`, `patch` (files the step changed),
//! `step-start` and `step-finish` (one model call, with its `tokens`), and more.
//!
//! [opencode]: https://opencode.ai/docs/cli/#export
//!
//! # Mapping
//!
//! - The file is one session: it decodes as a single converted checkpoint.
//! - A user message becomes a user message of its text parts. Synthetic text (the content of
//!   a file the person mentioned, which opencode reads into the prompt) is not something the
//!   person typed: it is left out, counted in a note. A file part becomes `[attachment omitted:
//!   NAME]`.
//! - An assistant message is split at its steps (`step-finish`), because each step is one call
//!   to the model: the step's text and tool calls become one assistant message, followed by a
//!   tool message for each call's result (`output`, or `error` for a failed call), answering it
//!   through `callID`. A call still pending or running when the session was exported has no
//!   result, with a note.
//! - Usage is each step's `tokens`, as opencode counts them whatever the provider: `input`
//!   without the cache reads (Claude's way, not OpenAI's), `output` without the reasoning, and
//!   `cache.read`, `cache.write` and `reasoning` beside them, mapped to the checkpoint's
//!   `input_tokens`, `output_tokens`, `cached_input_tokens`, `cache_write_tokens` and
//!   `reasoning_tokens`. A message without steps carries its own `tokens`.
//! - Times: the user message's `time.created`; for an answer, the time its step started (its
//!   first part's), else the message's `time.created`; for a tool result, when the tool ended.
//! - Each answer keeps its `modelID` and `providerID`. The session's model and provider are the
//!   session's `model`, else the last answer's; a provider the file does not name is told by
//!   the model's name ([`provider_of_model`]), else it is `unknown`, with a note.
//! - `directory` (else an answer's `path.cwd`) becomes `context.working_directory`, and the
//!   files of `patch` parts `context.files_accessed`.
//! - The session is named from its title (`opencode-listing-the-project-files`), else from its
//!   id (`opencode-` and eight of its characters). `session.metadata` keeps the `session_id`, the
//!   `title`, the `opencode_version` that wrote it and, for a subagent's session, the
//!   `parent_session_id`.
//!
//! Not mapped, each counted in a note: reasoning parts (the model's thinking), answers that
//! ended in an error (their error is named), and parts of other kinds (`agent`, `subtask`,
//! `retry`, `compaction`, ...). `step-start` and `snapshot` parts carry nothing to import.
//!
//! [`provider_of_model`]: confab_core::transcript::provider_of_model
//!
//! # Detection
//!
//! The extension `.opencode` selects this format. A `.json` file is recognised by its content: a
//! top-level object with an `info` object that has an `id`, and a `messages` array whose first
//! element has `info` and `parts`. When the file is longer than what sniffing reads, the visible
//! part must open with `"info"` and show `"messages"`, `"parts"` and `"sessionID"`.

mod decode;

use confab_core::{Decode, DecodeError, Decoded, MessageSink, Sniff};
use serde_json::Value;

use confab_core::transcript::without_bom;

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "opencode";

/// How much of the input [`Decode::sniff`] looks at.
const SNIFF_WINDOW: usize = 64 * 1024;

confab_core::declare_format! {
    /// The `opencode export` format.
    OpencodeFormat {
        name: NAME,
        // `opencode export` prints JSON, usually saved as `.json`, which belongs to the JSON
        // checkpoint format: those files are found by sniffing.
        extensions: ["opencode"],
        description: "opencode session, as `opencode export <session-id>` writes it (import only)",
        capabilities: [decode],
    }
}

impl Decode for OpencodeFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode(bytes).map(|outcome| Decoded::Converted(Box::new(outcome)))
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        let bytes = without_bom(bytes);
        let window = &bytes[..bytes.len().min(SNIFF_WINDOW)];
        let Some(start) = window.iter().position(|byte| !byte.is_ascii_whitespace()) else {
            return Sniff::No;
        };
        if window[start] != b'{' {
            return Sniff::No;
        }
        match serde_json::from_slice::<Value>(&window[start..]) {
            Ok(value) if is_export(&value) => Sniff::Yes,
            Ok(_) => Sniff::No,
            Err(error) if error.is_eof() => {
                looks_like_export(&String::from_utf8_lossy(&window[start..]))
            }
            Err(_) => Sniff::No,
        }
    }
}

/// Whether `value` is what `opencode export` writes.
fn is_export(value: &Value) -> bool {
    let has_session_info = value
        .get("info")
        .and_then(|info| info.get("id"))
        .is_some_and(Value::is_string);
    let first = value
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|messages| messages.first());
    let first_is_a_message = first.is_none_or(|message| {
        message.get("info").is_some_and(Value::is_object)
            && message.get("parts").is_some_and(Value::is_array)
    });
    has_session_info && value.get("messages").is_some_and(Value::is_array) && first_is_a_message
}

/// What can be seen of an export that the window cuts off.
fn looks_like_export(text: &str) -> Sniff {
    let opens_with_info = text
        .strip_prefix('{')
        .is_some_and(|object| object.trim_start().starts_with("\"info\""));
    let shows = |key: &str| text.contains(&format!("\"{key}\""));
    if opens_with_info && shows("messages") && shows("parts") && shows("sessionID") {
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
            FORMAT.sniff(
                br#"{"info": {"id": "ses_1"}, "messages": [{"info": {"role": "user"}, "parts": []}]}"#
            ),
            Sniff::Yes
        );
    }

    #[test]
    fn does_not_sniff_other_formats() {
        // A confab checkpoint, OpenAI and Gemini bodies, Codex-like lines, the array exports.
        for other in [
            &br#"{"version": "1.0", "session": {}, "messages": [{"role": "user", "content": "x"}]}"#[..],
            br#"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"#,
            br#"{"history": [{"role": "user", "parts": []}]}"#,
            br#"{"info": {"id": "x"}, "messages": [{"role": "user", "content": "hi"}]}"#,
            br#"[{"title": "x", "mapping": {}}]"#,
            b"{}",
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
    fn an_export_longer_than_the_window_is_judged_by_its_start() {
        let long = "x".repeat(SNIFF_WINDOW);
        let export = format!(
            r#"{{"info": {{"id": "ses_1"}}, "messages": [{{"info": {{"role": "user"}}, "parts": [{{"type": "text", "sessionID": "ses_1", "text": "{long}"}}]}}]}}"#
        );
        assert_eq!(FORMAT.sniff(export.as_bytes()), Sniff::Yes);
        let other = format!(
            r#"{{"version": "1.0", "messages": [{{"content": "\"info\" \"parts\" {long}"}}]}}"#
        );
        assert_eq!(FORMAT.sniff(other.as_bytes()), Sniff::No);
    }
}
