//! The Claude Code encoder against the records the real client wrote, and against its own decoder.

use std::collections::BTreeSet;

use confab_core::{
    Checkpoint, Decode, Encode, EncodeOptions, Message, Role, TokenUsage, ToolCall, read_checkpoint,
};
use confab_format_claude_code::FORMAT;
use confab_format_claude_code::encode::{TranscriptTarget, transcript};
use serde_json::{Value, json};

const RECORDED_MAIN: &str = "recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

fn import(bytes: &[u8]) -> Checkpoint {
    read_checkpoint("x", bytes, &FORMAT)
        .map(confab_core::Imported::into_recorded)
        .unwrap_or_else(|error| panic!("does not import: {error:?}"))
}

fn records(bytes: &[u8]) -> Vec<Value> {
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

/// A turn as the round trip must keep it: role, text, calls (name, arguments), the call answered.
type Turn = (Role, String, Vec<(String, Value)>, Option<String>);

/// The turns of a checkpoint that is sent to the model.
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
                    .map(|call| (call.name.clone(), call.arguments.clone()))
                    .collect(),
                message.tool_call_id.clone(),
            )
        })
        .collect()
}

#[test]
fn every_record_has_the_fields_claude_code_writes_on_its_own() {
    let recorded = records(&fixture(RECORDED_MAIN));
    let written = records(&encoded(&import(&fixture(RECORDED_MAIN))));
    let essential = [
        "parentUuid",
        "isSidechain",
        "type",
        "message",
        "uuid",
        "timestamp",
        "userType",
        "cwd",
        "sessionId",
        "version",
    ];
    for kind in ["user", "assistant"] {
        let theirs = recorded
            .iter()
            .find(|record| record["type"] == kind)
            .expect("the fixture has one");
        let ours: Vec<&Value> = written
            .iter()
            .filter(|record| record["type"] == kind)
            .collect();
        assert!(!ours.is_empty(), "no {kind} record written");
        for record in ours {
            for key in essential {
                assert!(keys(theirs).contains(key), "the client writes {key}");
                assert!(keys(record).contains(key), "{kind} record lacks {key}");
            }
            // Nothing the client does not write itself.
            let all: BTreeSet<String> = recorded
                .iter()
                .filter(|record| record["type"] == kind)
                .flat_map(keys)
                .collect();
            assert!(keys(record).is_subset(&all), "{record}");
        }
    }
    // The message bodies have the shape of the client's.
    let assistant_message = |records: &[Value]| -> BTreeSet<String> {
        records
            .iter()
            .filter(|record| record["type"] == "assistant")
            .flat_map(|record| keys(&record["message"]))
            .collect()
    };
    assert!(assistant_message(&written).is_subset(&assistant_message(&recorded)));
    let theirs_result = recorded
        .iter()
        .find_map(|record| {
            record["message"]["content"]
                .as_array()
                .and_then(|blocks| blocks.iter().find(|block| block["type"] == "tool_result"))
        })
        .expect("a tool result");
    let ours_result = written
        .iter()
        .find_map(|record| {
            record["message"]["content"]
                .as_array()
                .and_then(|blocks| blocks.iter().find(|block| block["type"] == "tool_result"))
        })
        .expect("a tool result");
    assert_eq!(keys(ours_result), keys(theirs_result));
    assert_eq!(ours_result, theirs_result, "the same result, the same id");
    let theirs_call = recorded
        .iter()
        .find_map(|record| {
            record["message"]["content"]
                .as_array()
                .and_then(|blocks| blocks.iter().find(|block| block["type"] == "tool_use"))
        })
        .expect("a tool call");
    let ours_call = written
        .iter()
        .find_map(|record| {
            record["message"]["content"]
                .as_array()
                .and_then(|blocks| blocks.iter().find(|block| block["type"] == "tool_use"))
        })
        .expect("a tool call");
    assert_eq!(ours_call, theirs_call);
}

