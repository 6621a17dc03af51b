//! Claude Code session transcripts: `~/.claude/projects/<project>/<sessionId>.jsonl`.
//!
//! # The source format
//!
//! [Claude Code] appends one JSON object per line to a transcript for every session. Anthropic
//! does not document the format; this crate follows what the files contain, as community tools
//! that read them describe it. Each line has a `type`: `user` and `assistant` events carry an
//! Anthropic Messages API `message` (`{role, content, model, id, usage}`); `system` events are
//! notices and compaction boundaries; `summary`, `custom-title`, `file-history-snapshot`,
//! `queue-operation` and `progress` are bookkeeping. Conversation events have a `uuid`, a
//! `parentUuid`, the `sessionId`, a `timestamp`, the `cwd`, the CLI `version`, the `gitBranch`
//! and `isSidechain` (true for a sub-agent's conversation).
//!
//! [Claude Code]: https://docs.anthropic.com/en/docs/claude-code/overview
//!
//! # Mapping
//!
//! - **Which events, in which order.** The conversation is the `parentUuid` chain of the
//!   non-sidechain events that ends at the last event. Events off the chain (prompts that were
//!   edited or rewound, and their answers) and sidechains are left out, with a note counting
//!   them. A compaction boundary (`parentUuid: null`) is crossed through its `logicalParentUuid`.
//!   Two kinds of event hang off the chain rather than on it and are kept: the other parts of a
//!   split response, and the results of parallel tool calls. Kept events are taken in file order,
//!   which for an append-only log is the order they happened. When a `parentUuid` names an event
//!   that is not in the file, or no event has one, the whole main thread is taken in file order,
//!   with a note.
//! - **Assistant turns.** Claude Code writes a streamed response as several events, one per
//!   content block, all with the same `message.id`: they are merged into one assistant message
//!   (text blocks joined by a blank line, tool calls in order, the usage of the last part).
//!   `tool_use` blocks become tool calls with their `input` as arguments. The message's model is
//!   `message.model`, except for the `<synthetic>` messages Claude Code writes itself.
//! - **User turns.** Text blocks become a user message. Each `tool_result` block becomes a
//!   separate `tool` message answering its `tool_use_id`, placed before the user text.
//! - **Thinking** blocks are not imported: they are the model's private reasoning, signed for
//!   the API that produced them, and not part of what was said. A note counts them.
//! - **Compaction.** Messages before a `compact_boundary` are marked `archived`: the model no
//!   longer sees them, only the summary that follows, which stays a user message.
//! - Usage is `message.usage` as Anthropic counts it: `input_tokens` (the uncached input only),
//!   `output_tokens`, and the prompt cache's `cache_read_input_tokens` and
//!   `cache_creation_input_tokens` as `cached_input_tokens` and `cache_write_tokens`. Timestamps
//!   are kept when they are RFC 3339.
//! - The session is named `claude-code-` and the first eight characters of the `sessionId`.
//!   Provider `anthropic`; model of the last assistant message that names one. The first `cwd`
//!   becomes `context.working_directory`; `session.metadata` keeps the `session_id`, the `title`
//!   (a `/rename` title, else the generated summary), `claude_code_version` and `git_branch`.
//!
//! Not mapped, each named in `session.metadata.import_notes`: images and documents (replaced by
//! placeholders like `[image omitted]`), the `is_error` flag of tool results, `system` notices,
//! assistant blocks other than text and tool calls (web search results, ...), and events of
//! unknown types.
//!
//! # Detection
//!
//! The `.jsonl` extension is shared with other transcript formats, so content decides: among the
//! first lines (all JSON objects), one has a `sessionId` and a `uuid` or `parentUuid`.

mod decode;

use confab_core::{Decode, DecodeError, Decoded, MessageSink, Sniff};
use serde_json::{Map, Value};

use confab_core::transcript::{lines, without_bom};

/// The format's name, as `--format` takes it and `source_format` records it.
const NAME: &str = "claude-code";

/// How much of the input [`Decode::sniff`] looks at.
const SNIFF_WINDOW: usize = 64 * 1024;

/// How many lines [`Decode::sniff`] reads at most.
const SNIFF_LINES: usize = 50;

confab_core::declare_format! {
    /// The Claude Code transcript format.
    ClaudeCodeFormat {
        name: NAME,
        extensions: ["jsonl"],
        description: "Claude Code session transcript, ~/.claude/projects/*/<session>.jsonl (import only)",
        capabilities: [decode],
    }
}

impl Decode for ClaudeCodeFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode(bytes).map(|outcome| Decoded::Converted(Box::new(outcome)))
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        let bytes = without_bom(bytes);
        let window = &bytes[..bytes.len().min(SNIFF_WINDOW)];
        // Only lines that end inside the window can be parsed.
        let complete = if window.len() == bytes.len() {
            window
        } else {
            match window.iter().rposition(|&byte| byte == b'\n') {
                Some(end) => &window[..end],
                None => &[],
            }
        };
        for (_, line) in lines(complete).take(SNIFF_LINES) {
            match serde_json::from_slice::<Value>(line) {
                Ok(Value::Object(event)) if is_event(&event) => return Sniff::Yes,
                Ok(Value::Object(_)) => {}
                _ => return Sniff::No,
            }
        }
        // A first event longer than the window: judge by what can be seen of it.
        let text = String::from_utf8_lossy(window);
        if complete.len() < window.len()
            && text.trim_start().starts_with('{')
            && text.contains("\"sessionId\"")
            && text.contains("\"parentUuid\"")
        {
            Sniff::Maybe
        } else {
            Sniff::No
        }
    }
}

/// Whether a line is a Claude Code conversation event.
fn is_event(event: &Map<String, Value>) -> bool {
    event.get("sessionId").is_some_and(Value::is_string)
        && (event.contains_key("uuid") || event.contains_key("parentUuid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_transcripts_even_after_bookkeeping_lines() {
        let transcript = concat!(
            r#"{"type":"summary","summary":"Fix the build","leafUuid":"u2"}"#,
            "\n",
            r#"{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"s","message":{"role":"user","content":"hi"}}"#,
            "\n"
        );
        assert_eq!(FORMAT.sniff(transcript.as_bytes()), Sniff::Yes);
    }

    #[test]
    fn does_not_sniff_other_formats() {
        let codex = concat!(
            r#"{"timestamp":"2025-10-12T14:10:16Z","type":"session_meta","payload":{"id":"x"}}"#,
            "\n"
        );
        assert_eq!(FORMAT.sniff(codex.as_bytes()), Sniff::No);
        assert_eq!(FORMAT.sniff(b"{\n  \"version\": \"1.0\"\n}"), Sniff::No);
        assert_eq!(
            FORMAT.sniff(br#"[{"role":"user","content":"x"}]"#),
            Sniff::No
        );
        assert_eq!(FORMAT.sniff(b""), Sniff::No);
    }

    #[test]
    fn a_first_event_longer_than_the_window_is_a_maybe() {
        let event = format!(
            r#"{{"parentUuid":null,"sessionId":"s","type":"user","message":{{"role":"user","content":"{}"}}}}"#,
            "x".repeat(SNIFF_WINDOW)
        );
        assert_eq!(FORMAT.sniff(event.as_bytes()), Sniff::Maybe);
    }
}
