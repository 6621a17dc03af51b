//! The Claude Code format against hand-written transcripts and files the real client wrote.

use confab_core::{Checkpoint, Decode, Location, Role, TokenUsage, read_checkpoint};
use confab_format_claude_code::{FORMAT, SubagentMeta, link_to_parent};
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
        ],
    );
    // The turn_duration event is timing, not a notice worth a note.
    assert!(
        !notes(&checkpoint)
            .iter()
            .any(|note| note.contains("system events")),
        "{:#?}",
        notes(&checkpoint)
    );
}

#[test]
fn messages_before_a_compaction_are_archived() {
    let checkpoint = import("compacted.jsonl");
    assert_eq!(checkpoint.session.name, "claude-code-c0ffee42");
    assert_eq!(checkpoint.session.model, "claude-opus-4-5-20251101");
    // The summary (isCompactSummary) is Claude Code's, not a typed prompt.
    use Role::{Assistant, System, User};
    assert_eq!(
        roles(&checkpoint),
        [User, Assistant, User, Assistant, System, User, Assistant]
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

// ---- Files the real Claude Code 2.1.332 wrote (tests/fixtures/recorded/, see SCENARIOS.md) ----

/// A recorded session folder: the transcript, and each sub-agent's transcript and meta file.
struct Recorded {
    session_id: String,
    bytes: Vec<u8>,
    /// (agent id, `agent-<id>.jsonl`, `agent-<id>.meta.json`)
    subagents: Vec<(String, Vec<u8>, Vec<u8>)>,
}

fn recorded(scenario: &str) -> Recorded {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/recorded")
        .join(scenario);
    let read = |path: &std::path::Path| {
        std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    };
    let mut transcripts: Vec<std::path::PathBuf> = std::fs::read_dir(&folder)
        .expect("a recorded folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    assert_eq!(transcripts.len(), 1, "{transcripts:?}");
    let transcript = transcripts.remove(0);
    let session_id = transcript
        .file_stem()
        .and_then(|stem| stem.to_str())
        .expect("a session id")
        .to_owned();
    let mut subagents = Vec::new();
    if let Ok(entries) = std::fs::read_dir(folder.join(&session_id).join("subagents")) {
        for path in entries.map(|entry| entry.expect("an entry").path()) {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if let Some(agent) = name
                .strip_prefix("agent-")
                .and_then(|rest| rest.strip_suffix(".jsonl"))
            {
                let meta = read(&path.with_file_name(format!("agent-{agent}.meta.json")));
                subagents.push((agent.to_owned(), read(&path), meta));
            }
        }
    }
    Recorded {
        session_id,
        bytes: read(&transcript),
        subagents,
    }
}

fn import_bytes(name: &str, bytes: &[u8]) -> Checkpoint {
    read(name, bytes).unwrap_or_else(|error| panic!("{name} does not import: {error:?}"))
}

/// Claude Code's own totals: the last `cost-state` record, summed over its models.
fn cost_state(bytes: &[u8]) -> TokenUsage {
    let last = bytes
        .split(|&byte| byte == b'\n')
        .rev()
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice::<serde_json::Value>(line).expect("JSON"))
        .find(|record| record["type"] == "cost-state")
        .expect("a cost-state record");
    let models = last["modelUsage"].as_object().expect("modelUsage");
    let sum = |key: &str| {
        Some(
            models
                .values()
                .filter_map(|usage| usage[key].as_u64())
                .sum(),
        )
    };
    TokenUsage {
        input_tokens: sum("inputTokens"),
        output_tokens: sum("outputTokens"),
        cached_input_tokens: sum("cacheReadInputTokens"),
        cache_write_tokens: sum("cacheCreationInputTokens"),
        reasoning_tokens: sum("thinkingTokens"),
    }
}

fn usage_of(checkpoint: &Checkpoint) -> TokenUsage {
    checkpoint
        .statistics
        .as_ref()
        .and_then(|statistics| statistics.usage)
        .expect("usage")
}

fn texts(checkpoint: &Checkpoint, role: Role) -> Vec<&str> {
    checkpoint
        .messages
        .iter()
        .filter(|message| message.role == role)
        .map(|message| message.content.as_str())
        .collect()
}

/// The tool calls, each with the content of the one tool message that answers it.
fn calls_with_results(checkpoint: &Checkpoint) -> Vec<(&str, &serde_json::Value, &str)> {
    checkpoint
        .messages
        .iter()
        .flat_map(|message| &message.tool_calls)
        .map(|call| {
            let results: Vec<&str> = checkpoint
                .messages
                .iter()
                .filter(|m| m.role == Role::Tool && m.tool_call_id.as_deref() == Some(&call.id))
                .map(|m| m.content.as_str())
                .collect();
            assert_eq!(results.len(), 1, "one result for {}", call.id);
            (call.name.as_str(), &call.arguments, results[0])
        })
        .collect()
}

/// What every recorded import shares: the name, model, provider, cwd, version, and no note
/// about events of unknown types.
fn assert_recorded_session(checkpoint: &Checkpoint, name: &str, scenario: &str) {
    let session = &checkpoint.session;
    assert_eq!(session.name, name);
    assert_eq!(session.provider, "anthropic");
    assert_eq!(session.model, "claude-opus-5-5");
    let metadata = session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["claude_code_version"], "2.1.332");
    let cwd = checkpoint
        .context
        .as_ref()
        .and_then(|context| context.working_directory.as_deref())
        .expect("a working directory");
    assert!(cwd.ends_with(&format!("/{scenario}/project")), "{cwd}");
    assert!(session.created_at.is_some() && session.updated_at.is_some());
    let notes = notes(checkpoint);
    assert!(
        !notes.iter().any(|note| note.contains("unknown type")),
        "{notes:#?}"
    );
    assert!(
        checkpoint.messages.iter().all(|message| {
            !message.content.contains('\u{1b}')
                && !message.content.contains("<command-name>")
                && !message.content.contains("<local-command")
        }),
        "no local command is a message"
    );
}

const FIRST_PROMPT: &str = "RUN_BASH: please list the files in this folder.";
const SECOND_PROMPT: &str = "Thanks. Which of them is a Python file?";

#[test]
fn a_recorded_session_has_the_typed_prompts_and_claude_codes_own_usage() {
    let recorded = recorded("main");
    let checkpoint = import_bytes("main", &recorded.bytes);
    let name = format!("claude-code-{}", &recorded.session_id[..8]);
    assert_recorded_session(&checkpoint, &name, "main");
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["session_id"], recorded.session_id.as_str());

    use Role::{Assistant, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [User, Assistant, Tool, Assistant, User, Assistant]
    );
    assert_eq!(texts(&checkpoint, User), [FIRST_PROMPT, SECOND_PROMPT]);
    assert_eq!(
        texts(&checkpoint, Assistant),
        [
            "I will list the folder.",
            "The command ran. The folder holds the files listed above.",
            "Hello from the fake model. This answer is scripted text."
        ]
    );
    let calls = calls_with_results(&checkpoint);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "Bash");
    assert_eq!(calls[0].1["command"], "ls");
    assert_eq!(calls[0].2, "main.py\nnotes.txt");

    // Each answer's usage once, though every one of its three events repeats it; the sums are
    // Claude Code's own.
    assert!(
        checkpoint
            .messages
            .iter()
            .filter(|message| message.role == Assistant)
            .all(|message| message.usage.is_some())
    );
    assert_eq!(usage_of(&checkpoint), cost_state(&recorded.bytes));
    assert_eq!(
        notes(&checkpoint),
        ["thinking blocks not imported (the model's private reasoning): 3"]
    );
}