#[test]
fn records_form_one_chain_in_one_session_and_one_answer_is_split_by_block() {
    let written = records(&encoded(&import(&fixture(RECORDED_MAIN))));
    let session = written[0]["sessionId"].as_str().expect("a session id");
    assert_eq!(written[0]["parentUuid"], Value::Null);
    for pair in written.windows(2) {
        assert_eq!(pair[1]["parentUuid"], pair[0]["uuid"]);
        assert_eq!(pair[1]["sessionId"], session);
    }
    let uuids: BTreeSet<&str> = written
        .iter()
        .map(|record| record["uuid"].as_str().expect("uuid"))
        .collect();
    assert_eq!(uuids.len(), written.len(), "uuids are unique");
    // "I will list the folder." and the Bash call: two records of one message id.
    let first_answer: Vec<&Value> = written
        .iter()
        .filter(|record| record["type"] == "assistant")
        .take(2)
        .collect();
    assert_eq!(
        first_answer[0]["message"]["id"],
        first_answer[1]["message"]["id"]
    );
    assert_eq!(first_answer[0]["message"]["content"][0]["type"], "text");
    assert_eq!(first_answer[1]["message"]["content"][0]["type"], "tool_use");
    assert_eq!(first_answer[1]["message"]["stop_reason"], "tool_use");
    assert_eq!(first_answer[1]["message"]["model"], "claude-opus-5-5");
    assert_eq!(
        first_answer[1]["message"]["usage"]["cache_read_input_tokens"],
        11940
    );
    // The tool result comes right after the call.
    let call = written
        .iter()
        .position(|record| record["message"]["content"][0]["type"] == "tool_use")
        .expect("a call");
    assert_eq!(
        written[call + 1]["message"]["content"][0]["type"],
        "tool_result"
    );
    assert_eq!(
        written[call + 1]["sourceToolAssistantUUID"],
        written[call]["uuid"]
    );
    assert_eq!(
        written[call + 1]["toolUseResult"]["stdout"],
        "main.py\nnotes.txt"
    );
}

