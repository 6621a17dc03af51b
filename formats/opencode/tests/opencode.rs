//! The opencode format against `opencode export` output recorded from opencode itself (see
//! `tests/fixtures/recorded/SCENARIOS.md`).

use confab_core::{Checkpoint, Decode, Role, Sniff, TokenUsage, read_checkpoint};
use confab_format_opencode::FORMAT;
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// What `confab sessions import` stores: the checked checkpoint, notes recorded.
fn import_bytes(bytes: &[u8]) -> Checkpoint {
    read_checkpoint("export.json", bytes, &FORMAT)
        .unwrap_or_else(|error| panic!("does not import: {error:?}"))
        .into_recorded()
}

fn recorded() -> Checkpoint {
    import_bytes(&fixture("recorded/export.json"))
}

fn notes(checkpoint: &Checkpoint) -> Vec<String> {
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["source_format"], "opencode");
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

fn time(checkpoint: &Checkpoint, index: usize) -> String {
    checkpoint.messages[index]
        .created_at
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[test]
fn the_recorded_export_sniffs_as_opencode() {
    assert_eq!(FORMAT.sniff(&fixture("recorded/export.json")), Sniff::Yes);
}

#[test]
fn the_recorded_session_imports_with_its_tool_run() {
    let session = recorded();
    assert_eq!(session.session.name, "opencode-listing-the-project-files");
    assert_eq!(session.session.model, "fake-model");
    assert_eq!(session.session.provider, "fake");
    use Role::{Assistant, Tool, User};
    assert_eq!(
        roles(&session),
        [User, Assistant, Tool, Assistant, User, Assistant]
    );
    let statistics = session.statistics.expect("statistics");
    assert_eq!(
        (
            statistics.message_count,
            statistics.user_messages,
            statistics.assistant_messages,
            statistics.tool_calls
        ),
        (6, 2, 3, Some(1))
    );
    let messages = &session.messages;
    assert_eq!(
        messages[0].content,
        "List the files in this project folder, please."
    );
    assert_eq!(messages[4].content, "Thanks. Which one is the readme?");

    let step = &messages[1];
    assert_eq!(step.content, "");
    let call = &step.tool_calls[0];
    assert_eq!(call.id, "call_b4529ac907be497086739d3e");
    assert_eq!(call.name, "bash");
    assert_eq!(call.arguments, json!({"command": "ls -1"}));
    assert_eq!(messages[2].tool_call_id.as_deref(), Some(call.id.as_str()));
    assert_eq!(messages[2].content, "README.md\nnotes.txt\nopencode.json\n");
    assert_eq!(
        messages[3].content,
        "The tool answered: README.md notes.txt opencode.json"
    );
    assert_eq!(
        messages[5].content,
        "Here is a short answer to \"Thanks. Which one is the readme?\": all is well."
    );
    for answer in [&messages[1], &messages[3], &messages[5]] {
        assert_eq!(answer.model.as_deref(), Some("fake-model"));
        assert_eq!(answer.provider.as_deref(), Some("fake"));
    }
    // The prompt when it was sent, the step when it began, the result when the tool ended.
    assert_eq!(time(&session, 0), "2026-12-03T17:36:22.886Z");
    assert_eq!(time(&session, 1), "2026-12-03T17:36:28.095Z");
    assert_eq!(time(&session, 2), "2026-12-03T17:36:28.457Z");
    assert_eq!(
        session.session.created_at.map(|t| t.to_string()).as_deref(),
        Some("2026-12-03T17:36:22.731Z")
    );

    let context = session.context.as_ref().expect("context");
    assert_eq!(
        context.working_directory.as_deref(),
        Some("/tmp/confab-rec-opencode.uZR1dB/demo-project")
    );
    let metadata = session.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["session_id"], "ses_dc3057334ffeJf637OxIivTAru");
    assert_eq!(metadata["opencode_version"], "1.18.33");
    assert_noted(
        &session,
        "reasoning parts (the model's thinking) not imported: 3",
    );
}

#[test]
fn usage_per_step_adds_up_to_the_sessions_own_totals() {
    let session = recorded();
    assert_eq!(
        session.messages[1].usage,
        Some(TokenUsage {
            input_tokens: Some(3850),
            output_tokens: Some(32),
            cached_input_tokens: Some(3850),
            cache_write_tokens: Some(0),
            reasoning_tokens: Some(13),
        })
    );
    let export: Value =
        serde_json::from_slice(&fixture("recorded/export.json")).expect("the fixture is JSON");
    let totals = &export["info"]["tokens"];
    let usage = session.statistics.and_then(|s| s.usage).expect("usage");
    assert_eq!(usage.input_tokens, totals["input"].as_u64());
    assert_eq!(usage.output_tokens, totals["output"].as_u64());
    assert_eq!(usage.reasoning_tokens, totals["reasoning"].as_u64());
    assert_eq!(usage.cached_input_tokens, totals["cache"]["read"].as_u64());
    assert_eq!(usage.cache_write_tokens, totals["cache"]["write"].as_u64());
}

