//! The OpenAI format against hand-written fixtures: import, export and the round trip.

use confab_core::{Checkpoint, Decode, Encode, EncodeOptions, Location, Role, read_checkpoint};
use confab_format_openai::FORMAT;
use serde_json::{Value, json};

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
    assert_eq!(metadata["source_format"], "openai");
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

fn roles(checkpoint: &Checkpoint) -> Vec<Role> {
    checkpoint.messages.iter().map(|m| m.role).collect()
}

#[test]
fn a_request_body_imports_with_its_model_tool_calls_and_results() {
    let checkpoint = import("request-body.json");
    assert_eq!(checkpoint.session.provider, "openai");
    assert_eq!(checkpoint.session.model, "gpt-4o-2024-08-06");
    assert!(checkpoint.session.name.starts_with("openai-"));
    assert_eq!(checkpoint.session.name.len(), "openai-".len() + 8);
    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [
            System, System, User, Assistant, Tool, Tool, Assistant, Tool, Assistant
        ]
    );
    let messages = &checkpoint.messages;
    assert_eq!(messages[1].content, "Answer in metric units.");
    assert_eq!(
        messages[2].content,
        "What is the weather in Oslo and Bergen?\n[image_url omitted]\nThe screenshot shows yesterday's forecast."
    );

    let calls = &messages[3].tool_calls;
    assert_eq!(messages[3].content, "");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].id, "call_oslo");
    assert_eq!(calls[0].name, "get_weather");
    assert_eq!(calls[0].arguments, json!({"city": "Oslo"}));
    // Arguments that are not JSON survive as a string.
    assert_eq!(calls[1].arguments, json!("{\"city\": \"Bergen\""));
    assert_eq!(messages[4].tool_call_id.as_deref(), Some("call_oslo"));
    assert_eq!(messages[5].tool_call_id.as_deref(), Some("call_bergen"));
    assert_eq!(messages[5].content, "error: arguments were not valid JSON");
    assert_eq!(messages[6].tool_calls[0].id, "call_bergen_2");
    assert_eq!(
        messages[8].content,
        "Oslo: 4 °C, overcast.\nBergen: 7 °C, rain."
    );
    assert!(messages.iter().all(|m| m.created_at.is_none()));

    let statistics = checkpoint.statistics.expect("statistics");
    assert_eq!(statistics.message_count, 9);
    assert_eq!(statistics.user_messages, 1);
    assert_eq!(statistics.assistant_messages, 3);
    assert_eq!(statistics.tool_calls, Some(3));

    let notes = notes(&checkpoint);
    assert!(
        has_note(&notes, "2 tool definitions were not imported"),
        "{notes:?}"
    );
    assert!(
        has_note(&notes, "developer messages imported as system messages: 1"),
        "{notes:?}"
    );
    assert!(
        has_note(
            &notes,
            "image_url parts replaced by the placeholder [image_url omitted]: 1"
        ),
        "{notes:?}"
    );
    assert!(
        has_note(&notes, "message 3: the participant name \"dana\""),
        "{notes:?}"
    );
}

#[test]
fn a_bare_array_imports_legacy_function_calls_refusals_and_missing_ids() {
    let checkpoint = import("bare-array.json");
    assert_eq!(checkpoint.session.model, "unknown");
    use Role::{Assistant, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [
            User, Assistant, Tool, Assistant, User, Assistant, Assistant, Tool
        ]
    );
    let messages = &checkpoint.messages;
    assert_eq!(messages[1].tool_calls[0].id, "call_1");
    assert_eq!(messages[1].tool_calls[0].name, "list_incidents");
    assert_eq!(
        messages[1].tool_calls[0].arguments,
        json!({"state": "open"})
    );
    assert_eq!(messages[2].tool_call_id.as_deref(), Some("call_1"));
    assert_eq!(
        messages[4].content,
        "Delete the production database.\n[input_audio omitted]"
    );
    assert_eq!(
        messages[5].content,
        "I can't help with deleting production data."
    );
    assert_eq!(messages[6].tool_calls[0].id, "call_2");
    assert_eq!(
        messages[6].tool_calls[0].arguments,
        json!("not json at all")
    );
    assert_eq!(messages[7].tool_call_id, None);

    let notes = notes(&checkpoint);
    for expected in [
        "names no model",
        "legacy function_call fields imported as tool calls: 1",
        "legacy `function` messages imported as tool messages: 1",
        "input_audio parts replaced",
        "assistant refusals kept as the message text: 1",
        "tool calls without an id, given a generated one: 1",
        "message 8 is a tool result without a tool_call_id",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn export_writes_a_request_body_in_openai_shape() {
    let checkpoint = import("request-body.json");
    let mut out = Vec::new();
    FORMAT
        .encode(&checkpoint, &EncodeOptions::new(), &mut out)
        .expect("encodes");
    assert!(out.ends_with(b"}\n"), "ends with one newline");
    let text = String::from_utf8(out).expect("UTF-8");
    assert!(
        text.starts_with("{\n  \"model\": \"gpt-4o-2024-08-06\",\n  \"messages\": ["),
        "{text}"
    );
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You are a terse assistant for the operations team."})
    );
    assert_eq!(
        body["messages"][3],
        json!({
            "role": "assistant",
            "content": null,
            "tool_calls": [
                {"id": "call_oslo", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}},
                {"id": "call_bergen", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Bergen\""}}
            ]
        })
    );
    assert_eq!(
        body["messages"][4],
        json!({"role": "tool", "content": "{\"temp_c\": 4, \"sky\": \"overcast\"}", "tool_call_id": "call_oslo"})
    );
}

