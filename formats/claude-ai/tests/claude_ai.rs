//! The Claude.ai format against a `conversations.json` built from the export's documented shape
//! (see `tests/fixtures/README.md`).

use confab_core::{Checkpoint, Decode, Role, Sniff, read_checkpoints};
use confab_format_claude_ai::FORMAT;
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// What `confab sessions import` stores: every checked checkpoint, notes recorded.
fn import_bytes(bytes: &[u8]) -> Vec<Checkpoint> {
    read_checkpoints("conversations.json", bytes, &FORMAT)
        .unwrap_or_else(|error| panic!("does not import: {error:?}"))
        .into_iter()
        .map(confab_core::Imported::into_recorded)
        .collect()
}

fn import_value(conversations: &Value) -> Vec<Checkpoint> {
    import_bytes(conversations.to_string().as_bytes())
}

fn notes(checkpoint: &Checkpoint) -> Vec<String> {
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["source_format"], "claude-ai");
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

#[test]
fn the_export_sniffs_as_claude_ai() {
    assert_eq!(FORMAT.sniff(&fixture("conversations.json")), Sniff::Yes);
}

#[test]
fn every_conversation_becomes_an_anthropic_session_named_by_its_name() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let names: Vec<&str> = sessions.iter().map(|s| s.session.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "claude-ai-plan-the-team-offsite",
            "claude-ai-latest-rust-release",
            // The name has no ASCII letters: the uuid names it.
            "claude-ai-5b3e4dbc",
        ]
    );
    for session in &sessions {
        assert_eq!(session.session.provider, "anthropic");
        assert_eq!(session.session.model, "unknown");
        assert_noted(session, "the export does not say which model answered");
    }
    let metadata = sessions[2].session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["title"], "Как написать резюме");
    assert_eq!(
        metadata["conversation_uuid"],
        "5b3e4dbc-9f60-4e43-bcad-2e3f4a5b6c7d"
    );
    let metadata = sessions[1].session.metadata.as_ref().expect("metadata");
    assert_eq!(
        metadata["summary"],
        "The user asked for the latest stable Rust release."
    );
}

#[test]
fn only_the_current_branch_of_an_edited_prompt_is_imported_with_its_attachments() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let offsite = &sessions[0];
    use Role::{Assistant, User};
    assert_eq!(roles(offsite), [User, Assistant, User, Assistant]);
    assert_eq!(counts(offsite), (4, 2, 2, None));
    assert_eq!(
        offsite.messages[0].content,
        "Help me plan a two-day team offsite for 12 people near Lisbon in October. Our draft \
         agenda is attached.\n\n[attachment: agenda.txt]\nDay 1: strategy\nDay 2: hiking in \
         Sintra\n\n[attachment omitted: venue-photo.jpg]"
    );
    assert!(
        offsite.messages[1]
            .content
            .starts_with("A good fit is Sintra")
    );
    assert_eq!(
        offsite.messages[0]
            .created_at
            .map(|t| t.to_string())
            .as_deref(),
        Some("2024-09-02T09:03:00Z")
    );
    assert_eq!(
        offsite.session.created_at.map(|t| t.to_string()).as_deref(),
        Some("2024-09-02T09:00:00Z")
    );
    assert_noted(
        offsite,
        "2 messages on other branches (edited prompts, retried answers) not imported",
    );
    assert_noted(
        offsite,
        "attachments' extracted text kept after their prompt, under [attachment: NAME]: 1",
    );
    assert_noted(
        offsite,
        "uploaded files (not in the export) replaced by [attachment omitted: NAME]: 1",
    );
}

#[test]
fn a_search_inside_an_answer_splits_it_around_the_tool_result() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let rust = &sessions[1];
    use Role::{Assistant, Tool, User};
    assert_eq!(roles(rust), [User, Assistant, Tool, Assistant]);
    assert_eq!(counts(rust), (4, 1, 2, Some(1)));
    let messages = &rust.messages;
    assert_eq!(messages[1].content, "Let me check.");
    let call = &messages[1].tool_calls[0];
    assert_eq!(call.name, "web_search");
    assert_eq!(call.id, "toolu_1", "the export gives no id: one is made up");
    assert_eq!(
        call.arguments,
        json!({"query": "latest stable Rust release"})
    );
    assert_eq!(messages[2].tool_call_id.as_deref(), Some("toolu_1"));
    assert_eq!(
        messages[2].content,
        "Announcing Rust 1.85.0 (https://blog.rust-lang.org/2025/02/20/Rust-1.85.0.html)\n\n\
         Rust 1.85.0 stabilizes the 2024 edition."
    );
    // The blocks are read, not the `text` with its "not supported" placeholder.
    assert_eq!(
        messages[3].content,
        "The latest stable release is Rust 1.85.0, which stabilizes the 2024 edition."
    );
    assert_noted(
        rust,
        "thinking blocks (the model's reasoning) not imported: 1",
    );
}

