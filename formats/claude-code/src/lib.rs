//! Claude Code session transcripts: `~/.claude/projects/<project>/<sessionId>.jsonl`, and the
//! threads of the sub-agents a session started, `<sessionId>/subagents/agent-<agentId>.jsonl`.
//!
//! # The source format
//!
//! [Claude Code] appends one JSON object per line to a transcript for every session. Anthropic
//! does not document the format; this crate follows what the files contain, checked against
//! files the real client wrote (`tests/fixtures/recorded/`, Claude Code 2.1.332, whose
//! `SCENARIOS.md` lists the record shapes). Each line has a `type`. Only `user` and `assistant`
//! events are turns: they carry an Anthropic Messages API `message` (`{role, content, model, id,
//! usage}`), a `uuid`, a `parentUuid`, the `sessionId`, a `timestamp`, the `cwd`, the CLI
//! `version`, the `gitBranch` and `isSidechain` (true for a sub-agent's conversation). `system`
//! events are notices, timings (`turn_duration`), compaction boundaries and local commands.
//! Everything else is bookkeeping, skipped without a note: `summary` and `custom-title` (read
//! for the title), `attachment` (the environment, model, tool and skill listings Claude Code
//! adds to a request; attachments of other types get a note), `api-request`,
//! `api-request-shape` and `api-request-blob` (the requests as sent, whose `message` repeats
//! the turns), `cost-state` (running totals), `queue-operation`, `atis-latch`, `tools-used`,
//! `last-prompt`, `mode`, `permission-mode`, `file-history-snapshot` and `progress`. Events of
//! other types get a note.
//!
//! [Claude Code]: https://docs.anthropic.com/en/docs/claude-code/overview
//!
//! # Mapping
//!
//! - **Which events, in which order.** The conversation is the `parentUuid` chain of the
//!   non-sidechain events (in a sub-agent's file, of its sidechain events) that ends at the
//!   last event. Events off the chain (prompts that were edited or rewound, and their answers)
//!   and sidechains are left out, with a note counting them. A compaction boundary (`parentUuid: null`) is crossed through its `logicalParentUuid`.
//!   Two kinds of event hang off the chain rather than on it and are kept: the other parts of a
//!   split response, and the results of parallel tool calls. Kept events are taken in file order,
//!   which for an append-only log is the order they happened. When a `parentUuid` names an event
//!   that is not in the file, or no event has one, the whole main thread is taken in file order,
//!   with a note.
//! - **Assistant turns.** Claude Code writes one API answer as several events, one per content
//!   block (`thinking`, `text`, `tool_use`), all with the same `message.id`, each repeating the
//!   answer's full `message.usage`: they are merged into one assistant message (text blocks
//!   joined by a blank line, tool calls in order, the usage once, of the last part), so usage is
//!   counted once per `message.id`. `tool_use` blocks become tool calls with their `input` as
//!   arguments. The message's model is `message.model`, except for the `<synthetic>` messages
//!   Claude Code writes itself.
//! - **User turns are what the person typed.** Text blocks become a user message. Each
//!   `tool_result` block becomes a separate `tool` message answering its `tool_use_id`, placed
//!   before the user text. Text Claude Code wrote in the user's name is not a user message:
//!   - `isMeta: true` events (the `<local-command-caveat>`, `<system-reminder>`s, the markdown
//!     copy of a command's output made for the model) are left out, with a note counting them;
//!   - local commands (`/compact`, `/context`, ...), whether written as `user` events
//!     (`<command-name>`, `<command-args>`, then `<local-command-stdout>`) or as `system` events
//!     of subtype `local_command`, become `session.metadata.local_commands`, a list of
//!     `{command, args, output, at}` (`output` the stdout and stderr, terminal escapes removed;
//!     `at` the command's RFC 3339 time), not messages;
//!   - bash mode (`!ls`): the `<bash-input>` event and the `<bash-stdout>`/`<bash-stderr>` one
//!     after it become one `system` message, as written: this version sends it to the model,
//!     which answers it, so it stays in the conversation as context;
//!   - notifications (`promptSource: "system"`, `origin.kind: "task-notification"`, the
//!     `<task-notification>` of a background sub-agent that finished) become `system` messages.
//! - **Thinking** blocks are not imported: they are the model's private reasoning, signed for
//!   the API that produced them, and not part of what was said (under `claude -p` this version
//!   stores their text empty anyway). A note counts them.
//! - **Compaction.** Messages before a `compact_boundary` are marked `archived`: the model no
//!   longer sees them, only the summary that follows (`isCompactSummary`), which becomes a
//!   `system` message, not archived.
//! - **Usage** is `message.usage` as Anthropic counts it: `input_tokens` (the uncached input
//!   only), `output_tokens` (thinking included), the prompt cache's `cache_read_input_tokens` and
//!   `cache_creation_input_tokens` as `cached_input_tokens` and `cache_write_tokens`, and
//!   `output_tokens_details.thinking_tokens` as `reasoning_tokens`. The last `cost-state`
//!   holds Claude Code's own running totals per model; when they count more than the messages
//!   do (sub-agents' requests, the request that wrote a `/compact` summary, which no event
//!   records), a note says by how much. Timestamps are kept when they are RFC 3339.
//! - The session is named `claude-code-` and the first eight characters of the `sessionId`.
//!   Provider `anthropic`; model of the last assistant message that names one. The first `cwd`
//!   becomes `context.working_directory`; `session.metadata` keeps the `session_id`, the `title`
//!   (a `/rename` title, else the generated summary), `claude_code_version` and `git_branch`.
//!
//! # Sub-agents
//!
//! A sub-agent's thread is a file of its own, `<sessionId>/subagents/agent-<agentId>.jsonl`,
//! whose every turn has `isSidechain: true`, the `agentId` and the parent's `sessionId`, with
//! `agent-<agentId>.meta.json` beside it (`toolUseId`, the parent's `Agent` call). A decoder
//! sees one file's bytes, never the files beside it, so each side says what it knows itself:
//!
//! - **A sub-agent's file** (turns that are all sidechains) imports as a session of its own,
//!   named `claude-code-<parent8>-agent-<agent8>`, with `session.metadata.parent_session` (the
//!   parent's session name), `parent_session_id` and `agent_id`. The task the parent gave it is
//!   its first user message: the parent model is the sub-agent's user. The call that started
//!   it is not in the file: [`SubagentMeta::link`] adds `parent_tool_call_id` (and
//!   `agent_type`, `agent_description`) from the `.meta.json`, or [`link_to_parent`] from the
//!   parent session, for whatever imports a session's folder.
//! - **The parent's file** records `session.metadata.subagents`, a list of `{agent_id,
//!   tool_call_id, session}` (`session` the sub-agent's session name), from the results of its
//!   own calls that name an agent (`toolUseResult.agentId`, in the background case
//!   `status: "async_launched"`, in the foreground case `"completed"`), and a note that the
//!   threads are in `<sessionId>/subagents/`.
//!
//! Not mapped, each named in `session.metadata.import_notes`: images and documents (replaced by
//! placeholders like `[image omitted]`), the `is_error` flag of tool results, `system` notices,
//! assistant blocks other than text and tool calls (web search results, ...), and events of
//! unknown types. A command that expands into a prompt (a custom slash command) would be
//! recorded as a local command and its expanded prompt, if written as an `isMeta` event, left
//! out: no recorded file has one, so this is unchecked.
//!
//! # Writing
//!
//! The format also encodes: [`encode`] writes a checkpoint as a transcript `claude --resume`
//! continues (`confab sessions export --format claude-code`, `confab resume --with
//! claude-code`), in the record shapes above, and says in notes what a transcript cannot hold
//! (system prompts, calls to tools Claude Code does not have, archived messages). A system
//! message it wrote as a user record in `<confab-system-message>` tags reads back as a system
//! message.
//!
//! # Detection
//!
//! The `.jsonl` extension is shared with other transcript formats, so content decides: among the
//! first lines (all JSON objects), one has a `sessionId` and a `uuid` or `parentUuid`. A
//! sub-agent's file has them too.

