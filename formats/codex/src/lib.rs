//! Codex CLI rollout files: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`.
//!
//! # The source format
//!
//! [Codex CLI] records every session as JSON Lines, one `RolloutLine` per line:
//! `{"timestamp", "type", "payload"}`, where `type` is one of the variants of `RolloutItem` in
//! [`codex-rs/protocol/src/protocol.rs`]:
//!
//! - `session_meta`: the session `id`, start `timestamp`, `cwd`, `originator`, `cli_version`,
//!   `git`, and the instructions (`instructions`, a string, in 2025; `base_instructions.text`,
//!   Codex's own system prompt, since 2026);
//! - `response_item`: what the model sees, a Responses API item (`ResponseItem` in
//!   [`models.rs`]): a `message` (`role` `user`, `assistant`, `developer` or `system`; `content`
//!   a list of `input_text` / `output_text` / `input_image`), a `function_call` (`name`,
//!   `arguments` as a string of JSON, `call_id`), its `function_call_output` (`call_id`,
//!   `output` as a string or a list of content items), `custom_tool_call`, `local_shell_call`,
//!   `reasoning`, `web_search_call`, ...;
//! - `turn_context`: per turn, the `model`, `cwd`, approval and sandbox policies;
//! - `event_msg`: UI events, most of which repeat the response items (`user_message`,
//!   `agent_message` before 0.171, `item_completed` since), and `token_count` with
//!   `info.last_token_usage` and the running `info.total_token_usage`;
//! - `token_usage_record` (since about 0.170): one model response's `usage`, with the turn's and
//!   the thread's running totals (`turn_token_usage`, `thread_token_usage`);
//! - `world_state`: the environment a resume starts from;
//! - `compacted`: a compaction summary.
//!
//! Rollouts written before about September 2025 have no wrapper: the first line is the session
//! meta itself (`{"id", "timestamp", "instructions", "git"}`), the response items follow bare,
//! with `{"record_type": "state"}` lines between them and no per-line timestamps. Both shapes are
//! read.
//!
//! [Codex CLI]: https://github.com/openai/codex
//! [`codex-rs/protocol/src/protocol.rs`]: https://github.com/openai/codex/blob/main/codex-rs/protocol/src/protocol.rs
//! [`models.rs`]: https://github.com/openai/codex/blob/main/codex-rs/protocol/src/models.rs
//!
//! # Mapping
//!
//! - Messages are the `message` response items, in file order; the `event_msg` copies of them
//!   (`user_message`, `agent_message`, `item_completed`) are not read twice. `developer`
//!   messages become `system` messages, and so do the `user` messages that Codex writes itself
//!   (`<environment_context>`, `<user_instructions>`, `# AGENTS.md instructions`, the
//!   `<user_shell_command>` of a `!cmd` the person ran, ...), so that the user messages are
//!   exactly the prompts the person typed. Codex 0.171 marks a typed prompt: its
//!   `internal_chat_message_metadata_passthrough.content_item_kinds` is `["user.text"]` and its
//!   provenance `user`, where injected text has other kinds and the provenance `harness`; older
//!   rollouts carry no such marks and injected text is told by how it begins.
//! - A `function_call` (or `custom_tool_call`, or `local_shell_call`, named `local_shell`) becomes
//!   a tool call on the assistant message just before it, or on a new assistant message with no
//!   text when the call does not follow one. Arguments are parsed from their JSON string and kept
//!   as a string when they do not parse. Each `*_output` becomes a `tool` message answering its
//!   `call_id`.
//! - Usage: each `token_usage_record`'s `usage` is added to the latest assistant message, with
//!   `cached_input_tokens`, `cache_write_input_tokens` and `reasoning_output_tokens` as
//!   `cached_input_tokens`, `cache_write_tokens` and `reasoning_tokens` (Codex's input includes
//!   the cached part, its output the reasoning). Codex 0.171 reports every response a second
//!   time as a `token_count` event; the record wins: the event's `total_token_usage` equals the
//!   record's `thread_token_usage` and is skipped as a repeat. Rollouts without records (before
//!   about 0.170) are counted from `token_count` events: `last_token_usage` (or the growth of
//!   `total_token_usage`, where that is all there is), repeated counts skipped.
//! - The model is the latest `turn_context.model` (each assistant message keeps the model of its
//!   turn); the provider is the one the model's name tells (`provider_of_model`), else
//!   `openai` (the session meta's `model_provider` names the configured endpoint, kept in the
//!   metadata). Rollouts of 2025 record no model: it is `unknown`, with a note.
//! - `cwd` (from the session meta, else the first turn context, else the injected
//!   `<environment_context>`) becomes `context.working_directory`; the user's instructions
//!   (`instructions` in the session meta, `user_instructions` in a turn context, or the injected
//!   AGENTS.md text) become `context.project_instructions`.
//! - A `compacted` record marks everything before it `archived` and continues with its summary,
//!   as Codex does; the summary is a `system` message, since Codex wrote it. A `thread_rolled_back` event takes back the last turns,
//!   which are left out.
//! - The session is named `codex-` and the first eight characters of the session id; the id,
//!   `originator`, `cli_version` (as `codex_version`), `model_provider`, `source`,
//!   `forked_from_id` and the git branch, commit and repository are kept in `session.metadata`.
//!
//! Not mapped, each named in `session.metadata.import_notes`: reasoning items (summaries of, or
//! encrypted, reasoning), `base_instructions` (Codex's system prompt, the same for every
//! session), images (replaced by placeholders like `[input_image omitted]`), web searches,
//! encrypted compaction items and records of unknown types. The other `event_msg` records
//! (`item_completed`, `task_started`, `thread_settings_applied`, ...), `turn_context` beyond its
//! model and cwd, and `world_state` snapshots are UI and resume state, not conversation, and
//! are skipped silently.
//!
//! # Writing
//!
//! The format also encodes: [`encode`] writes a checkpoint as a rollout `codex resume`
//! continues (`confab sessions export --format codex`, `confab resume --with codex`), in the
//! record shapes above, and says in notes what a rollout cannot hold as it was (system
//! messages, written as developer messages; calls to tools Codex does not have, written as
//! text; archived messages, left out).
//!
//! # Detection
//!
//! The `.jsonl` extension is shared with other transcript formats, so content decides: the first
//! line is a `RolloutLine` (`type` `session_meta`, `response_item`, `turn_context`, `event_msg`,
//! `compacted`, `world_state` or `token_usage_record`, with a `payload`), or the unwrapped
//! session meta of an older rollout.

