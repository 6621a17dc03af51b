//! The llm format against `llm logs --json` output recorded from llm itself (see
//! `tests/fixtures/recorded/SCENARIOS.md`).

use confab_core::{Checkpoint, Decode, Role, Sniff, TokenUsage, read_checkpoints};
use confab_format_llm::FORMAT;
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// What `confab sessions import` stores: every checked checkpoint, notes recorded.
fn import_bytes(bytes: &[u8]) -> Vec<Checkpoint> {
    read_checkpoints("logs.json", bytes, &FORMAT)
        .unwrap_or_else(|error| panic!("does not import: {error:?}"))
        .into_iter()
        .map(confab_core::Imported::into_recorded)
        .collect()
}

fn recorded() -> Vec<Checkpoint> {
    import_bytes(&fixture("recorded/logs.json"))
}

fn notes(checkpoint: &Checkpoint) -> Vec<String> {
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["source_format"], "llm");
    metadata
        .get("import_notes")
        .map_or(&[][..], |notes| {
            notes.as_array().expect("import_notes is an array")
        })
        .iter()
        .map(|note| note.as_str().expect("notes are strings").to_owned())
        .collect()
}

fn assert_noted(checkpoint: &Checkpoint, expected: &str) {
    let notes = notes(checkpoint);
    assert!(
        notes.iter().any(|note| note.contains(expected)),
        "no note {expected:?} in {notes:?}"
    );
}

fn roles(checkpoint: &Checkpoint) -> Vec<Role> {
    checkpoint.messages.iter().map(|m| m.role).collect()
}

fn counts(checkpoint: &Checkpoint) -> (u64, u64, u64, Option<u64>) {
    let statistics = checkpoint.statistics.expect("statistics");
    (
        statistics.message_count,
        statistics.user_messages,
        statistics.assistant_messages,
        statistics.tool_calls,
    )
}

fn time(checkpoint: &Checkpoint, index: usize) -> String {
    checkpoint.messages[index]
        .created_at
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[test]
fn the_recorded_logs_sniff_as_llm() {
    assert_eq!(FORMAT.sniff(&fixture("recorded/logs.json")), Sniff::Yes);
}

#[test]
fn the_recorded_logs_hold_two_conversations_named_by_their_first_prompt() {
    let sessions = recorded();
    let names: Vec<&str> = sessions.iter().map(|s| s.session.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "llm-hello-who-are-you",
            "llm-what-time-is-it-use-the-time-t"
        ]
    );
    let metadata = sessions[1].session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["title"], "What time is it? Use the time t\u{2026}");
    assert_eq!(metadata["conversation_id"], "01m8yfj5vc2t3yb7rsx3809b1y");
    for session in &sessions {
        assert_eq!(session.session.model, "fake-model");
        // Nothing in the logs or the model's name says who served it.
        assert_eq!(session.session.provider, "unknown");
        assert_noted(
            session,
            "llm does not log which provider served \"fake-model\"",
        );
    }
}

#[test]
fn a_continued_conversation_has_its_system_prompt_once_and_both_turns() {
    let chat = &recorded()[0];
    use Role::{Assistant, System, User};
    assert_eq!(roles(chat), [System, User, Assistant, User, Assistant]);
    assert_eq!(counts(chat), (5, 2, 2, None));
    assert_eq!(chat.messages[0].content, "You are terse.");
    assert_eq!(chat.messages[1].content, "Hello, who are you?");
    assert_eq!(
        chat.messages[2].content,
        "Here is a short answer to \"Hello, who are you?\": all is well."
    );
    assert_eq!(chat.messages[3].content, "Tell me one more thing, please.");
    assert_eq!(chat.messages[2].model.as_deref(), Some("fake-model"));
    // The prompt when it was sent, the answer when it was complete (162 ms later).
    assert_eq!(time(chat, 1), "2026-12-03T17:34:43.16053Z");
    assert_eq!(time(chat, 2), "2026-12-03T17:34:43.32253Z");
    assert_eq!(
        chat.messages[2].usage,
        Some(TokenUsage {
            input_tokens: Some(45),
            output_tokens: Some(28),
            cached_input_tokens: Some(22),
            cache_write_tokens: None,
            reasoning_tokens: Some(13),
        })
    );
    let usage = chat.statistics.and_then(|s| s.usage).expect("usage");
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cached_input_tokens
        ),
        (Some(45 + 84), Some(28 + 31), Some(22 + 42))
    );
}