#[test]
fn messages_without_blocks_are_read_from_their_text() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let resume = &sessions[2];
    assert_eq!(roles(resume), [Role::User, Role::Assistant]);
    assert_eq!(resume.messages[0].content, "Как написать хорошее резюме?");
    assert_eq!(
        resume.messages[1]
            .created_at
            .map(|t| t.to_string())
            .as_deref(),
        Some("2024-02-14T18:30:09Z")
    );
}

fn message(uuid: &str, sender: &str, content: Value) -> Value {
    json!({"uuid": uuid, "sender": sender, "text": "", "content": content,
           "created_at": "2025-01-01T00:00:00Z"})
}

#[test]
fn ids_and_names_pair_calls_and_results_and_a_named_model_is_used() {
    let export = json!([{
        "uuid": "u1", "name": "Tools", "model": "claude-sonnet-4-5",
        "chat_messages": [
            message("m1", "human", json!([{"type": "text", "text": "run both"}])),
            message("m2", "assistant", json!([
                {"type": "tool_use", "id": "toolu_a", "name": "repl", "input": {"code": "1+1"}},
                {"type": "tool_use", "id": "toolu_b", "name": "repl", "input": {"code": "2+2"}},
                {"type": "tool_result", "tool_use_id": "toolu_b", "name": "repl", "content": [{"type": "text", "text": "4"}]},
                {"type": "tool_result", "tool_use_id": "toolu_a", "name": "repl", "content": "2"},
                {"type": "tool_result", "name": "artifacts", "content": [{"type": "text", "text": "OK"}]},
                {"type": "text", "text": "2 and 4."},
            ])),
        ],
    }]);
    let sessions = import_value(&export);
    let session = &sessions[0];
    assert_eq!(session.session.model, "claude-sonnet-4-5");
    use Role::{Assistant, Tool, User};
    assert_eq!(
        roles(session),
        [User, Assistant, Tool, Tool, Tool, Assistant]
    );
    let answers: Vec<(Option<&str>, &str)> = session.messages[2..5]
        .iter()
        .map(|m| (m.tool_call_id.as_deref(), m.content.as_str()))
        .collect();
    assert_eq!(
        answers,
        [(Some("toolu_b"), "4"), (Some("toolu_a"), "2"), (None, "OK")]
    );
    assert_noted(
        session,
        "tool results that answer no call imported without a tool_call_id: 1",
    );
    assert!(
        !notes(session).iter().any(|n| n.contains("which model")),
        "the model is named"
    );
}

#[test]
fn empty_conversations_are_left_out_with_a_note_and_names_stay_unique() {
    let chat = json!([
        message("m1", "human", json!([{"type": "text", "text": "hi"}])),
        message(
            "m2",
            "assistant",
            json!([{"type": "text", "text": "hello"}])
        ),
    ]);
    let mut with_an_empty_prompt = chat.clone();
    if let Some(messages) = with_an_empty_prompt.as_array_mut() {
        messages.push(message("m3", "human", json!([])));
    }
    let export = json!([
        {"uuid": "e", "name": "Untouched", "chat_messages": []},
        {"uuid": "a", "name": "Hello", "chat_messages": with_an_empty_prompt},
        {"uuid": "b", "name": "Hello", "chat_messages": chat},
        {"chat_messages": chat},
    ]);
    let sessions = import_value(&export);
    let names: Vec<&str> = sessions.iter().map(|s| s.session.name.as_str()).collect();
    assert_eq!(
        names,
        ["claude-ai-hello", "claude-ai-hello-2", "claude-ai-4"]
    );
    assert_noted(
        &sessions[0],
        "conversation 1 (\"Untouched\") of the export has no messages and was not imported",
    );
    assert_eq!(roles(&sessions[0]), [Role::User, Role::Assistant]);
    assert_noted(&sessions[0], "empty prompts skipped: 1");
}

#[test]
fn malformed_json_is_located() {
    let error =
        read_checkpoints("malformed.json", &fixture("malformed.json"), &FORMAT).expect_err("bad");
    let location = error.problems[0].location.expect("located");
    // The string opened on line 6 runs into the line break, which JSON forbids in a string.
    assert_eq!(location.line, 7, "{error:?}");
    assert!(
        error.problems[0].message.contains("control character"),
        "{error:?}"
    );
    let error = read_checkpoints("x.json", br#"[{"uuid": "u", "chat_messages": 3}]"#, &FORMAT)
        .expect_err("not an array of messages");
    assert!(
        error.problems[0].message.contains("are not an array"),
        "{error:?}"
    );
}
