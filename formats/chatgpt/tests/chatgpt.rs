//! The ChatGPT format against a `conversations.json` built from the export's documented shape
//! (see `tests/fixtures/README.md`).

use confab_core::{Checkpoint, Decode, Role, Sniff, read_checkpoints};
use confab_format_chatgpt::FORMAT;
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
    assert_eq!(metadata["source_format"], "chatgpt");
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
fn the_export_sniffs_as_chatgpt() {
    assert_eq!(FORMAT.sniff(&fixture("conversations.json")), Sniff::Yes);
}

#[test]
fn every_conversation_becomes_a_session_named_by_its_title() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let names: Vec<&str> = sessions.iter().map(|s| s.session.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "chatgpt-fix-the-vpc-peering-again",
            "chatgpt-mean-of-the-price-column",
            // The title has no ASCII letters: the conversation id names it.
            "chatgpt-8c3f44e5",
        ]
    );
    for session in &sessions {
        assert_eq!(session.session.provider, "openai");
    }
    let metadata = sessions[2].session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["title"], "東京の天気 ☀️");
    assert_eq!(
        metadata["conversation_id"],
        "8c3f44e5-1d90-4e3f-a041-2c3d4e5f6071"
    );
}

#[test]
fn only_the_current_branch_of_an_edited_prompt_is_imported() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let vpc = &sessions[0];
    use Role::{Assistant, User};
    assert_eq!(roles(vpc), [User, Assistant, User, Assistant]);
    // The edited prompt and the answer ChatGPT shows, not the first version or the other answer.
    assert!(vpc.messages[0].content.contains("(10.0.0.0/16)"));
    assert!(
        vpc.messages[1]
            .content
            .starts_with("Both VPCs use 10.0.0.0/16.")
    );
    assert_eq!(counts(vpc), (4, 2, 2, None));
    assert_eq!(vpc.session.model, "gpt-4o");
    assert_eq!(vpc.messages[1].model.as_deref(), Some("gpt-4o"));
    assert_eq!(vpc.messages[3].model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(vpc.messages[0].model, None);
    assert_eq!(
        vpc.messages[0].created_at.map(|t| t.to_string()).as_deref(),
        Some("2024-06-01T12:01:00Z")
    );
    assert_eq!(
        vpc.session.created_at.map(|t| t.to_string()).as_deref(),
        Some("2024-06-01T12:00:00Z")
    );
    assert_eq!(
        vpc.session.updated_at.map(|t| t.to_string()).as_deref(),
        Some("2024-06-01T12:02:03.5Z")
    );
    assert_noted(
        vpc,
        "3 messages on other branches (edited prompts, regenerated answers) not imported",
    );
    assert_noted(
        vpc,
        "custom instructions (user_editable_context) were not imported",
    );
    assert_noted(
        vpc,
        "messages ChatGPT hides (system context, memory) skipped: 1",
    );
}

#[test]
fn code_runs_and_searches_become_tool_calls_with_results() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let run = &sessions[1];
    use Role::{Assistant, Tool, User};
    assert_eq!(
        roles(run),
        [
            User, Assistant, Assistant, Tool, Assistant, User, Assistant, Tool, Tool, Assistant
        ]
    );
    assert_eq!(counts(run), (10, 2, 5, Some(2)));
    let messages = &run.messages;
    assert_eq!(
        messages[0].content,
        "What is the mean of the price column?\n[attachment omitted: prices.csv]"
    );

    let python = &messages[2];
    assert_eq!(python.content, "");
    assert_eq!(python.tool_calls.len(), 1);
    assert_eq!(python.tool_calls[0].id, "b2-04");
    assert_eq!(python.tool_calls[0].name, "python");
    assert_eq!(
        python.tool_calls[0].arguments,
        json!("import pandas as pd\ndf = pd.read_csv('/mnt/data/prices.csv')\ndf['price'].mean()")
    );
    assert_eq!(messages[3].tool_call_id.as_deref(), Some("b2-04"));
    assert_eq!(messages[3].content, "42.5");

    // The empty "searching" display is skipped; both results answer the one search.
    let search = &messages[6].tool_calls[0];
    assert_eq!(
        (search.id.as_str(), search.name.as_str()),
        ("b2-08", "browser")
    );
    assert_eq!(messages[7].tool_call_id.as_deref(), Some("b2-08"));
    assert!(
        messages[7]
            .content
            .contains("The average price in 2024 was 39.9.")
    );
    assert_eq!(messages[8].tool_call_id.as_deref(), Some("b2-08"));
    assert_eq!(
        messages[8].content,
        "National price index 2024 (https://stats.example.org/2024)\n\nThe average price in 2024 was 39.9."
    );

    // `default_model_slug` is "auto": the answers name the model.
    assert_eq!(run.session.model, "gpt-4o");
    assert_noted(
        run,
        "attached files (not in conversations.json) replaced by [attachment omitted: NAME]: 1",
    );
    assert!(
        !notes(run)
            .iter()
            .any(|note| note.contains("without a recorded result")),
        "every call has its result"
    );
}