#[test]
fn a_tool_run_pairs_the_call_with_the_result_of_the_next_response() {
    let run = &recorded()[1];
    use Role::{Assistant, Tool, User};
    assert_eq!(roles(run), [User, Assistant, Tool, Assistant]);
    assert_eq!(counts(run), (4, 1, 2, Some(1)));
    assert_eq!(
        run.messages[0].content,
        "What time is it? Use the time tool."
    );
    let asking = &run.messages[1];
    assert_eq!(asking.content, "");
    let call = &asking.tool_calls[0];
    assert_eq!(call.id, "call_05f3824fde374bf9851d4d0a");
    assert_eq!(call.name, "llm_time");
    assert_eq!(call.arguments, json!({}));
    let result = &run.messages[2];
    assert_eq!(result.tool_call_id.as_deref(), Some(call.id.as_str()));
    let output: Value = serde_json::from_str(&result.content).expect("the tool's JSON output");
    assert_eq!(output["local_timezone"], "UTC");
    assert!(run.messages[3].content.starts_with("The tool answered: "));
    assert_eq!(
        run.messages[3].usage.and_then(|u| u.input_tokens),
        Some(185)
    );
    assert!(
        !notes(run)
            .iter()
            .any(|n| n.contains("without a logged result")),
        "{:?}",
        notes(run)
    );
}

#[test]
fn older_and_other_providers_logs_are_read() {
    let logs = json!([
        {"id": "b", "model": "claude-3-5-sonnet-latest", "conversation_id": "c2",
         "conversation_name": "Later", "datetime_utc": "2024-05-02T10:00:00", "duration_ms": 1000,
         "prompt": "second conversation", "system": null, "response": "ok",
         "input_tokens": 10, "output_tokens": 2,
         "token_details": "{\"cache_creation_input_tokens\": 5, \"cache_read_input_tokens\": 100}",
         "attachments": [{"id": "a1", "type": "image/png", "path": "/tmp/cat.png", "url": null}]},
        {"id": "a2", "model": "gpt-4o-mini", "conversation_id": "c1",
         "conversation_name": "Earlier", "datetime_utc": "2024-05-01T10:05:00",
         "prompt": "and then?", "response": "then this", "prompt_fragments": [{"hash": "h", "content": "x", "aliases": []}]},
        {"id": "a1", "model": "gpt-4o-mini", "conversation_id": "c1",
         "conversation_name": "Earlier", "datetime_utc": "2024-05-01T10:00:00",
         "prompt": "first", "response": "answer"},
        {"id": "z", "model": "gpt-4o-mini", "conversation_id": null,
         "datetime_utc": "2024-05-03T10:00:00", "prompt": "alone", "response": "yes"},
    ]);
    let sessions = import_bytes(logs.to_string().as_bytes());
    let names: Vec<&str> = sessions.iter().map(|s| s.session.name.as_str()).collect();
    assert_eq!(names, ["llm-earlier", "llm-later", "llm-3"]);
    let earlier = &sessions[0];
    let contents: Vec<&str> = earlier
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, ["first", "answer", "and then?", "then this"]);
    assert_eq!(earlier.session.provider, "openai");
    assert_eq!(time(earlier, 0), "2024-05-01T10:00:00Z");
    assert_noted(earlier, "prompt fragments (-f) not imported");

    let later = &sessions[1];
    assert_eq!(later.session.provider, "anthropic");
    assert_eq!(
        later.messages[0].content,
        "second conversation\n[attachment omitted: /tmp/cat.png]"
    );
    assert_eq!(time(later, 1), "2024-05-02T10:00:01Z");
    assert_eq!(
        later.messages[1].usage,
        Some(TokenUsage {
            input_tokens: Some(10),
            output_tokens: Some(2),
            cached_input_tokens: Some(100),
            cache_write_tokens: Some(5),
            reasoning_tokens: None,
        })
    );
    assert_noted(
        later,
        "attachments (not in the logs) replaced by [attachment omitted: PATH]: 1",
    );
}

#[test]
fn malformed_logs_are_located() {
    let error = read_checkpoints("malformed.json", &fixture("malformed.json"), &FORMAT)
        .expect_err("missing comma");
    let location = error.problems[0].location.expect("located");
    assert_eq!((location.line, location.column), (7, 5), "{error:?}");
    let error =
        read_checkpoints("x.json", br#"[{"prompt": "x"}, 3]"#, &FORMAT).expect_err("not an object");
    assert!(
        error.problems[0]
            .message
            .contains("response 2 is not a JSON object"),
        "{error:?}"
    );
    let error = read_checkpoints("x.json", b"[]", &FORMAT).expect_err("empty");
    assert!(
        error.problems[0].message.contains("holds no conversation"),
        "{error:?}"
    );
}