#[test]
fn recorded_local_commands_bash_mode_and_compaction_are_not_prompts() {
    let recorded = recorded("local-commands");
    let checkpoint = import_bytes("local-commands", &recorded.bytes);
    let name = format!("claude-code-{}", &recorded.session_id[..8]);
    assert_recorded_session(&checkpoint, &name, "local-commands");

    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [
            User, Assistant, Tool, Assistant, System, System, Assistant, User, Assistant
        ]
    );
    assert_eq!(texts(&checkpoint, User), [FIRST_PROMPT, SECOND_PROMPT]);
    let archived: Vec<bool> = checkpoint.messages.iter().map(|m| m.archived).collect();
    assert_eq!(
        archived,
        [true, true, true, true, false, false, false, false, false]
    );
    let system = texts(&checkpoint, System);
    assert!(
        system[0].starts_with("This session is being continued from a previous conversation"),
        "{}",
        system[0]
    );
    // `!ls` and its output, one message, as the model was sent them; the model answered it.
    assert_eq!(
        system[1],
        "<bash-input>ls</bash-input>\n<bash-stdout>main.py\nnotes.txt</bash-stdout><bash-stderr></bash-stderr>"
    );
    assert_eq!(
        checkpoint.messages[6].content,
        "Hello from the fake model. This answer is scripted text."
    );
    let calls = calls_with_results(&checkpoint);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].2, "main.py\nnotes.txt");

    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    let commands = metadata["local_commands"]
        .as_array()
        .expect("local_commands");
    assert_eq!(commands.len(), 2, "{commands:#?}");
    assert_eq!(
        commands[0],
        json!({
            "command": "/compact",
            "args": "",
            "output": "Compacted (ctrl+o to see full summary)",
            "at": commands[0]["at"],
        })
    );
    let compacted_at: jiff::Timestamp = commands[0]["at"]
        .as_str()
        .expect("a time")
        .parse()
        .expect("RFC 3339");
    assert_eq!(commands[1]["command"], "/context");
    assert_eq!(commands[1]["args"], "");
    let output = commands[1]["output"].as_str().expect("output");
    assert!(output.starts_with("Context usage\n"), "{output}");
    assert!(output.contains("claude-opus-5-5") && output.ends_with("/context all to expand"));
    assert!(!output.contains('\u{1b}'), "escapes removed: {output:?}");
    let context_at: jiff::Timestamp = commands[1]["at"]
        .as_str()
        .expect("a time")
        .parse()
        .expect("RFC 3339");
    assert!(compacted_at < context_at);

    // Claude Code's totals also count the request that wrote the summary, which no event holds.
    let ours = usage_of(&checkpoint);
    let theirs = cost_state(&recorded.bytes);
    let more = |theirs: Option<u64>, ours: Option<u64>| {
        theirs
            .unwrap_or(0)
            .checked_sub(ours.unwrap_or(0))
            .expect("cost-state counts more")
    };
    let gap = format!(
        "count {} input, {} output, {} cache-read, {} cache-write tokens more than these messages",
        more(theirs.input_tokens, ours.input_tokens),
        more(theirs.output_tokens, ours.output_tokens),
        more(theirs.cached_input_tokens, ours.cached_input_tokens),
        more(theirs.cache_write_tokens, ours.cache_write_tokens),
    );
    assert_notes(
        &checkpoint,
        &[
            &gap,
            "the conversation was compacted 1 time(s); the 4 messages before the last compaction \
             are marked archived",
            "2 local commands (/compact, /context) are in session.metadata.local_commands, not \
             messages",
            "compaction summaries (written by Claude Code after /compact) imported as system \
             messages: 1",
            "shell commands run in bash mode (!cmd) imported as system messages, with their \
             output: 1",
            "meta events Claude Code writes for the model (command caveats, reminders, copies of \
             command output) not imported: 2",
        ],
    );
}