mod decode;
pub mod encode;
mod terminal;

use std::io::Write;

use confab_core::{
    Checkpoint, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions, MessageSink,
    Sniff,
};
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
        description: "Claude Code session transcript, ~/.claude/projects/*/<session>.jsonl",
        capabilities: [decode, encode],
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

/// Writes a transcript `claude --resume` continues (see [`encode`]), under an id derived from
/// the session ([`encode::TranscriptTarget::for_export`]); `confab resume` chooses its own.
impl Encode for ClaudeCodeFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let target = encode::TranscriptTarget::for_export(checkpoint);
        let (records, _) = encode::transcript(checkpoint, &target);
        out.write_all(&encode::to_jsonl(&records))?;
        out.flush()?;
        Ok(())
    }

    fn notes(&self, checkpoint: &Checkpoint, _options: &EncodeOptions) -> Vec<String> {
        let target = encode::TranscriptTarget::for_export(checkpoint);
        let (_, mut notes) = encode::transcript(checkpoint, &target);
        if encode::working_directory(checkpoint).is_none() {
            notes.push(
                "the session records no working directory: cwd written as \".\" (confab resume \
                 writes the folder Claude Code will run in)"
                    .to_owned(),
            );
        }
        notes
    }
}

/// What `agent-<id>.meta.json`, beside a sub-agent's transcript in `<session>/subagents/`, says
/// about the agent: above all the parent's `Agent` tool call that started it, which the
/// agent's own transcript does not name.
///
/// A decoder sees one file's bytes, so importing `agent-<id>.jsonl` cannot read it; whatever
/// imports a whole session folder can, and [`SubagentMeta::link`] the agent's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubagentMeta {
    /// `toolUseId`: the id of the parent's tool call (`tool_use.id`) that started the agent.
    pub tool_use_id: String,
    /// `agentType`, e.g. `general-purpose`.
    pub agent_type: Option<String>,
    /// `description`: the task's short description, as the parent's call gave it.
    pub description: Option<String>,
}