#[test]
fn images_and_reasoning_are_noted() {
    let sessions = import_bytes(&fixture("conversations.json"));
    let weather = &sessions[2];
    assert_eq!(roles(weather), [Role::User, Role::Assistant]);
    assert_eq!(
        weather.messages[0].content,
        "[image omitted]\nこの空の写真から、東京の明日の天気を予想できますか？"
    );
    assert_eq!(
        weather.messages[1].content,
        "積雲が見えるので、明日はおおむね晴れでしょう。☀️"
    );
    assert_eq!(weather.session.model, "o3");
    assert_noted(
        weather,
        "images replaced by the placeholder [image omitted]: 1",
    );
    assert_noted(
        weather,
        "reasoning (thoughts and their recaps) not imported: 2",
    );
}

fn conversation(title: Value, id: &str, mapping: Value, current: Option<&str>) -> Value {
    json!({
        "title": title,
        "create_time": 1_717_243_200.0,
        "mapping": mapping,
        "current_node": current,
        "conversation_id": id,
    })
}

fn linear(texts: &[(&str, &str)]) -> Value {
    let mut mapping = serde_json::Map::new();
    let mut parent: Option<String> = None;
    for (index, (role, text)) in texts.iter().enumerate() {
        let id = format!("n{index}");
        let children = if index + 1 < texts.len() {
            json!([format!("n{}", index + 1)])
        } else {
            json!([])
        };
        mapping.insert(
            id.clone(),
            json!({
                "id": id,
                "parent": parent,
                "children": children,
                "message": {"id": id, "author": {"role": role}, "content": {"content_type": "text", "parts": [text]}},
            }),
        );
        parent = Some(id);
    }
    Value::Object(mapping)
}

#[test]
fn names_are_unique_and_fall_back_to_the_position() {
    let chat = linear(&[("user", "hi"), ("assistant", "hello")]);
    let export = json!([
        conversation(json!("Same"), "1111", chat.clone(), Some("n1")),
        conversation(json!("Same"), "2222", chat.clone(), Some("n1")),
        conversation(json!(null), "", chat, Some("n1")),
    ]);
    let names: Vec<String> = import_value(&export)
        .into_iter()
        .map(|s| s.session.name)
        .collect();
    assert_eq!(names, ["chatgpt-same", "chatgpt-same-2", "chatgpt-3"]);
}

#[test]
fn a_missing_current_node_follows_the_newest_answers_and_a_missing_model_is_unknown() {
    let mut mapping = linear(&[("user", "hi"), ("assistant", "first")]);
    mapping["n0"]["children"] = json!(["n1", "n2"]);
    mapping["n2"] = json!({
        "id": "n2", "parent": "n0", "children": [],
        "message": {"id": "n2", "author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["second"]}},
    });
    let sessions = import_value(&json!([conversation(json!("t"), "x", mapping, None)]));
    let session = &sessions[0];
    let contents: Vec<&str> = session
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, ["hi", "second"]);
    assert_eq!(session.session.model, "unknown");
    assert_noted(session, "names no current node");
    assert_noted(session, "1 messages on other branches");
    assert_noted(session, "the conversation names no model");
}

#[test]
fn empty_conversations_are_left_out_with_a_note_and_stray_tool_results_are_kept() {
    let empty = json!({"root": {"id": "root", "message": null, "parent": null, "children": []}});
    let stray = linear(&[
        ("user", "remember this"),
        ("tool", "Model set context updated."),
    ]);
    let export = json!([
        conversation(json!("Nothing"), "e", empty, Some("root")),
        conversation(json!("Memory"), "m", stray, Some("n1")),
    ]);
    let sessions = import_value(&export);
    assert_eq!(sessions.len(), 1);
    let memory = &sessions[0];
    assert_eq!(roles(memory), [Role::User, Role::Tool]);
    assert_eq!(memory.messages[1].tool_call_id, None);
    assert_noted(
        memory,
        "conversation 1 (\"Nothing\") of the export was not imported: it has no messages",
    );
    assert_noted(
        memory,
        "tool results that answer no call imported without a tool_call_id: 1",
    );
}

#[test]
fn an_export_without_conversations_is_refused() {
    let error = read_checkpoints("conversations.json", b"[]", &FORMAT).expect_err("empty");
    assert!(
        error.problems[0].message.contains("holds no conversation"),
        "{error:?}"
    );
}

#[test]
fn malformed_json_is_located() {
    let error =
        read_checkpoints("malformed.json", &fixture("malformed.json"), &FORMAT).expect_err("bad");
    let location = error.problems[0].location.expect("located");
    assert_eq!(location.line, 6, "{error:?}");
    let error =
        read_checkpoints("x.json", br#"{"title": "x"}"#, &FORMAT).expect_err("not an array");
    assert!(
        error.problems[0].message.contains("expected a JSON array"),
        "{error:?}"
    );
}