/// A recorded session with one sub-agent: the parent names it, the agent's own file imports
/// as its own session tied to the parent, and together they use what Claude Code counted.
fn assert_subagent_scenario(scenario: &str) -> (Checkpoint, Checkpoint) {
    let recorded = recorded(scenario);
    let parent_name = format!("claude-code-{}", &recorded.session_id[..8]);
    let parent = import_bytes(scenario, &recorded.bytes);
    assert_recorded_session(&parent, &parent_name, scenario);
    assert_eq!(parent.statistics.as_ref().map(|s| s.user_messages), Some(1));

    assert_eq!(recorded.subagents.len(), 1);
    let (agent, bytes, meta) = &recorded.subagents[0];
    assert_eq!(FORMAT.sniff(bytes), confab_core::Sniff::Yes);
    let mut child = import_bytes("agent", bytes);
    let child_name = format!("{parent_name}-agent-{}", &agent[..8]);
    assert_recorded_session(&child, &child_name, scenario);

    // The parent's Agent call, answered, names the agent and its session.
    let calls = calls_with_results(&parent);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "Agent");
    let meta = SubagentMeta::parse(meta).expect("a meta file");
    let metadata = parent.session.metadata.as_ref().expect("metadata");
    assert_eq!(
        metadata["subagents"],
        json!([{
            "agent_id": agent,
            "tool_call_id": meta.tool_use_id,
            "session": child_name,
        }])
    );
    assert_notes(
        &parent,
        &[&format!(
            "1 sub-agent thread in {}/subagents/ (import the folder, or `--from claude-code`, to \
             bring them)",
            recorded.session_id
        )],
    );

    // The agent's thread: its task, one Bash call with its result, its report.
    use Role::{Assistant, Tool, User};
    assert_eq!(roles(&child), [User, Assistant, Tool, Assistant]);
    assert_eq!(
        texts(&child, User),
        ["RUN_BASH: list the files in the current folder with ls and report them."]
    );
    let calls = calls_with_results(&child);
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].0, calls[0].2), ("Bash", "main.py\nnotes.txt"));
    let child_metadata = child.session.metadata.as_ref().expect("metadata");
    assert_eq!(child_metadata["parent_session"], parent_name.as_str());
    assert_eq!(
        child_metadata["parent_session_id"],
        recorded.session_id.as_str()
    );
    assert_eq!(child_metadata["agent_id"], agent.as_str());
    assert!(child_metadata.get("parent_tool_call_id").is_none());
    assert!(child_metadata.get("subagents").is_none());

    // What imports the folder can tie the call in, from the meta file or from the parent.
    let mut from_parent = child.clone();
    assert!(link_to_parent(&mut from_parent, &parent));
    assert!(!link_to_parent(&mut from_parent, &parent), "only once");
    meta.link(&mut child);
    let linked = child.session.metadata.as_ref().expect("metadata");
    assert_eq!(linked["parent_tool_call_id"], meta.tool_use_id.as_str());
    assert_eq!(
        from_parent.session.metadata.as_ref().expect("metadata")["parent_tool_call_id"],
        meta.tool_use_id.as_str()
    );
    assert_eq!(linked["agent_type"], "general-purpose");
    assert_eq!(linked["agent_description"], "List the project folder");

    // Claude Code's totals count the parent's answers and the agent's.
    assert_eq!(
        usage_of(&parent).plus(&usage_of(&child)),
        cost_state(&recorded.bytes)
    );
    (parent, child)
}