impl SubagentMeta {
    /// Reads a meta file; `None` when it is not one (not a JSON object with a `toolUseId`).
    pub fn parse(bytes: &[u8]) -> Option<SubagentMeta> {
        let Ok(Value::Object(meta)) = serde_json::from_slice::<Value>(without_bom(bytes)) else {
            return None;
        };
        let text = |key: &str| {
            meta.get(key)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        Some(SubagentMeta {
            tool_use_id: text("toolUseId")?,
            agent_type: text("agentType"),
            description: text("description"),
        })
    }

    /// Adds `parent_tool_call_id`, `agent_type` and `agent_description` to the metadata of a
    /// sub-agent's imported session.
    pub fn link(&self, checkpoint: &mut Checkpoint) {
        let metadata = checkpoint.session.metadata.get_or_insert_with(Map::new);
        metadata.insert(
            "parent_tool_call_id".into(),
            Value::from(self.tool_use_id.as_str()),
        );
        if let Some(agent_type) = &self.agent_type {
            metadata.insert("agent_type".into(), Value::from(agent_type.as_str()));
        }
        if let Some(description) = &self.description {
            metadata.insert(
                "agent_description".into(),
                Value::from(description.as_str()),
            );
        }
    }
}

/// Sets a sub-agent session's `parent_tool_call_id` from its parent session's
/// `metadata.subagents`, for when the agent's `.meta.json` is missing. Returns whether the
/// parent names the agent (`agent_id`) and the child lacked the id.
pub fn link_to_parent(subagent: &mut Checkpoint, parent: &Checkpoint) -> bool {
    let call = {
        let Some(agent) = subagent
            .session
            .metadata
            .as_ref()
            .and_then(|metadata| metadata.get("agent_id"))
            .and_then(Value::as_str)
        else {
            return false;
        };
        parent
            .session
            .metadata
            .as_ref()
            .and_then(|metadata| metadata.get("subagents"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|link| link.get("agent_id").and_then(Value::as_str) == Some(agent))
            .and_then(|link| link.get("tool_call_id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let Some(call) = call else {
        return false;
    };
    let metadata = subagent.session.metadata.get_or_insert_with(Map::new);
    if metadata.contains_key("parent_tool_call_id") {
        return false;
    }
    metadata.insert("parent_tool_call_id".into(), Value::from(call));
    true
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
