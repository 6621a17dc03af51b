//! The Gemini format against hand-written fixtures of `/chat share` and `/chat save` files.

use confab_core::{Checkpoint, Decode, Location, Role, read_checkpoint};
use confab_format_gemini::FORMAT;
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
    assert_eq!(metadata["source_format"], "gemini");
    metadata
        .get("import_notes")
        .map_or(&[][..], |notes| {
            notes.as_array().expect("import_notes is an array")
        })
        .iter()
        .map(|note| note.as_str().expect("notes are strings").to_owned())
        .collect()
}

fn has_note(notes: &[String], text: &str) -> bool {
    notes.iter().any(|note| note.contains(text))
}

#[test]
fn a_shared_chat_imports_with_tool_calls_and_responses() {
    let checkpoint = import("shared-chat.json");
    assert_eq!(checkpoint.session.provider, "google");
    assert_eq!(checkpoint.session.model, "unknown");
    let name = &checkpoint.session.name;
    assert!(
        name.starts_with("gemini-") && name.len() == "gemini-".len() + 8,
        "{name}"
    );
    use Role::{Assistant, System, Tool, User};
    let roles: Vec<Role> = checkpoint.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            System, Assistant, User, Assistant, Tool, Assistant, Tool, Tool, User, Assistant
        ]
    );
    let messages = &checkpoint.messages;
    assert!(messages[0].content.starts_with("This is the Gemini CLI."));
    assert_eq!(messages[1].content, "Got it. Thanks for the context!");

    // Thought parts are left out; the call keeps the id Gemini CLI gave it.
    assert_eq!(messages[3].content, "Let me run the test suite.");
    let call = &messages[3].tool_calls[0];
    assert_eq!(call.id, "run_shell_command-1772534400000-4f2a");
    assert_eq!(call.name, "run_shell_command");
    assert_eq!(
        call.arguments,
        json!({"command": "cargo test", "description": "Run the tests"})
    );
    assert_eq!(messages[4].tool_call_id.as_deref(), Some(call.id.as_str()));
    assert!(
        messages[4]
            .content
            .starts_with("Command: cargo test\nExit Code: 101")
    );

    // Text parts of one turn are one text; calls without ids get generated ones, and the
    // responses answer them in order.
    assert_eq!(
        messages[5].content,
        "The `balance` test fails. I'll read both files involved."
    );
    let ids: Vec<&str> = messages[5]
        .tool_calls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["call_1", "call_2"]);
    assert_eq!(messages[6].tool_call_id.as_deref(), Some("call_1"));
    assert_eq!(messages[6].content, "mod ledger;\nfn main() {}");
    assert_eq!(messages[7].tool_call_id.as_deref(), Some("call_2"));
    assert_eq!(
        messages[7].content,
        r#"{"error":"File not found: /home/ana/src/ledger/src/ledger.rs"}"#
    );

    assert_eq!(
        messages[8].content,
        "Here is a screenshot of the CI run.\n[inlineData omitted]"
    );
    assert!(
        messages[9]
            .content
            .ends_with("never committed. Add it and the test will build.")
    );
    assert!(
        messages
            .iter()
            .all(|m| m.created_at.is_none() && m.usage.is_none())
    );

    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(
        context.working_directory.as_deref(),
        Some("/home/ana/src/ledger")
    );
    let statistics = checkpoint.statistics.expect("statistics");
    assert_eq!(
        (
            statistics.message_count,
            statistics.user_messages,
            statistics.assistant_messages
        ),
        (10, 2, 4)
    );
    assert_eq!(statistics.tool_calls, Some(3));

    let notes = notes(&checkpoint);
    for expected in [
        "imported as a system message",
        "thought parts (the model's reasoning) not imported: 2",
        "inlineData parts replaced by the placeholder [inlineData omitted]: 1",
        "names no model",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn a_saved_checkpoint_imports_from_its_history() {
    let checkpoint = import("saved-checkpoint.json");
    let roles: Vec<Role> = checkpoint.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::System, Role::Assistant, Role::User, Role::Assistant]
    );
    assert_eq!(
        checkpoint.messages[2].content,
        "Summarise invoice.py in one sentence."
    );
    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(
        context.working_directory.as_deref(),
        Some("/Users/kim/work/billing")
    );
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["auth_type"], "oauth-personal");
}

#[test]
fn the_name_is_a_stable_hash_of_the_file() {
    assert_eq!(
        import("shared-chat.json").session.name,
        import("shared-chat.json").session.name
    );
    assert_ne!(
        import("shared-chat.json").session.name,
        import("saved-checkpoint.json").session.name
    );
}

#[test]
fn responses_without_a_call_and_calls_without_a_response_are_noted() {
    let input = br#"[
        {"role": "model", "parts": [{"functionCall": {"name": "ls", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "grep", "response": {"output": "x"}}}]},
        {"parts": [{"text": "no role"}]},
        {"role": "critic", "parts": [{"text": "?"}]}
    ]"#;
    let checkpoint = read("input", input).expect("imports");
    let roles: Vec<Role> = checkpoint.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::Assistant, Role::Tool, Role::Assistant]);
    assert_eq!(checkpoint.messages[1].tool_call_id, None);
    let notes = notes(&checkpoint);
    for expected in [
        "a response from \"grep\" answers no earlier call",
        "the call to \"ls\" has no recorded response",
        "history entries without a role, read as the model's: 1",
        "history entry 4 has the unknown role \"critic\"",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn malformed_json_names_the_line() {
    let error = decode(&fixture("malformed.json")).expect_err("malformed");
    assert_eq!(error.location.map(|l| l.line), Some(5), "{error:?}");
    assert!(!error.message.is_empty(), "{error}");
    let invalid = read("malformed.json", &fixture("malformed.json")).expect_err("malformed");
    assert!(matches!(
        invalid.problems[0].location,
        Some(Location { line: 5, .. })
    ));
}

#[test]
fn inputs_without_messages_are_refused_clearly() {
    for input in [
        "[]",
        r#"{"history": []}"#,
        r#"[{"role": "model", "parts": [{"text": "thinking", "thought": true}]}]"#,
    ] {
        let error = decode(input.as_bytes()).expect_err(input);
        assert_eq!(
            error.message, "no messages found in the transcript",
            "{input}"
        );
    }
    let error = decode(b"{\"messages\": []}").expect_err("not Gemini");
    assert!(error.message.contains("`history` array"), "{error}");
    let error =
        decode(br#"{"sessionId": "abc", "messages": []}"#).expect_err("a session recording");
    assert!(error.message.contains("/chat share"), "{error}");
    let error = decode(b"[3]").expect_err("not an object");
    assert!(
        error
            .message
            .contains("history entry 1 is not a JSON object"),
        "{error}"
    );
}

#[test]
fn the_format_is_found_by_sniffing_each_fixture() {
    for name in ["shared-chat.json", "saved-checkpoint.json"] {
        assert_eq!(
            FORMAT.sniff(&fixture(name)),
            confab_core::Sniff::Yes,
            "{name}"
        );
    }
}