#[test]
fn a_recorded_background_subagent_is_named_by_its_parent_and_imports_alone() {
    let (parent, _) = assert_subagent_scenario("subagent");
    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&parent),
        [User, Assistant, Tool, Assistant, System, Assistant]
    );
    assert_eq!(
        texts(&parent, User),
        ["DELEGATE: ask a sub-agent to list the files in this folder."]
    );
    // The agent's result came back as a notification, not a prompt; the model answered it.
    let notification = texts(&parent, System)[0];
    assert!(
        notification.starts_with("<task-notification>"),
        "{notification}"
    );
    assert_eq!(
        parent.messages[5].content,
        "The sub-agent finished: the folder holds main.py and notes.txt."
    );
    assert_notes(
        &parent,
        &[
            "notifications Claude Code sent the model (a background task finished) imported as \
             system messages: 1",
            "meta events Claude Code writes for the model",
        ],
    );
}

#[test]
fn a_recorded_foreground_subagent_reports_through_its_tool_result() {
    let (parent, _) = assert_subagent_scenario("subagent-foreground");
    use Role::{Assistant, Tool, User};
    assert_eq!(roles(&parent), [User, Assistant, Tool, Assistant]);
    assert!(
        parent.messages[2]
            .content
            .contains("The command ran. The folder holds the files listed above.")
    );
}