mod decode;
pub mod encode;

use std::io::Write;

use confab_core::{
    Checkpoint, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions, MessageSink,
    Sniff,
};
use serde_json::{Map, Value};

use confab_core::transcript::{lines, without_bom};

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "codex";

/// How much of the input [`Decode::sniff`] looks at.
const SNIFF_WINDOW: usize = 64 * 1024;

/// The record types a wrapped rollout line may have.
const RECORD_TYPES: &[&str] = &[
    "session_meta",
    "response_item",
    "turn_context",
    "event_msg",
    "compacted",
    "world_state",
    "token_usage_record",
];

confab_core::declare_format! {
    /// The Codex CLI rollout format.
    CodexFormat {
        name: NAME,
        extensions: ["jsonl"],
        description: "Codex CLI rollout, ~/.codex/sessions/**/rollout-*.jsonl",
        capabilities: [decode, encode],
    }
}

impl Decode for CodexFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode(bytes).map(|outcome| Decoded::Converted(Box::new(outcome)))
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        let bytes = without_bom(bytes);
        let window = &bytes[..bytes.len().min(SNIFF_WINDOW)];
        let Some((_, first)) = lines(window).next() else {
            return Sniff::No;
        };
        match serde_json::from_slice::<Value>(first) {
            Ok(Value::Object(record)) => sniff_record(&record),
            // The session meta can be longer than the window (it holds the system prompt); its
            // start says what it is, since `timestamp` and `type` are written first.
            Err(error) if error.is_eof() => {
                let start =
                    String::from_utf8_lossy(&first[..first.len().min(512)]).replace(' ', "");
                if start.starts_with("{\"timestamp\":")
                    && start.contains("\"type\":\"session_meta\"")
                {
                    Sniff::Yes
                } else if start.starts_with("{\"id\":") && start.contains("\"instructions\":") {
                    Sniff::Maybe
                } else {
                    Sniff::No
                }
            }
            _ => Sniff::No,
        }
    }
}

