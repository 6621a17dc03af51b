//! The Claude Code format against hand-written transcripts.

use confab_core::{Checkpoint, Decode, Location, Role, TokenUsage, read_checkpoint};
use confab_format_claude_code::FORMAT;
use serde_json::json;

/// The decoder alone, without the pipeline's checks.
fn decode(bytes: &[u8]) -> Result<confab_core::Decoded, confab_core::DecodeError> {
    FORMAT.decode(bytes, &mut confab_core::CollectMessages::default())
}

/// What `confab sessions import` stores: the checked checkpoint, notes recorded.
fn read(name: &str, bytes: &[u8]) -> Result<Checkpoint, confab_core::InvalidCheckpoint> {
    read_checkpoint(name, bytes, &FORMAT).map(confab_core::Imported::into_recorded)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

fn import(name: &str) -> Checkpoint {
    read(name, &fixture(name)).unwrap_or_else(|error| panic!("{name} does not import: {error:?}"))
}

fn notes(checkpoint: &Checkpoint) -> Vec<String> {
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["source_format"], "claude-code");
    metadata
        .get("import_notes")
        .map_or(&[][..], |notes| {
            notes.as_array().expect("import_notes is an array")
        })
        .iter()
        .map(|note| note.as_str().expect("notes are strings").to_owned())
        .collect()
}

fn assert_notes(checkpoint: &Checkpoint, expected: &[&str]) {
    let notes = notes(checkpoint);
    for text in expected {
        assert!(
            notes.iter().any(|note| note.contains(text)),
            "no note {text:?} in {notes:#?}"
        );
    }
}

fn roles(checkpoint: &Checkpoint) -> Vec<Role> {
    checkpoint.messages.iter().map(|m| m.role).collect()
}

fn time(text: &str) -> jiff::Timestamp {
    text.parse().expect("timestamp")
}