fn part(kind: &str, fields: Value) -> Value {
    let mut part = json!({"type": kind, "id": "prt", "sessionID": "ses_x", "messageID": "msg"});
    if let (Some(part), Some(fields)) = (part.as_object_mut(), fields.as_object()) {
        part.extend(fields.clone());
    }
    part
}

#[test]
fn failed_and_unfinished_calls_synthetic_text_files_and_patches() {
    let export = json!({
        "info": {"id": "ses_0abcdef123456789", "title": "", "directory": "/srv/app",
                 "time": {"created": 1_700_000_000_000_i64}},
        "messages": [
            {"info": {"role": "user", "time": {"created": 1_700_000_000_000_i64}}, "parts": [
                part("text", json!({"text": "Fix @src/main.rs"})),
                part("text", json!({"text": "Called the Read tool with the following input: ...", "synthetic": true})),
                part("file", json!({"mime": "text/plain", "filename": "main.rs", "url": "file:///srv/app/src/main.rs"})),
            ]},
            {"info": {"role": "assistant", "modelID": "claude-sonnet-4-5",
                      "tokens": {"input": 10, "output": 5, "reasoning": 0, "cache": {"read": 0, "write": 7}},
                      "error": {"name": "MessageAbortedError", "data": {"message": "aborted"}}},
             "parts": [
                part("text", json!({"text": "Running it."})),
                part("tool", json!({"tool": "bash", "callID": "c1", "state": {"status": "error", "input": {"command": "cargo build"}, "error": "exit 101"}})),
                part("tool", json!({"tool": "edit", "callID": "c2", "state": {"status": "running", "input": {"filePath": "src/main.rs"}}})),
                part("patch", json!({"hash": "abc", "files": ["/srv/app/src/main.rs", "/srv/app/src/main.rs"]})),
                part("agent", json!({"name": "general"})),
            ]},
        ],
    });
    let session = import_bytes(export.to_string().as_bytes());
    // No title: the id names the session, without its `ses_` prefix.
    assert_eq!(session.session.name, "opencode-0abcdef1");
    use Role::{Assistant, Tool, User};
    assert_eq!(roles(&session), [User, Assistant, Tool]);
    assert_eq!(
        session.messages[0].content,
        "Fix @src/main.rs\n\n[attachment omitted: main.rs]"
    );
    let answer = &session.messages[1];
    assert_eq!(answer.tool_calls.len(), 2);
    assert_eq!(answer.usage.and_then(|u| u.cache_write_tokens), Some(7));
    assert_eq!(session.messages[2].tool_call_id.as_deref(), Some("c1"));
    assert_eq!(session.messages[2].content, "exit 101");
    // Nothing names the provider: the model's name tells it.
    assert_eq!(session.session.provider, "anthropic");
    assert_eq!(session.session.model, "claude-sonnet-4-5");
    let context = session.context.as_ref().expect("context");
    assert_eq!(context.working_directory.as_deref(), Some("/srv/app"));
    assert_eq!(context.files_accessed, ["/srv/app/src/main.rs"]);
    assert_noted(
        &session,
        "text opencode added to prompts (mentioned files' content) not imported: 1",
    );
    assert_noted(
        &session,
        "files attached to prompts replaced by [attachment omitted: NAME]: 1",
    );
    assert_noted(&session, "calls to \"edit\" still pending or running");
    assert_noted(&session, "answers that ended in MessageAbortedError");
    assert_noted(&session, "parts of the kind \"agent\" not imported: 1");
}

#[test]
fn malformed_exports_are_located() {
    let error = read_checkpoint("malformed.json", &fixture("malformed.json"), &FORMAT)
        .expect_err("bad JSON");
    let location = error.problems[0].location.expect("located");
    assert_eq!(location.line, 5, "{error:?}");
    let error = read_checkpoint("x.json", br#"{"info": {"id": "ses_1"}}"#, &FORMAT)
        .expect_err("no messages");
    assert!(
        error.problems[0].message.contains("opencode export"),
        "{error:?}"
    );
    let error = read_checkpoint(
        "x.json",
        br#"{"info": {"id": "ses_1"}, "messages": [{"parts": []}]}"#,
        &FORMAT,
    )
    .expect_err("a message without info");
    assert!(
        error.problems[0]
            .message
            .contains("message 1 has no `info`"),
        "{error:?}"
    );
}
