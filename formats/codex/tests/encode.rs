//! The Codex encoder against the rollouts the real client wrote, and against its own decoder.

use std::collections::BTreeSet;

use confab_core::{
    Checkpoint, Decode, Encode, EncodeOptions, Message, Role, TokenUsage, ToolCall, read_checkpoint,
};
use confab_format_codex::FORMAT;
use confab_format_codex::encode::{RolloutTarget, rollout, to_jsonl};
use serde_json::{Value, json};

const RECORDED_EXEC: &str = "recorded/exec/sessions/2026/12/03/rollout-2026-12-03T17-32-02-01a23cf6-960a-7a31-99ae-8a9520aa2698.jsonl";
const RECORDED_TUI: &str = "recorded/tui/sessions/2026/12/03/rollout-2026-12-03T17-32-07-01a23cf6-a7a3-7751-b09e-b8979939b11f.jsonl";

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

/// What kind of line a line is: its type, and its payload's type and role where it has them.
fn kind(line: &Value) -> String {
    let payload = &line["payload"];
    format!(
        "{} {} {} {}",
        line["type"].as_str().unwrap_or_default(),
        payload["type"].as_str().unwrap_or_default(),
        payload["role"].as_str().unwrap_or_default(),
        payload["item"]["type"].as_str().unwrap_or_default()
    )
}

