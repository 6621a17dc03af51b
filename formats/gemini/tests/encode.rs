//! The Gemini CLI encoder against the recordings the real client wrote, and against its own
//! decoder.

use std::collections::BTreeSet;

use confab_core::{
    Checkpoint, Encode, EncodeOptions, Message, Role, TokenUsage, ToolCall, read_checkpoint,
};
use confab_format_gemini::FORMAT;
use confab_format_gemini::encode::{
    ENVIRONMENT_CONTEXT_ID, RecordingTarget, recording, sha256_hex,
};
use serde_json::{Value, json};

const AUTO_RECORDING: &str = "recorded/auto-recording/session-2026-12-03T17-47-6f277609.jsonl";
const SHELL_RECORDING: &str =
    "recorded/resume-across-minute/session-2026-12-03T17-48-f777b1fc.jsonl";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

fn import(bytes: &[u8]) -> Checkpoint {
    read_checkpoint("x", bytes, &FORMAT)
        .map(confab_core::Imported::into_recorded)
        .unwrap_or_else(|error| panic!("does not import: {error:?}"))
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn encoded(checkpoint: &Checkpoint) -> Vec<u8> {
    let mut out = Vec::new();
    FORMAT
        .encode(checkpoint, &EncodeOptions::new(), &mut out)
        .expect("encodes");
    out
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

/// A turn as the round trip must keep it: role, text, calls (id, name, arguments), the call
/// answered.
type Turn = (Role, String, Vec<(String, String, Value)>, Option<String>);

fn turns(checkpoint: &Checkpoint) -> Vec<Turn> {
    checkpoint
        .messages
        .iter()
        .filter(|message| !message.archived)
        .map(|message| {
            (
                message.role,
                message.content.clone(),
                message
                    .tool_calls
                    .iter()
                    .map(|call| (call.id.clone(), call.name.clone(), call.arguments.clone()))
                    .collect(),
                message.tool_call_id.clone(),
            )
        })
        .collect()
}

#[test]
fn the_project_hash_is_gemini_clis() {
    // The recorded header's `projectHash`, for the project folder its context names.
    assert_eq!(
        sha256_hex(b"/tmp/confab-rec-gemini.UaWq79/demo-project"),
        "c6263838edc1cc11757f10eb0b8dd84af69e9d706fd8ee42d1c2cb105130fbe6"
    );
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(&[b'a'; 200]),
        "c2a908d98f5df987ade41b5fce213067efbcc21ef2240212a41e54b5e7c28ae5"
    );
}

#[test]
fn every_line_has_the_fields_gemini_cli_writes_on_its_own() {
    let recorded = lines(&fixture(AUTO_RECORDING));
    let written = lines(&encoded(&import(&fixture(AUTO_RECORDING))));
    // The header: the recorded one's keys, and the project folder as its one directory.
    let mut header_keys = keys(&recorded[0]);
    header_keys.insert("directories".into());
    assert_eq!(keys(&written[0]), header_keys);
    assert_eq!(
        written[0]["projectHash"], recorded[0]["projectHash"],
        "the project folder comes back from the context, and hashes as Gemini CLI hashes it"
    );
    assert_eq!(
        written[0]["directories"],
        json!(["/tmp/confab-rec-gemini.UaWq79/demo-project"])
    );
    // Every message record has the keys of the recorded records of its type (what Gemini CLI
    // needs to rebuild the history), and no `$set` or `$rewindTo` is needed.
    let recorded_keys = |kind: &str| -> BTreeSet<String> {
        recorded
            .iter()
            .filter(|line| {
                line["type"] == kind && line.get("toolCalls").is_some() == (kind == "gemini")
            })
            .flat_map(keys)
            .collect()
    };
    let user_keys = recorded_keys("user");
    assert_eq!(
        written[1]["id"], recorded[1]["$set"]["messages"][0]["id"],
        "the startup context keeps the id Gemini CLI gives it"
    );
    for line in &written[1..] {
        assert!(line.get("$set").is_none() && line.get("$rewindTo").is_none());
        match line["type"].as_str() {
            Some("user") => assert_eq!(keys(line), user_keys, "{line}"),
            Some("gemini") => {
                let required: BTreeSet<String> = ["id", "timestamp", "type", "content", "model"]
                    .map(String::from)
                    .into();
                assert!(keys(line).is_superset(&required), "{line}");
                assert!(keys(line).is_subset(&recorded_keys("gemini")), "{line}");
            }
            other => panic!("unexpected record type {other:?}"),
        }
    }
    // The call and its result together, as the client keeps them.
    let call = written
        .iter()
        .find_map(|line| line.get("toolCalls"))
        .expect("a tool call")[0]
        .clone();
    let recorded_call = recorded
        .iter()
        .find_map(|line| line.get("toolCalls"))
        .expect("a recorded call")[0]
        .clone();
    for key in ["id", "name", "args", "result", "status"] {
        assert_eq!(call[key], recorded_call[key], "{key}");
    }
    let answer = written
        .iter()
        .find(|line| line.get("tokens").is_some())
        .expect("tokens");
    assert_eq!(
        answer["tokens"],
        json!({"input": 11768, "output": 28, "cached": 5632, "thoughts": 48, "tool": 0, "total": 11844})
    );
    assert_eq!(answer["model"], "gemini-2.5-flash");
    assert_eq!(
        written[1]["timestamp"], "2026-12-03T17:47:27.616Z",
        "times in JavaScript's toISOString form"
    );
}

#[test]
fn the_recorded_sessions_survive_a_round_trip() {
    for name in [AUTO_RECORDING, SHELL_RECORDING, "shared-chat.json"] {
        let original = import(&fixture(name));
        let again = import(&encoded(&original));
        assert_eq!(turns(&again), turns(&original), "{name}");
        let times = |checkpoint: &Checkpoint| -> Vec<_> {
            checkpoint.messages.iter().map(|m| m.created_at).collect()
        };
        if name != "shared-chat.json" {
            assert_eq!(times(&again), times(&original), "{name}");
            assert_eq!(again.session.model, original.session.model, "{name}");
        }
        assert_eq!(
            again.context.and_then(|context| context.working_directory),
            original
                .context
                .as_ref()
                .and_then(|context| context.working_directory.clone()),
            "{name}"
        );
    }
}

/// A session from another tool: a system prompt, a call Gemini CLI has no tool for, one it has
/// (with arguments as JSON text), an archived turn, a call left unanswered.
fn foreign() -> Checkpoint {
    let mut checkpoint = import(&fixture(AUTO_RECORDING));
    checkpoint.session.provider = "anthropic".into();
    checkpoint.session.model = "claude-sonnet-4-5".into();
    let mut archived = Message::new(Role::User, "an old question");
    archived.archived = true;
    let mut shell = Message::new(Role::Assistant, "Let me look.");
    shell.tool_calls = vec![
        ToolCall {
            id: "toolu_1".into(),
            name: "Bash".into(),
            arguments: json!({"command": "ls"}),
        },
        ToolCall {
            id: "toolu_2".into(),
            name: "read_file".into(),
            arguments: Value::from(r#"{"file_path": "main.py"}"#),
        },
    ];
    shell.usage = Some(TokenUsage {
        input_tokens: Some(40),
        output_tokens: Some(7),
        cached_input_tokens: Some(60),
        ..TokenUsage::default()
    });
    let mut ls = Message::new(Role::Tool, "main.py\nnotes.txt");
    ls.tool_call_id = Some("toolu_1".into());
    let mut read = Message::new(Role::Tool, "print('hi')");
    read.tool_call_id = Some("toolu_2".into());
    let mut unanswered = Message::new(Role::Assistant, "");
    unanswered.tool_calls = vec![ToolCall {
        id: "toolu_3".into(),
        name: "list_directory".into(),
        arguments: json!({"dir_path": "."}),
    }];
    checkpoint.messages = vec![
        Message::new(Role::System, "Answer briefly."),
        archived,
        Message::new(Role::User, "What is here?"),
        shell,
        ls,
        read,
        Message::new(Role::Assistant, "Two files."),
        unanswered,
        Message::new(Role::User, "Thanks."),
    ];
    checkpoint
}

#[test]
fn foreign_tools_become_text_and_system_messages_marked_user_text() {
    let checkpoint = foreign();
    let target = RecordingTarget {
        session_id: "11111111-2222-4333-8444-555555555555".into(),
        project_root: "/work/project".into(),
    };
    let (written, notes) = recording(&checkpoint, &target);
    assert_eq!(written[0]["sessionId"], target.session_id);
    assert_eq!(written[0]["projectHash"], sha256_hex(b"/work/project"));
    // First the startup context Gemini CLI keeps as it is when it resumes (else it would put
    // its own before the history): its id, the marker sentence, and the project folder.
    let context = &written[1];
    assert_eq!(context["id"], ENVIRONMENT_CONTEXT_ID);
    let context_text = context["content"][0]["text"].as_str().expect("text");
    assert!(
        context_text.starts_with(
            "<session_context>\nThis is the Gemini CLI. We are setting up the context for our chat."
        ) && context_text.contains("  - /work/project\n</session_context>"),
        "{context_text}"
    );
    let records = &written[2..];
    assert_eq!(
        records[0]["content"],
        json!([{"text": "<confab-system-message>\nAnswer briefly.\n</confab-system-message>"}])
    );
    assert_eq!(
        records[1]["content"],
        json!([{"text": "What is here?"}]),
        "the archived turn is left out"
    );
    let answer = &records[2];
    assert_eq!(answer["type"], "gemini");
    let text = answer["content"].as_str().expect("text");
    assert!(
        text.starts_with("Let me look.\n\n[tool call Bash (toolu_1)]"),
        "{text}"
    );
    assert!(text.contains("\"command\": \"ls\""), "{text}");
    let calls = answer["toolCalls"].as_array().expect("calls");
    assert_eq!(calls.len(), 1, "only the tool Gemini CLI has is a call");
    assert_eq!(calls[0]["name"], "read_file");
    assert_eq!(calls[0]["args"], json!({"file_path": "main.py"}));
    assert_eq!(
        calls[0]["result"],
        json!([{"functionResponse": {"id": "toolu_2", "name": "read_file", "response": {"output": "print('hi')"}}}])
    );
    assert_eq!(calls[0]["status"], "success");
    assert_eq!(
        answer["tokens"],
        json!({"input": 100, "output": 7, "cached": 60, "thoughts": 0, "tool": 0, "total": 107}),
        "Anthropic's uncached input gets the cached part back, as Gemini counts it"
    );
    assert_eq!(answer["model"], "claude-sonnet-4-5");
    // The Bash result as text after the model turn, then the next answer.
    assert_eq!(
        records[3]["content"],
        json!([{"text": "[tool result for Bash (toolu_1)]\nmain.py\nnotes.txt"}])
    );
    assert_eq!(records[4]["content"], "Two files.");
    let unanswered = &records[5]["toolCalls"][0];
    assert_eq!(
        unanswered["result"][0]["functionResponse"]["response"]["output"],
        "[no result recorded]"
    );
    assert_eq!(unanswered["status"], "error");
    assert_eq!(records[6]["content"], json!([{"text": "Thanks."}]));
    assert_eq!(records.len(), 7);
    let notes = notes.join("\n");
    for expected in [
        "archived messages left out",
        "system messages written as user messages",
        "tool calls to tools Gemini CLI does not have written as text",
        "tool calls without a recorded result",
    ] {
        assert!(notes.contains(expected), "{expected} in {notes}");
    }
    // And the decoder reads the system message back as one.
    let again = import(&confab_format_gemini::encode::to_jsonl(&written));
    assert_eq!(again.messages[1].role, Role::System);
    assert_eq!(again.messages[1].content, "Answer briefly.");
    assert_eq!(
        again
            .context
            .and_then(|context| context.working_directory)
            .as_deref(),
        Some("/work/project")
    );
}

#[test]
fn an_export_is_the_same_every_time_and_says_what_it_left_out() {
    let checkpoint = foreign();
    assert_eq!(encoded(&checkpoint), encoded(&checkpoint));
    let notes = FORMAT.notes(&checkpoint, &EncodeOptions::new());
    assert!(
        notes.iter().any(|note| note.contains("archived")),
        "{notes:?}"
    );
}