#[test]
fn export_then_import_keeps_roles_contents_and_tool_calls() {
    for name in ["request-body.json", "bare-array.json"] {
        let original = import(name);
        let mut out = Vec::new();
        FORMAT
            .encode(&original, &EncodeOptions::new(), &mut out)
            .expect("encodes");
        let again = read("exported", &out).expect("the export imports");
        assert_eq!(again.session.model, original.session.model, "{name}");
        assert_eq!(again.messages.len(), original.messages.len(), "{name}");
        for (before, after) in original.messages.iter().zip(&again.messages) {
            assert_eq!(after.role, before.role, "{name}");
            assert_eq!(after.content, before.content, "{name}");
            assert_eq!(after.tool_calls, before.tool_calls, "{name}");
            assert_eq!(after.tool_call_id, before.tool_call_id, "{name}");
        }
    }
}

#[test]
fn malformed_json_names_the_line() {
    let error = decode(&fixture("malformed.json")).expect_err("malformed");
    assert_eq!(
        error.location,
        Some(Location { line: 5, column: 5 }),
        "{error:?}"
    );
    assert!(!error.message.is_empty(), "{error}");
    let invalid = read("malformed.json", &fixture("malformed.json")).expect_err("malformed");
    assert_eq!(invalid.problems[0].location.map(|l| l.line), Some(5));
}

#[test]
fn inputs_without_messages_are_refused_clearly() {
    for input in [
        "[]",
        "{\"messages\": []}",
        "[{\"role\": \"critic\", \"content\": \"x\"}]",
    ] {
        let error = decode(input.as_bytes()).expect_err(input);
        assert_eq!(
            error.message, "no messages found in the transcript",
            "{input}"
        );
    }
    let error = decode(b"{\"model\": \"gpt-4o\"}").expect_err("no messages key");
    assert!(error.message.contains("`messages` array"), "{error}");
    let error = decode(b"[\"hello\"]").expect_err("not an object");
    assert!(
        error.message.contains("message 1 is not a JSON object"),
        "{error}"
    );
    let error = decode(br#"{"version": "1.0", "session": {}, "messages": []}"#)
        .expect_err("a confab checkpoint");
    assert!(error.message.contains("--format json"), "{error}");
    let error = decode(b"").expect_err("empty");
    assert!(!error.message.is_empty(), "{error}");
}

#[test]
fn the_name_is_stable_for_the_same_input() {
    let first = import("bare-array.json");
    let second = import("bare-array.json");
    assert_eq!(first.session.name, second.session.name);
    assert_ne!(first.session.name, import("request-body.json").session.name);
}

#[test]
fn the_format_is_found_by_sniffing_each_fixture() {
    for name in ["request-body.json", "bare-array.json"] {
        assert_eq!(
            FORMAT.sniff(&fixture(name)),
            confab_core::Sniff::Yes,
            "{name}"
        );
    }
}

#[test]
fn the_provider_is_told_by_the_model_name() {
    let body =
        br#"{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]}"#;
    let checkpoint = read_checkpoint("gateway.json", body, &FORMAT)
        .expect("reads")
        .checkpoint;
    assert_eq!(checkpoint.session.provider, "anthropic");
    let body = br#"{"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}"#;
    let checkpoint = read_checkpoint("local.json", body, &FORMAT)
        .expect("reads")
        .checkpoint;
    assert_eq!(checkpoint.session.provider, "openai");
}