#[test]
fn the_recorded_sessions_survive_a_round_trip() {
    for name in [
        RECORDED_MAIN,
        "recorded/subagent-foreground/c7153586-188e-44f8-80c4-d111640aeaeb.jsonl",
        "session.jsonl",
        "compacted.jsonl",
    ] {
        let original = import(&fixture(name));
        let again = import(&encoded(&original));
        assert_eq!(turns(&again), turns(&original), "{name}");
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

fn message(role: Role, content: &str) -> Message {
    Message::new(role, content)
}

/// A session from another tool: a system prompt, a call Claude Code has no tool for, a call it
/// has (under an id the API would refuse), an archived turn, and usage counted OpenAI's way.
fn foreign() -> Checkpoint {
    let mut checkpoint = import(&fixture(RECORDED_MAIN));
    checkpoint.session.provider = "openai".into();
    checkpoint.session.model = "gpt-5-codex".into();
    let mut archived = message(Role::User, "an old question");
    archived.archived = true;
    let mut shell = message(Role::Assistant, "Let me look.");
    shell.tool_calls = vec![
        ToolCall {
            id: "call_1".into(),
            name: "exec_command".into(),
            arguments: json!({"cmd": "ls"}),
        },
        ToolCall {
            id: "call.2".into(),
            name: "Read".into(),
            arguments: Value::from(r#"{"file_path": "main.py"}"#),
        },
    ];
    shell.usage = Some(TokenUsage {
        input_tokens: Some(100),
        output_tokens: Some(7),
        cached_input_tokens: Some(60),
        ..TokenUsage::default()
    });
    let mut ls = message(Role::Tool, "main.py\nnotes.txt");
    ls.tool_call_id = Some("call_1".into());
    let mut read = message(Role::Tool, "print('hi')");
    read.tool_call_id = Some("call.2".into());
    checkpoint.messages = vec![
        message(Role::System, "Answer briefly."),
        archived,
        message(Role::User, "What is here?"),
        shell,
        ls,
        read,
        message(Role::Assistant, "Two files."),
    ];
    checkpoint
}

#[test]
fn foreign_tools_become_text_and_system_messages_marked_user_text() {
    let checkpoint = foreign();
    let target = TranscriptTarget {
        session_id: "11111111-2222-4333-8444-555555555555".into(),
        cwd: "/work/project".into(),
    };
    let (written, notes) = transcript(&checkpoint, &target);
    let contents: Vec<&Value> = written
        .iter()
        .map(|record| &record["message"]["content"])
        .collect();
    assert_eq!(
        contents[0],
        "<confab-system-message>\nAnswer briefly.\n</confab-system-message>"
    );
    assert_eq!(
        contents[1], "What is here?",
        "the archived turn is left out"
    );
    let text = contents[2][0]["text"].as_str().expect("text");
    assert!(
        text.starts_with("Let me look.\n\n[tool call exec_command (call_1)]"),
        "{text}"
    );
    assert!(text.contains("\"cmd\": \"ls\""), "{text}");
    assert_eq!(contents[3][0]["type"], "tool_use");
    assert_eq!(contents[3][0]["id"], "call_2", "an id the API takes");
    assert_eq!(contents[3][0]["input"], json!({"file_path": "main.py"}));
    // The Read result first (the API wants it next), then the shell output as text.
    assert_eq!(contents[4][0]["tool_use_id"], "call_2");
    assert_eq!(contents[4][0]["content"], "print('hi')");
    assert_eq!(
        contents[5],
        "[tool result for exec_command (call_1)]\nmain.py\nnotes.txt"
    );
    assert_eq!(contents[6][0]["text"], "Two files.");
    assert_eq!(written[2]["cwd"], "/work/project");
    assert_eq!(written[2]["sessionId"], target.session_id);
    // OpenAI counts the cache inside the input; Anthropic beside it.
    assert_eq!(written[2]["message"]["usage"]["input_tokens"], 40);
    assert_eq!(
        written[2]["message"]["usage"]["cache_read_input_tokens"],
        60
    );
    for expected in [
        "archived messages left out",
        "system messages written as user messages",
        "tool calls to tools Claude Code does not have written as text",
    ] {
        assert!(
            notes.iter().any(|note| note.contains(expected)),
            "no note {expected:?} in {notes:#?}"
        );
    }
    // And the decoder reads it back: the system message is one again.
    let again = import(&confab_format_claude_code::encode::to_jsonl(&written));
    assert_eq!(again.messages[0].role, Role::System);
    assert_eq!(again.messages[0].content, "Answer briefly.");
    assert_eq!(again.messages[2].tool_calls.len(), 1);
    assert_eq!(again.messages[3].role, Role::Tool);
    assert!(FORMAT.notes(&checkpoint, &EncodeOptions::new()).len() >= 3);
}

#[test]
fn a_call_without_a_result_gets_one_the_api_accepts() {
    let mut checkpoint = foreign();
    checkpoint
        .messages
        .retain(|message| message.role != Role::Tool);
    let target = TranscriptTarget {
        session_id: "11111111-2222-4333-8444-555555555555".into(),
        cwd: "/p".into(),
    };
    let (written, notes) = transcript(&checkpoint, &target);
    let result = written
        .iter()
        .find_map(|record| {
            record["message"]["content"]
                .as_array()
                .and_then(|blocks| blocks.iter().find(|block| block["type"] == "tool_result"))
        })
        .expect("a placeholder result");
    assert_eq!(result["tool_use_id"], "call_2");
    assert_eq!(result["is_error"], true);
    assert!(
        notes
            .iter()
            .any(|note| note.contains("without a recorded result"))
    );
}

#[test]
fn an_export_is_the_same_every_time() {
    let checkpoint = import(&fixture(RECORDED_MAIN));
    assert_eq!(encoded(&checkpoint), encoded(&checkpoint));
    let decoded = FORMAT
        .decode(
            &encoded(&checkpoint),
            &mut confab_core::CollectMessages::default(),
        )
        .expect("decodes");
    assert!(matches!(decoded, confab_core::Decoded::Converted(_)));
}