#[test]
fn the_recorded_transcripts_are_found_by_sniffing() {
    for scenario in ["main", "local-commands", "subagent", "subagent-foreground"] {
        let recorded = recorded(scenario);
        assert_eq!(
            FORMAT.sniff(&recorded.bytes),
            confab_core::Sniff::Yes,
            "{scenario}"
        );
    }
}

#[test]
fn a_meta_file_must_name_the_call() {
    assert_eq!(SubagentMeta::parse(b"{\"agentType\":\"x\"}"), None);
    assert_eq!(SubagentMeta::parse(b"not json"), None);
    assert_eq!(
        SubagentMeta::parse(b"{\"toolUseId\":\"toolu_1\"}"),
        Some(SubagentMeta {
            tool_use_id: "toolu_1".to_owned(),
            agent_type: None,
            description: None,
        })
    );
}

#[test]
fn a_sidechain_only_file_is_a_subagents_thread_even_without_an_agent_id() {
    let input = concat!(
        r#"{"type":"user","uuid":"s1","parentUuid":null,"isSidechain":true,"sessionId":"5e551011-aaaa","message":{"role":"user","content":"Find the config loader."}}"#,
        "\n",
        r#"{"type":"assistant","uuid":"s2","parentUuid":"s1","isSidechain":true,"sessionId":"5e551011-aaaa","message":{"id":"msg_s2","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"It is src/config.rs."}]}}"#,
        "\n"
    );
    let checkpoint = read("input", input.as_bytes()).expect("imports");
    assert_eq!(roles(&checkpoint), [Role::User, Role::Assistant]);
    let name = &checkpoint.session.name;
    assert!(name.starts_with("claude-code-5e551011-agent-"), "{name}");
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["parent_session"], "claude-code-5e551011");
    assert!(metadata.get("agent_id").is_none());
    assert_notes(
        &checkpoint,
        &["a sub-agent's thread (of session claude-code-5e551011) that names no agentId"],
    );
}

#[test]
fn attachments_other_than_claude_codes_own_context_are_named() {
    let input = concat!(
        r#"{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"abc","message":{"role":"user","content":"Look at @notes.txt"}}"#,
        "\n",
        r#"{"type":"attachment","uuid":"a1","parentUuid":"u1","sessionId":"abc","attachment":{"type":"date","date":"today"}}"#,
        "\n",
        r#"{"type":"attachment","uuid":"a2","parentUuid":"a1","sessionId":"abc","attachment":{"type":"file","filename":"notes.txt"}}"#,
        "\n",
        r#"{"type":"assistant","uuid":"u2","parentUuid":"a2","sessionId":"abc","message":{"id":"m1","role":"assistant","content":"Read it.","model":"claude-haiku-4-5"}}"#,
        "\n"
    );
    let checkpoint = read("input", input.as_bytes()).expect("imports");
    assert_eq!(roles(&checkpoint), [Role::User, Role::Assistant]);
    assert_eq!(
        notes(&checkpoint),
        ["attachments of type \"file\" not imported: 1"]
    );
}