/// A turn as the round trip must keep it: role, text, calls (name, arguments), the call answered.
type Turn = (Role, String, Vec<(String, Value)>, Option<String>);

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
fn every_line_has_the_shape_codex_writes_on_its_own() {
    let recorded: Vec<Value> = [RECORDED_EXEC, RECORDED_TUI]
        .iter()
        .flat_map(|name| lines(&fixture(name)))
        .collect();
    let written = lines(&encoded(&import(&fixture(RECORDED_EXEC))));
    assert_eq!(written[0]["type"], "session_meta", "the session meta first");
    let mut kinds_written = BTreeSet::new();
    for line in &written {
        assert_eq!(
            keys(line),
            BTreeSet::from(["timestamp", "ordinal", "type", "payload"].map(String::from)),
            "{line}"
        );
        let kind = kind(line);
        let theirs: Vec<&Value> = recorded.iter().filter(|l| self::kind(l) == kind).collect();
        assert!(!theirs.is_empty(), "Codex writes no {kind:?} line");
        // Nothing in the payload that Codex does not write there itself (the session meta's
        // `instructions` is what Codex wrote before 0.171; the decoder reads it).
        let all: BTreeSet<String> = theirs.iter().flat_map(|l| keys(&l["payload"])).collect();
        let mut ours = keys(&line["payload"]);
        ours.remove("instructions");
        assert!(ours.is_subset(&all), "{kind}: {ours:?} not within {all:?}");
        kinds_written.insert(kind);
    }
    for expected in [
        "session_meta   ",
        "turn_context   ",
        "response_item message user ",
        "response_item message assistant ",
        "response_item message developer ",
        "response_item function_call  ",
        "response_item function_call_output  ",
        "event_msg item_completed  UserMessage",
        "event_msg item_completed  AgentMessage",
        "token_usage_record   ",
    ] {
        assert!(kinds_written.contains(expected), "no {expected:?} line");
    }
    // The session meta names what Codex's does.
    for key in [
        "id",
        "timestamp",
        "cwd",
        "originator",
        "cli_version",
        "source",
    ] {
        assert!(written[0]["payload"].get(key).is_some(), "no {key}");
    }
    // A call and its output carry the call's id, the arguments as a string of JSON.
    let call = written
        .iter()
        .find(|line| line["payload"]["type"] == "function_call")
        .expect("a call");
    assert_eq!(call["payload"]["name"], "exec_command");
    assert_eq!(call["payload"]["arguments"], r#"{"cmd":"ls"}"#);
    let output = written
        .iter()
        .find(|line| line["payload"]["type"] == "function_call_output")
        .expect("an output");
    assert_eq!(output["payload"]["call_id"], call["payload"]["call_id"]);
    assert_eq!(call["payload"]["call_id"], "call_909edfe656fb7c615ea4ea8e");
    // A prompt is marked typed the way Codex marks one.
    let prompt = written
        .iter()
        .find(|line| kind(line) == "response_item message user ")
        .expect("a prompt");
    assert_eq!(
        prompt["payload"]["content"],
        json!([{"type": "input_text", "text": "RUN_SHELL: please list the files in this folder."}])
    );
    assert_eq!(
        prompt["payload"]["internal_chat_message_metadata_passthrough"]["content_item_kinds"],
        json!(["user.text"])
    );
}

#[test]
fn the_recorded_sessions_survive_a_round_trip() {
    for name in [
        RECORDED_EXEC,
        RECORDED_TUI,
        "rollout-2026-02-03T09-00-00-wrapped.jsonl",
        "rollout-2025-08-14T10-02-11-legacy.jsonl",
        "rollout-2025-10-12T14-10-16-compacted.jsonl",
    ] {
        let original = import(&fixture(name));
        let again = import(&encoded(&original));
        assert_eq!(turns(&again), turns(&original), "{name}");
        let usage = |checkpoint: &Checkpoint| -> Vec<Option<(Option<u64>, Option<u64>)>> {
            checkpoint
                .messages
                .iter()
                .filter(|message| !message.archived)
                .map(|m| m.usage.map(|u| (u.input_tokens, u.output_tokens)))
                .collect()
        };
        assert_eq!(usage(&again), usage(&original), "{name}");
        let context = |checkpoint: &Checkpoint| {
            checkpoint.context.as_ref().map(|context| {
                (
                    context.working_directory.clone(),
                    context.project_instructions.clone(),
                )
            })
        };
        assert_eq!(context(&again), context(&original), "{name}");
        assert_eq!(again.session.model, original.session.model, "{name}");
    }
}

fn message(role: Role, content: &str) -> Message {
    Message::new(role, content)
}

/// A session from another tool: a system prompt, a call Codex has no tool for, a call it has,
/// an archived turn, and usage counted Anthropic's way.
fn foreign() -> Checkpoint {
    let mut checkpoint = import(&fixture(RECORDED_EXEC));
    checkpoint.session.provider = "anthropic".into();
    checkpoint.session.model = "claude-opus-5-5".into();
    let mut archived = message(Role::User, "an old question");
    archived.archived = true;
    let mut shell = message(Role::Assistant, "Let me look.");
    shell.tool_calls = vec![
        ToolCall {
            id: "toolu_1".into(),
            name: "Read".into(),
            arguments: json!({"file_path": "main.py"}),
        },
        ToolCall {
            id: "call_2".into(),
            name: "exec_command".into(),
            arguments: Value::from(r#"{"cmd": "ls"}"#),
        },
    ];
    shell.usage = Some(TokenUsage {
        input_tokens: Some(40),
        output_tokens: Some(7),
        cached_input_tokens: Some(60),
        ..TokenUsage::default()
    });
    let mut read = message(Role::Tool, "print('hi')");
    read.tool_call_id = Some("toolu_1".into());
    let mut ls = message(Role::Tool, "main.py\nnotes.txt");
    ls.tool_call_id = Some("call_2".into());
    checkpoint.messages = vec![
        message(Role::System, "Answer briefly."),
        archived,
        message(Role::User, "What is here?"),
        shell,
        read,
        ls,
        message(Role::Assistant, "Two files."),
    ];
    checkpoint
}

/// The response items of `lines`, the model's view of the conversation.
fn items(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|line| line["type"] == "response_item")
        .map(|line| &line["payload"])
        .collect()
}

#[test]
fn foreign_tools_become_text_and_system_messages_developer_messages() {
    let checkpoint = foreign();
    let target = RolloutTarget {
        session_id: "11111111-2222-4333-8444-555555555555".into(),
        cwd: "/work/project".into(),
    };
    let (written, notes) = rollout(&checkpoint, &target);
    assert_eq!(written[0]["payload"]["id"], target.session_id);
    assert_eq!(written[0]["payload"]["cwd"], "/work/project");
    let items = items(&written);
    assert_eq!(items[0]["role"], "developer");
    assert_eq!(items[0]["content"][0]["text"], "Answer briefly.");
    assert_eq!(
        items[1]["content"][0]["text"], "What is here?",
        "the archived turn is left out"
    );
    let text = items[2]["content"][0]["text"].as_str().expect("text");
    assert!(
        text.starts_with("Let me look.\n\n[tool call Read (toolu_1)]"),
        "{text}"
    );
    assert!(text.contains("\"file_path\": \"main.py\""), "{text}");
    assert_eq!(items[3]["type"], "function_call");
    assert_eq!(items[3]["call_id"], "call_2");
    assert_eq!(items[3]["arguments"], r#"{"cmd": "ls"}"#);
    // The shell output first (the API wants it answered), then the Read result as text.
    assert_eq!(items[4]["type"], "function_call_output");
    assert_eq!(items[4]["output"], "main.py\nnotes.txt");
    assert_eq!(items[5]["role"], "user");
    assert_eq!(
        items[5]["content"][0]["text"],
        "[tool result for Read (toolu_1)]\nprint('hi')"
    );
    assert_eq!(items[6]["content"][0]["text"], "Two files.");
    // Anthropic counts the cache beside the input; Codex inside it.
    let record = written
        .iter()
        .find(|line| line["type"] == "token_usage_record")
        .expect("a usage record");
    assert_eq!(record["payload"]["usage"]["input_tokens"], 100);
    assert_eq!(record["payload"]["usage"]["cached_input_tokens"], 60);
    // The turn runs with the session's model.
    let turn = written
        .iter()
        .find(|line| line["type"] == "turn_context")
        .expect("a turn context");
    assert_eq!(turn["payload"]["model"], "claude-opus-5-5");
    for expected in [
        "archived messages left out",
        "system messages written as developer messages",
        "tool calls to tools Codex does not have written as text",
    ] {
        assert!(
            notes.iter().any(|note| note.contains(expected)),
            "no note {expected:?} in {notes:#?}"
        );
    }
    // And the decoder reads it back: the system message is one again.
    let again = import(&to_jsonl(&written));
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
    let target = RolloutTarget {
        session_id: "11111111-2222-4333-8444-555555555555".into(),
        cwd: "/p".into(),
    };
    let (written, notes) = rollout(&checkpoint, &target);
    let items = items(&written);
    let call = items
        .iter()
        .position(|item| item["type"] == "function_call")
        .expect("a call");
    assert_eq!(items[call + 1]["type"], "function_call_output");
    assert_eq!(items[call + 1]["call_id"], "call_2");
    assert_eq!(items[call + 1]["output"], "[no result recorded]");
    assert!(
        notes
            .iter()
            .any(|note| note.contains("without a recorded result"))
    );
}

#[test]
fn an_export_is_the_same_every_time() {
    let checkpoint = import(&fixture(RECORDED_EXEC));
    assert_eq!(encoded(&checkpoint), encoded(&checkpoint));
    let decoded = FORMAT
        .decode(
            &encoded(&checkpoint),
            &mut confab_core::CollectMessages::default(),
        )
        .expect("decodes");
    assert!(matches!(decoded, confab_core::Decoded::Converted(_)));
}