/// Writes a rollout `codex resume` continues (see [`encode`]), under an id derived from the
/// session ([`encode::RolloutTarget::for_export`]); `confab resume` chooses its own.
impl Encode for CodexFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let target = encode::RolloutTarget::for_export(checkpoint);
        let (lines, _) = encode::rollout(checkpoint, &target);
        out.write_all(&encode::to_jsonl(&lines))?;
        out.flush()?;
        Ok(())
    }

    fn notes(&self, checkpoint: &Checkpoint, _options: &EncodeOptions) -> Vec<String> {
        let target = encode::RolloutTarget::for_export(checkpoint);
        let (_, mut notes) = encode::rollout(checkpoint, &target);
        if encode::working_directory(checkpoint).is_none() {
            notes.push(
                "the session records no working directory: cwd written as \".\" (confab resume \
                 writes the folder Codex will run in)"
                    .to_owned(),
            );
        }
        notes
    }
}

/// Whether the first line of a file is a rollout's.
fn sniff_record(record: &Map<String, Value>) -> Sniff {
    let kind = record.get("type").and_then(Value::as_str);
    if let Some(kind) = kind {
        let wrapped = record.get("payload").is_some_and(Value::is_object);
        return if wrapped && RECORD_TYPES.contains(&kind) {
            Sniff::Yes
        } else {
            Sniff::No
        };
    }
    // An older rollout's unwrapped session meta.
    let legacy_meta = record.get("id").is_some_and(Value::is_string)
        && record.get("timestamp").is_some_and(Value::is_string)
        && (record.contains_key("instructions") || record.contains_key("git"))
        && !record.contains_key("sessionId");
    if legacy_meta { Sniff::Yes } else { Sniff::No }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_both_rollout_shapes() {
        let wrapped = concat!(
            r#"{"timestamp":"2025-10-12T14:10:16.717Z","type":"session_meta","payload":{"id":"0199d8c1","cwd":"/p"}}"#,
            "\n"
        );
        assert_eq!(FORMAT.sniff(wrapped.as_bytes()), Sniff::Yes);
        let legacy = concat!(
            r#"{"id":"c3c4b301-27c8-4c70","timestamp":"2025-08-18T01:16:13.522Z","instructions":null}"#,
            "\n",
            r#"{"record_type":"state"}"#,
            "\n"
        );
        assert_eq!(FORMAT.sniff(legacy.as_bytes()), Sniff::Yes);
    }

    #[test]
    fn a_session_meta_longer_than_the_window_is_still_recognised() {
        let meta = format!(
            r#"{{"timestamp":"2026-02-01T10:00:00Z","type":"session_meta","payload":{{"id":"x","base_instructions":{{"text":"{}"}}}}}}"#,
            "x".repeat(SNIFF_WINDOW)
        );
        assert_eq!(FORMAT.sniff(meta.as_bytes()), Sniff::Yes);
    }

    #[test]
    fn does_not_sniff_other_formats() {
        let claude = concat!(
            r#"{"type":"user","uuid":"u","parentUuid":null,"sessionId":"s","message":{"role":"user","content":"hi"}}"#,
            "\n"
        );
        assert_eq!(FORMAT.sniff(claude.as_bytes()), Sniff::No);
        let summary = r#"{"type":"summary","summary":"x","leafUuid":"u"}"#;
        assert_eq!(FORMAT.sniff(summary.as_bytes()), Sniff::No);
        assert_eq!(FORMAT.sniff(b"{\n  \"version\": \"1.0\"\n}"), Sniff::No);
        assert_eq!(FORMAT.sniff(b""), Sniff::No);
        assert_eq!(FORMAT.sniff(b"version: 1.0"), Sniff::No);
    }
}