#[test]
fn a_session_follows_the_main_thread_and_merges_split_responses() {
    let checkpoint = import("session.jsonl");
    let session = &checkpoint.session;
    assert_eq!(session.name, "claude-code-7f3c2a1e");
    assert_eq!(session.provider, "anthropic");
    assert_eq!(session.model, "claude-sonnet-4-5-20250929");
    assert_eq!(session.created_at, Some(time("2025-11-04T09:12:01.105Z")));
    assert_eq!(session.updated_at, Some(time("2025-11-04T09:13:36Z")));
    let metadata = session.metadata.as_ref().expect("metadata");
    assert_eq!(
        metadata["session_id"],
        "7f3c2a1e-5b9d-4c8e-a1f0-2d6b8e4c9a13"
    );
    assert_eq!(metadata["title"], "Fix the failing invoice total test");
    assert_eq!(metadata["claude_code_version"], "2.0.55");
    assert_eq!(metadata["git_branch"], "fix/invoice");
    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(context.working_directory.as_deref(), Some("/home/dev/shop"));

    use Role::{Assistant, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [
            User, Assistant, Tool, Tool, Assistant, Tool, Assistant, User, Assistant
        ]
    );
    let messages = &checkpoint.messages;
    assert_eq!(
        messages[0].content,
        "The invoice total test fails. Can you fix it?"
    );
    assert_eq!(
        messages[0].created_at,
        Some(time("2025-11-04T09:12:01.105Z"))
    );

    // Four events of one response: thinking (left out), text, and two parallel tool calls.
    let first = &messages[1];
    assert_eq!(first.content, "I'll read the test and run it.");
    assert_eq!(first.created_at, Some(time("2025-11-04T09:12:04.220Z")));
    assert_eq!(first.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    let calls: Vec<(&str, &str)> = first
        .tool_calls
        .iter()
        .map(|call| (call.id.as_str(), call.name.as_str()))
        .collect();
    assert_eq!(calls, [("toolu_01Read", "Read"), ("toolu_02Bash", "Bash")]);
    assert_eq!(
        first.tool_calls[0].arguments,
        json!({"file_path": "/home/dev/shop/tests/test_invoice.py"})
    );
    // The usage of the response's last part.
    assert_eq!(
        first.usage,
        Some(TokenUsage {
            input_tokens: Some(3),
            output_tokens: Some(152),
            cached_input_tokens: Some(14000),
            cache_write_tokens: Some(1200),
            reasoning_tokens: None,
        })
    );

    // Both parallel results, though only one of them is on the parentUuid chain.
    assert_eq!(messages[2].tool_call_id.as_deref(), Some("toolu_01Read"));
    assert!(
        messages[2]
            .content
            .contains("assert total([100, 250]) == 350")
    );
    assert_eq!(messages[3].tool_call_id.as_deref(), Some("toolu_02Bash"));
    assert_eq!(
        messages[3].content,
        "FAILED tests/test_invoice.py::test_total - assert 300 == 350"
    );
    assert_eq!(
        messages[4].content,
        "`total` drops the last item. Fixing the slice."
    );
    assert_eq!(messages[4].tool_calls[0].id, "toolu_03Edit");
    assert_eq!(messages[5].tool_call_id.as_deref(), Some("toolu_03Edit"));

    // The edited prompt replaced the abandoned one; the image became a placeholder.
    assert_eq!(
        messages[7].content,
        "Also add a test for 25% VAT, like in this screenshot.\n[image omitted]"
    );
    assert_eq!(
        messages[8].content,
        "Added `test_vat_25` to tests/test_invoice.py."
    );
    assert!(messages.iter().all(|m| !m.archived));
    assert!(
        !messages.iter().any(|m| m.content.contains("callers")),
        "sidechain left out"
    );

    let statistics = checkpoint.statistics.expect("statistics");
    assert_eq!(
        (
            statistics.message_count,
            statistics.user_messages,
            statistics.assistant_messages
        ),
        (9, 2, 4)
    );
    assert_eq!(statistics.tool_calls, Some(3));

    assert_notes(
        &checkpoint,
        &[
            "2 sidechain events (sub-agent conversations) were left out",
            "2 events on abandoned branches",
            "thinking blocks not imported (the model's private reasoning): 1",
            "tool results marked as errors",
            "image blocks replaced by the placeholder [image omitted]: 1",
            "Claude Code notices (system events) not imported: 1",
        ],
    );
}

#[test]
fn messages_before_a_compaction_are_archived() {
    let checkpoint = import("compacted.jsonl");
    assert_eq!(checkpoint.session.name, "claude-code-c0ffee42");
    assert_eq!(checkpoint.session.model, "claude-opus-4-5-20251101");
    use Role::{Assistant, User};
    assert_eq!(
        roles(&checkpoint),
        [User, Assistant, User, Assistant, User, User, Assistant]
    );
    let archived: Vec<bool> = checkpoint.messages.iter().map(|m| m.archived).collect();
    assert_eq!(archived, [true, true, true, true, false, false, false]);
    let messages = &checkpoint.messages;
    assert!(
        messages[4]
            .content
            .starts_with("This session is being continued")
    );
    // An invalid timestamp is dropped, a missing one stays missing.
    assert_eq!(messages[2].created_at, None);
    assert_eq!(messages[3].created_at, None);
    // Claude Code's own error message names no model.
    assert_eq!(messages[6].content, "API Error: Request was aborted.");
    assert_eq!(messages[6].model, None);
    assert_eq!(messages[6].usage, None);
    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(context.working_directory.as_deref(), Some("/srv/api"));
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert!(
        metadata.get("git_branch").is_none(),
        "an empty branch is no branch"
    );
    assert_notes(
        &checkpoint,
        &[
            "compacted 1 time(s); the 4 messages before the last compaction are marked archived",
            "timestamps that are not RFC 3339 dropped: 1",
            "written by Claude Code itself",
        ],
    );
}

#[test]
fn a_broken_chain_falls_back_to_file_order() {
    let checkpoint = import("broken-chain.jsonl");
    assert_eq!(roles(&checkpoint), [Role::User, Role::Assistant]);
    assert_eq!(checkpoint.session.model, "unknown");
    assert_eq!(checkpoint.messages[1].usage, None);
    assert_notes(
        &checkpoint,
        &[
            "the parentUuid chain breaks at line 1: its parent gone-0001 is not in the file",
            "events of unknown type \"foo\" skipped: 2",
            "no assistant message names its model",
        ],
    );
}

#[test]
fn malformed_lines_are_named() {
    let error = decode(&fixture("malformed.jsonl")).expect_err("malformed");
    assert_eq!(error.location.map(|l| l.line), Some(3), "{error:?}");
    assert!(
        error.message.starts_with("line 3 is not valid JSON: "),
        "{error}"
    );
    let invalid = read("malformed.jsonl", &fixture("malformed.jsonl")).expect_err("malformed");
    assert!(matches!(
        invalid.problems[0].location,
        Some(Location { line: 3, .. })
    ));
    let error = decode(b"{}\n[1]\n").expect_err("not an object");
    assert_eq!(error.message, "line 2 is not a JSON object");
}

#[test]
fn transcripts_without_messages_are_refused_clearly() {
    for input in [
        "",
        "\n\n",
        "{\"type\":\"summary\",\"summary\":\"x\",\"leafUuid\":\"u\"}\n",
    ] {
        let error = decode(input.as_bytes()).expect_err(input);
        assert_eq!(
            error.message, "no messages found in the transcript",
            "{input:?}"
        );
    }
}

#[test]
fn events_without_links_keep_file_order() {
    let input = concat!(
        r#"{"type":"user","sessionId":"abc","message":{"role":"user","content":"one"}}"#,
        "\n",
        r#"{"type":"assistant","sessionId":"abc","message":{"role":"assistant","content":"two","model":"claude-3-5-haiku-20241022"}}"#,
        "\n"
    );
    let checkpoint = read("input", input.as_bytes()).expect("imports");
    assert_eq!(roles(&checkpoint), [Role::User, Role::Assistant]);
    assert_eq!(checkpoint.session.name, "claude-code-abc");
    assert_eq!(checkpoint.session.model, "claude-3-5-haiku-20241022");
}

#[test]
fn the_format_is_found_by_sniffing_each_fixture() {
    for name in ["session.jsonl", "compacted.jsonl", "broken-chain.jsonl"] {
        assert_eq!(
            FORMAT.sniff(&fixture(name)),
            confab_core::Sniff::Yes,
            "{name}"
        );
    }
}
