//! What every encoder of another tool's session file needs: Claude Code transcripts, Codex
//! rollouts and Gemini CLI recordings are written by three format crates, each in its tool's own
//! shape, but on the same few rules.
//!
//! - **Where the session ran** ([`working_directory`]): tools file sessions by folder, so the
//!   folder the checkpoint names (its context's working directory, else its project path) goes
//!   into the file.
//! - **Ids that repeat** ([`derived_uuid`]): the ids in a file are a function of the session and
//!   the record's place, so the same session exports to the same bytes and a test can compare
//!   them. (Not random: these ids only need to be distinct within what a tool keeps.)
//! - **A call the target cannot make** ([`call_as_text`]): a tool the target does not have is
//!   written as text the target shows (its name, id and arguments in a JSON fence), not as a call
//!   it would reject or, worse, run.
//! - **JSON Lines** ([`to_jsonl`]): all three tools write one JSON document a line.

use std::fmt::Write as _;

use serde_json::Value;

use crate::checkpoint::{Checkpoint, ToolCall};
use crate::transcript::fnv1a;

/// The folder `checkpoint` says its session ran in, if it says: its context's working
/// directory, else its project path.
pub fn working_directory(checkpoint: &Checkpoint) -> Option<String> {
    checkpoint
        .context
        .as_ref()
        .and_then(|context| context.working_directory.clone())
        .or_else(|| checkpoint.session.project_path.clone())
        .filter(|directory| !directory.is_empty())
}

/// A UUID (version 4 layout) derived from `seed` and `index`, the same every time.
pub fn derived_uuid(seed: &str, index: u64) -> String {
    let mut bytes = [0_u8; 16];
    for (part, chunk) in bytes.chunks_mut(4).enumerate() {
        let hash = fnv1a(format!("{part}\u{0}{index}\u{0}{seed}").as_bytes());
        chunk.copy_from_slice(&hash.to_be_bytes());
    }
    format_uuid(bytes)
}

/// Sixteen bytes as a version 4 UUID (`xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx`): the version and
/// variant bits are set, the rest kept.
pub fn format_uuid(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = bytes
        .iter()
        .fold(String::with_capacity(32), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A tool call as the text that stands for it: `[tool call NAME (ID)]` and its arguments in a
/// JSON fence (a string of arguments, as Codex keeps them, as it is).
pub fn call_as_text(call: &ToolCall) -> String {
    let arguments = match &call.arguments {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    format!(
        "[tool call {} ({})]\n```json\n{arguments}\n```",
        call.name, call.id
    )
}

/// `values` as JSON Lines: one document a line, each ending in `\n`.
pub fn to_jsonl(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        // A `Value` always serialises.
        if let Ok(line) = serde_json::to_vec(value) {
            out.extend_from_slice(&line);
            out.push(b'\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn derived_ids_are_uuids_that_repeat_and_differ_by_seed_and_place() {
        let id = derived_uuid("session\n2026-01-01T00:00:00Z", 0);
        assert_eq!(id, derived_uuid("session\n2026-01-01T00:00:00Z", 0));
        assert_ne!(id, derived_uuid("session\n2026-01-01T00:00:00Z", 1));
        assert_ne!(id, derived_uuid("other\n2026-01-01T00:00:00Z", 0));
        let parts: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(&id[14..15], "4", "version 4");
        assert!(
            matches!(&id[19..20], "8" | "9" | "a" | "b"),
            "RFC 4122 variant"
        );
    }

    #[test]
    fn calls_become_readable_text_and_lines_end_in_newlines() {
        let call = ToolCall {
            id: "c1".into(),
            name: "shell".into(),
            arguments: json!({"command": "ls"}),
        };
        assert_eq!(
            call_as_text(&call),
            "[tool call shell (c1)]\n```json\n{\n  \"command\": \"ls\"\n}\n```"
        );
        assert_eq!(
            to_jsonl(&[json!({"a": 1}), json!([2])]),
            b"{\"a\":1}\n[2]\n"
        );
    }
}
